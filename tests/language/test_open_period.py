"""`period from 1989`: a standing law with no last year. `Meta.period` stays a pair of
years (first, horizon) so every user of it keeps working; later years are judged as the horizon."""

from __future__ import annotations

import pytest

import policydsl
from policydsl.policy import YearError

LAW = policydsl.loads("""
policy law
  period from 1989
fact staff: integer person >= 0
fact old: bool
rule base clause A1
  must staff >= 1 person
rule later clause A2
  from 2000
  must staff >= [2000: 2 person, 2010: 3 person]
rule gone clause A3
  until 1995
  must old
""", "law.pol")


def outcomes(year: int, **record) -> dict[str, str]:
    result = LAW.evaluate_record({"id": "r", "staff": 2, "old": "false", **record}, year)
    return {o.rule: o.outcome for o in result.outcomes}


def test_the_period_is_first_year_and_horizon_with_open_ended_set():
    meta = LAW.ir.meta
    assert meta.open_ended and meta.period == (1989, 2010)
    assert meta.period_text == "from 1989"


def test_a_year_before_the_start_is_an_error():
    with pytest.raises(YearError, match=r"year 1988 is outside the period of policy `law` \(from 1989\)"):
        LAW.evaluate_record({"id": "r", "staff": 1, "old": "true"}, 1988)


@pytest.mark.parametrize(("year", "expected"), [
    (1990, {"base": "pass", "later": "not_applicable", "gone": "fail"}),
    (2005, {"base": "pass", "later": "pass", "gone": "not_applicable"}),
    (2010, {"base": "pass", "later": "fail", "gone": "not_applicable"}),
    (2030, {"base": "pass", "later": "fail", "gone": "not_applicable"}),
    (2500, {"base": "pass", "later": "fail", "gone": "not_applicable"}),
])
def test_every_year_from_the_start_is_judged_and_later_years_as_the_horizon(year, expected):
    assert outcomes(year) == expected


def test_a_batch_evaluation_reports_the_year_asked_for():
    evaluation = LAW.evaluate([{"id": "r", "staff": 3, "old": "true"}], 2030)
    assert evaluation.year == 2030
    assert {o.rule: o.outcome for o in evaluation.records[0].outcomes}["later"] == "pass"


def test_an_open_period_changes_the_fingerprint_and_a_closed_one_keeps_its_own():
    text = """
policy law
  period from 1989
fact staff: integer person >= 0
rule base clause A1
  must staff >= 1 person
"""
    open_ = policydsl.loads(text, "o.pol")
    closed = policydsl.loads(text.replace("period from 1989", "period 1989 to 1989"), "c.pol")
    assert open_.ir.meta.period == closed.ir.meta.period == (1989, 1989)
    assert open_.fingerprint != closed.fingerprint


def test_chinese_spelling_and_fmt_round_trip():
    from policydsl.core.source import Source
    from policydsl.documents.fmt import format_text

    zh = policydsl.loads("政策 law\n  期限 自1989年起\n事实 staff: 整数 person 不低于 0\n规则 base\n  条款 A1\n"
                         "  必须 staff 不低于 1人\n", "zh.pol")
    assert zh.ir.meta.open_ended
    out = format_text(Source("law.pol", "policy law\n  period from 1989\nfact s: bool\nrule r clause A1 must s\n"))
    assert "  period from 1989\n" in out
