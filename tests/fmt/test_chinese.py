"""The Chinese-keyword Chifeng rules of docs/chinese.md give the English rules' verdicts."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest

import policydsl
from policydsl.core import ast
from policydsl.core.source import Source
from policydsl.documents.fmt import format_module
from policydsl.loader import parse

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "chinese.md"
CHIFENG = ROOT / "policies" / "chifeng_2023.pol"
DATA = ROOT / "examples" / "chifeng_communities.csv"


def _module(text: str, name: str) -> ast.Module:
    module, diagnostics = parse(Source(name, text))
    assert module is not None and not diagnostics, [d.render() for d in diagnostics]
    return module


def _doc_rules() -> list[ast.RuleDecl]:
    blocks = re.findall(r"```pol-fragment[^\n]*\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    rules = [d for b in blocks for d in _module(b, "docs/chinese.md").decls if isinstance(d, ast.RuleDecl)]
    return rules


def _swapped() -> tuple[policydsl.Policy, policydsl.Policy, list[str]]:
    english = _module(CHIFENG.read_text(encoding="utf-8"), str(CHIFENG))
    chinese = {r.name: r for r in _doc_rules()}
    decls = []
    for d in english.decls:
        if isinstance(d, ast.RuleDecl) and d.name in chinese:
            # Citation text is kept from the policy file: only the keywords differ.
            d = attrs.evolve(chinese[d.name], label=d.label, section=d.section, quote=d.quote)
        decls.append(d)
    swapped = ast.Module(tuple(decls))
    return (policydsl.loads(format_module(english)), policydsl.loads(format_module(swapped, "zh")),
            sorted(chinese))


def test_the_guide_has_at_least_five_chinese_chifeng_rules():
    names = [r.name for r in _doc_rules()]
    english = {d.name for d in _module(CHIFENG.read_text(encoding="utf-8"), "c").decls
               if isinstance(d, ast.RuleDecl)}
    assert len(names) >= 5 and set(names) <= english


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_chinese_rules_give_the_english_verdicts(year):
    english, chinese, names = _swapped()
    a, b = english.evaluate(DATA, year), chinese.evaluate(DATA, year)
    verdicts = {}
    for label, ev in (("en", a), ("zh", b)):
        verdicts[label] = (
            [[(o.rule, o.outcome) for o in r.outcomes if o.rule in names] for r in ev.records],
            [(t.rule, t.group, t.value, t.required, t.outcome) for t in ev.targets if t.rule in names],
        )
    assert verdicts["en"] == verdicts["zh"]
    assert any(outcomes for outcomes in verdicts["en"][0])


def test_chinese_rules_have_the_english_fingerprint():
    english, chinese, _ = _swapped()
    assert english.fingerprint == chinese.fingerprint
