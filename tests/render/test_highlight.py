"""Highlighting: the Pygments lexer (an entry point) and the VS Code TextMate grammar."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from policydsl.core.keywords import COMPARISONS, KEYWORDS

pytest.importorskip("pygments")
from pygments import lex  # noqa: E402
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename  # noqa: E402
from pygments.token import Comment, Error, Keyword, Name, Number, Operator  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
POLICIES = [ROOT / "policies" / "chifeng_2023.pol", ROOT / "tests" / "fixtures" / "riverside.pol"]


def tokens(text: str):
    return [(t, v) for t, v in lex(text, get_lexer_by_name("pol")) if v.strip()]


def test_importing_policydsl_and_the_lexer_module_does_not_import_pygments():
    code = "import sys, policydsl, policydsl.highlight; print('pygments' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_lexer_is_found_through_the_entry_point():
    assert get_lexer_by_name("pol").name == "policydsl"
    assert get_lexer_for_filename("chifeng_2023.pol").name == "policydsl"


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_policies_lex_without_error_tokens_and_lose_no_text(path):
    text = path.read_text(encoding="utf-8")
    toks = list(lex(text, get_lexer_by_name("pol")))
    assert "".join(v for _, v in toks) == text
    assert not [v for t, v in toks if t in Error]


def test_a_rule_is_highlighted_by_role():
    got = tokens('rule staffing "原则上每400户" clause C27, C28\n  in principle staff_count >= 1 worker per 400 households # why\n')
    assert got[:2] == [(Keyword.Declaration, "rule"), (Name.Function, "staffing")]
    assert (Name.Label, "C27") in got and (Name.Label, "C28") in got
    assert (Keyword.Reserved, "in principle") in got
    assert (Operator.Word, "per") in got and (Number.Integer, "400") in got
    assert (Name, "staff_count") in got and got[-1] == (Comment.Single, "# why")


def test_chinese_keywords_are_highlighted_even_next_to_numbers():
    got = tokens("规则 人员配备 条款 C27 原则上 工作者数 不少于1 工作者 每 400 户 在2025年\n")
    assert (Keyword.Declaration, "规则") in got and (Name.Function, "人员配备") in got
    assert (Keyword.Reserved, "原则上") in got and (Operator.Word, "不少于") in got
    assert (Keyword, "在") in got and (Keyword, "年") in got
    assert (Name, "工作者数") in got  # a keyword inside a name is part of the name


@pytest.mark.parametrize("spelling", sorted({w for kw in (*KEYWORDS.values(), *COMPARISONS.values())
                                             for w in kw.spellings if w and w[0] not in "<>=!≥≤≠"}))
def test_every_keyword_spelling_is_highlighted_as_a_keyword(spelling):
    ((token, value),) = tokens(f" {spelling} ")[:1]
    assert value == spelling and (token in Keyword or token in Operator), token


def _make_grammar():
    spec = importlib.util.spec_from_file_location("make_grammar", ROOT / "editors" / "vscode" / "make_grammar.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vscode_grammar_is_up_to_date_with_the_keyword_table():
    module = _make_grammar()
    assert module.OUT.read_text(encoding="utf-8") == module.render(), \
        "run `python editors/vscode/make_grammar.py`"


def test_vscode_grammar_patterns_compile_and_find_keywords_in_both_sets():
    grammar = json.loads((ROOT / "editors" / "vscode" / "syntaxes" / "pol.tmLanguage.json").read_text(encoding="utf-8"))
    package = json.loads((ROOT / "editors" / "vscode" / "package.json").read_text(encoding="utf-8"))
    assert package["contributes"]["grammars"][0]["scopeName"] == grammar["scopeName"] == "source.pol"
    by_name = {p.get("name"): re.compile(p["match"]) for p in grammar["patterns"]}
    modality = by_name["keyword.control.modality.pol"]
    assert [m.group(0) for m in modality.finditer("must 必须 in principle 原则上 strive 力争 mustard")] == [
        "must", "必须", "in principle", "原则上", "strive", "力争"]
    assert by_name["keyword.operator.comparison.pol"].search("户数 不少于1000户").group(0) == "不少于"
