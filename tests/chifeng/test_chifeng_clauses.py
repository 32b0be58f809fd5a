"""Every Chifeng clause C01–C27: passing and failing records (or populations) in a year
it is in force, a year it is not, and records exactly on and just beside every
numeric threshold. Records are the compliant baseline with the changes that matter.
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from chifeng_records import CITY_DISTRICTS, REGIONS, YEARS, communities, community, mixed

# ---- what clauses.md says, stated independently of the policy --------------------

# rule -> (clauses, modality, years in force)
EXPECTED = {
    "autonomous_region_demo": (("C01",), "must", {2025}),
    "national_demo": (("C02",), "strive", {2025}),
    "key_communities_selected": (("C03",), "must", {2023, 2024, 2025}),
    "key_communities_standard": (("C04",), "must", {2023, 2024, 2025}),
    "organisation_coverage": (("C05",), "must", {2023, 2024, 2025}),
    "own_office": (("C06",), "must", {2023, 2024, 2025}),
    "service_space_share": (("C07",), "must", {2023, 2024, 2025}),
    "worker_income": (("C08",), "must", {2023, 2024, 2025}),
    "operating_funds_floor": (("C09",), "must", {2023, 2024, 2025}),
    "pay_in_budget": (("C10",), "must", {2023, 2024, 2025}),
    "key_one_stop": (("C11",), "must", {2023, 2024, 2025}),
    "one_stop_size": (("C12",), "in_principle", {2023, 2024, 2025}),
    "one_stop_share": (("C13",), "must", {2024}),
    "every_one_stop": (("C14",), "must", {2025}),
    "harmonious_share": (("C15",), "strive", {2024, 2025}),
    "five_good_share": (("C16",), "must", {2024, 2025}),
    "staff_training_first_year": (("C17",), "strive", {2023}),
    "staff_training": (("C17",), "must", {2024, 2025}),
    "leaders_education": (("C18",), "must", {2025}),
    "activity_funds": (("C19",), "must", {2024, 2025}),
    "funds_growth": (("C20",), "must", {2025}),
    "community_size": (("C21",), "in_principle", {2023, 2024, 2025}),
    "new_build_service_space": (("C22",), "must", {2023, 2024, 2025}),
    "service_space_use": (("C23",), "must", {2023, 2024, 2025}),
    "retiree_management": (("C24",), "must", {2025}),
    "culture_and_health": (("C25",), "must", {2025}),
    "co_building": (("C26",), "strive", {2023, 2024, 2025}),
    "staffing": (("C27",), "in_principle", {2023, 2024, 2025}),
}
TARGETS = {"autonomous_region_demo", "national_demo", "key_communities_selected", "service_space_share",
           "one_stop_share", "harmonious_share", "five_good_share", "leaders_education"}
ALL_CLAUSES = {f"C{i:02d}" for i in range(1, 28)}


def outcome_of(policy, record: dict, year: int, rule: str):
    result = policy.evaluate_record(record, year)
    assert result.errors == (), result.errors
    (o,) = [o for o in result.outcomes if o.rule == rule]
    return o


def targets_of(policy, records: list[dict], year: int, rule: str) -> dict:
    evaluation = policy.evaluate(records, year)
    assert all(r.errors == () for r in evaluation.records)
    return {t.group: t for t in evaluation.targets if t.rule == rule}


# ---- the policy encodes what clauses.md says -------------------------------------


def test_every_clause_is_encoded_with_its_modality(chifeng):
    rules = {r.name: r for r in chifeng.rules + chifeng.targets}
    assert set(rules) == set(EXPECTED)
    assert {r.name for r in chifeng.targets} == TARGETS
    assert {c for r in rules.values() for c in r.clauses} == ALL_CLAUSES
    for name, (clauses, modality, _) in EXPECTED.items():
        assert (rules[name].clauses, rules[name].modality) == (clauses, modality), name


def test_every_rule_cites_a_section(chifeng):
    for r in chifeng.rules + chifeng.targets:
        assert r.section, r.name


@pytest.mark.parametrize("year", YEARS)
def test_each_rule_is_in_force_exactly_in_its_years(chifeng, year):
    """The baseline is compliant and in every scope, so `not_applicable` means "not in force"."""
    result = chifeng.evaluate_record(community(), year)
    assert len(result.outcomes) == len(EXPECTED) - len(TARGETS)
    for o in result.outcomes:
        in_force = year in EXPECTED[o.rule][2]
        assert o.outcome == ("pass" if in_force else "not_applicable"), (o.rule, o.explanation)
        if not in_force:
            assert f"not in force in {year}" in o.explanation
    population = [community(id=f"T-{r}", region=r) for r in REGIONS] + communities(26 - 12, prefix="K")
    for t in chifeng.evaluate(population, year).targets:
        in_force = year in EXPECTED[t.rule][2]
        assert t.outcome == ("pass" if in_force else "not_applicable"), (t.rule, t.group, t.explanation)
        if not in_force:
            assert f"not in force in {year}" in t.explanation


# ---- per-record clauses ------------------------------------------------------------

# (rule, year, changes, outcome, a phrase of the explanation)
RECORD_CASES = [
    # C04: the key communities reach the harmonious standard
    ("key_communities_standard", 2023, {}, "pass", "`harmonious_standard_met` is true"),
    ("key_communities_standard", 2023, {"harmonious_standard_met": False}, "fail",
     "`harmonious_standard_met` is false"),
    ("key_communities_standard", 2024, {"key_community": False, "harmonious_standard_met": False},
     "not_applicable", "out of scope: `key_community` is false"),
    # C05: Party organisation and residents' committee, both
    ("organisation_coverage", 2023, {}, "pass", "`has_residents_committee` is true"),
    ("organisation_coverage", 2023, {"has_party_org": False, "party_org_five_good": False}, "fail",
     "`has_party_org` is false"),
    ("organisation_coverage", 2025, {"has_residents_committee": False}, "fail",
     "`has_residents_committee` is false"),
    # C06: own office premises
    ("own_office", 2023, {}, "pass", "`has_own_office` is true"),
    ("own_office", 2025, {"has_own_office": False}, "fail", "`has_own_office` is false"),
    # C08: income at least 70% / 85% / 100% of the wage (65743.07)
    ("worker_income", 2023, {"staff_avg_income": "46020.149"}, "pass",
     "at least 46020.149 yuan per year (`70% of"),
    ("worker_income", 2023, {"staff_avg_income": "46020.148"}, "fail", "0.001 yuan per year short"),
    ("worker_income", 2023, {"staff_avg_income": "42000.00", "local_avg_wage_prev_year": "60000.00"},
     "pass", "at least 42000 yuan per year"),
    ("worker_income", 2023, {"staff_avg_income": "41999.99", "local_avg_wage_prev_year": "60000.00"},
     "fail", "0.01 yuan per year short"),
    ("worker_income", 2024, {"staff_avg_income": "46020.15"}, "fail", "(`85% of"),
    ("worker_income", 2024, {"staff_avg_income": "55881.6095"}, "pass", "at least 55881.6095 yuan"),
    ("worker_income", 2024, {"staff_avg_income": "55881.6094"}, "fail", "0.0001 yuan per year short"),
    ("worker_income", 2025, {"staff_avg_income": "65743.07"}, "pass", "(`100% of"),
    ("worker_income", 2025, {"staff_avg_income": "65743.06"}, "fail", "0.01 yuan per year short"),
    # C09: work funds at least 1万元
    ("operating_funds_floor", 2023, {"operating_funds": "10000.00", "operating_funds_prev_year": "9000"},
     "pass", "at least 10000 yuan per year (1万元 per year)"),
    ("operating_funds_floor", 2023, {"operating_funds": "9999.99"}, "fail", "0.01 yuan per year short"),
    # C10: pay and funds in the public budget
    ("pay_in_budget", 2023, {}, "pass", "`pay_in_budget` is true"),
    ("pay_in_budget", 2024, {"pay_in_budget": False}, "fail", "`pay_in_budget` is false"),
    # C11: key communities have a one-stop centre
    ("key_one_stop", 2023, {}, "pass", "`one_stop_center` is true"),
    ("key_one_stop", 2023, {"one_stop_center": False, "one_stop_center_m2": "0"}, "fail",
     "`one_stop_center` is false"),
    ("key_one_stop", 2023, {"key_community": False, "one_stop_center": False}, "not_applicable",
     "out of scope: `key_community` is false"),
    # C12: a one-stop centre has, in principle, at least 50 m2
    ("one_stop_size", 2023, {"one_stop_center_m2": "50.00"}, "pass", "at least 50 m2"),
    ("one_stop_size", 2023, {"one_stop_center_m2": "49.99"}, "fail", "0.01 m2 short"),
    ("one_stop_size", 2023, {"one_stop_center": False, "one_stop_center_m2": "0", "key_community": False},
     "not_applicable", "out of scope: `one_stop_center` is false"),
    # C14: every community has a one-stop centre, in 2025
    ("every_one_stop", 2025, {"key_community": False}, "pass", "`one_stop_center` is true"),
    ("every_one_stop", 2025, {"key_community": False, "one_stop_center": False, "one_stop_center_m2": "0"},
     "fail", "`one_stop_center` is false"),
    ("every_one_stop", 2024, {"key_community": False, "one_stop_center": False, "one_stop_center_m2": "0"},
     "not_applicable", "not in force in 2024 (in force in 2025)"),
    # C17: everyone trained; strive in 2023, must from 2024
    ("staff_training_first_year", 2023, {"staff_count": 4, "staff_trained": 4}, "pass", "at least 4 people"),
    ("staff_training_first_year", 2023, {"staff_count": 4, "staff_trained": 3}, "fail", "1 person short"),
    ("staff_training_first_year", 2024, {"staff_count": 4, "staff_trained": 3}, "not_applicable",
     "not in force in 2024 (in force in 2023)"),
    ("staff_training", 2024, {"staff_count": 4, "staff_trained": 4}, "pass", "at least 4 people"),
    ("staff_training", 2025, {"staff_count": 4, "staff_trained": 3}, "fail", "1 person short"),
    ("staff_training", 2023, {"staff_count": 4, "staff_trained": 3}, "not_applicable",
     "not in force in 2023 (in force from 2024 to 2025)"),
    # C19: some activity funds from 2024
    ("activity_funds", 2024, {"activity_funds": "0.01"}, "pass", "more than 0 yuan per year"),
    ("activity_funds", 2024, {"activity_funds": "0.00"}, "fail", "`activity_funds` is 0 yuan per year"),
    ("activity_funds", 2023, {"activity_funds": "0.00"}, "not_applicable", "not in force in 2023"),
    # C20: funds do not fall, in 2025
    ("funds_growth", 2025, {"operating_funds": "22000.00", "operating_funds_prev_year": "22000.00"},
     "pass", "at least 22000 yuan per year"),
    ("funds_growth", 2025, {"operating_funds": "21999.99", "operating_funds_prev_year": "22000.00"},
     "fail", "0.01 yuan per year short"),
    ("funds_growth", 2024, {"operating_funds": "21999.99", "operating_funds_prev_year": "22000.00"},
     "not_applicable", "not in force in 2024 (in force in 2025)"),
    # C21: 1000 to 2000 households in principle, both ends included
    ("community_size", 2023, {"households": 1000, "staff_count": 3, "staff_trained": 3}, "pass",
     "within 1000 households to 2000 households"),
    ("community_size", 2023, {"households": 2000, "staff_count": 5, "staff_trained": 5}, "pass",
     "`households` is 2000 household"),
    ("community_size", 2024, {"households": 999}, "fail", "1 household below"),
    ("community_size", 2025, {"households": 2001, "staff_count": 6, "staff_trained": 6}, "fail",
     "1 household above"),
    # C22: new builds, 20 m2 per 100 households, or the fund paid
    ("new_build_service_space", 2023, {"households": 1001, "service_space_m2": "200.20"}, "pass",
     "at least 200.2 m2 (`20 m2 per 100 households"),
    ("new_build_service_space", 2023, {"households": 1001, "service_space_m2": "200.19"}, "fail",
     "needs at least 200.2 m2"),
    ("new_build_service_space", 2024, {"households": 1500, "service_space_m2": "300.00"}, "pass",
     "at least 300 m2"),
    ("new_build_service_space", 2024, {"households": 1500, "service_space_m2": "299.99"}, "fail",
     "0.01 m2 short; `service_space_fund_paid` is false"),
    ("new_build_service_space", 2025, {"households": 620, "service_space_m2": "80.00",
                                       "service_space_fund_paid": True}, "pass",
     "`service_space_fund_paid` is true"),
    ("new_build_service_space", 2023, {"new_build": False, "service_space_m2": "80.00"}, "not_applicable",
     "out of scope: `new_build` is false"),
    # C23: service rooms not misused
    ("service_space_use", 2023, {}, "pass", "`service_space_misused` is false"),
    ("service_space_use", 2024, {"service_space_misused": True}, "fail", "`service_space_misused` is true"),
    # C24: 95% of retirees under socialised management, in 2025
    ("retiree_management", 2025, {"retirees": 20, "retirees_managed": 19}, "pass", "at least 19 people"),
    ("retiree_management", 2025, {"retirees": 20, "retirees_managed": 18}, "fail", "1 person short"),
    ("retiree_management", 2025, {"retirees": 400, "retirees_managed": 380}, "pass", "(`95% of retirees"),
    ("retiree_management", 2025, {"retirees": 400, "retirees_managed": 379}, "fail", "needs at least 380 people"),
    ("retiree_management", 2025, {"retirees": 0, "retirees_managed": 0}, "not_applicable",
     "out of scope: `retirees` is 0 people"),
    ("retiree_management", 2024, {"retirees": 20, "retirees_managed": 18}, "not_applicable",
     "not in force in 2024 (in force in 2025)"),
    # C25: culture and sports room and health station, in 2025
    ("culture_and_health", 2025, {}, "pass", "`culture_room` is true; `health_station` is true"),
    ("culture_and_health", 2025, {"culture_room": False}, "fail", "`culture_room` is false"),
    ("culture_and_health", 2025, {"health_station": False}, "fail", "`health_station` is false"),
    ("culture_and_health", 2024, {"culture_room": False}, "not_applicable", "not in force in 2024"),
    # C26: strive for 90% of the area's Party organisations in co-building
    ("co_building", 2023, {"party_orgs_total": 10, "party_orgs_co_building": 9}, "pass", "at least 9 organisation"),
    ("co_building", 2023, {"party_orgs_total": 10, "party_orgs_co_building": 8}, "fail", "1 organisation short"),
    ("co_building", 2025, {"party_orgs_total": 20, "party_orgs_co_building": 18}, "pass", "(`90% of party_orgs_total"),
    ("co_building", 2023, {"party_orgs_total": 0, "party_orgs_co_building": 0}, "not_applicable",
     "out of scope: `party_orgs_total` is 0 organisation"),
    # C27: one worker per 400 households in principle (1000 households need 2.5, so 3)
    ("staffing", 2023, {"households": 1000, "staff_count": 3, "staff_trained": 3}, "pass",
     "at least 3 people (`1 worker per 400 households × households` = 2.5 people"),
    ("staffing", 2023, {"households": 1000, "staff_count": 2, "staff_trained": 2}, "fail", "1 person short"),
    ("staffing", 2024, {"households": 1200, "staff_count": 3, "staff_trained": 3}, "pass", "at least 3 people"),
    ("staffing", 2025, {"households": 1201, "staff_count": 3, "staff_trained": 3}, "fail",
     "needs at least 4 people (`1 worker per 400 households × households` = 3.0025 people"),
]


@pytest.mark.parametrize(("rule", "year", "changes", "expected", "phrase"), RECORD_CASES,
                         ids=[f"{EXPECTED[c[0]][0][0]}-{c[0]}-{c[1]}-{c[3]}-{i}" for i, c in enumerate(RECORD_CASES)])
def test_record_clause(chifeng, rule, year, changes, expected, phrase):
    o = outcome_of(chifeng, community(**changes), year, rule)
    assert (o.outcome, o.modality) == (expected, EXPECTED[rule][1])
    assert phrase in o.explanation


# ---- population targets ------------------------------------------------------------

KLQ = {"region": "喀喇沁旗", "demo_level": "none", "key_community": False}


def regions_with(level_of: dict[str, str]) -> list[dict]:
    """One community per region, at the given demonstration level (default: none)."""
    return [community(id=f"T-{i:02d}", region=r, demo_level=level_of.get(r, "none"))
            for i, r in enumerate(REGIONS)]


# (rule, year, population, group, outcome, value, a phrase of the explanation)
TARGET_CASES = [
    # C01: at least one autonomous-region-level demonstration community in every region
    ("autonomous_region_demo", 2025, lambda: regions_with(dict.fromkeys(REGIONS, "autonomous_region")),
     "敖汉旗", "pass", "1", "敖汉旗: count 1"),
    ("autonomous_region_demo", 2025, lambda: regions_with({**dict.fromkeys(REGIONS, "national"), "敖汉旗": "city"}),
     "敖汉旗", "fail", "0", "needs at least 1"),
    ("autonomous_region_demo", 2025, lambda: regions_with(dict.fromkeys(REGIONS, "national"))[:-1],
     "敖汉旗", "fail", "0", "敖汉旗: count 0"),  # a region without records is still judged
    ("autonomous_region_demo", 2024, lambda: regions_with({}), "敖汉旗", "not_applicable", None,
     "not in force in 2024 (in force in 2025)"),
    # C02: strive for one national-level demonstration community in each city district
    ("national_demo", 2025, lambda: regions_with(dict.fromkeys(CITY_DISTRICTS, "national")),
     "元宝山区", "pass", "1", "元宝山区: count 1"),
    ("national_demo", 2025, lambda: regions_with({"红山区": "national", "松山区": "national",
                                                  "元宝山区": "autonomous_region"}),
     "元宝山区", "fail", "0", "needs at least 1"),
    ("national_demo", 2024, lambda: regions_with({}), "元宝山区", "not_applicable", None, "not in force in 2024"),
    # C03: exactly 26 key communities
    ("key_communities_selected", 2023, lambda: mixed((26, {}), (4, KLQ)), None, "pass", "26", "exactly 26"),
    ("key_communities_selected", 2024, lambda: mixed((25, {}), (5, KLQ)), None, "fail", "25", "needs exactly 26"),
    ("key_communities_selected", 2025, lambda: mixed((27, {}), (3, KLQ)), None, "fail", "27", "needs exactly 26"),
    # C07: share with at least 200 m2 of service rooms, 40% / 60% / 80%
    ("service_space_share", 2023, lambda: mixed((2, {"service_space_m2": "200.00"}),
                                                (3, {"service_space_m2": "199.99", "new_build": False})),
     None, "pass", "0.4", "(2 of 5 communities), at least 40% (the 2023 target)"),
    ("service_space_share", 2023, lambda: mixed((1, {"service_space_m2": "200.00"}),
                                                (4, {"service_space_m2": "199.99", "new_build": False})),
     None, "fail", "0.2", "needs at least 40% (the 2023 target): 1 more community"),
    ("service_space_share", 2024, lambda: mixed((2, {"service_space_m2": "200.00"}),
                                                (3, {"service_space_m2": "199.99", "new_build": False})),
     None, "fail", "0.4", "needs at least 60% (the 2024 target)"),
    ("service_space_share", 2025, lambda: mixed((4, {"service_space_m2": "200.00", "new_build": False}),
                                                (1, {"service_space_m2": "10.00", "new_build": False})),
     None, "pass", "0.8", "at least 80% (the 2025 target)"),
    ("service_space_share", 2025, lambda: mixed((3, {"service_space_m2": "200.00", "new_build": False}),
                                                (2, {"service_space_m2": "10.00", "new_build": False})),
     None, "fail", "0.6", "needs at least 80% (the 2025 target)"),
    # C13: 30% with a one-stop centre, in 2024 only
    ("one_stop_share", 2024, lambda: mixed((3, {}), (7, {"one_stop_center": False, "key_community": False})),
     None, "pass", "0.3", "share 30% (3 of 10 communities), at least 30%"),
    ("one_stop_share", 2024, lambda: mixed((2, {}), (8, {"one_stop_center": False, "key_community": False})),
     None, "fail", "0.2", "needs at least 30%: 1 more community"),
    ("one_stop_share", 2023, lambda: mixed((2, {}), (8, {"one_stop_center": False, "key_community": False})),
     None, "not_applicable", None, "not in force in 2023 (in force in 2024)"),
    ("one_stop_share", 2025, lambda: mixed((2, {}), (8, {"one_stop_center": False, "key_community": False})),
     None, "not_applicable", None, "not in force in 2025 (in force in 2024)"),
    # C15: strive for 30% / 60% meeting the harmonious standard
    ("harmonious_share", 2024, lambda: mixed((3, {}), (7, {"harmonious_standard_met": False, "key_community": False})),
     None, "pass", "0.3", "at least 30% (the 2024 target)"),
    ("harmonious_share", 2024, lambda: mixed((2, {}), (8, {"harmonious_standard_met": False, "key_community": False})),
     None, "fail", "0.2", "needs at least 30% (the 2024 target)"),
    ("harmonious_share", 2025, lambda: mixed((6, {}), (4, {"harmonious_standard_met": False, "key_community": False})),
     None, "pass", "0.6", "at least 60% (the 2025 target)"),
    ("harmonious_share", 2025, lambda: mixed((5, {}), (5, {"harmonious_standard_met": False, "key_community": False})),
     None, "fail", "0.5", "needs at least 60% (the 2025 target)"),
    ("harmonious_share", 2023, lambda: mixed((0, {}), (5, {"harmonious_standard_met": False})),
     None, "not_applicable", None, "not in force in 2023 (its schedule starts in 2024)"),
    # C16: "five good" among communities with a Party organisation, 70% / 90%
    ("five_good_share", 2024, lambda: mixed((7, {}), (3, {"party_org_five_good": False}),
                                            (1, {"has_party_org": False, "party_org_five_good": False})),
     None, "pass", "0.7", "share 70% (7 of 10 communities)"),
    ("five_good_share", 2024, lambda: mixed((6, {}), (4, {"party_org_five_good": False})),
     None, "fail", "0.6", "needs at least 70% (the 2024 target)"),
    ("five_good_share", 2025, lambda: mixed((9, {}), (1, {"party_org_five_good": False})),
     None, "pass", "0.9", "at least 90% (the 2025 target)"),
    ("five_good_share", 2025, lambda: mixed((8, {}), (2, {"party_org_five_good": False})),
     None, "fail", "0.8", "needs at least 90% (the 2025 target)"),
    ("five_good_share", 2023, lambda: mixed((1, {}), (9, {"party_org_five_good": False})),
     None, "not_applicable", None, "not in force in 2023 (its schedule starts in 2024)"),
    # C18: all leaders' degrees over all leaders (a ratio of sums), 80% in 2025
    ("leaders_education", 2025, lambda: mixed((1, {"leaders": 5, "leaders_college": 5}),
                                              (1, {"leaders": 5, "leaders_college": 3})),
     None, "pass", "0.8", "(8 people of 10 people), at least 80%"),
    ("leaders_education", 2025, lambda: mixed((1, {"leaders": 500, "leaders_college": 400}),
                                              (1, {"leaders": 500, "leaders_college": 399})),
     None, "fail", "0.799", "needs at least 80%"),
    # a mean of per-community shares would be (1 + 0.6) / 2 = 80%; the ratio of sums is 7/10
    ("leaders_education", 2025, lambda: mixed((1, {"leaders": 1, "leaders_college": 1}),
                                              (1, {"leaders": 9, "leaders_college": 6})),
     None, "fail", "0.7", "(7 people of 10 people)"),
    ("leaders_education", 2024, lambda: mixed((2, {"leaders": 5, "leaders_college": 1})),
     None, "not_applicable", None, "not in force in 2024 (in force in 2025)"),
]


@pytest.mark.parametrize(("rule", "year", "population", "group", "expected", "value", "phrase"), TARGET_CASES,
                         ids=[f"{EXPECTED[c[0]][0][0]}-{c[0]}-{c[1]}-{c[4]}-{i}" for i, c in enumerate(TARGET_CASES)])
def test_target_clause(chifeng, rule, year, population, group, expected, value, phrase):
    t = targets_of(chifeng, population(), year, rule)[group]
    assert (t.outcome, t.modality) == (expected, EXPECTED[rule][1])
    assert t.value == (None if value is None else Fraction(value))
    assert phrase in t.explanation


def test_every_region_is_judged_for_c01_and_only_the_city_districts_for_c02(chifeng):
    evaluation = chifeng.evaluate(regions_with({}), 2025)
    groups = {rule: [t.group for t in evaluation.targets if t.rule == rule]
              for rule in ("autonomous_region_demo", "national_demo")}
    assert sorted(groups["autonomous_region_demo"]) == sorted(REGIONS)
    assert sorted(groups["national_demo"]) == sorted(CITY_DISTRICTS)


# ---- every clause has a pass, a fail, and a year out of force where one exists ---


def test_every_clause_has_pass_fail_and_out_of_force_cases():
    seen: dict[str, set[str]] = {c: set() for c in ALL_CLAUSES}
    out_of_force: dict[str, set[str]] = {c: set() for c in ALL_CLAUSES}
    cases = [(c[0], c[3], c[4]) for c in RECORD_CASES] + [(c[0], c[4], c[6]) for c in TARGET_CASES]
    for rule, expected, phrase in cases:
        (clause,) = EXPECTED[rule][0]
        seen[clause].add(expected)
        if "not in force" in phrase:
            out_of_force[clause].add(rule)
    for clause in sorted(ALL_CLAUSES):
        assert {"pass", "fail"} <= seen[clause], clause
        rules = [r for r, (cl, _, years) in EXPECTED.items() if cl == (clause,) and set(years) != set(YEARS)]
        assert set(rules) <= out_of_force[clause], (clause, rules)


# ---- exemptions --------------------------------------------------------------------

REASON = "merged village, 3400 households approved by the banner government"


@pytest.mark.parametrize("exemptions", [{"C21": REASON}, json.dumps({"C21": REASON}, ensure_ascii=False)],
                         ids=["mapping", "json-text-as-in-csv"])
def test_c21_exemption_makes_an_oversized_community_exempted(chifeng, exemptions):
    big = community(households=3400, staff_count=9, staff_trained=9, service_space_m2="680.00",
                    exemptions=exemptions)
    o = outcome_of(chifeng, big, 2024, "community_size")
    assert o.outcome == "exempted"
    assert o.explanation == f"exempted from C21: {REASON}"
    # the exemption is for C21 only: the staffing clause is still judged
    assert outcome_of(chifeng, big, 2024, "staffing").outcome == "pass"


def test_exemptions_of_c12_and_c27_apply_to_their_own_rules(chifeng):
    small = community(one_stop_center_m2="36.00", households=1800, staff_count=3, staff_trained=3,
                      exemptions={"C12": "old building, extension planned", "C27": "vacancies advertised"})
    assert outcome_of(chifeng, small, 2023, "one_stop_size").outcome == "exempted"
    assert outcome_of(chifeng, small, 2023, "staffing").explanation == "exempted from C27: vacancies advertised"
    assert outcome_of(chifeng, small, 2023, "community_size").outcome == "pass"


@pytest.mark.parametrize(("clause", "kind"), [("C06", "must"), ("C26", "strive")])
def test_an_exemption_of_a_clause_that_is_not_in_principle_is_a_data_error(chifeng, clause, kind):
    record = community(id="CF-HS-999", has_own_office=False, party_orgs_co_building=8,
                       exemptions={clause: "temporary premises"})
    evaluation = chifeng.evaluate([record], 2023)
    (result,) = evaluation.records
    assert result.id == "CF-HS-999"
    (error,) = result.errors
    assert error.field == "exemptions"
    assert f"`{clause}`" in error.message and f"it is a {kind} clause" in error.message
    # the clause is judged as usual
    outcomes = {o.rule: o.outcome for o in result.outcomes}
    assert outcomes["own_office"] == "fail" and outcomes["co_building"] == "fail"
    assert evaluation.has_findings


def test_an_exemption_of_an_unknown_clause_is_a_data_error(chifeng):
    result = chifeng.evaluate_record(community(exemptions={"C99": "typo"}), 2023)
    assert [(e.field, "`C99`" in e.message) for e in result.errors] == [("exemptions", True)]
