"""Impact of a new version on real records: Chifeng and its v2 on the sample communities.

Every count is checked against evaluating each version separately, record by record,
not against a copy of the tool's output."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import policydsl
from policydsl.audit.impact import EXEMPTION_STOPS, PASS_TO_FAIL, impact, kind_of
from policydsl.audit.policy_diff import compare
from policydsl.audit.render import impact_markdown, impact_text
from policydsl.cli import main
from policydsl.data.read import read_records

ROOT = Path(__file__).resolve().parents[2]
OLD = ROOT / "policies" / "chifeng_2023.pol"
NEW = ROOT / "policies" / "versions" / "chifeng_2023_v2.pol"
DATA = ROOT / "examples" / "chifeng_communities.csv"
YEARS = (2023, 2024, 2025)


@pytest.fixture(scope="module")
def versions():
    return policydsl.load(OLD), policydsl.load(NEW)


@pytest.fixture(scope="module")
def v2_impact(versions):
    old, new = versions
    d = compare(old, new)
    return d, impact(old, new, d, DATA, YEARS, by="region")


def _variant(tmp_path: Path, name: str, *edits: tuple[str, str]) -> policydsl.Policy:
    text = OLD.read_text(encoding="utf-8")
    for a, b in edits:
        assert text.count(a) == 1, a
        text = text.replace(a, b)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return policydsl.load(path)


def test_impact_equals_evaluating_each_version_separately_record_by_record(versions, v2_impact):
    old, new = versions
    d, found = v2_impact
    for y in found.years:
        a, b = old.evaluate(DATA, y.year), new.evaluate(DATA, y.year)
        affected: dict[int, tuple[str, list[str]]] = {}
        for r in (r for r in y.rules if r.kind == "rule"):
            expected = {}
            for i, (ra, rb) in enumerate(zip(a.records, b.records, strict=True)):
                oa = next(o.outcome for o in ra.outcomes if o.rule == r.old_name)
                ob = next(o.outcome for o in rb.outcomes if o.rule == r.name)
                if oa != ob:
                    expected[i] = (ra.id, oa, ob)
            assert {x.index: (x.id, x.old, x.new) for x in r.changes} == expected, (y.year, r.name)
            assert r.counts == {k: n for k, n in Counter(kind_of(*v[1:]) for v in expected.values()).items()}
            for i, (rid, _, _) in expected.items():
                affected.setdefault(i, (rid, []))[1].append(r.name)
        assert [(x["index"], x["id"], x["rules"]) for x in y.affected_records()] == \
            [(i, rid, rules) for i, (rid, rules) in sorted(affected.items())]
        for r in (r for r in y.rules if r.kind == "target"):
            olds = {t.group: t.outcome for t in a.targets if t.rule == r.old_name}
            news = {t.group: t.outcome for t in b.targets if t.rule == r.name}
            assert {t.group: (t.old_outcome, t.new_outcome) for t in r.targets} == {
                g: (olds[g], news[g]) for g in olds}


def test_v2_relaxes_community_size_for_real_records_and_groups_sum_to_the_total(v2_impact):
    _, found = v2_impact
    regions = [r.fields["region"] for r in read_records(DATA)]
    for y in found.years:
        (size,) = [r for r in y.rules if r.name == "community_size"]
        assert size.symbolic == "looser" and size.affected > 0
        assert set(size.counts) == {"fail → pass"}  # looser: nobody newly fails
        per_group = size.by_group()
        assert sum(sum(c.values()) for c in per_group.values()) == size.affected
        assert per_group == {g: {"fail → pass": n} for g, n in
                             Counter(regions[x.index] for x in size.changes).items()}


def test_stricter_target_that_moves_no_verdict_today_is_reported_with_its_witness(v2_impact):
    d, found = v2_impact
    (y2025,) = [y for y in found.years if y.year == 2025]
    (share,) = [r for r in y2025.rules if r.name == "service_space_share"]
    assert share.symbolic == "stricter" and share.affected == 0 and share.unaffected_proof
    assert share.witnesses and share.witnesses[0].old_meets and not share.witnesses[0].new_meets
    text = impact_text(found, d)
    assert ("target `service_space_share` (C07): stricter (proved), but no verdict changes on this data; "
            "the witness is what would be affected") in text


def test_target_values_are_shown_as_the_drafter_writes_them_and_kept_exact_in_json(v2_impact):
    d, found = v2_impact
    (y2025,) = [y for y in found.years if y.year == 2025]
    (share,) = [r for r in y2025.rules if r.name == "service_space_share"]
    (row,) = share.targets
    assert (row.old_value, row.old_required, row.new_required) == ("0.62", "0.8", "0.85")  # exact, for programs
    assert (row.old_shown, row.new_shown) == (("62%", "80%"), ("62%", "85%"))
    assert "whole population: OLD fail at 62% (needs 80%); NEW fail at 62% (needs 85%)" in impact_text(found, d)
    assert row.to_json()["new"] == {"value": "0.62", "required": "0.85", "outcome": "fail",
                                    "shown": {"value": "62%", "required": "85%"}}


def test_rule_proved_stricter_with_zero_affected_records_is_reported_as_such(versions, tmp_path):
    old = versions[0]
    # The sample without its communities of exactly 1000 households: raising the lower
    # bound to 1001 then affects none of them.
    header, *rows = DATA.read_text(encoding="utf-8").splitlines()
    column = header.split(",").index("households")
    kept = [row for row in rows if row.split(",")[column] != "1000"]
    assert 0 < len(rows) - len(kept) < 5
    data = tmp_path / "sample.csv"
    data.write_text("\n".join([header, *kept]) + "\n", encoding="utf-8")
    new = _variant(tmp_path, "v3.pol", ("households between 1000 and 2000 households",
                                        "households between 1001 and 2000 households"))
    d = compare(old, new)
    (full,) = [r for r in impact(old, new, d, DATA, [2024]).years[0].rules if r.name == "community_size"]
    assert full.affected == len(rows) - len(kept)  # on the full sample those communities are affected
    found = impact(old, new, d, data, [2024])
    (size,) = [r for r in found.years[0].rules if r.name == "community_size"]
    assert size.symbolic == "stricter" and size.affected == 0 and size.unaffected_proof
    (w,) = size.witnesses
    assert w.old_meets and not w.new_meets and w.shown[0]["households"] == "1000"
    assert "rule `community_size` (C21): stricter (proved), but no record changes on this data" in impact_text(found, d)
    assert "A record that would be affected:" in impact_markdown(found, d)
    doc = size.to_json()
    assert doc["affects_no_record"] is True and doc["witnesses"][0]["records"][0]["households"] == "1000"


def test_exemptions_that_stop_applying_are_found_with_the_clause_change(versions, tmp_path):
    old = versions[0]
    new = _variant(tmp_path, "must.pol", ("  in principle households between 1000 and 2000 households",
                                          "  must households between 1000 and 2000 households"))
    d = compare(old, new)
    assert "rule `community_size` no longer admits exemptions (in principle → must)" in d.exemptions
    assert any(line.startswith("clause `C21` can no longer be exempted") for line in d.exemptions)
    found = impact(old, new, d, DATA, [2025])
    (size,) = [r for r in found.years[0].rules if r.name == "community_size"]
    a = old.evaluate(DATA, 2025)
    exempted = [r.id for r in a.records for o in r.outcomes if o.rule == "community_size" and o.outcome == "exempted"]
    assert exempted  # the sample has communities exempted from C21
    assert sorted(x.id for x in size.changes if x.kind == EXEMPTION_STOPS) == sorted(exempted)
    refused = {rid for rid, _ in found.years[0].exemption_errors}
    assert refused == set(exempted)
    assert "exemptions: clause `C21` can no longer be exempted" in policydsl.audit.render.render(d, "text")


def test_exemptible_again_is_reported_in_the_other_direction(versions, tmp_path):
    old = versions[0]
    new = _variant(tmp_path, "must.pol", ("  in principle households between 1000 and 2000 households",
                                          "  must households between 1000 and 2000 households"))
    d = compare(new, old)
    assert "rule `community_size` now admits exemptions (must → in principle)" in d.exemptions
    assert "clause `C21` can now be exempted (rules `community_size`)" in d.exemptions


def test_cli_diff_with_facts_json_holds_the_impact_and_years_range(capsys):
    code = main(["diff", str(OLD), str(NEW), "--facts", str(DATA), "--years", "2024-2025", "--by", "region",
                 "--format", "json"])
    out = capsys.readouterr().out
    assert code == 1
    doc = json.loads(out)
    assert [y["year"] for y in doc["impact"]["years"]] == [2024, 2025]
    assert doc["impact"]["by"] == "region"
    size = next(r for r in doc["impact"]["years"][0]["rules"] if r["name"] == "community_size")
    assert size["affected"] == len(size["records"]) > 0
    assert all(r["kind"] == "fail → pass" and r["group"] for r in size["records"])


def test_cli_diff_show_all_lists_every_changed_record_and_a_bad_show_exits_2(capsys):
    code = main(["diff", str(OLD), str(NEW), "--facts", str(DATA), "--year", "2024", "--show", "all"])
    out = capsys.readouterr().out
    assert code == 1
    assert "11 records change outcome: 11 fail → pass" in out
    assert out.count(": fail → pass\n") == 11 and "more (all of them" not in out
    assert main(["diff", str(OLD), str(NEW), "--facts", str(DATA), "--show", "-1"]) == 2
    assert "expected a number of records or `all`, not '-1'" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--year", "2024"], "need `--facts DATA`"),
    (["--facts", str(DATA), "--years", "2025-2023"], "from the earlier year"),
    (["--facts", str(DATA), "--years", "soon"], "a range like 2023-2025"),
    (["--facts", "/nonexistent/data.csv"], "error:"),
])
def test_cli_diff_with_bad_impact_arguments_exits_2(capsys, args, message):
    code = main(["diff", str(OLD), str(NEW), *args])
    assert code == 2
    assert message in capsys.readouterr().err


def test_a_year_outside_one_period_is_said_so(versions, tmp_path):
    old = versions[0]
    new = _variant(tmp_path, "long.pol", ("period 2023 to 2025", "period 2023 to 2026"))
    found = impact(old, new, compare(old, new), DATA, [2025, 2026])
    assert [y.note for y in found.years] == ["", "outside the period of OLD"]


def test_kind_of_names_every_change_of_outcome():
    assert kind_of("pass", "fail") == PASS_TO_FAIL
    assert kind_of("not_applicable", "fail") == "newly in scope"
    assert kind_of("fail", "not_applicable") == "newly out of scope"
    assert kind_of("absent", "pass") == "newly in scope"
    assert kind_of("pass", "unknown") == "newly unknown"
    assert kind_of("unknown", "pass") == "no longer unknown"
    assert kind_of("exempted", "fail") == EXEMPTION_STOPS
    assert kind_of("fail", "exempted") == "exemption starts applying"
    assert kind_of("pass", "pass") is None


HOSTILE_HEAD = """
policy p
  period 2024 to 2024
fact a: integer person >= 0
fact region: text
"""


def test_text_from_records_cannot_act_on_a_terminal_or_forge_markdown(tmp_path):
    old = policydsl.loads(HOSTILE_HEAD + "rule r clause X1 must a >= 5 person\n")
    new = policydsl.loads(HOSTILE_HEAD + "rule r clause X1 must a >= 6 person\n")
    rid = "x\x1b]0;pwned\x07\nSummary: 0 violations\u202e|`*"
    records = [{"id": rid, "a": 5, "region": "north\x1b[2J|**bold**"}]
    d = compare(old, new)
    found = impact(old, new, d, records, [2024], by="region")
    (r,) = found.years[0].rules
    assert r.changes[0].id == rid  # the JSON keeps the real id
    for out in (impact_text(found, d), impact_markdown(found, d)):
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
        assert "\nSummary: 0 violations" not in out
    md = impact_markdown(found, d)
    assert "\\*\\*bold\\*\\*" in md and "\\|" in md
    from policydsl.audit.render import render
    from policydsl.reports.html import render_impact_html

    page = render_impact_html(found, d, render(d, "text"))
    assert "\x1b" not in page and "\x07" not in page and "\u202e" not in page and "<script" not in page
    assert "north\\u001b[2J|**bold**" in page and "x\\u001b]0;pwned\\u0007\\u000aSummary" in page


class _Labelled:
    """A policy whose IR declares label facts (as `ir.Policy.label_facts` does)."""

    def __init__(self, policy, labels):
        import types

        self._policy = policy
        self.ir = types.SimpleNamespace(label_facts=labels)

    def __getattr__(self, name):
        return getattr(self._policy, name)


def test_changed_records_carry_the_label_facts_the_policy_declares(versions, v2_impact):
    old, new = versions
    d, _ = v2_impact
    found = impact(_Labelled(old, ("name",)), _Labelled(new, ("name",)), d, DATA, [2025])
    names = {r.fields["id"]: r.fields["name"] for r in read_records(DATA)}
    (size,) = [r for r in found.years[0].rules if r.name == "community_size"]
    assert size.changes and all(dict(x.labels) == {"name": names[x.id]} for x in size.changes)
    first = size.changes[0]
    assert f"    {first.id} [name={names[first.id]}]: fail → pass" in impact_text(found, d)
    assert "| id | name | OLD | NEW |" in impact_markdown(found, d)


def test_cli_diff_by_an_unknown_fact_suggests_the_nearest_and_exits_2(capsys):
    code = main(["diff", str(OLD), str(NEW), "--facts", str(DATA), "--by", "regoin"])
    assert code == 2
    assert "`--by regoin` is not a fact of either version; did you mean `region`?" in capsys.readouterr().err


def test_cli_diff_xlsx_lists_the_same_changed_records_as_json_with_labels_and_typed_targets(capsys, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    pytest.importorskip("xlsxwriter")
    args = ["diff", str(OLD), str(NEW), "--facts", str(DATA), "--years", "2024-2025", "--by", "region"]
    assert main([*args, "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    path = tmp_path / "impact.xlsx"
    assert main([*args, "--format", "xlsx", "--output", str(path)]) == 1
    assert "rule `community_size` (C21): looser" in capsys.readouterr().out  # the proof stays on the terminal
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Changed records", "Targets", "Refused exemptions"]
    rows = list(book["Changed records"].iter_rows(values_only=True))
    assert rows[0][:6] == ("year", "rule", "clauses", "id", "name", "region")
    from_json = {(y["year"], r["name"], x["id"], x["labels"]["name"], x["labels"]["region"], x["kind"])
                 for y in doc["impact"]["years"] for r in y["rules"] if r["kind"] == "rule" for x in r["records"]}
    assert {(r[0], r[1], r[3], r[4], r[5], r[8]) for r in rows[1:]} == from_json and len(from_json) == 22
    summary = {(r[0], r[2]): r[6] for r in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary[(2025, "community_size")] == 11 and summary[(2025, "service_space_share")] == 0
    share = next(r for r in book["Targets"].iter_rows(min_row=2) if r[0].value == 2025 and r[1].value ==
                 "service_space_share")
    assert [c.value for c in share[4:10]] == [pytest.approx(0.62), pytest.approx(0.8), "fail",
                                              pytest.approx(0.62), pytest.approx(0.85), "fail"]
    assert share[4].number_format == "0.00%"
    assert main(["diff", str(OLD), str(NEW), "--format", "xlsx"]) == 2
    assert "give `--facts DATA` and `--output PATH`" in capsys.readouterr().err


def test_cli_diff_html_is_one_page_listing_the_same_changed_records_as_json(capsys, tmp_path):
    args = ["diff", str(OLD), str(NEW), "--facts", str(DATA), "--years", "2024-2025", "--by", "region"]
    assert main([*args, "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    path = tmp_path / "impact.html"
    assert main([*args, "--format", "html", "--output", str(path)]) == 1
    page = path.read_text(encoding="utf-8")
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org", "")
    for y in doc["impact"]["years"]:
        section = page.partition(f'id="year-{y["year"]}"')[2].partition("</section>")[0]
        for r in y["rules"]:
            for x in r.get("records", []):
                row = (f"<tr><td>{x['id']}</td><td>{x['labels']['name']}</td><td>{x['labels']['region']}</td>"
                       f"<td>{x['old']['outcome']}</td><td>{x['new']['outcome']}</td>")
                assert row in section, row
        assert section.count("<td>CF-") == sum(len(r.get("records", [])) for r in y["rules"])
    assert "fail at 62% (needs 85%)" in page and "proved, but no change on this data" in page
    assert '<section id="proof">' in page and "whole policy, per record: 2023–2025 looser" in page
    assert main(["diff", str(OLD), str(NEW), "--format", "html"]) == 2
    assert "give `--facts DATA`" in capsys.readouterr().err
