"""Texts drawn from the real grammar (`hypothesis.extra.lark.from_lark`): every one
parses, so they reach the lowering, the checker and the commands behind them, which
must answer each with a result or a located diagnostic, never a crash or a hang."""

from __future__ import annotations

import tempfile
from pathlib import Path

import hypothesis.strategies as st
import lark
from hypothesis import given
from hypothesis.extra.lark import from_lark

from policydsl.syntax.parse import grammar_text

from .harness import assert_every_command_behaves, fuzz_settings

# Printable text without surrogates (a file holds UTF-8), with CJK and confusables likely.
_ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs",))
# Built here without lark's cache: a parser loaded from the cache no longer holds the
# grammar rules that from_lark draws from.
_POLICIES = from_lark(lark.Lark(grammar_text(), parser="lalr", lexer="contextual"),
                      alphabet=_ALPHABET)


@fuzz_settings(ci_examples=100)
@given(_POLICIES)
def test_grammar_generated_policy_gets_a_result_or_a_located_diagnostic(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        assert_every_command_behaves(text, Path(tmp))
        assert_every_command_behaves(text, Path(tmp), commands=("check",), json_report=True)


@fuzz_settings(ci_examples=40)
@given(st.lists(_POLICIES, min_size=2, max_size=4))
def test_concatenated_grammar_policies_get_a_result_or_a_located_diagnostic(parts: list[str]) -> None:
    # One declaration each is the common draw; joined, they declare and use each other's names.
    with tempfile.TemporaryDirectory() as tmp:
        assert_every_command_behaves("\n".join(parts), Path(tmp), commands=("check", "eval", "fmt"))
