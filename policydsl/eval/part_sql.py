"""The SQL of an aggregate over the parts of a record (`ir.ChildAgg`), for the DuckDB
engine of several entities (`entities_sql`) and the warehouse SQL (`warehouse`) alike.

Both put the parts of each record in a GROUP BY (one row per parent, LEFT JOINed to the
parent's relation) and read an aggregate as one of its columns. What is written here is
the reference's three-valued logic (`reference._child_agg`): an unknown part makes the
aggregate unknown (`count`, `sum`, `min`, `max`, `share`), unless a part decides it (one
false part makes `all` false, one true part makes `any` true); a record without parts has
`count` and `sum` 0, `all` true, `any` false, and `min`, `max`, `share` unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from sqlglot import exp

from ..core import ir
from . import sqlgen
from .sqlgen import ExprCompiler, Quotient, SqlNumber, Unsupported

# What an aggregate is for a record without parts, as the reference has it (None: unknown).
OF_NO_PARTS: dict[str, object] = {"count": 0, "sum": 0, "all": True, "any": False,
                                  "min": None, "max": None, "share": None}

# A column of the parts' GROUP BY: (its value over the parts of one record, its decimal
# type as (digits, places), None for a condition) -> how the parent's relation reads it.
Column = Callable[[exp.Expression, tuple[int, int] | None], exp.Expression]


def count_where(cond: exp.Expression) -> exp.Expression:
    """The parts for which `cond` holds (a NULL `cond` is not counted). A CASE rather than
    `FILTER (WHERE …)`: every dialect has it."""
    return exp.Count(this=sqlgen.case([(cond, exp.Literal.number(1))]))


def part_aggregate(e: ir.ChildAgg, inner: ExprCompiler, column: Column, size: exp.Expression,
                   most: int, max_sum_digits: int = sqlgen.MAX_DIGITS,
                   unknown: exp.Expression | None = None) -> exp.Expression | SqlNumber | Quotient:
    """`e` read from the parent's relation.

    `inner` compiles the aggregate's argument on one part (its facts and its parent's);
    `column` adds a column to the parts' GROUP BY; `size` is the parent's count of parts
    (NULL: it has none); `most` bounds the parts of one record; `unknown`, when given,
    holds for a record whose parts are unknown (its id appears twice)."""
    where = f"`{e.text}`"
    none = sqlgen.is_null(size)

    def some(cond: exp.Expression) -> exp.Expression:
        return exp.GT(this=count_where(cond), expression=exp.Literal.number(0))

    def unknown_if_any_null(value: exp.Expression, sql: exp.Expression) -> exp.Expression:
        return sqlgen.case([(some(sqlgen.is_null(value)), exp.Null())], sql)

    def read(value: exp.Expression) -> exp.Expression:
        """The column as the parent reads it: what a record without parts has, and unknown
        for a record whose parts are unknown."""
        branches = [(unknown.copy(), exp.Null())] if unknown is not None else []
        empty = OF_NO_PARTS[e.kind]
        if empty is not None:
            literal = exp.Boolean(this=empty) if isinstance(empty, bool) else exp.Literal.number(empty)
            branches.append((none.copy(), literal))
        return sqlgen.case(branches, value) if branches else value

    count_type = (len(str(most)), 0)
    if e.arg is None:  # count(parts)
        return SqlNumber(read(size.copy()), 1, Fraction(most), 0)
    if e.kind in ("count", "all", "any", "share"):
        v = inner.boolean(e.arg)
        if e.kind in ("count", "share"):
            counted = column(unknown_if_any_null(v, count_where(v.copy())), count_type)
            top = SqlNumber(read(counted), 1, Fraction(most), 0)
            if e.kind == "count":
                return top
            return Quotient(top, SqlNumber(size.copy(), 1, Fraction(most), 0))
        # Kleene: one deciding part decides (a false one `all`, a true one `any`), else an
        # unknown part leaves it unknown
        decided = e.kind == "any"
        decides = v if decided else exp.Not(this=sqlgen.paren(v))
        value = sqlgen.case([(some(decides), exp.Boolean(this=decided)),
                             (some(sqlgen.is_null(v.copy())), exp.Null())], exp.Boolean(this=not decided))
        return read(column(value, None))
    v = inner.number(e.arg)
    if e.kind == "sum":
        bound = v.bound * most
        digits = sqlgen.digits_for(bound, v.places)
        if digits > max_sum_digits:
            raise Unsupported(where, f"a sum that needs {digits} digits, more than {max_sum_digits}")
        total = exp.Sum(this=exp.Cast(this=v.sql, to=sqlgen.decimal_type(digits, v.places)))
        summed = column(unknown_if_any_null(v.sql, total), (digits, v.places))
        return SqlNumber(read(summed), v.den, bound, v.places)
    if e.kind in ("min", "max"):
        picked = (exp.Min if e.kind == "min" else exp.Max)(this=v.sql)
        typed = (sqlgen.digits_for(v.bound, v.places), v.places)
        return SqlNumber(read(column(unknown_if_any_null(v.sql, picked), typed)), v.den, v.bound, v.places)
    raise Unsupported(where, f"the aggregate `{e.kind}`")
