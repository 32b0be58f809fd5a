"""Exact arithmetic at inclusive boundaries: a value exactly on a threshold passes,
the smallest step below fails, however awkward the decimals."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import example, given, settings
from hypothesis import strategies as st

import policydsl

POLICY = policydsl.loads("""
policy boundaries
  period 2023 to 2025
fact wage: decimal yuan per year >= 0
fact income: decimal yuan per year >= 0
fact households: integer household >= 0
fact rooms: decimal m2 >= 0
fact staff: integer person >= 0
fact share_part: integer person >= 0, <= share_whole
fact share_whole: integer person >= 0
rule income clause C1
  must income >= [2023: 70%, 2024: 85%, 2025: 100%] of wage
rule rooms clause C2
  must rooms >= 20 m2 per 100 households
rule staffing clause C3
  must staff >= 1 person per 400 households
rule ratio clause C4
  where share_whole > 0
  must share_part >= 95% of share_whole
rule range clause C5
  must households between 1000 and 2000
""", "boundaries.pol")

BASE = {"id": "r", "wage": "0", "income": "0", "households": 0, "rooms": "0", "staff": 0,
        "share_part": 0, "share_whole": 0}


def verdict(rule: str, year: int = 2023, **fields) -> str:
    result = POLICY.evaluate_record({**BASE, **fields}, year)
    assert result.errors == (), result.errors
    (o,) = [o for o in result.outcomes if o.rule == rule]
    return o.outcome


def decimal_text(value: Fraction) -> str:
    """The exact decimal text of a terminating fraction."""
    d = Decimal(value.numerator) / Decimal(value.denominator)
    assert Fraction(d) == value
    return format(d, "f")


wages = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000000"), places=2,
                    allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(wage=wages, year=st.sampled_from([2023, 2024, 2025]))
@example(wage=Decimal("65743.07"), year=2023)
@example(wage=Decimal("65743.10"), year=2024)
def test_income_exactly_on_the_share_of_wage_passes_and_a_hair_below_fails(wage, year):
    share = {2023: Fraction(70, 100), 2024: Fraction(85, 100), 2025: Fraction(1)}[year]
    threshold = share * Fraction(wage)
    assert verdict("income", year, wage=str(wage), income=decimal_text(threshold)) == "pass"
    below = threshold - Fraction(1, 10**6)
    assert verdict("income", year, wage=str(wage), income=decimal_text(below)) == "fail"


def test_seventy_percent_of_an_awkward_wage_is_exact():
    # In binary floating point 0.7 * 65743.07 is 46020.149000000005, so a float comparison
    # would fail an income of exactly 70%; the exact evaluator passes it.
    assert not 46020.149 >= 0.7 * 65743.07
    assert verdict("income", 2023, wage="65743.07", income="46020.149") == "pass"


@settings(max_examples=150, deadline=None)
@given(households=st.integers(min_value=0, max_value=10**7))
@example(households=1001)
def test_rooms_exactly_at_the_rate_pass_and_a_hair_below_fail(households):
    needed = Fraction(20, 100) * households
    assert verdict("rooms", households=households, rooms=decimal_text(needed)) == "pass"
    if needed > 0:
        below = decimal_text(needed - Fraction(1, 1000))
        assert verdict("rooms", households=households, rooms=below) == "fail"


def test_rate_at_1001_households_is_exactly_200_point_2():
    assert verdict("rooms", households=1001, rooms="200.2") == "pass"
    assert verdict("rooms", households=1001, rooms="200.19") == "fail"


@settings(max_examples=150, deadline=None)
@given(households=st.integers(min_value=1, max_value=10**6))
def test_staff_pass_exactly_when_staff_times_400_reaches_households(households):
    for staff in (households // 400, households // 400 + 1):
        expected = "pass" if staff * 400 >= households else "fail"
        assert verdict("staffing", households=households, staff=staff) == expected


@settings(max_examples=150, deadline=None)
@given(whole=st.integers(min_value=1, max_value=10**6), part=st.integers(min_value=0, max_value=10**6))
def test_ninety_five_percent_ratio_is_decided_by_integer_arithmetic(whole, part):
    part = min(part, whole)
    expected = "pass" if part * 100 >= 95 * whole else "fail"
    assert verdict("ratio", share_part=part, share_whole=whole) == expected


@settings(max_examples=100, deadline=None)
@given(households=st.integers(min_value=0, max_value=5000))
def test_range_bounds_are_inclusive(households):
    expected = "pass" if 1000 <= households <= 2000 else "fail"
    assert verdict("range", households=households) == expected


@settings(max_examples=100, deadline=None)
@given(value=st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False, allow_infinity=False))
def test_trailing_zeros_do_not_change_a_verdict(value):
    plain = verdict("rooms", households=1000, rooms=str(value))
    padded = verdict("rooms", households=1000, rooms=format(value, "f") + "000")
    assert plain == padded
