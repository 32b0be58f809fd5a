"""The formatter keeps the drafter's words: keyword synonyms, unit spellings, `万` forms,
the `年` after a year and counts in Chinese numerals stay as written; only layout,
spacing and order-free punctuation become canonical."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import policydsl
from policydsl.core.keywords import COMPARISONS, language_of
from policydsl.core.source import Source
from policydsl.core.units import UnitRegistry
from policydsl.documents.fmt import format_module, format_text
from tests.strategies import modules

KEPT = Path(__file__).parent / "words_kept.pol"

EN_HEAD = "policy p\n  period 2024 to 2026\nfact x: integer\nfact b: bool\n"
ZH_HEAD = "政策 p\n  期限 2024年至2026年\n事实 x: 整数\n事实 b: 布尔\n"


def _fmt(text: str, lang: str | None = None) -> str:
    return format_text(Source("t.pol", text), lang)


def _rule(lang: str, body: str) -> str:
    if lang == "zh":
        return ZH_HEAD + f"\n规则 r\n  条款 C1\n  {body}\n"
    return EN_HEAD + f"\nrule r\n  clause C1\n  {body}\n"


COMPARISON_SPELLINGS = [(op, w) for op, kw in COMPARISONS.items() for w in kw.spellings]


@pytest.mark.parametrize(("op", "word"), COMPARISON_SPELLINGS, ids=[w for _, w in COMPARISON_SPELLINGS])
def test_every_comparison_spelling_survives_fmt_unchanged(op, word):
    lang = language_of(word)
    text = _rule(lang, f"{'必须' if lang == 'zh' else 'must'} x {word} 1")
    out = _fmt(text)
    assert f" x {word} 1\n" in out
    assert _fmt(out) == out
    assert policydsl.loads(out).fingerprint == policydsl.loads(text).fingerprint


# Each keyword with more than one spelling in a language, in a sentence that uses it.
SYNONYMS = [
    ("zh", "然后", "必须 如果 b 那么 x 大于 1 否则 x 大于 2", "那么"),
    ("zh", "与", "必须 b 与 x 大于 1", " 与 "),
    ("zh", "并且", "必须 b 并且 x 大于 1", " 并且 "),
    ("zh", "真", "必须 b 等于 真", " 真\n"),
    ("zh", "假", "必须 b 等于 假", " 假\n"),
    ("zh", "从", "从2025年起\n  必须 b", "从2025年起"),
    ("zh", "到", "从2024年到2025年\n  必须 b", "从2024年到2025年"),
    ("zh", "年底", "截至2025年底\n  必须 b", "截至2025年底"),
    ("en", ">=", "must x >= 1", "x >= 1"),
    ("zh", "symbols in Chinese", "必须 x >= 1 且 x != 3", "x >= 1 且 x != 3"),
    ("zh", "fact constraint", "必须 b", None),
]


@pytest.mark.parametrize(("lang", "what", "body", "expected"), SYNONYMS, ids=[s[1] for s in SYNONYMS])
def test_every_keyword_synonym_survives_fmt_unchanged(lang, what, body, expected):
    text = _rule(lang, body)
    out = _fmt(text)
    if expected is not None:
        assert expected in out
    assert _fmt(out) == out
    assert policydsl.loads(out).fingerprint == policydsl.loads(text).fingerprint


def test_synonyms_in_declarations_survive_fmt():
    text = ("政策 p\n  发布 \"教育局\"\n  期限 2024年至2026年\n集合 areas = {\"a\", \"b\"}\n"
            "事实 area: 文本 属于 areas\n事实 n: 整数 至少 0, 至多 9\n\n"
            "目标 t\n  条款 C1\n  按 area\n  必须 count() 不少于 1\n")
    out = _fmt(text)
    assert '  发布 "教育局"\n' in out and "  按 area\n" in out and "n: 整数 至少 0, 至多 9" in out
    assert "count() 不少于 1" in out
    assert _fmt(out) == out


def test_the_year_mark_of_a_schedule_entry_stays_as_written():
    out = _fmt(_rule("zh", "必须 x 不少于 [2024年: 1, 2026年: 2]"))
    assert "[2024年: 1, 2026年: 2]" in out
    assert "[2024: 1, 2026: 2]" in _fmt(_rule("zh", "必须 x 不少于 [2024: 1, 2026: 2]"))


def test_a_rate_counted_in_chinese_numerals_stays_as_written():
    text = ZH_HEAD + "单位 学位\n定义 q = 每千人40学位\n定义 r = 每 百户 2学位\n"
    out = _fmt(text)  # format_text proves the output parses to the same AST
    assert "定义 q = 每千人40学位\n" in out and "定义 r = 每百户2学位\n" in out


# `㎡` is a built-in unit name the grammar does not lex as a name; it cannot be written.
UNIT_NAMES = sorted(u for u in UnitRegistry().names() if re.fullmatch(r"[^\W\d]\w*", u))


@pytest.mark.parametrize("unit", UNIT_NAMES)
def test_every_unit_spelling_survives_fmt_unchanged(unit):
    written = f"5{unit}" if not unit[0].isascii() else f"5 {unit}"
    text = EN_HEAD + f"let q = {written}\nlet w = 1.5万{unit}\n"
    out = _fmt(text)
    assert f"let q = {written}\n" in out and f"let w = 1.5万{unit}\n" in out


def test_forcing_a_keyword_language_translates_the_other_languages_words():
    text = _rule("zh", "必须 x 不少于 1 并且 b 等于 真")
    assert "must x >= 1 and b = true" in _fmt(text, "en")
    assert "必须 x 不少于 1 并且 b 等于 真" in _fmt(text, "zh")  # already Chinese: kept


def _scramble(text: str) -> str:
    """Extra spaces between tokens outside strings, trailing blanks, doubled blank lines."""
    out = []
    for line in text.split("\n"):
        parts = re.split(r'("(?:[^"\\\n]|\\.)*")', line)
        parts = [p if k % 2 else re.sub(r"(?<=\S) (?=\S)", "   ", p) for k, p in enumerate(parts)]
        out.append("".join(parts) + "  ")
        if line == "":
            out.append("")
    return "\n".join(out)


@pytest.mark.parametrize("path", [KEPT, Path(__file__).parents[1] / "lsp" / "zh_policy.pol"], ids=lambda p: p.stem)
def test_a_scrambled_layout_is_restored_exactly_with_the_words_kept(path):
    canonical = path.read_text(encoding="utf-8")
    assert _fmt(canonical) == canonical
    assert _fmt(_scramble(canonical)) == canonical


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(modules())
def test_canonical_text_in_either_keyword_set_is_left_unchanged_by_the_default_fmt(module):
    for lang in ("en", "zh"):
        once = format_module(module, lang)
        assert _fmt(once) == once
