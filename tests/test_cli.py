"""The command-line contract: exit codes, JSON shape (validated against the schema
in docs/), and no traceback for any input."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from policydsl.cli import main

ROOT = Path(__file__).parents[1]
RIVERSIDE = ROOT / "tests" / "fixtures" / "riverside.pol"
CHIFENG = ROOT / "policies" / "chifeng_2023.pol"
SAMPLE = ROOT / "examples" / "chifeng_communities.csv"
SCHEMA = json.loads((ROOT / "docs" / "schema" / "eval-output.schema.json").read_text("utf-8"))


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "internal error" not in err
    return code, out, err


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_ok_prints_fingerprint_and_exits_0(capsys):
    code, out, _ = run(capsys, "check", RIVERSIDE)
    assert code == 0
    assert "riverside.pol: ok, 9 rules, 4 targets" in out
    assert "fingerprint sha256:" in out


def test_check_error_exits_2_with_location(capsys, tmp_path):
    bad = write(tmp_path, "bad.pol", "policy p period 2023 to 2025\nfact a: decimal m2\n"
                "rule r clause C1 must a >= 5 yuan\n")
    code, _, err = run(capsys, "check", bad)
    assert code == 2
    assert f"{bad}:3:23: error: cannot compare a quantity in m2 with a quantity in yuan" in err
    assert "^" in err


@pytest.mark.parametrize("content", [
    b"", b"\x00\x01\x02", "规则".encode(), b"policy", b"((((((((((", b'"unterminated',
    b"policy p period 2023 to 2025 rule r must 1 >= 1 m2 per 0 households",
])
def test_check_never_tracebacks(capsys, tmp_path, content):
    path = tmp_path / "odd.pol"
    path.write_bytes(content)
    code, _, err = run(capsys, "check", path)
    assert code == 2
    assert "error:" in err


def test_check_missing_file_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "check", tmp_path / "nope.pol")
    assert code == 2
    assert "cannot read" in err


def test_eval_json_matches_schema_and_is_exact(capsys):
    code, out, _ = run(capsys, "eval", CHIFENG, "--facts", SAMPLE, "--year", "2024", "--format", "json")
    assert code == 1  # the sample data has violations
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    assert doc["year"] == 2024
    assert len(doc["records"]) == 300
    assert doc["policy"]["name"] == "chifeng_community_2023"
    share = next(t for t in doc["targets"] if t["rule"] == "service_space_share")
    assert (share["value"], share["required"], share["outcome"]) == ("0.62", "0.6", "pass")


def test_eval_text_report_lists_rules_targets_and_failures(capsys):
    code, out, _ = run(capsys, "eval", CHIFENG, "--facts", SAMPLE, "--year", "2025", "--lang", "en", "--ids")
    assert code == 1
    assert "Rules for each community, in force in 2025" in out and "Targets for all communities" in out
    assert "service_space_share" in out and "needs at least 80% (the 2025 target)" in out
    assert "Failing and undecided records, by rule" in out and "Communities with the most failures" in out
    offenders = out.partition("Communities with the most failures\n")[2].partition("\n\n")[0]
    assert offenders.startswith("  CF-HS-040 康西社区 红山区  4 violations\n    worker_income [C08]: `staff_avg_income` is")


def test_eval_compliant_data_exits_0(capsys, tmp_path):
    data = write(tmp_path, "homes.json", json.dumps([{
        "id": "H1", "district": "North", "public": True, "beds": 40, "residents": 30, "nurses": 3,
        "floor_area": "1200.00", "garden_sqft": "600", "budget": "60", "spending": "540000",
        "rating": "two_star", "fire_certified": True, "评估得分": "75"}], ensure_ascii=False))
    code, out, _ = run(capsys, "eval", RIVERSIDE, "--facts", data, "--year", "2030", "--format", "json")
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    summary = doc["summary"]
    assert (summary["violations"], summary["unknown"], summary["records_with_errors"]) == (0, 0, 0)
    # The strive target on nurses (3 of 30 residents, needs 12%) falls short, and a
    # shortfall is reported without being a finding: the exit code stays 0.
    assert summary["shortfalls"] == 1
    assert code == 0


def test_eval_bad_records_are_kept_and_named(capsys, tmp_path):
    data = write(tmp_path, "homes.jsonl", '{"id": "a", "beds": "many"}\nnot json\n{"id": "a"}\n')
    code, out, _ = run(capsys, "eval", RIVERSIDE, "--facts", data, "--year", "2030", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    assert [r["id"] for r in doc["records"]] == ["a", "#2", "a"]
    assert any(e["field"] == "beds" for e in doc["records"][0]["errors"])
    assert any(e["field"] == "id" and "duplicate" in e["message"] for e in doc["records"][2]["errors"])


@pytest.mark.parametrize("year", ["2029", "2033"])
def test_eval_year_outside_period_exits_2(capsys, year):
    code, out, err = run(capsys, "eval", RIVERSIDE, "--facts", SAMPLE, "--year", year)
    assert code == 2
    assert f"year {year} is outside the period of policy `riverside_care` (2030–2032)" in err
    assert out == ""


def test_eval_missing_data_file_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "eval", RIVERSIDE, "--facts", tmp_path / "none.csv", "--year", "2030")
    assert code == 2
    assert "none.csv" in err


def test_eval_broken_policy_exits_2(capsys, tmp_path):
    bad = write(tmp_path, "bad.pol", "policy p period 2023 to 2025\nrule r must\n")
    code, _, err = run(capsys, "eval", bad, "--facts", SAMPLE, "--year", "2023")
    assert code == 2
    assert "bad.pol:2:12: error: unexpected end of file" in err


def test_no_command_prints_help_and_exits_2(capsys):
    code, _, err = run(capsys)
    assert code == 2
    assert "usage: policydsl" in err


# ---- outputs that cannot be written: a full disk, a closed pipe --------------------------

_PLAN = str(ROOT / "policies" / "chifeng_2023.pol")
_WRITING_COMMANDS = [
    ["check", _PLAN], ["render", _PLAN], ["render", "--format", "markdown", _PLAN],
    ["diff", _PLAN, str(ROOT / "policies" / "versions" / "chifeng_2023_v2.pol")], ["test", _PLAN],
    ["sql", _PLAN, "--year", "2024"],
    ["eval", _PLAN, "--facts", str(ROOT / "examples" / "chifeng_communities.csv"), "--year", "2024"],
]


def _policydsl(argv: list[str], **kw):
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-m", "policydsl", *argv], cwd=ROOT, stderr=subprocess.PIPE, **kw)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("argv", _WRITING_COMMANDS, ids=lambda a: " ".join(a[:2]).replace(str(ROOT), ""))
def test_every_command_writing_to_a_full_disk_says_so_and_fails(argv) -> None:
    with open("/dev/full", "w") as full:
        proc = _policydsl(argv, stdout=full)
        err = proc.stderr.read().decode()
    assert proc.wait() == 2
    assert "policydsl: error: cannot write the output: No space left on device" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv", _WRITING_COMMANDS, ids=lambda a: " ".join(a[:2]).replace(str(ROOT), ""))
def test_every_command_whose_output_is_closed_says_so_and_fails(argv) -> None:
    import subprocess

    proc = _policydsl(argv, stdout=subprocess.PIPE)
    proc.stdout.close()  # the reader went away before anything was written (`| head -0`)
    err = proc.stderr.read().decode()
    assert proc.wait() == 2
    assert "policydsl: error: the output was closed before it was complete" in err
    assert "Traceback" not in err


def test_files_after_an_option_join_the_list_of_check_and_fmt(capsys, tmp_path) -> None:
    a, b = tmp_path / "a.pol", tmp_path / "b.pol"
    a.write_bytes(CHIFENG.read_bytes())
    b.write_text("policy b period 2024 to 2025\nfact n: integer\nrule r clause C1 must n >= 1\n", encoding="utf-8")
    code, out, _err = run(capsys, "check", str(a), "--format", "json", str(b))
    assert code == 0
    assert [Path(entry["file"]).name for entry in json.loads(out)] == ["a.pol", "b.pol"]
    code, out, err = run(capsys, "fmt", "--check", str(a), "--keywords", "en", str(b))
    assert code in (0, 1) and "unrecognized" not in err


def test_an_unknown_option_after_the_files_is_still_a_usage_error(capsys) -> None:
    code, _out, err = run(capsys, "check", str(CHIFENG), "--bogus", "x\x1b[2J")
    assert code == 2
    assert "unrecognized arguments: --bogus x\\u001b[2J" in err
