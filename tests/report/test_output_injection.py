"""No text from a policy or a record can act on a terminal or a browser: every control,
bidi and zero-width character reaches a human-facing output as a visible `\\uXXXX`.
The inputs under data/ are the reproductions of the known defects (#14 items 10, 11)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import policydsl
from policydsl.cli import main
from policydsl.core.textsafe import markdown, visible

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parents[2]

# Every C0 and C1 control, DEL, the bidi controls, zero-width characters and the BOM.
HOSTILE = ([chr(c) for c in range(0x00, 0x20)] + [chr(c) for c in range(0x7F, 0xA0)]
           + [chr(c) for c in (0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, *range(0x202A, 0x202F),
                               *range(0x2060, 0x206A), 0xFEFF, 0x2028, 0x2029)])
RAW = re.compile("[" + "".join(re.escape(c) for c in HOSTILE if c != "\n") + "]")


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    return code, out, err


def _escapes(chars) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in chars)


def hostile_policy(tmp_path: Path) -> Path:
    """A policy whose title, labels, quote, fact description and set value hold every
    hostile character, written as escapes."""
    all_ = _escapes(HOSTILE)
    text = (f'policy p\n  title "T{all_}"\n  original "O{all_}"\n  period 2023 to 2025\n'
            f'entity home, homes "H{all_}" labelled by name\n'
            f'fact name: text "N{all_}"\nfact beds: integer >= 0 "B{all_}"\n'
            f'rule r "R{all_}"\n  clause C1\n  quote "Q{all_}"\n  must beds >= 3 and name != "{all_}"\n'
            f'target t "G{all_}"\n  clause C2\n  must share(beds >= 3) >= 50%\n')
    path = tmp_path / "hostile.pol"
    path.write_text(text, encoding="utf-8")
    return path


def hostile_data(tmp_path: Path) -> Path:
    """Records whose ids and labels hold every hostile character, raw (JSON Lines)."""
    rows = [{"id": f"h{c}x{k}", "name": f"n{c}", "beds": 1} for k, c in enumerate(HOSTILE)]
    rows.append({"id": "ok", "name": "".join(HOSTILE), "beds": 5})
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def assert_clean(text: str) -> None:
    found = RAW.findall(text)
    assert not found, f"raw characters in the output: {sorted({hex(ord(c)) for c in found})}"


@pytest.mark.parametrize("args", [
    ["--lang", "en"], ["--lang", "zh"], ["--lang", "en", "--ids"], ["--by", "name", "--show", "all"],
    ["--year", "2024", "--lang", "zh"],  # two years: the trajectory section too
])
def test_text_report_shows_no_hostile_character_raw_from_policy_or_data(capsys, tmp_path, args):
    code, out, err = run(capsys, "eval", hostile_policy(tmp_path), "--facts", hostile_data(tmp_path),
                         "--year", "2023", *args)
    assert code == 1
    assert_clean(out)
    assert_clean(err)
    assert "\\u001b" in out and "\\u202e" in out  # shown, not dropped


@pytest.mark.parametrize("fmt", ["html", "xlsx"])
def test_html_and_workbook_reports_show_no_hostile_character_raw(capsys, tmp_path, fmt):
    path = tmp_path / f"report.{fmt}"
    code, _, _ = run(capsys, "eval", hostile_policy(tmp_path), "--facts", hostile_data(tmp_path),
                     "--year", "2023", "--by", "name", "--format", fmt, "--output", path, "--show", "all")
    assert code == 1
    if fmt == "html":
        text = path.read_text(encoding="utf-8")
        assert_clean(text)
        assert "<script" not in text.lower()
    else:
        import openpyxl

        book = openpyxl.load_workbook(path)
        cells = [str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row if v is not None]
        assert_clean("\n".join(cells))
        assert any("\\u001b" in c for c in cells)


@pytest.mark.parametrize("fmt", ["html", "xlsx"])
def test_a_hostile_data_file_name_in_the_provenance_is_shown_escaped_and_still_replays(capsys, tmp_path,
                                                                                     monkeypatch, fmt):
    monkeypatch.chdir(tmp_path)
    name = "d\u202e<b>\x1b[2J.jsonl"  # a bidi override, markup and an escape sequence in a file name
    hostile_data(tmp_path).rename(tmp_path / name)
    hostile_policy(tmp_path)
    code, _, _ = run(capsys, "eval", "hostile.pol", "--facts", name, "--year", "2023", "--format", fmt,
                     "--output", f"report.{fmt}")
    assert code == 1
    if fmt == "html":
        text = (tmp_path / "report.html").read_text(encoding="utf-8")
        assert_clean(text)
        assert "<b>" not in text and "d\\u202e&lt;b&gt;\\u001b[2J.jsonl" in text
    else:
        import openpyxl

        cells = [str(v) for row in openpyxl.load_workbook(tmp_path / "report.xlsx").worksheets[-1].iter_rows(
            values_only=True) for v in row if v is not None]
        assert_clean("\n".join(cells))
        assert "d\\u202e<b>\\u001b[2J.jsonl" in cells
    code, out, _ = run(capsys, "replay", f"report.{fmt}")  # the block keeps the real name
    assert code == 0, out
    assert_clean(out)


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_rendered_policy_shows_no_hostile_character_raw(capsys, tmp_path, fmt):
    code, out, _ = run(capsys, "render", hostile_policy(tmp_path), "--format", fmt)
    assert code == 0
    assert_clean(out)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_diff_shows_no_hostile_character_raw(capsys, tmp_path, fmt):
    old = hostile_policy(tmp_path)
    new = tmp_path / "new.pol"
    new.write_text(old.read_text(encoding="utf-8").replace(">= 3 and", ">= 4 and"), encoding="utf-8")
    code, out, _ = run(capsys, "diff", old, new, "--format", fmt)
    assert code == 1
    assert_clean(out)


def test_escape_sequences_from_the_defect_policy_and_csv_are_shown_not_sent(capsys):
    code, out, _ = run(capsys, "eval", DATA / "esc.pol", "--facts", DATA / "esc.csv", "--year", "2024")
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out and "\x00" not in out
    assert "\\u001b]0;PWNED-TITLE\\u0007\\u001b[2J" in out  # the title, made visible
    assert "h\\u001b]0;PWNED\\u0007\\u001b[2Jx" in out  # the CSV id, made visible


def test_a_quoted_id_with_line_breaks_cannot_forge_a_summary(capsys):
    code, out, _ = run(capsys, "eval", ROOT / "policies" / "chifeng_2023.pol", "--facts",
                       DATA / "newline_id.csv", "--year", "2024", "--lang", "en")
    assert code == 1
    summaries = [line for line in out.splitlines() if line == "Summary"]
    assert summaries == ["Summary"]  # only the report's own
    # the reader takes a quote left open across lines as text, so the lines after it are
    # records of their own and the id is shown as written on its line
    assert '"CF-HS-002  unknown' in out


def test_a_bidi_override_written_as_an_escape_is_shown_as_one(capsys):
    code, out, _ = run(capsys, "render", DATA / "bidi_esc.pol", "--format", "markdown")
    assert code == 0
    assert "\u202e" not in out and "a\\\\u202eb" in out  # Markdown shows `\\u202e` as \u202e


def test_markdown_diff_escapes_html_from_the_policy(capsys):
    code, out, _ = run(capsys, "diff", DATA / "diff_old.pol", DATA / "diff_new.pol", "--format", "markdown")
    assert code == 1
    outside_code = re.sub(r"^```.*?^```", "", out, flags=re.S | re.M)  # quoted source is a code block
    outside_code = re.sub(r"`[^`\n]*`", "", outside_code)  # code spans show text literally
    assert not re.search(r"(?<!\\)<[a-zA-Z/]", outside_code)
    assert not re.search(r"(?<!\\)\]\(", outside_code)
    assert "\\<script\\>alert(document.cookie)\\</script\\>" in out
    assert "\\<b onmouseover=alert(2)\\>north\\</b\\>" in out


def test_diff_markdown_and_render_markdown_escape_alike():
    policy = policydsl.load(DATA / "diff_old.pol")
    title = policy.ir.meta.title or policy.name
    from policydsl.documents.render import to_markdown

    assert markdown(title) in to_markdown(policy)


def test_visible_spells_each_hostile_character_as_its_escape():
    for c in HOSTILE:
        assert visible(f"a{c}b") == f"a\\u{ord(c):04x}b"
    assert visible("社区 ok ✓") == "社区 ok ✓"
