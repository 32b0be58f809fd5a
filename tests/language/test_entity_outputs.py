"""Every output format of `policydsl eval` for a policy with several entities (the Hillside
water fixture): each record and target names its entity, the counts per entity are those
of the JSON summary, every output carries its provenance and replays, and fails to
replay once one byte of one entity's data changes."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from policydsl.cli import main

ROOT = Path(__file__).parents[2]
WATER = ROOT / "tests" / "fixtures" / "water.pol"
DATA = ROOT / "tests" / "fixtures" / "data" / "water"
SCHEMA = json.loads((ROOT / "docs" / "schema" / "eval-output.schema.json").read_text("utf-8"))
ENTITIES = ("district", "plant", "sample")
FILES = {"district": "districts.csv", "plant": "plants.csv", "sample": "samples.csv"}
FORMATS = ("json", "jsonl", "parquet", "html", "xlsx")


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    return code, out, err


@pytest.fixture
def work(tmp_path) -> Path:
    """A copy of the fixture, so a test may change a byte of its data."""
    shutil.copy(WATER, tmp_path / "water.pol")
    for name in FILES.values():
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def facts(folder: Path) -> list[str]:
    return [a for e in ENTITIES for a in ("--facts", f"{e}={folder / FILES[e]}")]


def evaluate(capsys, work: Path, fmt: str, *years: str) -> Path:
    out = work / f"result.{fmt}"
    code, _, err = run(capsys, "eval", work / "water.pol", *facts(work), *(years or ("--year", "2025")),
                       "--format", fmt, "--output", out)
    assert code == 1, err  # the fixture has violations
    return out


@pytest.fixture
def summary(capsys, work) -> dict:
    code, out, _ = run(capsys, "eval", work / "water.pol", *facts(work), "--year", "2025", "--format", "json")
    assert code == 1
    return json.loads(out)["summary"]


def _per_entity_counts(records) -> dict[str, int]:
    return dict(Counter(r["entity"] for r in records))


def test_json_carries_the_provenance_of_each_entity_s_data_and_fits_the_schema(capsys, work):
    jsonschema = pytest.importorskip("jsonschema")
    doc = json.loads(evaluate(capsys, work, "json").read_text("utf-8"))
    jsonschema.validate(doc, SCHEMA)
    assert [(d["entity"], Path(d["path"]).name) for d in doc["provenance"]["data"]] == \
        [(e, FILES[e]) for e in ENTITIES]
    assert doc["provenance"]["engine"] == "duckdb"  # the default engine judged it


def test_json_lines_name_the_entity_of_every_record_and_target_line_and_reassemble_to_the_schema(
        capsys, work, summary):
    jsonschema = pytest.importorskip("jsonschema")
    lines = [json.loads(line) for line in evaluate(capsys, work, "jsonl").read_text("utf-8").splitlines()]
    head, *body, last = lines
    records = [x["record"] for x in body if "record" in x]
    targets = [x["target"] for x in body if "target" in x]
    assert len(records) + len(targets) == len(body)
    assert all(r["entity"] in ENTITIES for r in records + targets)
    assert _per_entity_counts(records) == {e: s["records"] for e, s in summary["entities"].items()}
    assert last == {"summary": summary}
    jsonschema.validate({**head, "records": records, "targets": targets, **last}, SCHEMA)


def test_parquet_has_an_entity_column_in_the_records_and_the_targets(capsys, work, summary):
    duckdb = pytest.importorskip("duckdb")
    out = evaluate(capsys, work, "parquet")
    rows = duckdb.sql(f"SELECT entity, id, rule, outcome FROM '{out}'").fetchall()
    ids = {(e, i) for e, i, _, _ in rows}
    assert dict(Counter(e for e, _ in ids)) == {e: s["records"] for e, s in summary["entities"].items()}
    for entity, counts in summary["entities"].items():  # one row per record and rule of its entity
        found = Counter(outcome for e, _, _, outcome in rows if e == entity)
        want = Counter()
        for rule, rule_counts in counts["rules"].items():
            if rule != "plants_compliant":  # the target's verdict is counted there too
                want.update(rule_counts)
        assert found == +want, entity
    targets = duckdb.sql(f"SELECT entity, rule FROM '{work / 'result.targets.parquet'}'").fetchall()
    assert targets == [("plant", "plants_compliant")]


def test_the_html_page_has_a_section_per_entity_with_unique_anchors(capsys, work, summary):
    text = evaluate(capsys, work, "html", "--years", "2025-2026").read_text("utf-8")
    sections = re.findall(r'<section class="entity" id="entity-(\w+)">', text)
    assert sections == list(ENTITIES)
    anchors = re.findall(r' id="([^"]+)"', text)
    assert len(anchors) == len(set(anchors))
    assert {"district-year-2025", "plant-year-2026", "sample-summary"} <= set(anchors)
    assert 'name="policydsl-provenance"' in text and "<script" not in text.lower()
    for entity, counts in summary["entities"].items():  # each entity's records, counted
        part = text.split(f'id="entity-{entity}"')[1].split('<section class="entity"')[0]
        assert re.search(rf'<h2>2025年：{counts["records"]}个', part), entity


def test_the_workbook_counts_each_entity_on_the_summary_and_its_own_rules_sheet(capsys, work, summary):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(evaluate(capsys, work, "xlsx", "--years", "2025-2026"))
    assert [n for n in book.sheetnames if n.startswith("规则 · ")] == ["规则 · 供水区", "规则 · 水厂", "规则 · 水样"]
    rows = list(book["汇总"].iter_rows(values_only=True))
    assert rows[0][:3] == ("记录类别", "年份", "记录数") or rows[0][0] == "记录类别"
    by_entity = {(r[0], r[1]): r[2] for r in rows[1:]}
    labels = {"district": "供水区", "plant": "水厂", "sample": "水样"}
    for entity, counts in summary["entities"].items():
        assert by_entity[(labels[entity], 2025)] == counts["records"] == by_entity[(labels[entity], 2026)]
    errors = list(book["数据错误"].iter_rows(values_only=True))
    assert ("水样", 2025, "s46") in {r[:3] for r in errors}  # a record named by its entity and id
    assert book.sheetnames[-1] == "来源与复现"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_replays_and_fails_to_once_one_byte_of_one_entity_s_data_changes(capsys, work, fmt):
    years = ("--years", "2025-2026") if fmt in ("html", "xlsx") else ("--year", "2025")
    out = evaluate(capsys, work, fmt, *years)
    code, text, err = run(capsys, "replay", out)
    assert code == 0, text + err
    assert "every verdict identical" in text
    samples = work / "samples.csv"
    raw = samples.read_bytes()
    assert b"s1,p1,0.3," in raw
    samples.write_bytes(raw.replace(b"s1,p1,0.3,", b"s1,p1,0.9,", 1))  # p1 now has a sample to recheck
    code, text, _ = run(capsys, "replay", out)
    assert code == 1
    assert f"changed: data file `{samples}`" in text
    if fmt in ("html", "xlsx"):
        assert "2025, plant, rule `flagged`: recorded" in text
    else:
        assert "plant record #1 `p1`, rule `flagged`: recorded pass, now fail" in text


def test_replay_takes_one_entity_s_data_in_place_of_the_recorded_file(capsys, work, tmp_path_factory):
    out = evaluate(capsys, work, "json")
    moved = tmp_path_factory.mktemp("moved") / "plants.csv"
    shutil.move(work / "plants.csv", moved)
    code, _, err = run(capsys, "replay", out)
    assert code == 2 and "plants.csv" in err
    code, text, _ = run(capsys, "replay", out, "--facts", f"plants={moved}")
    assert code == 0, text
    code, _, err = run(capsys, "replay", out, "--facts", str(moved))
    assert code == 2 and "give --facts ENTITY=DATA" in err


def test_several_years_are_refused_by_the_formats_of_one_year_and_a_file_format_needs_output(capsys, work):
    code, _, err = run(capsys, "eval", work / "water.pol", *facts(work), "--years", "2025-2026", "--format", "jsonl")
    assert code == 2 and "--format jsonl takes one year; use text, html or xlsx for several" in err
    code, _, err = run(capsys, "eval", work / "water.pol", *facts(work), "--year", "2025", "--format", "xlsx")
    assert code == 2 and "give --output PATH" in err
    assert sorted(p.name for p in work.iterdir()) == sorted(["water.pol", *FILES.values()])


HOSTILE = "\x1b[2J\u202e<b>&\u200b"


@pytest.mark.parametrize("fmt", ["html", "xlsx"])
def test_hostile_ids_and_labels_of_any_entity_reach_a_report_escaped(capsys, work, fmt):
    plants = work / "plants.csv"
    plants.write_text(plants.read_text("utf-8").replace("p4,d3,Hill spring", f"p4{HOSTILE},d3,Hill{HOSTILE}")
                      .replace(",d3,", f",d3{HOSTILE},", 1), encoding="utf-8")
    out = evaluate(capsys, work, fmt)
    if fmt == "html":
        text = out.read_text("utf-8")
        assert "<b>" not in text and "\x1b" not in text and "\u202e" not in text and "\u200b" not in text
        assert "p4\\u001b[2J\\u202e&lt;b&gt;&amp;\\u200b" in text  # shown, not dropped
    else:
        openpyxl = pytest.importorskip("openpyxl")
        cells = [str(v) for ws in openpyxl.load_workbook(out) for row in ws.iter_rows(values_only=True)
                 for v in row if v is not None]
        assert not any(c in text for text in cells for c in "\x1b\u202e\u200b")
        assert any("p4\\u001b[2J\\u202e<b>&\\u200b" in c for c in cells)
    code, text, _ = run(capsys, "replay", out)
    assert code == 0, text
