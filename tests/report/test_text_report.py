"""The text report of the Chifeng sample, in Chinese and English, for one year and
three, with and without `--by region`: compared with golden files
(`pytest --update-golden` rewrites them), plus the properties that make them right."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from policydsl.cli import main

ROOT = Path(__file__).parents[2]
POLICY = ROOT / "policies" / "chifeng_2023.pol"
SAMPLE = ROOT / "examples" / "chifeng_communities.csv"
GOLDEN = Path(__file__).parent / "golden"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    return code, out, err


CASES = {
    "zh_2024": ["--year", "2024"],
    "en_2024": ["--year", "2024", "--lang", "en"],
    "zh_2024_by_region": ["--year", "2024", "--by", "region"],
    "en_2024_by_region": ["--year", "2024", "--lang", "en", "--by", "region"],
    "zh_2023_2025": ["--years", "2023-2025"],
    "en_2023_2025": ["--years", "2023-2025", "--lang", "en"],
    "zh_2023_2025_by_region": ["--years", "2023-2025", "--by", "region"],
    "en_2023_2025_by_region": ["--year", "2023", "--year", "2024", "--year", "2025", "--lang", "en",
                               "--by", "region"],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_text_report_is_the_golden_file(capsys, case, golden):
    code, out, _ = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--show", "3", *CASES[case])
    assert code == 1
    golden(GOLDEN / f"chifeng_{case}.txt", out)


def _json_counts(capsys, year: int) -> dict:
    code, out, _ = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--year", year, "--format", "json")
    doc = json.loads(out)
    counts: dict = {}
    for r in doc["records"]:
        for o in r["outcomes"]:
            counts.setdefault(o["rule"], {}).setdefault(o["outcome"], 0)
            counts[o["rule"]][o["outcome"]] += 1
    return counts


def test_chinese_report_counts_are_the_json_counts(capsys):
    counts = _json_counts(capsys, 2024)
    _, out, _ = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--year", "2024", "--lang", "zh")
    assert "社区工作者年收入不低于当地上年城镇职工平均工资的70%、85%、100%  C08   必须     267      33" in out
    assert counts["worker_income"] == {"pass": 267, "fail": 33}


def test_chinese_report_has_no_english_words_but_identifiers_and_data(capsys):
    """Chinese wording throughout: every Latin word left is a record or clause id, the
    policy's name, a unit-free code such as sha256, or text from the data (exemption reasons)."""
    _, out, _ = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--years", "2023-2025", "--by", "region",
                    "--show", "all")
    body = "\n".join(line for line in out.splitlines()[3:] if "豁免：" not in line)  # reasons are data
    words = set(re.findall(r"(?<![\w-])[A-Za-z]{2,}(?![\w-])", body))
    assert words <= {"CF"}, sorted(words)
    assert "Summary" not in out and "violation" not in out


def test_english_report_names_rules_by_identifier_when_titles_are_chinese(capsys):
    _, out, _ = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--year", "2024", "--lang", "en")
    assert "  worker_income             C08      must           267    33" in out
    assert "worker_income — 社区工作者年收入不低于当地上年城镇职工平均工资的70%、85%、100% [C08, must]: 33 violations" in out


def test_english_counts_have_correct_plurals(capsys):
    _, out, _ = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--year", "2024", "--lang", "en")
    assert "[C04, must]: 1 violation\n" in out
    assert "[C12, in principle]: 1 deviation\n" in out
    assert not re.search(r"\b1 (violations|deviations|shortfalls|records|communities)\b", out)
    assert "(0 person)" not in out and "(0 organisation)" not in out


def test_chinese_units_and_amounts(capsys):
    _, out, _ = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--year", "2024", "--show", "all")
    assert "“社区工作者年均收入”为6.364842万元/年，应不低于6.7881万元/年" in out  # 万元 for ten thousands
    assert "差4232.58元/年" in out  # under ten thousand stays 元
    assert "“户数”为2338户，不在1000户至2000户之间，高出338户" in out
    assert "“综合服务中心(站)面积”为49.99平方米，应不低于50平方米，差0.01平方米" in out


def test_every_share_says_what_its_denominator_counts(capsys):
    _, zh, _ = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--year", "2024")
    assert "占比≈79.87%（298个社区中238个），不低于70%（2024年目标）（分母：满足“社区党组织”的社区）" in zh
    _, en, _ = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--year", "2024", "--lang", "en")
    assert "(238 of 298 communities), at least 70% (the 2024 target) (denominator: communities where `has_party_org`)" in en


def test_the_trajectory_of_a_share_says_its_denominator_and_a_lone_failing_year_is_not_met(capsys):
    _, zh, _ = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--years", "2023-2025")
    trajectory = zh.partition("\n2023年：")[0]
    assert "  “五个好”社区党组织比例 [C16]（分母：满足“社区党组织”的社区）\n" in trajectory
    assert "服务用房200平方米以上的社区比例 [C07]（分母" not in trajectory  # a share of every community
    _, en, _ = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--years", "2023-2025", "--lang", "en")
    trajectory = en.partition("\nyear 2023:")[0]
    assert "  five_good_share [C16] (denominator: communities where `has_party_org`)\n" in trajectory
    # In force one year only, and failing then: said so, not left blank.
    assert re.search(r"\n  leaders_education +C18 +\(all\) +— +— +≈78% / 80% ✗ +not met\n", trajectory)
    assert re.search(r"\n  every_one_stop +C14 +— +— +201 +not met\n", trajectory)


def test_failing_records_show_their_name_and_region(capsys):
    _, out, _ = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--year", "2024")
    assert "  CF-HS-001 永盛社区 红山区  违反：“社区工作者年均收入”" in out


def test_ids_flag_shows_identifiers(capsys):
    _, out, _ = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--year", "2024", "--ids")
    assert "worker_income — 社区工作者年收入" in out
    assert "staff_avg_income为6.364842万元/年" in out


def test_show_all_lists_every_failing_record(capsys):
    _, out, _ = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--year", "2025", "--show", "all",
                    "--lang", "en", "--ids")
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("worker_income — "))
    items = []
    for line in lines[at + 1:]:
        if not line.startswith("  "):
            break
        items.append(line)
    section = "\n".join(lines[at:at + 1] + items).removeprefix("worker_income — ")
    assert len(re.findall(r"^  CF-\S+ .*  violation: ", section, re.M)) == 94
    assert "more" not in section


@pytest.mark.parametrize("bad", ["-1", "ten", "1.5", ""])
def test_show_refuses_anything_but_a_count_or_all(capsys, bad):
    code, out, err = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--year", "2024", "--show", bad)
    assert (code, out) == (2, "")
    assert f"argument --show: expected a number of records or `all`, not {bad!r}" in err


def test_by_must_name_a_fact(capsys):
    code, out, err = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--year", "2024", "--by", "district")
    assert (code, out) == (2, "")
    assert "--by: `district` is not a fact of the policy" in err


@pytest.mark.parametrize("argv, message", [
    (["--facts", SAMPLE, "--years", "2023-2024", "--format", "json"], "--format json takes one year"),
    (["--facts", SAMPLE, "--year", "2024", "--format", "xlsx"], "--format xlsx writes a file: give --output PATH"),
    (["--facts", SAMPLE, "--facts", "x.csv", "--year", "2024"], "several --facts need a year each"),
    (["--facts", "2023=x.csv", "--year", "2024"], "no --facts YEAR=DATA for 2024"),
    (["--facts", "2023=x.csv", "--facts", SAMPLE], "either as one DATA or as YEAR=DATA for each year"),
    (["--facts", SAMPLE], "give the year to judge"),
    (["--facts", SAMPLE, "--years", "2025-2023"], "expected FIRST-LAST such as 2023-2025, not '2025-2023'"),
])
def test_bad_year_and_output_options_are_reported(capsys, argv, message):
    code, out, err = run(capsys, "eval", POLICY, *argv)
    assert (code, out) == (2, "")
    assert message in err


def test_by_region_lists_every_district_with_its_own_failures(capsys):
    _, out, _ = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--year", "2025", "--by", "region")
    for region in ("红山区", "元宝山区", "松山区", "阿鲁科尔沁旗", "巴林左旗", "巴林右旗", "林西县",
                   "克什克腾旗", "翁牛特旗", "喀喇沁旗", "宁城县", "敖汉旗"):
        assert f"\n旗县区：{region}（" in out, region
    block = out.partition("旗县区：克什克腾旗（")[2].partition("\n\n")[0]
    assert "每个地区至少创建1个自治区级示范和谐社区 [C01，必须]：违反 — 克什克腾旗：数量0个，应不低于1" in block
    assert all(" 克什克腾旗  " in line for line in block.splitlines() if line.startswith("      CF-"))


def _per_year_files(tmp_path: Path) -> tuple[Path, Path]:
    """2023: the sample; 2024: the same with CF-HS-001 losing its own office."""
    text = SAMPLE.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        if row["id"] == "CF-HS-001":
            row["has_own_office"] = "false"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    a, b = tmp_path / "2023.csv", tmp_path / "2024.csv"
    a.write_text(text, encoding="utf-8")
    b.write_text(out.getvalue(), encoding="utf-8")
    return a, b


def test_one_file_per_year_reports_records_that_newly_fail(capsys, tmp_path):
    a, b = _per_year_files(tmp_path)
    code, out, _ = run(capsys, "eval", POLICY, "--facts", f"2023={a}", "--facts", f"2024={b}",
                       "--lang", "en", "--ids")
    assert code == 1
    assert "  own_office                 C06         3     4  falling behind" in out
    assert "  own_office [C06] newly failing in 2024: 1\n    CF-HS-001 永盛社区 红山区\n" in out


def test_several_years_of_one_file_show_each_target_per_year(capsys):
    _, out, _ = run(capsys, "eval", POLICY, "--facts", SAMPLE, "--years", "2023-2025", "--lang", "en", "--ids")
    line = next(x for x in out.splitlines() if x.startswith("  service_space_share"))
    assert re.fullmatch(r"  service_space_share\s+C07\s+\(all\)\s+62% / 40%\s+62% / 60%\s+62% / 80% ✗\s+falling behind",
                        line), line
    assert out.count("\nyear 2023: 300 communities\n") == 1 and "\nyear 2025: 300 communities\n" in out
