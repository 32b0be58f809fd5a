"""Several entities judged by DuckDB, exactly: the reference's outcomes and explanations.

The records of every entity are read, validated and linked to their parents as the
reference reads them (`entities.evaluate_entities`), so ids, errors and links are the
reader's. Each entity's values then become a DuckDB table (numbers as exact decimals in
their display unit, as the batch engine holds them) and one query per entity computes the
outcome code of every per-record rule (`sqlgen.outcome_code`).

An aggregate over the parts of a record (`ir.ChildAgg`) is a column of a GROUP BY of the
parts, each joined with its parent (a condition on each part may name its parent's facts),
LEFT JOINed to the parent relation (`part_sql`, with the reference's three-valued logic).

The reference judges, and `Fallback` counts:

- a record holding a value the DECIMAL columns cannot hold exactly, or naming exemptions,
  or whose id appears twice while it has parts (its aggregates are unknown), or whose
  parts hold such a value;
- every record, for a rule SQL cannot express exactly (`sqlgen.Unsupported`), and for
  every rule of an entity whose query DuckDB refuses.

Targets are totalled by the compiled engine (`entities.evaluate_entities`), on every
record of their entity. Explanations are the reference's, worked out when first read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction

import attrs
from sqlglot import exp

from ..core import ir
from . import sqlgen
from .outcomes import judge_record
from .part_sql import part_aggregate
from .results import OUTCOMES, Outcome, RecordResult, deferred_outcome
from .sqlgen import ExprCompiler, FactColumn, Quotient, SqlNumber, Unsupported
from .validate import Record
from .values import Parts, Unknown

# The columns that hold numbers, as the batch engine reads them: up to 15 whole digits for
# an integer, 12 whole digits and 6 decimals for a decimal (so a product of two fits 38).
_COLUMN = {"integer": ("DECIMAL(18, 0)", 0, Fraction(10**15)), "decimal": ("DECIMAL(18, 6)", 6, Fraction(10**12))}
_TYPES = {"bool": "BOOLEAN", "text": "VARCHAR", "enum": "INTEGER", "date": "DATE"}


class _Unfit(Exception):
    """A value the columns cannot hold exactly: its record is judged by the reference."""


@attrs.frozen
class Fallback:
    """What the reference judged instead of SQL, for one entity: the records judged
    wholly in Python, and the rules judged in Python on every record (with the reason)."""

    records: int = 0
    rules: tuple[tuple[str, str], ...] = ()


def judge(policy: ir.Policy, parts: Mapping[str, ir.Policy], records: Mapping[str, list[Record]],
          year: int) -> tuple[dict[str, tuple[RecordResult, ...]], dict[str, Fallback]]:
    """Every per-record rule of every entity on its (linked) records: the results of each
    entity in input order, and what the reference judged instead of SQL."""
    from . import duckdb_engine

    con = duckdb_engine.connection()
    try:
        tables = _Tables(policy, records, con)
        results, fallback = {}, {}
        for e in policy.entities:
            results[e.name], fallback[e.name] = _Entity(tables, e, parts[e.name], year).judge()
        return results, fallback
    finally:
        con.close()


class _Tables:
    """One DuckDB table per entity, `e{k}`: `__row`, `__id`, and a column `f{j}` per fact
    (`j`: its place in `policy.facts`); and which records SQL cannot judge (`python`)."""

    def __init__(self, policy: ir.Policy, records: Mapping[str, list[Record]], con):
        from . import duckdb_engine

        self.policy, self.records, self.con = policy, records, con
        self.index = {f.name: j for j, f in enumerate(policy.facts)}
        self.name = {e.name: f"e{k}" for k, e in enumerate(policy.entities)}
        self.python: dict[str, set[int]] = {}
        self.parts = {e.name: 1 for e in policy.entities}  # the most parts of one record, per child entity
        for e in policy.entities:
            facts = [policy.fact(n) for n in e.facts]
            own_parts = [Parts(c.name) for c in policy.entities if c.parent == e.name]
            rows, python = [], set()
            writers = [(f.name, _writer(f)) for f in facts]
            for i, rec in enumerate(records[e.name]):
                get = rec.values.get
                try:
                    cells = [write(get(name)) for name, write in writers]
                except _Unfit:
                    cells = [None] * len(facts)
                    python.add(i)
                if rec.exemptions or any(isinstance(rec.values.get(k), Unknown) for k in own_parts):
                    python.add(i)
                rows.append([i, rec.id, *cells])
            self.python[e.name] = python
            columns = ["__row", "__id", *(f"f{self.index[f.name]}" for f in facts)]
            types = ["BIGINT", "VARCHAR", *(_type(f) for f in facts)]
            duckdb_engine.load_rows(con, self.name[e.name], columns, types, rows)
        # a record some of whose parts SQL cannot read: its aggregates are the reference's
        for e in policy.entities:
            if e.parent is None:
                continue
            parents = records[e.parent]
            where = {rec.id: i for i, rec in enumerate(parents)}
            for i in self.python[e.name]:
                key = records[e.name][i].values.get(e.key)
                if key in where:
                    self.python[e.parent].add(where[key])
            found = (rec.values.get(Parts(e.name)) for rec in parents)
            self.parts[e.name] = max([1, *(len(v) for v in found if isinstance(v, tuple))])

    def columns(self, entity: str, table: str) -> dict[str, FactColumn]:
        """The facts of `entity` as the compiler reads them from the table aliased `table`."""
        out = {}
        for name in self.policy.entity_named(entity).facts:
            fact = self.policy.fact(name)
            col = exp.column(f"f{self.index[name]}", table=table)
            if fact.kind in _COLUMN:
                _, places, bound = _COLUMN[fact.kind]
                scale = fact.type.scale if isinstance(fact.type, ir.Num) else Fraction(1)
                out[name] = FactColumn(sqlgen.times(SqlNumber(col, 1, bound, places), scale, f"fact `{name}`"))
            else:
                out[name] = FactColumn(col)
        return out


def _type(fact: ir.FactDef) -> str:
    return _COLUMN[fact.kind][0] if fact.kind in _COLUMN else _TYPES[fact.kind]


def _writer(fact: ir.FactDef) -> Callable[[object], str | None]:
    """A function of a validated value of `fact`: the text of its column's cell (None:
    missing); _Unfit when the column cannot hold it exactly."""
    kind = fact.kind
    if kind in _COLUMN:
        _, places, bound = _COLUMN[kind]
        scale = fact.type.scale if isinstance(fact.type, ir.Num) else Fraction(1)
        # value / scale in units of 10**-places, on integers: Fraction arithmetic costs more
        top, bottom, unit = scale.denominator * 10**places, scale.numerator, 10**places
        limit = int(bound) * unit

        def number(value):
            if value is None:
                return None
            num, den = value.numerator * top, value.denominator * bottom
            scaled, rest = divmod(num, den)
            if rest or not -limit < scaled < limit:
                raise _Unfit(fact.name)
            whole, part = divmod(abs(scaled), unit)
            sign = "-" if scaled < 0 else ""
            return f"{sign}{whole}.{part:0{places}d}" if places else f"{sign}{whole}"

        return number
    if kind == "bool":
        return lambda value: None if value is None else ("true" if value else "false")
    if kind == "date":
        return lambda value: None if value is None else value.isoformat()
    if kind == "enum":
        return lambda value: None if value is None else str(int(value))

    def text(value):
        # an empty text would read back as missing, a NUL byte does not pass through CSV
        if value is not None and (not isinstance(value, str) or not value or "\x00" in value):
            raise _Unfit(fact.name)
        return value

    return text


class _Entity:
    """The rules of one entity, judged by one query over its table and its parts' groups."""

    def __init__(self, tables: _Tables, entity: ir.Entity, part: ir.Policy, year: int):
        self.tables, self.entity, self.part, self.year = tables, entity, part, year
        self.groups: dict[str, list[exp.Expression]] = {}  # child entity -> its aggregate columns
        self.children = {e.name: e for e in tables.policy.entities if e.parent == entity.name}
        self.compiler = ExprCompiler(tables.columns(entity.name, "e"), year, parts=self._part_agg)

    def judge(self) -> tuple[tuple[RecordResult, ...], Fallback]:
        from .compiled import CompiledEngine

        rules = self.part.rules
        records = self.tables.records[self.entity.name]
        codes: list[exp.Expression | None] = []
        skipped: list[tuple[str, str]] = []
        for rule in rules:
            try:
                codes.append(sqlgen.outcome_code(rule, self.compiler))
            except Unsupported as why:
                codes.append(None)
                skipped.append((rule.name, str(why)))
        by_sql = self._run(codes) if records and any(c is not None for c in codes) else {}
        if by_sql is None:  # DuckDB refused the query: every rule by the reference
            skipped = [(r.name, "the query could not be run") for r in rules]
            codes, by_sql = [None] * len(rules), {}
        python = self.tables.python[self.entity.name]
        explainer = CompiledEngine(self.part)
        year = self.year
        # per rule: None (the reference judges it) or (name, clauses, modality, explain(record))
        plans = []
        for k, (rule, code) in enumerate(zip(rules, codes, strict=True)):
            if code is None:
                plans.append(None)
                continue
            over_parts = rule.reads_parts
            # a rule over parts reads the parts too: its explanation is not memoised on facts
            explain = ((lambda rec, rule=rule: judge_record(rule, rec.values, rec.exemptions, year).explanation)
                       if over_parts else
                       (lambda rec, k=k: explainer.outcome(k, rec.values, rec.exemptions, year).explanation))
            plans.append((k, rule.name, rule.clauses, rule.modality, explain))
        out = []
        for i, rec in enumerate(records):
            if i in python:
                out.append(RecordResult(rec.id, tuple(judge_record(r, rec.values, rec.exemptions, year)
                                                      for r in rules), rec.errors))
                continue
            row = by_sql.get(i)
            outcomes: list[Outcome] = []
            for rule, plan in zip(rules, plans, strict=True):
                if plan is None:
                    outcomes.append(judge_record(rule, rec.values, rec.exemptions, year))
                else:
                    k, name, clauses, modality, explain = plan
                    outcomes.append(deferred_outcome(name, clauses, modality, OUTCOMES[row[k]], explain, rec))
            out.append(RecordResult(rec.id, tuple(outcomes), rec.errors))
        return tuple(out), Fallback(len(python) if rules else 0, tuple(skipped))

    def _run(self, codes: Sequence[exp.Expression | None]) -> dict[int, tuple[int, ...]] | None:
        """Each record's codes (by row; a rule without SQL has code None), or None when
        DuckDB cannot run the query."""
        from . import duckdb_engine

        t = self.tables
        me = t.name[self.entity.name]
        select = [exp.column("__row", table="e")]
        select += [exp.alias_(c if c is not None else exp.Null(), f"r{k}") for k, c in enumerate(codes)]
        q = exp.select(*select).from_(exp.alias_(exp.to_table(me), "e"))
        for child, columns in self.groups.items():
            c = self.children[child]
            key = exp.column(f"f{t.index[c.key]}", table="c")
            g = (exp.select(exp.alias_(exp.column("__row", table="p"), "__p"),
                            exp.alias_(exp.Count(this=exp.Star()), "__n"), *columns)
                 .from_(exp.alias_(exp.to_table(t.name[child]), "c"))
                 .join(exp.alias_(exp.to_table(me), "p"),
                       on=exp.EQ(this=key, expression=exp.column("__id", table="p")))
                 .group_by(exp.column("__row", table="p")))
            q = q.join(g.subquery(self._group(child)), join_type="left",
                       on=exp.EQ(this=exp.column("__p", table=self._group(child)), expression=exp.column("__row", table="e")))
        try:
            rows = t.con.execute(sqlgen.render(q, "duckdb")).fetchall()
        except duckdb_engine.database_error():
            return None
        return {r[0]: r[1:] for r in rows}

    # -- aggregates over parts -------------------------------------------------------------

    def _group(self, child: str) -> str:
        """The alias of the GROUP BY of one child entity's parts."""
        return f"g_{self.tables.name[child]}"

    def _part_agg(self, e: ir.ChildAgg) -> exp.Expression | SqlNumber | Quotient:
        """The SQL of an aggregate over the parts of each record: a column of the parts'
        GROUP BY (`g_{entity}`)."""
        child = self.children.get(e.entity)
        if child is None:
            raise Unsupported(f"`{e.text}`", f"`{e.entity}` is not a part of `{self.entity.name}`")
        t = self.tables
        inner = ExprCompiler({**t.columns(self.entity.name, "p"), **t.columns(child.name, "c")}, self.year)
        columns = self.groups.setdefault(child.name, [])
        g = self._group(child.name)

        def column(value: exp.Expression, _type) -> exp.Expression:
            name = f"a{len(columns)}"
            columns.append(exp.alias_(value, name))
            return exp.column(name, table=g)

        return part_aggregate(e, inner, column, exp.column("__n", table=g), t.parts[child.name])
