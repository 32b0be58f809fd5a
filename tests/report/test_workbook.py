"""The workbook read back with openpyxl: its sheets, header rows, typed cells, and the
same counts as the JSON output."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from policydsl.cli import main

openpyxl = pytest.importorskip("openpyxl")

ROOT = Path(__file__).parents[2]
POLICY = ROOT / "policies" / "chifeng_2023.pol"
SAMPLE = ROOT / "examples" / "chifeng_communities.csv"
YEARS = (2023, 2024, 2025)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "report.xlsx"
    code = main(["eval", str(POLICY), "--facts", str(SAMPLE), "--years", "2023-2025", "--format", "xlsx",
                 "--output", str(path), "--show", "all", "-q"])
    assert code == 1
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def json_outcomes():
    """rule -> year -> outcome counts, and the failing (year, rule, id) triples, from --format json."""
    import contextlib
    import io

    counts: dict = {}
    failing = set()
    for year in YEARS:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            main(["eval", str(POLICY), "--facts", str(SAMPLE), "--year", str(year), "--format", "json"])
        for r in json.loads(out.getvalue())["records"]:
            for o in r["outcomes"]:
                counts.setdefault(o["rule"], {}).setdefault(year, Counter())[o["outcome"]] += 1
                if o["outcome"] in ("fail", "unknown"):
                    failing.add((year, o["rule"], r["id"]))
    return counts, failing


def test_sheets_are_summary_rules_targets_one_per_rule_exemptions_errors_provenance(book):
    names = book.sheetnames
    assert names[:3] == ["汇总", "规则", "目标"] and names[-3:] == ["豁免", "数据错误", "来源与复现"]
    assert "C08 worker_income" in names and "C17 staff_training_first_year" in names
    assert len(names) == 3 + 20 + 3
    assert all(len(n) <= 31 for n in names)


def test_provenance_sheet_names_the_policy_and_data_digests_and_the_years(book):
    from policydsl.provenance import EMBEDDED, file_digest

    rows = [r for r in book["来源与复现"].iter_rows(min_row=2, values_only=True)]
    shown = {r[0]: r[1] for r in rows if r[0] != EMBEDDED}
    assert shown["政策文件 sha256"] == file_digest(POLICY) and shown["数据 sha256"] == file_digest(SAMPLE)
    assert shown["年份"] == "2023、2024、2025"
    assert "核验本报告可否复现：policydsl replay report.xlsx" in shown  # its own name, not a temporary one
    embedded = json.loads("".join(r[1] for r in rows if r[0] == EMBEDDED))
    assert [v["year"] for v in embedded["verdicts"]] == list(YEARS)


def test_every_sheet_has_a_frozen_filtered_header(book):
    for ws in book:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert all(isinstance(c.value, str) for c in ws[1]), ws.title


def test_failure_sheet_has_labels_and_typed_value_threshold_margin_in_the_rules_unit(book):
    ws = book["C08 worker_income"]
    header = [c.value for c in ws[1]]
    assert header == ["年份", "编号", "社区名称", "旗县区", "结果", "实际值（元/年）", "要求值（元/年）",
                      "差距（元/年）", "说明"]
    first = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == 2024 and r[1] == "CF-HS-001")
    assert first[:5] == (2024, "CF-HS-001", "永盛社区", "红山区", "违反")
    assert first[5] == pytest.approx(63648.42) and first[6] == pytest.approx(67881)
    assert first[7] == pytest.approx(-4232.58)
    assert all(isinstance(v, int | float) for v in first[5:8])


def test_rule_counts_are_the_json_counts(book, json_outcomes):
    counts, _ = json_outcomes
    ws = book["规则"]
    header = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(header)}
    seen = 0
    for row in ws.iter_rows(min_row=2, values_only=True):
        expected = counts[row[col["标识符"]]][row[col["年份"]]]
        got = {"pass": row[col["达标"]], "fail": row[col["未达标"]], "exempted": row[col["豁免"]],
               "not_applicable": row[col["不适用"]], "unknown": row[col["无法判断"]]}
        assert {k: v for k, v in got.items() if v} == dict(expected)
        seen += 1
    assert seen == sum(1 for rule in counts for y in counts[rule] if counts[rule][y]["not_applicable"] < 300)


def test_failure_sheets_list_exactly_the_json_failures(book, json_outcomes):
    _, failing = json_outcomes
    rows = set()
    for ws in book.worksheets[3:-3]:
        rule = ws.title.split(" ", 1)[1]
        for r in ws.iter_rows(min_row=2, values_only=True):
            rows.add((r[0], rule, r[1]))
    assert rows == failing


def test_targets_sheet_has_shares_as_percent_numbers(book):
    ws = book["目标"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == 2025 and r[2].value == "service_space_share")
    achieved, required = row[header.index("实际值")], row[header.index("要求值")]
    assert (achieved.value, required.value) == (pytest.approx(0.62), pytest.approx(0.8))
    assert achieved.number_format == "0.00%"
    assert row[header.index("结论")].value == "违反"


def test_summary_counts_per_year(book, json_outcomes):
    counts, _ = json_outcomes
    rows = list(book["汇总"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == list(YEARS)
    assert [r[1] for r in rows] == [300, 300, 300]
    must_fails_2025 = sum(c[2025]["fail"] for rule, c in counts.items()
                          if 2025 in c and rule in _must_rules())
    assert rows[2][3] == must_fails_2025


def _must_rules() -> set[str]:
    import policydsl

    return {r.name for r in policydsl.load(POLICY).rules if r.modality == "must"}


def test_a_formula_from_the_data_stays_text(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"id": "=HYPERLINK(\"http://x\",\"y\")", "name": "=1+1", "beds": 1}) + "\n",
                    encoding="utf-8")
    pol = tmp_path / "p.pol"
    pol.write_text('policy p period 2023 to 2025\nentity home labelled by name\nfact name: text\n'
                   'fact beds: integer\nrule r clause C1 must beds >= 3\n', encoding="utf-8")
    out = tmp_path / "r.xlsx"
    assert main(["eval", str(pol), "--facts", str(data), "--year", "2023", "--format", "xlsx",
                 "--output", str(out)]) == 1
    ws = openpyxl.load_workbook(out)["C1 r"]
    assert ws.cell(2, 2).data_type == "s" and ws.cell(2, 2).value.startswith("=HYPERLINK")
    assert ws.cell(2, 3).data_type == "s"
