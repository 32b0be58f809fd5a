"""The command line for drafters: colour only on a terminal, shell completion, standard
input for eval and test, and `test --format json --rule NAME`."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policydsl.cli import COMMANDS, main
from policydsl.core.terminal import paint_diagnostic, use_colour

ROOT = Path(__file__).resolve().parents[1]
CHIFENG = ROOT / "policies" / "chifeng_2023.pol"
EXAMPLES = ROOT / "policies" / "chifeng_2023.examples.json"
DATA = ROOT / "examples" / "chifeng_communities.csv"
BAD = "policy p\nfact x: integr\n"
RENDERED = "t.pol:2:9: error: unexpected name `integr`\n   2 | fact x: integr\n  = help: expected `bool`"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_errors_are_red_and_warnings_yellow_on_a_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    painted = paint_diagnostic(RENDERED, _Tty())
    assert painted.startswith("t.pol:2:9: \x1b[1m\x1b[31merror:\x1b[0m unexpected name")
    assert "\x1b[1m\x1b[36mhelp:\x1b[0m" in painted
    warning = paint_diagnostic("t.pol:1:1: warning: fact `x` is used by no rule", _Tty())
    assert "\x1b[1m\x1b[33mwarning:\x1b[0m" in warning


def test_no_colour_into_a_pipe_with_no_color_or_on_a_dumb_terminal(monkeypatch):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert paint_diagnostic(RENDERED, io.StringIO()) == RENDERED  # a pipe or a file
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(_Tty())
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not use_colour(_Tty())


def test_check_through_a_pipe_prints_no_escape_sequences(tmp_path):
    bad = tmp_path / "bad.pol"
    bad.write_text(BAD, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "policydsl", "check", str(bad)], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "TERM": "xterm"})
    assert done.returncode == 2 and "error: unexpected name" in done.stderr and "\x1b" not in done.stderr


def test_the_bash_completion_script_is_valid_and_knows_every_command_and_choice(capsys):
    assert main(["completion", "bash"]) == 0
    script = capsys.readouterr().out
    assert all(f"    {name}) opts=" in script for name in COMMANDS)
    assert "fmt:--keywords) COMPREPLY=( $(compgen -W 'en zh'" in script
    assert "check:--format) COMPREPLY=( $(compgen -W 'text json'" in script
    if shutil.which("bash"):
        assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0
        # Completing `policydsl fmt --k` offers --keywords.
        probe = script + 'COMP_WORDS=(policydsl fmt --k); COMP_CWORD=2; _policydsl; echo "${COMPREPLY[@]}"\n'
        assert subprocess.run(["bash", "-c", probe], capture_output=True, text=True).stdout.split() == ["--keywords"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_name_every_command(shell, capsys):
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    for name in COMMANDS:
        assert name in script
    if shell == "fish":
        assert "complete -c policydsl -n '__fish_seen_subcommand_from fmt' -l keywords -xa 'en zh'" in script
    else:
        assert script.startswith("# zsh completion") and "bashcompinit" in script


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))


def test_eval_reads_the_policy_from_standard_input(monkeypatch, capsys):
    _stdin(monkeypatch, CHIFENG.read_text(encoding="utf-8"))
    code = main(["eval", "-", "--facts", str(DATA), "--year", "2024", "--format", "json"])
    assert code in (0, 1)
    assert json.loads(capsys.readouterr().out)["policy"]["name"] == "chifeng_community_2023"


def test_test_reports_as_json_and_filters_by_rule(capsys):
    assert main(["test", str(CHIFENG), "--format", "json", "--rule", "own_office"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["total"] == report["passed"] > 0
    expecting = [ex for ex in json.loads(EXAMPLES.read_text(encoding="utf-8"))["examples"]
                 if "own_office" in ex.get("expect", {})]
    assert report["total"] == len(expecting)
    assert report["coverage"]["rules_without_example"] == []


def test_test_with_an_unknown_rule_says_so(capsys):
    assert main(["test", str(CHIFENG), "--rule", "no_such_rule"]) == 2
    assert "no rule or target named `no_such_rule`" in capsys.readouterr().err


def test_lsp_without_pygls_says_which_extra_to_install():
    probe = ("import sys; sys.modules['pygls'] = None; sys.modules['lsprotocol'] = None\n"
             "from policydsl.cli import main; sys.exit(main(['lsp']))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert "pip install 'policydsl[lsp]'" in done.stderr and "Traceback" not in done.stderr


def test_importing_policydsl_loads_no_editor_dependency():
    probe = "import sys, policydsl; print(sorted(m for m in ('pygls', 'lsprotocol') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.stdout.strip() == "[]"
