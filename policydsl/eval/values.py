"""Values shared by every evaluator: unknowns, and how exact numbers are shown."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import attrs

from ..core import ir


@attrs.frozen
class Unknown:
    """A value that cannot be computed; `reasons` names the missing facts or the problem."""

    reasons: frozenset[str]

    def __or__(self, other: Unknown) -> Unknown:
        return Unknown(self.reasons | other.reasons)


def unknown(*reasons: str) -> Unknown:
    return Unknown(frozenset(reasons))


class NotInForce(Exception):
    """A schedule has no entry for the year: the rule is not in force."""

    def __init__(self, first_year: int):
        super().__init__(first_year)
        self.first_year = first_year


class EmptyPopulation(Exception):
    """A share or mean over no records: the target cannot be measured."""


_STR_SAFE = 10**4000  # below Python's 4300-digit limit; computed once (it is a big number)


def int_text(n: int) -> str:
    """The decimal digits of an integer of any size. `str()` refuses more than 4300 digits
    (a guard of Python's), and a policy's constants may exceed that through `let`s."""
    if -_STR_SAFE < n < _STR_SAFE:
        return str(n)
    return str(Decimal(n))  # exact: constructing a Decimal from an int never rounds


def int_of_text(text: str) -> int:
    """The integer a string of decimal digits spells, of any length (see `int_text`)."""
    if len(text) < 4000:
        return int(text)
    return int(Decimal(text))


def exact_text(value: Fraction) -> str:
    """An exact decimal string, or `p/q` when the decimal would not terminate (for JSON)."""
    value = Fraction(value)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return f"{int_text(value.numerator)}/{int_text(value.denominator)}"
    places = max(twos, fives)
    if places == 0:
        return int_text(value.numerator)
    scaled = abs(value.numerator) * 10**places // value.denominator
    sign = "-" if value < 0 else ""
    digits = int_text(scaled).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}".rstrip("0").rstrip(".")


def approx_text(value: Fraction, places: int = 4) -> str:
    """For people: exact when it terminates within `places`, else rounded with `≈`."""
    text = exact_text(value)
    if "/" not in text and len(text.partition(".")[2]) <= places:
        return text
    q = round(Fraction(value), places)
    return "≈" + exact_text(Fraction(q))


def show(value: object, typ: ir.Type) -> str:
    """A value in the unit the drafter used: `185 m2`, `37.5%`, `national`, `true`."""
    if isinstance(value, Unknown):
        return "unknown"
    if isinstance(typ, ir.Enum):
        return typ.members[value] if isinstance(value, int) and 0 <= value < len(typ.members) else "?"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if typ == ir.DATE and hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[union-attr]
    if isinstance(typ, ir.Num):
        amount = Fraction(value) / typ.scale
        if typ.unit == "%":
            return approx_text(amount, places=2) + "%"
        shown = approx_text(amount)
        if _is_money(typ) and amount.denominator != 1 and (amount * 100).denominator == 1:
            cents = int(abs(amount) * 100)  # money to the cent: 55502.70, not 55502.7
            shown = f"{'-' if amount < 0 else ''}{cents // 100}.{cents % 100:02d}"
        unit = typ.plural if typ.plural and amount != 1 else typ.unit
        return f"{shown} {unit}" if unit else shown
    return str(value)


def _is_money(typ: ir.Num) -> bool:
    return dict(typ.dim).get("yuan") == 1


class Parts(tuple):
    """The key under which a record's environment holds its parts of one entity: a tuple
    key never collides with a fact name. The value is a sequence of (id, env) pairs, or an
    `Unknown` when the record's parts cannot be told (its id is not unique)."""

    __slots__ = ()

    def __new__(cls, entity: str) -> Parts:
        return super().__new__(cls, ("parts", entity))
