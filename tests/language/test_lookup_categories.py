"""`lookup` by a text or level key, with `else`; the checker reports gaps and overlaps of
brackets with the values concerned instead of leaving them to `unknown` at evaluation."""

from __future__ import annotations

import pytest

import policydsl
from policydsl.core import ir

POLICY = policydsl.loads("""
policy pay
  period 2023 to 2025
fact title: text
fact grade: enum junior < middle < senior
fact pay: decimal yuan >= 0
rule by_title clause C1
  must pay >= lookup title {
    "director":              9000 yuan,
    in {"deputy", "clerk"}:  6000 yuan,
    else:                    3000 yuan
  }
rule by_grade clause C2
  must pay >= lookup grade { junior: 1000 yuan, in {middle, senior}: 2000 yuan }
""", "pay.pol")


def outcomes(record, engine):
    (r,) = POLICY.evaluate([{"id": "r", **record}], 2024, engine=engine).records
    return {o.rule: o.outcome for o in r.outcomes}


@pytest.mark.parametrize("engine", ["reference", "compiled", "duckdb"])
@pytest.mark.parametrize(("title", "pay", "expected"), [
    ("director", "9000", "pass"), ("director", "8999.99", "fail"), ("clerk", "6000", "pass"),
    ("deputy", "5999", "fail"), ("intern", "3000", "pass"), ("intern", "2999", "fail"),
])
def test_a_text_key_picks_its_bracket_or_else(engine, title, pay, expected):
    assert outcomes({"title": title, "grade": "junior", "pay": pay}, engine)["by_title"] == expected


@pytest.mark.parametrize("engine", ["reference", "compiled", "duckdb"])
def test_a_level_key_picks_its_bracket(engine):
    assert outcomes({"title": "x", "grade": "senior", "pay": "2000"}, engine)["by_grade"] == "pass"
    assert outcomes({"title": "x", "grade": "middle", "pay": "1999"}, engine)["by_grade"] == "fail"
    assert outcomes({"title": "x", "grade": "junior", "pay": "1000"}, engine)["by_grade"] == "pass"


def test_a_category_bracket_is_an_in_bracket_of_the_ir_with_canonical_values():
    (rule,) = [r for r in POLICY.ir.rules if r.name == "by_grade"]
    table = rule.condition.right
    assert isinstance(table, ir.Table)
    assert [(b.kind, b.values) for b in table.brackets] == [("in", (0,)), ("in", (1, 2))]


def _warnings(body: str) -> list[str]:
    policy = policydsl.loads("""
policy w
  period 2023 to 2025
fact n: integer household >= 0
fact title: text in {"a", "b", "c"}
fact free: text
fact pay: decimal yuan >= 0
""" + body, "w.pol")
    return [w.message for w in policy.warnings if w.code == "W0110"]


def test_a_gap_between_integer_brackets_is_reported_with_the_missing_values():
    (gap,) = _warnings("rule r clause C1\n  must pay >= lookup n { below 50: 1 yuan, 51 to 100: 2 yuan, "
                       "above 100: 3 yuan }\n")
    assert gap == "no bracket covers 50 households: such records would be unknown"


def test_brackets_that_meet_on_whole_numbers_leave_no_gap():
    assert _warnings("rule r clause C1\n  must pay >= lookup n { to 49: 1 yuan, 50 to 99: 2 yuan, "
                     "from 100: 3 yuan }\n".replace("{ to 49", "{ 0 to 49")) == []


def test_an_overlap_is_reported_with_the_shared_values():
    (overlap,) = _warnings("rule r clause C1\n  must pay >= lookup n { 0 to 100: 1 yuan, 100 to 200: 2 yuan, "
                           "else: 3 yuan }\n")
    assert overlap == ("this bracket overlaps an earlier one at 100 households; there the earlier "
                       "bracket wins")


def test_an_open_end_without_else_is_a_gap():
    (gap,) = _warnings("rule r clause C1\n  must pay >= lookup n { 0 to 100: 1 yuan }\n")
    assert gap.startswith("no bracket covers values above 100 households")


def test_uncovered_declared_text_values_are_named():
    (gap,) = _warnings('rule r clause C1\n  must pay >= lookup title { "a": 1 yuan, "b": 2 yuan }\n')
    assert gap == "no bracket for `c`: such records would be unknown"


def test_free_text_without_else_is_reported():
    (gap,) = _warnings('rule r clause C1\n  must pay >= lookup free { "a": 1 yuan }\n')
    assert gap.startswith("a value of `free` not listed has no bracket")


def test_a_value_in_two_brackets_is_reported():
    (dup,) = _warnings('rule r clause C1\n  must pay >= lookup title { "a": 1 yuan, in {"a", "b"}: 2 yuan, '
                       'else: 0 yuan }\n')
    assert dup.startswith("`a` already has an earlier bracket")
