"""Properties of the Chifeng policy, checked on records and populations the solver builds."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policydsl
import policydsl.testing as pt
from policydsl.analysis import smt

ROOT = Path(__file__).parent.parent.parent
POLICY = policydsl.load(ROOT / "policies" / "chifeng_2023.pol")
YEARS = list(POLICY.years)
FEW = settings(max_examples=8, deadline=None)
OK = {"pass", "not_applicable"}


def _outcomes(record, year) -> dict[str, str]:
    result = POLICY.evaluate_record(record, year)
    assert result.errors == ()
    return {o.rule: o.outcome for o in result.outcomes}


@pytest.mark.parametrize("year", YEARS)
@FEW
@given(data=st.data())
def test_every_year_has_fully_compliant_records(year, data):
    record = data.draw(pt.compliant_records(POLICY, year))
    assert set(_outcomes(record, year).values()) <= OK


@pytest.mark.parametrize("year", YEARS)
@settings(max_examples=2, deadline=None)
@given(data=st.data())
def test_every_year_has_a_fully_compliant_population(year, data):
    population = data.draw(pt.compliant_populations(POLICY, year))
    evaluation = POLICY.evaluate(population, year)
    for target in evaluation.targets:
        if target.modality == "must":
            assert target.outcome in OK, target
    for record in evaluation.records:
        assert {o.outcome for o in record.outcomes} <= OK


@FEW
@given(data=st.data())
def test_a_record_compliant_in_a_later_year_is_compliant_in_every_earlier_year(data):
    # Holds for every per-record rule of this policy: its thresholds only tighten
    # (the analysis reports no schedule regression for it).
    later = data.draw(st.sampled_from(YEARS[1:]))
    record = data.draw(pt.compliant_records(POLICY, later))
    for year in YEARS:
        if year < later:
            assert set(_outcomes(record, year).values()) <= OK, year


@functools.cache
def _fails_alone(rule: str, year: int):
    """A record failing `rule` alone in `year`, or None when every such record fails another."""
    target = next(r for r in POLICY.rules if r.name == rule)
    enc = smt.Encoding(POLICY.ir, year)
    others = [enc.satisfied(r) for r in POLICY.rules if r is not target]
    answer = smt.satisfiable(enc.domain() + others + [enc.violated(target)])
    assert not isinstance(answer, smt.Unknown)
    return enc.witness_to_record(answer.witness) if isinstance(answer, smt.Sat) else None


@pytest.mark.parametrize("rule", [r.name for r in POLICY.rules])
def test_every_rule_can_fail_on_its_own(rule):
    for year in YEARS:
        record = _fails_alone(rule, year)
        if record is not None:
            outcomes = _outcomes(record, year)
            assert outcomes.pop(rule) == "fail"
            assert set(outcomes.values()) <= OK
            return
    pytest.fail(f"`{rule}` never fails unless another rule fails too")


IN_PRINCIPLE = sorted({c for r in POLICY.rules if r.modality == "in_principle" for c in r.clauses})


@FEW
@given(data=st.data())
def test_exemptions_change_only_in_principle_outcomes(data):
    year = data.draw(st.sampled_from(YEARS))
    alone = [r.name for r in POLICY.rules if _fails_alone(r.name, year) is not None]
    rule = data.draw(st.sampled_from(alone))
    record = data.draw(pt.violating_records(POLICY, year, rule))
    exempt = dict(record, exemptions=json.dumps({c: "approved" for c in IN_PRINCIPLE}))
    before, after = _outcomes(record, year), _outcomes(exempt, year)
    modality = {r.name: r.modality for r in POLICY.rules}
    for name, outcome in before.items():
        if after[name] != outcome:
            assert modality[name] == "in_principle"
            assert after[name] == "exempted"


@FEW
@given(data=st.data())
def test_records_on_a_rule_boundary_pass_it(data):
    year = data.draw(st.sampled_from(YEARS))
    rule = data.draw(st.sampled_from(["worker_income", "operating_funds_floor", "staffing",
                                      "community_size", "new_build_service_space"]))
    record = data.draw(pt.boundary_records(POLICY, year, rule))
    assert _outcomes(record, year)[rule] == "pass"


@settings(max_examples=4, deadline=None)
@given(data=st.data())
def test_populations_built_to_miss_a_target_fail_it_and_those_built_to_meet_it_pass(data):
    target = data.draw(st.sampled_from(["service_space_share", "five_good_share",
                                        "key_communities_selected"]))
    rule = next(t for t in POLICY.targets if t.name == target)
    year = data.draw(st.sampled_from([y for y in YEARS if smt.Encoding(POLICY.ir, y).in_force(rule)]))
    meets = data.draw(st.booleans())
    population = data.draw(pt.populations(POLICY, year, target, meets=meets))
    results = [t for t in POLICY.evaluate(population, year).targets if t.rule == target]
    assert {t.outcome for t in results} == ({"pass"} if meets else {"fail"})
