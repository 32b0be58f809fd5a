"""The one table of comparison operators and the one of arithmetic: each comparison agrees
with itself, and every engine's own spelling of the operators names exactly those of the
tables and computes as they do."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from policydsl.core import ir
from policydsl.eval import codegen, sqlgen

VALUES = [Fraction(-3, 2), Fraction(0), Fraction(1), Fraction(7, 3)]


@pytest.mark.parametrize("op", sorted(ir.COMPARATORS))
def test_a_flipped_comparison_with_its_sides_swapped_gives_the_same_answer(op):
    c = ir.COMPARATORS[op]
    flipped = ir.COMPARATORS[c.flipped]
    for a, b in itertools.product(VALUES, repeat=2):
        assert c.apply(a, b) == flipped.apply(b, a), (a, op, b)


@pytest.mark.parametrize("op", sorted(ir.COMPARATORS))
def test_a_negated_comparison_holds_exactly_where_the_comparison_fails(op):
    c = ir.COMPARATORS[op]
    negated = ir.COMPARATORS[c.negated]
    for a, b in itertools.product(VALUES, repeat=2):
        assert negated.apply(a, b) == (not c.apply(a, b)), (a, op, b)
    assert negated.negated == op


@pytest.mark.parametrize("op", sorted(ir.COMPARATORS))
def test_the_bound_a_comparison_sets_matches_how_it_applies(op):
    """`x >= c` is a lower bound: a larger x never breaks it; `x <= c` the other way."""
    c = ir.COMPARATORS[op]
    small, large = Fraction(0), Fraction(5)
    bound = Fraction(2)
    if c.bound == "lower":
        assert c.apply(large, bound) and not c.apply(small, bound)
    elif c.bound == "upper":
        assert c.apply(small, bound) and not c.apply(large, bound)
    elif c.bound == "equal":
        assert c.apply(bound, bound) and not c.apply(small, bound)
    else:
        assert op == "!="
    assert c.strict == (not c.apply(bound, bound) and c.bound in ("lower", "upper"))


def test_every_engine_spells_exactly_the_operators_of_the_table():
    assert set(codegen.COMPARISONS) == set(ir.COMPARATORS)
    assert set(sqlgen._CMP) == set(ir.COMPARATORS)


def test_generated_python_compares_as_the_table_does():
    for op, text in codegen.COMPARISONS.items():
        for a, b in itertools.product(VALUES, repeat=2):
            assert eval(f"a {text} b", {}, {"a": a, "b": b}) == ir.COMPARATORS[op].apply(a, b)


def test_generated_python_does_arithmetic_as_the_table_does():
    assert set(codegen.ARITHMETIC) == set(ir.ARITHMETIC)
    for op, text in codegen.ARITHMETIC.items():
        for a, b in itertools.product(VALUES, repeat=2):
            assert eval(f"a {text} b", {}, {"a": a, "b": b}) == ir.ARITHMETIC[op](a, b)
