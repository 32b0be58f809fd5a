"""Text that could mislead a reader or a renderer: long lines, invisible controls,
string escapes, line breaks in titles."""

from __future__ import annotations

import pytest

import policydsl
from policydsl.core.diagnostics import ERROR, Diagnostic
from policydsl.core.source import Source, Span
from policydsl.syntax.lower import decode_string

HEADER = "policy p period 2023 to 2025\nfact ok: bool\n"


def test_a_long_line_is_shown_as_a_window_around_the_caret():
    text = 'rule r must x >= "' + "a" * 100_000 + '" +\n'
    at = text.index("+")
    rendered = Diagnostic("E1", ERROR, "bad", Span(at, at + 1), Source("x.pol", text)).render()
    line, caret = rendered.splitlines()[1:3]
    assert len(line) < 200
    assert line.endswith('" +') and line.index("+") == caret.index("^")


def test_control_characters_are_shown_without_moving_the_caret():
    text = "abc\u202edef ghi\n"
    rendered = Diagnostic("E1", ERROR, "bad", Span(8, 11), Source("y.pol", text)).render()
    line, caret = rendered.splitlines()[1:3]
    assert "\u202e" not in line
    assert line[caret.index("^"):].startswith("ghi")


def test_bidirectional_controls_get_a_warning_with_their_code_point():
    policy = policydsl.loads(HEADER + 'rule r clause C1 quote "admin \u202e; must true" must ok\n', "b.pol")
    (warning,) = [w for w in policy.warnings if w.code == "W0003"]
    assert warning.message.startswith("invisible bidirectional control U+202E")
    assert warning.location() == ("b.pol", 3, 31)


@pytest.mark.parametrize(("body", "text"), [
    (r"plain", "plain"), (r"a\"b", 'a"b'), (r"back\\slash", "back\\slash"), (r"line\nbreak", "line\nbreak"),
    (r"\u4e2d\u6587", "中文"), (r"\b\f\/\t", "\b\f/\t"),
])
def test_string_escapes_decode_like_json(body, text):
    assert decode_string(body) == (text, None)


def test_an_unknown_escape_is_an_error_not_a_warning_or_a_crash():
    with pytest.raises(policydsl.PolicyError) as err:
        policydsl.loads(HEADER + 'rule r clause C1 quote "bad \\8" must ok\n', "e.pol")
    (d,) = err.value.diagnostics
    assert (d.code, d.message) == ("E0005", "unknown escape `\\8` in a string")


def test_a_line_break_in_a_title_stays_inside_the_markdown_heading():
    from policydsl.documents.render import render

    policy = policydsl.loads('policy p\n  title "two\\nlines"\n  period 2023 to 2025\n'
                             "fact ok: bool\nrule r clause C1 must ok\n")
    assert render(policy, "markdown").splitlines()[0] == "# two lines"


@pytest.mark.parametrize("escape", [r"\u202e", r"\u202E", r"\u2066", r"\u2069", r"\u202a"])
def test_bidirectional_controls_written_as_escapes_get_the_same_warning(escape):
    policy = policydsl.loads(HEADER + f'rule r clause C1 quote "admin {escape}; must true" must ok\n', "b.pol")
    (warning,) = [w for w in policy.warnings if w.code == "W0003"]
    assert f"U+{escape[2:].upper()}" in warning.message
    assert warning.location() == ("b.pol", 3, 31)


def test_an_escaped_backslash_before_u202e_is_not_a_bidi_control():
    policy = policydsl.loads(HEADER + 'rule r clause C1 quote "admin \\\\u202e" must ok\n', "b.pol")
    assert not [w for w in policy.warnings if w.code == "W0003"]


def test_every_format_and_control_character_is_shown_escaped_and_spaces_are_kept():
    import sys
    import unicodedata

    from policydsl.core.textsafe import visible

    hidden = [chr(c) for c in range(sys.maxunicode + 1)
              if unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp")]
    assert all("\\u" in visible(c) for c in hidden), [hex(ord(c)) for c in hidden if "\\u" not in visible(c)]
    assert visible("\U000e0041") == "\\udb40\\udc41"  # a tag character: hidden text, spelt out
    assert visible("社区\u3000名称 a\u00a0b") == "社区\u3000名称 a\u00a0b"  # spaces are not hidden
