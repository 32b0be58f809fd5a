"""The reference interpreter: the meaning of a policy.

Deliberately plain: exact Fractions, Kleene three-valued logic for unknown facts,
one record at a time. Fast evaluators must agree with it on every outcome.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

from ..core import ir
from ..core.ir import bracket_conditions
from .values import EmptyPopulation, NotInForce, Parts, Unknown, unknown

Env = Mapping[str, object]


def evaluate(e: ir.Expr, env: Env, year: int, population: Sequence[Env] | None = None) -> object:
    """The value of `e` for one record (`env`) in `year`; aggregates read `population`."""
    ev = _EVAL[type(e)]
    return ev(e, env, year, population)


def _const(e: ir.Const, env, year, pop):
    return e.value


def _fact(e: ir.Fact, env, year, pop):
    if e.name in env:
        return env[e.name]
    return unknown(e.name)


def _arith(e: ir.Arith, env, year, pop):
    a = evaluate(e.left, env, year, pop)
    b = evaluate(e.right, env, year, pop)
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return _merge(a, b)
    if e.op in ir.ARITHMETIC:
        return ir.ARITHMETIC[e.op](a, b)
    if b == 0:
        return unknown(f"division by zero in `{e.text}`")
    return Fraction(a) / b


def _neg(e: ir.Neg, env, year, pop):
    a = evaluate(e.operand, env, year, pop)
    return a if isinstance(a, Unknown) else -a


def _func(e: ir.Func, env, year, pop):
    args = [evaluate(a, env, year, pop) for a in e.args]
    bad = [a for a in args if isinstance(a, Unknown)]
    if bad:
        return _merge(*bad)
    if e.name == "min":
        return min(args)
    if e.name == "max":
        return max(args)
    # Whole numbers of the canonical base unit (the IR's exact value), whatever unit the
    # drafter displays: `per 1万平方米` and `per 10000 m2` must round alike.
    if e.name == "floor":
        return Fraction(math.floor(args[0]))
    if e.name == "ceil":
        return Fraction(math.ceil(args[0]))
    return abs(args[0])


def compare(op: str, a, b) -> bool:
    return ir.COMPARATORS[op].apply(a, b)


def _cmp(e: ir.Cmp, env, year, pop):
    a = evaluate(e.left, env, year, pop)
    b = evaluate(e.right, env, year, pop)
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return _merge(a, b)
    return compare(e.op, a, b)


def _between(e: ir.Between, env, year, pop):
    s = evaluate(e.subject, env, year, pop)
    lo = evaluate(e.low, env, year, pop)
    hi = evaluate(e.high, env, year, pop)
    if any(isinstance(v, Unknown) for v in (s, lo, hi)):
        return _merge(s, lo, hi)
    return lo <= s <= hi


def _member(e: ir.Member, env, year, pop):
    s = evaluate(e.subject, env, year, pop)
    if isinstance(s, Unknown):
        return s
    return (s in e.values) != e.negated


def _and(e: ir.And, env, year, pop):
    a = evaluate(e.left, env, year, pop)
    if a is False:
        return False
    b = evaluate(e.right, env, year, pop)
    if b is False:
        return False
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return _merge(a, b)
    return True


def _or(e: ir.Or, env, year, pop):
    a = evaluate(e.left, env, year, pop)
    if a is True:
        return True
    b = evaluate(e.right, env, year, pop)
    if b is True:
        return True
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return _merge(a, b)
    return False


def _not(e: ir.Not, env, year, pop):
    a = evaluate(e.operand, env, year, pop)
    return a if isinstance(a, Unknown) else not a


def _cond(e: ir.Cond, env, year, pop):
    c = evaluate(e.cond, env, year, pop)
    if isinstance(c, Unknown):
        return c
    return evaluate(e.then if c else e.else_, env, year, pop)


def schedule_entry(e: ir.Sched, year: int) -> ir.Expr:
    chosen = ir.schedule_entry(e, year)
    if chosen is None:
        raise NotInForce(e.entries[0][0])
    return chosen


def _sched(e: ir.Sched, env, year, pop):
    return evaluate(schedule_entry(e, year), env, year, pop)


def _table(e: ir.Table, env, year, pop):
    key = evaluate(e.key, env, year, pop)
    if isinstance(key, Unknown):
        return key
    for b in e.brackets:
        lo = evaluate(b.low, env, year, pop) if b.low is not None else None
        hi = evaluate(b.high, env, year, pop) if b.high is not None else None
        if isinstance(lo, Unknown) or isinstance(hi, Unknown):
            return _merge(*(v for v in (lo, hi) if isinstance(v, Unknown)))
        if (key in b.values) if b.kind == "in" else all(bracket_conditions(b.kind, key, lo, hi)):
            return evaluate(b.value, env, year, pop)
    return unknown(f"no bracket of `{e.text}` matches")


def _agg(e: ir.Agg, env, year, pop):
    assert pop is not None, "aggregates are evaluated over a population"
    measure = getattr(pop, "measure", None)
    if measure is not None:  # a population summarised in advance (streaming evaluation)
        return measure(e)
    values = [evaluate(e.arg, rec, year, None) if e.arg is not None else True for rec in pop]
    bad = [v for v in values if isinstance(v, Unknown)]
    if bad:
        return Unknown(frozenset({f"{len(bad)} record(s) unknown"}))
    if e.kind == "count":
        return Fraction(sum(1 for v in values if v is True))
    if e.kind == "sum":
        return sum((Fraction(v) for v in values), Fraction(0))
    if not values:
        raise EmptyPopulation()
    if e.kind == "share":
        return Fraction(sum(1 for v in values if v is True), len(values))
    return sum((Fraction(v) for v in values), Fraction(0)) / len(values)


# ---- aggregates over the parts of a record -------------------------------------------------


def part_values(e: ir.ChildAgg, env, year: int) -> list[tuple[str, object]] | Unknown:
    """Each part's id and the value of the aggregate's argument on it (True for `count`)."""
    parts = env.get(Parts(e.entity))
    if parts is None:
        return unknown(f"the {e.entity} records of this record are not given")
    if isinstance(parts, Unknown):
        return parts
    out = []
    for pid, part in parts:
        out.append((pid, True if e.arg is None else evaluate(e.arg, _Within(part, env), year)))
    return out


class _Within(Mapping):
    """A part's facts, then its parent's: a condition on each group may name its committee's facts."""

    __slots__ = ("part", "parent")

    def __init__(self, part: Mapping, parent: Mapping):
        self.part, self.parent = part, parent

    def __getitem__(self, key):
        if key in self.part:
            return self.part[key]
        return self.parent[key]

    def __contains__(self, key) -> bool:
        return key in self.part or key in self.parent

    def __iter__(self):
        return iter({**self.parent, **self.part})

    def __len__(self) -> int:
        return len({**self.parent, **self.part})


def _child_agg(e: ir.ChildAgg, env, year, pop):
    found = part_values(e, env, year)
    if isinstance(found, Unknown):
        return found
    values = [v for _, v in found]
    bad = [v for v in values if isinstance(v, Unknown)]
    k = e.kind
    # Kleene logic: one failing part decides `all`, one passing part decides `any`.
    if k == "all" and any(v is False for v in values):
        return False
    if k == "any" and any(v is True for v in values):
        return True
    if bad:
        return Unknown(frozenset({f"{len(bad)} of {len(values)} {e.entity} record(s) unknown in "
                                  f"`{e.text}` ({_inner(bad)})"}))
    if k == "all":
        return True
    if k == "any":
        return False
    if k == "count":
        return Fraction(sum(1 for v in values if v is True))
    if k == "sum":
        return sum((Fraction(v) for v in values), Fraction(0))
    if not values:
        return unknown(f"`{e.text}` of no {e.entity} records")
    if k == "share":
        return Fraction(sum(1 for v in values if v is True), len(values))
    return Fraction(min(values) if k == "min" else max(values))


def _inner(bad: list[Unknown]) -> str:
    reasons = sorted(_merge(*bad).reasons)
    return "; ".join(f"`{r}` is missing or invalid" if r.isidentifier() else r for r in reasons)


def _merge(*values) -> Unknown:
    out = frozenset()
    for v in values:
        if isinstance(v, Unknown):
            out |= v.reasons
    return Unknown(out)


def _date_shift(e: ir.DateShift, env, year, pop):
    from ..core.dates import shift

    d = evaluate(e.operand, env, year, pop)
    if isinstance(d, Unknown):
        return d
    moved = shift(d, e.months, e.days)
    return unknown(f"`{e.text}` falls outside the calendar") if moved is None else moved


def _eval_date(e: ir.EvalDate, env, year, pop):
    from ..core.dates import day_of

    day = day_of(year)
    return day if e.kind == "date" else Fraction(day.year)


# A table by class, not the methods named after the class that the other consumers use: it is
# the faster lookup on this hot path (docs/design.md, "One definition each").
_EVAL = {
    ir.Const: _const, ir.Fact: _fact, ir.Arith: _arith, ir.Neg: _neg, ir.Func: _func,
    ir.Cmp: _cmp, ir.Between: _between, ir.Member: _member, ir.And: _and, ir.Or: _or,
    ir.Not: _not, ir.Cond: _cond, ir.Sched: _sched, ir.Table: _table, ir.Agg: _agg,
    ir.DateShift: _date_shift, ir.EvalDate: _eval_date,
    ir.ChildAgg: _child_agg,
}
