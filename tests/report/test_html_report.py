"""The HTML report: one self-contained file, checked as text and, where Chromium is
installed, opened in a real browser (screen and print layout)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from policydsl.cli import main

ROOT = Path(__file__).parents[2]
POLICY = ROOT / "policies" / "chifeng_2023.pol"
SAMPLE = ROOT / "examples" / "chifeng_communities.csv"
REGIONS = ("红山区", "元宝山区", "松山区", "阿鲁科尔沁旗", "巴林左旗", "巴林右旗", "林西县", "克什克腾旗",
           "翁牛特旗", "喀喇沁旗", "宁城县", "敖汉旗")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# A4 in PostScript points (210 × 297 mm); Chromium rounds to its own units.
A4 = (595.28, 841.89)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    code = main(["eval", str(POLICY), "--facts", str(SAMPLE), "--years", "2023-2025", "--by", "region",
                 "--format", "html", "--output", str(path), "-q"])
    assert code == 1
    return path


def _expected_charts() -> int:
    """Charts the report must hold: per target, one across the years (or one per year
    in force for targets per group), plus one per rule with failures, by region."""
    import policydsl
    from policydsl.reports.model import ReportOptions, evaluate_years, rule_tracks, target_tracks

    policy = policydsl.load(POLICY)
    years = evaluate_years(policy, [(y, str(SAMPLE)) for y in (2023, 2024, 2025)], ReportOptions(by="region"))
    tracks = target_tracks(policy.ir, years)
    n = 0
    for name in dict.fromkeys(t.rule.name for t in tracks):
        mine = [t for t in tracks if t.rule.name == name]
        if len(mine) == 1 and mine[0].group is None:
            n += 1
        else:
            n += len({k for t in mine for k, r in enumerate(t.results) if r is not None and r.value is not None})
    return n + sum(1 for t in rule_tracks(policy.ir, years) if any(t.failing))


def test_report_is_one_file_with_no_script_and_nothing_from_elsewhere(report):
    text = report.read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert not re.search(r"<[^>]+\son\w+\s*=", text)  # no event handler attribute
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", text, re.I)
    assert not re.search(r"url\(", text)  # no font or image fetched by the CSS
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) <= {"http://www.w3.org/2000/svg"}


def test_report_has_summary_charts_failures_exemptions_and_print_css(report):
    text = report.read_text(encoding="utf-8")
    for section in ('id="summary"', 'id="targets"', 'id="by-group"', 'id="year-2023"', 'id="year-2025"'):
        assert section in text
    assert text.count('<svg class="chart"') == _expected_charts()
    assert "@page{size:A4" in text and "@media print" in text
    assert "未达标及无法判断的记录（按规则）" in text and "豁免：4" in text
    assert "CF-HS-001 永盛社区 红山区" in text
    for region in REGIONS:
        assert region in text


def test_report_names_its_provenance_and_each_shares_denominator(report):
    from policydsl.provenance import file_digest

    text = report.read_text(encoding="utf-8")
    section = text.partition('<section id="provenance">')[2].partition("</section>")[0]
    assert "来源与复现" in section and file_digest(POLICY) in section and file_digest(SAMPLE) in section
    assert "policydsl replay report.html" in section
    assert text.count('<meta name="policydsl-provenance" content="') == 1
    assert "“五个好”社区党组织比例 (C16)（分母：满足“社区党组织”的社区）" in text  # the chart's title


def _chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr",
             f"--user-data-dir={tmp / 'profile'}"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium (apt-get install -y chromium)")
def test_chromium_lays_out_every_chart_and_district_and_prints_on_a4(report, tmp_path):
    url = report.as_uri()
    dom = _chromium("--dump-dom", url, tmp=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    assert 'id="end"' in page  # the whole document was parsed
    assert "CONSOLE" not in dom.stderr and "Failed to load resource" not in dom.stderr
    charts = re.findall(r'<svg class="chart".*?</svg>', page, re.S)
    assert len(charts) == _expected_charts()
    for chart in charts:  # each has its title, bars and their values
        assert "<title>" in chart and chart.count('<rect class="bar"') >= 1 and "<text" in chart
    by_group = page.partition('id="by-group"')[2].partition("</section>")[0]
    for region in REGIONS:
        assert f">{region}<" in by_group, region

    png = tmp_path / "report.png"
    shot = _chromium("--hide-scrollbars", "--window-size=1000,1800", f"--screenshot={png}", url, tmp=tmp_path)
    assert shot.returncode == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000  # a page with charts, not a blank one

    pdf = tmp_path / "report.pdf"
    printed = _chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", url, tmp=tmp_path)
    assert printed.returncode == 0
    data = pdf.read_bytes()
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data))
    assert boxes and all(abs(float(w) - A4[0]) < 1.5 and abs(float(h) - A4[1]) < 1.5 for w, h in boxes), boxes
