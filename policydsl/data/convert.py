"""Convert raw field values (CSV text or exact JSON values) to typed policy values.

Numbers become `Fraction`s and never pass through binary floating point, so `200.00`
is exactly 200 and comparisons in the evaluator are exact.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import attrs

from .read import JsonConstant, loads_json, plain_value, show_value

KINDS = ("bool", "integer", "decimal", "text", "enum", "date")
MAX_DIGITS = 100  # bounds the cost of any conversion, whatever the input

_TRUE = frozenset({"true", "yes", "1", "是"})
_FALSE = frozenset({"false", "no", "0", "否"})
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_NON_FINITE = frozenset({"nan", "snan", "inf", "infinity"})


class _Missing(enum.Enum):
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing.MISSING


@attrs.frozen
class FieldSpec:
    name: str
    kind: str = attrs.field(validator=attrs.validators.in_(KINDS))
    members: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    scale: Fraction = Fraction(1)
    optional: bool = False


class _Reject(Exception):
    """Internal: carries the user-facing message of a rejected value."""


def convert_field(spec: FieldSpec, raw: object) -> tuple[object, str | None]:
    """`(value, None)`, or `(MISSING, message)` when `raw` is missing or malformed."""
    raw = plain_value(raw)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return MISSING, None if spec.optional else f"`{spec.name}` is missing"
    try:
        return _CONVERTERS[spec.kind](spec, raw), None
    except _Reject as err:
        return MISSING, str(err)


_PLAIN = (str, int, bool, float, Decimal, Fraction, JsonConstant, list, dict)


def _got(raw: object) -> str:
    """`value` as a refusal shows it, with its type when it is not one data files hold."""
    shown = f"`{show_value(raw)}`"
    return shown if isinstance(raw, _PLAIN) else f"{shown} (a {type(raw).__module__}.{type(raw).__qualname__})"


def _bool(spec: FieldSpec, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise _Reject(f"`{spec.name}` must be `true` or `false`, got {_got(raw)}")


def _integer(spec: FieldSpec, raw: object) -> Fraction:
    value = _exact(spec.name, raw)
    if value.denominator != 1:
        raise _Reject(f"`{spec.name}` must be a whole number, got {_got(raw)}")
    return value * spec.scale


def _decimal(spec: FieldSpec, raw: object) -> Fraction:
    return _exact(spec.name, raw) * spec.scale


def _text(spec: FieldSpec, raw: object) -> str:
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, int | Decimal) and not isinstance(raw, bool):
        _exact(spec.name, raw)  # the same digit guard as numbers
        return str(raw)
    raise _Reject(f"`{spec.name}` must be text, got {_got(raw)}")


def _enum(spec: FieldSpec, raw: object) -> int:
    name = raw.strip() if isinstance(raw, str) else None
    if name in spec.members:
        return spec.members.index(name)
    allowed = ", ".join(f"`{m}`" for m in spec.members)
    message = f"`{spec.name}` must be one of {allowed}; got {_got(raw)}"
    close = difflib.get_close_matches(name or "", spec.members, n=1, cutoff=0.6)
    if not close and name:  # difflib is case-sensitive: "NONE" is nowhere near "none"
        close = [m for m in spec.members if m.lower() == name.lower()]
    if close:
        message += f" (did you mean `{close[0]}`?)"
    raise _Reject(message)


def _date(spec: FieldSpec, raw: object) -> object:
    """A calendar day: `YYYY-MM-DD` text, or a date (a date-time only at midnight, so no
    time of day is silently dropped)."""
    import datetime

    from ..core.dates import parse_iso

    if isinstance(raw, datetime.datetime):
        if raw.time() == datetime.time(0) and raw.tzinfo is None:
            return raw.date()
        raise _Reject(f"`{spec.name}` must be a day without a time, got {_got(raw)}")
    if isinstance(raw, datetime.date):
        return raw
    day = parse_iso(raw) if isinstance(raw, str) else None
    if day is None:
        raise _Reject(f"`{spec.name}` must be a date written YYYY-MM-DD (a day that exists), "
                      f"got {_got(raw)}")
    return day


_CONVERTERS: dict[str, Callable[[FieldSpec, object], object]] = {
    "bool": _bool,
    "integer": _integer,
    "decimal": _decimal,
    "text": _text,
    "enum": _enum,
    "date": _date,
}


def _exact(name: str, raw: object) -> Fraction:
    """The exact value of a number given as text, int, `Decimal` or (in memory) float."""
    if isinstance(raw, bool):
        raise _Reject(f"`{name}` must be a number, got {_got(raw)}")
    if isinstance(raw, JsonConstant):
        raise _Reject(f"`{name}` must be a finite number, got `{raw.text}`")
    if isinstance(raw, int):
        if abs(raw) >= 10**MAX_DIGITS:
            raise _Reject(_too_long(name, raw))
        return Fraction(raw)
    if isinstance(raw, Fraction):
        if abs(raw.numerator) >= 10**MAX_DIGITS or raw.denominator >= 10**MAX_DIGITS:
            raise _Reject(_too_long(name, raw))
        return raw
    if isinstance(raw, float):
        raw = repr(raw)  # the shortest text that reads back as this float: what was written
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise _Reject(f"`{name}` must be a finite number, got {_got(raw)}")
        return _from_decimal(name, raw)
    if not isinstance(raw, str):
        raise _Reject(f"`{name}` must be a number, got {_got(raw)}")
    text = raw.strip()
    if len(text) > MAX_DIGITS:
        raise _Reject(_too_long(name, raw))
    if not _NUMBER.fullmatch(text):
        if text.lstrip("+-").lower() in _NON_FINITE:
            raise _Reject(f"`{name}` must be a finite number, got {_got(raw)}")
        if "," in text and _NUMBER.fullmatch(text.replace(",", "")):
            raise _Reject(
                f"`{name}` must be written without thousands separators, got {_got(raw)}"
            )
        raise _Reject(f"`{name}` must be a number, got {_got(raw)}")
    return _from_decimal(name, Decimal(text), raw)


def _from_decimal(name: str, value: Decimal, raw: object = None) -> Fraction:
    # "1e999999" is short text but a huge Fraction: bound the digits written out in full.
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite values only reach here
    width = len(digits) + exponent if exponent >= 0 else max(len(digits), -exponent)
    if width > MAX_DIGITS:
        raise _Reject(_too_long(name, value if raw is None else raw))
    return Fraction(value)


# -- fast converters -------------------------------------------------------------
#
# `converter(spec)` is chosen once per fact. It converts the common, clearly valid
# inputs (plain decimal text such as `1524` or `63648.42`, small ints, `true`/`false`,
# declared enum members) itself, exactly, without `Decimal` or regular expressions,
# and answers `SLOW` for anything else, so `convert_field` gives the value or the
# error message: every accepted value and every message stays what it was.

SLOW = object()
_POW10 = tuple(10**i for i in range(MAX_DIGITS + 1))
_INT_LIMIT = 10**MAX_DIGITS
_BOOL_WORDS = {w: True for w in _TRUE} | {w: False for w in _FALSE}


def converter(spec: FieldSpec) -> Callable[[object], object]:
    """A function of one raw value: the converted value, or `SLOW` to use `convert_field`."""
    kind = spec.kind
    if kind in ("integer", "decimal"):
        return _number_converter(kind == "integer", spec.scale)
    if kind == "bool":
        words = _BOOL_WORDS

        def boolean(raw: object) -> object:
            if raw is True or raw is False:
                return raw
            try:
                return words.get(raw, SLOW)
            except TypeError:  # unhashable (a JSON list or object)
                return SLOW

        return boolean
    if kind == "enum":
        index: dict[str, int] = {}
        for i, m in enumerate(spec.members):
            if m.strip():  # an empty cell is missing, whatever the members
                index.setdefault(m, i)

        def member(raw: object) -> object:
            return index.get(raw.strip(), SLOW) if raw.__class__ is str else SLOW  # type: ignore[attr-defined]

        return member
    if kind == "text":

        def text(raw: object) -> object:
            if raw.__class__ is str:
                value = raw.strip()  # type: ignore[attr-defined]
                if value:
                    return value
            return SLOW

        return text
    return lambda raw: SLOW


def _number_converter(whole: bool, scale: Fraction) -> Callable[[object], object]:
    # Plain text only: ASCII digits, an optional sign, at most one `.` with digits on
    # both sides (what `_NUMBER` accepts, less exponents and bare `.5` / `5.`).
    pow10, limit, fraction = _POW10, _INT_LIMIT, Fraction
    unscaled = scale == 1

    def number(raw: object) -> object:
        if raw.__class__ is str:
            text = raw.strip()  # type: ignore[attr-defined]
            if len(text) <= MAX_DIGITS and text.isascii():
                head, dot, tail = text.partition(".")
                if head.isdigit() or (head[1:].isdigit() and head[0] in "+-"):
                    if not dot:
                        value = fraction(int(head))
                    elif tail.isdigit() and not whole:
                        value = fraction(int(head + tail), pow10[len(tail)])
                    else:
                        return SLOW
                    return value if unscaled else value * scale
        elif raw.__class__ is int and -limit < raw < limit:  # type: ignore[operator]
            return fraction(raw) if unscaled else fraction(raw) * scale
        return SLOW

    return number


def _too_long(name: str, raw: object) -> str:
    return f"`{name}` has too many digits (at most {MAX_DIGITS}), got {_got(raw)}"


def parse_exemptions(raw: object) -> tuple[dict[str, str], str | None]:
    """Clause id -> reason, from a JSON object or a CSV cell holding one."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}, None
    expected = '`exemptions` must be a JSON object like `{"C21": "reason"}`'
    if isinstance(raw, str):
        try:
            raw = loads_json(raw)
        except (ValueError, RecursionError):
            return {}, f"{expected}, got {_got(raw)}"
    if not isinstance(raw, dict):
        return {}, f"{expected}, got {_got(raw)}"
    duplicates = getattr(raw, "duplicates", ())
    if duplicates:
        return {}, f"clause `{duplicates[0]}` appears more than once in `exemptions`"
    result: dict[str, str] = {}
    for key, reason in raw.items():
        if not isinstance(key, str) or not key.strip():
            return {}, "`exemptions` has an empty clause id"
        if not isinstance(reason, str) or not reason.strip():
            shown = show_value(reason)
            return {}, f"the reason for exempting `{key}` must be non-empty text, got `{shown}`"
        result[key.strip()] = reason.strip()
    return result, None


__all__ = ["KINDS", "MISSING", "SLOW", "FieldSpec", "converter", "convert_field", "parse_exemptions"]
