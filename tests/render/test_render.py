"""`render`: the policy as a document, clause by clause, in Markdown and one HTML file."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import policydsl
from policydsl.cli import main
from policydsl.documents.render import build, clause_sort_key, render

ROOT = Path(__file__).resolve().parents[2]
CHIFENG = ROOT / "policies" / "chifeng_2023.pol"
RIVERSIDE = ROOT / "tests" / "fixtures" / "riverside.pol"
CHIFENG_IDS = [f"C{i:02d}" for i in range(1, 28)]


@pytest.fixture(scope="module")
def chifeng():
    return policydsl.load(CHIFENG)


@pytest.fixture(scope="module")
def chifeng_html(chifeng):
    return render(chifeng, "html")


def test_markdown_contains_every_chifeng_clause_id_as_a_heading(chifeng):
    text = render(chifeng, "markdown")
    headings = "\n".join(line for line in text.splitlines() if line.startswith("### "))
    for cid in CHIFENG_IDS:
        assert re.search(rf"\b{cid}\b", headings), cid


def test_html_contains_every_chifeng_clause_id_as_a_link_target(chifeng_html):
    for cid in CHIFENG_IDS:
        assert f'id="clause-{cid}"' in chifeng_html
        assert f'href="#clause-{cid}"' in chifeng_html


def test_html_is_one_file_without_external_references(chifeng_html):
    lowered = chifeng_html.lower()
    for needle in ("<script", "<link", "<img", "<iframe", "@import", "url(", "src=", "http://",
                   "https://"):
        assert needle not in lowered, needle
    hrefs = re.findall(r'href="([^"]*)"', chifeng_html)
    assert hrefs and all(h.startswith("#") for h in hrefs)


def test_every_html_link_points_at_an_element_of_the_page(chifeng_html):
    ids = set(re.findall(r'id="([^"]*)"', chifeng_html))
    assert len(ids) == len(re.findall(r'id="([^"]*)"', chifeng_html)), "duplicate ids"
    for href in re.findall(r'href="#([^"]*)"', chifeng_html):
        assert href in ids, href


def test_html_shows_the_quote_the_rule_and_the_schedule(chifeng_html):
    text = html.unescape(chifeng_html)
    assert "社区工作和公益性服务用房面积200平方米以上的达到40%" in text  # C07's quote
    assert "staff_avg_income >= [2023: 70%, 2024: 85%, 2025: 100%] of local_avg_wage_prev_year" in text
    # the schedule of C07 as a table: the value in force in each year
    section = re.search(r'<section class="entry" id="r-service_space_share">(.*?)</section>', chifeng_html, re.S)
    table = re.search(r'<table class="schedule">(.*?)</table>', section.group(1), re.S)
    cells = re.findall(r"<td>([^<]*)</td>", table.group(1))
    assert cells == ["40%", "60%", "80%"]


def test_schedule_shows_years_before_the_first_entry_as_not_yet_in_force(chifeng):
    entry = next(e for e in build(chifeng).entries if e.name == "harmonious_share")
    assert entry.schedule == ((2023, "not yet in force"), (2024, "30%"), (2025, "60%"))


def test_entries_follow_the_policy_file_and_carry_modality_scope_and_years(chifeng):
    entries = build(chifeng).entries
    assert [e.clauses[0] for e in entries][:4] == ["C01", "C02", "C03", "C04"]
    one_stop = next(e for e in entries if e.name == "one_stop_size")
    assert (one_stop.modality, one_stop.applies_to, one_stop.years) == (
        "in_principle", "every community where one_stop_center", "2023–2025")
    every = next(e for e in entries if e.name == "every_one_stop")
    assert every.years == "2025" and "三(三)2" in every.comment  # the drafter's reading note


def test_a_clause_cited_by_two_rules_is_indexed_once_with_both(chifeng):
    index = dict(build(chifeng).index)
    assert index["C17"] == ("staff_training_first_year", "staff_training")


def test_notes_and_metadata_are_rendered(chifeng):
    text = render(chifeng, "markdown")
    assert chifeng.ir.notes
    for note in chifeng.ir.notes:
        assert f"- {note.text} ({note.section})" in text
    assert "| original title | 赤峰市城镇社区建设专项推进工作实施方案 |" in text
    assert "| period | 2023–2025 |" in text


def test_markup_in_policy_text_is_escaped():
    p = policydsl.loads('policy p period 2024 to 2024\nfact ok: bool\n'
                        'rule r "<b>bold</b> | pipe" clause X1 quote "<script>x</script>" must ok\n')
    page = render(p, "html")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert r"\<b\>bold\</b\> \| pipe" in render(p, "markdown")


def test_clause_ids_sort_by_number():
    assert sorted(["C10", "C2", "R1", "C01"], key=clause_sort_key) == ["C01", "C2", "C10", "R1"]


def test_other_policies_render_too():
    page = render(policydsl.load(RIVERSIDE), "html")
    for cid in ("R1", "R9", "T1", "T4"):
        assert f'id="clause-{cid}"' in page


def test_render_command_writes_a_file(tmp_path, capsys):
    out = tmp_path / "chifeng.html"
    assert main(["render", str(CHIFENG), "--format", "html", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["render", str(CHIFENG), "--format", "markdown"]) == 0
    assert capsys.readouterr().out.startswith("# Chifeng City")


def test_render_command_reports_a_bad_policy_with_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.pol"
    bad.write_text("policy p period 2024 to 2024\nrule r clause X1 must nothing_here\n", encoding="utf-8")
    assert main(["render", str(bad)]) == 2
    assert "bad.pol:2:" in capsys.readouterr().err


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_every_clause_id_is_visible_in_a_headless_browser(tmp_path, chifeng_html):
    """The page as Chromium lays it out: its visible text holds every clause id."""
    page = tmp_path / "chifeng.html"
    page.write_text(chifeng_html, encoding="utf-8")
    run = subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
                          "--disable-background-networking", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", run.stdout, flags=re.S)
    for cid in CHIFENG_IDS:
        assert re.search(rf"\b{cid}\b", visible), cid


def test_screenshot_script_is_documented_and_executable():
    script = ROOT / "scripts" / "render_screenshot.sh"
    assert script.stat().st_mode & 0o111
    assert "Usage" in script.read_text(encoding="utf-8")
    assert shutil.which("bash")
