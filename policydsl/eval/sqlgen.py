"""The checked IR as SQL expression trees: exact outcome codes and target totals.

One compiler serves every SQL engine. It builds sqlglot expression trees (never
pasted strings: names are quoted identifiers, text constants are string literals),
so the same trees print as DuckDB, Spark, Trino, PostgreSQL or BigQuery SQL.

Exact by construction. A number is an exact DECIMAL value `sql` and a positive
integer `den` known when the SQL is generated: its value in canonical base units
is `sql / den`. Constants are integers over their denominator, so nothing is ever
divided at run time: sums and differences are brought to a common denominator,
products multiply denominators, comparisons are cross-multiplied and `floor` is
`sql - mod(mod(sql, den) + den, den)` over the same `den`. Every node carries a
bound on its magnitude and its number of decimal places, and is cast to a DECIMAL
wide enough for that bound before the engine can overflow: an expression that
could need more than 38 digits is refused (`Unsupported`), so the caller evaluates
it in Python instead, never with a rounded value.

A division by a value known only at run time (`pupils / classes`) is a `Quotient`
of two such numbers. It is never divided either: sums, products and quotients of
quotients are formed on their tops and bottoms, and a comparison of `a/b` with `c/d`
is `a*d` against `c*b`, reversed when `b*d` is negative. Each quotient keeps every
divisor met on the way: one of them zero is the reference's division by zero, so the
comparison is unknown (a divisor can move to the top: `x / (y / z)` is `x*z / y`).

SQL's three-valued logic is Kleene's, as the reference interpreter's is: NULL is
`unknown`, `NULL AND FALSE` is FALSE, `NULL OR TRUE` is TRUE. Only CASE needs care
(a NULL condition takes the ELSE branch), so conditions test for NULL first.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Mapping
from fractions import Fraction

import attrs
from sqlglot import exp

from ..core import ir
from .sqltext import CODE, Unsupported

MAX_DIGITS = 38  # the widest exact DECIMAL of DuckDB, Spark, Trino and BigQuery's NUMERIC


@attrs.frozen
class SqlNumber:
    """An exact number: `sql / den` in base units; `|sql| <= bound`; `places` decimals."""

    sql: exp.Expression
    den: int
    bound: Fraction
    places: int


def digits_for(bound: Fraction, places: int) -> int:
    """The digits of a DECIMAL that holds every number up to `bound` with `places` decimals."""
    whole = math.floor(bound)
    if whole.bit_length() > 130:  # far past 38 digits; never written out in full
        return MAX_DIGITS + 1
    return max(1, len(str(whole))) + places


def decimal_type(digits: int, places: int) -> exp.DataType:
    return exp.DataType.build(f"DECIMAL({digits}, {places})")


def _widen(n: SqlNumber, bound: Fraction, places: int, construct: str) -> exp.Expression:
    """`n.sql` cast to a DECIMAL that holds `bound` with `places` decimals."""
    digits = digits_for(bound, places)
    if digits > MAX_DIGITS:
        raise Unsupported(construct, f"needs {digits} digits, more than the exact {MAX_DIGITS}")
    return exp.Cast(this=n.sql, to=decimal_type(digits, max(places, n.places)))


def integer(value: int) -> exp.Expression:
    if value.bit_length() > 126:  # beyond any exact DECIMAL(38)
        raise Unsupported(f"the constant of {value.bit_length()} bits", f"more than {MAX_DIGITS} digits")
    if value < 0:
        return exp.Neg(this=integer(-value))
    lit = exp.Literal.number(value)
    if value >= 2**31:
        return exp.Cast(this=lit, to=decimal_type(len(str(value)), 0))
    return lit


def const_num(value: Fraction) -> SqlNumber:
    value = Fraction(value)
    return SqlNumber(integer(value.numerator), value.denominator, abs(Fraction(value.numerator)), 0)


def _scaled(n: SqlNumber, factor: int, construct: str) -> SqlNumber:
    """The same value over a denominator `factor` times larger."""
    if factor == 1:
        return n
    bound = n.bound * factor
    return SqlNumber(exp.Mul(this=_widen(n, bound, n.places, construct), expression=integer(factor)),
               n.den * factor, bound, n.places)


def times(n: SqlNumber, factor: Fraction, construct: str) -> SqlNumber:
    """`n` multiplied by the exact constant `factor`, still without division."""
    factor = Fraction(factor)
    p, q = factor.numerator, factor.denominator
    if p == 1:
        return SqlNumber(n.sql, n.den * q, n.bound, n.places)
    bound = n.bound * abs(p)
    return SqlNumber(exp.Mul(this=_widen(n, bound, n.places, construct), expression=integer(p)),
               n.den * q, bound, n.places)


@attrs.frozen
class Quotient:
    """`top / bottom`, two exact numbers, for a division by a value known only at run time.
    Only arithmetic and comparisons take one; anything else refuses it."""

    top: SqlNumber
    bottom: SqlNumber
    divisors: tuple[exp.Expression, ...] = ()  # each nonzero, or a division by zero happened


ONE = SqlNumber(exp.Literal.number(1), 1, Fraction(1), 0)


def add(a: SqlNumber, b: SqlNumber, op: str, construct: str) -> SqlNumber:
    """`a + b` or `a - b` over a common denominator."""
    a, b = common(a, b, construct)
    bound = a.bound + b.bound
    places = max(a.places, b.places)
    cls = exp.Add if op == "+" else exp.Sub
    return SqlNumber(cls(this=_widen(a, bound, places, construct), expression=b.sql), a.den, bound, places)


def mul(a: SqlNumber, b: SqlNumber, construct: str) -> SqlNumber:
    if a is ONE or b is ONE:
        return b if a is ONE else a
    bound = a.bound * b.bound
    places = a.places + b.places
    return SqlNumber(exp.Mul(this=_widen(a, bound, places, construct), expression=b.sql),
               a.den * b.den, bound, places)


def _quotient(v: SqlNumber | Quotient) -> Quotient:
    return v if isinstance(v, Quotient) else Quotient(v, ONE)


def _distinct(items) -> tuple[exp.Expression, ...]:
    seen: dict[str, exp.Expression] = {}
    for x in items:
        seen.setdefault(x.sql(), x)
    return tuple(seen.values())


def quotient_arith(a: SqlNumber | Quotient, b: SqlNumber | Quotient, op: str, construct: str) -> Quotient:
    """`a op b` as a quotient: `(t/u) ± (v/w) = (t*w ± v*u) / (u*w)`, `(t/u) * (v/w) = t*v / (u*w)`,
    `(t/u) / (v/w) = t*w / (u*v)`, where `v` joins the divisors that must not be zero."""
    qa, qb = _quotient(a), _quotient(b)
    (t, u), (v, w) = (qa.top, qa.bottom), (qb.top, qb.bottom)
    divisors = qa.divisors + qb.divisors
    if op in ("+", "-"):
        return Quotient(add(mul(t, w, construct), mul(v, u, construct), op, construct),
                        mul(u, w, construct), _distinct(divisors))
    if op == "*":
        return Quotient(mul(t, v, construct), mul(u, w, construct), _distinct(divisors))
    known_nonzero = _is_literal(v.sql) and v.bound != 0  # a constant divisor other than 0
    return Quotient(mul(t, w, construct), mul(u, v, construct),
                    _distinct(divisors if known_nonzero else (*divisors, v.sql)))


def common(a: SqlNumber, b: SqlNumber, construct: str) -> tuple[SqlNumber, SqlNumber]:
    den = math.lcm(a.den, b.den)
    return _scaled(a, den // a.den, construct), _scaled(b, den // b.den, construct)


def is_null(e: exp.Expression) -> exp.Expression:
    return exp.Is(this=e, expression=exp.Null())


def not_null(e: exp.Expression) -> exp.Expression:
    return exp.Not(this=is_null(e))


def paren(e: exp.Expression) -> exp.Expression:
    return exp.Paren(this=e)


def case(branches: list[tuple[exp.Expression, exp.Expression]],
         default: exp.Expression | None = None) -> exp.Expression:
    return exp.Case(ifs=[exp.If(this=c, true=v) for c, v in branches], default=default)


def any_null(*es: exp.Expression) -> exp.Expression:
    out = is_null(es[0])
    for e in es[1:]:
        out = exp.Or(this=out, expression=is_null(e))
    return out


def any_of(items: list[exp.Expression]) -> exp.Expression:
    """`a OR b OR …`; FALSE for no items."""
    if not items:
        return exp.Boolean(this=False)
    out = items[0]
    for x in items[1:]:
        out = exp.Or(this=out, expression=x)
    return out


def all_of(items: list[exp.Expression]) -> exp.Expression:
    """`a AND b AND …`; TRUE for no items."""
    if not items:
        return exp.Boolean(this=True)
    out = items[0]
    for x in items[1:]:
        out = exp.And(this=out, expression=x)
    return paren(out)


# The SQL node of each of `ir.COMPARATORS` (a test holds the two to the same operators).
_CMP = {">=": exp.GTE, ">": exp.GT, "<=": exp.LTE, "<": exp.LT, "=": exp.EQ, "!=": exp.NEQ}


@attrs.frozen
class FactColumn:
    """How a fact reads from the relation: a number as `SqlNumber`, other kinds as a plain value."""

    value: exp.Expression | SqlNumber


def date_literal(day: datetime.date) -> exp.Expression:
    return exp.Cast(this=exp.Literal.string(day.isoformat()), to=exp.DataType.build("DATE"))


class ExprCompiler:
    """Compiles IR expressions of one year; `facts` maps a fact name to its column."""

    def __init__(self, facts: Mapping[str, FactColumn], year: int,
                 aggregate: Callable[[ir.Agg], exp.Expression | SqlNumber] | None = None,
                 parts: Callable[[ir.ChildAgg], exp.Expression | SqlNumber | Quotient] | None = None):
        self.facts = facts
        self.year = year
        self.aggregate = aggregate
        self.parts = parts  # the SQL of an aggregate over a record's parts (several entities)

    # -- entry points --------------------------------------------------------------

    def boolean(self, e: ir.Expr) -> exp.Expression:
        v = self(e)
        if isinstance(v, SqlNumber):
            raise Unsupported(type(e).__name__, "a number where a condition is expected")
        return v

    def number(self, e: ir.Expr) -> SqlNumber:
        v = self(e)
        if not isinstance(v, SqlNumber):
            raise Unsupported(type(e).__name__, "a condition where a number is expected")
        return v

    def __call__(self, e: ir.Expr) -> exp.Expression | SqlNumber:
        v = self._value(e)
        if isinstance(v, Quotient):
            raise Unsupported(f"`{e.text}`", "a division by a value that is not a constant, "
                                             "used elsewhere than in arithmetic or a comparison")
        return v

    def _value(self, e: ir.Expr) -> exp.Expression | SqlNumber | Quotient:
        """The SQL of `e`; a `Quotient` only below a division by a run-time value."""
        method = getattr(self, "_" + type(e).__name__, None)
        if method is None:
            raise Unsupported(type(e).__name__, "no SQL form yet")
        return method(e)

    def _numeric(self, e: ir.Expr) -> SqlNumber | Quotient:
        v = self._value(e)
        if not isinstance(v, SqlNumber | Quotient):
            raise Unsupported(type(e).__name__, "a condition where a number is expected")
        return v

    # -- leaves --------------------------------------------------------------------

    def _Const(self, e: ir.Const):
        v = e.value
        if e.type == ir.DATE:
            return date_literal(v)
        if isinstance(v, bool):
            return exp.Boolean(this=v)
        if isinstance(e.type, ir.Enum):
            return exp.Literal.number(v)
        if isinstance(v, str):
            return exp.Literal.string(v)
        return const_num(Fraction(v))

    def _Fact(self, e: ir.Fact):
        col = self.facts.get(e.name)
        if col is None:
            raise Unsupported(f"fact `{e.name}`", "not a column of the relation")
        return col.value

    # -- arithmetic ----------------------------------------------------------------

    def _Arith(self, e: ir.Arith) -> SqlNumber | Quotient:
        where = f"`{e.text}`"
        a, b = self._numeric(e.left), self._numeric(e.right)
        divisor = _constant(e.right) if e.op == "/" else None
        if isinstance(a, Quotient) or isinstance(b, Quotient) or (e.op == "/" and divisor is None):
            return quotient_arith(a, b, e.op, where)
        if e.op in ("+", "-"):
            return add(a, b, e.op, where)
        if e.op == "*":
            return mul(a, b, where)
        if divisor == 0:
            return SqlNumber(exp.Null(), 1, Fraction(0), 0)  # the reference: unknown, division by zero
        # a / (p/q) = a * q / p: multiply by q (sign of p folded in), divide the denominator by |p|
        p, q = divisor.numerator, divisor.denominator
        factor = q if p > 0 else -q
        bound = a.bound * q
        sql = a.sql if factor == 1 else exp.Mul(this=_widen(a, bound, a.places, where),
                                                  expression=integer(factor))
        return SqlNumber(sql, a.den * abs(p), bound, a.places)

    def _Neg(self, e: ir.Neg) -> SqlNumber | Quotient:
        a = self._numeric(e.operand)
        if isinstance(a, Quotient):
            return Quotient(SqlNumber(exp.Neg(this=paren(a.top.sql)), a.top.den, a.top.bound, a.top.places),
                            a.bottom, a.divisors)
        return SqlNumber(exp.Neg(this=paren(a.sql)), a.den, a.bound, a.places)

    def _Func(self, e: ir.Func) -> SqlNumber | Quotient:
        where = f"`{e.text}`"
        if e.name == "abs":
            a = self._numeric(e.args[0])
            if isinstance(a, Quotient):
                top, bottom = (SqlNumber(exp.Abs(this=n.sql), n.den, n.bound, n.places)
                               for n in (a.top, a.bottom))
                return Quotient(top, bottom, a.divisors)
        args = [self.number(x) for x in e.args]
        if e.name in ("min", "max"):
            out = args[0]
            for b in args[1:]:
                out = self._pick(out, b, e.name, where)
            return out
        (a,) = args
        if e.name == "abs":
            return SqlNumber(exp.Abs(this=a.sql), a.den, a.bound, a.places)
        if e.name not in ("floor", "ceil"):
            raise Unsupported(where, f"function `{e.name}`")
        # floor(sql/den) * den = sql - mod⁺(sql, den); ceil: sql + mod⁺(-sql, den).
        den = integer(a.den)
        wide = _widen(a, a.bound + a.den, a.places, where)
        if e.name == "floor":
            rest = exp.Mod(this=paren(exp.Add(this=exp.Mod(this=wide, expression=den), expression=den)),
                           expression=den)
            sql = exp.Sub(this=wide, expression=rest)
        else:
            neg = exp.Neg(this=paren(wide))
            rest = exp.Mod(this=paren(exp.Add(this=exp.Mod(this=neg, expression=den), expression=den)),
                           expression=den)
            sql = exp.Add(this=wide, expression=rest)
        return SqlNumber(paren(sql), a.den, a.bound + a.den, a.places)

    def _pick(self, a: SqlNumber, b: SqlNumber, name: str, where: str) -> SqlNumber:
        a, b = common(a, b, where)
        bound = max(a.bound, b.bound)
        places = max(a.places, b.places)
        # LEAST/GREATEST skip NULLs on several engines; the reference makes any unknown unknown.
        fn = exp.Least if name == "min" else exp.Greatest
        picked = fn(this=_widen(a, bound, places, where), expressions=[_widen(b, bound, places, where)])
        return SqlNumber(case([(any_null(a.sql, b.sql), exp.Null())], picked), a.den, bound, places)

    # -- conditions ------------------------------------------------------------------

    def _Cmp(self, e: ir.Cmp) -> exp.Expression:
        left, right = self._value(e.left), self._value(e.right)
        numbers = [isinstance(v, SqlNumber | Quotient) for v in (left, right)]
        if all(numbers):
            return self._compare(left, e.op, right, f"`{e.text}`")
        if any(numbers):
            raise Unsupported(f"`{e.text}`", "a number compared with a value that is not one")
        return _CMP[e.op](this=left, expression=right)

    def _compare(self, left: SqlNumber | Quotient, op: str, right: SqlNumber | Quotient, where: str) -> exp.Expression:
        if isinstance(left, SqlNumber) and isinstance(right, SqlNumber):
            a, b = common(left, right, where)
            return _CMP[op](this=a.sql, expression=b.sql)
        # t/u op v/w: t*w op v*u when u*w > 0, the other way round when it is negative;
        # unknown when a divisor is zero (a division by zero) or unknown
        ql, qr = _quotient(left), _quotient(right)
        (t, u), (v, w) = (ql.top, ql.bottom), (qr.top, qr.bottom)
        a, b = common(mul(t, w, where), mul(v, u, where), where)
        bottoms = [n.sql for n in (u, w) if n is not ONE]
        zero = any_of([exp.EQ(this=x.copy(), expression=exp.Literal.number(0))
                       for x in _distinct(ql.divisors + qr.divisors)])
        positive = [paren(exp.GT(this=x.copy(), expression=exp.Literal.number(0))) for x in bottoms]
        same_sign = positive[0] if len(positive) == 1 else exp.EQ(this=positive[0], expression=positive[1])
        return case([(paren(zero), exp.Null()), (same_sign, _CMP[op](this=a.sql, expression=b.sql))],
                    _CMP[op](this=b.sql.copy(), expression=a.sql.copy()))

    # -- dates: DATE values, moved by whole months then days. DuckDB, Spark 3 and later
    # (ADD_MONTHS), Trino, PostgreSQL and BigQuery (DATE_ADD) all keep the day of the
    # month or take the month's last day, as policydsl/core/dates.py does ----------------------

    def _DateShift(self, e: ir.DateShift) -> exp.Expression:
        from ..core.dates import day_of, shift, shift_domain

        null = exp.Cast(this=exp.Null(), to=exp.DataType.build("DATE"))
        fixed = (e.operand.value if isinstance(e.operand, ir.Const) else
                 day_of(self.year) if isinstance(e.operand, ir.EvalDate) and e.operand.kind == "date" else None)
        if fixed is not None:  # a known day (`eval_date - 2 years`) is moved here, by the reference's rule
            moved_day = shift(fixed, e.months, e.days)
            return null if moved_day is None else date_literal(moved_day)
        day = self(e.operand)
        domain = shift_domain(e.months, e.days)
        if domain is None:  # no day stays in the calendar: the reference's value is unknown
            return null
        moved: exp.Expression = day
        for amount, unit in ((e.months, "MONTH"), (e.days, "DAY")):
            if amount:
                moved = exp.DateAdd(this=moved, expression=exp.Literal.number(amount), unit=exp.Var(this=unit))
        moved = exp.Cast(this=moved, to=exp.DataType.build("DATE"))
        # Outside the calendar the reference's value is unknown; the day is tested before it
        # is moved, so no engine computes a day it cannot hold (an ANSI engine would raise).
        inside = exp.Between(this=day.copy(), low=date_literal(domain[0]), high=date_literal(domain[1]))
        return case([(inside, moved)])

    def _EvalDate(self, e: ir.EvalDate):
        from ..core.dates import day_of

        day = day_of(self.year)
        return date_literal(day) if e.kind == "date" else const_num(Fraction(day.year))

    def _Between(self, e: ir.Between) -> exp.Expression:
        if e.subject.type == ir.DATE:
            s, lo, hi = self(e.subject), self(e.low), self(e.high)
            return paren(exp.And(this=exp.LTE(this=lo, expression=s),
                                 expression=exp.LTE(this=s.copy(), expression=hi)))
        s, lo, hi = self._numeric(e.subject), self._numeric(e.low), self._numeric(e.high)
        where = f"`{e.text}`"
        return paren(exp.And(this=self._compare(lo, "<=", s, where),
                             expression=self._compare(s, "<=", hi, where)))

    def _Member(self, e: ir.Member) -> exp.Expression:
        subject = self(e.subject)
        if isinstance(subject, SqlNumber):
            raise Unsupported(f"`{e.text}`", "membership of a number")
        values = [self._Const(ir.Const(v, e.subject.type)) for v in e.values]
        if not values:
            inside = case([(is_null(subject), exp.Null())], exp.Boolean(this=False))
        else:
            inside = exp.In(this=subject, expressions=values)
        return exp.Not(this=paren(inside)) if e.negated else paren(inside)

    def _And(self, e: ir.And) -> exp.Expression:
        return paren(exp.And(this=self.boolean(e.left), expression=self.boolean(e.right)))

    def _Or(self, e: ir.Or) -> exp.Expression:
        return paren(exp.Or(this=self.boolean(e.left), expression=self.boolean(e.right)))

    def _Not(self, e: ir.Not) -> exp.Expression:
        return exp.Not(this=paren(self.boolean(e.operand)))

    def _Cond(self, e: ir.Cond):
        c = self.boolean(e.cond)
        return self._case([(is_null(c), None), (c, e.then)], e.else_, f"`{e.text}`")

    def _case(self, arms: list[tuple[exp.Expression, ir.Expr | None]], default: ir.Expr | None,
              where: str):
        """CASE over IR values, arms in order; an arm or default of None gives NULL (unknown).
        Numbers are brought to one denominator and one DECIMAL width."""
        values = [None if v is None else self(v) for _, v in arms]
        other = None if default is None else self(default)
        present = [v for v in [*values, other] if v is not None]
        if any(isinstance(v, SqlNumber) for v in present):
            if not all(isinstance(v, SqlNumber) for v in present):
                raise Unsupported(where, "branches of different kinds")
            den = math.lcm(*(n.den for n in present))
            bound = max(n.bound * (den // n.den) for n in present)
            places = max(n.places for n in present)

            def sql(v):
                return exp.Null() if v is None else _widen(_scaled(v, den // v.den, where),
                                                           bound, places, where)

            ifs = [(c, sql(v)) for (c, _), v in zip(arms, values, strict=True)]
            return SqlNumber(case(ifs, sql(other) if other is not None else exp.Null()), den, bound, places)
        ifs = [(c, exp.Null() if v is None else v) for (c, _), v in zip(arms, values, strict=True)]
        return case(ifs, other if other is not None else exp.Null())

    def _Sched(self, e: ir.Sched):
        chosen = ir.schedule_entry(e, self.year)
        if chosen is None:
            raise Unsupported(f"`{e.text}`", f"a schedule not yet in force in {self.year}")
        return self(chosen)

    def _Table(self, e: ir.Table):
        key = self(e.key)
        where = f"`{e.text}`"
        key_sql = key.sql if isinstance(key, SqlNumber) else key
        arms: list[tuple[exp.Expression, ir.Expr | None]] = [(is_null(key_sql), None)]
        default = None
        for b in e.brackets:
            if b.kind == "else":
                default = b.value
                break
            bounds = [self(x) for x in (b.low, b.high) if x is not None]
            variable = [x.sql if isinstance(x, SqlNumber) else x for x in bounds
                        if not (isinstance(x, SqlNumber) and _is_literal(x.sql))]
            if variable:  # the reference stops at a bracket whose bounds are unknown
                arms.append((any_null(*variable), None))
            lo = self(b.low) if b.low is not None else None
            hi = self(b.high) if b.high is not None else None
            if b.kind == "in":  # a category bracket: the key is one of the values
                if isinstance(key, SqlNumber):
                    raise Unsupported(where, "category brackets of a number")
                values = [self._Const(ir.Const(v, e.key.type)) for v in b.values]
                test = exp.In(this=key, expressions=values) if values else exp.Boolean(this=False)
                arms.append((paren(test), b.value))
                continue
            arms.append((self._bracket(b.kind, key, lo, hi, where), b.value))
        return self._case(arms, default, where)

    def _bracket(self, kind: str, key, lo, hi, where: str) -> exp.Expression:
        if kind == "in":
            raise Unsupported(where, "category brackets")
        if not isinstance(key, SqlNumber):
            raise Unsupported(where, "brackets of a value that is not a number")
        if kind == "below":
            k, h = common(key, hi, where)
            return exp.LT(this=k.sql, expression=h.sql)
        if kind == "above":
            k, lw = common(key, lo, where)
            return exp.GT(this=k.sql, expression=lw.sql)
        if kind == "from":
            k, lw = common(key, lo, where)
            return exp.GTE(this=k.sql, expression=lw.sql)
        if kind == "range":
            k1, lw = common(key, lo, where)
            k2, h = common(key, hi, where)
            return paren(exp.And(this=exp.LTE(this=lw.sql, expression=k1.sql),
                                 expression=exp.LTE(this=k2.sql, expression=h.sql)))
        raise Unsupported(where, f"bracket kind `{kind}`")

    def _Agg(self, e: ir.Agg):
        if self.aggregate is None:
            raise Unsupported(f"`{e.text}`", "an aggregate outside a target")
        return self.aggregate(e)

    def _ChildAgg(self, e: ir.ChildAgg):
        if self.parts is None:
            raise Unsupported(f"`{e.text}`", "an aggregate over parts, without their relation")
        return self.parts(e)


def _is_literal(e: exp.Expression) -> bool:
    return isinstance(e, exp.Literal) or (isinstance(e, exp.Neg | exp.Cast) and _is_literal(e.this))


def _constant(e: ir.Expr) -> Fraction | None:
    """The value of a constant numeric expression, folded exactly, else None."""
    if isinstance(e, ir.Const) and isinstance(e.value, Fraction | int) and not isinstance(e.value, bool):
        return Fraction(e.value)
    if isinstance(e, ir.Neg):
        v = _constant(e.operand)
        return None if v is None else -v
    if isinstance(e, ir.Arith):
        a, b = _constant(e.left), _constant(e.right)
        if a is None or b is None:
            return None
        if e.op in ir.ARITHMETIC:
            return ir.ARITHMETIC[e.op](a, b)
        return None if b == 0 else a / b
    return None


# ---- printing ------------------------------------------------------------------------

_COMPOUND = (exp.Binary, exp.Unary, exp.Is, exp.In, exp.Between, exp.Not)
_OPERAND = (*_COMPOUND, exp.Case)


def parenthesize(tree: exp.Expression) -> exp.Expression:
    """Every compound operand in parentheses: the trees are built without regard to
    operator precedence, and precedence differs between dialects."""

    def wrap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Paren):
            return node
        if isinstance(node, _COMPOUND):
            for key in ("this", "expression"):
                child = node.args.get(key)
                if isinstance(child, _OPERAND) and not isinstance(child, exp.Paren):
                    node.set(key, exp.Paren(this=child))
        return node

    return tree.transform(wrap, copy=False)


def render(tree: exp.Expression, dialect: str = "duckdb") -> str:
    """SQL text of a tree for one dialect."""
    return parenthesize(tree).sql(dialect=dialect)


# ---- rules and targets ------------------------------------------------------------


def in_force(rule: ir.Rule, year: int) -> bool:
    from .outcomes import out_of_force

    if rule.in_force is not None:  # days in force: decided for the evaluation date
        return out_of_force(rule, year) is None
    return rule.years[0] <= year <= rule.years[1]


def outcome_code(rule: ir.Rule, compiler: ExprCompiler, exempted: exp.Expression | None = None
                 ) -> exp.Expression:
    """The outcome code (`CODE`) of a per-record rule, as `outcomes.judge_record` decides it."""
    if not in_force(rule, compiler.year):
        return exp.Literal.number(CODE["not_applicable"])
    cond = compiler.boolean(rule.condition)
    branches: list[tuple[exp.Expression, exp.Expression]] = []
    if rule.scope is not None:
        scope = compiler.boolean(rule.scope)
        branches += [(is_null(scope), exp.Literal.number(CODE["unknown"])),
                     (exp.Not(this=paren(scope)), exp.Literal.number(CODE["not_applicable"]))]
    if rule.due is not None:  # judged from the due day on (outcomes.not_yet_due)
        from ..core.dates import day_of

        due = compiler(rule.due)
        branches += [(is_null(due), exp.Literal.number(CODE["unknown"])),
                     (exp.LT(this=date_literal(day_of(compiler.year)), expression=due.copy()),
                      exp.Literal.number(CODE["not_applicable"]))]
    if exempted is not None and rule.modality == "in_principle":
        branches.append((exempted, exp.Literal.number(CODE["exempted"])))
    branches += [(is_null(cond), exp.Literal.number(CODE["unknown"])),
                 (cond, exp.Literal.number(CODE["pass"]))]
    return case(branches, exp.Literal.number(CODE["fail"]))


def target_aggregates(rule: ir.Rule) -> tuple[ir.Agg, ...]:
    """The aggregates of a target that read a value per record, in a stable order."""
    return tuple(dict.fromkeys(x for x in ir.walk(rule.condition)
                               if isinstance(x, ir.Agg) and x.arg is not None))


__all__ = ["CODE", "MAX_DIGITS", "ExprCompiler", "FactColumn", "SqlNumber", "Quotient", "Unsupported",
           "const_num", "outcome_code", "target_aggregates", "in_force"]
