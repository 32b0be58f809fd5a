"""Exact Python generated from checked IR: the one code generator of policydsl.

Every generator of the package builds on this module: the compiled per-record
engine (`eval.compiled`: verdicts and the values targets aggregate) and the fact
constraint checks (`eval.validate`). Generated source never holds policy text:
every name, literal and threshold is a closure variable (`k0`, `k1`, …) bound to
its exact value by `build`, and operators come from the fixed tables below.

Two expression generators share one `Source`:

- `ExprGen` computes values as the reference does (`Fraction`s, `U` for any
  unknown value), for bodies that may meet missing facts or values of any type;
- `RationalGen` computes numbers as pairs of Python ints (numerator, positive
  denominator) and never builds a `Fraction`, for bodies where every fact is present
  and every number is a `Fraction` (the caller falls back to an `ExprGen` body on
  `KeyError` or `AttributeError`). Comparisons are integer cross-products, `floor`
  and `ceil` are `//` on the pair, division by a constant is multiplication by its
  reciprocal.

Both emit checks for unknown values only where a value can still be unknown: a
fact of a fast body or a constant is never unknown, and neither is arithmetic or
logic over known values; division by a value that may be zero, and lookup tables
without an `else` bracket, can be.
"""

from __future__ import annotations

import contextlib
import math
from fractions import Fraction

from ..core import ir

# Bound here, not read as `ir.schedule_entry`, so that a fault can be put into this engine
# alone and the comparison with the reference shown to catch it.
from ..core.ir import bracket_conditions, schedule_entry
from .values import NotInForce, Parts

# Operator tables: the only operators generated source contains.
# Python spells the IR's `=` as `==`; the other comparisons as the IR does.
COMPARISONS = {op: "==" if op == "=" else op for op in ir.COMPARATORS}
ARITHMETIC = {op: op for op in ir.ARITHMETIC}  # Python spells them as the IR does
# `floor` and `ceil` of a pair `n / d` (d > 0): whole numbers in canonical base units.
ROUNDING_PARTS = {"floor": "{n} // {d}", "ceil": "-(-{n} // {d})"}
# Builtins generated code may call; nothing else is reachable from it.
BUILTINS = {"min": min, "max": max, "abs": abs, "KeyError": KeyError, "AttributeError": AttributeError}

# `Fraction` keeps its parts in these slots (CPython 3.11-3.13); its `numerator`
# property costs a Python call per read.
SLOTS = ("_numerator", "_denominator")
if not all(hasattr(Fraction(1, 2), a) for a in SLOTS):  # pragma: no cover - other Pythons
    SLOTS = ("numerator", "denominator")


class Unknown:
    """The one unknown value of generated code: a verdict only needs to know *that*
    a value is unknown (the reference says why)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "U"


U = Unknown()


def floor_value(x: object) -> Fraction:
    """The greatest whole number (in canonical base units) not above `x`."""
    return Fraction(math.floor(Fraction(x)))


def ceil_value(x: object) -> Fraction:
    """The least whole number (in canonical base units) not below `x`."""
    return Fraction(math.ceil(Fraction(x)))


ROUNDING = {"floor": floor_value, "ceil": ceil_value}


def shifted(day, months: int, days: int):
    """A day moved as the reference moves it (policydsl/core/dates.py), `U` outside the calendar."""
    from ..core.dates import shift

    moved = shift(day, months, days)
    return U if moved is None else moved


class PartEnv:
    """One part's facts, then its parent's: what the argument of an aggregate over parts
    reads (a condition on each part may name its parent's facts)."""

    __slots__ = ("part", "parent")

    def __init__(self, part, parent):
        self.part, self.parent = part, parent

    def get(self, key, default=None):
        part = self.part
        return part[key] if key in part else self.parent.get(key, default)


def part_aggregate(kind: str, parts: object, arg, env) -> object:
    """An aggregate over the parts of one record (`parts`: its (id, facts) pairs, or not a
    tuple when they are unknown), `arg` the compiled argument (None: count the parts).
    Kleene logic: one false part decides `all`, one true part `any`; otherwise an unknown
    part makes the aggregate unknown. Of no parts: `count` and `sum` 0, `all` true, `any`
    false, `min`, `max` and `share` unknown."""
    if not isinstance(parts, tuple):
        return U
    if arg is None:
        return Fraction(len(parts))
    values = [arg(PartEnv(facts, env)) for _, facts in parts]
    if kind == "all":
        return False if False in values else U if U in values else True
    if kind == "any":
        return True if True in values else U if U in values else False
    if U in values:
        return U
    if kind == "count":
        return Fraction(values.count(True))
    if kind == "sum":
        return sum(values, Fraction(0))
    if not values:
        return U
    if kind == "share":
        return Fraction(values.count(True), len(values))
    return min(values) if kind == "min" else max(values)


def compile_part_argument(arg: ir.Expr, year: int):
    """The argument of an aggregate over parts as a function of one part's environment."""
    src = Source()
    gen = ExprGen(src, year)
    src.begin(fast=False)
    result = gen(arg)
    fetch = [f"    {local} = env.get({src.const(n)}, U)" for n, local in src.facts.items()]
    fn, _ = build(src, ["def argument(env):", *fetch, *src.lines, f"    return {result}"], "argument",
                  "<policydsl compiled aggregate over parts>")
    return fn


def fold(e: ir.Arith) -> Fraction | None:
    """Constant arithmetic, done once (`20 m2 per 100 households` is one number)."""
    if not (isinstance(e.left, ir.Const) and isinstance(e.right, ir.Const)):
        return None
    a, b = e.left.value, e.right.value
    if not isinstance(a, Fraction) or not isinstance(b, Fraction):
        return None
    if e.op == "/":
        return None if b == 0 else a / b
    return ir.ARITHMETIC[e.op](a, b)


def product(*factors: str | None) -> str | None:
    """Source multiplying the factors that are not None (None stands for 1)."""
    present = [f for f in factors if f is not None]
    return " * ".join(present) if present else None


class Source:
    """Python source being generated, and the constants it refers to by name only."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0
        self.consts: list[object] = []
        self._const_ids: dict[tuple, str] = {}
        self.ntmp = 0
        self.facts: dict[str, str] = {}  # fact name -> local holding its value
        self.parts: dict[str, tuple[str, str]] = {}  # fact name -> locals of its numerator, denominator
        self.fast = False  # facts are known to be present (a fast body)
        self.optional: frozenset[str] = frozenset()  # facts a fast body may find missing
        self.known: set[str] = set()  # locals and constants that are never `U`

    def begin(self, fast: bool, depth: int = 1, optional: frozenset[str] = frozenset()) -> None:
        """Start a new function body: no facts fetched yet, only constants known.

        In a fast body every fact is present except those in `optional`.
        """
        self.lines, self.facts, self.parts, self.depth, self.fast = [], {}, {}, depth, fast
        self.optional = optional
        self.known = {f"k{i}" for i in range(len(self.consts))}

    def const(self, value: object) -> str:
        """The name bound to `value` (shared by equal values of the same type)."""
        key = (type(value), value)
        try:
            name = self._const_ids.get(key)
        except TypeError:  # unhashable: never shared
            name = None
        if name is None:
            name = f"k{len(self.consts)}"
            self.consts.append(value)
            self.known.add(name)
            with contextlib.suppress(TypeError):
                self._const_ids[key] = name
        return name

    def tmp(self) -> str:
        self.ntmp += 1
        return f"t{self.ntmp}"

    def known_tmp(self) -> str:
        t = self.tmp()
        self.known.add(t)
        return t

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def fact(self, name: str) -> str:
        """The local holding fact `name` (fetched by the body's prologue)."""
        local = self.facts.get(name)
        if local is None:
            local = self.facts[name] = f"f{len(self.facts)}"
        if self.fast and name not in self.optional:
            self.known.add(local)
        return local

    def fact_parts(self, name: str) -> tuple[str, str]:
        """Locals holding the numerator and denominator of a numeric fact (fast bodies)."""
        parts = self.parts.get(name)
        if parts is None:
            local = self.fact(name)
            parts = self.parts[name] = (local + "n", local + "d")
            if local in self.known:
                self.known.update(parts)
        return parts

    def prologue(self) -> list[str]:
        """Lines splitting each numeric fact a fast body reads into its integer parts
        (an optional fact that is missing is `U`, with denominator 1)."""
        n, d = SLOTS
        lines = []
        for name, (pn, pd) in self.parts.items():
            f = self.facts[name]
            if name in self.optional:
                lines.append(f"{pn}, {pd} = (U, 1) if {f} is U else ({f}.{n}, {f}.{d})")
            else:
                lines.append(f"{pn} = {f}.{n}; {pd} = {f}.{d}")
        return lines

    def all_known(self, *names: str) -> bool:
        return all(n in self.known for n in names)

    def is_one(self, name: str | None) -> bool:
        """True when `name` is a constant holding the integer 1 (a factor to leave out)."""
        if name is None or not name.startswith("k") or not name[1:].isdigit():
            return False
        value = self.consts[int(name[1:])]
        return type(value) is int and value == 1


def build(src: Source, lines: list[str], result: str, filename: str) -> tuple[object, str]:
    """Compile generated function definitions; returns the value of `result` and the source.

    `lines` (indented one level) may refer to the constants of `src` (`k0`, …), `U`,
    `NotInForce`, `Fraction` and the builtins in `BUILTINS`, nothing else.
    """
    consts = "".join(f"k{i}, " for i in range(len(src.consts)))
    text = ["def _factory(K, U, NotInForce, Fraction):"]
    if consts:
        text.append(f"    ({consts}) = K")
    text += ["    " + line for line in lines]
    text.append(f"    return {result}")
    source = "\n".join(text)
    namespace: dict[str, object] = {"__builtins__": dict(BUILTINS)}
    exec(compile(source + "\n", filename, "exec"), namespace)  # noqa: S102 - no policy text in it
    return namespace["_factory"](tuple(src.consts), U, NotInForce, Fraction), source  # type: ignore[operator]


class ExprGen:
    """Emits statements computing one expression as the reference's value; returns the
    name holding it (`U` when unknown)."""

    def __init__(self, src: Source, year: int):
        self.src = src
        self.year = year

    def __call__(self, e: ir.Expr) -> str:
        return getattr(self, "_" + type(e).__name__)(e)

    def _Const(self, e: ir.Const) -> str:
        return self.src.const(e.value)

    def _Fact(self, e: ir.Fact) -> str:
        return self.src.fact(e.name)

    def _Arith(self, e: ir.Arith) -> str:
        folded = fold(e)
        if folded is not None:
            return self.src.const(folded)
        a, b = self(e.left), self(e.right)
        if e.op != "/" and self.src.all_known(a, b):
            t = self.src.known_tmp()
            self.src.emit(f"{t} = {a} {ARITHMETIC[e.op]} {b}")
            return t
        t, emit = self.src.tmp(), self.src.emit
        emit(f"if {a} is U or {b} is U: {t} = U")
        if e.op == "/":
            emit(f"elif {b} == 0: {t} = U")
            emit(f"else: {t} = Fraction({a}) / {b}")
        else:
            emit(f"else: {t} = {a} {ARITHMETIC[e.op]} {b}")
        return t

    def _Neg(self, e: ir.Neg) -> str:
        a = self(e.operand)
        return self.guarded([a], f"-{a}")

    def _Func(self, e: ir.Func) -> str:
        args = [self(a) for a in e.args]
        if e.name in ("min", "max"):
            call = f"{e.name}({', '.join(args)})"
        elif e.name in ROUNDING:
            call = f"{self.src.const(ROUNDING[e.name])}({args[0]})"
        elif e.name == "abs":
            call = f"abs({args[0]})"
        else:
            raise ValueError(f"unknown function `{e.name}`")
        return self.guarded(args, call)

    def _Cmp(self, e: ir.Cmp) -> str:
        if isinstance(e.left.type, ir.Num) and isinstance(e.right.type, ir.Num):
            return self._num_cmp(e)
        a, b = self(e.left), self(e.right)
        return self.guarded([a, b], f"{a} {COMPARISONS[e.op]} {b}")

    @staticmethod
    def _comparison(op: str, a: str, b: str) -> str:
        return f"{a} {COMPARISONS[op]} {b}"

    def guarded(self, operands: list[str], value: str) -> str:
        """`t = value`, or `U` when any operand is unknown (checked only if it can be)."""
        src = self.src
        maybe = [x for x in operands if x not in src.known]
        if not maybe:
            t = src.known_tmp()
            src.emit(f"{t} = {value}")
        else:
            t = src.tmp()
            src.emit(f"{t} = U if {' or '.join(f'{x} is U' for x in maybe)} else {value}")
        return t

    def _parts(self, name: str, e: ir.Expr) -> tuple[str, str | None]:
        """Numerator and denominator of a value as source (None: the denominator is 1)."""
        if isinstance(e, ir.Const) and isinstance(e.value, Fraction):
            v = e.value
            return self.src.const(v.numerator), (None if v.denominator == 1 else self.src.const(v.denominator))
        return f"{name}.numerator", f"{name}.denominator"

    def _num_cmp(self, e: ir.Cmp) -> str:
        """Exact comparisons of rationals as integer cross-products (denominators are positive)."""
        a, b = self(e.left), self(e.right)
        an, ad = self._parts(a, e.left)
        bn, bd = self._parts(b, e.right)
        return self.guarded([a, b], f"{product(an, bd) or '1'} {COMPARISONS[e.op]} {product(bn, ad) or '1'}")

    def constant(self, e: ir.Expr) -> Fraction | None:
        """The value of `e` when it is the same for every record this year."""
        if isinstance(e, ir.Const) and isinstance(e.value, Fraction):
            return e.value
        if isinstance(e, ir.Arith):
            return fold(e)
        if isinstance(e, ir.Sched):
            chosen = schedule_entry(e, self.year)
            return self.constant(chosen) if chosen is not None else None
        return None

    def _DateShift(self, e: ir.DateShift) -> str:
        a = self(e.operand)
        return self.guarded([a], f"{self.src.const(shifted)}({a}, {e.months}, {e.days})")

    def _EvalDate(self, e: ir.EvalDate) -> str:
        from ..core.dates import day_of

        day = day_of(self.year)
        return self.src.const(day if e.kind == "date" else Fraction(day.year))

    def _Between(self, e: ir.Between) -> str:
        s, lo, hi = self(e.subject), self(e.low), self(e.high)
        if all(isinstance(x.type, ir.Num) for x in (e.subject, e.low, e.high)):
            sn, sd = self._parts(s, e.subject)
            ln, ld = self._parts(lo, e.low)
            hn, hd = self._parts(hi, e.high)
            test = (f"{product(ln, sd) or '1'} <= {product(sn, ld) or '1'} and "
                    f"{product(sn, hd) or '1'} <= {product(hn, sd) or '1'}")
            return self.guarded([s, lo, hi], test)
        return self.guarded([s, lo, hi], f"{lo} <= {s} <= {hi}")

    def _Member(self, e: ir.Member) -> str:
        s = self(e.subject)
        try:
            values: object = frozenset(e.values)
        except TypeError:
            values = tuple(e.values)
        op = "not in" if e.negated else "in"
        return self.guarded([s], f"{s} {op} {self.src.const(values)}")

    def _And(self, e: ir.And) -> str:
        return self._kleene(e, stop="False")

    def _Or(self, e: ir.Or) -> str:
        return self._kleene(e, stop="True")

    def _kleene(self, e: ir.And | ir.Or, stop: str) -> str:
        # As the reference: the left side first; a decisive side wins over an unknown one.
        src = self.src
        other = "True" if stop == "False" else "False"
        a = self(e.left)
        t = src.tmp()
        src.emit(f"if {a} is {stop}: {t} = {stop}")
        src.emit("else:")
        src.depth += 1
        b = self(e.right)
        if src.all_known(a, b):  # `a` is not `stop`, so the value is `b`'s
            src.emit(f"{t} = {b}")
            src.depth -= 1
            src.known.add(t)
            return t
        src.emit(f"if {b} is {stop}: {t} = {stop}")
        src.emit(f"elif {a} is U or {b} is U: {t} = U")
        src.emit(f"else: {t} = {other}")
        src.depth -= 1
        return t

    def _Not(self, e: ir.Not) -> str:
        a = self(e.operand)
        return self.guarded([a], f"not {a}")

    def _Cond(self, e: ir.Cond) -> str:
        src = self.src
        c = self(e.cond)
        t = src.tmp()
        src.emit(f"if {c} is U: {t} = U")
        src.emit(f"elif {c}:")
        src.depth += 1
        then = self(e.then)
        src.emit(f"{t} = {then}")
        src.depth -= 1
        src.emit("else:")
        src.depth += 1
        else_ = self(e.else_)
        src.emit(f"{t} = {else_}")
        src.depth -= 1
        if src.all_known(c, then, else_):
            src.known.add(t)
        return t

    def _Sched(self, e: ir.Sched) -> str:
        chosen = schedule_entry(e, self.year)
        if chosen is None:
            self.src.emit(f"raise NotInForce({self.src.const(e.entries[0][0])})")
            return "U"
        return self(chosen)

    def _Table(self, e: ir.Table) -> str:
        # A one-pass loop keeps the nesting flat however many brackets there are.
        src = self.src
        key = self(e.key)
        t = src.tmp()
        src.emit("while True:")
        src.depth += 1
        src.emit(f"if {key} is U: {t} = U; break")
        for b in e.brackets:
            lo = self(b.low) if b.low is not None else None
            hi = self(b.high) if b.high is not None else None
            bad = " or ".join(f"{x} is U" for x in (lo, hi) if x is not None)
            if bad:
                src.emit(f"if {bad}: {t} = U; break")
            test = (f"{key} in {src.const(frozenset(b.values))}" if b.kind == "in" else
                    " and ".join(bracket_conditions(b.kind, key, lo, hi, self._comparison)) or "True")
            src.emit(f"if {test}:")
            src.depth += 1
            src.emit(f"{t} = {self(b.value)}; break")
            src.depth -= 1
        src.emit(f"{t} = U; break")
        src.depth -= 1
        return t

    def _Agg(self, e: ir.Agg) -> str:
        raise ValueError("aggregates are measured over a population, not per record")

    def _ChildAgg(self, e: ir.ChildAgg) -> str:
        src = self.src
        arg = "None" if e.arg is None else src.const(compile_part_argument(e.arg, self.year))
        # the parts are fetched as a fact is; never a number, they are never split
        parts = src.fact(Parts(e.entity))
        t = src.tmp()
        src.emit(f"{t} = {src.const(part_aggregate)}({src.const(e.kind)}, {parts}, {arg}, env)")
        return t


Pair = tuple[str, str | None]  # names of a numerator and a positive denominator (None: 1)


class RationalGen(ExprGen):
    """`ExprGen` for fast bodies: numbers as integer pairs, never a `Fraction`.

    Every fact the body reads must be present and every number a `Fraction` (its
    parts are read from `Fraction`'s slots, so anything else raises `AttributeError`
    in the prologue). A pair whose numerator is `U` is unknown; its denominator is
    then 1 (bound, so joining branches can copy it) and never used.
    """

    def __call__(self, e: ir.Expr) -> str:
        if isinstance(e.type, ir.Num) and not isinstance(e, ir.Fact | ir.Const):
            # A number needed as a value (a set of numbers): rebuilt from its parts.
            n, d = self.num(e)
            return self.guarded([n], f"Fraction({n}, {d or '1'})")
        return super().__call__(e)

    # ---- numbers -----------------------------------------------------------------

    def num(self, e: ir.Expr) -> Pair:
        """Emit code computing the numeric `e` as an integer pair; returns the pair."""
        return getattr(self, "_n_" + type(e).__name__)(e)

    def _mul(self, *factors: str | None) -> str | None:
        """`product` without factors that are the constant 1."""
        return product(*(f for f in factors if not self.src.is_one(f)))

    def _pair(self, value: Fraction) -> Pair:
        value = Fraction(value)
        d = None if value.denominator == 1 else self.src.const(value.denominator)
        return self.src.const(value.numerator), d

    def _assign(self, n: str, d: str | None, maybe: list[str]) -> Pair:
        """Pair locals holding `n / d`, or `U` when any name in `maybe` is unknown."""
        src = self.src
        maybe = [x for x in maybe if x not in src.known]
        if not maybe:  # a name needs no copy
            tn = n
            if not n.isidentifier():
                tn = src.known_tmp()
                src.emit(f"{tn} = {n}")
            td = d
            if d is not None and not d.isidentifier():
                td = src.tmp()
                src.emit(f"{td} = {d}")
            return tn, td
        tn, td = src.tmp(), (src.tmp() if d is not None else None)
        src.emit(f"if {' or '.join(f'{x} is U' for x in maybe)}: {tn} = U" + (f"; {td} = 1" if td else ""))
        src.emit(f"else: {tn} = {n}" + (f"; {td} = {d}" if td is not None else ""))
        return tn, td

    def _n_Const(self, e: ir.Const) -> Pair:
        return self._pair(e.value)  # type: ignore[arg-type]

    def _n_Fact(self, e: ir.Fact) -> Pair:
        return self.src.fact_parts(e.name)

    def _n_Arith(self, e: ir.Arith) -> Pair:
        folded = fold(e)
        if folded is not None:
            return self._pair(folded)
        if e.op == "/":
            return self._divide(e)
        (an, ad), (bn, bd) = self.num(e.left), self.num(e.right)
        if e.op == "*":
            return self._assign(self._mul(an, bn) or "1", self._mul(ad, bd), [an, bn])
        op = ARITHMETIC[e.op]
        if ad == bd:
            return self._assign(f"{an} {op} {bn}", ad, [an, bn])
        return self._assign(f"{self._mul(an, bd) or '1'} {op} {self._mul(bn, ad) or '1'}", self._mul(ad, bd), [an, bn])

    def _divide(self, e: ir.Arith) -> Pair:
        src = self.src
        c = self.constant(e.right)
        an, ad = self.num(e.left)
        if c is not None and c != 0:  # times the reciprocal, its sign on the numerator
            rn, rd = self._pair(1 / c)
            return self._assign(self._mul(an, rn) or "1", self._mul(ad, rd), [an])
        bn, bd = self.num(e.right)
        tn, td = src.tmp(), src.tmp()
        bad = [f"{x} is U" for x in (an, bn) if x not in src.known] + [f"{bn} == 0"]
        src.emit(f"if {' or '.join(bad)}: {tn} = U; {td} = 1")
        src.emit("else:")
        src.emit(f"    {tn} = {self._mul(an, bd) or '1'}; {td} = {self._mul(ad, bn) or '1'}")
        src.emit(f"    if {td} < 0: {tn} = -{tn}; {td} = -{td}")
        return tn, td

    def _n_Neg(self, e: ir.Neg) -> Pair:
        n, d = self.num(e.operand)
        return self._assign(f"-{n}", d, [n])

    def _n_Func(self, e: ir.Func) -> Pair:
        if e.name in ("min", "max"):
            return self._extreme(e)
        n, d = self.num(e.args[0])
        if e.name in ROUNDING_PARTS:
            if d is None:  # already whole
                return n, None
            return self._assign(ROUNDING_PARTS[e.name].format(n=n, d=d), None, [n])
        if e.name == "abs":
            return self._assign(f"abs({n})", d, [n])
        raise ValueError(f"unknown function `{e.name}`")

    def _extreme(self, e: ir.Func) -> Pair:
        # As `min`/`max` of the reference: the first of equal values (equal anyway).
        src = self.src
        cn, cd = self.num(e.args[0])
        better = "<" if e.name == "min" else ">"
        for arg in e.args[1:]:
            xn, xd = self.num(arg)
            maybe = [x for x in (cn, xn) if x not in src.known]
            tn = src.tmp() if maybe else src.known_tmp()
            td = src.tmp() if cd is not None or xd is not None else None
            if maybe:
                src.emit(f"if {' or '.join(f'{x} is U' for x in maybe)}: {tn} = U" + (f"; {td} = 1" if td else ""))
                src.emit(f"elif {self._mul(xn, cd) or '1'} {better} {self._mul(cn, xd) or '1'}: "
                         f"{tn} = {xn}" + (f"; {td} = {xd or '1'}" if td else ""))
            else:
                src.emit(f"if {self._mul(xn, cd) or '1'} {better} {self._mul(cn, xd) or '1'}: "
                         f"{tn} = {xn}" + (f"; {td} = {xd or '1'}" if td else ""))
            src.emit(f"else: {tn} = {cn}" + (f"; {td} = {cd or '1'}" if td else ""))
            cn, cd = tn, td
        return cn, cd

    def _n_Cond(self, e: ir.Cond) -> Pair:
        src = self.src
        c = self(e.cond)
        tn, td = src.tmp(), src.tmp()
        head = "if"
        if c not in src.known:
            src.emit(f"if {c} is U: {tn} = U; {td} = 1")
            head = "elif"
        branches = []
        for word, part in ((f"{head} {c}:", e.then), ("else:", e.else_)):
            src.emit(word)
            src.depth += 1
            n, d = self.num(part)
            src.emit(f"{tn} = {n}; {td} = {d or '1'}")
            src.depth -= 1
            branches.append(n)
        if src.all_known(c, *branches):
            src.known.add(tn)
        return tn, td

    def _n_Sched(self, e: ir.Sched) -> Pair:
        chosen = schedule_entry(e, self.year)
        if chosen is None:
            self.src.emit(f"raise NotInForce({self.src.const(e.entries[0][0])})")
            return "U", None
        return self.num(chosen)

    def _n_Table(self, e: ir.Table) -> Pair:
        # A one-pass loop keeps the nesting flat however many brackets there are.
        src = self.src
        if isinstance(e.key.type, ir.Num):
            kn, kd = self.num(e.key)
        else:  # a text or enum key: its brackets name categories
            kn, kd = self(e.key), None
        tn, td = src.tmp(), src.tmp()
        known = kn in src.known
        src.emit("while True:")
        src.depth += 1
        if not known:
            src.emit(f"if {kn} is U: {tn} = U; {td} = 1; break")
        for b in e.brackets:
            lo = self.num(b.low) if b.low is not None else None
            hi = self.num(b.high) if b.high is not None else None
            bad = [x[0] for x in (lo, hi) if x is not None and x[0] not in src.known]
            if bad:
                known = False
                src.emit(f"if {' or '.join(f'{x} is U' for x in bad)}: {tn} = U; {td} = 1; break")
            test = (f"{kn} in {src.const(frozenset(b.values))}" if b.kind == "in"
                    else self._bracket_test(b.kind, (kn, kd), lo, hi))
            if test != "True":
                src.emit(f"if {test}:")
                src.depth += 1
            vn, vd = self.num(b.value)
            known = known and vn in src.known
            src.emit(f"{tn} = {vn}; {td} = {vd or '1'}; break")
            if test != "True":
                src.depth -= 1
        if e.brackets and e.brackets[-1].kind == "else":
            if known:
                src.known.add(tn)
        else:
            src.emit(f"{tn} = U; {td} = 1; break")
        src.depth -= 1
        return tn, td

    def _bracket_test(self, kind: str, key: Pair, lo: Pair | None, hi: Pair | None) -> str:
        def cmp(op: str, a: Pair, b: Pair) -> str:  # n1/d1 op n2/d2 as n1*d2 op n2*d1 (d > 0)
            return f"{self._mul(a[0], b[1]) or '1'} {COMPARISONS[op]} {self._mul(b[0], a[1]) or '1'}"

        return " and ".join(bracket_conditions(kind, key, lo, hi, cmp)) or "True"

    def _n_Agg(self, e: ir.Agg) -> Pair:
        raise ValueError("aggregates are measured over a population, not per record")

    def _n_ChildAgg(self, e: ir.ChildAgg) -> Pair:
        t = self._ChildAgg(e)
        tn, td = self.src.tmp(), self.src.tmp()
        self.src.emit(f"if {t} is U: {tn} = U; {td} = 1")
        self.src.emit(f"else: {tn} = {t}.numerator; {td} = {t}.denominator")
        return tn, td

    # ---- conditions over numbers ---------------------------------------------------

    def _num_cmp(self, e: ir.Cmp) -> str:
        a, b = self.num(e.left), self.num(e.right)
        return self.guarded([a[0], b[0]], f"{self._mul(a[0], b[1]) or '1'} {COMPARISONS[e.op]} "
                                          f"{self._mul(b[0], a[1]) or '1'}")

    def _Between(self, e: ir.Between) -> str:
        if not all(isinstance(x.type, ir.Num) for x in (e.subject, e.low, e.high)):
            return super()._Between(e)
        s, lo, hi = self.num(e.subject), self.num(e.low), self.num(e.high)
        test = self._bracket_test("range", s, lo, hi)
        return self.guarded([s[0], lo[0], hi[0]], test)


__all__ = ["ARITHMETIC", "BUILTINS", "COMPARISONS", "ROUNDING", "ROUNDING_PARTS", "U", "ExprGen",
           "RationalGen", "Source", "Unknown", "build", "ceil_value", "floor_value", "fold", "product"]
