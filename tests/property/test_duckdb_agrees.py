"""The DuckDB engine gives the reference interpreter's results on random policies and
records, from every input form, and the comparison catches an injected fault."""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, assume, find, given, settings

import policydsl
from policydsl.core import ir
from policydsl.eval import duckdb_engine, sqlgen
from policydsl.eval.stream import evaluate_stream
from tests.strategies import Case, policy_and_records

SETTINGS = settings(max_examples=25, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Records whose fields are rarely missing or malformed: the engine hands a damaged
# record to the compiled engine, so damaged records would test that engine instead.
DAMAGE = 80
COLUMNS = ["id", "b1", "b2", "n1", "n2", "d1", "d2", "y1", "e1", "t1", "t2", "i1", "exemptions"]


def _cell(value: object) -> str:
    return json.dumps(value) if isinstance(value, dict) else str(value)


def write_csv(case: Case, path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for r in case.records:
            w.writerow([_cell(r[c]) if c in r else "" for c in COLUMNS])
    return path


def _frame(case: Case):
    pd = pytest.importorskip("pandas")
    rows = [{c: (_cell(r[c]) if c in r else None) for c in COLUMNS} for r in case.records]
    return pd.DataFrame(rows, columns=COLUMNS, dtype=object)


def results(policy, data, year: int, engine: str) -> tuple[list, list]:
    """Every record's JSON and every target's, as `engine` produced them."""
    out = policy.evaluate(data, year, engine=engine).to_json()
    return out["records"], out["targets"]


def duckdb_results(policy, data, year: int) -> tuple[list, list]:
    """As `results`, for the populations DuckDB itself judges (a policy whose SQL form
    is not exact yet, such as a schedule not in force inside a condition, is judged by
    the compiled engine instead, which its own agreement tests cover)."""
    batch = duckdb_engine.evaluate(policy, data, year)
    assume(batch is not None)
    batch.close()
    return results(policy, data, year, "duckdb")


def agrees(case: Case) -> bool:
    policy = policydsl.loads(case.policy.text)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(case, Path(tmp) / "records.csv")
        return duckdb_results(policy, path, case.year) == results(policy, path, case.year, "reference")


@SETTINGS
@given(policy_and_records(damage=DAMAGE))
def test_duckdb_engine_gives_the_reference_results_from_csv(case: Case) -> None:
    assert agrees(case)


@SETTINGS
@given(policy_and_records(max_records=8, damage=DAMAGE))
def test_duckdb_engine_gives_the_reference_results_from_a_dataframe(case: Case) -> None:
    policy = policydsl.loads(case.policy.text)
    frame = _frame(case)
    assert duckdb_results(policy, frame, case.year) == results(policy, frame, case.year, "reference")


@SETTINGS
@given(policy_and_records(max_records=8, damage=DAMAGE))
def test_duckdb_engine_gives_the_reference_results_from_parquet(case: Case) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    policy = policydsl.loads(case.policy.text)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "records.parquet"
        pq.write_table(pa.Table.from_pandas(_frame(case), preserve_index=False), path)
        assert duckdb_results(policy, path, case.year) == results(policy, path, case.year, "reference")


def test_streamed_text_reports_are_the_reference_reports(tmp_path) -> None:
    case = find(policy_and_records(), lambda c: len(c.records) >= 8,
                settings=settings(database=None, max_examples=200))
    policy = policydsl.loads(case.policy.text)
    path = write_csv(case, tmp_path / "r.csv")
    from policydsl.reports.collector import ReportCollector
    from policydsl.reports.text import stream_report

    ours = evaluate_stream(policy, path, case.year, engine="duckdb", report=ReportCollector(policy, 3))
    ref = evaluate_stream(policy, path, case.year, engine="reference", report=ReportCollector(policy, 3))
    assert stream_report(policy, ours) == stream_report(policy, ref)


# ---- the comparison bites: each injected fault is found -------------------------------

FIND = settings(max_examples=150, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _swap_pass_fail(monkeypatch) -> None:
    code = dict(sqlgen.CODE)
    code["pass"], code["fail"] = code["fail"], code["pass"]
    monkeypatch.setattr(sqlgen, "CODE", code)


def _at_least_becomes_more_than(monkeypatch) -> None:
    monkeypatch.setitem(sqlgen._CMP, ">=", sqlgen.exp.GT)


def _schedule_shifted_one_year(monkeypatch) -> None:
    original = sqlgen.ExprCompiler._Sched

    def shifted(self, e):
        self.year -= 1
        try:
            return original(self, e)
        finally:
            self.year += 1

    monkeypatch.setattr(sqlgen.ExprCompiler, "_Sched", shifted)


def _group_count_off_by_one(monkeypatch) -> None:
    original = duckdb_engine.Batch._run_targets

    def off(self, query, parts):
        original(self, query, parts)
        for index, _, _ in parts:
            t = self.stats.targets[index]
            for key in t.sizes:
                t.sizes[key] += 1

    monkeypatch.setattr(duckdb_engine.Batch, "_run_targets", off)


def _text_literals_merged(monkeypatch) -> None:
    # Every text literal compared as one value, as when literals absent from the data
    # shared one text code: `"p" = "q"` becomes true (sets keep their values, so the
    # records stay clean and SQL judges them).
    original = sqlgen.ExprCompiler._Cmp

    def merge(e):
        return ir.Const("", e.type) if isinstance(e, ir.Const) and isinstance(e.value, str) else e

    def merged(self, e):
        return original(self, attrs.evolve(e, left=merge(e.left), right=merge(e.right)))

    monkeypatch.setattr(sqlgen.ExprCompiler, "_Cmp", merged)


WITNESS = """
policy w period 2023 to 2025
fact x: decimal m2
fact t: text
rule literal clause C4 must t = "p" or "p" = "q"
rule at_least clause C1 must x >= 10 m2
rule stepped clause C2 must x >= [2023: 10 m2, 2024: 20 m2]
set zones = {"north", "south"}
fact zone: text in zones
target half clause C3 for each zone must share(x >= 12 m2) >= 50%
"""


def _agrees_on(text: str, rows: list[dict], year: int, tmp: Path) -> bool:
    policy = policydsl.loads(text)
    path = tmp / "w.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "x", "zone", "t"])
        w.writerows([[r["id"], r["x"], "north", "yes"] for r in rows])
    return duckdb_results(policy, path, year) == results(policy, path, year, "reference")


@pytest.mark.parametrize("fault", [_swap_pass_fail, _at_least_becomes_more_than,
                                   _schedule_shifted_one_year, _group_count_off_by_one, _text_literals_merged])
def test_an_injected_fault_is_caught_on_a_boundary_record(monkeypatch, tmp_path, fault) -> None:
    monkeypatch.setenv("POLICYDSL_CACHE", "off")  # a kept plan would be the code without the fault
    rows = [{"id": "on", "x": "10"}, {"id": "between", "x": "15"}]
    assert _agrees_on(WITNESS, rows, 2024, tmp_path)  # without the fault
    fault(monkeypatch)
    assert not _agrees_on(WITNESS, rows, 2024, tmp_path)


@pytest.mark.parametrize("fault", [_swap_pass_fail])
def test_an_injected_fault_makes_the_agreement_check_fail(monkeypatch, fault) -> None:
    monkeypatch.setenv("POLICYDSL_CACHE", "off")
    fault(monkeypatch)
    find(policy_and_records(damage=DAMAGE), lambda case: not agrees(case), settings=FIND)
