"""Worked examples: records, a year and expected outcomes, run as tests with coverage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import policydsl
from policydsl.cli import main
from policydsl.documents.worked_examples import (
    ExamplesError,
    coverage,
    examples_path,
    load_examples,
    parse_examples,
    run_examples,
)

ROOT = Path(__file__).resolve().parents[2]
CHIFENG = ROOT / "policies" / "chifeng_2023.pol"

SMALL = policydsl.loads("""
policy rooms period 2024 to 2026
fact rooms: decimal m2 >= 0
fact households: integer household >= 0
rule rooms_rate clause R1
  must rooms >= [2024: 10 m2, 2026: 20 m2] per 100 households
target share_big clause T1
  in 2026
  must share(rooms >= 200 m2) >= 50%
""")
BASE = {"rooms": "100", "households": 1000}


def examples(*items, base=BASE):
    return parse_examples({"base": base, "examples": list(items)}, SMALL)


def test_chifeng_examples_all_pass_and_cover_every_rule_and_schedule_year():
    policy = policydsl.load(CHIFENG)
    report = run_examples(policy, load_examples(examples_path(CHIFENG), policy))
    assert [r.failures for r in report.failures] == []
    assert report.coverage.rules == () and report.coverage.schedule_years == ()
    assert report.coverage.never_failing == ()  # every rule is also shown failing


# Every policy shipped with worked examples beside it (the tutorial's, the fixtures'):
# found by their files, so a new fixture with examples is tested without being listed.
EXAMPLE_POLICIES = sorted(p.with_name(p.name.removesuffix(".examples.json") + ".pol")
                          for folder in ("docs/examples", "tests/fixtures")
                          for p in (ROOT / folder).glob("*.examples.json"))


@pytest.mark.parametrize("path", EXAMPLE_POLICIES, ids=lambda p: p.stem)
def test_every_worked_example_of_a_shipped_policy_passes_and_covers_every_rule(path):
    policy = policydsl.load(path)
    report = run_examples(policy, load_examples(examples_path(path), policy))
    assert [r.example.name for r in report.failures] == []
    assert report.coverage.complete and report.coverage.never_failing == ()


def test_every_fixture_with_examples_is_found():
    names = {p.stem for p in EXAMPLE_POLICIES}
    assert {"schools", "water", "waterworks", "hillside_libraries"} <= names


def test_chifeng_examples_cite_every_clause_of_the_policy():
    policy = policydsl.load(CHIFENG)
    named = {rule for ex in load_examples(examples_path(CHIFENG), policy) for rule in ex.expect}
    cited = {c for r in policy.ir.all_rules if r.name in named for c in r.clauses}
    assert cited == {c for r in policy.ir.all_rules for c in r.clauses}


def test_a_wrong_expectation_is_reported_with_the_explanation():
    report = run_examples(SMALL, examples(
        {"name": "too small", "year": 2024, "record": {"rooms": "99.99"}, "expect": {"rooms_rate": "pass"}}))
    (failed,) = report.failures
    assert failed.failures[0].startswith("`rooms_rate` on record `1.1`: expected pass, got fail (")


def test_base_fields_are_overridden_and_null_removes_a_field():
    (ex,) = examples({"year": 2025, "record": {"rooms": None, "households": 5}, "expect": {"rooms_rate": "unknown"},
                      "field_errors": ["rooms"]})
    assert ex.records == ({"households": 5, "id": "1.1"},)
    assert run_examples(SMALL, [ex]).failures == ()


def test_copies_make_a_population_for_targets():
    exs = examples(
        {"year": 2026, "records": [{"copies": 2, "rooms": "200"}, {"copies": 2}], "expect": {"share_big": "pass"}},
        {"year": 2026, "records": [{"copies": 1, "rooms": "200"}, {"copies": 2}], "expect": {"share_big": "fail"}})
    assert [len(e.records) for e in exs] == [4, 3]
    assert run_examples(SMALL, exs).failures == ()


def test_an_unexpected_field_error_fails_the_example():
    report = run_examples(SMALL, examples(
        {"year": 2024, "record": {"rooms": "-1"}, "expect": {"rooms_rate": "unknown"}}))
    assert "record `1.1`: rooms:" in report.failures[0].failures[0]


def test_coverage_names_rules_and_schedule_entries_without_examples():
    exs = examples({"year": 2025, "record": {}, "expect": {"rooms_rate": "pass"}})
    cov = coverage(SMALL.ir, exs)
    assert cov.rules == ("share_big",)
    # 2025 is held by the 2024 entry; the 2026 entry (20 m2) has no example
    assert cov.schedule_years == (("rooms_rate", 2026, "20 m2"),)
    assert cov.never_failing == ("rooms_rate",)
    assert not cov.complete


@pytest.mark.parametrize(("example", "problem"), [
    ({"year": 2030, "record": {}, "expect": {"rooms_rate": "pass"}}, "year 2030 is outside the policy's period"),
    ({"year": 2024, "record": {}, "expect": {"nope": "pass"}}, "no rule or target is called `nope`"),
    ({"year": 2024, "record": {}, "expect": {"rooms_rate": "passes"}}, "expected one of pass, fail"),
    ({"year": 2024, "expect": {"rooms_rate": "pass"}}, "give either `record` (one) or `records`"),
    ({"year": 2024, "record": {}, "expect": {}}, "`expect` must name at least one rule"),
    ({"year": 2024, "record": {}, "expect": {"rooms_rate": "pass"}, "colour": 1}, "unknown key `colour`"),
])
def test_mistakes_in_the_examples_file_are_reported_by_example(example, problem):
    with pytest.raises(ExamplesError) as err:
        examples(example)
    assert "example 1" in str(err.value) and problem in str(err.value)


def test_test_command_exit_codes(tmp_path, capsys):
    assert main(["test", str(CHIFENG)]) == 0
    assert "every rule and target and every schedule entry has an example" in capsys.readouterr().out
    data = json.loads(examples_path(CHIFENG).read_text(encoding="utf-8"))
    wrong = data["examples"][:5]
    wrong[-1]["expect"] = {k: "exempted" for k in wrong[-1]["expect"]}
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps({"base": data["base"], "examples": wrong}, ensure_ascii=False), encoding="utf-8")
    assert main(["test", str(CHIFENG), "--examples", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL example 5" in out and "not covered: no example names" in out
    path.write_text(json.dumps({"base": data["base"], "examples": data["examples"][:3]}), encoding="utf-8")
    assert main(["test", str(CHIFENG), "--examples", str(path)]) == 0
    assert main(["test", str(CHIFENG), "--examples", str(path), "--strict"]) == 1
    path.write_text("{not json", encoding="utf-8")
    assert main(["test", str(CHIFENG), "--examples", str(path)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["test", str(CHIFENG), "--examples", str(tmp_path / "missing.json")]) == 2
