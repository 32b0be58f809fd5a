"""Tolerance words (about, 约, 左右, 基本) with an explicit `within` bound: lowered by the
checker to exact widened bounds, shown in explanations; without a bound, an error."""

from __future__ import annotations

from fractions import Fraction

import pytest

import policydsl
from policydsl.core import ir
from policydsl.core.diagnostics import PolicyError

EN = """
policy t
  period 2023 to 2025
fact households: integer household >= 0
fact staff: integer person >= 0
rule size clause C1
  must households between about 1000 and 2000 within 10%
rule staffing clause C2
  must staff >= about 5 person within 1 person
rule exact clause C3
  must staff = 4 person within 25%
"""
ZH = """
政策 t
  期限 2023年至2025年
事实 households: 整数 household 不低于 0
事实 staff: 整数 person 不低于 0
规则 size
  条款 C1
  必须 households 介于 1000户 至 2000户 左右 浮动 10%
规则 staffing
  条款 C2
  必须 staff 基本 不低于 5人 浮动 1人
规则 exact
  条款 C3
  必须 staff 等于 约 4人 浮动 25%
"""
POLICY = policydsl.loads(EN, "t.pol")


def test_chinese_tolerance_words_mean_the_same_as_english():
    assert policydsl.loads(ZH, "zh.pol").fingerprint == POLICY.fingerprint


def test_a_tolerance_is_the_same_as_writing_the_widened_bounds():
    plain = policydsl.loads(EN.replace("between about 1000 and 2000 within 10%", "between 900 and 2200")
                            .replace(">= about 5 person within 1 person", ">= 4 person")
                            .replace("= 4 person within 25%", "between 3 person and 5 person"), "p.pol")
    assert plain.fingerprint == POLICY.fingerprint


def test_the_widened_bounds_are_exact_constants_in_the_ir():
    size = next(r for r in POLICY.ir.rules if r.name == "size").condition
    assert isinstance(size, ir.Between)
    assert (size.low.value, size.high.value) == (Fraction(900), Fraction(2200))


@pytest.mark.parametrize("engine", ["reference", "compiled", "duckdb"])
@pytest.mark.parametrize(("households", "expected"), [(899, "fail"), (900, "pass"), (2200, "pass"),
                                                      (2201, "fail")])
def test_the_tolerance_is_applied_exactly_at_its_edges(engine, households, expected):
    (r,) = POLICY.evaluate([{"id": "r", "households": households, "staff": 4}], 2024, engine=engine).records
    assert {o.rule: o.outcome for o in r.outcomes}["size"] == expected


def test_the_explanation_shows_the_stated_range_and_tolerance():
    result = POLICY.evaluate_record({"id": "r", "households": 899, "staff": 3}, 2024)
    got = {o.rule: o.explanation for o in result.outcomes}
    assert "outside 900 households to 2200 households" in got["size"]
    assert "within 10%" in got["size"]
    assert "needs at least 4 people (5 person, within 1 person)" in got["staffing"]


@pytest.mark.parametrize("text", [
    "must households between about 1000 and 2000",
    "must staff >= about 5 person",
])
def test_a_tolerance_word_without_a_bound_is_an_error_with_a_hint(text):
    with pytest.raises(PolicyError) as err:
        policydsl.loads(EN.split("rule size")[0] + "rule r clause C1\n  " + text + "\n", "t.pol")
    (d,) = err.value.diagnostics
    assert d.code == "E0160" and "no default" in d.help


def test_a_tolerance_on_not_equal_is_refused():
    with pytest.raises(PolicyError) as err:
        policydsl.loads(EN.split("rule size")[0] + "rule r clause C1\n  must staff != 4 person within 1 person\n",
                        "t.pol")
    assert err.value.diagnostics[0].code == "E0162"


def test_fmt_keeps_the_tolerance():
    from policydsl.core.source import Source
    from policydsl.documents.fmt import format_text

    out = format_text(Source("t.pol", EN))
    assert "between about 1000 and 2000 within 10%" in out
    assert policydsl.loads(out, "t.pol").fingerprint == POLICY.fingerprint
