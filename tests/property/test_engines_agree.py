"""Every engine gives the reference interpreter's results, on random policies and records."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

import policydsl
from policydsl.eval.engine import make_engine
from tests.strategies import Case, policy_and_records

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _results(case: Case, engine: str):
    """Per-record results and target results, or the type of error raised while explaining.

    Explanations come from the reference's `explain` module for every engine, so when it
    fails on a case, every engine must fail the same way there (and nowhere else).
    """
    policy = policydsl.loads(case.policy.text)
    prepared = policy.prepare(case.records)
    eng = make_engine(policy.ir, engine)
    try:
        records = list(eng.records(prepared, case.year))
    except Exception as e:  # noqa: BLE001 - compared, not hidden
        records = type(e)
    try:
        targets = eng.targets(prepared, case.year)
    except Exception as e:  # noqa: BLE001 - compared, not hidden
        targets = type(e)
    return records, targets


@SETTINGS
@given(policy_and_records())
def test_compiled_engine_gives_the_reference_results(case: Case) -> None:
    assert _results(case, "compiled") == _results(case, "reference")


@SETTINGS
@given(policy_and_records())
def test_compiled_verdicts_are_the_reference_outcomes(case: Case) -> None:
    policy = policydsl.loads(case.policy.text)
    prepared = policy.prepare(case.records)
    ref = make_engine(policy.ir, "reference")
    compiled = make_engine(policy.ir, "compiled")
    for rec in prepared:
        expected = tuple(o.outcome for o in ref.record(rec, case.year).outcomes)
        assert compiled.verdicts(rec.values, rec.exemptions, case.year) == expected
