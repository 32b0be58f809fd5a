"""The plans of DuckDB batches kept between processes (`duckdb_engine._plan`): a batch of a
policy and a shape of input seen before runs the kept queries without importing sqlglot,
a plan is never taken for another policy, year, shape or limits, and a broken entry only
means building the plan again."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import policydsl
from policydsl.eval import duckdb_engine
from policydsl.eval.sqltext import identifier, literal

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "policies" / "chifeng_2023.pol"
DATA = ROOT / "examples" / "chifeng_communities.csv"


def _plans(where: Path) -> list[Path]:
    return sorted(where.glob("*.plan")) if where.exists() else []


def _records(policy, data, year: int) -> list:
    return policy.evaluate(data, year, engine="duckdb").to_json()["records"]


def test_a_second_batch_in_a_new_process_runs_the_kept_plan_without_sqlglot(cache) -> None:
    code = ("import json, sys, policydsl; p = policydsl.load(sys.argv[1]); "
            "r = p.evaluate(sys.argv[2], 2024, engine='duckdb').to_json()['records']; "
            "print(json.dumps([sorted(sys.modules).count('sqlglot'), len(r)]))")
    runs = [subprocess.run([sys.executable, "-c", code, str(POLICY), str(DATA)], capture_output=True, text=True,
                           check=True, cwd=ROOT).stdout for _ in range(2)]
    first, second = (eval(r) for r in runs)  # noqa: S307 - our own JSON list
    assert first[0] == 1 and second[0] == 0  # built with sqlglot once, then taken as it was kept
    assert first[1] == second[1] > 0
    assert len(_plans(cache)) == 1


def test_a_plan_is_taken_only_for_its_own_policy_year_and_shape(cache, tmp_path) -> None:
    policy = policydsl.load(POLICY)
    expected = {year: _records(policy, DATA, year) for year in (2023, 2024)}
    assert len(_plans(cache)) == 2  # one per year
    # the same columns in another order: another shape, so another plan
    import csv

    with open(DATA, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    order = [0, *range(len(rows[0]) - 1, 0, -1)]
    swapped = tmp_path / "swapped.csv"
    with open(swapped, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([[r[i] for i in order] for r in rows])
    assert _records(policy, swapped, 2024) == expected[2024]
    assert len(_plans(cache)) == 3
    for year in (2023, 2024):  # and each year still its own
        assert _records(policy, DATA, year) == expected[year]
    assert len(_plans(cache)) == 3


def test_a_broken_or_foreign_plan_entry_only_means_building_the_plan_again(cache) -> None:
    policy = policydsl.load(POLICY)
    expected = _records(policy, DATA, 2024)
    (entry,) = _plans(cache)
    entry.write_bytes(b"not a pickle")
    assert _records(policy, DATA, 2024) == expected
    entry.write_bytes(pickle.dumps({"rec": "SELECT 1"}))  # a pickle, but of no plan
    assert _records(policy, DATA, 2024) == expected


def test_another_policy_gets_another_plan(cache) -> None:
    one = policydsl.loads("policy p period 2024 to 2025\nfact a: integer\nrule r clause C1 must a >= 2\n")
    two = policydsl.loads("policy p period 2024 to 2025\nfact a: integer\nrule r clause C1 must a >= 3\n")
    data = [{"id": "x", "a": 2}]
    assert [r["outcomes"][0]["outcome"] for r in _records(one, data, 2024)] == ["pass"]
    assert [r["outcomes"][0]["outcome"] for r in _records(two, data, 2024)] == ["fail"]


def test_a_checked_policy_and_the_same_policy_unpickled_have_one_key() -> None:
    # the key reads the IR's values, not which equal objects are shared
    from policydsl.loader import read_source

    checked = policydsl.Policy.from_source(read_source(POLICY)).ir
    again = pickle.loads(pickle.dumps(checked))
    assert duckdb_engine._canonical(checked) == duckdb_engine._canonical(again)
    assert duckdb_engine._canonical(checked) != duckdb_engine._canonical(policydsl.loads(POLICY.read_text()).ir)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_literals_and_identifiers_are_written_as_sqlglot_writes_them(text: str) -> None:
    from sqlglot import exp

    assert literal(text) == exp.Literal.string(text).sql(dialect="duckdb")
    assert identifier(text) == exp.column(text, quoted=True).sql(dialect="duckdb")
