"""The compiled engine gives the reference interpreter's results, on random policies and
records (the DuckDB engine: `test_duckdb_agrees.py`)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

import policydsl
from policydsl.eval.engine import make_engine
from tests.strategies import Case, policy_and_records

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _results(case: Case, engine: str):
    """Per-record results and target results of one engine, explanations included."""
    policy = policydsl.loads(case.policy.text)
    prepared = policy.prepare(case.records)
    eng = make_engine(policy.ir, engine)
    return list(eng.records(prepared, case.year)), eng.targets(prepared, case.year)


@SETTINGS
@given(policy_and_records())
def test_compiled_engine_gives_the_reference_results(case: Case) -> None:
    assert _results(case, "compiled") == _results(case, "reference")


def _reference_verdicts(policy, records, year) -> list[tuple[str, ...]]:
    ref = make_engine(policy.ir, "reference")
    return [tuple(o.outcome for o in ref.record(rec, year).outcomes) for rec in records]


@SETTINGS
@given(policy_and_records())
def test_compiled_verdicts_are_the_reference_outcomes(case: Case) -> None:
    policy = policydsl.loads(case.policy.text)
    prepared = policy.prepare(case.records)
    compiled = make_engine(policy.ir, "compiled")
    expected = _reference_verdicts(policy, prepared, case.year)
    for rec, want in zip(prepared, expected, strict=True):
        assert compiled.verdicts(rec.values, rec.exemptions, case.year) == want
