"""Valid policies, damaged the ways drafters and strangers damage them: tokens
deleted, duplicated, swapped or replaced by confusable Unicode, huge numbers, deep
nesting and very long lines. Every command answers with a result or a located
diagnostic, never a crash or a hang."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import given

from .harness import RIVERSIDE, assert_every_command_behaves, fuzz_settings

SEED = RIVERSIDE.read_text(encoding="utf-8")
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|\w+|\s+|\S')
TOKENS = _TOKEN.findall(SEED)
WORDS = [i for i, t in enumerate(TOKENS) if re.fullmatch(r"\w+", t)]

CONFUSABLES = ["“", "”", "，", "：", "（", "）", "％", "＝", "≥", "≤", "２０３１", "１００", "ｍｕｓｔ",
               "\u200b", "\ufeff", "\u202e", "\u00a0", "\x00", "\r", "\t", "\x0c", "\\", '"', "'",
               "__import__('os')", "{{", "}}", "<script>", "${x}", "必须", "且", "或", "非"]


def _nested(n: int, tok: str) -> list[str]:
    return [
        "(" * n + tok + ")" * n,
        "not " * n + tok,
        "-" * n + tok,
        "if true then " * n + tok + " else false" * n,
        " + ".join([tok] * n),
        "lookup " * n + tok + " {else: 1}" * n,
    ]


@st.composite
def mutation(draw, tokens: list[str]) -> list[str]:
    tokens = list(tokens)
    i = draw(st.integers(0, len(tokens) - 1))
    kind = draw(st.sampled_from(["delete", "duplicate", "swap", "confusable", "unicode", "number",
                                 "nest", "long"]))
    if kind == "delete":
        del tokens[i]
    elif kind == "duplicate":
        tokens.insert(i, tokens[i])
    elif kind == "swap":
        j = draw(st.integers(0, len(tokens) - 1))
        tokens[i], tokens[j] = tokens[j], tokens[i]
    elif kind == "confusable":
        tokens[i] = draw(st.sampled_from(CONFUSABLES))
    elif kind == "unicode":
        tokens[i] = draw(st.text(st.characters(codec="utf-8"), min_size=1, max_size=8))
    elif kind == "number":
        digits = draw(st.integers(1, 5000))
        tokens[i] = draw(st.sampled_from(["9" * digits, "1." + "0" * digits + "1", "0." + "9" * digits,
                                          "1e999999", f"{'9' * digits}%", "00000" + "1" * (digits % 50)]))
    elif kind == "nest":
        j = draw(st.sampled_from(WORDS))
        n = draw(st.sampled_from([2, 50, 99, 100, 101, 150, 1000, 20000]))
        tokens[j] = draw(st.sampled_from(_nested(n, tokens[j][:40])))  # [:40]: earlier mutations stay small
    else:  # a very long line
        n = draw(st.sampled_from([1000, 100_000]))
        tok = tokens[i][:40]  # a token an earlier mutation made long must not grow n-fold again
        tokens[i] = draw(st.sampled_from([tok * n, '"' + "长" * n + '"', " " * n + tok]))
    return tokens


@st.composite
def damaged(draw) -> str:
    tokens = TOKENS
    for _ in range(draw(st.integers(1, 3))):
        tokens = draw(mutation(tokens))
    return "".join(tokens)


@fuzz_settings(ci_examples=40)
@given(damaged())
def test_damaged_policy_gets_a_result_or_a_located_diagnostic(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        assert_every_command_behaves(text, Path(tmp))


def test_undamaged_seed_is_accepted() -> None:
    # The mutations start from a policy every command accepts, so a finding is the mutation's.
    with tempfile.TemporaryDirectory() as tmp:
        assert_every_command_behaves(SEED, Path(tmp))
