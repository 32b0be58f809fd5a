"""Values as a data file would show them: the one-line form every data error quotes, and
the marker for a JSON `NaN` / `Infinity` literal that conversion refuses."""

from __future__ import annotations

import json
from fractions import Fraction

import attrs


@attrs.frozen
class JsonConstant:
    """A `NaN` / `Infinity` literal from JSON: kept as a marker so conversion rejects it."""

    text: str


def show_value(value: object, limit: int = 40) -> str:
    """A value as it would be written in the data, one line, cut to `limit` characters."""
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, JsonConstant):
        text = value.text
    elif isinstance(value, int | Fraction) and bits(value) > 1000:
        text = "a number with hundreds of digits"  # str() of huge ints is slow or refused
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    text = "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode() for c in text[: limit + 1]
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bits(value: int | Fraction) -> int:
    return max(value.numerator.bit_length(), value.denominator.bit_length())
