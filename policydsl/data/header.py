"""Mistakes that concern a whole data file, found in its header: the wrong delimiter,
and column names that nearly match a fact. One message each, not one per record."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import attrs

from .shown import show_value

ERROR = "error"
WARNING = "warning"
RESERVED = ("id", "exemptions")  # columns every policy reads besides its facts
_DELIMITERS = {";": "`;`", "\t": "a tab", "|": "`|`"}


@attrs.frozen
class HeaderProblem:
    severity: str  # ERROR or WARNING
    column: str | None  # the column it is about, if one
    message: str
    hint: str | None = None


def delimiter_problem(columns: Sequence[str]) -> HeaderProblem | None:
    """An error when the header is one column that another delimiter would split."""
    if len(columns) != 1:
        return None
    (only,) = columns
    for delimiter, name in _DELIMITERS.items():
        if len([part for part in only.split(delimiter) if part.strip()]) >= 2:
            return HeaderProblem(
                ERROR, only,
                f"the header has one column `{show_value(only, 60)}`: is the delimiter {name}?",
                "values must be separated by commas; save the file as CSV with `,` between values")
    return None


def check_header(columns: Sequence[str], policy_facts: Iterable[object]) -> list[HeaderProblem]:
    """Problems of a header: `columns` as read, `policy_facts` the policy's fact names
    (or fact declarations, with a `name`). Columns that are no fact are only reported
    when they nearly match a fact the header lacks (`housholds` for `households`)."""
    facts = [f if isinstance(f, str) else str(getattr(f, "name", f)) for f in policy_facts]
    wrong = delimiter_problem(columns)
    if wrong is not None:
        return [wrong]
    present = set(columns)
    absent = [f for f in facts if f not in present]
    known = set(facts) | set(RESERVED)
    problems = []
    for column in columns:
        if not column or column in known:
            continue
        close = [f for f in absent if f.lower() == column.lower()]
        close = close or difflib.get_close_matches(column, absent, n=1, cutoff=0.8)
        if close:
            problems.append(HeaderProblem(
                WARNING, column,
                f"column `{show_value(column)}` is not a fact of the policy — did you mean `{close[0]}`?",
                f"rename the column to `{close[0]}`; until then `{close[0]}` is missing in every record"))
    return problems
