"""The solver encoding of a policy: the only module that imports z3.

One symbolic record per `Encoding`, for one year. Every fact is a z3 constant:

- bool facts are `Bool`; enum facts are `Int` ordinals; text facts are `Int` indices into
  `texts` (every text constant the policy mentions, then one value the policy never
  mentions, `OTHER`); integer facts are `Int`s counted in the fact's declared unit;
  decimal facts are `Real`s. Numeric terms (`num`) are always `Real`s in canonical base
  units, exactly as the reference interpreter holds them; constants are exact rationals.
- an optional fact has a presence `Bool`; a required fact is always present.
- the fact declarations (`>= 0`, `<= staff_count`, `in regions`) are `domain()`.

Expressions are encoded three-valued, like the interpreter's Kleene logic: `holds(e)`
is "certainly true", `fails(e)` is "certainly false", neither is "unknown"; numbers
carry a definedness condition (present facts, no division by zero, a matching bracket).
Schedules are resolved for the encoding's year; a schedule with no entry for the year
raises `NotInForce`, and `in_force(rule)` turns that into "not in force".

Records are named by a prefix, so two encodings with the same prefix in different years
share their variables: that is how one record is compared across years.

`Population` is a symbolic population for targets: `kinds` symbolic records, each with a
whole multiplicity `m_k >= 0`, so counts and shares are linear in the multiplicities
and a population of any size (not only a small one) is represented. Sums are products of
a multiplicity and a value, which is non-linear; the solver may then answer "unknown".

Questions are asked through a small query layer, in the style of Cedar's `check_implies`
and `check_equivalent` with counterexamples: `satisfiable`, `implies`, `equivalent` and
`unsat_core` answer `Sat(witness)`, `Unsat(core)` or `Unknown(reason)` (a timeout is never
read as "impossible"), and `search` asks with soft preferences first, then turns the model
into records and replays them before answering `Sat`. `witness_to_record` turns a model into
a record the evaluator accepts (`Policy.evaluate_record`), in declared units.

Nothing else in the package imports z3: the checks, the semantic diff and `testing` build
their questions from the methods here and the combinators `all_of`, `any_of`, `negate`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction

import attrs
import z3

from ..core import ir
from ..eval.reference import schedule_entry
from ..eval.values import NotInForce, exact_text, int_of_text, int_text

OTHER = "other"
DEFAULT_TIMEOUT_MS = 5000
PREFER_TIMEOUT_MS = 500  # soft preferences are tried briefly, then dropped
MAX_POPULATION = 1000  # bounds the size of a witness population

TRUE = z3.BoolVal(True)
FALSE = z3.BoolVal(False)


def _connective(make, slow):
    """`z3.And` / `z3.Or` for arguments that are already boolean terms, without z3's
    argument coercion (sorts looked up and cast per argument), which was a third of the
    analysis's time; the term built is the same. Anything else goes to z3's own."""

    def build(*args):
        if len(args) == 1 and isinstance(args[0], list | tuple):
            args = args[0]
        if not args or not all(isinstance(a, z3.BoolRef) for a in args):
            return slow(*args)
        ctx = args[0].ctx
        return z3.BoolRef(make(ctx.ref(), len(args), (z3.Ast * len(args))(*(a.as_ast() for a in args))), ctx)

    return build


_and = _connective(z3.Z3_mk_and, z3.And)
_or = _connective(z3.Z3_mk_or, z3.Or)


def _not(a):
    """`z3.Not` without the cast, for a boolean term (the same term)."""
    if isinstance(a, z3.BoolRef):
        return z3.BoolRef(z3.Z3_mk_not(a.ctx.ref(), a.as_ast()), a.ctx)
    return z3.Not(a)


_STR_SAFE = 10**4000  # below the 4300-digit int-to-string limit, computed once


_Q_CACHE: dict[Fraction, z3.ArithRef] = {}


def Q(value: Fraction | int) -> z3.ArithRef:
    """An exact rational constant (z3 builds one from text, slowly: the same value is kept)."""
    f = Fraction(value)
    cached = _Q_CACHE.get(f)
    if cached is not None:
        return cached
    if len(_Q_CACHE) > 100_000:
        _Q_CACHE.clear()
    _Q_CACHE[f] = q = _q(f)
    return q


def _q(f: Fraction) -> z3.ArithRef:
    if -_STR_SAFE < f.numerator < _STR_SAFE and f.denominator < _STR_SAFE:
        return z3.Q(f.numerator, f.denominator)
    # z3 reads numbers as text, and `str()` of an int stops at 4300 digits.
    return z3.RealVal(f"{int_text(f.numerator)}/{int_text(f.denominator)}")


class Ratio:
    """`num / den` kept apart so comparisons can be cross-multiplied (linear) instead of divided."""

    __slots__ = ("num", "den")

    def __init__(self, num: z3.ArithRef, den: z3.ArithRef):
        self.num = num
        self.den = den

    def term(self) -> z3.ArithRef:
        return self.num / self.den


Numeric = z3.ArithRef | Ratio  # a number in the solver: a term, or an exact ratio kept apart


# Why a rule over the parts of a record is undecided: the solver sees one record at a time.
_PARTS = "`{}` aggregates over the parts of a record, which the solver does not reason about"


def text_constants(policy: ir.Policy) -> list[str]:
    """Every text value the policy mentions, sorted, then a value it never mentions."""
    found: set[str] = set()
    exprs: list[ir.Expr] = []
    for fact in policy.facts:
        if fact.type == ir.TEXT and fact.allowed:
            found.update(v for v in fact.allowed if isinstance(v, str))
        exprs.extend(fact.constraints)
    for rule in policy.all_rules:
        exprs.append(rule.condition)
        if rule.scope is not None:
            exprs.append(rule.scope)
        if rule.group is not None and policy.fact(rule.group.fact).type == ir.TEXT:
            found.update(v for v in (rule.group.values or ()) if isinstance(v, str))
    for e in exprs:
        for x in ir.walk(e):
            if isinstance(x, ir.Const) and isinstance(x.value, str):
                found.add(x.value)
            elif isinstance(x, ir.Member) and x.subject.type == ir.TEXT:
                found.update(v for v in x.values if isinstance(v, str))
            elif isinstance(x, ir.Table) and x.key.type == ir.TEXT:
                found.update(v for b in x.brackets for v in b.values if isinstance(v, str))
    return text_index(found)


def text_index(found: Iterable[str]) -> list[str]:
    """The text values, sorted, then one value none of them is (`OTHER`, lengthened until so)."""
    found = set(found)
    other = OTHER
    while other in found:
        other += "_"
    return sorted(found) + [other]


class Encoding:
    """One symbolic record of `policy` in `year`; variables are named `<prefix>.<fact>`."""

    def __init__(self, policy: ir.Policy, year: int, prefix: str = "r",
                 texts: Sequence[str] | None = None):
        self.policy = policy
        self.year = year
        self.prefix = prefix
        self.texts = list(texts) if texts is not None else text_constants(policy)
        self.value: dict[str, z3.ExprRef] = {}  # canonical value: Real, Bool, or Int ordinal/index
        self.raw: dict[str, z3.ExprRef] = {}  # the solver constant itself
        self.present: dict[str, z3.BoolRef] = {}
        for fact in policy.facts:
            self._declare(fact)
        self._bool_memo: dict[int, tuple[z3.BoolRef, z3.BoolRef]] = {}
        self._num_memo: dict[int, tuple[Numeric, z3.BoolRef]] = {}
        self._domain: list[z3.BoolRef] | None = None

    # ---- variables and their domain ----------------------------------------------

    def _declare(self, fact: ir.FactDef) -> None:
        name = f"{self.prefix}.{fact.name}"
        t = fact.type
        if fact.kind == "bool":
            v = z3.Bool(name)
            self.raw[fact.name] = self.value[fact.name] = v
        elif fact.kind in ("enum", "text"):
            v = z3.Int(name)
            self.raw[fact.name] = self.value[fact.name] = v
        elif fact.kind == "integer":
            v = z3.Int(name)
            self.raw[fact.name] = v
            self.value[fact.name] = z3.ToReal(v) * Q(t.scale)  # type: ignore[union-attr]
        else:
            v = z3.Real(name)
            self.raw[fact.name] = self.value[fact.name] = v
        self.present[fact.name] = z3.Bool(f"{name}?") if fact.optional else TRUE

    def domain(self) -> list[z3.BoolRef]:
        """The fact declarations: ranges of enums and texts, declared sets and bounds."""
        if self._domain is None:
            self._domain = self._make_domain()
        return list(self._domain)

    def _make_domain(self) -> list[z3.BoolRef]:
        out: list[z3.BoolRef] = []
        last_text = len(self.texts) - 1
        for fact in self.policy.facts:
            v = self.raw[fact.name]
            if fact.kind == "enum":
                out.append(_and(v >= 0, v < len(fact.type.members)))  # type: ignore[union-attr]
            elif fact.kind == "text":
                out.append(_and(v >= 0, v <= last_text))
            for check in fact.constraints:
                # The validator drops a present value only when the check is certainly false.
                out.append(z3.Implies(self.present[fact.name], _not(self.fails(check))))
        return out

    # ---- expressions -----------------------------------------------------------------

    def holds(self, e: ir.Expr, agg: AggHook | None = None) -> z3.BoolRef:
        """`e` is certainly true (Kleene `True`)."""
        return self.bool3(e, agg)[0]

    def fails(self, e: ir.Expr, agg: AggHook | None = None) -> z3.BoolRef:
        """`e` is certainly false (Kleene `False`)."""
        return self.bool3(e, agg)[1]

    def bool3(self, e: ir.Expr, agg: AggHook | None = None) -> tuple[z3.BoolRef, z3.BoolRef]:
        """(certainly true, certainly false) for a boolean expression."""
        return _memoised(self._bool_memo, self._bool, e, agg)

    def num(self, e: ir.Expr, agg: AggHook | None = None) -> tuple[Numeric, z3.BoolRef]:
        """(value, defined) for a numeric, enum or text expression."""
        return _memoised(self._num_memo, self._num, e, agg)

    def term(self, e: ir.Expr, agg: AggHook | None = None) -> tuple[z3.ExprRef, z3.BoolRef]:
        v, d = self.num(e, agg)
        return (v.term() if isinstance(v, Ratio) else v), d

    def _bool(self, e, agg) -> tuple[z3.BoolRef, z3.BoolRef]:
        # one method per node class, `_bool_<class>`, as in sqlgen and codegen
        rule = getattr(self, "_bool_" + type(e).__name__, None)
        if rule is None:
            raise TypeError(f"not a boolean expression: {type(e).__name__}")
        return rule(e, agg)

    def _bool_Const(self, e: ir.Const, agg) -> tuple[z3.BoolRef, z3.BoolRef]:
        return (TRUE, FALSE) if e.value else (FALSE, TRUE)

    def _bool_Fact(self, e: ir.Fact, agg) -> tuple[z3.BoolRef, z3.BoolRef]:
        v, p = self.value[e.name], self.present[e.name]
        return _and(p, v), _and(p, _not(v))

    def _bool_And(self, e: ir.And, agg) -> tuple[z3.BoolRef, z3.BoolRef]:
        (at, af), (bt, bf) = self.bool3(e.left, agg), self.bool3(e.right, agg)
        return _and(at, bt), _or(af, bf)

    def _bool_Or(self, e: ir.Or, agg) -> tuple[z3.BoolRef, z3.BoolRef]:
        (at, af), (bt, bf) = self.bool3(e.left, agg), self.bool3(e.right, agg)
        return _or(at, bt), _and(af, bf)

    def _bool_Not(self, e: ir.Not, agg) -> tuple[z3.BoolRef, z3.BoolRef]:
        t, f = self.bool3(e.operand, agg)
        return f, t

    def _bool_Cmp(self, e: ir.Cmp, agg) -> tuple[z3.BoolRef, z3.BoolRef]:
        a, da = self.num(e.left, agg)
        b, db = self.num(e.right, agg)
        c = compare(e.op, a, b)
        d = _and(da, db)
        return _and(d, c), _and(d, _not(c))

    def _bool_Between(self, e: ir.Between, agg) -> tuple[z3.BoolRef, z3.BoolRef]:
        s, ds = self.term(e.subject, agg)
        lo, dl = self.term(e.low, agg)
        hi, dh = self.term(e.high, agg)
        c = _and(lo <= s, s <= hi)
        d = _and(ds, dl, dh)
        return _and(d, c), _and(d, _not(c))

    def _bool_Member(self, e: ir.Member, agg) -> tuple[z3.BoolRef, z3.BoolRef]:
        s, d = self.term(e.subject, agg)
        inside = _or([s == self._const(v, e.subject.type) for v in e.values])
        c = _not(inside) if e.negated else inside
        return _and(d, c), _and(d, _not(c))

    def _bool_Cond(self, e: ir.Cond, agg) -> tuple[z3.BoolRef, z3.BoolRef]:
        ct, cf = self.bool3(e.cond, agg)
        tt, tf = self.bool3(e.then, agg)
        et, ef = self.bool3(e.else_, agg)
        return _or(_and(ct, tt), _and(cf, et)), _or(_and(ct, tf), _and(cf, ef))

    def _bool_Sched(self, e: ir.Sched, agg) -> tuple[z3.BoolRef, z3.BoolRef]:
        return self.bool3(schedule_entry(e, self.year), agg)

    def _bool_Table(self, e: ir.Table, agg) -> tuple[z3.BoolRef, z3.BoolRef]:
        v, d = self._table(e, agg, boolean=True)
        return _and(d, v), _and(d, _not(v))

    def _bool_ChildAgg(self, e: ir.ChildAgg, agg) -> tuple[z3.BoolRef, z3.BoolRef]:
        raise TypeError(_PARTS.format(e.text))

    def _const(self, value: object, typ: ir.Type) -> z3.ExprRef:
        if isinstance(value, bool):
            return z3.BoolVal(value)
        if isinstance(value, str):
            return z3.IntVal(self.texts.index(value))
        if isinstance(typ, ir.Enum):
            return z3.IntVal(int(value))  # type: ignore[call-overload]
        return Q(value)  # type: ignore[arg-type]

    def _num(self, e, agg) -> tuple[Numeric, z3.BoolRef]:
        # one method per node class, `_num_<class>`, as in sqlgen and codegen
        rule = getattr(self, "_num_" + type(e).__name__, None)
        if rule is None:
            raise TypeError(f"not a value: {type(e).__name__}")
        return rule(e, agg)

    def _num_Const(self, e: ir.Const, agg) -> tuple[Numeric, z3.BoolRef]:
        return self._const(e.value, e.type), TRUE

    def _num_Fact(self, e: ir.Fact, agg) -> tuple[Numeric, z3.BoolRef]:
        return self.value[e.name], self.present[e.name]

    def _num_Arith(self, e: ir.Arith, agg) -> tuple[Numeric, z3.BoolRef]:
        a, da = self.num(e.left, agg)
        b, db = self.num(e.right, agg)
        d = _and(da, db)
        if e.op == "/":
            bt = b.term() if isinstance(b, Ratio) else b
            at = a.term() if isinstance(a, Ratio) else a
            return Ratio(at, bt), _and(d, bt != 0)
        at, bt = _term(a), _term(b)
        return ir.ARITHMETIC[e.op](at, bt), d

    def _num_Neg(self, e: ir.Neg, agg) -> tuple[Numeric, z3.BoolRef]:
        a, d = self.term(e.operand, agg)
        return -a, d

    def _num_Func(self, e: ir.Func, agg) -> tuple[Numeric, z3.BoolRef]:
        args = [self.term(a, agg) for a in e.args]
        d = _and([x[1] for x in args])
        if e.name in ("min", "max"):
            out = args[0][0]
            for v, _ in args[1:]:
                out = z3.If(v < out, v, out) if e.name == "min" else z3.If(v > out, v, out)
            return out, d
        x = args[0][0]
        if e.name == "abs":
            return z3.If(x < 0, -x, x), d
        whole = z3.ToInt(x) if e.name == "floor" else -z3.ToInt(-x)  # whole canonical base units
        return z3.ToReal(whole), d

    def _num_Cond(self, e: ir.Cond, agg) -> tuple[Numeric, z3.BoolRef]:
        ct, cf = self.bool3(e.cond, agg)
        tv, td = self.term(e.then, agg)
        ev, ed = self.term(e.else_, agg)
        return z3.If(ct, tv, ev), _or(_and(ct, td), _and(cf, ed))

    def _num_Sched(self, e: ir.Sched, agg) -> tuple[Numeric, z3.BoolRef]:
        return self.num(schedule_entry(e, self.year), agg)

    def _num_Table(self, e: ir.Table, agg) -> tuple[Numeric, z3.BoolRef]:
        return self._table(e, agg, boolean=False)

    def _num_Agg(self, e: ir.Agg, agg) -> tuple[Numeric, z3.BoolRef]:
        if agg is None:
            raise TypeError("an aggregate needs a population")
        return agg(e)

    def _num_ChildAgg(self, e: ir.ChildAgg, agg) -> tuple[Numeric, z3.BoolRef]:
        raise TypeError(_PARTS.format(e.text))

    def _table(self, e: ir.Table, agg, boolean: bool):
        """First matching bracket wins; an unknown bound or no match leaves the value undefined."""
        key, dk = self.term(e.key, agg)
        pieces = []  # (bounds defined, matches, value, value defined)
        for b in e.brackets:
            lo, dl = self.term(b.low, agg) if b.low is not None else (None, TRUE)
            hi, dh = self.term(b.high, agg) if b.high is not None else (None, TRUE)
            if b.kind == "in":
                match = _or([key == self._const(v, e.key.type) for v in b.values])
            else:
                match = _bracket_match(b.kind, key, lo, hi)
            if boolean:
                vt, vf = self.bool3(b.value, agg)
                value, dv = vt, _or(vt, vf)
            else:
                value, dv = self.term(b.value, agg)
            pieces.append((_and(dl, dh), match, value, dv))
        value = z3.BoolVal(False) if boolean else Q(0)
        defined = FALSE
        for bounds_ok, match, v, dv in reversed(pieces):
            value = z3.If(match, v, value)
            defined = _and(bounds_ok, z3.If(match, dv, defined))
        return value, _and(dk, defined)

    # ---- rules ------------------------------------------------------------------------

    def in_force(self, rule: ir.Rule) -> bool:
        """In force this year: inside its years, and every schedule it reads has an entry."""
        start, end = rule.years
        if not start <= self.year <= end:
            return False
        # A walk of the IR, not an encoding: asking this of every rule in every year must
        # stay cheap for a policy of thousands of rules (the terms are built when asked for).
        try:
            for e in (rule.scope, rule.condition):
                if e is not None:
                    _check_schedules(e, self.year)
        except NotInForce:
            return False
        return True

    def applies(self, rule: ir.Rule) -> z3.BoolRef:
        """The rule is in force and the record is certainly in its scope."""
        if not self.in_force(rule):
            return FALSE
        return TRUE if rule.scope is None else self.holds(rule.scope)

    def passes(self, rule: ir.Rule) -> z3.BoolRef:
        """Outcome `pass` (no exemptions are assumed)."""
        return _and(self.applies(rule), self.holds(rule.condition))

    def violated(self, rule: ir.Rule) -> z3.BoolRef:
        """Outcome `fail`."""
        return _and(self.applies(rule), self.fails(rule.condition))

    def not_applicable(self, rule: ir.Rule) -> z3.BoolRef:
        if not self.in_force(rule):
            return TRUE
        return FALSE if rule.scope is None else self.fails(rule.scope)

    def satisfied(self, rule: ir.Rule) -> z3.BoolRef:
        """Outcome `pass` or `not_applicable`: the record complies with the rule."""
        if not self.in_force(rule):
            return TRUE
        return _or(self.not_applicable(rule), self.passes(rule))

    def satisfies_all(self, rules: Iterable[ir.Rule]) -> z3.BoolRef:
        """The record complies with every rule of `rules`."""
        return _and([self.satisfied(r) for r in rules])

    def on_boundary(self, e: ir.Expr) -> z3.BoolRef:
        """Some comparison or `between` inside `e` holds with no margin (both sides equal)."""
        tight = []
        for x in ir.walk(e):
            if isinstance(x, ir.Cmp) and isinstance(x.left.type, ir.Num):
                a, da = self.term(x.left)
                b, db = self.term(x.right)
                tight.append(_and(da, db, a == b))
            elif isinstance(x, ir.Between):
                s, ds = self.term(x.subject)
                lo, _ = self.term(x.low)
                hi, _ = self.term(x.high)
                tight.append(_and(ds, _or(s == lo, s == hi)))
        return _or(tight) if tight else FALSE

    def has_value(self, fact: str, value: object) -> list[z3.BoolRef]:
        """The fact is present with `value` (canonical units)."""
        return [self.present[fact], self.value[fact] == self._const(value, self.policy.fact(fact).type)]

    # ---- witnesses ----------------------------------------------------------------------

    def witness_to_record(self, model: z3.ModelRef, record_id: str = "witness") -> dict[str, object]:
        """A record (field -> text in the fact's declared unit) that the evaluator accepts."""
        out: dict[str, object] = {"id": record_id}
        for fact in self.policy.facts:
            if fact.optional and not z3.is_true(model.eval(self.present[fact.name],
                                                           model_completion=True)):
                continue
            v = model.eval(self.raw[fact.name], model_completion=True)
            if fact.kind == "bool":
                out[fact.name] = "true" if z3.is_true(v) else "false"
            elif fact.kind == "enum":
                out[fact.name] = fact.type.members[v.as_long()]  # type: ignore[union-attr]
            elif fact.kind == "text":
                out[fact.name] = self.texts[v.as_long()]
            elif fact.kind == "integer":
                out[fact.name] = v.as_string()
            else:
                value = _fraction(v) / fact.type.scale  # type: ignore[union-attr]
                text = exact_text(value)
                out[fact.name] = text if "/" not in text else value
        return out

    def decimals_on_grid(self, places: int = 2) -> list[z3.BoolRef]:
        """Decimal facts as whole multiples of 10^-places of their unit, for readable witnesses."""
        out = []
        for fact in self.policy.facts:
            if fact.kind == "decimal":
                k = z3.Int(f"{self.prefix}.{fact.name}#grid")
                step = Fraction(1, 10**places) * fact.type.scale  # type: ignore[union-attr]
                out.append(self.raw[fact.name] == z3.ToReal(k) * Q(step))
        return out


def _bracket_match(kind: str, key, lo, hi) -> z3.BoolRef:
    tests = ir.bracket_conditions(kind, key, lo, hi)
    return TRUE if not tests else tests[0] if len(tests) == 1 else _and(tests)


AggHook = Callable[[ir.Agg], tuple[Numeric, z3.BoolRef]]


def _memoised(memo: dict, encode: Callable, e: ir.Expr, agg: AggHook | None):
    # An expression is encoded once per record; with an aggregate hook (a population's
    # weights) the encoding depends on the hook, so it is not kept.
    if agg is not None:
        return encode(e, agg)
    if id(e) not in memo:
        memo[id(e)] = encode(e, agg)
    return memo[id(e)]


def _term(v: Numeric) -> z3.ArithRef:
    return v.term() if isinstance(v, Ratio) else v


def _fraction(v: z3.ExprRef) -> Fraction:
    if z3.is_rational_value(v):
        return Fraction(int_of_text(v.numerator().as_string()), int_of_text(v.denominator().as_string()))
    if z3.is_int_value(v):
        return Fraction(int_of_text(v.as_string()))
    raise ValueError(f"not an exact rational: {v}")  # algebraic numbers from non-linear terms


def compare(op: str, a: Numeric, b: Numeric) -> z3.BoolRef:
    """`a op b`, cross-multiplying a ratio by its denominator (by sign) to stay linear."""
    cmp = ir.COMPARATORS[op]
    if isinstance(a, Ratio) and not isinstance(b, Ratio):
        pos = _and(a.den > 0, cmp.apply(a.num, b * a.den))
        neg = _and(a.den < 0, ir.COMPARATORS[cmp.flipped].apply(a.num, b * a.den))
        return _or(pos, neg)
    if isinstance(b, Ratio) and not isinstance(a, Ratio):
        return compare(cmp.flipped, b, a)
    return cmp.apply(_term(a), _term(b))


def _check_schedules(e: ir.Expr, year: int) -> None:
    """Raise NotInForce if a schedule the expression reads in `year` has no entry yet; as
    the encoding does, only the entry in force of a schedule is read further."""
    stack = [e]
    while stack:
        x = stack.pop()
        stack.extend([schedule_entry(x, year)] if isinstance(x, ir.Sched) else ir.children(x))


# ---- populations ------------------------------------------------------------------------


class Population:
    """A symbolic population: `kinds` symbolic records, record k repeated `m[k] >= 0` times."""

    def __init__(self, policy: ir.Policy, year: int, kinds: int = 3, prefix: str = "p",
                 texts: Sequence[str] | None = None, linear: bool = False):
        self.policy = policy
        self.year = year
        # `linear`: a record whose value is summed appears at most once when that value is
        # not zero, so sums stay linear. A restriction: use it to find populations quickly,
        # never to prove that none exists.
        self.linear = linear
        self.restrictions: list[z3.BoolRef] = []
        self._domain: list[z3.BoolRef] | None = None
        self._outcomes: dict[tuple[str, object], dict[str, z3.BoolRef]] = {}
        texts = list(texts) if texts is not None else text_constants(policy)
        self.records = [Encoding(policy, year, f"{prefix}{k}", texts) for k in range(kinds)]
        self.m = [z3.Int(f"{prefix}{k}#m") for k in range(kinds)]
        self.prefix = prefix

    def pin_groups(self, rules: Iterable[ir.Rule]) -> list[z3.BoolRef]:
        """Give the first records one value each of the first group fact (breaks symmetry).

        Sound: any population can be reordered so that its first records cover the groups
        it populates; a group left empty keeps its record at multiplicity 0.
        """
        for rule in rules:
            if rule.group is not None and rule.group.values:
                fact = self.policy.fact(rule.group.fact)
                out = []
                for rec, value in zip(self.records, rule.group.values, strict=False):
                    out.append(rec.present[fact.name])
                    out.append(rec.value[fact.name] == rec._const(value, fact.type))
                return out
        return []

    def domain(self) -> list[z3.BoolRef]:
        """Multiplicities are whole and bounded; each record used obeys the fact declarations.

        In `linear` mode, call it after building the questions: it includes the restrictions.
        """
        if self._domain is None:
            out: list[z3.BoolRef] = [z3.Sum(self.m) <= MAX_POPULATION]
            for m, rec in zip(self.m, self.records, strict=True):
                out.append(m >= 0)
                out.append(z3.Implies(m > 0, _and(rec.domain())))
            self._domain = out
        return self._domain + self.restrictions

    def every_record(self, constraint: Callable[[Encoding], z3.BoolRef]) -> z3.BoolRef:
        """`constraint` holds for every record present in the population."""
        return _and([z3.Implies(m > 0, constraint(r)) for m, r in zip(self.m, self.records,
                                                                         strict=True)])

    def groups(self, rule: ir.Rule) -> list[object | None]:
        if rule.group is None:
            return [None]
        return list(rule.group.values or ())

    def outcome(self, rule: ir.Rule, group: object | None = None) -> dict[str, z3.BoolRef]:
        """Symbolic `pass` / `fail` / `not_applicable` / `unknown` of a target for one group."""
        key = (rule.name, group)
        if key not in self._outcomes:
            self._outcomes[key] = self._outcome(rule, group)
        return self._outcomes[key]

    def _outcome(self, rule: ir.Rule, group: object | None) -> dict[str, z3.BoolRef]:
        enc0 = self.records[0]
        if not enc0.in_force(rule):
            return {"pass": FALSE, "fail": FALSE, "not_applicable": TRUE, "unknown": FALSE}
        weights, undecided = [], []
        for m, rec in zip(self.m, self.records, strict=True):
            if rule.scope is None:
                st, sf = TRUE, FALSE
            else:
                st, sf = rec.bool3(rule.scope)
            inside = st
            if rule.group is not None:
                g = rule.group.fact
                ftype = self.policy.fact(g).type
                inside = _and(st, rec.present[g], rec.value[g] == rec._const(group, ftype))
                undecided.append(_and(m > 0, st, _not(rec.present[g])))
            undecided.append(_and(m > 0, _not(st), _not(sf)))
            weights.append((z3.If(inside, m, 0), rec))
        empties: list[z3.BoolRef] = []
        hook = _aggregate_hook(self, weights, empties)
        t, f = enc0.bool3(rule.condition, hook)
        undecided_any = _or(undecided) if undecided else FALSE
        empty = _or(empties) if empties else FALSE
        ok = _and(_not(undecided_any), _not(empty))
        return {"pass": _and(ok, t), "fail": _and(ok, f),
                "not_applicable": _and(_not(undecided_any), empty),
                "unknown": _or(undecided_any, _and(ok, _not(t), _not(f)))}

    def passes(self, rule: ir.Rule) -> z3.BoolRef:
        """The target passes for every group (or is not in force)."""
        if not self.records[0].in_force(rule):
            return TRUE
        return _and([self.outcome(rule, g)["pass"] for g in self.groups(rule)])

    def misses(self, rule: ir.Rule) -> z3.BoolRef:
        """The target fails for at least one group."""
        if not self.records[0].in_force(rule):
            return FALSE
        return _or([self.outcome(rule, g)["fail"] for g in self.groups(rule)])

    def meets(self, rule: ir.Rule) -> z3.BoolRef:
        """Every group passes or is not applicable: the target is met."""
        if not self.records[0].in_force(rule):
            return TRUE
        return _and([_or(self.outcome(rule, g)["pass"], self.outcome(rule, g)["not_applicable"])
                       for g in self.groups(rule)])

    def size_at_most(self, size: int) -> z3.BoolRef:
        """At most `size` records in all (a preference for readable witnesses)."""
        return z3.Sum(self.m) <= size

    def witness(self, model: z3.ModelRef) -> list[dict[str, object]]:
        """The population as records, each symbolic record repeated by its multiplicity."""
        out = []
        for k, (m, rec) in enumerate(zip(self.m, self.records, strict=True)):
            count = model.eval(m, model_completion=True).as_long()
            for i in range(count):
                out.append(rec.witness_to_record(model, f"{self.prefix}{k}-{i + 1}"))
        return out

    def decimals_on_grid(self, places: int = 2) -> list[z3.BoolRef]:
        return [c for r in self.records for c in r.decimals_on_grid(places)]


def _aggregate_hook(pop: Population, weights: list[tuple[z3.ArithRef, Encoding]],
                    empties: list[z3.BoolRef]):
    """Aggregates over weighted records; share and mean of no records note an empty population."""

    def hook(e: ir.Agg) -> tuple[Numeric, z3.BoolRef]:
        total = z3.ToReal(z3.Sum([w for w, _ in weights]))
        defined = []
        if e.arg is None:
            count = total
            return count, TRUE
        if e.kind in ("share", "count"):
            parts = []
            for w, rec in weights:
                t, f = rec.bool3(e.arg)
                parts.append(z3.If(t, w, 0))
                defined.append(_or(w == 0, t, f))
            count = z3.ToReal(z3.Sum(parts))
            if e.kind == "count":
                return count, _and(defined)
            empties.append(total == 0)
            return Ratio(count, total), _and(defined)
        parts = []
        for (w, rec), m in zip(weights, pop.m, strict=True):
            v, d = rec.term(e.arg)
            if pop.linear:
                pop.restrictions.append(_or(m <= 1, v == 0))
                parts.append(z3.If(w == 0, Q(0), v))
            else:
                parts.append(z3.ToReal(w) * v)
            defined.append(_or(w == 0, d))
        s = z3.Sum(parts)
        if e.kind == "sum":
            return s, _and(defined)
        empties.append(total == 0)
        return Ratio(s, total), _and(defined)

    return hook


# ---- questions and answers -------------------------------------------------------------


@attrs.frozen
class Sat:
    """The question has an answer: `witness` is the solver's model, or the records made from it
    (by `search`, replayed through the evaluator)."""

    witness: object


@attrs.frozen
class Unsat:
    """Proved: no record (or population) answers the question. `core` names a minimal set of
    tracked constraints that conflict, when the question tracked some (`unsat_core`)."""

    core: tuple[str, ...] = ()


@attrs.frozen
class Unknown:
    """The solver could not decide (time limit, non-linear arithmetic) or its example did not
    hold up; nothing is claimed."""

    reason: str = "the solver gave up (time limit or non-linear arithmetic)"


Answer = Sat | Unsat | Unknown


def all_of(parts: Iterable[z3.BoolRef]) -> z3.BoolRef:
    return _and(list(parts))


def any_of(parts: Iterable[z3.BoolRef]) -> z3.BoolRef:
    return _or(list(parts))


def negate(part: z3.BoolRef) -> z3.BoolRef:
    return _not(part)


def _solver(timeout_ms: int) -> z3.Solver:
    # Most facts of a symbolic record are unconstrained by any one question: eliminating
    # them first keeps population questions small.
    tactic = z3.Then("simplify", "propagate-values", "solve-eqs", "elim-uncnstr", "smt")
    s = tactic.solver()
    s.set("timeout", timeout_ms)
    return s


def satisfiable(constraints: Iterable[z3.BoolRef], timeout_ms: int = DEFAULT_TIMEOUT_MS) -> Answer:
    """`Sat(model)`, `Unsat()` when the constraints are proved unsatisfiable, or `Unknown`."""
    s = _solver(timeout_ms)
    s.add(list(constraints))
    r = s.check()
    if r == z3.sat:
        return Sat(s.model())
    if r == z3.unsat:
        return Unsat()
    return Unknown()


def counterexample(premise: z3.BoolRef, conclusion: z3.BoolRef) -> z3.BoolRef:
    """What a counterexample to "`premise` implies `conclusion`" satisfies."""
    return _and(premise, _not(conclusion))


def implies(assumptions: Iterable[z3.BoolRef], premise: z3.BoolRef, conclusion: z3.BoolRef,
            **search_options) -> Answer:
    """Does `premise` imply `conclusion` wherever `assumptions` hold? `Unsat()`: it does;
    `Sat(counterexample)`: the premise holds and the conclusion does not. Options as `search`."""
    return search([*assumptions, counterexample(premise, conclusion)], **search_options)


def equivalent(assumptions: Iterable[z3.BoolRef], a: z3.BoolRef, b: z3.BoolRef,
               **search_options) -> Answer:
    """Are `a` and `b` the same wherever `assumptions` hold? `Unsat()`: they are;
    `Sat(counterexample)`: one holds and the other does not. Options as `search`."""
    return search([*assumptions, z3.Xor(a, b)], **search_options)


def search(constraints: Iterable[z3.BoolRef], preferences: Iterable[Sequence[z3.BoolRef]] = (), *,
           timeout_ms: int = DEFAULT_TIMEOUT_MS, prefer_timeout_ms: int = PREFER_TIMEOUT_MS,
           to_records: Callable[[z3.ModelRef], object] | None = None,
           replay: Callable[[object], object | None] | None = None) -> Answer:
    """Solve with soft preferences, then replay the witness.

    Each set of `preferences` (round decimals, small populations, hinted values) is added in
    turn for at most `prefer_timeout_ms`, for a nicer witness; the first that answers wins.
    When none does, the question is asked alone, and only that answer may be `Unsat`: a
    preference never turns a satisfiable question into an unsatisfiable one.

    `to_records` turns the model into records and `replay` runs them through the evaluator,
    returning the witness to show or None; `Sat` then holds what `replay` returned, and an
    example that is not exact or does not replay is `Unknown`, never shown.
    """
    constraints = list(constraints)
    answer: Answer = Unknown()
    for extra in preferences:
        answer = satisfiable(constraints + list(extra), min(prefer_timeout_ms, timeout_ms))
        if isinstance(answer, Sat):
            break
    else:
        answer = satisfiable(constraints, timeout_ms)
    if not isinstance(answer, Sat) or to_records is None:
        return answer
    try:
        records = to_records(answer.witness)
    except (ValueError, ArithmeticError) as e:
        return Unknown(f"the solver's example is not an exact record ({e})")
    if replay is None:
        return Sat(records)
    witness = replay(records)
    if witness is None:
        return Unknown("the solver's example did not replay under the evaluator")
    return Sat(witness)


def unsat_core(base: Iterable[z3.BoolRef], tracked: dict[str, z3.BoolRef],
               timeout_ms: int = DEFAULT_TIMEOUT_MS) -> Answer:
    """`Unsat(core)`: a minimal set of `tracked` names whose constraints, with `base`, cannot
    all hold; `Sat(model)` when they can all hold; `Unknown` when the solver gave up."""
    s = z3.Solver()
    s.set("timeout", timeout_ms)
    s.add(list(base))
    lits = {}
    for name, c in tracked.items():
        lit = z3.Bool(f"track:{name}")
        s.add(z3.Implies(lit, c))
        lits[name] = lit
    r = s.check(*lits.values())
    if r == z3.sat:
        return Sat(s.model())
    if r != z3.unsat:
        return Unknown()
    core = [n for n, lit in lits.items() if any(lit.eq(c) for c in s.unsat_core())]
    # Deletion-based minimisation: drop each member the rest still conflict without.
    i = 0
    while i < len(core):
        trial = core[:i] + core[i + 1:]
        if s.check(*(lits[n] for n in trial)) == z3.unsat:
            core = trial
        else:
            i += 1
    return Unsat(tuple(core))
