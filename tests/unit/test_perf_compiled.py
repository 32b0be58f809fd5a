"""The compiled fast body (every fact present) gives what the general body and the reference give."""

from __future__ import annotations

from fractions import Fraction

import pytest

import policydsl
from policydsl.data.read import read_records
from policydsl.eval.engine import make_engine

CHIFENG = "policies/chifeng_2023.pol"
DATA = "examples/chifeng_communities.csv"

SMALL = """policy small period 2023 to 2024
fact a: decimal
fact b: decimal
fact flag: bool

rule ratio
  clause R1
  must a / b >= 1/2

rule one_fact
  clause R2
  must flag

rule later
  clause R3
  in 2024
  must a > 0
"""


def _reference(policy, values, exemptions, year):
    ref = make_engine(policy.ir, "reference")
    from policydsl.eval.validate import Record

    rec = Record("r", 0, values, exemptions, ())
    return tuple(o.outcome for o in ref.record(rec, year).outcomes)


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_chifeng_verdicts_equal_the_reference_with_and_without_a_fact(year: int) -> None:
    policy = policydsl.load(CHIFENG)
    compiled = make_engine(policy.ir, "compiled")
    for rec in policy.prepare(read_records(DATA))[:60]:
        assert compiled.verdicts(rec.values, rec.exemptions, year) == _reference(
            policy, rec.values, rec.exemptions, year)
        for missing in ("households", "key_community", "staff_avg_income"):
            gappy = {k: v for k, v in rec.values.items() if k != missing}
            assert compiled.verdicts(gappy, rec.exemptions, year) == _reference(
                policy, gappy, rec.exemptions, year)


def test_values_that_are_not_fractions_take_the_general_body() -> None:
    policy = policydsl.load(CHIFENG)
    compiled = make_engine(policy.ir, "compiled")
    (rec,) = policy.prepare(read_records(DATA))[:1]
    as_ints = {k: (int(v) if isinstance(v, Fraction) and v.denominator == 1 else v)
               for k, v in rec.values.items()}
    assert compiled.verdicts(as_ints, rec.exemptions, 2024) == compiled.verdicts(
        rec.values, rec.exemptions, 2024)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"a": Fraction(1), "b": Fraction(2), "flag": True}, ("pass", "pass", "not_applicable")),
        ({"a": Fraction(1), "b": Fraction(0), "flag": False}, ("unknown", "fail", "not_applicable")),
        ({"a": Fraction(1, 3), "b": Fraction(1), "flag": True}, ("fail", "pass", "not_applicable")),
        ({"flag": True}, ("unknown", "pass", "not_applicable")),
    ],
)
def test_division_by_zero_stays_unknown_when_every_fact_is_present(values, expected) -> None:
    policy = policydsl.loads(SMALL)
    compiled = make_engine(policy.ir, "compiled")
    assert compiled.verdicts(values, {}, 2023) == expected == _reference(policy, values, {}, 2023)


def test_a_policy_reading_one_fact_and_none() -> None:
    one = policydsl.loads("policy p period 2023 to 2024\nfact flag: bool\n\nrule r\n  clause R1\n  must flag\n")
    none = policydsl.loads("policy p period 2023 to 2024\nfact flag: bool\n\nrule r\n  clause R1\n  in 2024\n  must flag\n")
    assert make_engine(one.ir, "compiled").verdicts({"flag": False}, {}, 2023) == ("fail",)
    assert make_engine(none.ir, "compiled").verdicts({"flag": False}, {}, 2023) == ("not_applicable",)
