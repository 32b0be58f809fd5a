"""File names are text from outside too: a folder cloned from elsewhere may hold a file
named with an escape sequence, and the Python API lets a NUL byte through (a process
cannot be given one). Every command names such a file in its error, spelled out, and
none crashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.harness import problems, run_cli

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "chifeng_2023.pol")


def _argv(command: str, name: str) -> list[str]:
    return {
        "check": ["check", name],
        "check-json": ["check", name, "--format", "json"],
        "fmt": ["fmt", "--check", name],
        "render": ["render", name],
        "sql": ["sql", name, "--year", "2024"],
        "diff": ["diff", name, POLICY],
        "eval-policy": ["eval", name, "--facts", "x.csv", "--year", "2024"],
        "eval-facts": ["eval", POLICY, "--facts", name, "--year", "2024"],
        "eval-facts-compiled": ["eval", POLICY, "--facts", name, "--year", "2024", "--engine", "compiled"],
        "replay": ["replay", name],
    }[command]


COMMANDS = ["check", "check-json", "fmt", "render", "sql", "diff", "eval-policy", "eval-facts",
            "eval-facts-compiled", "replay"]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_nul_byte_in_a_file_name_is_an_error_that_names_the_file(tmp_path, command: str) -> None:
    argv = _argv(command, "a\x00b.pol")
    rc, out, err = run_cli(argv, cwd=tmp_path)
    assert not problems(argv, rc, out, err), err
    assert rc == 2
    text = out if command == "check-json" else err
    assert "a file name cannot hold a NUL byte" in text
    assert "\x00" not in err


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "check-json"])
def test_control_characters_in_a_missing_file_name_are_spelled_out_not_sent_to_the_terminal(
        tmp_path, command: str) -> None:
    argv = _argv(command, "\x1b]0;owned\x07\x1b[2Jgone.pol")
    rc, out, err = run_cli(argv, cwd=tmp_path)
    assert not problems(argv, rc, out, err), err
    assert rc == 2
    assert "\x1b" not in err and "\x07" not in err
    assert "\\u001b[2Jgone.pol" in err
