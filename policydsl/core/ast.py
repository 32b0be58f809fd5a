"""The abstract syntax tree: immutable nodes, no behaviour.

Every node carries its source span, excluded from equality and repr, so that
`parse(format(tree)) == tree` compares meaning-bearing structure only.
Numbers keep their source text (`"200.00"`), so no value is ever rounded here.
"""

from __future__ import annotations

import attrs

from .source import Span


def _span() -> Span:
    return attrs.field(default=Span(0, 0), eq=False, repr=False)


node = attrs.frozen


# ---- expressions -----------------------------------------------------------


@node
class Number:
    text: str  # the value in decimal digits
    unit: str | None = None  # a single unit name written right after the number
    span: Span = _span()
    # The drafter's spelling when written as a Chinese numeral (`一千二`), so tools can write it back.
    numeral: str | None = attrs.field(default=None, eq=False, repr=False)


@node
class Percent:
    text: str  # the number before `%`
    span: Span = _span()


@node
class Bool:
    value: bool
    span: Span = _span()


@node
class String:
    value: str
    span: Span = _span()


@node
class Name:
    name: str
    span: Span = _span()


@node
class Neg:
    operand: Expr
    span: Span = _span()


@node
class Binary:
    op: str  # "+", "-", "*", "/", "of"
    left: Expr
    right: Expr
    span: Span = _span()


@node
class Per:
    """`left per [count] unit`: a rate, e.g. `20 m2 per 100 households`."""

    left: Expr
    count: str | None  # in decimal digits
    unit: str
    span: Span = _span()
    count_numeral: str | None = attrs.field(default=None, eq=False, repr=False)  # `每百五户`: `百五`


@node
class Compare:
    op: str  # ">=", ">", "<=", "<", "=", "!="
    left: Expr
    right: Expr
    span: Span = _span()
    about: bool = False  # a tolerance word (`about`, 约, 左右, 基本) was written
    tolerance: Expr | None = None  # `within 10%`: how far the threshold may be missed


@node
class Between:
    subject: Expr
    low: Expr
    high: Expr
    span: Span = _span()
    about: bool = False
    tolerance: Expr | None = None  # widens both bounds


@node
class Periodic:
    """`last_inspection every 2 years`: a periodic duty, met when the date falls within the
    last period before the evaluation date (the checker reads it as
    `last_inspection >= eval_date - 2 years`)."""

    subject: Expr
    period: Expr  # a whole number of years, months, weeks or days (`2 years`, `year`)
    span: Span = _span()
    chinese: bool = attrs.field(default=False, eq=False, repr=False)  # written `每`, for fmt


@node
class SetLiteral:
    values: tuple[Expr, ...]  # String, Number or Name nodes
    span: Span = _span()


@node
class InSet:
    subject: Expr
    set: Name | SetLiteral
    negated: bool = False
    span: Span = _span()


@node
class BoolOp:
    op: str  # "and", "or"
    left: Expr
    right: Expr
    span: Span = _span()


@node
class Not:
    operand: Expr
    span: Span = _span()


@node
class If:
    cond: Expr
    then: Expr
    else_: Expr
    span: Span = _span()


@node
class Call:
    func: str
    args: tuple[Expr, ...]
    span: Span = _span()


@node
class ScheduleEntry:
    year: int
    value: Expr
    span: Span = _span()


@node
class Schedule:
    entries: tuple[ScheduleEntry, ...]
    span: Span = _span()


@node
class Bracket:
    kind: str  # "below", "above", "from", "range", "else"; "in" (a set of values), "is" (one value, in `low`)
    low: Expr | None
    high: Expr | None
    value: Expr
    span: Span = _span()
    set: Name | SetLiteral | None = None  # the values of an "in" bracket


@node
class Lookup:
    key: Expr
    brackets: tuple[Bracket, ...]
    span: Span = _span()


@node
class DateLit:
    """A calendar day as written: `2024-07-01` or `2024年7月1日` (`text`, for fmt). An
    expression, and the days of `InForce` and `Validity` (below)."""

    iso: str  # YYYY-MM-DD
    span: Span = _span()
    text: str = attrs.field(default="", eq=False, repr=False)


# Every expression node: what `lower` builds for an expression, and what the type checker
# and fmt each have a method for (`tests/unit/test_dispatch.py`).
Expr = (
    Number | Percent | Bool | String | Name | Neg | Binary | Per | Compare | Between | Periodic
    | InSet | BoolOp | Not | If | Call | Schedule | Lookup | SetLiteral | DateLit
)


# ---- declarations ----------------------------------------------------------


@node
class UnitExpr:
    """`yuan per year`: a product of unit names over a product of unit names."""

    num: tuple[str, ...]
    den: tuple[str, ...] = ()
    span: Span = _span()


@node
class PolicyDecl:
    name: str
    title: str | None = None
    original: str | None = None
    version: str | None = None
    issuer: str | None = None
    period: tuple[int, int | None] | None = None  # (first, None): open-ended, `period from 1989`
    span: Span = _span()
    validity: Validity | None = None  # `in force from`, `amended on`, `repealed on`, `superseded by`


@node
class UnitDecl:
    names: tuple[str, ...]
    factor: str | None = None  # `= 666.67 m2`: the number, when given
    base: UnitExpr | None = None  # None declares a new counting unit
    span: Span = _span()


@node
class SetDecl:
    name: str
    values: SetLiteral
    span: Span = _span()


@node
class EntityDecl:
    name: str
    plural: str | None = None
    label: str | None = None
    labelled_by: tuple[Name, ...] = ()  # facts that tell a reader which record is which
    span: Span = _span()
    # `part of committee by committee_id`: the entity this one is a part of, and the fact of
    # each of its records that holds the id of its parent record.
    parent: Name | None = None
    key: Name | None = None


@node
class FactType:
    kind: str  # "bool", "integer", "decimal", "text", "enum"
    unit: UnitExpr | None = None
    members: tuple[str, ...] = ()
    span: Span = _span()


@node
class FactConstraint:
    kind: str  # "cmp", "in", "optional"
    op: str | None = None
    value: Expr | None = None  # the bound for "cmp"; the set for "in"
    span: Span = _span()


@node
class FactDecl:
    name: str
    type: FactType
    constraints: tuple[FactConstraint, ...] = ()
    label: str | None = None
    span: Span = _span()


@node
class LetDecl:
    name: str
    value: Expr
    span: Span = _span()


@node
class ClauseRef:
    id: str
    span: Span = _span()


@node
class Years:
    kind: str  # "in", "from", "until"
    start: int | None
    end: int | None
    span: Span = _span()


@node
class Requirement:
    modality: str  # "must", "in_principle", "strive"
    condition: Expr
    span: Span = _span()


@node
class GroupBy:
    fact: str
    within: Name | SetLiteral | None = None
    span: Span = _span()


@node
class RuleDecl:
    """A rule judges each record; a target (`is_target`) judges the population."""

    name: str
    label: str | None = None
    clauses: tuple[ClauseRef, ...] = ()
    section: str | None = None
    quote: str | None = None
    years: Years | None = None
    scope: Expr | None = None
    group: GroupBy | None = None
    requirement: Requirement | None = None
    is_target: bool = False
    span: Span = _span()
    due: Expr | None = None  # `due completed + 2 years`: judged only from that day on
    entity: Name | None = None  # `on samples`: the entity it judges, in a policy with several


@node
class NoteDecl:
    text: str
    clauses: tuple[ClauseRef, ...] = ()
    section: str | None = None
    span: Span = _span()


@node
class Comment:
    text: str
    span: Span = _span()


Decl = PolicyDecl | UnitDecl | SetDecl | EntityDecl | FactDecl | LetDecl | RuleDecl | NoteDecl


# ---- dates (policydsl/core/dates.py) ----------------------------------------------


@node
class InForce:
    """A rule's days in force, in its `years` place: `in force from 2024-07-01 until 2025-12-31`."""

    start: DateLit | None
    end: DateLit | None
    span: Span = _span()
    keyword: bool = attrs.field(default=True, eq=False, repr=False)  # `in force` was written


@node
class Validity:
    """A policy's validity and supersession: the days it is in force, when it was amended,
    repealed, and which policy replaces it."""

    start: DateLit | None = None
    end: DateLit | None = None
    amended: tuple[DateLit, ...] = ()
    repealed: DateLit | None = None
    superseded_by: str | None = None
    span: Span = _span()


@node
class Module:
    decls: tuple[Decl, ...]
    comments: tuple[Comment, ...] = attrs.field(default=(), eq=False, repr=False)
    span: Span = _span()
