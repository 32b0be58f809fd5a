"""The SQL of a DuckDB batch, built from the checked IR and the shape of the input with
sqlglot (through `sqlgen`), and handed over as text in a `BatchPlan`: `duckdb_engine`
keeps plans between processes, so a batch of a policy and shape seen before neither
imports sqlglot nor builds a query.

One query turns the raw cells of `src` into exact typed values, decides for each record
whether it is *clean* (every cell in the plain form whose value SQL reads exactly as
`data.convert` does, no fact constraint broken, no exemption) and computes the outcome
code of every rule for the clean records; the plan also holds the queries of the targets
and the codes of the rules an exemption can touch.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from fractions import Fraction

from sqlglot import exp

from ..core import ir
from ..data.convert import MAX_DIGITS as _CONVERT_DIGITS  # noqa: F401 - documents the bound below
from . import sqlgen
from .sqlgen import ExprCompiler, FactColumn, SqlNumber
from .sqltext import ID, BatchPlan, Layout, Unsupported
from .validate import EXEMPTIONS_FIELD

# Plain numbers as the fast converter reads them, bounded so every product of two
# facts stays within 38 digits: up to 12 whole digits and 6 decimals for decimals,
# 15 digits for integers. Anything else goes to the Python validator.
_DECIMAL = r"[+-]?[0-9]{1,12}(\.[0-9]{1,6})?"
_INTEGER = r"[+-]?[0-9]{1,15}"
_DEC_TYPE, _INT_TYPE = "DECIMAL(18, 6)", "DECIMAL(18, 0)"
_DEC_BOUND, _INT_BOUND = Fraction(10**12), Fraction(10**15)
# The code points `str.strip()` removes, as ranges: a cell starting or ending with one is
# left to Python. Tested against `str.strip` over every code point.
STRIPPED = ((0x09, 0x0D), (0x1C, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
            (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000))
_TRUE, _FALSE = ("true", "yes", "1", "是"), ("false", "no", "0", "否")
_BOOL_WORDS = [w for pair in zip(_TRUE, _FALSE, strict=True) for w in pair]  # the likeliest first
_TRUE_FIRST = sorted({c for w in _TRUE for c in (w[0], w[0].upper())})
assert not {w[0] for w in _FALSE} & {c.lower() for c in _TRUE_FIRST}


def _q(name: str) -> exp.Expression:
    return exp.column(name, quoted=True)


def _sql(e: exp.Expression) -> str:
    return sqlgen.render(e, "duckdb")


def _str(value: str) -> exp.Expression:
    return exp.Literal.string(value)


def _fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _alias(e: exp.Expression, name: str) -> exp.Expression:
    return exp.alias_(e, name, quoted=True, copy=False)


def _count_where(cond: exp.Expression) -> exp.Expression:
    return exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=cond))


_any, _all = sqlgen.any_of, sqlgen.all_of


def _cell(kind: str, name: str) -> exp.Expression:
    """The cell of column `name` as text, NULL when empty (as the reader treats it). DuckDB's
    CSV reader already reads an empty field, quoted or not, as NULL (`nullstr` is empty,
    `allow_quoted_nulls` on): a `nullif` there would cost a copy of every cell."""
    col = _q(name)
    if kind == "csv":
        return col
    return _fn("nullif", exp.Cast(this=col, to=exp.DataType.build("VARCHAR")), _str(""))


def _kept(code: exp.Expression) -> exp.Expression:
    """The code point `code` is not one `str.strip()` removes (one list: each comparison
    would compute `code` again)."""
    return exp.Not(this=exp.In(this=code, expressions=[
        exp.Literal.number(c) for lo, hi in STRIPPED for c in range(lo, hi + 1)]))


def unpadded(cell: exp.Expression) -> exp.Expression:
    """A non-empty text neither starting nor ending with what `str.strip()` removes: its
    first and last code points compared (a pattern over the whole text scans every
    character of it)."""
    return exp.And(this=_kept(_fn("ord", cell)),
                   expression=_kept(_fn("ord", _fn("right", cell, exp.Literal.number(1)))))


def _fact_sql(fact: ir.FactDef, cell: exp.Expression) -> tuple[exp.Expression, exp.Expression]:
    """(the cell is clean, its typed value) for one fact. The value is unguarded: the
    caller reads it only where the cell is clean (`CASE WHEN clean THEN value END`), so
    each cell's pattern is matched once."""
    if fact.kind in ("integer", "decimal"):
        pattern = _INTEGER if fact.kind == "integer" else _DECIMAL
        ok = _fn("regexp_full_match", cell, _str(pattern))
        to = _INT_TYPE if fact.kind == "integer" else _DEC_TYPE
        value = exp.Cast(this=cell, to=exp.DataType.build(to))
    elif fact.kind == "bool":
        # the words as written first: equalities cost a third of a `lower` of every cell
        ok = sqlgen.case([(_any([exp.EQ(this=cell, expression=_str(w)) for w in _BOOL_WORDS]), exp.Boolean(this=True))],
                         exp.In(this=_fn("lower", cell), expressions=[_str(w) for w in _BOOL_WORDS]))
        # where the word is one of those, its first letter tells which (a comparison of
        # integers, where a second `lower` would copy every cell)
        value = exp.In(this=_fn("ord", cell), expressions=[exp.Literal.number(ord(c)) for c in _TRUE_FIRST])
    elif fact.kind == "date":
        # YYYY-MM-DD that is a day of the calendar; anything else goes to the reader's message
        parsed = _fn("try_strptime", cell, _str("%Y-%m-%d"))
        ok = exp.And(this=_fn("regexp_full_match", cell, _str(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")),
                     expression=sqlgen.not_null(parsed))
        value = exp.Cast(this=parsed.copy(), to=exp.DataType.build("DATE"))
    elif fact.kind == "enum":
        members = list(fact.type.members)
        ok = exp.In(this=cell, expressions=[_str(m) for m in members if m.strip()])
        value = sqlgen.case([(exp.EQ(this=cell, expression=_str(m)), exp.Literal.number(i))
                             for i, m in enumerate(members)])
    else:
        ok = unpadded(cell)
        value = cell
    missing = sqlgen.is_null(cell)
    clean = exp.Or(this=missing, expression=ok) if fact.optional else exp.And(
        this=sqlgen.not_null(cell), expression=ok)
    return sqlgen.paren(clean), value


_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                  "UBIGINT", "UHUGEINT"}


def _typed_fact_sql(fact: ir.FactDef, column: exp.Expression, typ: str
                    ) -> tuple[exp.Expression, exp.Expression] | None:
    """`_fact_sql` for a typed column read without going through text: a boolean column
    for a bool fact, an integer or exact decimal column for a number fact, a DATE column
    for a date fact, when the value is the one the column's text would give. None: go
    through the text."""
    if fact.kind == "bool" and typ == "BOOLEAN":
        ok, value = exp.Boolean(this=True), column
    elif fact.kind == "date" and typ == "DATE":
        # a day the reader's calendar holds (years 1 to 9999); ±infinity and days before
        # year 1 go to the reader, which decides what they are
        ok = exp.Between(this=column, low=sqlgen.date_literal(datetime.date.min),
                         high=sqlgen.date_literal(datetime.date.max))
        value = column
    elif fact.kind in ("integer", "decimal"):
        scale = None
        if typ in _INTEGER_TYPES:
            scale = 0
        elif typ.startswith("DECIMAL(") and fact.kind == "decimal":
            scale = int(typ.rstrip(")").split(",")[1])
        if scale is None or scale > 6:
            return None  # a decimal's text for an integer fact, or more decimals than SQL reads
        # within the digits the text pattern takes (`_INTEGER`, `_DECIMAL`)
        bound = exp.Literal.number(10 ** (15 if fact.kind == "integer" else 12) - 1)
        ok = exp.Between(this=column, low=exp.Neg(this=bound), high=bound)
        value = exp.Cast(this=column, to=exp.DataType.build(_INT_TYPE if fact.kind == "integer" else _DEC_TYPE))
    else:
        return None
    clean = exp.Or(this=sqlgen.is_null(column), expression=ok) if fact.optional else exp.And(
        this=sqlgen.not_null(column), expression=ok)
    return sqlgen.paren(clean), value


def _fact_column(fact: ir.FactDef, column: str) -> FactColumn:
    """A fact's typed column as the compiler reads it: numbers in base units."""
    col = _q(column)
    if fact.kind not in ("integer", "decimal"):
        return FactColumn(col)
    bound = _INT_BOUND if fact.kind == "integer" else _DEC_BOUND
    n = SqlNumber(col, 1, bound, 0 if fact.kind == "integer" else 6)
    scale = fact.type.scale if isinstance(fact.type, ir.Num) else Fraction(1)
    return FactColumn(sqlgen.times(n, scale, f"fact `{fact.name}`"))


def build(policy: ir.Policy, kind: str, columns: list[str], types: dict[str, str], year,
          field_chars: int, targets: Sequence, keep_cells: bool = True, lean: bool = False) -> BatchPlan:
    """The plan of a batch of `policy` in `year` over an input of `kind` ("csv": text
    cells, or "typed") with these columns and DuckDB types; `targets` are
    `TargetStats.targets`. A typed input's table keeps its cells unless `keep_cells` is
    false (they stay in the file, beside the table). A `lean` CSV batch keeps the values of
    the facts its targets and exemption queries read alone: its caller reads no other value
    of every record (a shown record is read again from its line). Unsupported when a
    construct has no exact SQL."""
    return _Builder(policy, kind, columns, types, year).plan(field_chars, targets, keep_cells, lean)


class _Builder:
    def __init__(self, policy: ir.Policy, kind: str, columns: list[str], types: dict[str, str], year):
        self.ir, self.kind, self.types, self.year = policy, kind, types, year
        self.layout = Layout(policy, columns)
        facts = {f.name: _fact_column(f, self.layout.value[f.name]) for f in policy.facts
                 if f.name in self.layout.present}
        self.compiler = ExprCompiler(facts, year)

    def plan(self, field_chars: int, targets: Sequence, keep_cells: bool, lean: bool) -> BatchPlan:
        kept = self._kept_columns(keep_cells)
        valued = self._set_facts([t.rule for t in targets]) if lean else {f.name for f in self.ir.facts}
        rec, values, held = self._records(field_chars, kept, valued)
        rules = [(i, rule) for i, rule in enumerate(self.ir.rules) if rule.exemption_keys]
        exempted = [(i, _sql(sqlgen.outcome_code(rule, self.compiler, exp.column(f"k{i}", table="ex"))))
                    for i, rule in rules]
        return BatchPlan(rec, values, held, tuple(kept), _sql(unpadded(_q("__id"))), self._targets(targets),
                         tuple(exempted))

    def _set_facts(self, targets: list[ir.Rule]) -> set[str]:
        """The facts the queries over every record read after the table is built: those
        of the targets (their groups too) and of the rules an exemption can touch."""
        read = self._exemption_facts()
        for rule in targets:
            read.update(rule.facts_read())
            if rule.group is not None:
                read.add(rule.group.fact)
        return read

    def _exemption_facts(self) -> set[str]:
        """The facts of the rules an exemption can touch."""
        return {name for rule in self.ir.rules if rule.exemption_keys for name in rule.facts_read()}

    def _kept_columns(self, keep_cells: bool) -> list[str]:
        """The input's columns whose cells `rec` keeps: all of them, or for cells that stay
        in a file, those the exemption queries read (the exemptions, the facts of the rules
        an exemption can touch), which join a few rows to the table: a join with the
        positional view built a hash table of every row (0.12 s against 0.01 s). The
        targets read the positional view: a scan of every record is what it is good at."""
        columns = list(self.layout.raw)
        if self.kind == "csv" or keep_cells:
            return columns
        read = self._exemption_facts() | {EXEMPTIONS_FIELD}
        return [c for c in columns if c in read]

    def _records(self, field_chars: int, kept: list[str], valued: set[str]
                 ) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        """The query of every record's id, flags, values (or a typed input's cells) and
        codes, and the view's values over a typed input's cells."""
        lay, kind = self.layout, self.kind
        # 1: cells, and whether each is clean (each test computed once)
        cells: list[exp.Expression] = [_alias(_cell(kind, ID) if ID in lay.present else exp.Null(), "__id")]
        typed: list[exp.Expression] = [_q("__id")]
        oks: list[exp.Expression] = []
        # A typed input keeps its cells, not the values: a value is the cell's cast, worked
        # out again by the view `recv` for the few queries that read values (a table of
        # both costs a third more to build). Values are read only where SQL read the record
        # (`__sql`), where every cell is clean: the view casts only there.
        stored: list[exp.Expression] = []
        held: list[exp.Expression] = []  # those over the cells `rec` keeps
        for k, fact in enumerate(self.ir.facts):
            if fact.name not in lay.present:
                if not fact.optional:
                    oks.append(exp.Boolean(this=False))
                typed.append(_alias(exp.Null(), lay.value[fact.name]))
                stored.append(_alias(exp.Null(), lay.value[fact.name]))
                held.append(_alias(exp.Null(), lay.value[fact.name]))
                continue
            typ = self.types.get(fact.name, "VARCHAR")
            typed_sql = None if kind == "csv" else _typed_fact_sql(fact, _q(f"__cell{k}"), typ)
            if typed_sql is not None:
                cell = _q(fact.name)
                ok, value = typed_sql
                again = _typed_fact_sql(fact, _q(lay.raw[fact.name]), typ)[1]
            else:
                cell = _cell(kind, fact.name)
                ok, value = _fact_sql(fact, _q(f"__cell{k}"))
                again = _fact_sql(fact, _cell(kind, lay.raw[fact.name]))[1]
            cells += [_alias(cell, f"__cell{k}"), _alias(ok, f"__ok{k}")]
            oks.append(_q(f"__ok{k}"))
            typed.append(_alias(sqlgen.case([(_q(f"__ok{k}"), value)]), lay.value[fact.name]))
            stored.append(_alias(sqlgen.case([(_q("__sql"), again)]), lay.value[fact.name]))
            if fact.name in kept:
                held.append(stored[-1].copy())
        has_ex = EXEMPTIONS_FIELD in lay.present
        if has_ex:
            cells.append(_alias(sqlgen.is_null(_cell(kind, EXEMPTIONS_FIELD)), "__no_ex"))
            typed.append(_q("__no_ex"))
        cells += [_alias(_q(column), alias) for column, alias in lay.raw.items()]
        if kind == "csv":  # a cell longer than the reader takes is the reader's row error
            limit = exp.Literal.number(field_chars)
            # characters counted only in a row with as many bytes: a text keeps its count of
            # bytes, a count of characters is a scan (a CASE, which DuckDB evaluates only
            # where its condition holds; both sides of an AND are evaluated on every row,
            # which cost 0.13 s at a million records)
            longer = [exp.GT(this=_fn("length", _q(c)), expression=limit) for c in lay.raw]
            many_bytes = exp.GT(this=_fn("coalesce", _fn("greatest", *[_fn("strlen", _q(c)) for c in lay.raw]),
                                         exp.Literal.number(0)), expression=limit)
            false = exp.Boolean(this=False)
            cells.append(_alias(sqlgen.case([(many_bytes, _fn("coalesce", _any(longer), false))], false.copy())
                                if longer else false, "__long"))
            typed.append(_q("__long"))
        # 2: typed values
        typed.append(_alias(_all(oks), "__cells"))
        typed += [_q(alias) for alias in lay.raw.values()]
        # 3: `__sql` = clean cells and no fact constraint broken (read in the first year, as
        # the validator reads them): the values are the validator's. `__clean` = and no
        # exemption either: the codes are SQL's too. A record with exemptions and
        # otherwise clean has only its exemptions read in Python.
        checks = ExprCompiler(self.compiler.facts, self.ir.meta.period[0])
        # A constraint that is unknown (it reads a missing fact) is not broken: coalesce.
        broken = [_fn("coalesce", exp.Not(this=sqlgen.paren(checks.boolean(c))), exp.Boolean(this=False))
                  for f in self.ir.facts if f.name in lay.present for c in f.constraints]
        is_sql = _q("__cells")
        if broken:
            is_sql = exp.And(this=is_sql, expression=exp.Not(this=sqlgen.paren(_any(broken))))
        judged = [exp.Star(), _alias(is_sql, "__sql")]
        is_clean = exp.And(this=_q("__sql"), expression=_q("__no_ex")) if has_ex else _q("__sql")
        cleaned = [exp.Star(), _alias(is_clean, "__clean")]
        # 4: codes, and raw cells only where the Python validator will need them
        codes = [sqlgen.outcome_code(rule, self.compiler) for rule in self.ir.rules]
        clean = _q("__clean")
        outer: list[exp.Expression] = [_q("__id"), _q("__sql"), clean]
        if kind == "csv":  # one list, NULL when clean: 34 NULL text columns would cost 16 bytes a cell
            outer += [_q(lay.value[f.name]) for f in self.ir.facts if f.name in valued]
            cells_list = exp.Array(expressions=[_q(alias) for alias in lay.raw.values()])
            outer.append(_alias(sqlgen.case([(clean, exp.Null())], cells_list), "__raw"))
        else:
            outer += [_q(lay.raw[c]) for c in kept]
        # a rule no exemption can touch is judged on every record whose values SQL read
        outer += [_alias(sqlgen.case([(clean if rule.exemption_keys else _q("__sql"), code)]), lay.code[i])
                  for i, (rule, code) in enumerate(zip(self.ir.rules, codes, strict=True))]
        outer.append(_alias(exp.Boolean(this=False), "__errors"))
        if kind == "csv":
            outer.append(_q("__long"))
        q = exp.select(*cells, copy=False).from_("src", copy=False)
        for i, cols in enumerate((typed, judged, cleaned, outer)):
            q = exp.select(*cols, copy=False).from_(q.subquery(f"q{i}", copy=False), copy=False)
        if kind == "csv":
            return _sql(q), (), ()
        return _sql(q), tuple(_sql(v) for v in stored), tuple(_sql(v) for v in held)

    def _targets(self, targets: Sequence) -> tuple[tuple[str, tuple[tuple[int, int, tuple[int, ...]], ...]], ...]:
        """The aggregate queries of the targets: the totals `TargetStats` keeps, per group.
        Targets of one group share one query (a scan each would cost 6 ms at a million
        records), their columns after the group's in the order of the parts. A target not
        in force only notes the groups met (no columns), where its groups are not listed."""
        by_group: dict[str, tuple[exp.Expression, list, list]] = {}  # group SQL -> (group, columns, parts)
        seen: dict[str, list] = {}  # group SQL -> the targets not in force
        for n, t in enumerate(targets):
            rule = t.rule
            group = self._group_sql(rule)
            key = _sql(group.copy())
            if not sqlgen.in_force(rule, self.year):
                # only the groups met are reported, and only when the policy does not list them
                if rule.group is not None and rule.group.values is None:
                    seen.setdefault(key, []).append(n)
                continue
            scope = self.compiler.boolean(rule.scope) if rule.scope is not None else exp.Boolean(this=True)
            inside = exp.And(this=sqlgen.paren(scope), expression=sqlgen.not_null(group.copy()))
            cols = [_count_where(sqlgen.is_null(scope)),
                    _count_where(exp.And(this=sqlgen.paren(scope), expression=sqlgen.is_null(group.copy()))),
                    _count_where(inside)]
            dens = []
            for agg in t.aggs:
                arg = self.compiler(agg.arg)
                if isinstance(arg, SqlNumber):
                    cols += [_count_where(exp.And(this=inside, expression=sqlgen.is_null(arg.sql))),
                             exp.Literal.number(0),
                             exp.Filter(this=exp.Sum(this=arg.sql), expression=exp.Where(this=inside))]
                    dens.append(arg.den)
                else:
                    cols += [_count_where(exp.And(this=inside, expression=sqlgen.is_null(arg))),
                             _count_where(exp.And(this=inside, expression=exp.EQ(
                                 this=arg, expression=exp.Boolean(this=True)))),
                             exp.Null()]
                    dens.append(1)
            _, columns, parts = by_group.setdefault(key, (group, [], []))
            columns += cols
            parts.append((n, len(cols), tuple(dens)))
        out = []
        for group, columns, parts in by_group.values():
            q = (exp.select(group.copy(), *columns, copy=False).from_("recv", copy=False)
                 .where(_q("__sql"), copy=False).group_by(group, copy=False))
            out.append((_sql(q), tuple(parts)))
        for indexes in seen.values():
            group = self._group_sql(targets[indexes[0]].rule)
            q = exp.select(group.copy(), copy=False).distinct(copy=False).from_("recv", copy=False).where(
                exp.And(this=_q("__sql"), expression=sqlgen.not_null(group)), copy=False)
            out.append((_sql(q), tuple((n, 0, ()) for n in indexes)))
        return tuple(out)

    def _group_sql(self, rule: ir.Rule) -> exp.Expression:
        """The group key of a target: its `for each` fact, or TRUE for the whole population."""
        if rule.group is None:
            return exp.Boolean(this=True)
        fact = self.ir.fact(rule.group.fact)
        if fact.kind in ("integer", "decimal"):
            raise Unsupported(f"`for each {fact.name}`", "groups by a number")
        col = self.compiler.facts.get(fact.name)
        return col.value.copy() if col is not None else exp.Null()
