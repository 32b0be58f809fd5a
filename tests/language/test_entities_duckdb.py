"""Several entities judged by the DuckDB engine (the default): the reference's results on
the water fixture, and what it leaves to the reference, counted, with the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import policydsl
from policydsl.cli import main

ROOT = Path(__file__).parents[2]
WATER = ROOT / "tests" / "fixtures" / "water.pol"
DATA = ROOT / "tests" / "fixtures" / "data" / "water"
SOURCES = {"district": DATA / "districts.csv", "plant": DATA / "plants.csv", "sample": DATA / "samples.csv"}
FACTS = [a for name, path in SOURCES.items() for a in ("--facts", f"{name}={path}")]

COMMITTEES = """
policy committees period 2024 to 2025
entity committee, committees
fact households: integer households
entity group, groups part of committee by committee_id
fact committee_id: text
fact size: integer households, optional
rule cap clause G1 must count(groups) <= 3
rule total clause G2 in principle sum(groups, size) <= households
rule every clause G3 must all(groups, size >= 15 households)
rule own clause G4 must households >= 10 households
rule sized clause G5 must size <= 60 households
"""


@pytest.fixture(scope="module")
def water():
    return policydsl.load(WATER)


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_water_fixture_judged_by_duckdb_is_the_reference_s_result(water, year):
    got = water.evaluate(SOURCES, year)
    assert got.engine == "duckdb"
    assert got.to_json() == water.evaluate(SOURCES, year, engine="reference").to_json()
    # the one district naming an exemption is the reference's; every other record is SQL's
    assert {name: (f.records, f.rules) for name, f in got.fallback.items()} == {
        "district": (1, ()), "plant": (0, ()), "sample": (0, ())}


def test_eval_json_of_duckdb_and_of_the_reference_are_one_document_but_for_the_engine_named(capsys):
    assert main(["eval", str(WATER), *FACTS, "--year", "2025", "--format", "json"]) == 1
    duck = capsys.readouterr()
    assert main(["eval", str(WATER), *FACTS, "--year", "2025", "--format", "json", "--engine", "reference"]) == 1
    duck_doc, reference_doc = json.loads(duck.out), json.loads(capsys.readouterr().out)
    assert (duck_doc["provenance"].pop("engine"), reference_doc["provenance"].pop("engine")) == ("duckdb", "reference")
    assert duck_doc == reference_doc and duck.err == ""


def _both(policy, data, year=2024):
    got = policy.evaluate(data, year)
    assert got.to_json() == policy.evaluate(data, year, engine="reference").to_json()
    return got


def test_a_rule_sql_cannot_hold_exactly_is_judged_by_the_reference_and_named():
    p = policydsl.loads(COMMITTEES + "rule mixed clause G6 must min(share(groups, size >= 15 households), 60%) >= 50%\n")
    got = _both(p, {"committee": [{"id": "c1", "households": 40}],
                    "group": [{"id": "g1", "committee_id": "c1", "size": 20}]})
    ((rule, why),) = got.fallback["committee"].rules
    assert rule == "mixed" and "a division by a value that is not a constant" in why
    assert got.fallback["committee"].records == 0


def test_a_part_holding_a_value_past_the_sql_columns_sends_it_and_its_parent_to_the_reference():
    got = _both(policydsl.loads(COMMITTEES), {
        "committee": [{"id": "c1", "households": 40}, {"id": "c2", "households": 40}],
        "group": [{"id": "g1", "committee_id": "c1", "size": str(10**16)},
                  {"id": "g2", "committee_id": "c2", "size": "20"}]})
    assert (got.fallback["committee"].records, got.fallback["group"].records) == (1, 1)
    assert {o.rule: o.outcome for o in got.entities["committee"].records[0].outcomes}["total"] == "fail"


def test_exemptions_and_a_repeated_parent_id_are_judged_by_the_reference():
    got = _both(policydsl.loads(COMMITTEES), {
        "committee": [{"id": "c1", "households": 40, "exemptions": {"G2": "pooled with c2"}},
                      {"id": "c2", "households": 4}, {"id": "c2", "households": 50}, {"id": "c3", "households": 50}],
        "group": [{"id": "g1", "committee_id": "c1", "size": "90"}, {"id": "g2", "committee_id": "c2", "size": "20"}]})
    assert got.fallback["committee"].records == 3
    outcomes = [{o.rule: o.outcome for o in r.outcomes} for r in got.entities["committee"].records]
    assert outcomes[0]["total"] == "exempted"
    assert outcomes[1] == {"cap": "unknown", "total": "unknown", "every": "unknown", "own": "fail"}
    assert outcomes[3] == {"cap": "pass", "total": "pass", "every": "pass", "own": "pass"}  # no groups


def test_an_entity_without_records_and_one_without_rules_are_judged():
    got = _both(policydsl.loads(COMMITTEES), {"committee": [], "group": [{"id": "g1", "committee_id": "c1",
                                                                         "size": "20"}]})
    assert got.summary["entities"]["group"]["records"] == 1 and got.fallback["group"].records == 0
    no_rules = policydsl.loads(COMMITTEES.replace("rule sized clause G5 must size <= 60 households\n", ""))
    got = _both(no_rules, {"committee": [{"id": "c1", "households": 40}],
                           "group": [{"id": "g1", "committee_id": "c1", "size": str(10**16)}]})
    assert got.entities["group"].records[0].outcomes == () and got.fallback["group"].records == 0
