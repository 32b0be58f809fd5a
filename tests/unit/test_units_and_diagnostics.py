"""Units resolve with exact factors; diagnostics point at the right column."""

from __future__ import annotations

from fractions import Fraction

import pytest

from policydsl.core.diagnostics import ERROR, Diagnostic, nearest
from policydsl.core.source import Source, Span
from policydsl.core.units import UnitError, UnitRegistry, describe_dim, make_dim


@pytest.fixture
def units():
    return UnitRegistry()


@pytest.mark.parametrize(("name", "scale", "dim"), [
    ("m2", Fraction(1), {"m": 2}),
    ("平方米", Fraction(1), {"m": 2}),
    ("平米", Fraction(1), {"m": 2}),
    ("亩", Fraction(2000, 3), {"m": 2}),
    ("万元", Fraction(10000), {"yuan": 1}),
    ("亿元", Fraction(10**8), {"yuan": 1}),
    ("户", Fraction(1), {"household": 1}),
    ("万户", Fraction(10000), {"household": 1}),
    ("month", Fraction(1, 12), {"year": 1}),
])
def test_builtin_units_have_exact_factors(units, name, scale, dim):
    unit = units.lookup(name)
    assert (unit.scale, unit.dim) == (scale, make_dim(dim))


def test_compound_unit_divides_dimensions(units):
    unit = units.compound(("万元",), ("year",))
    assert unit.scale == 10000
    assert unit.dim == make_dim({"yuan": 1, "year": -1})
    assert describe_dim(unit.dim) == "yuan per year"


def test_declared_units(units):
    units.declare_base(("bed", "beds", "床位"))
    units.declare_alias(("sqft",), Fraction("0.09290304"), units.lookup("m2"))
    assert units.lookup("床位").dim == units.lookup("beds").dim == make_dim({"bed": 1})
    assert units.lookup("sqft").scale == Fraction(9290304, 10**8)
    with pytest.raises(UnitError, match="unit `bed` is already defined"):
        units.declare_base(("bed",))


def test_unknown_unit_in_compound_names_it(units):
    with pytest.raises(UnitError, match="m3"):
        units.compound(("m3",), ())


def test_line_and_column_are_one_based_characters():
    src = Source("a.pol", "第一行\n  abc 平方米\n")
    assert src.line_col(0) == (1, 1)
    assert src.line_col(src.text.index("平")) == (2, 7)
    assert src.line_text(2) == "  abc 平方米"


def test_caret_lines_up_under_wide_characters():
    src = Source("a.pol", "quote 平方米 x\n")
    start = src.text.index("x")
    text = Diagnostic("E1", ERROR, "bad", Span(start, start + 1), src).render()
    line, caret = text.splitlines()[1:3]
    # `平方米` is three characters but six columns wide.
    assert caret.index("^") == line.index("x") + 3


@pytest.mark.parametrize(("name", "candidates", "expected"), [
    ("m3", ["m", "m2", "km"], "m2"),
    ("houshold", ["households", "household"], "household"),
    ("natonal", ["none", "city", "national"], "national"),
    ("zzz", ["m2", "yuan"], None),
])
def test_nearest_prefers_fewest_edits_then_same_length(name, candidates, expected):
    assert nearest(name, candidates) == expected
