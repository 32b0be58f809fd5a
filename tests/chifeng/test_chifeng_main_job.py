"""The main job: check the Chifeng policy, evaluate the sample data for each year of the
plan, refuse years outside it, and find in the results what examples/README.md says
the sample data contain.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from chifeng_records import POLICY, ROOT, SAMPLE, YEARS

from policydsl.cli import main

N_RECORDS = 300
N_RULES = 20
# one result per target, per group for the grouped ones: C01 over 12 regions, C02 over 3
N_TARGET_RESULTS = 12 + 3 + 6


@pytest.fixture(scope="module")
def evaluations(chifeng):
    return {year: chifeng.evaluate(SAMPLE, year) for year in YEARS}


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_accepts_the_policy(capsys):
    code, out, err = run(capsys, "check", POLICY)
    assert code == 0
    assert f"chifeng_2023.pol: ok, {N_RULES} rules, 8 targets" in out
    assert ": error:" not in err


@pytest.mark.parametrize("year", YEARS)
def test_every_record_gets_one_outcome_per_rule(chifeng, evaluations, year):
    evaluation = evaluations[year]
    names = [r.name for r in chifeng.rules]
    assert len(names) == N_RULES
    assert len(evaluation.records) == N_RECORDS
    ids = [r.id for r in evaluation.records]
    assert len(set(ids)) == N_RECORDS and ids[0] == "CF-HS-001"
    for record in evaluation.records:
        assert record.errors == (), record.id
        assert [o.rule for o in record.outcomes] == names, record.id
        assert all(o.outcome in ("pass", "fail", "exempted", "not_applicable") for o in record.outcomes)
    summary = evaluation.summary
    assert sum(summary["outcomes"].values()) == N_RECORDS * N_RULES + N_TARGET_RESULTS
    assert summary["unknown"] == 0


@pytest.mark.parametrize("year", YEARS)
def test_every_target_in_force_has_a_value(chifeng, evaluations, year):
    from clause_table import years_in_force

    targets = evaluations[year].targets
    assert len(targets) == N_TARGET_RESULTS
    in_force = {t.name: years_in_force(t) for t in chifeng.targets}
    for t in targets:
        start, end = in_force[t.rule]
        if start <= year <= end:
            assert t.outcome in ("pass", "fail"), (t.rule, t.group, t.explanation)
            assert t.value is not None and t.required is not None, (t.rule, t.group)
        else:
            assert (t.outcome, t.value) == ("not_applicable", None), (t.rule, t.group)


# The citywide values examples/README.md documents for the sample data.
@pytest.mark.parametrize(("year", "rule", "value", "outcome"), [
    (2023, "key_communities_selected", Fraction(26), "pass"),
    (2023, "service_space_share", Fraction(186, 300), "pass"),
    (2024, "service_space_share", Fraction(186, 300), "pass"),
    (2025, "service_space_share", Fraction(186, 300), "fail"),
    (2024, "one_stop_share", Fraction(99, 300), "pass"),
    (2024, "harmonious_share", Fraction(135, 300), "pass"),
    (2025, "harmonious_share", Fraction(135, 300), "fail"),
    (2024, "five_good_share", Fraction(238, 298), "pass"),
    (2025, "five_good_share", Fraction(238, 298), "fail"),
    (2025, "leaders_education", Fraction(1645, 2109), "fail"),
])
def test_sample_citywide_values(evaluations, year, rule, value, outcome):
    (t,) = [t for t in evaluations[year].targets if t.rule == rule]
    assert (t.value, t.outcome) == (value, outcome)


def test_sample_regions_without_demonstration_communities(evaluations):
    failing = {(t.rule, t.group) for t in evaluations[2025].targets if t.outcome == "fail" and t.group}
    assert failing == {("autonomous_region_demo", "克什克腾旗"), ("autonomous_region_demo", "阿鲁科尔沁旗"),
                       ("national_demo", "元宝山区")}


# Records examples/README.md lists as exactly on, or just beside, a threshold.
@pytest.mark.parametrize(("year", "record", "rule", "outcome"), [
    (2023, "CF-KLQ-003", "worker_income", "pass"),
    (2023, "CF-NC-004", "worker_income", "pass"),
    (2023, "CF-KLQ-010", "worker_income", "fail"),
    (2023, "CF-NC-006", "worker_income", "fail"),
    (2024, "CF-KLQ-005", "worker_income", "pass"),
    (2024, "CF-NC-009", "worker_income", "fail"),
    (2024, "CF-NC-007", "worker_income", "pass"),
    (2025, "CF-NC-010", "worker_income", "pass"),
    (2023, "CF-LX-002", "operating_funds_floor", "pass"),
    (2023, "CF-BLZ-004", "operating_funds_floor", "fail"),
    (2023, "CF-HS-010", "one_stop_size", "pass"),
    (2023, "CF-SS-020", "one_stop_size", "fail"),
    (2023, "CF-AH-002", "one_stop_size", "exempted"),
    (2024, "CF-SS-045", "activity_funds", "pass"),
    (2024, "CF-BLY-002", "activity_funds", "fail"),
    (2025, "CF-HS-020", "funds_growth", "pass"),
    (2025, "CF-YBS-025", "funds_growth", "fail"),
    (2023, "CF-HS-012", "community_size", "pass"),
    (2023, "CF-SS-014", "community_size", "pass"),
    (2023, "CF-YBS-009", "community_size", "fail"),
    (2023, "CF-HS-033", "community_size", "fail"),
    (2023, "CF-WNT-005", "community_size", "exempted"),
    (2023, "CF-HS-015", "new_build_service_space", "pass"),
    (2023, "CF-HS-016", "new_build_service_space", "fail"),
    (2023, "CF-KLQ-012", "new_build_service_space", "pass"),
    (2025, "CF-HS-018", "retiree_management", "pass"),
    (2025, "CF-KLQ-015", "retiree_management", "fail"),
    (2023, "CF-HS-021", "co_building", "pass"),
    (2023, "CF-YBS-017", "co_building", "fail"),
    (2023, "CF-LX-004", "co_building", "not_applicable"),
    (2023, "CF-HS-012", "staffing", "pass"),
    (2023, "CF-SS-018", "staffing", "fail"),
    (2023, "CF-HS-025", "staffing", "fail"),
    (2023, "CF-BLZ-006", "staffing", "exempted"),
    (2023, "CF-SS-033", "staff_training_first_year", "fail"),
    (2024, "CF-SS-033", "staff_training", "fail"),
])
def test_sample_boundary_records(evaluations, year, record, rule, outcome):
    (result,) = [r for r in evaluations[year].records if r.id == record]
    (o,) = [o for o in result.outcomes if o.rule == rule]
    assert o.outcome == outcome, o.explanation


# ---- the command line -------------------------------------------------------------


@pytest.mark.parametrize("year", [2022, 2026])
def test_eval_refuses_a_year_outside_the_plan(capsys, year):
    code, out, err = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--year", year)
    assert code == 2
    assert out == ""
    assert f"year {year} is outside the period of policy `chifeng_community_2023` (2023–2025)" in err
    assert "Traceback" not in err


def test_eval_text_report_names_every_rule_and_target(capsys, chifeng):
    code, out, _ = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--year", 2024, "--lang", "en", "--ids")
    assert code == 1  # the sample data have violations
    for rule in chifeng.rules + chifeng.targets:
        assert rule.name in out, rule.name
    assert "share 62% (186 of 300 communities), at least 60% (the 2024 target)" in out


def test_readme_first_command_evaluates_chifeng():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ("policydsl eval policies/chifeng_2023.pol --facts examples/chifeng_communities.csv --year 2024"
            in readme)
