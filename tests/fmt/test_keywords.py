"""The keyword table and the grammar agree, and Chinese keywords read as intended."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policydsl.core import keywords
from policydsl.core.source import Source
from policydsl.loader import parse
from policydsl.syntax.parse import parser

ALL = [(concept, word, kw.terminal) for table in (keywords.KEYWORDS, keywords.COMPARISONS)
       for concept, kw in table.items() for word in kw.spellings if word]


@pytest.mark.parametrize(("concept", "word", "terminal"), ALL)
def test_every_keyword_spelling_is_accepted_by_its_terminal(concept, word, terminal):
    if word == "not in":  # English writes it as two keywords
        test_every_keyword_spelling_is_accepted_by_its_terminal("not", "not", "_NOT")
        test_every_keyword_spelling_is_accepted_by_its_terminal("in", "in", "_IN")
        return
    regexp = parser().get_terminal(terminal).pattern.to_regexp()
    # Chinese `每` means "every" only right before a calendar period (`每2年`); else "per".
    m = re.match(regexp, word + ("2年" if word == "每" else " 1"))
    assert m is not None and m.group(0).strip() == word


@pytest.mark.parametrize(("text", "value"), [
    ("十", 10), ("百", 100), ("四百", 400), ("两千", 2000), ("一千二百", 1200), ("十万", 100000),
    ("二十五", 25), ("三亿", 300000000), ("一一", None), ("", None),
])
def test_chinese_numerals_have_their_value(text, value):
    assert keywords.cn_numeral(text) == value


def _requirement(src: str):
    module, diagnostics = parse(Source("t.pol", src))
    assert module is not None and not diagnostics, [d.render() for d in diagnostics]
    return module.decls[-1]


def test_per_hundred_households_reads_in_chinese_word_order():
    rule = _requirement("规则 r\n  必须 面积 不低于 每百户20平方米\n")
    english = _requirement("rule r\n  must 面积 >= 20 平方米 per 100 户\n")
    assert rule == english


def test_from_year_reads_as_written_in_chinese():
    rule = _requirement("规则 r\n  自2024年起\n  必须 a\n")
    assert (rule.years.kind, rule.years.start, rule.years.end) == ("from", 2024, None)
    rule = _requirement("规则 r\n  自2023年至2025年\n  在2025年 必须 a\n".replace("在2025年 ", ""))
    assert (rule.years.start, rule.years.end) == (2023, 2025)
    rule = _requirement("规则 r\n  截至2025年底\n  必须 a\n")
    assert (rule.years.kind, rule.years.end) == ("until", 2025)


def test_a_keyword_run_into_a_name_is_reported_with_the_fix():
    module, diagnostics = parse(Source("t.pol", "事实 户数: 整数 户\n规则 r\n  必须 户数不少于1000户\n"))
    assert [d.code for d in diagnostics] == ["E0006"]
    assert "`户数 不少于 1000户`" in diagnostics[0].help


def test_syntax_help_lists_keywords_in_the_language_of_the_declaration():
    _, zh = parse(Source("t.pol", "规则 r\n  适用于 a b\n"))
    _, en = parse(Source("t.pol", "rule r\n  where a b\n"))
    assert "`不低于`" in zh[0].help and "`>=`" not in zh[0].help
    assert "`>=`" in en[0].help and "`不低于`" not in en[0].help


def test_duplicate_attribute_is_named_with_the_keyword_the_drafter_used():
    _, diagnostics = parse(Source("t.pol", "规则 r\n  适用于 a\n  适用于 b\n  必须 c\n"))
    assert diagnostics[0].message == "rule `r` has more than one `适用于`"
    assert diagnostics[0].help == "combine conditions with `且`"


# ---- every numeral, read back ----------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def _section(n: int) -> str:
    """1..9999 in the standard form: one 零 for each run of zeros between digits."""
    out, gap = "", False
    for unit, size in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        d = n // size % 10
        if d:
            out += ("零" if gap else "") + _DIGITS[d] + unit
            gap = False
        elif out:
            gap = True
    return out


def _numeral(n: int) -> str:
    """`n` (below 10**12) as a standard Chinese numeral: 一亿零一, 三千零二十, 十二万."""
    if n == 0:
        return "零"
    yi, wan, low = n // 10**8, n // 10**4 % 10**4, n % 10**4
    out = _section(yi) + "亿" if yi else ""
    if wan:
        out += ("零" if out and wan < 1000 else "") + _section(wan) + "万"
    if low:
        out += ("零" if out and (low < 1000 or not wan) else "") + _section(low)
    return out


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.integers(0, 10**4), st.integers(0, 10**12 - 1)))
def test_every_standard_chinese_numeral_reads_as_its_value(n: int) -> None:
    assert keywords.cn_numeral(_numeral(n)) == n
    if str(n).startswith("1") and 10 <= n < 20:
        assert keywords.cn_numeral(_numeral(n)[1:]) == n  # 十二 as well as 一十二


@pytest.mark.parametrize("unit", [("千", 1000), ("百", 100), ("万", 10000)])
@pytest.mark.parametrize("first", range(1, 10))
@pytest.mark.parametrize("second", range(1, 10))
def test_an_abbreviated_numeral_reads_its_last_digit_one_place_down(unit, first: int, second: int) -> None:
    name, size = unit
    # 一千二 is 1200, 两千五 2500, 三百五 350, 万五 15000
    assert keywords.cn_numeral(_DIGITS[first] + name + _DIGITS[second]) == first * size + second * size // 10
    if first == 2:
        assert keywords.cn_numeral("两" + name + _DIGITS[second]) == 2 * size + second * size // 10
