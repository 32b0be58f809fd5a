"""A record's `exemptions` may name an in-principle rule as well as a clause; must and
strive rules stay non-exemptible. Every engine looks up `Rule.exemption_keys`."""

from __future__ import annotations

import pytest

import policydsl

POLICY = policydsl.loads("""
policy ex
  period 2023 to 2025
fact rooms: decimal m2 >= 0
fact staff: integer person >= 0
fact fire: bool
rule rooms_min clause C1
  in principle rooms >= 200 m2
rule staff_min clause C1
  in principle staff >= 3 person
rule fire_safe clause C2
  must fire
rule try_more clause C3
  strive staff >= 5 person
""", "ex.pol")

BASE = {"id": "r", "rooms": "100", "staff": 1, "fire": "false"}


@pytest.mark.parametrize("engine", ["reference", "compiled", "duckdb"])
def test_naming_a_rule_exempts_that_rule_only(engine):
    evaluation = POLICY.evaluate([{**BASE, "exemptions": {"rooms_min": "listed building"}}], 2024,
                                 engine=engine)
    (record,) = evaluation.records
    got = {o.rule: o.outcome for o in record.outcomes}
    assert got == {"rooms_min": "exempted", "staff_min": "fail", "fire_safe": "fail", "try_more": "fail"}
    assert record.errors == ()


@pytest.mark.parametrize("engine", ["reference", "compiled", "duckdb"])
def test_naming_a_clause_exempts_every_in_principle_rule_citing_it(engine):
    evaluation = POLICY.evaluate([{**BASE, "exemptions": {"C1": "old estate"}}], 2024, engine=engine)
    got = {o.rule: o.outcome for o in evaluation.records[0].outcomes}
    assert got["rooms_min"] == got["staff_min"] == "exempted"


def test_the_explanation_says_the_rule_was_exempted_and_why():
    result = POLICY.evaluate_record({**BASE, "exemptions": {"rooms_min": "listed building"}}, 2024)
    (o,) = [o for o in result.outcomes if o.rule == "rooms_min"]
    assert o.explanation == "exempted from rule rooms_min: listed building"


@pytest.mark.parametrize(("name", "kind"), [("fire_safe", "must"), ("try_more", "strive")])
def test_exempting_a_must_or_strive_rule_by_name_is_a_data_error(name, kind):
    result = POLICY.evaluate_record({**BASE, "exemptions": {name: "please"}}, 2024)
    (error,) = result.errors
    assert error.field == "exemptions"
    assert f"exemption from rule `{name}` is not allowed: it is a {kind} rule" in error.message
    assert {o.rule: o.outcome for o in result.outcomes}[name] == "fail"


def test_an_exemption_naming_nothing_is_a_data_error():
    result = POLICY.evaluate_record({**BASE, "exemptions": {"no_such_rule": "x"}}, 2024)
    (error,) = result.errors
    assert "`no_such_rule`, which no rule cites" in error.message


def test_exemption_keys_are_the_rule_name_then_its_clauses_for_in_principle_rules_only():
    rules = {r.name: r for r in POLICY.ir.rules}
    assert rules["rooms_min"].exemption_keys == ("rooms_min", "C1")
    assert rules["fire_safe"].exemption_keys == ()
