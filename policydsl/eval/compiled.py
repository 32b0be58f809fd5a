"""The compiled per-record evaluator: a checked policy turned into Python functions.

For each year a policy is compiled once into one function that computes every
per-record verdict, plus one function per scope, group and aggregate argument of
the targets. The functions are generated as Python source and compiled in-process,
but no policy text ever enters that source: every name, literal and threshold is a
closure variable (`k0`, `k1`, …) bound to its exact value, and operators come from a
fixed table. Values stay exact (`Fraction`); `U` stands for any unknown value,
because a verdict only needs to know *that* a value is unknown.

`verdicts` has two bodies. The usual record has every fact the rules read, so one
`itemgetter` call fetches them all and the body skips every unknown-check that
cannot fire (a fact or constant is never unknown; `+ - *`, comparisons and logic
of known values are known). Exact comparisons read `Fraction`'s numerator and
denominator slots directly. A record missing a fact, or holding a value that is
not a `Fraction`, runs the general body, which checks everything.

Explanations are not generated: an outcome's text comes from `judge.judge_record`,
the reference, memoised per rule on the values of the facts that rule reads (an
explanation depends on nothing else), so identical outcomes are built once.
"""

from __future__ import annotations

import contextlib
import math
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from fractions import Fraction

from .. import ir
from ..data.validate import Record
from ..results import EXEMPTED, FAIL, NOT_APPLICABLE, PASS, UNKNOWN, RecordResult, TargetResult
from .engine import ENGINES
from .judge import judge_record
from .values import NotInForce

_CMP = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "=": "==", "!=": "!="}
_ARITH = {"+": "+", "-": "-", "*": "*"}
CACHE_LIMIT = 50_000  # memoised outcomes per rule before the memo is cleared
# `Fraction` keeps its parts in these slots (CPython 3.11-3.13); its `numerator`
# property costs a Python call per read, which exact comparisons do four times.
_SLOTS = ("_numerator", "_denominator")
if not all(hasattr(Fraction(1, 2), a) for a in _SLOTS):  # pragma: no cover - other Pythons
    _SLOTS = ("numerator", "denominator")


class _Unknown:
    """The one unknown value of compiled code."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "U"


U = _Unknown()


def _floor(x, scale):
    return Fraction(math.floor(Fraction(x) / scale)) * scale


def _ceil(x, scale):
    return Fraction(math.ceil(Fraction(x) / scale)) * scale


class _Source:
    """Python source being generated, and the constants it refers to by name only."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0
        self.consts: list[object] = []
        self._const_ids: dict[tuple, str] = {}
        self.ntmp = 0
        self.facts: dict[str, str] = {}  # fact name -> local holding its value
        self.fast = False  # facts are known to be present (the fast body of `verdicts`)
        self.known: set[str] = set()  # locals and constants that are never `U`

    def begin(self, fast: bool) -> None:
        """Start a new function body: no facts fetched yet, only constants known."""
        self.lines, self.facts, self.depth, self.fast = [], {}, 1, fast
        self.known = {f"k{i}" for i in range(len(self.consts))}

    def const(self, value: object) -> str:
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

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def fact(self, name: str) -> str:
        local = self.facts.get(name)
        if local is None:
            local = self.facts[name] = f"f{len(self.facts)}"
        if self.fast:
            self.known.add(local)
        return local

    def all_known(self, *names: str) -> bool:
        return all(n in self.known for n in names)

    def known_tmp(self) -> str:
        t = self.tmp()
        self.known.add(t)
        return t


class _ExprGen:
    """Emits statements computing one expression; returns the name holding its value."""

    def __init__(self, src: _Source, year: int):
        self.src = src
        self.year = year

    def __call__(self, e: ir.Expr) -> str:
        return getattr(self, "_" + type(e).__name__)(e)

    # Every generated value is a local name or a constant; `U` marks unknown.

    def _Const(self, e: ir.Const) -> str:
        return self.src.const(e.value)

    def _Fact(self, e: ir.Fact) -> str:
        return self.src.fact(e.name)

    def _Arith(self, e: ir.Arith) -> str:
        folded = _fold(e)
        if folded is not None:
            return self.src.const(folded)
        a, b = self(e.left), self(e.right)
        if e.op != "/" and self.src.all_known(a, b):
            t = self.src.known_tmp()
            self.src.emit(f"{t} = {a} {_ARITH[e.op]} {b}")
            return t
        t, emit = self.src.tmp(), self.src.emit
        emit(f"if {a} is U or {b} is U: {t} = U")
        if e.op == "/":
            emit(f"elif {b} == 0: {t} = U")
            emit(f"else: {t} = Fraction({a}) / {b}")
        else:
            emit(f"else: {t} = {a} {_ARITH[e.op]} {b}")
        return t

    def _Neg(self, e: ir.Neg) -> str:
        a = self(e.operand)
        if self.src.all_known(a):
            t = self.src.known_tmp()
            self.src.emit(f"{t} = -{a}")
            return t
        t = self.src.tmp()
        self.src.emit(f"{t} = U if {a} is U else -{a}")
        return t

    def _Func(self, e: ir.Func) -> str:
        args = [self(a) for a in e.args]
        known = self.src.all_known(*args)
        t = self.src.known_tmp() if known else self.src.tmp()
        unknown = " or ".join(f"{a} is U" for a in args)
        if e.name in ("min", "max"):
            call = f"{e.name}({', '.join(args)})"
        elif e.name in ("floor", "ceil"):
            scale = e.type.scale if isinstance(e.type, ir.Num) else 1
            call = f"_{e.name}({args[0]}, {self.src.const(scale)})"
        elif e.name == "abs":
            call = f"abs({args[0]})"
        else:
            raise ValueError(f"unknown function `{e.name}`")
        self.src.emit(f"{t} = {call}" if known else f"{t} = U if {unknown} else {call}")
        return t

    def _Cmp(self, e: ir.Cmp) -> str:
        if isinstance(e.left.type, ir.Num) and isinstance(e.right.type, ir.Num):
            return self._num_cmp(e)
        a, b = self(e.left), self(e.right)
        op = _CMP[e.op]
        return self._guarded([a, b], f"{a} {op} {b}")

    def _guarded(self, operands: list[str], value: str) -> str:
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
        """Numerator and denominator of a numeric value as source (None: the denominator is 1)."""
        if isinstance(e, ir.Const) and isinstance(e.value, Fraction):
            v = e.value
            return self.src.const(v.numerator), (None if v.denominator == 1 else self.src.const(v.denominator))
        n, d = _SLOTS if self.src.fast else ("numerator", "denominator")
        return f"{name}.{n}", f"{name}.{d}"

    def _num_cmp(self, e: ir.Cmp) -> str:
        """Exact comparisons of rationals as integer cross-products (denominators are positive)."""
        src = self.src
        op = _CMP[e.op]
        scaled = self._scaled(e.right)
        if scaled is not None:  # a OP c * x  <=>  a.n * x.d * c.d  OP  c.n * x.n * a.d
            c, x = scaled
            a, b = self(e.left), self(x)
            an, ad = self._parts(a, e.left)
            bn, bd = self._parts(b, x)
            lhs = [an, bd, None if c.denominator == 1 else src.const(c.denominator)]
            rhs = [None if c.numerator == 1 else src.const(c.numerator), bn, ad]
        else:
            a, b = self(e.left), self(e.right)
            an, ad = self._parts(a, e.left)
            bn, bd = self._parts(b, e.right)
            lhs, rhs = [an, bd], [bn, ad]
        return self._guarded([a, b], f"{_product(lhs)} {op} {_product(rhs)}")

    def _scaled(self, e: ir.Expr) -> tuple[Fraction, ir.Expr] | None:
        """`c * x` with `c` a constant this year (`85% of wage`, `1 worker per 400 households`)."""
        if not (isinstance(e, ir.Arith) and e.op == "*"):
            return None
        for c, x in ((e.left, e.right), (e.right, e.left)):
            value = self._constant(c)
            if value is not None:
                return value, x
        return None

    def _constant(self, e: ir.Expr) -> Fraction | None:
        if isinstance(e, ir.Const) and isinstance(e.value, Fraction):
            return e.value
        if isinstance(e, ir.Arith):
            return _fold(e)
        if isinstance(e, ir.Sched):
            chosen = None
            for y, value in e.entries:
                if y <= self.year:
                    chosen = value
            return self._constant(chosen) if chosen is not None else None
        return None

    def _Between(self, e: ir.Between) -> str:
        s, lo, hi = self(e.subject), self(e.low), self(e.high)
        if all(isinstance(x.type, ir.Num) for x in (e.subject, e.low, e.high)):
            sn, sd = self._parts(s, e.subject)
            ln, ld = self._parts(lo, e.low)
            hn, hd = self._parts(hi, e.high)
            test = (f"{_product([ln, sd])} <= {_product([sn, ld])} and "
                    f"{_product([sn, hd])} <= {_product([hn, sd])}")
            return self._guarded([s, lo, hi], test)
        return self._guarded([s, lo, hi], f"{lo} <= {s} <= {hi}")

    def _Member(self, e: ir.Member) -> str:
        s = self(e.subject)
        try:
            values: object = frozenset(e.values)
        except TypeError:
            values = tuple(e.values)
        op = "not in" if e.negated else "in"
        return self._guarded([s], f"{s} {op} {self.src.const(values)}")

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
        return self._guarded([a], f"not {a}")

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
        chosen = None
        for y, value in e.entries:
            if y <= self.year:
                chosen = value
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
            test = {"below": f"{key} < {hi}", "above": f"{key} > {lo}", "from": f"{key} >= {lo}",
                    "range": f"{lo} <= {key} <= {hi}", "else": "True"}[b.kind]
            src.emit(f"if {test}:")
            src.depth += 1
            src.emit(f"{t} = {self(b.value)}; break")
            src.depth -= 1
        src.emit(f"{t} = U; break")
        src.depth -= 1
        return t

    def _Agg(self, e: ir.Agg) -> str:
        raise ValueError("aggregates are measured over a population, not per record")


def _product(factors: list[str | None]) -> str:
    """Source multiplying the factors that are not None (a factor of 1 is None)."""
    present = [f for f in factors if f is not None]
    return " * ".join(present) if present else "1"


def _fold(e: ir.Arith) -> Fraction | None:
    """Constant arithmetic, done once (`20 m2 per 100 households` is one number)."""
    if not (isinstance(e.left, ir.Const) and isinstance(e.right, ir.Const)):
        return None
    a, b = e.left.value, e.right.value
    if not isinstance(a, Fraction) or not isinstance(b, Fraction):
        return None
    if e.op == "/":
        return None if b == 0 else a / b
    return {"+": a + b, "-": a - b, "*": a * b}[e.op]


def _rule_facts(rule: ir.Rule) -> tuple[str, ...]:
    names: dict[str, None] = {}
    for part in (rule.scope, rule.condition):
        if part is not None:
            for x in ir.walk(part):
                if isinstance(x, ir.Fact):
                    names[x.name] = None
    return tuple(sorted(names))


def _has_sched(e: ir.Expr | None) -> bool:
    return e is not None and any(isinstance(x, ir.Sched) for x in ir.walk(e))


class Program:
    """A policy compiled for one year: `verdicts(env, exemptions)` and the target functions."""

    def __init__(self, policy: ir.Policy, year: int):
        self.policy = policy
        self.year = year
        src = _Source()
        gen = _ExprGen(src, year)
        general = self._verdicts(src, gen, "general", fast=False)
        fast = self._verdicts(src, gen, "verdicts", fast=True)
        self.value_names: list[str] = []
        extra: list[str] = []
        self.value_exprs: list[ir.Expr] = []
        for e in self._target_parts(policy):
            extra += self._value_function(src, gen, e)
        consts = ", ".join(f"k{i}" for i in range(len(src.consts)))
        lines = ["def _factory(K, U, NotInForce, Fraction, _floor, _ceil):"]
        if consts:
            lines.append(f"    ({consts},) = K")
        lines += ["    " + line for line in general + fast + extra]
        lines.append(f"    return verdicts, ({''.join(n + ', ' for n in self.value_names)})")
        builtins = {"min": min, "max": max, "abs": abs, "KeyError": KeyError,
                    "AttributeError": AttributeError}
        namespace: dict[str, object] = {"__builtins__": builtins}
        code = compile("\n".join(lines) + "\n", "<policydsl compiled policy>", "exec")
        exec(code, namespace)  # noqa: S102 - generated from the IR; no policy text in the source
        self.verdicts, functions = namespace["_factory"](  # type: ignore[operator]
            tuple(src.consts), U, NotInForce, Fraction, _floor, _ceil)
        self.value_of = dict(zip(self.value_exprs, functions, strict=True))
        self.source = "\n".join(lines)

    def _verdicts(self, src: _Source, gen: _ExprGen, name: str, fast: bool) -> list[str]:
        """The source of one verdicts function; the fast one falls back to `general`."""
        src.begin(fast)
        outs = [self._rule(src, gen, i, rule) for i, rule in enumerate(self.policy.rules)]
        body, facts = src.lines, src.facts
        result = f"    return ({''.join(o + ', ' for o in outs)})"
        if not fast:
            fetch = [f"    {local} = env.get({src.const(n)}, U)" for n, local in facts.items()]
            return [f"def {name}(env, ex):", *fetch, *body, result]
        fetch = []
        if facts:
            names = list(facts)
            get = operator.itemgetter(*names) if len(names) > 1 else operator.itemgetter(names[0], names[0])
            locals_ = "".join(f"{facts[n]}, " for n in names)
            fetch = ["    try:", f"        ({locals_}{'_, ' if len(names) == 1 else ''}) = {src.const(get)}(env)",
                     "    except KeyError:", "        return general(env, ex)"]
        # A value without Fraction's slots (an int given in memory): the general body.
        return [f"def {name}(env, ex):", *fetch, "    try:",
                *("    " + line for line in body or ["    pass"]), "    except AttributeError:",
                "        return general(env, ex)", result]

    def _rule(self, src: _Source, gen: _ExprGen, i: int, rule: ir.Rule) -> str:
        out = f"o{i}"
        start, end = rule.years
        if not start <= self.year <= end:
            return src.const(NOT_APPLICABLE)
        guarded = _has_sched(rule.scope) or _has_sched(rule.condition)
        emit = src.emit
        if guarded:
            emit("try:")
            src.depth += 1
        depth = src.depth
        if rule.scope is not None:
            s = gen(rule.scope)
            if s not in src.known:
                emit(f"if {s} is U: {out} = {src.const(UNKNOWN)}")
                emit(f"elif {s} is False: {out} = {src.const(NOT_APPLICABLE)}")
            else:
                emit(f"if {s} is False: {out} = {src.const(NOT_APPLICABLE)}")
            emit("else:")
            src.depth += 1
        if rule.modality == "in_principle" and rule.clauses:
            test = " or ".join(f"{src.const(c)} in ex" for c in rule.clauses)
            emit(f"if ex and ({test}): {out} = {src.const(EXEMPTED)}")
            emit("else:")
            src.depth += 1
        v = gen(rule.condition)
        verdict = f"{src.const(PASS)} if {v} else {src.const(FAIL)}"
        emit(f"{out} = {verdict}" if v in src.known else f"{out} = {src.const(UNKNOWN)} if {v} is U else ({verdict})")
        src.depth = depth
        if guarded:
            src.depth -= 1
            emit(f"except NotInForce: {out} = {src.const(NOT_APPLICABLE)}")
        return out

    @staticmethod
    def _target_parts(policy: ir.Policy) -> list[ir.Expr]:
        parts: dict[ir.Expr, None] = {}
        for rule in policy.targets:
            if rule.scope is not None:
                parts[rule.scope] = None
            for x in ir.walk(rule.condition):
                if isinstance(x, ir.Agg) and x.arg is not None:
                    parts[x.arg] = None
        return list(parts)

    def _value_function(self, src: _Source, gen: _ExprGen, e: ir.Expr) -> list[str]:
        name = f"value{len(self.value_names)}"
        self.value_names.append(name)
        self.value_exprs.append(e)
        src.begin(fast=False)
        result = gen(e)
        fetch = [f"    {local} = env.get({src.const(n)}, U)" for n, local in src.facts.items()]
        out = [f"def {name}(env):", *fetch, *src.lines, f"    return {result}"]
        return out


class CompiledEngine:
    """Per-record evaluation through generated functions; results equal the reference's."""

    name = "compiled"

    def __init__(self, policy: ir.Policy):
        self.policy = policy
        self._programs: dict[int, Program] = {}
        self._keys = [(_rule_facts(r), r.clauses if r.modality == "in_principle" else ())
                      for r in policy.rules]
        self._memo: list[dict] = [{} for _ in policy.rules]

    def program(self, year: int) -> Program:
        """The policy compiled for `year` (compiled on first use, then kept)."""
        prog = self._programs.get(year)
        if prog is None:
            prog = self._programs[year] = Program(self.policy, year)
        return prog

    def verdicts(self, values: Mapping[str, object], exemptions: Mapping[str, str], year: int) -> tuple[str, ...]:
        """The outcome of every per-record rule (`pass`, `fail`, …), without explanations."""
        return self.program(year).verdicts(values, exemptions)

    def outcome(self, i: int, values: Mapping[str, object], exemptions: Mapping[str, str], year: int):
        """The full outcome of rule `i`, memoised on the facts the rule reads."""
        facts, clauses = self._keys[i]
        key = (year, tuple([values.get(f, U) for f in facts]),
               tuple([exemptions.get(c) for c in clauses]) if clauses else ())
        memo = self._memo[i]
        hit = memo.get(key)
        if hit is None:
            if len(memo) >= CACHE_LIMIT:
                memo.clear()
            hit = memo[key] = judge_record(self.policy.rules[i], values, exemptions, year)
        return hit

    def record(self, record: Record, year: int) -> RecordResult:
        values, ex = record.values, record.exemptions
        outcomes = tuple(self.outcome(i, values, ex, year) for i in range(len(self.policy.rules)))
        return RecordResult(record.id, outcomes, record.errors)

    def records(self, records: Iterable[Record], year: int) -> Iterator[RecordResult]:
        for record in records:
            yield self.record(record, year)

    def targets(self, records: Sequence[Record], year: int) -> list[TargetResult]:
        from .population import TargetStats

        stats = TargetStats(self.policy, year)
        stats.add_records(self.program(year), records)
        return stats.results()


ENGINES["compiled"] = CompiledEngine
