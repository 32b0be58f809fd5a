"""A policy as SQL for engines past one machine: Spark, Trino, PostgreSQL, BigQuery, DuckDB.

`statements(policy, year, dialect, table)` builds, from the same exact expression
trees as the DuckDB engine (`sqlgen`), one query giving every record's outcome code
per rule and one query per target giving its totals per group. The engine computes
counts and exact sums; Python decides each target from them (`TargetStats`), so the
verdicts and explanations are the reference interpreter's.

The input is a *typed* table (see `docs/scale-out.md`): a column per fact named as
the fact, an `id` column, an `exemptions` column of comma-separated clause ids or rule
names. A policy with several entities reads a typed table per entity and gets one
`Statements` per entity (`EntityStatements`): a part is joined to its parent by its key
fact, an aggregate over parts is a column of the parts' GROUP BY (`part_sql`), and the
reference's errors on a part's link to its parent are its `problem`.
A value the engines cannot hold exactly (a decimal beyond 12 whole digits or 6
decimals, an integer of 16 digits or more, a name that is not an enum member) is
read as missing, so every rule depending on it is `unknown`, and the record's
`problem` column names the fact and why; a fact constraint broken is treated as
the validator treats it (the value is dropped and the problem named).

Exact on every dialect. The trees hold no division and no float; for Spark and
Trino, whose decimal result types grow with their operands' declared types
(`p1 + p2 + 1` digits for a product), the widening casts `sqlgen` puts on an
operand are moved onto the result, and `check_types` then infers every decimal
type by the engine's own rules: a statement where any intermediate type could
need more than 38 digits (so Spark would round, or return NULL, depending on
`spark.sql.decimalOperations.allowPrecisionLoss`) is refused with `Unsupported`.
BigQuery's NUMERIC keeps 9 decimals and 29 whole digits, checked the same way.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from fractions import Fraction

import attrs
from sqlglot import exp

from ..core import ir
from ..core.textsafe import visible
from . import sqlgen
from .part_sql import part_aggregate
from .population import TargetStats, TargetTotals
from .sqlgen import CODE, ExprCompiler, FactColumn, Quotient, SqlNumber, Unsupported
from .validate import EXEMPTIONS_FIELD

DIALECTS = ("duckdb", "spark", "trino", "postgres", "bigquery")
ID = "id"
PROBLEM = "problem"
# What the typed columns may hold and still be read exactly, as the DuckDB engine reads cells.
DEC_DIGITS, DEC_PLACES = 18, 6  # |value| < 10**12, at most 6 decimals
INT_DIGITS = 15  # |value| < 10**15
SUM_DIGITS = 28  # Spark's SUM adds 10 digits to its argument's type: 28 + 10 = 38


def _q(name: str) -> exp.Expression:
    return exp.column(name, quoted=True)


def _alias(e: exp.Expression, name: str) -> exp.Expression:
    return exp.alias_(e, name, quoted=True, copy=False)


def _num(value: int) -> exp.Expression:
    return exp.Literal.number(value)


def _dec(digits: int, places: int) -> exp.DataType:
    return sqlgen.decimal_type(digits, places)


def _count_where(cond: exp.Expression) -> exp.Expression:
    return exp.Count(this=sqlgen.case([(cond, _num(1))]))


_any, _all = sqlgen.any_of, sqlgen.all_of


# ---- reading the typed table ----------------------------------------------------------


def _read(fact: ir.FactDef) -> tuple[exp.Expression, exp.Expression]:
    """(the fact's value as the compiler reads it, the cell is readable) from its column."""
    col = _q(fact.name)
    if fact.kind in ("integer", "decimal"):
        digits, places = (INT_DIGITS, 0) if fact.kind == "integer" else (DEC_DIGITS, DEC_PLACES)
        limit = sqlgen.integer(10 ** (digits - places))
        as_dec = exp.Cast(this=col, to=_dec(digits, places))
        in_range = exp.And(this=exp.GT(this=col, expression=exp.Neg(this=limit)),
                           expression=exp.LT(this=col, expression=limit.copy()))
        # CASE, not AND: the cast is evaluated only once the value is known to fit
        # (ANSI-mode engines raise on a cast that overflows).
        readable = sqlgen.case([(sqlgen.is_null(col), exp.Boolean(this=True)),
                                (exp.Not(this=sqlgen.paren(in_range)), exp.Boolean(this=False))],
                               exp.EQ(this=col, expression=as_dec))
        return as_dec.copy(), readable
    if fact.kind == "date":  # a DATE column; a day past the reference's calendar is not read
        inside = exp.Between(this=col, low=sqlgen.date_literal(datetime.date.min),
                             high=sqlgen.date_literal(datetime.date.max))
        return col, sqlgen.paren(exp.Or(this=sqlgen.is_null(col), expression=inside))
    if fact.kind == "enum":
        members = list(fact.type.members)
        value = sqlgen.case([(exp.EQ(this=col, expression=exp.Literal.string(m)), _num(i))
                             for i, m in enumerate(members)])
        readable = exp.Or(this=sqlgen.is_null(col), expression=exp.In(
            this=col, expressions=[exp.Literal.string(m) for m in members]))
        return value, sqlgen.paren(readable)
    return col, exp.Boolean(this=True)


def _why(fact: ir.FactDef) -> str:
    if fact.kind == "integer":
        return f"{fact.name}: not an integer of at most {INT_DIGITS} digits"
    if fact.kind == "decimal":
        return (f"{fact.name}: not a number of at most {DEC_DIGITS - DEC_PLACES} whole digits "
                f"and {DEC_PLACES} decimals")
    if fact.kind == "date":
        return f"{fact.name}: not a day of years 1 to 9999"
    return f"{fact.name}: not one of the members of its type"


def _value_column(fact: ir.FactDef, column: str) -> FactColumn:
    """A fact's read value as the compiler sees it: numbers in base units."""
    col = _q(column)
    if fact.kind not in ("integer", "decimal"):
        return FactColumn(col)
    digits, places = (INT_DIGITS, 0) if fact.kind == "integer" else (DEC_DIGITS, DEC_PLACES)
    n = SqlNumber(col, 1, Fraction(10 ** (digits - places)), places)
    scale = fact.type.scale if isinstance(fact.type, ir.Num) else Fraction(1)
    return FactColumn(sqlgen.times(n, scale, f"fact `{fact.name}`"))


@attrs.frozen
class TargetQuery:
    """The totals of one target, per group, and how to read them back."""

    rule: ir.Rule
    sql: str
    dens: tuple[int, ...]  # the denominator of each aggregate's exact sum
    in_force: bool


@attrs.frozen
class Statements:
    """Everything one policy (or one entity of a policy with several) needs from the
    engine in one year."""

    dialect: str
    table: str
    records: str  # id, problem, then one outcome code column per rule (named as the rule)
    targets: tuple[TargetQuery, ...]
    rules: tuple[str, ...]
    entity: str = ""  # in a policy with several entities, the one these judge
    # The ids of the parent records, in order: the groups of a target `for each KEY`,
    # a parent with no parts among them. "" when no target groups by the parent.
    parent_ids: str = ""


@attrs.frozen
class EntityStatements:
    """The statements of a policy with several entities: one `Statements` per entity, each
    over that entity's table, parents before their parts."""

    dialect: str
    entities: dict[str, Statements]


# At most this many parts of one record: the type of a count of parts, and the bound of a sum.
MOST_PARTS = 10**6 - 1


class _Builder:
    """The SQL of one entity (or of a policy with one) over its typed table.

    Columns are named by the fact's place in the whole policy (`v<i>`) and group columns
    by the child entity's place (`g<k>_…`), so no two entities' columns share a name and a
    join of a part with its parent needs no qualifiers inside expressions."""

    def __init__(self, whole: ir.Policy, policy: ir.Policy, year: int, dialect: str, table: str,
                 entity: ir.Entity | None = None, builders: dict[str, _Builder] | None = None):
        self.whole, self.policy, self.year, self.dialect = whole, policy, year, dialect
        self.entity = entity
        self.builders = builders if builders is not None else {}  # every entity's, by name
        self.index = whole.entities.index(entity) if entity is not None else 0
        self.table = _table(table, dialect)
        self.value = {f.name: f"v{i}" for i, f in enumerate(whole.facts) if f in policy.facts}
        self.facts = {f.name: _value_column(f, self.value[f.name]) for f in policy.facts}
        self.compiler = ExprCompiler(self.facts, year, parts=self.part_agg)
        # per child entity: the columns of its GROUP BY, (name, value, decimal type or None)
        self.groups: dict[str, list[tuple[str, exp.Expression, tuple[int, int] | None]]] = {}

    # -- the entity's relations --------------------------------------------------------

    @property
    def children(self) -> list[ir.Entity]:
        return [e for e in self.whole.entities if self.entity is not None and e.parent == self.entity.name]

    @property
    def dup(self) -> str:
        """The column that holds for a record whose id appears twice (its parts are unknown)."""
        return f"__dup{self.index}"

    def sql(self, tree: exp.Expression, where: str) -> str:
        tree = adapt(tree, self.dialect)
        check_types(tree, self.dialect, where, self.types())
        return sqlgen.render(tree, self.dialect)

    def types(self) -> dict[str, tuple[int, int]]:
        out = {}
        for b in self.builders.values() or [self]:
            for f in b.policy.facts:
                if f.kind == "integer":
                    out[b.value[f.name]] = (INT_DIGITS, 0)
                elif f.kind == "decimal":
                    out[b.value[f.name]] = (DEC_DIGITS, DEC_PLACES)
            for child, columns in b.groups.items():
                out[self._size(child)] = (len(str(MOST_PARTS)), 0)
                out.update({name: typ for name, _, typ in columns if typ is not None})
        return out

    def facts_relation(self) -> exp.Expression:
        """The typed table read: `__id`, `__problem`, `v<i>` (a broken constraint drops the
        value); for a parent, whether its id appears twice; for a part, `__link`, what is
        wrong with the link to its parent."""
        facts = self.policy.facts
        read: list[exp.Expression] = [_alias(_q(ID), "__id")]
        problems: list[tuple[exp.Expression, exp.Expression]] = []
        for f in facts:
            value, readable = _read(f)
            read.append(_alias(sqlgen.case([(readable, value)]), f"r_{self.value[f.name]}"))
            problems.append((exp.Not(this=sqlgen.paren(readable)), exp.Literal.string(_why(f))))
        read.append(_alias(sqlgen.case(problems) if problems else exp.Null(), "__unreadable"))
        in_principle = any(r.modality == "in_principle" for r in self.policy.rules)
        if in_principle:
            read.append(_alias(_q(EXEMPTIONS_FIELD), "__exemptions"))
        if self.children:
            twice = exp.GT(this=exp.Window(this=exp.Count(this=exp.Star()), partition_by=[_q(ID)]),
                           expression=_num(1))
            read.append(_alias(twice, self.dup))
        cells = exp.select(*read, copy=False).from_(self.table.copy(), copy=False)
        # constraints are read on the values as read, in the first year, as the validator does
        raw = {f.name: _value_column(f, f"r_{self.value[f.name]}") for f in facts}
        checks = ExprCompiler(raw, self.policy.meta.period[0])
        kept: list[exp.Expression] = [_q("__id"), _q("__unreadable")]
        broken_facts: list[tuple[exp.Expression, exp.Expression]] = []
        for f in facts:
            broken = [exp.EQ(this=sqlgen.paren(checks.boolean(c)), expression=exp.Boolean(this=False))
                      for c in f.constraints]
            col = _q(f"r_{self.value[f.name]}")
            broken_facts += [(b.copy(), exp.Literal.string(f"{f.name}: breaks `{c.text.lstrip(', ')}`"))
                             for b, c in zip(broken, f.constraints, strict=True)]
            if broken:
                col = sqlgen.case([(_any([b.copy() for b in broken]), exp.Null())], col)
            kept.append(_alias(col, self.value[f.name]))
        if in_principle:
            kept.append(_q("__exemptions"))
        if self.children:
            kept.append(_q(self.dup))
        kept.append(_alias(sqlgen.case(broken_facts) if broken_facts else exp.Null(), "__broken"))
        relation = exp.select(*kept, copy=False).from_(cells.subquery("cells", copy=False), copy=False)
        if self.entity is None or self.entity.parent is None:
            return relation
        return self._linked(relation)

    def _linked(self, relation: exp.Expression) -> exp.Expression:
        """`relation` with `__link`: the reference's error on a part whose parent is missing,
        not found, or found twice (then its parent is unknown)."""
        e = self.entity
        parent = self.builders[e.parent]
        key = exp.column(self.value[e.key], table="facts", quoted=True)
        ids = (exp.select(_alias(_q(ID), "__pid"), _alias(exp.Count(this=exp.Star()), "__pn"), copy=False)
               .from_(parent.table.copy(), copy=False).group_by(_q(ID), copy=False))
        found = exp.column("__pn", table="parents", quoted=True)

        def said(*parts: exp.Expression | str) -> exp.Expression:
            out: exp.Expression = exp.Literal.string(f"{e.key}: ")
            for part in parts:
                out = exp.DPipe(this=out, expression=exp.Literal.string(part) if isinstance(part, str) else part)
            return out

        # a required key is missing as any required fact is, as the validator says it
        missing = f"`{e.key}` is missing" if not self.policy.fact(e.key).optional else \
            f"names no {e.parent}: `{e.key}` is missing"
        link = sqlgen.case([
            (sqlgen.is_null(key), said(missing)),
            (sqlgen.is_null(found), said(f"no {e.parent} has id `", key.copy(), "`")),
            (exp.GT(this=found.copy(), expression=_num(1)),
             said(f"{e.parent} id `", key.copy(), f"` appears twice, so this {e.name}'s {e.parent} is unknown"))])
        star = exp.Column(this=exp.Star(), table=exp.to_identifier("facts"))
        return (exp.select(star, _alias(link, "__link"), copy=False)
                .from_(relation.subquery("facts", copy=False), copy=False)
                .join(ids.subquery("parents", copy=False), join_type="left", copy=False,
                      on=exp.EQ(this=exp.column("__pid", table="parents", quoted=True), expression=key.copy())))

    def relation(self) -> exp.Expression:
        """The facts relation with, for each child entity, the columns of its parts' GROUP BY."""
        facts = self.facts_relation()
        if not self.groups:
            return facts
        cols: list[exp.Expression] = [exp.Column(this=exp.Star(), table=exp.to_identifier("f"))]
        q = exp.select(*cols, copy=False).from_(facts.subquery("f", copy=False), copy=False)
        for child, columns in self.groups.items():
            k = self.builders[child].index
            q = q.select(_q(self._size(child)), *(_q(name) for name, _, _ in columns), copy=False)
            q = q.join(self._group(child).subquery(f"g{k}", copy=False), join_type="left", copy=False,
                       on=exp.EQ(this=exp.column(f"g{k}__key", table=f"g{k}", quoted=True),
                                 expression=exp.column("__id", table="f", quoted=True)))
        return q

    def _size(self, child: str) -> str:
        return f"g{self.builders[child].index}__n"

    def _group(self, child: str) -> exp.Expression:
        """The parts of `child` of each record, one row per parent id: the parts joined with
        their parent (a condition on a part may name its parent's facts), a parent whose id
        appears twice left out (its aggregates are unknown)."""
        part = self.builders[child]
        k = part.index
        key = exp.column(part.value[part.entity.key], table="c", quoted=True)
        digits = len(str(MOST_PARTS))
        cols = [_alias(key, f"g{k}__key"),
                _alias(exp.Cast(this=exp.Count(this=exp.Star()), to=_dec(digits, 0)), self._size(child))]
        for name, value, typ in self.groups[child]:
            cols.append(_alias(exp.Cast(this=value, to=_dec(*typ)) if typ is not None else value, name))
        return (exp.select(*cols, copy=False).from_(part.relation().subquery("c", copy=False), copy=False)
                .join(self.facts_relation().subquery("p", copy=False), copy=False,
                      on=exp.EQ(this=key.copy(), expression=exp.column("__id", table="p", quoted=True)))
                .where(exp.Not(this=exp.column(self.dup, table="p", quoted=True)), copy=False)
                .group_by(key.copy(), copy=False))

    def part_agg(self, e: ir.ChildAgg) -> exp.Expression | SqlNumber | Quotient:
        """An aggregate over the parts of each record, read from this entity's relation."""
        part = self.builders.get(e.entity)
        if part is None or self.entity is None or part.entity.parent != self.entity.name:
            raise Unsupported(f"`{e.text}`", f"`{e.entity}` is not a part of this entity")
        # the language has no aggregate inside another: the argument reads facts only
        inner = ExprCompiler({**self.facts, **part.facts}, self.year)
        columns = self.groups.setdefault(e.entity, [])

        def column(value: exp.Expression, typ: tuple[int, int] | None) -> exp.Expression:
            name = f"g{part.index}_a{len(columns)}"
            columns.append((name, value, typ))
            return _q(name)

        return part_aggregate(e, inner, column, _q(self._size(e.entity)), MOST_PARTS, SUM_DIGITS,
                              unknown=_q(self.dup))

    # -- what the entity's rules and targets compute ----------------------------------

    def exempted(self, rule: ir.Rule) -> exp.Expression | None:
        keys = rule.exemption_keys
        if not keys:
            return None
        # ',C08,C14,' holds ',C08,': a clause id or rule name is a name, it cannot hold a comma
        listed = exp.DPipe(this=exp.DPipe(this=exp.Literal.string(","), expression=exp.Anonymous(
            this="replace", expressions=[_q("__exemptions"), exp.Literal.string(" "),
                                         exp.Literal.string("")])),
            expression=exp.Literal.string(","))
        hits = [exp.GT(this=exp.StrPosition(this=listed.copy(), substr=exp.Literal.string(f",{c},")),
                       expression=_num(0)) for c in keys]
        return sqlgen.paren(exp.And(this=sqlgen.not_null(_q("__exemptions")), expression=_any(hits)))

    def record_columns(self) -> list[exp.Expression]:
        problem = [_q("__broken")]
        if self.entity is not None and self.entity.parent is not None:
            problem.append(_q("__link"))
        cols: list[exp.Expression] = [_alias(_q("__id"), ID), _alias(exp.Coalesce(
            this=_q("__unreadable"), expressions=problem), PROBLEM)]
        for rule in self.policy.rules:
            try:
                code = sqlgen.outcome_code(rule, self.compiler, self.exempted(rule))
            except Unsupported as e:
                raise Unsupported(f"rule `{rule.name}`: {e.construct}", e.why) from None
            cols.append(_alias(code, rule.name))
        return cols

    def group(self, rule: ir.Rule) -> exp.Expression | None:
        if rule.group is None:
            return None
        fact = self.policy.fact(rule.group.fact)
        if fact.kind in ("integer", "decimal"):
            raise Unsupported(f"`for each {fact.name}`", "groups by a number")
        return _q(self.value[fact.name])

    def target_select(self, rule: ir.Rule) -> tuple[exp.Expression | None, tuple[int, ...], bool]:
        """The target's query without its FROM (None: nothing to ask), its sums' denominators,
        and whether it is in force."""
        group = self.group(rule)
        if not sqlgen.in_force(rule, self.year):
            if group is None:
                return None, (), False
            q = exp.select(group, copy=False).distinct(copy=False).where(sqlgen.not_null(group.copy()), copy=False)
            return q, (), False
        scope = self.compiler.boolean(rule.scope) if rule.scope is not None else exp.Boolean(this=True)
        has_group = sqlgen.not_null(group) if group is not None else exp.Boolean(this=True)
        no_group = sqlgen.is_null(group) if group is not None else exp.Boolean(this=False)
        inside = exp.And(this=sqlgen.paren(scope), expression=has_group)
        cols = [group if group is not None else exp.Null(), _count_where(sqlgen.is_null(scope.copy())),
                _count_where(exp.And(this=sqlgen.paren(scope.copy()), expression=no_group)),
                _count_where(inside)]
        dens = []
        for agg in TargetTotals(rule).aggs:
            arg = self.compiler(agg.arg)
            if isinstance(arg, SqlNumber):
                digits = sqlgen.digits_for(arg.bound, arg.places)
                if digits > SUM_DIGITS:
                    raise Unsupported(f"`{agg.text}`", f"a sum of values of {digits} digits could "
                                                       f"need more than {sqlgen.MAX_DIGITS}")
                value = exp.Cast(this=arg.sql, to=_dec(digits, arg.places))
                cols += [_count_where(exp.And(this=inside.copy(), expression=sqlgen.is_null(arg.sql.copy()))),
                         _num(0), exp.Sum(this=sqlgen.case([(inside.copy(), value)]))]
                dens.append(arg.den)
            else:
                cols += [_count_where(exp.And(this=inside.copy(), expression=sqlgen.is_null(arg))),
                         _count_where(exp.And(this=inside.copy(), expression=exp.EQ(
                             this=arg.copy(), expression=exp.Boolean(this=True)))),
                         exp.Null()]
                dens.append(1)
        q = exp.select(*cols, copy=False)
        if group is not None:
            q = q.group_by(group.copy(), copy=False)
        return q, tuple(dens), True

    def parent_ids(self) -> str:
        """The ids of the parent records, when a target groups the parts by their parent."""
        e = self.entity
        if e is None or e.parent is None or not any(
                t.group is not None and t.group.fact == e.key and t.group.values is None for t in self.policy.targets):
            return ""
        parent = self.builders[e.parent]
        q = (exp.select(_q(ID), copy=False).distinct(copy=False).from_(parent.table.copy(), copy=False)
             .where(sqlgen.not_null(_q(ID)), copy=False).order_by(_q(ID), copy=False))
        return self.sql(q, f"the ids of the {e.parent} records")


class _Compiled:
    """One builder's rules and targets compiled; `finish` renders them once every entity's
    aggregates over parts are known (a parent's rules add columns to its parts' relation)."""

    def __init__(self, b: _Builder):
        self.b = b
        self.records = b.record_columns()
        self.targets = []
        for rule in b.policy.targets:
            try:
                self.targets.append((rule, *b.target_select(rule)))
            except Unsupported as e:
                if e.construct.startswith("target `"):
                    raise
                raise Unsupported(f"target `{rule.name}`: {e.construct}", e.why) from None

    def finish(self, table: str) -> Statements:
        b = self.b
        records = exp.select(*self.records, copy=False).from_(b.relation().subquery("facts", copy=False), copy=False)
        targets = []
        for rule, q, dens, in_force in self.targets:
            sql = "" if q is None else b.sql(q.from_(b.relation().subquery("facts", copy=False), copy=False),
                                            f"target `{rule.name}`")
            targets.append(TargetQuery(rule, sql, dens, in_force))
        return Statements(b.dialect, table, b.sql(records, "the record query"), tuple(targets),
                          tuple(r.name for r in b.policy.rules), b.entity.name if b.entity else "",
                          b.parent_ids())


def _table(name: str, dialect: str) -> exp.Table:
    """`name` (`[catalog.][schema.]table`) as a table of quoted identifiers; ValueError
    when it is none."""
    try:
        table = exp.to_table(name, dialect=dialect)
    except _sqlglot_errors() as e:
        raise ValueError(f"`{name}` is not a table name ({str(e).splitlines()[0]})") from None
    if visible(name) != name:  # it would reach the SQL as it is, and act on a terminal
        raise ValueError(f"`{visible(name)}` is not a table name: it holds a control character")
    if not name.strip() or len(table.parts) > 3:
        raise ValueError(f"`{name}` is not a table name: write it as [catalog.][schema.]table")
    for part in table.find_all(exp.Identifier):
        part.set("quoted", True)  # a name, never pasted text
    return table


def _sqlglot_errors() -> tuple[type[Exception], ...]:
    from sqlglot.errors import ParseError, TokenError

    return (ParseError, TokenError)


def statements(policy, year: int, dialect: str = "duckdb",
               table: str | Mapping[str, str] | None = None) -> Statements | EntityStatements:
    """The SQL of `policy` (a `Policy` or its checked IR) in `year` for `dialect`, over
    `table` (default `facts`). For a policy with several entities, `table` maps each entity
    (or its plural) to its table (default: each entity's plural), and the answer is one
    `Statements` per entity. Raises `Unsupported` naming the rule and the construct the SQL
    cannot hold exactly."""
    checked: ir.Policy = getattr(policy, "ir", policy)
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect `{dialect}`; expected one of {', '.join(DIALECTS)}")
    if not checked.entities:
        if table is not None and not isinstance(table, str):
            raise ValueError(f"policy `{checked.meta.name}` judges one kind of record: give one table")
        return _Compiled(_Builder(checked, checked, year, dialect, table or "facts")).finish(table or "facts")
    tables = _entity_tables(checked, table)
    builders: dict[str, _Builder] = {}
    for e in checked.entities:
        builders[e.name] = _Builder(checked, checked.for_entity(e.name), year, dialect, tables[e.name], e, builders)
    compiled = [_Compiled(builders[e.name]) for e in checked.entities]
    return EntityStatements(dialect, {c.b.entity.name: c.finish(tables[c.b.entity.name]) for c in compiled})


def _entity_tables(policy: ir.Policy, table: str | Mapping[str, str] | None) -> dict[str, str]:
    if table is None:
        return {e.name: e.plural for e in policy.entities}
    names = ", ".join(f"`{e.name}`" for e in policy.entities)
    if isinstance(table, str):
        raise ValueError(f"policy `{policy.meta.name}` judges several kinds of record ({names}): "
                         "give a table for each")
    words = {w: e.name for e in policy.entities for w in (e.name, e.plural)}
    out = {e.name: e.plural for e in policy.entities}
    for key, name in table.items():
        if key not in words:
            raise ValueError(f"`{key}` is not an entity of policy `{policy.meta.name}`; its entities: {names}")
        out[words[key]] = name
    return out


# ---- reading totals back ------------------------------------------------------------


def target_results(policy, year: int, totals: Sequence[tuple[TargetQuery, Sequence[Sequence]]], *,
                   entity: str | None = None, parent_ids: Sequence[str] = ()):
    """The exact `TargetResult`s from the rows each target query returned. For an entity of
    a policy with several, `entity` names it and `parent_ids` are the rows of its
    `Statements.parent_ids` query (the groups of a target `for each KEY`)."""
    checked: ir.Policy = getattr(policy, "ir", policy)
    if entity is not None:
        from .entities import group_by_parent

        e = checked.entity_named(entity)
        checked = checked.for_entity(entity)
        if e.parent is not None and e.key is not None:
            checked = group_by_parent(checked, e.key, [row[0] if isinstance(row, Sequence) and not isinstance(row, str)
                                                       else row for row in parent_ids])
    stats = TargetStats(checked, year)
    for t, (query, rows) in zip(stats.targets, totals, strict=True):
        _feed(t, query, rows)
    return stats.results()


def _feed(t: TargetTotals, query: TargetQuery, rows: Sequence[Sequence]) -> None:
    def missing_sum(agg: ir.Agg) -> None:
        raise Unsupported(f"`{agg.text}`", "the engine returned no sum for known values")

    t.add_rows(rows, query.dens, query.in_force, missing_sum)


# ---- dialect typing ------------------------------------------------------------------

_ARITH = (exp.Add, exp.Sub, exp.Mul, exp.Mod)
_GROWING = ("spark", "databricks", "trino")  # result types computed from the operands' types


def adapt(tree: exp.Expression, dialect: str) -> exp.Expression:
    """The tree as `dialect` should see it. For engines whose decimal result type grows with
    the declared types of the operands, a widening cast on an operand becomes a cast of the
    result (the same value, a smaller declared type), and integer literals in arithmetic are
    typed exactly instead of as INT or BIGINT."""
    if dialect not in _GROWING:
        return tree

    def walk(old: exp.Expression) -> exp.Expression:
        # a new node for every position: `sqlgen` shares subtrees (a fact's column is one
        # node wherever the fact is read), so rewriting in place would rewrite them twice
        args = {}
        for key, child in old.args.items():
            if isinstance(child, exp.Expression):
                child = walk(child)
            elif isinstance(child, list):
                child = [walk(c) if isinstance(c, exp.Expression) else c for c in child]
            args[key] = child
        node = type(old)(**args)
        if isinstance(node, exp.DateAdd):  # a count of months or days: an integer, never a decimal
            node.set("expression", old.expression.copy())
            return node
        if isinstance(node, exp.Add | exp.Sub | exp.Mul):
            left = node.this
            if isinstance(left, exp.Cast) and _decimal_of(left.to) is not None:
                node.set("this", left.this)
                _type_literals(node)
                return exp.Cast(this=node, to=left.to)
        if isinstance(node, (*_ARITH, exp.Neg)):
            _type_literals(node)
        return node

    return walk(tree)


def _type_literals(node: exp.Expression) -> None:
    for key in ("this", "expression"):
        child = node.args.get(key)
        if isinstance(child, exp.Literal) and child.is_int:
            node.set(key, exp.Cast(this=child, to=_dec(max(1, len(child.this)), 0)))


def _decimal_of(t: exp.DataType) -> tuple[int, int] | None:
    if not isinstance(t, exp.DataType) or t.this != exp.DataType.Type.DECIMAL:
        return None
    params = [int(p.this.this) if isinstance(p.this, exp.Literal) else int(p.name)
              for p in t.expressions]
    if len(params) != 2:
        return None
    return params[0], params[1]


def check_types(tree: exp.Expression, dialect: str, where: str,
                columns: dict[str, tuple[int, int]]) -> None:
    """Raise `Unsupported` when an intermediate decimal type of `tree` in `dialect` could need
    more digits than the engine holds exactly. `columns` gives the decimal type of columns."""
    limit_whole, limit_places = (29, 9) if dialect == "bigquery" else (sqlgen.MAX_DIGITS, sqlgen.MAX_DIGITS)
    growing = dialect in _GROWING
    trino = dialect == "trino"

    def fits(p: int, s: int, construct: str) -> None:
        if p > sqlgen.MAX_DIGITS or p - s > limit_whole or s > limit_places:
            raise Unsupported(where, f"{construct} would be DECIMAL({p}, {s}) in {dialect}, "
                                     f"beyond what it holds exactly")

    def typ(node: exp.Expression) -> tuple[int, int] | None:
        """The decimal type of a numeric node, None for anything else (after checking its children)."""
        if isinstance(node, exp.Cast):
            inner = typ(node.this)
            to = _decimal_of(node.to)
            if to is not None:
                fits(*to, f"`{node.sql(dialect)[:60]}`")
                if inner is not None and (to[0] - to[1] < inner[0] - inner[1] or to[1] < inner[1]):
                    pass  # a narrowing cast: sqlgen only narrows to a bound it has proved
            return to
        if isinstance(node, exp.Paren):
            return typ(node.this)
        if isinstance(node, exp.Column):
            return columns.get(node.name)
        if isinstance(node, exp.Literal):
            if node.is_int:
                return (max(1, len(node.this)), 0)
            return None
        if isinstance(node, exp.Neg | exp.Abs):
            return typ(node.this)
        if isinstance(node, _ARITH):
            a, b = typ(node.this), typ(node.expression)
            if a is None or b is None:
                return a or b
            (p1, s1), (p2, s2) = a, b
            s = max(s1, s2)
            if isinstance(node, exp.Mul):
                p, s = (p1 + p2 + (0 if trino else 1)), s1 + s2
            elif isinstance(node, exp.Mod):
                p = min(p1 - s1, p2 - s2) + s
            else:
                p = max(p1 - s1, p2 - s2) + s + 1
            if growing:
                fits(p, s, f"`{node.sql(dialect)[:60]}`")
            return (min(p, sqlgen.MAX_DIGITS), s)
        if isinstance(node, exp.Case | exp.Least | exp.Greatest | exp.Coalesce):
            kids = [typ(c) for c in node.iter_expressions()]
            nums = [k for k in kids if k is not None]
            if isinstance(node, exp.Case):
                nums = [typ(i.args["true"]) for i in node.args.get("ifs", [])]
                nums += [typ(node.args["default"])] if node.args.get("default") else []
                nums = [k for k in nums if k is not None]
            if not nums:
                return None
            s = max(n[1] for n in nums)
            p = max(n[0] - n[1] for n in nums) + s
            if growing:
                fits(p, s, "a CASE of numbers")
            return (p, s)
        if isinstance(node, exp.Sum):
            t = typ(node.this)
            if t is None:
                return None
            if dialect == "spark":
                fits(min(t[0] + 10, sqlgen.MAX_DIGITS), t[1], "a SUM")
            return (sqlgen.MAX_DIGITS, t[1])
        if isinstance(node, exp.Binary | exp.Predicate):  # comparisons: both sides to one type
            kids = [typ(c) for c in node.iter_expressions()]
            nums = [k for k in kids if k is not None]
            if len(nums) == 2 and growing:
                s = max(n[1] for n in nums)
                fits(max(n[0] - n[1] for n in nums) + s, s, f"`{node.sql(dialect)[:60]}`")
            return None
        for child in node.iter_expressions():
            typ(child)
        return None

    typ(tree)


def outcome_name(code: int | None) -> str:
    """The outcome an integer code of the record query stands for."""
    return sqlgen_outcomes[code] if code is not None else "unknown"


sqlgen_outcomes = {v: k for k, v in CODE.items()}

__all__ = ["DIALECTS", "EntityStatements", "Statements", "TargetQuery", "Unsupported", "adapt", "check_types",
           "outcome_name", "statements", "target_results"]
