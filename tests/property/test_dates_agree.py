"""Every engine gives the reference interpreter's results on random policies that use
dates (date facts and literals, calendar arithmetic, the evaluation date, days in force,
due days, a policy's validity), on random days: outcomes and explanations alike."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

import policydsl
from policydsl.core.source import Source
from policydsl.documents.fmt import format_text
from tests.strategies import Case, policy_and_records

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _results(case: Case, engine: str):
    policy = policydsl.loads(case.policy.text)
    ev = policy.evaluate(case.records, case.year, engine=engine)
    return ([(r.id, [(o.outcome, o.explanation) for o in r.outcomes], r.errors) for r in ev.records],
            [(t.rule, t.group, t.outcome, t.explanation) for t in ev.targets])


@pytest.mark.parametrize("engine", ["compiled", "duckdb"])
@SETTINGS
@given(case=policy_and_records(dates=True))
def test_every_engine_gives_the_reference_results_on_dated_policies(engine: str, case: Case) -> None:
    assert _results(case, engine) == _results(case, "reference")


@SETTINGS
@given(case=policy_and_records(dates=True, max_records=0))
def test_formatting_a_dated_policy_keeps_its_fingerprint(case: Case) -> None:
    text = case.policy.text
    formatted = format_text(Source("g.pol", text))
    assert policydsl.loads(formatted).fingerprint == policydsl.loads(text).fingerprint
    assert format_text(Source("g.pol", formatted)) == formatted
