"""`fmt` and `check` on files: atomic writes, escapes kept, standard input, directories."""

from __future__ import annotations

import io
import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from policydsl.cli import main
from policydsl.documents.fmt import string
from policydsl.syntax.lower import decode_string

ROOT = Path(__file__).resolve().parents[2]
CHIFENG = ROOT / "policies" / "chifeng_2023.pol"
INVISIBLE = Path(__file__).parent / "defects" / "invisible_escapes.pol"


def _limit_file_size():
    resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))  # stands in for a full disk


def test_a_failed_write_leaves_the_policy_whole_and_says_so(tmp_path):
    original = CHIFENG.read_text(encoding="utf-8").replace("\nrule ", "\nrule  ")  # not canonical
    plan = tmp_path / "plan.pol"
    plan.write_text(original, encoding="utf-8")
    assert len(original.encode()) > 8192
    done = subprocess.run([sys.executable, "-m", "policydsl", "fmt", str(plan)], capture_output=True, text=True,
                          preexec_fn=_limit_file_size, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    assert done.returncode == 2
    assert "cannot write" in done.stderr and "unchanged" in done.stderr
    assert plan.read_text(encoding="utf-8") == original
    assert [p.name for p in tmp_path.iterdir()] == ["plan.pol"]  # no temporary file left behind


def test_formatting_in_place_keeps_the_file_mode(tmp_path):
    plan = tmp_path / "plan.pol"
    plan.write_text(CHIFENG.read_text(encoding="utf-8").replace("\nrule ", "\nrule  "), encoding="utf-8")
    plan.chmod(0o640)
    assert main(["fmt", str(plan)]) == 0
    assert plan.read_text(encoding="utf-8") == CHIFENG.read_text(encoding="utf-8")
    assert stat.S_IMODE(plan.stat().st_mode) == 0o640


def test_visible_escapes_stay_escaped_and_formatting_adds_no_warning(tmp_path, capsys):
    plan = tmp_path / "t.pol"
    plan.write_text(INVISIBLE.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["check", str(plan)]) == 0
    before = capsys.readouterr().err.count("warning:")
    assert main(["fmt", str(plan)]) == 0
    text = plan.read_text(encoding="utf-8")
    for raw, escape in [("\u202e", "\\u202e"), ("\u2066", "\\u2066"), ("\u200b", "\\u200b"), ("\u00ad", "\\u00ad")]:
        assert raw not in text and escape in text
    capsys.readouterr()
    assert main(["check", str(plan)]) == 0
    # escaped bidi controls are warned about as raw ones are; fmt must not add any
    assert capsys.readouterr().err.count("warning:") == before


@pytest.mark.parametrize("value", ["a\u202ab", "\u2066x\u2069", "\x7f", "\u00a0", "\U000e0041", "\ud800", "\u2028"])
def test_a_string_with_an_invisible_character_is_written_with_escapes_that_read_back_equal(value):
    written = string(value)
    assert written.isprintable()
    assert decode_string(written[1:-1]) == (value, None)


def test_chinese_full_width_space_is_kept_as_written():
    assert string("中\u3000文") == '"中\u3000文"'


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))


def test_fmt_reads_standard_input_and_writes_standard_output(monkeypatch, capsys):
    _stdin(monkeypatch, CHIFENG.read_text(encoding="utf-8").replace("\nrule ", "\nrule   "))
    assert main(["fmt", "-"]) == 0
    assert capsys.readouterr().out == CHIFENG.read_text(encoding="utf-8")


def test_check_reads_standard_input_and_names_it_in_diagnostics(monkeypatch, capsys):
    _stdin(monkeypatch, "policy p\nfact x: integr\n")
    assert main(["check", "-"]) == 2
    err = capsys.readouterr().err
    assert "<stdin>:2:9: error: unexpected name `integr`" in err and "<stdin>: 1 error(s)" in err


def test_check_and_fmt_take_a_directory_and_visit_every_policy_below(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.pol").write_text(CHIFENG.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "two.pol").write_text(CHIFENG.read_text(encoding="utf-8").replace("\nrule ", "\nrule  "),
                                      encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a policy", encoding="utf-8")
    assert main(["check", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count(": ok,") == 2
    assert main(["fmt", "--check", str(tmp_path)]) == 1
    assert capsys.readouterr().out == f"would reformat {tmp_path / 'two.pol'}\n"
