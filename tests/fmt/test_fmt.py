"""The formatter on files: golden outputs, the Chifeng policy, and the `fmt` command.

Regenerate the golden outputs with `python -m pytest --update-golden tests/fmt`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import policydsl
from policydsl.cli import main
from policydsl.core.source import Source
from policydsl.documents.fmt import format_text
from policydsl.loader import parse

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
CHIFENG = ROOT / "policies" / "chifeng_2023.pol"
RIVERSIDE = ROOT / "tests" / "fixtures" / "riverside.pol"
CASES = sorted(GOLDEN.glob("*.pol"))


def _fmt(text: str, lang: str | None = None, name: str = "t.pol") -> str:
    return format_text(Source(name, text), lang)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_formatting_matches_golden(case: Path, lang: str, update_golden: bool):
    got = _fmt(case.read_text(encoding="utf-8"), lang, case.name)
    expected_path = case.with_suffix(f".{lang}.expected")
    if update_golden:
        expected_path.write_text(got, encoding="utf-8")
    assert got == expected_path.read_text(encoding="utf-8")
    assert _fmt(got, lang) == got  # idempotent


@pytest.mark.parametrize("path", [CHIFENG, RIVERSIDE], ids=lambda p: p.stem)
def test_formatting_keeps_the_fingerprint_in_both_keyword_sets(path: Path):
    text = path.read_text(encoding="utf-8")
    original = policydsl.loads(text).fingerprint
    for lang in ("en", "zh"):
        assert policydsl.loads(_fmt(text, lang)).fingerprint == original, lang


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_formatting_a_file_that_only_parses_keeps_its_syntax_tree(case: Path):
    # The golden inputs exercise layout, not checking (names may be undeclared), so the
    # meaning they can keep is their syntax tree (spans are not part of equality).
    text = case.read_text(encoding="utf-8")
    original, _ = parse(Source(case.name, text))
    for lang in ("en", "zh"):
        again, diagnostics = parse(Source(case.name, _fmt(text, lang)))
        assert not diagnostics and again == original, lang


def test_formatting_keeps_every_comment():
    text = (GOLDEN / "comments_and_tables.pol").read_text(encoding="utf-8")
    comments = [m.group(0).rstrip() for m in re.finditer(r"#[^\n]*", text)]
    out = _fmt(text, "en")
    assert [m.group(0) for m in re.finditer(r"#[^\n]*", out)] == comments


def test_chifeng_policy_is_canonical():
    assert main(["fmt", "--check", str(CHIFENG)]) == 0


def _mess_up(text: str) -> str:
    """Trailing whitespace on every line, extra spaces between tokens, doubled blank lines."""
    out = []
    for line in text.split("\n"):
        if line.lstrip().startswith("#"):
            out.append(line + "   ")
            continue
        # Widen the spaces between tokens outside strings.
        parts = re.split(r'("(?:[^"\\\n]|\\.)*")', line)
        parts = [p if k % 2 else re.sub(r"(?<=\S) (?=\S)", "   ", p) for k, p in enumerate(parts)]
        out.append("".join(parts) + " \t ")
        if line == "":
            out.append("")
    return "\n".join(out)


def test_a_messed_up_copy_of_chifeng_is_restored_exactly(tmp_path):
    canonical = CHIFENG.read_text(encoding="utf-8")
    messy = tmp_path / "chifeng.pol"
    messy.write_text(_mess_up(canonical), encoding="utf-8")
    assert messy.read_text(encoding="utf-8") != canonical
    assert main(["fmt", "--check", str(messy)]) == 1
    assert main(["fmt", str(messy)]) == 0
    assert messy.read_text(encoding="utf-8") == canonical


def test_check_lists_files_that_would_change_and_diff_shows_how(tmp_path, capsys):
    (tmp_path / "ok.pol").write_text(_fmt(CHIFENG.read_text(encoding="utf-8")), encoding="utf-8")
    (tmp_path / "bad.pol").write_text("rule   r\n  must  a>=1 m2  \n", encoding="utf-8")
    assert main(["fmt", "--check", str(tmp_path / "ok.pol"), str(tmp_path / "bad.pol")]) == 1
    out = capsys.readouterr().out
    assert out == f"would reformat {tmp_path / 'bad.pol'}\n"
    assert main(["fmt", "--diff", str(tmp_path / "bad.pol")]) == 1
    out = capsys.readouterr().out
    assert "\n-  must  a>=1 m2  \n" in out and "\n+  must a >= 1 m2\n" in out
    assert (tmp_path / "bad.pol").read_text(encoding="utf-8") == "rule   r\n  must  a>=1 m2  \n"


def test_keywords_option_translates_and_default_keeps_the_language(tmp_path):
    path = tmp_path / "p.pol"
    path.write_text("规则 r\n  自2024年起\n  必须 a 不低于 1 m2\n", encoding="utf-8")
    assert main(["fmt", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == "规则 r\n  自2024年起\n  必须 a 不低于 1 m2\n"
    assert main(["fmt", "--keywords", "en", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == "rule r\n  from 2024\n  must a >= 1 m2\n"


def test_a_file_with_errors_is_left_alone_and_reported(tmp_path, capsys):
    path = tmp_path / "broken.pol"
    path.write_text("rule r\n  must a >=\n", encoding="utf-8")
    assert main(["fmt", str(path)]) == 2
    assert "broken.pol:" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "rule r\n  must a >=\n"
    assert main(["fmt", str(tmp_path / "missing.pol")]) == 2
