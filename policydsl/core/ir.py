"""The checked intermediate representation, produced by the checker.

Names are resolved, `let`s are inlined, units are folded into exact constants
(everything in canonical base units) and every expression knows its type.
Evaluators, the analyser and the differ read only this.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Any, TypeVar

import attrs

from .source import Source, Span
from .units import Dim

T = TypeVar("T")


def _span() -> Span:
    return attrs.field(default=Span(0, 0), eq=False, repr=False)


def _text() -> str:
    return attrs.field(default="", eq=False, repr=False)


# A field added after policies were fingerprinted: left out of the fingerprint while it has its
# default, so existing policies keep theirs (see fingerprint.canonical).
OMIT_DEFAULT = {"fingerprint": "omit_default"}


# ---- types -----------------------------------------------------------------


@attrs.frozen
class Num:
    dim: Dim
    unit: str = attrs.field(default="", eq=False)  # display unit name
    scale: Fraction = attrs.field(default=Fraction(1), eq=False)  # canonical per display unit
    integer: bool = attrs.field(default=False, eq=False)
    plural: str = attrs.field(default="", eq=False)  # display name for counts other than 1


@attrs.frozen
class Enum:
    fact: str
    members: tuple[str, ...]


BOOL = "bool"
TEXT = "text"
DATE = "date"  # a calendar day (`datetime.date`); see policydsl/core/dates.py
Type = Num | Enum | str


# ---- expressions -------------------------------------------------------------
# `text` is the drafter's source for the node, kept for explanations.


@attrs.frozen
class Const:
    value: object  # Fraction, bool, str, or an enum ordinal (int)
    type: Type
    span: Span = _span()
    text: str = _text()


@attrs.frozen
class Fact:
    name: str
    type: Type
    span: Span = _span()
    text: str = _text()


@attrs.frozen
class Arith:
    op: str  # "+", "-", "*", "/"
    left: Expr
    right: Expr
    type: Type
    span: Span = _span()
    text: str = _text()


@attrs.frozen
class Neg:
    operand: Expr
    type: Type
    span: Span = _span()
    text: str = _text()


@attrs.frozen
class Func:
    name: str  # "min", "max", "floor", "ceil", "abs"
    args: tuple[Expr, ...]
    type: Type
    span: Span = _span()
    text: str = _text()


@attrs.frozen
class Cmp:
    op: str  # ">=", ">", "<=", "<", "=", "!="
    left: Expr
    right: Expr
    type: Type = BOOL
    span: Span = _span()
    text: str = _text()


@attrs.frozen
class Between:
    subject: Expr
    low: Expr
    high: Expr
    type: Type = BOOL
    span: Span = _span()
    text: str = _text()
    # A range stated with a tolerance (`about 1000 to 2000, within 10%`) has its bounds widened
    # exactly by the checker; this keeps the stated range and tolerance for explanations.
    stated: str = _text()


@attrs.frozen
class Member:
    subject: Expr
    values: tuple[object, ...]  # canonical values, sorted for a stable fingerprint
    negated: bool = False
    set_name: str | None = attrs.field(default=None, eq=False)
    type: Type = BOOL
    span: Span = _span()
    text: str = _text()


@attrs.frozen
class And:
    left: Expr
    right: Expr
    type: Type = BOOL
    span: Span = _span()
    text: str = _text()


@attrs.frozen
class Or:
    left: Expr
    right: Expr
    type: Type = BOOL
    span: Span = _span()
    text: str = _text()


@attrs.frozen
class Not:
    operand: Expr
    type: Type = BOOL
    span: Span = _span()
    text: str = _text()


@attrs.frozen
class Cond:
    cond: Expr
    then: Expr
    else_: Expr
    type: Type
    span: Span = _span()
    text: str = _text()


@attrs.frozen
class Sched:
    """A value by year: the latest entry at or before the year holds; none before the first."""

    entries: tuple[tuple[int, Expr], ...]
    type: Type
    span: Span = _span()
    text: str = _text()


@attrs.frozen
class Bracket:
    """`kind`: "below" (< high), "above" (> low), "from" (>= low), "range" (low..high inclusive),
    "in" (the key is one of `values`: canonical constants, as in `Member`), "else"."""

    kind: str
    low: Expr | None
    high: Expr | None
    value: Expr
    values: tuple[object, ...] = attrs.field(default=(), metadata=OMIT_DEFAULT)


@attrs.frozen
class Table:
    """First matching bracket wins."""

    key: Expr
    brackets: tuple[Bracket, ...]
    type: Type
    span: Span = _span()
    text: str = _text()


@attrs.frozen
class Agg:
    kind: str  # "share", "count", "sum", "mean"
    arg: Expr | None  # None: `count()`, every record in scope
    type: Type
    span: Span = _span()
    text: str = _text()


# ---- dates (policydsl/core/dates.py) ---------------------------------------------------


@attrs.frozen
class DateShift:
    """A day moved by whole months, then whole days (`completed + 2 years`): exact calendar
    arithmetic with the end-of-month rule of policydsl/core/dates.py."""

    operand: Expr
    months: int
    days: int
    type: Type = DATE
    span: Span = _span()
    text: str = _text()


@attrs.frozen
class EvalDate:
    """The evaluation date (`eval_date`), or its year as a plain number (`eval_year`)."""

    kind: str  # "date", "year"
    type: Type = DATE
    span: Span = _span()
    text: str = _text()


@attrs.frozen
class InForce:
    """The days a rule is in force, first and last inclusive (None: open on that side), from
    its own `in force` and the policy's validity; `why` says where they come from."""

    start: object = None  # datetime.date | None
    end: object = None
    why: str = attrs.field(default="", eq=False)


@attrs.frozen
class Validity:
    """A policy's validity and supersession (dates are `datetime.date`)."""

    start: object = None
    end: object = None
    amended: tuple[object, ...] = ()
    repealed: object = None
    superseded_by: str | None = None


# ---- several kinds of record ------------------------------------------------------


@attrs.frozen
class ChildAgg:
    """A measure of the children of one record: `count(groups)`, `min(groups, members)`.

    `kind`: "count", "sum", "min", "max", "all", "any", "share". `arg` is evaluated on each
    child record of `entity` (seeing its parent's facts too); None for `count(groups)`."""

    kind: str
    entity: str
    arg: Expr | None
    type: Type
    span: Span = _span()
    text: str = _text()


@attrs.frozen
class Entity:
    """One kind of record. A part of another (`part of committee by committee_id`) names
    its parent entity and its own `key` fact, which holds the id of its parent record."""

    name: str
    plural: str
    facts: tuple[str, ...]
    parent: str | None = None
    key: str | None = None
    label: str | None = attrs.field(default=None, eq=False)
    label_facts: tuple[str, ...] = attrs.field(default=(), eq=False)


Expr = (Const | Fact | Arith | Neg | Func | Cmp | Between | Member | And | Or | Not | Cond
        | Sched | Table | Agg | ChildAgg | DateShift | EvalDate)


# The fields of an expression node that hold sub-expressions (besides the tuples of
# `Func`, `Sched` and `Table`, which `children` reads by node type).
_CHILD_FIELDS = ("left", "right", "operand", "subject", "low", "high", "cond", "then", "else_", "key", "arg")


def children(x: Expr) -> list[Expr]:
    """The expressions directly inside `x`, in a fixed order; every entry of a schedule."""
    out = [c for c in (getattr(x, f, None) for f in _CHILD_FIELDS)
           if c is not None and not isinstance(c, str | bool)]
    if isinstance(x, Func):
        out.extend(x.args)
    elif isinstance(x, Sched):
        out.extend(v for _, v in x.entries)
    elif isinstance(x, Table):
        out.extend(c for b in x.brackets for c in (b.low, b.high, b.value) if c is not None)
    return out


def walk(e: Expr):
    """Every sub-expression of an IR expression, iteratively (no recursion limit)."""
    stack = [e]
    while stack:
        x = stack.pop()
        yield x
        stack.extend(children(x))


def walk_own(e: Expr):
    """Like `walk`, but not into what a `ChildAgg` evaluates on each child record: the
    sub-expressions evaluated on the record itself."""
    stack = [e]
    while stack:
        x = stack.pop()
        yield x
        if not isinstance(x, ChildAgg):
            stack.extend(children(x))


def in_force(entries: Iterable[tuple[int, T]], year: int) -> T | None:
    """Of (year, value) pairs in year order, the value in force in `year`: the latest at or
    before it; None before the first. The one reading of a schedule, for the IR's `Sched`
    and for the syntax tree's schedules alike."""
    chosen = None
    for y, value in entries:
        if y <= year:
            chosen = value
    return chosen


def schedule_entry(sched: Sched, year: int) -> Expr | None:
    """The entry of `sched` in force in `year` (None before its first year)."""
    return in_force(sched.entries, year)


# Arithmetic on Fractions and solver terms alike; division is not here because what a
# zero divisor gives is each engine's own answer (unknown, NULL, a guarded ratio).
ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {"+": operator.add, "-": operator.sub, "*": operator.mul}


@attrs.frozen
class Comparison:
    """A comparison operator (`Cmp.op`) and what every engine needs to know of it; engines
    keep their own target form (SQL node, generated source) keyed by `op`."""

    op: str
    apply: Callable[[Any, Any], Any]  # on Fractions and on solver terms alike
    flipped: str  # `a op b` is `b flipped a`
    negated: str  # `not (a op b)` is `a negated b`, on known values
    words: str  # in explanations: `needs at least 40%`
    bound: str | None  # what `x op c` sets on x: "lower", "upper", "equal" (None for `!=`)

    @property
    def strict(self) -> bool:
        return self.op in ("<", ">")


COMPARATORS: dict[str, Comparison] = {c.op: c for c in (
    Comparison(">=", operator.ge, "<=", "<", "at least", "lower"),
    Comparison(">", operator.gt, "<", "<=", "more than", "lower"),
    Comparison("<=", operator.le, ">=", ">", "at most", "upper"),
    Comparison("<", operator.lt, ">", ">=", "less than", "upper"),
    Comparison("=", operator.eq, "=", "!=", "exactly", "equal"),
    Comparison("!=", operator.ne, "!=", "=", "other than", None),
)}
# When a lookup bracket matches its key: every (left, operator, right) holds, the sides
# naming the key or the bracket's bounds; an `else` bracket always matches. A bracket of
# categories (`in`) matches a key among its values instead.
BRACKET_TESTS = {
    "below": (("key", "<", "high"),),
    "above": (("key", ">", "low"),),
    "from": (("key", ">=", "low"),),
    "range": (("low", "<=", "key"), ("key", "<=", "high")),
    "else": (),
}


def bracket_conditions(kind: str, key: Any, low: Any, high: Any,
                       compare: Callable[[str, Any, Any], Any] | None = None) -> list[Any]:
    """What must all hold for `key` to fall in a bracket of `kind` with these bounds, in the
    caller's form: each test of `BRACKET_TESTS[kind]` as `compare(op, left, right)`, by
    default the comparator itself (a bool of Fractions, a solver term); an engine that
    writes code passes its own spelling. Empty for `else`, which always matches."""
    sides = {"key": key, "low": low, "high": high}
    if compare is None:
        return [COMPARATORS[op].apply(sides[a], sides[b]) for a, op, b in BRACKET_TESTS[kind]]
    return [compare(op, sides[a], sides[b]) for a, op, b in BRACKET_TESTS[kind]]


# ---- declarations ----------------------------------------------------------------


@attrs.frozen
class Meta:
    """`period` is always two years, first and last, so every year in it can be analysed.
    An open-ended policy (`period from 1989`) has `open_ended` set and `period` ending at
    its horizon: the first year from which nothing it says changes any more (after every
    year it names). A later year is judged as the horizon (`judged_year`)."""

    name: str
    title: str | None
    original: str | None
    version: str | None
    issuer: str | None
    period: tuple[int, int]
    open_ended: bool = attrs.field(default=False, metadata=OMIT_DEFAULT)
    validity: Validity | None = attrs.field(default=None, metadata=OMIT_DEFAULT)

    def judged_year(self, year: int) -> int:
        """The year whose requirements hold in `year`: itself, or the horizon after it
        (an evaluation date is kept: `eval_date` is the day asked for)."""
        if not self.open_ended or year <= self.period[1]:
            return year
        judged_as = getattr(year, "judged_as", None)
        return judged_as(self.period[1]) if judged_as is not None else self.period[1]

    def in_period(self, year: int) -> bool:
        first, last = self.period
        return first <= year and (self.open_ended or year <= last)

    @property
    def period_text(self) -> str:
        first, last = self.period
        return f"from {first}" if self.open_ended else f"{first}–{last}"


@attrs.frozen
class FactDef:
    name: str
    kind: str  # "bool", "integer", "decimal", "text", "enum"
    type: Type
    optional: bool = False
    label: str | None = None
    allowed: tuple[object, ...] | None = None  # a declared set of values
    constraints: tuple[Expr, ...] = ()  # boolean checks on a record (`>= 0`, `<= staff_count`)
    span: Span = attrs.field(default=Span(0, 0), eq=False)


@attrs.frozen
class Group:
    fact: str
    values: tuple[object, ...]  # every group reported, present in the data or not


@attrs.frozen
class Rule:
    name: str
    label: str | None
    clauses: tuple[str, ...]
    section: str | None
    quote: str | None
    years: tuple[int, int]  # first and last year in force, inclusive
    scope: Expr | None
    modality: str  # "must", "in_principle", "strive"
    condition: Expr
    is_target: bool = False
    group: Group | None = None
    span: Span = attrs.field(default=Span(0, 0), eq=False)
    in_force: InForce | None = attrs.field(default=None, metadata=OMIT_DEFAULT)  # days, within `years`
    due: Expr | None = attrs.field(default=None, metadata=OMIT_DEFAULT)  # judged from this day on
    # The kind of record it judges, in a policy with several (`Policy.entities`); "" otherwise.
    entity: str = attrs.field(default="", metadata=OMIT_DEFAULT)

    @property
    def exemption_keys(self) -> tuple[str, ...]:
        """The keys of a record's `exemptions` that exempt this rule: its name, then its
        clause ids. Only an in-principle rule can be exempted, so for others there are none."""
        return (self.name, *self.clauses) if self.modality == "in_principle" else ()

    def facts_read(self) -> tuple[str, ...]:
        """The facts its scope, condition and due day read, by name, sorted (its group's
        fact is not among them)."""
        names = {x.name for part in (self.scope, self.condition, self.due) if part is not None
                 for x in walk(part) if isinstance(x, Fact)}
        return tuple(sorted(names))

    @property
    def reads_parts(self) -> bool:
        """Whether the rule aggregates over the parts of a record (several entities): its
        outcome then depends on more than the record's own facts."""
        return any(isinstance(x, ChildAgg) for part in (self.scope, self.condition, self.due)
                   if part is not None for x in walk(part))


@attrs.frozen
class Note:
    text: str
    clauses: tuple[str, ...]
    section: str | None


@attrs.frozen
class Policy:
    meta: Meta
    entity: str
    entity_plural: str
    facts: tuple[FactDef, ...]
    rules: tuple[Rule, ...]  # per-record rules
    targets: tuple[Rule, ...]  # population targets
    notes: tuple[Note, ...] = ()
    source: Source | None = attrs.field(default=None, eq=False)
    # How reports name a record and the entity; presentation, so not part of the
    # meaning: excluded from equality and hence from the fingerprint.
    label_facts: tuple[str, ...] = attrs.field(default=(), eq=False)
    entity_label: str | None = attrs.field(default=None, eq=False)
    unit_names: tuple[tuple[str, ...], ...] = attrs.field(default=(), eq=False)  # each `unit` line's names
    # Every kind of record, when there are several (parents before their parts); () when the
    # policy judges one kind, `entity`.
    entities: tuple[Entity, ...] = attrs.field(default=(), metadata=OMIT_DEFAULT)

    def fact(self, name: str) -> FactDef:
        for f in self.facts:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def all_rules(self) -> tuple[Rule, ...]:
        return self.rules + self.targets

    def entity_named(self, name: str) -> Entity:
        for e in self.entities:
            if e.name == name:
                return e
        raise KeyError(name)

    def for_entity(self, name: str) -> Policy:
        """One kind of record of a policy with several, as a policy of its own: its facts,
        rules and targets. Its rules may still aggregate over the parts of each record."""
        e = self.entity_named(name)
        own = set(e.facts)
        return attrs.evolve(
            self, entity=e.name, entity_plural=e.plural, facts=tuple(f for f in self.facts if f.name in own),
            rules=tuple(r for r in self.rules if r.entity == name),
            targets=tuple(r for r in self.targets if r.entity == name),
            label_facts=e.label_facts, entity_label=e.label, entities=())
