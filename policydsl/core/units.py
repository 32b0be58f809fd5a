"""Dimensions and units with exact scale factors.

A value is held in canonical base units (m, yuan, year, and one base per counting
unit), so `1万元` is 10000 and `2 km2` is 2000000; each unit knows its factor to
the base. Unit names come in English and Chinese; 万 (10^4), 亿 (10^8) and 千 (10^3)
prefix any unit. Policies may declare their own units.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

import attrs

Dim = tuple[tuple[str, int], ...]  # sorted (base, exponent) pairs, exponents non-zero
DIMENSIONLESS: Dim = ()


def make_dim(powers: dict[str, int]) -> Dim:
    return tuple(sorted((b, e) for b, e in powers.items() if e))


def dim_mul(a: Dim, b: Dim, sign: int = 1) -> Dim:
    powers = dict(a)
    for base, exp in b:
        powers[base] = powers.get(base, 0) + sign * exp
    return make_dim(powers)


def dim_div(a: Dim, b: Dim) -> Dim:
    return dim_mul(a, b, -1)


@attrs.frozen
class Unit:
    name: str  # the name as the drafter wrote it, used when displaying values
    scale: Fraction  # canonical units per one of this unit
    dim: Dim
    plural: str = ""  # for showing counts other than 1 ("3 workers"); empty when invariant


_BUILTIN: list[tuple[tuple[str, ...], Fraction, dict[str, int]]] = [
    (("m", "metre", "metres", "meter", "meters", "米"), Fraction(1), {"m": 1}),
    (("km", "kilometre", "kilometres", "公里", "千米"), Fraction(1000), {"m": 1}),
    (("m2", "m²", "㎡", "sqm", "平方米", "平米"), Fraction(1), {"m": 2}),
    (("km2", "km²", "平方公里", "平方千米"), Fraction(10**6), {"m": 2}),
    (("ha", "hectare", "hectares", "公顷"), Fraction(10**4), {"m": 2}),
    (("mu", "亩"), Fraction(2000, 3), {"m": 2}),
    (("yuan", "CNY", "RMB", "元"), Fraction(1), {"yuan": 1}),
    (("year", "years", "年"), Fraction(1), {"year": 1}),
    (("month", "months", "月"), Fraction(1, 12), {"year": 1}),
    (("household", "households", "户"), Fraction(1), {"household": 1}),
    (("person", "persons", "people", "人", "名"), Fraction(1), {"person": 1}),
    (("organisation", "organisations", "organization", "organizations", "组织"), Fraction(1),
     {"organisation": 1}),
]
# Plural display names of built-in units; declared units take theirs from their names.
_PLURALS = {"metre": "metres", "meter": "meters", "kilometre": "kilometres", "hectare": "hectares",
            "year": "years", "month": "months", "household": "households", "person": "people",
            "organisation": "organisations", "organization": "organizations"}
_PREFIXES = {"万": Fraction(10**4), "亿": Fraction(10**8), "千": Fraction(10**3)}


class UnitError(Exception):
    """A unit declaration or name that cannot be resolved; the message is user-facing."""


class UnitRegistry:
    """Built-in units plus the ones a policy declares."""

    def __init__(self) -> None:
        self._units: dict[str, Unit] = {}
        for names, scale, powers in _BUILTIN:
            for name in names:
                self._units[name] = Unit(name, scale, make_dim(powers), _PLURALS.get(name, ""))

    def names(self) -> Iterable[str]:
        return self._units.keys()

    def declare_base(self, names: tuple[str, ...]) -> None:
        """A new counting unit (`unit bed, beds, 床位`): a dimension of its own."""
        base = names[0]
        for name in names:
            self._check_free(name)
            self._units[name] = Unit(name, Fraction(1), make_dim({base: 1}), _plural_in(name, names))

    def declare_alias(self, names: tuple[str, ...], factor: Fraction, target: Unit) -> None:
        """`unit worker, workers = person` or `unit 亩 = 666.67 m2`."""
        for name in names:
            self._check_free(name)
            self._units[name] = Unit(name, factor * target.scale, target.dim, _plural_in(name, names))

    def _check_free(self, name: str) -> None:
        if name in self._units:
            raise UnitError(f"unit `{name}` is already defined")

    def lookup(self, name: str) -> Unit | None:
        unit = self._units.get(name)
        if unit is not None:
            return unit
        if len(name) > 1 and name[0] in _PREFIXES:
            inner = self._units.get(name[1:])
            if inner is not None:
                return Unit(name, _PREFIXES[name[0]] * inner.scale, inner.dim)
        return None

    def compound(self, num: tuple[str, ...], den: tuple[str, ...]) -> Unit:
        """`yuan per year`: resolve each name; raise UnitError naming the first unknown."""
        if len(num) == 1 and not den:
            single = self.lookup(num[0])
            if single is None:
                raise UnitError(num[0])
            return single
        scale, dim = Fraction(1), DIMENSIONLESS
        for names, sign in ((num, 1), (den, -1)):
            for name in names:
                unit = self.lookup(name)
                if unit is None:
                    raise UnitError(name)
                scale = scale * unit.scale if sign > 0 else scale / unit.scale
                dim = dim_mul(dim, unit.dim, sign)
        label = " per ".join([" ".join(num)] + list(den)) if num else ""
        return Unit(label, scale, dim)


def _plural_in(name: str, names: tuple[str, ...]) -> str:
    """`unit worker, workers`: the declared name that is `name` plus a plural ending."""
    for other in names:
        if other != name and other in (name + "s", name + "es"):
            return other
    return ""


def describe_dim(dim: Dim) -> str:
    """A readable name for a dimension: `m2`, `yuan per year`, `m2 per household`."""
    if not dim:
        return "a plain number"
    pos = [(b, e) for b, e in dim if e > 0]
    neg = [(b, -e) for b, e in dim if e < 0]

    def part(items):
        return " ".join(f"{b}{e if e > 1 else ''}" for b, e in items) or "1"

    return part(pos) + "".join(f" per {b}{e if e > 1 else ''}" for b, e in neg)
