"""`floor` and `ceil` round the exact value in canonical base units to a whole number,
whatever unit it is written or displayed in."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

import policydsl
from policydsl.eval.reference import evaluate

HEADER = """
policy rounding
  period 2023 to 2025
unit worker, workers = person
unit increment, increments
fact h: integer household >= 0
fact staff: integer worker >= 0
fact area: decimal m2 >= 0
fact inc: integer increment >= 0
"""


def load(body: str) -> policydsl.Policy:
    return policydsl.loads(HEADER + body, "rounding.pol")


def outcome(policy: policydsl.Policy, rule: str, **fields) -> str:
    record = {"id": "r", "h": 0, "staff": 0, "area": "0", "inc": 0, **fields}
    result = policy.evaluate_record(record, 2024)
    assert result.errors == (), result.errors
    (o,) = [o for o in result.outcomes if o.rule == rule]
    return o.outcome


RATIO = load("""
rule twelve clause C1
  must floor(h / 100 households) >= 12
rule thirteen clause C2
  must floor(h / 100 households) >= 13
rule staffing clause C3
  must staff >= ceil(h / 500 households) × 1 worker
rule half clause C4
  must floor(50%) = 0
""")


def test_floor_of_a_ratio_is_a_count_not_percentage_points():
    assert outcome(RATIO, "twelve", h=1250) == "pass"
    assert outcome(RATIO, "thirteen", h=1250) == "fail"


def test_ceil_of_a_ratio_times_a_unit_is_a_whole_number_of_workers():
    assert outcome(RATIO, "staffing", h=1250, staff=3) == "pass"
    assert outcome(RATIO, "staffing", h=1250, staff=2) == "fail"
    assert outcome(RATIO, "staffing", h=1000, staff=2) == "pass"


def test_floor_of_fifty_percent_is_zero():
    assert outcome(RATIO, "half") == "pass"


def test_explanation_shows_a_rounded_count_in_workers():
    result = RATIO.evaluate_record({"id": "r", "h": 1250, "staff": 2, "area": "0", "inc": 0}, 2024)
    (o,) = [o for o in result.outcomes if o.rule == "staffing"]
    assert "needs at least 3 workers" in o.explanation
    assert "%" not in o.explanation


def test_product_with_a_rate_is_shown_in_the_unit_that_remains():
    policy = load("""
rule people clause C1
  must staff >= h × 1 worker per household
""")
    result = policy.evaluate_record({"id": "r", "h": 5, "staff": 2, "area": "0", "inc": 0}, 2024)
    (o,) = result.outcomes
    assert "needs at least 5 workers" in o.explanation


# The same increment rate written in every unit an area can be written in.
AREA_UNITS = ["per 1万平方米", "per 10000 m2", "per 1 ha", "per 10000 平方米", "per 1 公顷"]


@settings(max_examples=60, deadline=None)
@given(area=st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False),
       inc=st.integers(min_value=0, max_value=1000))
def test_rounding_gives_the_same_verdict_for_every_unit_a_rate_is_written_in(area, inc):
    verdicts = {outcome(policy, "r", area=str(area), inc=inc) for policy in _AREA_POLICIES}
    assert len(verdicts) == 1
    expected = "pass" if inc >= int(area // 10000) else "fail"
    assert verdicts == {expected}


_AREA_POLICIES = [load(f"""
rule r clause C1
  must inc >= floor(area × 1 increment {unit})
""") for unit in AREA_UNITS]


@settings(max_examples=200, deadline=None)
@given(st.fractions(min_value=-10**6, max_value=10**6))
def test_floor_x_le_x_lt_floor_x_plus_one_for_dimensionless_x(x):
    from policydsl.checker.expressions import PERCENT, PLAIN
    from policydsl.core import ir

    for typ in (PLAIN, PERCENT):
        const = ir.Const(Fraction(x), typ)
        fl = evaluate(ir.Func("floor", (const,), PLAIN), {}, 2024)
        ce = evaluate(ir.Func("ceil", (const,), PLAIN), {}, 2024)
        assert fl.denominator == 1 and ce.denominator == 1
        assert fl <= x < fl + 1
        assert ce - 1 < x <= ce
