"""`policydsl diff` on the command line: formats, exit codes, git revisions, bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import policydsl
from policydsl.audit.sources import is_git_spec, read_version
from policydsl.cli import main

FIX = Path(__file__).parents[1] / "fixtures" / "diff"


def run(capsys, *args):
    code = main(["diff", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_identical_versions_exit_zero(capsys):
    code, out, _ = run(capsys, FIX / "base.pol", FIX / "unchanged.pol")
    assert code == 0
    assert "same fingerprint" in out


def test_text_report_names_the_change_direction_and_witness(capsys):
    code, out, _ = run(capsys, FIX / "base.pol", FIX / "stricter.pol")
    assert code == 1
    assert "rule `rooms_floor` (R1): stricter" in out
    assert "meets OLD, not NEW" in out and "rooms=" in out


def test_json_report_carries_full_witness_records(capsys):
    code, out, _ = run(capsys, FIX / "base.pol", FIX / "incomparable.pol", "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["old"]["fingerprint"] != data["new"]["fingerprint"]
    (change,) = data["changes"]
    assert change["verdict"] == "incomparable"
    witnesses = change["years"][0]["witnesses"]
    assert [w["old"]["meets"] for w in witnesses] == [True, False]
    assert {"homes", "rooms", "open", "zone"} <= set(witnesses[0]["records"][0])


def test_markdown_report_has_summary_table_and_witness_table(capsys):
    _, out, _ = run(capsys, FIX / "base.pol", FIX / "schedule_entry.pol", "--format", "markdown")
    assert "## Summary" in out
    assert "| `open_share` | R4 | schedule changed | unchanged | unchanged | stricter |" in out
    assert "| records | open |" in out


def test_broken_version_exits_two_with_diagnostics(capsys, tmp_path):
    bad = tmp_path / "bad.pol"
    bad.write_text("policy x period 2024 to 2025\nrule r must nope >= 1\n", encoding="utf-8")
    code, out, err = run(capsys, FIX / "base.pol", bad)
    assert code == 2 and out == ""
    assert "bad.pol:" in err and "error" in err


def test_missing_file_exits_two(capsys, tmp_path):
    code, _, err = run(capsys, FIX / "base.pol", tmp_path / "nope.pol")
    assert code == 2 and "cannot read" in err


def test_revision_that_looks_like_an_option_is_refused():
    with pytest.raises(policydsl.PolicyError) as e:
        read_version("--output=/tmp/x:p.pol")
    assert "is not a git revision" in e.value.diagnostics[0].message


def test_existing_file_with_a_colon_is_a_file_not_a_revision(tmp_path):
    f = tmp_path / "a:b.pol"
    f.write_text("x", encoding="utf-8")
    assert not is_git_spec(str(f))
    assert is_git_spec("HEAD~1:policies/chifeng_2023.pol")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_revisions_are_read_with_git(tmp_path, capsys, monkeypatch):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "a@example.org")
    git("config", "user.name", "a")
    (tmp_path / "p.pol").write_text((FIX / "base.pol").read_text(encoding="utf-8"), encoding="utf-8")
    git("add", "p.pol")
    git("commit", "-q", "-m", "v1")
    (tmp_path / "p.pol").write_text((FIX / "looser.pol").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "HEAD:p.pol", "p.pol")
    assert code == 1
    assert "OLD HEAD:p.pol" in out and "rule `rooms_floor` (R1): looser" in out
    d = policydsl.diff("HEAD:p.pol", "p.pol")
    assert [c.verdict for c in d.changed] == ["looser"]
    code, _, err = run(capsys, "HEAD:missing.pol", "p.pol")
    assert code == 2 and "cannot read `HEAD:missing.pol` from git" in err
