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


def _reference_verdicts(policy, records, year) -> list[tuple[str, ...] | None]:
    """The reference outcomes per record; None where explaining the record fails."""
    ref = make_engine(policy.ir, "reference")
    out: list[tuple[str, ...] | None] = []
    for rec in records:
        try:
            out.append(tuple(o.outcome for o in ref.record(rec, year).outcomes))
        except Exception:  # noqa: BLE001 - the same failure is compared in the test above
            out.append(None)
    return out


@SETTINGS
@given(policy_and_records())
def test_compiled_verdicts_are_the_reference_outcomes(case: Case) -> None:
    policy = policydsl.loads(case.policy.text)
    prepared = policy.prepare(case.records)
    compiled = make_engine(policy.ir, "compiled")
    expected = _reference_verdicts(policy, prepared, case.year)
    for rec, want in zip(prepared, expected, strict=True):
        if want is not None:
            assert compiled.verdicts(rec.values, rec.exemptions, case.year) == want


@SETTINGS
@given(policy_and_records())
def test_vectorized_engine_gives_the_reference_results(case: Case) -> None:
    assert _results(case, "vectorized") == _results(case, "reference")


@SETTINGS
@given(policy_and_records(max_records=30))
def test_vectorized_verdicts_are_the_reference_outcomes(case: Case) -> None:
    from policydsl.results import OUTCOMES

    policy = policydsl.loads(case.policy.text)
    prepared = policy.prepare(case.records)
    codes = make_engine(policy.ir, "vectorized").verdict_rows(prepared, case.year)
    got = [tuple(OUTCOMES[c] for c in row) for row in codes]
    expected = _reference_verdicts(policy, prepared, case.year)
    assert [g for g, w in zip(got, expected, strict=True) if w is not None] == [
        w for w in expected if w is not None]
