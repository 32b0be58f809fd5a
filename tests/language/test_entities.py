"""Several kinds of record in one policy: the Hillside water fixture (districts, their
plants, each plant's samples) and the meaning of aggregates over the parts of a record."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

import policydsl
from policydsl.cli import main
from policydsl.core.diagnostics import PolicyError
from policydsl.documents.worked_examples import examples_path, load_examples
from policydsl.eval.entities import EntityDataError
from policydsl.eval.results import OUTCOMES

ROOT = Path(__file__).parents[2]
WATER = ROOT / "tests" / "fixtures" / "water.pol"
DATA = ROOT / "tests" / "fixtures" / "data" / "water"
FACTS = ["--facts", f"district={DATA / 'districts.csv'}", "--facts", f"plants={DATA / 'plants.csv'}",
         "--facts", f"samples={DATA / 'samples.csv'}"]
SCHEMA = json.loads((ROOT / "docs" / "schema" / "eval-output.schema.json").read_text("utf-8"))

COMMITTEES = """
policy committees period 2024 to 2025
unit group_unit, group_units
entity committee, committees
fact households: integer households
fact members: integer people
entity group, groups part of committee by committee_id
fact committee_id: text
fact size: integer households, optional
rule cap clause G1 must count(groups) <= 7
rule total clause G2 must sum(groups, size) <= households
rule smallest clause G3 must min(groups, size) >= 15 households
rule largest clause G4 must max(groups, size) <= 30 households
rule every clause G5 must all(groups, size >= 15 households)
rule some clause G6 must any(groups, size >= 25 households)
rule mostly clause G7 must share(groups, size >= 15 households) >= 50%
rule tied clause G8 must members >= count(groups) × 1 person
"""


@pytest.fixture(scope="module")
def water():
    return policydsl.load(WATER)


@pytest.fixture(scope="module")
def committees():
    return policydsl.loads(COMMITTEES)


def _outcomes(evaluation, entity: str) -> dict[str, dict[str, str]]:
    """record id -> rule -> outcome, for one entity."""
    return {r.id: {o.rule: o.outcome for o in r.outcomes} for r in evaluation.entities[entity].records}


# ---- the fixture ----------------------------------------------------------------------------



def test_the_examples_show_every_outcome_kind_for_every_entity(water):
    kinds: dict[str, set[str]] = defaultdict(set)
    for ex in load_examples(examples_path(WATER), water):
        result = water.evaluate(ex.entities, ex.year, engine="reference")
        for name, ev in result.entities.items():
            kinds[name] |= {o.outcome for r in ev.records for o in r.outcomes if o.rule in ex.expect}
            kinds[name] |= {t.outcome for t in ev.targets if t.rule in ex.expect}
    assert {name: kinds[name] for name in ("district", "plant", "sample")} == \
           {name: set(OUTCOMES) for name in ("district", "plant", "sample")}


def test_policydsl_test_exits_0_on_the_fixture(capsys):
    assert main(["test", str(WATER), "--strict"]) == 0
    assert "29 of 29 examples pass" in capsys.readouterr().out


def test_each_rule_judges_the_entity_whose_facts_it_names(water):
    by_rule = {r.name: r.entity for r in water.ir.all_rules}
    assert by_rule["district_supplied"] == "district"  # sum over plants: a rule of their district
    assert by_rule["staffed"] == by_rule["monthly_samples"] == by_rule["plants_compliant"] == "plant"
    assert by_rule["sample_valid"] == by_rule["sample_chlorine"] == "sample"
    assert [(e.name, e.parent, e.key) for e in water.ir.entities] == [
        ("district", None, None), ("plant", "district", "district_code"), ("sample", "plant", "plant_code")]


def test_a_policy_with_one_entity_keeps_its_fingerprint_and_ir():
    chifeng = policydsl.load(ROOT / "policies" / "chifeng_2023.pol")
    assert chifeng.fingerprint == "sha256:73b1fbf5c49d320a45d403be251b5ddf"
    assert chifeng.ir.entities == () and {r.entity for r in chifeng.ir.all_rules} == {""}


def test_formatting_keeps_meaning_in_english_and_in_chinese_keywords(water):
    from policydsl.core.source import Source
    from policydsl.documents.fmt import format_text

    source = Source("water.pol", WATER.read_text("utf-8"))
    for lang in ("en", "zh"):
        formatted = format_text(source, lang)
        assert policydsl.loads(formatted).fingerprint == water.fingerprint, lang
    assert "隶属于 district 依据 district_code" in format_text(source, "zh")


# ---- the command line --------------------------------------------------------------------------


def test_eval_reads_one_file_per_entity_and_reports_each(capsys):
    code = main(["eval", str(WATER), *FACTS, "--year", "2025", "--lang", "en", "--engine", "reference"])
    out = capsys.readouterr().out
    assert code == 1  # violations
    assert "== districts: 4 record(s) ==" in out
    assert "== plants, part of district by `district_code`: 5 record(s) ==" in out
    assert "== samples, part of plant by `plant_code`: 46 record(s) ==" in out
    assert "p5 Old quarry  district_code: no district has id `d9`" in out


def test_eval_json_names_each_record_s_entity_and_fits_the_schema(capsys):
    jsonschema = pytest.importorskip("jsonschema")
    main(["eval", str(WATER), *FACTS, "--year", "2025", "--format", "json"])
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    jsonschema.validate(doc, SCHEMA)
    assert captured.err == ""  # DuckDB judges several entities: no fallback to note
    counts = {name: s["records"] for name, s in doc["summary"]["entities"].items()}
    assert counts == {"district": 4, "plant": 5, "sample": 46}
    assert len(doc["records"]) == 4 + 5 + 46  # nothing dropped, the bad records too
    orphan = next(r for r in doc["records"] if r["entity"] == "sample" and r["id"] == "s46")
    assert orphan["errors"] == [{"field": "plant_code", "message": "no plant has id `p7`"}]
    assert {t["entity"] for t in doc["targets"]} == {"plant"}


@pytest.mark.parametrize("facts, message", [
    ([f"{DATA / 'plants.csv'}"], "give --facts ENTITY=DATA for each"),
    ([f"district={DATA / 'districts.csv'}"], "no --facts plant=DATA, sample=DATA"),
    ([f"district={DATA / 'districts.csv'}", f"districts={DATA / 'districts.csv'}"],
     "--facts gives `district` twice"),
])
def test_eval_says_which_entity_data_is_missing_or_wrong(capsys, facts, message):
    args = [a for f in facts for a in ("--facts", f)]
    assert main(["eval", str(WATER), *args, "--year", "2025"]) == 2
    assert message in capsys.readouterr().err


def test_sql_writes_the_statements_of_each_entity(capsys):
    assert main(["sql", str(WATER), "--year", "2025"]) == 0
    out = capsys.readouterr().out
    assert [line.split(", entity ")[1] for line in out.splitlines() if ", entity " in line] == [
        "district (table districts)", "plant (table plants)", "sample (table samples)"]


def test_every_engine_judges_several_entities_and_gives_the_same_document(capsys):
    docs = {}
    for engine in ("reference", "compiled", "duckdb"):
        assert main(["eval", str(WATER), *FACTS, "--year", "2025", "--format", "json", "--engine", engine]) == 1
        captured = capsys.readouterr()
        assert captured.err == ""  # no engine hands the policy to another
        doc = json.loads(captured.out)
        assert doc["provenance"]["engine"] == engine
        del doc["provenance"]["engine"]
        docs[engine] = doc
    assert docs["compiled"] == docs["reference"] == docs["duckdb"]


def test_check_says_the_rules_over_parts_are_undecided(water):
    notes = [d for d in water.warnings if d.code == "A0004"]
    assert len(notes) == 1 and notes[0].message.startswith("undecided:")
    assert "`monthly_samples` (W5)" in notes[0].message and "`staffed`" not in notes[0].message


# ---- the API and the meaning -----------------------------------------------------------------


def test_evaluate_takes_one_source_per_entity_by_name_or_plural(committees):
    ev = committees.evaluate({"committees": [{"id": "c1", "households": 40, "members": 3}],
                              "group": [{"id": "g1", "committee_id": "c1", "size": 20},
                                        {"id": "g2", "committee_id": "c1", "size": 20}]}, 2024)
    assert _outcomes(ev, "committee")["c1"] == {"cap": "pass", "total": "pass", "smallest": "pass",
                                               "largest": "pass", "every": "pass", "some": "fail",
                                               "mostly": "pass", "tied": "pass"}
    assert ev.summary["entities"]["group"]["records"] == 2


def test_aggregates_over_no_parts_are_defined_or_unknown_with_a_reason(committees):
    ev = committees.evaluate({"committee": [{"id": "c1", "households": 40, "members": 0}], "group": []},
                             2024)
    (record,) = ev.entities["committee"].records
    got = {o.rule: (o.outcome, o.explanation) for o in record.outcomes}
    assert got["cap"][0] == "pass" and "`count(groups)` is 0" in got["cap"][1]
    assert got["total"][0] == "pass"  # a sum of nothing is 0
    assert got["every"][0] == "pass" and got["some"][0] == "fail"  # all: true, any: false
    for rule, text in (("smallest", "min(groups, size)"), ("largest", "max(groups, size)"),
                       ("mostly", "share(groups, size >= 15 households)")):
        assert got[rule] == ("unknown", f"cannot decide: `{text}` of no group records"), rule


def test_one_unknown_part_decides_nothing_unless_another_part_decides(committees):
    groups = [{"id": "g1", "committee_id": "c1", "size": 10}, {"id": "g2", "committee_id": "c1"}]
    ev = committees.evaluate({"committee": [{"id": "c1", "households": 40, "members": 9}], "group": groups},
                             2024)
    got = _outcomes(ev, "committee")["c1"]
    assert got["every"] == "fail"  # g1 fails: all() is false whatever g2 is
    assert got["some"] == "unknown" and got["total"] == "unknown" and got["cap"] == "pass"


def test_a_part_of_no_known_parent_and_a_repeated_parent_id_are_errors_on_the_records(committees):
    ev = committees.evaluate({
        "committee": [{"id": "c1", "households": 40, "members": 9}, {"id": "c1", "households": 50, "members": 9},
                      {"id": "c2", "households": 40, "members": 9}],
        "group": [{"id": "g1", "committee_id": "c1", "size": 20}, {"id": "g2", "committee_id": "c3", "size": 20}]},
        2024)
    groups = {r.id: [(e.field, e.message) for e in r.errors] for r in ev.entities["group"].records}
    assert groups == {"g1": [("committee_id", "committee id `c1` appears twice, so this group's committee "
                                              "is unknown")],
                      "g2": [("committee_id", "no committee has id `c3`")]}
    first, second, third = ev.entities["committee"].records
    assert {o.outcome for o in first.outcomes} == {o.outcome for o in second.outcomes} == {"unknown"}
    assert "committee id `c1` appears twice, so its groups are unknown" in first.outcomes[0].explanation
    assert {o.rule: o.outcome for o in third.outcomes}["cap"] == "pass"  # no groups: 0 of them


def test_data_not_given_per_entity_is_refused_with_the_entities_named(committees):
    with pytest.raises(EntityDataError, match=r"give the data of each, e.g. \{\"committee\": \.\.\., "):
        committees.evaluate([{"id": "c1"}], 2024)
    with pytest.raises(EntityDataError, match="`grp` is not an entity"):
        committees.evaluate({"committee": [], "grp": []}, 2024)
    with pytest.raises(EntityDataError, match="no data for `group`"):
        committees.evaluate({"committee": []}, 2024)


@pytest.mark.parametrize("call", ["compile", "evaluate_record", "engine"])
def test_one_record_apis_and_fast_engines_refuse_several_entities(committees, call):
    with pytest.raises(ValueError, match="several"):
        if call == "compile":
            committees.compile(2024)
        elif call == "evaluate_record":
            committees.evaluate_record({"id": "c1"}, 2024)
        else:
            committees.engine("duckdb")


def test_a_condition_on_each_part_may_name_its_parent_s_facts(committees):
    p = policydsl.loads(COMMITTEES + "rule within clause G9 must all(groups, size <= households)\n")
    ev = p.evaluate({"committee": [{"id": "c1", "households": 25, "members": 9}],
                     "group": [{"id": "g1", "committee_id": "c1", "size": 20},
                               {"id": "g2", "committee_id": "c1", "size": 30}]}, 2024)
    record = ev.entities["committee"].records[0]
    within = next(o for o in record.outcomes if o.rule == "within")
    assert within.outcome == "fail" and "fails for group `g2`, 1 of 2" in within.explanation


@pytest.mark.parametrize("rule, message", [
    ("rule r clause X1 must size <= households", "rule `r` mixes facts of `committee` and `group`"),
    ("rule r clause X1 must count(committees) >= 1", "`committees` is not a part of another entity"),
    ("rule r clause X1 must count(grups) <= 7", "unknown entity `grups`"),
    ("rule r clause X1 must sum(groups, committee_id) >= 1", "`sum` needs numbers, but this is text"),
    ("rule r clause X1 must groups * 2 >= 1", "`groups` is a kind of record, not a value"),
    ("target t clause X1 must count(groups) <= 7", "a target measures the population"),
    ("rule r clause X1 must all(groups, count(groups) > 1)", "cannot be nested"),
])
def test_checker_errors_name_the_mistake(rule, message):
    with pytest.raises(PolicyError) as err:
        policydsl.loads(COMMITTEES + rule + "\n")
    assert any(message in d.message for d in err.value.diagnostics), [d.message for d in err.value.diagnostics]


def test_the_editor_explains_an_entity_named_in_an_aggregate_and_the_entity_a_rule_judges():
    from policydsl.lsp.document import Document

    text = WATER.read_text("utf-8")
    doc = Document("water.pol", text)
    _, entity = doc.hover(text.index("count(samples)") + len("count("))
    assert "**entity** `sample`" in entity and "part of `plant`" in entity
    _, rule = doc.hover(text.index("rule monthly_samples") + len("rule "))
    assert "judges: each plant" in rule


def test_render_says_which_entity_each_rule_applies_to(water):
    from policydsl.documents.render import build

    doc = build(water.ir)
    applies = {e.name: e.applies_to for e in doc.entries}
    assert applies["district_supplied"] == "every district"
    assert applies["large_plant_staff"] == "every plant where capacity >= 50000 tonnes"
    assert applies["sample_valid"] == "every sample" and applies["plants_compliant"] == "all plants together"
    assert dict(doc.metadata)["judges"].startswith("districts; plants (each part of a district")


def test_a_stated_entity_lets_a_target_count_the_parts():
    p = policydsl.loads(COMMITTEES + "target few clause G9 on groups must count() <= 2\n"
                        "target few_committees clause G10 on committee must count() <= 2\n")
    assert {r.name: r.entity for r in p.ir.targets} == {"few": "group", "few_committees": "committee"}
    ev = p.evaluate({"committee": [{"id": "c1", "households": 40, "members": 3}],
                     "group": [{"id": f"g{k}", "committee_id": "c1", "size": 20} for k in range(3)]}, 2024)
    assert {t.rule: t.outcome for t in ev.targets} == {"few": "fail", "few_committees": "pass"}


def test_a_stated_entity_in_a_one_entity_policy_must_be_that_entity():
    one = "policy p period 2024 to 2025\nentity site, sites\nfact ok: bool\nrule r clause X1 {} must ok\n"
    assert policydsl.loads(one.format("on sites")).rules[0].entity == ""  # meaning and fingerprint kept
    assert policydsl.loads(one.format("on sites")).fingerprint == policydsl.loads(one.format("")).fingerprint
    with pytest.raises(PolicyError, match="unknown entity `plants`"):
        policydsl.loads(one.format("on plants"))


def test_a_part_without_its_key_is_an_error_even_when_the_key_is_optional():
    p = policydsl.loads(COMMITTEES.replace("fact committee_id: text", "fact committee_id: text optional"))
    ev = p.evaluate({"committee": [{"id": "c1", "households": 40, "members": 3}],
                     "group": [{"id": "g1", "size": 20}]}, 2024)
    (group,) = ev.entities["group"].records
    assert [(e.field, e.message) for e in group.errors] == [("committee_id", "names no committee: "
                                                             "`committee_id` is missing")]
    assert {o.rule: o.outcome for o in ev.entities["committee"].records[0].outcomes}["cap"] == "pass"


def test_evaluate_takes_a_dataframe_for_one_entity_and_rows_for_another(committees):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"id": ["c1", "c2"], "households": [40, 50], "members": [3, 1]})
    ev = committees.evaluate({"committee": frame, "group": [{"id": "g1", "committee_id": "c2", "size": 20}]},
                             2024)
    assert [r.id for r in ev.entities["committee"].records] == ["c1", "c2"]
    assert _outcomes(ev, "committee")["c2"]["tied"] == "pass" and _outcomes(ev, "committee")["c1"]["cap"] == "pass"


def test_eval_text_covers_several_years(capsys):
    assert main(["eval", str(WATER), *FACTS, "--years", "2025-2026", "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert out.count("== samples, part of plant by `plant_code`: 46 record(s) ==") == 2
    assert "year 2025: 46 samples" in out and "year 2026: 46 samples" in out


def test_the_record_strategies_refuse_several_entities(water):
    pytest.importorskip("hypothesis")
    from policydsl import testing

    with pytest.raises(ValueError, match="several kinds of record"):
        testing.compliant_records(water, 2025)


def test_the_fingerprint_ignores_the_order_of_sibling_entities_and_of_their_facts():
    head = "policy p period 2025 to 2027\nentity plant, plants\nfact staff: integer person\n"
    samples = "entity sample, samples part of plant by plant_code\nfact plant_code: text\nfact clean: bool\n"
    visits = "entity visit, visits part of plant by visited\nfact visited: text\nfact found: bool\n"
    rules = "rule c clause W1 must all(samples, clean) and not any(visits, found)\n"
    a = policydsl.loads(head + samples + visits + rules)
    b = policydsl.loads(head + visits + samples.replace("fact plant_code: text\nfact clean: bool\n",
                                                        "fact clean: bool\nfact plant_code: text\n") + rules)
    assert a.fingerprint == b.fingerprint
    c = policydsl.loads(head + samples + visits + rules.replace("not any", "any"))
    assert c.fingerprint != a.fingerprint


def test_diff_says_a_change_to_a_rule_over_parts_is_undecided_with_the_reason(capsys, tmp_path):
    changed = tmp_path / "water.pol"
    changed.write_text(WATER.read_text("utf-8").replace("count(samples) >= 12", "count(samples) >= 11"),
                       encoding="utf-8")
    assert main(["diff", str(WATER), str(changed)]) == 1
    out = capsys.readouterr().out
    assert "rule `monthly_samples` (W5): undecided" in out
    assert "`count(samples)` aggregates over the parts of a record, which the solver does not reason about" in out
    assert "equivalent" not in out


def test_diff_with_facts_refuses_several_entities(capsys):
    assert main(["diff", str(WATER), str(WATER), "--facts", str(DATA / "plants.csv"), "--year", "2025"]) == 2
    assert "run `policydsl eval` on each version with `--facts ENTITY=DATA`" in capsys.readouterr().err


def test_eval_by_a_fact_breaks_down_the_entity_that_has_it(capsys):
    assert main(["eval", str(WATER), *FACTS, "--year", "2025", "--lang", "en", "--by", "plant_name"]) == 1
    out = capsys.readouterr().out
    assert out.count("By 水厂名称") == 1 and "水厂名称 Harbour east: 1 plant" in out
    assert main(["eval", str(WATER), *FACTS, "--year", "2025", "--by", "plant_nam"]) == 2
    assert "`--by plant_nam` is not a fact of any entity; did you mean `plant_name`?" in capsys.readouterr().err


def test_the_warehouse_sql_reads_a_table_per_entity_parents_first(water):
    from policydsl.eval.warehouse import statements

    st = statements(water, 2025, "spark")
    assert list(st.entities) == ["district", "plant", "sample"]
    assert [s.table for s in st.entities.values()] == ["districts", "plants", "samples"]
    assert 'FROM `plants`' in st.entities["district"].records  # the parts' GROUP BY


def test_a_target_for_each_key_groups_the_parts_by_every_parent_record():
    p = policydsl.loads(COMMITTEES + "target sized clause G9 for each committee_id must share(size >= 15 households) >= 50%\n")
    assert p.ir.targets[0].group.values is None  # the parents' ids come with the data
    ev = p.evaluate({"committee": [{"id": "c1", "households": 40, "members": 3},
                                   {"id": "c2", "households": 40, "members": 3}],
                     "group": [{"id": "g1", "committee_id": "c1", "size": 20},
                               {"id": "g2", "committee_id": "c1", "size": 10}]}, 2024)
    assert [(t.group, t.outcome) for t in ev.targets] == [("c1", "pass"), ("c2", "not_applicable")]
    assert ev.targets[1].explanation == "c2: no groups in scope"


def test_labels_must_be_facts_of_their_own_entity():
    text = COMMITTEES.replace("entity group, groups part of committee by committee_id",
                              "entity group, groups part of committee by committee_id labelled by households")
    with pytest.raises(PolicyError, match="`households` in `labelled by` is a fact of `committee`, not of `group`"):
        policydsl.loads(text)


def test_an_entity_read_from_parquet_is_judged_as_from_its_csv(tmp_path, water):
    pq = pytest.importorskip("pyarrow.parquet")
    import csv

    import pyarrow as pa

    with open(DATA / "samples.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "samples.parquet")
    from_csv = water.evaluate({"district": DATA / "districts.csv", "plant": DATA / "plants.csv",
                               "sample": DATA / "samples.csv"}, 2025)
    from_parquet = water.evaluate({"district": DATA / "districts.csv", "plant": DATA / "plants.csv",
                                   "sample": tmp_path / "samples.parquet"}, 2025)
    assert from_parquet.to_json() == from_csv.to_json()


def test_an_entity_declared_without_a_plural_is_aggregated_by_its_default_plural():
    p = policydsl.loads("policy p period 2024 to 2025\nentity street\nfact width: decimal m2\n"
                        "entity lamp part of street by street_id\nfact street_id: text\nfact lit: bool\n"
                        "rule lamps clause L1 must count(lamps) >= 2 and all(lamp, lit)\n")
    assert [(e.name, e.plural) for e in p.ir.entities] == [("street", "streets"), ("lamp", "lamps")]
    ev = p.evaluate({"street": [{"id": "s1", "width": "10"}],
                     "lamps": [{"id": "l1", "street_id": "s1", "lit": "true"}]}, 2024)
    assert _outcomes(ev, "street") == {"s1": {"lamps": "fail"}}
