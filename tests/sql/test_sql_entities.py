"""The warehouse SQL of a policy with several entities (a typed table per entity, each part
naming its parent by its key fact) judges as the reference does, on its own output: every
record's outcome per rule, the error on each part's link to its parent, and every target,
on DuckDB for generated policies of areas and their sites and for the water plan, and on
a local Spark session. Each fault injected into the SQL of an aggregate over parts, of the
link or of the groups of a target `for each` parent is found."""

from __future__ import annotations

import csv
from pathlib import Path

import attrs
import pytest
import sqlglot
from hypothesis import HealthCheck, assume, given, settings
from sqlglot import exp

import policydsl
from policydsl.cli import main
from policydsl.eval import part_sql, warehouse
from policydsl.eval.sqlgen import SqlNumber
from tests.sql import harness
from tests.strategies import EntitiesCase, several_entities

ROOT = Path(__file__).parents[2]
WATER = policydsl.load(ROOT / "tests" / "fixtures" / "water.pol")
WATER_DATA = ROOT / "tests" / "fixtures" / "data" / "water"
GOLDEN = Path(__file__).parent / "golden"

COMMITTEES_TEXT = """
policy committees period 2024 to 2025
entity committee, committees
fact households: integer households
fact members: integer people
entity group, groups part of committee by committee_id
fact committee_id: text
fact size: integer households, optional
rule cap clause G1 must count(groups) <= 2
rule total clause G2 in principle sum(groups, size) <= households
rule members clause G3 must members >= count(groups, size >= 10 households) * 1 people
rule each clause G4 must all(groups, size <= households)
target sized clause G9 for each committee_id must share(size >= 15 households) >= 50%
target staffed clause G8 must share(members >= 3 people) >= 50%
"""
COMMITTEES = policydsl.loads(COMMITTEES_TEXT)
COMMITTEE_DATA = {
    "committee": [{"id": "c1", "households": "40", "members": "3", "exemptions": {"total": "merged"}},
                  {"id": "c2", "households": "40", "members": "2"},
                  {"id": "c3", "households": "10", "members": "1"}, {"id": "c3", "households": "9", "members": "4"},
                  {"id": "c4", "households": "5", "members": "0"}],
    "group": [{"id": "g1", "committee_id": "c1", "size": "20"}, {"id": "g2", "committee_id": "c1", "size": "10"},
              {"id": "g3", "committee_id": "c1", "size": "15"}, {"id": "g4", "committee_id": "c2", "size": "41"},
              {"id": "g5", "committee_id": "c2"}, {"id": "g6", "committee_id": "c3", "size": "2"},
              {"id": "g7", "committee_id": "c9", "size": "2"}, {"id": "g8", "size": "2"}],
}


def _water_data() -> dict[str, list[dict]]:
    out = {}
    for entity, name in (("district", "districts"), ("plant", "plants"), ("sample", "samples")):
        with open(WATER_DATA / f"{name}.csv", encoding="utf-8", newline="") as f:
            out[entity] = list(csv.DictReader(f))
    return out


def _duckdb_differences(policy, data, year: int, fit=None) -> list[str]:
    rows = harness.entity_rows(policy, data)
    fitting = all(harness.fits(policy.ir.for_entity(name), r) for name, r in rows.items())
    if fit is None:
        assert fitting  # a value past the typed columns is read as missing there: not compared
    else:
        fit(fitting)
    want = harness.entity_reference(policy, data, year)
    got = harness.entity_duckdb_run(policy, rows, year)
    return _differences(want, got)


def _differences(want, got) -> list[str]:
    out = []
    for name, rows in want[0].items():
        if len(rows) != len(got[0][name]):
            out.append(f"{name}: {len(got[0][name])} records, not {len(rows)}")
        for w, g in zip(rows, got[0][name], strict=False):
            if w != g:
                out.append(f"{name}: {g} != {w}")
    if want[1] != got[1]:
        out.append(f"targets: {got[1]} != {want[1]}")
    return out


def _case_differences(case: EntitiesCase) -> list[str]:
    policy = policydsl.loads(case.policy.text)
    try:  # what no dialect can hold exactly (a schedule not yet in force in the year) is refused
        warehouse.statements(policy, case.year, "spark")
    except warehouse.Unsupported:
        assume(False)
    return _duckdb_differences(policy, {"area": case.areas, "site": case.sites}, case.year, fit=assume)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(several_entities())
def test_warehouse_sql_gives_the_reference_s_outcomes_links_and_targets_for_several_entities(case):
    assert _case_differences(case) == []


def test_the_water_plan_in_warehouse_sql_judges_as_the_reference():
    data = _water_data()
    for year in (2025, 2026):
        assert _duckdb_differences(WATER, data, year) == []


def test_committees_with_twice_given_ids_unknown_parents_and_exemptions_by_rule_name():
    want = harness.entity_reference(COMMITTEES, COMMITTEE_DATA, 2024)
    got = harness.entity_duckdb_run(COMMITTEES, harness.entity_rows(COMMITTEES, COMMITTEE_DATA), 2024)
    assert _differences(want, got) == []
    committees = {r[0]: r[1] for r in got[0]["committee"] if r[0] != "c3"}
    assert committees["c1"] == ("fail", "exempted", "pass", "pass")  # three groups; `total` exempted by name
    assert committees["c4"] == ("pass", "pass", "pass", "pass")  # no groups
    assert [r[1] for r in got[0]["committee"] if r[0] == "c3"] == [("unknown",) * 4] * 2  # id twice
    links = {r[0]: r[2] for r in got[0]["group"]}
    assert links["g6"] == "committee_id: committee id `c3` appears twice, so this group's committee is unknown"
    assert links["g7"] == "committee_id: no committee has id `c9`"
    assert links["g1"] is None
    sized = {t["group"]: t["outcome"] for t in got[1] if t["rule"] == "sized"}
    # every parent is a group, c4 with no parts; c9 names no parent, so it is none; g8 has
    # no committee at all, so no group can be decided
    assert sized == {"c1": "unknown", "c2": "unknown", "c3": "unknown", "c4": "unknown"}


def test_spark_judges_several_entities_as_the_reference(spark):
    for policy, data, year in ((WATER, _water_data(), 2026), (COMMITTEES, COMMITTEE_DATA, 2024)):
        rows = harness.entity_rows(policy, data)
        want = harness.entity_reference(policy, data, year)
        got = harness.entity_spark_run(spark, policy, rows, year)
        assert _differences(want, got) == []


@settings(max_examples=6, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])
@given(case=several_entities(max_rules=2))
def test_spark_gives_the_reference_s_outcomes_links_and_targets_on_random_policies_of_several_entities(spark, case):
    policy = policydsl.loads(case.policy.text)
    data = {"area": case.areas, "site": case.sites}
    try:
        warehouse.statements(policy, case.year, "spark")
    except warehouse.Unsupported:
        assume(False)
    rows = harness.entity_rows(policy, data)
    assume(all(harness.fits(policy.ir.for_entity(name), r) for name, r in rows.items()))
    want = harness.entity_reference(policy, data, case.year)
    assert _differences(want, harness.entity_spark_run(spark, policy, rows, case.year)) == []


def test_spark_refuses_a_dataframe_missing_for_an_entity(spark):
    rows = harness.entity_rows(COMMITTEES, COMMITTEE_DATA)
    frame = harness.spark_frame(spark, COMMITTEES.ir.for_entity("committee"), rows["committee"])
    from policydsl.spark import evaluate

    with pytest.raises(ValueError, match="no data for `group`"):
        evaluate(COMMITTEES, {"committee": frame}, 2024)
    with pytest.raises(ValueError, match="the DataFrame of `group` does not fit the policy: no column `committee_id`"):
        evaluate(COMMITTEES, {"committee": frame, "group": frame}, 2024)


# ---- the text a data engineer reads ---------------------------------------------------------


@pytest.mark.parametrize("dialect", warehouse.DIALECTS)
def test_water_sql_matches_golden_and_parses_back(dialect, capsys, golden):
    assert main(["sql", str(ROOT / "tests" / "fixtures" / "water.pol"), "--year", "2026", "--dialect", dialect,
                 "--table", "sample=lab.samples"]) == 0
    out = capsys.readouterr().out
    golden(GOLDEN / f"water_2026.{dialect}.sql", out)
    st = warehouse.statements(WATER, 2026, dialect, {"samples": "lab.samples"})
    assert st.entities["sample"].table == "lab.samples" and st.entities["plant"].table == "plants"
    for s in st.entities.values():
        for sql in [s.records, s.parent_ids, *(t.sql for t in s.targets)]:
            if sql:
                assert sqlglot.parse_one(sql, read=dialect) is not None


def test_tables_are_given_per_entity(capsys):
    water = str(ROOT / "tests" / "fixtures" / "water.pol")
    assert main(["sql", water, "--year", "2026", "--table", "plants"]) == 2
    assert "with several entities, give `--table ENTITY=NAME`" in capsys.readouterr().err
    assert main(["sql", water, "--year", "2026", "--table", "pump=x"]) == 2
    assert "`pump` is not an entity of policy `hillside_water`" in capsys.readouterr().err
    assert main(["sql", str(ROOT / "policies" / "chifeng_2023.pol"), "--year", "2024", "--table", "a=b"]) == 2
    assert "judges one kind of record: give one `--table NAME`" in capsys.readouterr().err


# ---- the comparison bites ---------------------------------------------------------------------

def _count_off_by_one(mp):
    original = part_sql.part_aggregate

    def wrapped(e, *args, **kwargs):
        v = original(e, *args, **kwargs)
        if e.kind == "count":
            return SqlNumber(exp.Add(this=exp.Paren(this=v.sql), expression=exp.Literal.number(1)), v.den,
                             v.bound + 1, v.places)
        return v
    mp.setattr(warehouse, "part_aggregate", wrapped)


def _any_and_all_swapped(mp):
    original = part_sql.part_aggregate
    swap = {"all": "any", "any": "all"}
    mp.setattr(warehouse, "part_aggregate",
               lambda e, *a, **k: original(attrs.evolve(e, kind=swap.get(e.kind, e.kind)), *a, **k))


def _twice_given_parent_known(mp):
    original = part_sql.part_aggregate
    mp.setattr(warehouse, "part_aggregate", lambda e, *a, **k: original(e, *a, **{**k, "unknown": None}))


@pytest.mark.parametrize("mutate", [_count_off_by_one, _any_and_all_swapped, _twice_given_parent_known],
                         ids=lambda f: f.__name__.strip("_"))
def test_the_comparison_finds_a_fault_injected_into_the_sql_of_parts(mutate, monkeypatch):
    mutate(monkeypatch)
    found = [_duckdb_differences(policy, data, year)
             for policy, data, year in ((WATER, _water_data(), 2026), (COMMITTEES, COMMITTEE_DATA, 2024))]
    assert any(found)


def test_the_comparison_finds_the_groups_of_a_target_for_each_parent_lost(monkeypatch):
    monkeypatch.setattr(warehouse._Builder, "parent_ids", lambda self: "")
    want = harness.entity_reference(COMMITTEES, COMMITTEE_DATA, 2024)
    got = harness.entity_duckdb_run(COMMITTEES, harness.entity_rows(COMMITTEES, COMMITTEE_DATA), 2024)
    assert _differences(want, got)


def test_the_comparison_finds_a_wrong_link_error(monkeypatch):
    original = warehouse._Builder._linked

    def linked(self, relation):
        q = original(self, relation)
        for lit in q.find_all(exp.Literal):
            if lit.is_string and lit.this.startswith("no "):
                lit.set("this", "no parent has id `")
        return q
    monkeypatch.setattr(warehouse._Builder, "_linked", linked)
    want = harness.entity_reference(COMMITTEES, COMMITTEE_DATA, 2024)
    got = harness.entity_duckdb_run(COMMITTEES, harness.entity_rows(COMMITTEES, COMMITTEE_DATA), 2024)
    assert _differences(want, got)
