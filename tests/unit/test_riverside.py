"""Every construct and every outcome kind, on a policy unrelated to Chifeng."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

import policydsl

POLICY = Path(__file__).parents[1] / "fixtures" / "riverside.pol"


@pytest.fixture(scope="module")
def policy():
    return policydsl.load(POLICY)


def home(**overrides):
    """A home that meets every rule in every year; tests override what matters."""
    record = {
        "id": "H1", "district": "North", "public": True, "beds": 40, "residents": 30,
        "nurses": 3, "floor_area": "1200.00", "garden_sqft": "600", "budget": "60",
        "spending": "540000.00", "rating": "two_star", "fire_certified": True, "评估得分": "75",
    }
    record.update(overrides)
    return record


def outcome(policy, record, year, rule):
    result = policy.evaluate_record(record, year)
    (found,) = [o for o in result.outcomes if o.rule == rule]
    return found


def test_compliant_home_passes_every_rule_in_force(policy):
    for year in policy.years:
        result = policy.evaluate_record(home(), year)
        assert result.errors == ()
        assert {o.outcome for o in result.outcomes} <= {"pass", "not_applicable"}, (year, result)


def test_metadata_is_read(policy):
    assert policy.name == "riverside_care"
    assert policy.version == "2.1"
    assert policy.period == (2030, 2032)
    assert policy.ir.meta.original == "河畔市养老机构建设规划"
    assert policy.ir.entity_plural == "homes"
    assert [n.section for n in policy.ir.notes] == ["5"]


def test_must_rule_fails_with_explanation(policy):
    o = outcome(policy, home(fire_certified=False), 2030, "fire_safety")
    assert (o.outcome, o.modality, o.clauses) == ("fail", "must", ("R1",))
    assert o.explanation == "`fire_certified` is false"


def test_derived_value_with_ceil_and_max(policy):
    # 31 residents need ceil(3.1) = 4 nurses; 3 is one short.
    o = outcome(policy, home(residents=31, nurses=3), 2030, "staffing")
    assert o.outcome == "fail"
    assert "needs at least 4 people (`max(ceil(residents * 1 nurse per 10 person), 2 nurses)`; `residents` is 31 people): 1 person short" in o.explanation
    # 5 residents need 1 by the rate, but never fewer than 2.
    assert outcome(policy, home(residents=5, nurses=2), 2030, "staffing").outcome == "pass"
    assert outcome(policy, home(residents=5, nurses=1), 2030, "staffing").outcome == "fail"


def test_lookup_table_brackets(policy):
    # 40 beds: 30 m2 per bed -> 1200 m2 exactly passes; 50 beds: 25 m2 per bed -> 1250 m2.
    assert outcome(policy, home(beds=40, floor_area="1200"), 2031, "space").outcome == "pass"
    assert outcome(policy, home(beds=40, floor_area="1199.99"), 2031, "space").outcome == "fail"
    assert outcome(policy, home(beds=50, residents=40, floor_area="1250"), 2031, "space").outcome == "pass"
    assert outcome(policy, home(beds=200, residents=40, floor_area="4000"), 2031, "space").outcome == "pass"


def test_rule_not_in_force_before_its_first_year(policy):
    o = outcome(policy, home(floor_area="1"), 2030, "space")
    assert o.outcome == "not_applicable"
    assert o.explanation == "not in force in 2030 (in force from 2031 to 2032)"


def test_in_principle_rule_deviates_and_can_be_exempted(policy):
    o = outcome(policy, home(residents=45, nurses=5), 2030, "occupancy")
    assert (o.outcome, o.modality) == ("fail", "in_principle")
    assert "outside 0 people to 40 people: 5 people above" in o.explanation
    exempted = outcome(policy, home(residents=45, nurses=5, exemptions={"R4": "temporary overflow"}),
                       2030, "occupancy")
    assert exempted.outcome == "exempted"
    assert exempted.explanation == "exempted from R4: temporary overflow"


def test_exemption_of_a_must_clause_is_a_data_error(policy):
    result = policy.evaluate_record(home(fire_certified=False, exemptions={"R1": "pending"}), 2030)
    assert [(e.field, e.message) for e in result.errors] == [
        ("exemptions", "exemption from `R1` is not allowed: it is a must clause, and only "
                       "in-principle clauses can be exempted")]
    assert outcome(policy, home(fire_certified=False, exemptions={"R1": "x"}), 2030,
                   "fire_safety").outcome == "fail"


def test_scope_and_schedule_of_a_relative_threshold(policy):
    # 2030: 80% of 60万元 = 480000 yuan; 2031 keeps the 2030 entry; 2032: 90% = 540000.
    low = home(spending="480000")
    assert outcome(policy, low, 2030, "public_budget").outcome == "pass"
    assert outcome(policy, low, 2031, "public_budget").outcome == "pass"
    o = outcome(policy, low, 2032, "public_budget")
    assert o.outcome == "fail"
    assert "needs at least 540000 yuan per year (`90% of budget`; `budget` is 60 万元 per year)" in o.explanation
    assert "60000 yuan per year short" in o.explanation
    out = outcome(policy, home(district="East"), 2032, "public_budget")
    assert out.outcome == "not_applicable"
    assert out.explanation.startswith("out of scope:")


def test_strive_alternatives_and_optional_fact(policy):
    # No garden, but two stars: the second alternative holds.
    o = outcome(policy, home(garden_sqft=None), 2030, "garden")
    assert (o.outcome, o.modality) == ("pass", "strive")
    # No garden and one star: the missing optional fact leaves the rule undecided.
    o = outcome(policy, home(garden_sqft=None, rating="one_star"), 2030, "garden")
    assert o.outcome == "unknown"
    assert "`garden_sqft` is missing or invalid" in o.explanation
    o = outcome(policy, home(garden_sqft="499", rating="one_star"), 2030, "garden")
    assert o.outcome == "fail"
    assert "needs at least 500 sqft" in o.explanation
    assert outcome(policy, home(garden_sqft="499"), 2032, "garden").outcome == "not_applicable"


def test_conditional_value_and_wan_multiplier(policy):
    small = home(beds=40, budget="30", spending="270000")
    assert outcome(policy, small, 2032, "minimum_budget").outcome == "pass"
    big = home(beds=60, residents=40, floor_area="1500", budget="30", spending="270000")
    o = outcome(policy, big, 2032, "minimum_budget")
    assert o.outcome == "fail"
    assert "needs at least 50 万元 per year (`if beds < 50 beds" in o.explanation
    assert o.explanation.endswith("20 万元 per year short")


def test_unicode_fact_names_and_sets(policy):
    assert outcome(policy, home(评估得分="59.99"), 2030, "assessed").outcome == "fail"
    west = outcome(policy, home(district="West", 评估得分="10"), 2030, "assessed")
    assert west.outcome == "not_applicable"


def test_not_and_enum_equality(policy):
    o = outcome(policy, home(rating="none"), 2030, "no_downgrade")
    assert o.outcome == "fail"


def test_missing_field_is_unknown_and_reported(policy):
    record = home()
    del record["fire_certified"]
    result = policy.evaluate_record(record, 2030)
    assert [e.field for e in result.errors] == ["fire_certified"]
    assert outcome(policy, record, 2030, "fire_safety").outcome == "unknown"


def test_part_larger_than_whole_is_a_field_error(policy):
    result = policy.evaluate_record(home(spending="700000"), 2030)
    assert [(e.field, e.message) for e in result.errors] == [
        ("spending", "`spending` is 700000 yuan per year, more than `budget` (budget is 600000 yuan per year)")]


def test_value_outside_declared_set_is_a_field_error(policy):
    result = policy.evaluate_record(home(district="Lakeside"), 2030)
    assert [(e.field, e.message) for e in result.errors] == [
        ("district", "`district` is `Lakeside`, not one of `districts`")]


def population():
    return [
        home(id="A", district="North", rating="three_star"),
        home(id="B", district="South", rating="one_star"),
        home(id="C", district="East", public=False, rating="two_star", 评估得分="61"),
        home(id="D", district="East", public=False, rating="none", 评估得分="62"),
    ]


def targets(policy, records, year, rule):
    result = policy.evaluate(records, year)
    return [t for t in result.targets if t.rule == rule]


def test_share_target_with_schedule(policy):
    (t,) = targets(policy, population(), 2031, "star_share")
    assert (t.outcome, t.value, t.required) == ("pass", Fraction(1, 2), Fraction(2, 5))
    (t,) = targets(policy, population()[:3], 2032, "star_share")
    assert (t.outcome, t.value, t.required) == ("pass", Fraction(2, 3), Fraction(1, 2))
    (t,) = targets(policy, population()[1:], 2032, "star_share")
    assert t.outcome == "fail"
    assert t.explanation == ("share ≈33.33% (1 of 3 homes), needs at least 50% (the 2032 target): "
                             "1 more home")


def test_group_target_reports_declared_groups_missing_from_data(policy):
    results = targets(policy, population(), 2032, "homes_per_district")
    assert [(t.group, t.outcome) for t in results] == [
        ("North", "pass"), ("South", "pass"), ("East", "fail"), ("West", "fail")]
    assert results[3].explanation == "West: count 0 homes, needs at least 1: 1 more home"


def test_ratio_of_sums_target(policy):
    (t,) = targets(policy, population(), 2030, "nurse_ratio")
    assert (t.value, t.outcome, t.modality) == (Fraction(6, 60), "fail", "strive")
    assert t.explanation == "`sum(nurses) / sum(residents)` is 10% (6 people of 60 people), needs at least 12%: 2 more people"


def test_mean_target_not_in_force_and_empty(policy):
    (t,) = targets(policy, population(), 2030, "average_score")
    assert t.outcome == "not_applicable"
    (t,) = targets(policy, population(), 2031, "average_score")
    assert (t.outcome, t.value) == ("fail", Fraction(75 + 75 + 61 + 62, 4))
    (t,) = targets(policy, [], 2031, "average_score")
    assert (t.outcome, t.explanation) == ("not_applicable", "no homes in scope")


def test_unknown_record_makes_a_target_unknown(policy):
    records = population()
    records[0] = dict(records[0], rating="")
    (t,) = targets(policy, records, 2031, "star_share")
    assert t.outcome == "unknown"
    assert "1 record(s) unknown" in t.explanation


def test_every_input_record_appears_in_order(policy):
    records = population() + [{"id": "bad", "beds": "many"}]
    result = policy.evaluate(records, 2030)
    assert [r.id for r in result.records] == ["A", "B", "C", "D", "bad"]
    assert len(result.records[-1].errors) >= 5
    assert result.summary["records_with_errors"] == 1


def test_year_outside_period_is_refused(policy):
    with pytest.raises(policydsl.YearError, match="year 2033 is outside the period"):
        policy.evaluate([home()], 2033)
