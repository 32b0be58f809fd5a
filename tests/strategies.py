"""Shared hypothesis strategies: random policy text, random records for a policy, and
random syntax trees.

Use them to test anything that must hold for every policy and every record:

    from hypothesis import given
    from tests.strategies import policy_and_records

    @given(policy_and_records())
    def test_something(case):
        policy = policydsl.loads(case.policy.text)   # always checks without errors
        policy.evaluate(case.records, case.year)

What `policies()` draws (`GenPolicy.text` is a complete, valid `.pol` file):

- a period of three years and a fixed palette of facts, one of each kind: bool
  (`b1`, optional `b2`), integer with a counting unit (`n1` households, `n2` persons,
  with `>= 0` and `n2 <= n1`-free constraints), decimal with units (`d1` m2,
  optional `d2` m2, `y1` yuan per year), an ordered enum (`e1`: low < mid < high) and
  a text fact in a named set (`t1` in `zones`), a free text fact (`t2`, optional)
  and an integer without bounds (`i1`, optional);
- per-record rules with every modality (`must`, `in principle`, `strive`),
  optional scopes (`where`) and years (`in`, `from`, `from … to`), whose conditions
  combine comparisons, `between`, `in` / `not in` sets, enum levels, `and` / `or` /
  `not`, `if … then … else`, and numeric terms built from facts, quantities with
  units, rates (`20 m2 per 100 households`), percentages (`70% of y1`), `+ -`,
  `min` / `max` / `floor` / `ceil` / `abs` / unary `-`, `lookup` tables and year
  schedules; text comparisons with literals, some never in the data (`"p" = "q"`);
  scopes that compare with a schedule not in force in every year;
- population targets: `share`, `count`, `sum`, `mean` and ratios of sums, against
  constants or schedules, for the whole population or `for each` group;
- with `dates=True`, two date facts (`c1`, optional `c2`), comparisons of dates with
  literals in both forms, calendar arithmetic (`c1 + 6 months`, `eval_date - 2 years`),
  periodic duties (`c1 every 2 years`, `c2 每两年`),
  `eval_year`, days in force per rule, due days (`due c1 + 1 year`) and the policy's
  validity (`in force from`, `repealed on`).

`records(gen)` draws records (plain dicts, values written as CSV text would be)
that lean on the policy's own constants: exactly on a threshold, one cent either
side, zero, missing fields (so outcomes are `unknown`), malformed values (so
records carry errors) and exemptions for in-principle clauses; `i1` at and across the
int32, int64 and uint64 edges; `t2` and ids with control, bidi and zero-width characters.
`policy_and_records()` draws both together with a year inside the period.

For the formatter's round-trip properties, `modules()` builds any syntactically valid
`ast.Module` (names need not resolve) and `typed_rules()` builds rules the checker
accepts under `TYPED_HEADER`, so their fingerprints can be compared.

For the semantic diff and the impact report, `rule_versions()` draws one version of a
rule `r` about the facts of `VERSION_HEAD` (thresholds, operators, modality, years,
scope), and `records_near_thresholds(seed, n)` records on or next to its thresholds.

For several entities, `several_entities()` draws a policy of areas and their sites (the
site rules of `policies()`, area rules with every aggregate over parts) and the records
of each: areas with repeated ids and none at all, sites of no existing area.

This is the one strategies module of the tests: a strategy used by more than one test
file belongs here, not in a test file that others import.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

import attrs
from hypothesis import strategies as st

from policydsl.core import ast

# dimension -> (unit written after a constant, facts of that dimension)
UNITS = {"area": "m2", "count": "households", "money": "yuan per year", "plain": ""}
FACTS_OF = {"area": ("d1", "d2"), "count": ("n1",), "money": ("y1",), "plain": ("i1",)}
LEVELS = ("low", "mid", "high")
ZONES = ("north", "south", "east")
# Text literals of free-text comparisons: some occur in the data, some never do (two
# literals absent from the data must still differ), one is empty.
TEXTS = ("north", "p", "q", "west", "")
# Values of the free-text fact: the literals, and text with control and bidi characters.
TEXT_VALUES = (*TEXTS, "\x1b]0;x\x07", "a\u202eb", "\u200b", "社区")
# Integers at and across the edges of the machine types (engines with fixed-width
# arithmetic must not wrap): int32, int64 (-2**63 has no positive counterpart), uint64.
EDGE_INTEGERS = (2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**32, 2**53 + 1, 2**63 - 1, 2**63,
                 -(2**63), -(2**63) + 1, -(2**63) - 1, 2**64, -(2**64), 10**30, -(10**30))
# Characters a record id may hold besides its name: none of them may break a row or an
# output (line breaks are left out: a quoted line break is judged by the CSV recovery).
ID_SUFFIXES = ("", "", "", "", "\x1b[2J", "\u202e", "\u200b", "\x85", "\x07", "\t", "é", "\ufeff")
MODALITIES = ("must", "in principle", "strive")

FACT_DECLS = """\
set zones = {"north", "south", "east"}
entity site, sites
fact b1: bool
fact b2: bool optional
fact n1: integer household >= 0
fact n2: integer person >= 0
fact d1: decimal m2 >= 0
fact d2: decimal m2 optional
fact y1: decimal yuan per year
fact e1: enum low < mid < high
fact t1: text in zones
fact t2: text optional
fact i1: integer optional
"""
DATE_FACTS = """\
fact c1: date
fact c2: date optional
"""


@dataclass
class GenPolicy:
    """A generated policy: its text, period, clauses that may be exempted, and its constants."""

    text: str
    period: tuple[int, int]
    exemptible: list[str] = field(default_factory=list)
    numbers: dict[str, set[Decimal]] = field(default_factory=dict)  # dimension -> constants used
    dates: set[datetime.date] = field(default_factory=set)  # date constants used (with `dates=True`)


@dataclass
class Case:
    """A policy, records for it (plain dicts) and a year in its period."""

    policy: GenPolicy
    records: list[dict]
    year: int  # with `dates=True`, a `datetime.date` inside the period


class _Writer:
    """Draws expressions as text, remembering the constants it used."""

    def __init__(self, draw, period: tuple[int, int], dates: bool = False):
        self.draw = draw
        self.period = period
        self.numbers: dict[str, set[Decimal]] = {d: {Decimal(0)} for d in UNITS}
        self.with_dates = dates
        self.dates: set[datetime.date] = set()

    # ---- dates -----------------------------------------------------------------

    def day(self) -> datetime.date:
        first, last = self.period
        year = self.draw(st.integers(first, last))
        month, dom = self.draw(st.sampled_from([(1, 1), (2, 28), (2, 29), (6, 30), (7, 1), (8, 31),
                                                (12, 31)]))
        if (month, dom) == (2, 29) and year % 4:
            dom = 28
        d = datetime.date(year, month, dom)
        self.dates.add(d)
        return d

    def date_literal(self) -> str:
        d = self.day()
        return f"{d.year}年{d.month}月{d.day}日" if self.draw(st.booleans()) else d.isoformat()

    def date_term(self) -> str:
        kind = self.draw(st.sampled_from(["fact", "fact", "literal", "shift", "eval"]))
        if kind == "fact":
            return self.draw(st.sampled_from(["c1", "c2"]))
        if kind == "literal":
            return self.date_literal()
        duration = self.draw(st.sampled_from(["1 year", "2 years", "6 months", "1 month", "30 days",
                                              "2年", "6个月"]))
        op = self.draw(st.sampled_from(["+", "-"]))
        base = "eval_date" if kind == "eval" else self.draw(st.sampled_from(["c1", "c2", "eval_date"]))
        return f"{base} {op} {duration}"

    def date_cond(self) -> str:
        kind = self.draw(st.sampled_from(["cmp", "cmp", "between", "year", "every"]))
        if kind == "every":  # a periodic duty: `c1 >= eval_date - 2 years`, as a plan says it
            period = self.draw(st.sampled_from(["every 2 years", "every year", "every 6 months",
                                                "every 30 days", "每2年", "每两年", "每6个月", "每年"]))
            return f"{self.draw(st.sampled_from(['c1', 'c2']))} {period}"
        if kind == "between":
            return f"{self.date_term()} between {self.date_literal()} and {self.date_literal()}"
        if kind == "year":
            op = self.draw(st.sampled_from([">=", "<", "="]))
            return f"eval_year {op} {self.draw(st.integers(*self.period))}"
        op = self.draw(st.sampled_from([">=", ">", "<=", "<", "=", "!="]))
        return f"{self.date_term()} {op} {self.date_term()}"

    def number(self, dim: str) -> str:
        value = self.draw(st.sampled_from([0, 1, 3, 50, 100, 200, 400, 1000, 2000]))
        cents = self.draw(st.sampled_from([0, 0, 0, 5, 50, 99]))
        d = Decimal(value) + Decimal(cents) / 100
        if dim in ("count", "plain"):
            d = Decimal(value)
        self.numbers[dim].add(d)
        return f"{d} {UNITS[dim]}".rstrip()

    def percent(self) -> str:
        return f"{self.draw(st.sampled_from(['0', '30', '50', '70', '85', '95', '100', '12.5']))}%"

    def years(self) -> list[int]:
        first, last = self.period
        chosen = self.draw(st.lists(st.integers(first, last), min_size=1, max_size=3, unique=True))
        return sorted(chosen)

    # ---- numbers ---------------------------------------------------------------

    def num(self, dim: str, depth: int) -> str:
        leaves = ["fact", "fact", "const"]
        branches = ["pct", "add", "minmax", "round", "if", "lookup", "sched", "abs"] if depth > 0 else []
        kind = self.draw(st.sampled_from(leaves + branches))
        if kind == "fact":
            return self.draw(st.sampled_from(FACTS_OF[dim]))
        if kind == "const":
            return self.number(dim)
        d = depth - 1
        if kind == "pct":
            return f"({self.percent()} of {self.num(dim, d)})"
        if kind == "add":
            op = self.draw(st.sampled_from(["+", "-"]))
            return f"({self.num(dim, d)} {op} {self.num(dim, d)})"
        if kind == "minmax":
            f = self.draw(st.sampled_from(["min", "max"]))
            return f"{f}({self.num(dim, d)}, {self.num(dim, d)})"
        if kind == "abs":
            return f"abs({self.num(dim, d)})" if self.draw(st.booleans()) else f"(-{self.num(dim, d)})"
        if kind == "round":
            f = self.draw(st.sampled_from(["floor", "ceil"]))
            return f"{f}({self.num(dim, d)})"
        if kind == "if":
            return f"(if {self.cond(d)} then {self.num(dim, d)} else {self.num(dim, d)})"
        if kind == "lookup":
            lo = self.draw(st.sampled_from([100, 1000]))
            hi = lo * 2
            self.numbers["count"].update({Decimal(lo), Decimal(hi)})
            return (f"lookup n1 {{below {lo} households: {self.num(dim, d)}, "
                    f"{lo} to {hi} households: {self.num(dim, d)}, else: {self.num(dim, d)}}}")
        return self.schedule(lambda: self.num(dim, d))

    def schedule(self, value) -> str:
        return "[" + ", ".join(f"{y}: {value()}" for y in self.years()) + "]"

    def scope(self, depth: int) -> str:
        """A `where` condition; sometimes one that compares with a schedule, which is not
        in force in the years before its first entry."""
        if self.draw(st.integers(0, 3)) == 0:
            dim = self.draw(st.sampled_from(list(UNITS)))
            fact = self.draw(st.sampled_from(FACTS_OF[dim]))
            return f"{fact} >= {self.schedule(lambda: self.number(dim))}"
        return self.cond(depth)

    # ---- conditions ---------------------------------------------------------------

    def cond(self, depth: int) -> str:
        leaves = ["bool", "cmp", "cmp", "between", "set", "level", "text"] + (["date"] * 3 if self.with_dates else [])
        branches = ["and", "or", "not", "if", "rate"] if depth > 0 else []
        kind = self.draw(st.sampled_from(leaves + branches))
        d = max(depth - 1, 0)
        if kind == "date":
            return self.date_cond()
        if kind == "bool":
            return self.draw(st.sampled_from(["b1", "b2"]))
        if kind == "cmp":
            dim = self.draw(st.sampled_from(list(UNITS)))
            op = self.draw(st.sampled_from([">=", ">", "<=", "<", "=", "!="]))
            return f"{self.num(dim, d)} {op} {self.num(dim, d)}"
        if kind == "between":
            dim = self.draw(st.sampled_from(list(UNITS)))
            return f"{self.num(dim, d)} between {self.number(dim)} and {self.number(dim)}"
        if kind == "set":
            if self.draw(st.booleans()):
                return f"t1 {self.draw(st.sampled_from(['in', 'not in']))} zones"
            chosen = self.draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=2, unique=True))
            return "t1 in {" + ", ".join(f'"{z}"' for z in chosen) + "}"
        if kind == "text":
            op = self.draw(st.sampled_from(["=", "!="]))
            left = self.draw(st.sampled_from(["t2", "t2", "t1", "lit"]))
            right = self.draw(st.sampled_from(TEXTS))
            left = f'"{self.draw(st.sampled_from(TEXTS))}"' if left == "lit" else left
            return f'{left} {op} "{right}"'
        if kind == "level":
            op = self.draw(st.sampled_from([">=", ">", "=", "!=", "<"]))
            return f"e1 {op} {self.draw(st.sampled_from(LEVELS))}"
        if kind == "rate":
            per = self.draw(st.sampled_from([1, 100, 400]))
            amount = self.draw(st.sampled_from([1, 20, 35]))
            self.numbers["area"].add(Decimal(amount) / per)
            return f"d1 >= {amount} m2 per {per} households"
        if kind == "not":
            return f"not ({self.cond(d)})"
        if kind == "if":
            return f"(if {self.cond(d)} then {self.cond(d)} else {self.cond(d)})"
        return f"({self.cond(d)}) {kind} ({self.cond(d)})"

    # ---- targets -------------------------------------------------------------------

    def measure(self, depth: int) -> str:
        kind = self.draw(st.sampled_from(["share", "count", "sum", "mean", "ratio"]))
        op = self.draw(st.sampled_from([">=", ">", "<="]))
        if kind == "share":
            threshold = self.schedule(self.percent) if self.draw(st.booleans()) else self.percent()
            return f"share({self.cond(depth)}) {op} {threshold}"
        if kind == "count":
            return f"count({self.cond(depth)}) {op} {self.draw(st.integers(0, 4))}"
        if kind in ("sum", "mean"):
            return f"{kind}({self.num('area', depth)}) {op} {self.number('area')}"
        return f"sum({self.num('area', depth)}) / sum(d1) {op} {self.percent()}"


def _years_attr(draw, period: tuple[int, int]) -> str:
    first, last = period
    kind = draw(st.sampled_from(["", "", "in", "from", "range"]))
    if kind == "in":
        return f"  in {draw(st.integers(first, last))}\n"
    if kind == "from":
        return f"  from {draw(st.integers(first, last))}\n"
    if kind == "range":
        a = draw(st.integers(first, last))
        return f"  from {a} to {draw(st.integers(a, last))}\n"
    return ""


def _days_attr(draw, w: _Writer) -> str:
    """A rule's days in force (with `dates=True`): from, until, or both."""
    kind = draw(st.sampled_from(["", "", "from", "until", "both"]))
    if not kind:
        return ""
    a, b = sorted([w.day(), w.day()])
    keyword = draw(st.sampled_from(["in force ", ""]))
    if kind == "from":
        return f"  {keyword}from {a.isoformat()}\n"
    if kind == "until":
        return f"  in force until {b.isoformat()}\n"
    return f"  {keyword}from {a.isoformat()} until {b.isoformat()}\n"


def _validity(draw, w: _Writer) -> str:
    """The policy's days in force, amendment, repeal and successor (with `dates=True`)."""
    start, amended, repealed = sorted([w.day(), w.day(), w.day()])
    out = f"  in force from {start.isoformat()}\n" if draw(st.booleans()) else ""
    if draw(st.integers(0, 3)) == 0:
        out += f"  amended on {amended.isoformat()}\n  superseded by generated_next\n"
    if draw(st.integers(0, 2)) == 0:
        out += f"  repealed on {repealed.isoformat()}\n"
    return out


@st.composite
def policies(draw, max_rules: int = 4, max_targets: int = 2, depth: int = 2, dates: bool = False) -> GenPolicy:
    """A random valid policy over the fixed fact palette (see the module docstring)."""
    start = draw(st.sampled_from([2021, 2023]))
    period = (start, start + 2)
    w = _Writer(draw, period, dates)
    header = f"policy generated period {period[0]} to {period[1]}\n"
    if dates:
        header += _validity(draw, w)
    parts = [header, FACT_DECLS + (DATE_FACTS if dates else "")]
    exemptible: list[str] = []
    n_rules = draw(st.integers(1, max_rules))
    for i in range(n_rules):
        modality = draw(st.sampled_from(MODALITIES))
        clause = f"R{i}"
        if modality == "in principle":
            exemptible.append(clause)
        days = _days_attr(draw, w) if dates else ""
        text = f"rule r{i}\n  clause {clause}\n" + (days or _years_attr(draw, period))
        if draw(st.booleans()):
            text += f"  where {w.scope(1)}\n"
        if dates and draw(st.integers(0, 2)) == 0:
            text += f"  due {w.date_term()}\n"
        text += f"  {modality} {w.cond(depth)}\n"
        parts.append(text)
    for i in range(draw(st.integers(0, max_targets))):
        modality = draw(st.sampled_from(MODALITIES))
        days = _days_attr(draw, w) if dates else ""
        text = f"target g{i}\n  clause T{i}\n" + (days or _years_attr(draw, period))
        if draw(st.booleans()):
            text += f"  where {w.scope(0)}\n"
        group = draw(st.sampled_from(["", "t1", "e1", "b1", "t1 in {\"north\", \"east\"}"]))
        if group:
            text += f"  for each {group}\n"
        measure = w.measure(1)
        if draw(st.integers(0, 3)) == 0:
            measure = f"{measure} {draw(st.sampled_from(['and', 'or']))} {w.measure(0)}"
        text += f"  {modality} {measure}\n"
        parts.append(text)
    return GenPolicy("\n".join(parts), period, exemptible, w.numbers, w.dates)


def _decimal_text(value: Decimal) -> str:
    return format(value, "f")


def _number(draw, gen: GenPolicy, dim: str, integer: bool) -> str:
    base = draw(st.sampled_from(sorted(gen.numbers.get(dim, {Decimal(0)}))))
    nudge = draw(st.sampled_from([Decimal(0), Decimal(0), Decimal("0.01"), Decimal("-0.01"),
                                  Decimal(1), Decimal(-1), Decimal(7)]))
    value = base + nudge
    if integer:
        value = value.to_integral_value()
    if value < 0 and draw(st.booleans()):
        value = -value
    # The same number written in different exact ways.
    text = _decimal_text(value)
    if not integer and draw(st.integers(0, 4)) == 0:
        text += "0"
    return text


@st.composite
def record_for(draw, gen: GenPolicy, index: int = 0, damage: int = 20) -> dict:
    """One record as plain text fields; a field is missing or malformed once in
    `damage / 2` draws."""
    rec: dict[str, object] = {"id": f"s{index}{draw(st.sampled_from(ID_SUFFIXES))}"}
    specs = [("b1", "bool"), ("b2", "bool"), ("n1", "count"), ("n2", "person"), ("d1", "area"),
             ("d2", "area"), ("y1", "money"), ("e1", "enum"), ("t1", "text"), ("t2", "free"),
             ("i1", "wide")]
    if gen.dates:
        specs += [("c1", "date"), ("c2", "date")]
    for name, kind in specs:
        roll = draw(st.integers(0, damage - 1))
        if roll == 0:
            continue  # missing
        if roll == 1:
            rec[name] = draw(st.sampled_from(["", "n/a", "-3", "1,000", "medium"]))
            continue
        if kind == "date":
            # On a date the policy names, a day either side, a month either side, or malformed.
            base = draw(st.sampled_from(sorted(gen.dates) or [datetime.date(2022, 1, 1)]))
            moved = base + datetime.timedelta(days=draw(st.sampled_from([0, 0, 1, -1, 31, -31, 365])))
            rec[name] = draw(st.sampled_from([moved.isoformat()] * 6 + ["2022/01/01", "2023-02-29"]))
        elif kind == "bool":
            rec[name] = draw(st.sampled_from(["true", "false", "yes", "0"]))
        elif kind == "enum":
            rec[name] = draw(st.sampled_from(LEVELS))
        elif kind == "text":
            rec[name] = draw(st.sampled_from(ZONES))
        elif kind == "free":
            rec[name] = draw(st.sampled_from(TEXT_VALUES))
        elif kind == "wide" and draw(st.booleans()):
            rec[name] = str(draw(st.sampled_from(EDGE_INTEGERS)))
        elif kind == "wide":
            rec[name] = _number(draw, gen, "plain", integer=True)
        elif kind == "person":
            rec[name] = str(draw(st.integers(0, 12)))
        else:
            rec[name] = _number(draw, gen, kind, integer=(kind == "count"))
    if gen.exemptible and draw(st.integers(0, 3)) == 0:
        clause = draw(st.sampled_from(gen.exemptible))
        rec["exemptions"] = {clause: "approved by the district"}
    return rec


@st.composite
def records(draw, gen: GenPolicy, min_size: int = 0, max_size: int = 12, damage: int = 20) -> list[dict]:
    """Records for `gen`, with distinct ids."""
    n = draw(st.integers(min_size, max_size))
    return [draw(record_for(gen, i, damage)) for i in range(n)]


@st.composite
def policy_and_records(draw, max_records: int = 12, damage: int = 20, dates: bool = False) -> Case:
    """A policy, records for it and a year inside its period (with `dates`, a day: one the
    policy names, a day either side of it, or a year's last day). A higher `damage` draws
    fewer missing and malformed fields (an engine that hands damaged records to another
    path is tested on clean ones with a high value)."""
    gen = draw(policies(dates=dates))
    recs = draw(records(gen, max_size=max_records, damage=damage))
    year = draw(st.integers(*gen.period))
    if dates:
        days = sorted(d for d in gen.dates if gen.period[0] <= d.year <= gen.period[1])
        day = draw(st.sampled_from(days or [datetime.date(year, 12, 31)]))
        day = day + datetime.timedelta(days=draw(st.sampled_from([0, 0, 1, -1])))
        if not gen.period[0] <= day.year <= gen.period[1]:
            day = datetime.date(year, 12, 31)
        return Case(gen, recs, day)  # type: ignore[arg-type]
    return Case(gen, recs, year)


# ---- several entities ----------------------------------------------------------------

AREA_DECLS = """\
entity area, areas
fact a_cap: integer >= 0
fact a_room: decimal m2 optional
fact a_open: bool
"""
AREA_IDS = ("a1", "a2", "a3")


@dataclass
class EntitiesCase:
    """A policy with areas and their sites, the records of each (plain dicts), a year."""

    policy: GenPolicy
    areas: list[dict]
    sites: list[dict]
    year: int


def _over_sites(w: _Writer) -> str:
    """A condition on an area measuring its sites (their facts, and the area's own)."""
    draw = w.draw
    op = draw(st.sampled_from([">=", ">", "<=", "<", "=", "!="]))
    kind = draw(st.sampled_from(["count", "count_if", "sum", "sum_cap", "min", "max", "all", "any",
                                 "not_any", "share", "parent", "both"]))
    if kind == "count":
        return f"count(sites) {op} {draw(st.integers(0, 4))}"
    if kind == "count_if":
        return f"count(sites, {w.cond(1)}) {op} {draw(st.integers(0, 3))}"
    if kind == "sum":
        return f"sum(sites, {w.num('area', 1)}) {op} {w.number('area')}"
    if kind == "sum_cap":
        return f"sum(sites, i1) {op} a_cap"
    if kind in ("min", "max"):
        return f"{kind}(sites, {w.num('area', 1)}) {op} {w.number('area')}"
    if kind in ("all", "any"):
        return f"{kind}(sites, {w.cond(1)})"
    if kind == "not_any":
        return f"not any(sites, {w.cond(1)})"
    if kind == "share":
        return f"share(sites, {w.cond(1)}) {op} {w.percent()}"
    if kind == "parent":  # each site compared with its area's facts
        return draw(st.sampled_from(["all(sites, i1 <= a_cap)", "any(sites, d1 >= a_room)",
                                     "count(sites, b1 = a_open) >= 1", "min(sites, d2) <= a_room"]))
    return f"({_over_sites(w)}) {draw(st.sampled_from(['and', 'or']))} ({_over_sites(w)})"


@st.composite
def several_entities(draw, max_rules: int = 3) -> EntitiesCase:
    """Areas (ids that may repeat, `a_cap` at and beside the sums its sites reach, `a_room`
    missing at times, exemptions) and sites, each naming an area or none that exists or
    none at all, with the site records of `record_for`; the site rules of `policies()` and
    area rules measuring the sites with every aggregate over parts, some naming the area's
    facts inside. An area may have no sites."""
    gen = draw(policies(max_rules=2, max_targets=1))
    w = _Writer(draw, gen.period)
    w.numbers = gen.numbers
    rules = []
    for i in range(draw(st.integers(1, max_rules))):
        modality = draw(st.sampled_from(MODALITIES))
        if modality == "in principle":
            gen.exemptible.append(f"A{i}")
        text = f"rule p{i}\n  clause A{i}\n" + _years_attr(draw, gen.period)
        if draw(st.integers(0, 3)) == 0:
            text += "  where a_open\n"
        rules.append(text + f"  {modality} {_over_sites(w)}\n")
    head, _, palette = gen.text.partition(FACT_DECLS)
    sites_decl = FACT_DECLS.replace("entity site, sites", "entity site, sites part of area by area_id\n"
                                    "fact area_id: text")
    text = head + AREA_DECLS + sites_decl + palette + "\n" + "\n".join(rules)
    policy = GenPolicy(text, gen.period, gen.exemptible, gen.numbers)
    sites = draw(records(policy, max_size=9, damage=30))
    for site in sites:
        site["area_id"] = draw(st.sampled_from([*AREA_IDS, *AREA_IDS, "a9", ""]))
        # the integer edges only at times: a value past the SQL columns is judged in Python
        if site.get("i1") in {str(v) for v in EDGE_INTEGERS} and draw(st.integers(0, 3)):
            site["i1"] = str(draw(st.integers(-3, 12)))
    ids = draw(st.lists(st.sampled_from(AREA_IDS), min_size=0, max_size=3, unique=True))
    if ids and draw(st.integers(0, 4)) == 0:
        ids.append(draw(st.sampled_from(ids)))  # an id that appears twice
    sums = [0, *(int(x) for x in gen.numbers.get("plain", ())), 3, 12]
    areas = []
    for aid in ids:
        area: dict[str, object] = {"id": aid, "a_cap": str(draw(st.sampled_from(sums)) + draw(st.sampled_from([0, 0, 1, -1])))}
        if draw(st.booleans()):
            area["a_room"] = _number(draw, policy, "area", integer=False)
        area["a_open"] = draw(st.sampled_from(["true", "false", "maybe"]))
        if policy.exemptible and draw(st.integers(0, 4)) == 0:
            area["exemptions"] = {draw(st.sampled_from(policy.exemptible)): "approved"}
        areas.append(area)
    return EntitiesCase(policy, areas, sites, draw(st.integers(*gen.period)))


# ---- random syntax trees ---------------------------------------------------------

# Names and units that are neither keywords nor contain one, in both scripts.
NAMES = ("a", "b", "area", "households", "x1", "has_office", "level_2", "面积", "户数", "区域", "工资水平")
AST_UNITS = ("m2", "households", "yuan", "year", "km", "平方米", "户", "万元", "千米", "元", "年", "人")
FUNCS = ("min", "max", "count", "share", "sum", "floor")

names = st.sampled_from(NAMES)
units = st.sampled_from(AST_UNITS)
number_texts = st.from_regex(r"[0-9]{1,5}(\.[0-9]{1,3})?", fullmatch=True)
years = st.integers(2000, 2099)
strings = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


date_lits = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2099, 12, 31)).flatmap(
    lambda d: st.sampled_from([ast.DateLit(d.isoformat()),
                               ast.DateLit(d.isoformat(), text=f"{d.year}年{d.month}月{d.day}日")]))


def _leaves() -> st.SearchStrategy[ast.Expr]:
    return st.one_of(
        date_lits,
        st.builds(ast.Number, number_texts, st.none() | units),
        st.builds(ast.Percent, number_texts),
        st.builds(ast.Bool, st.booleans()),
        st.builds(ast.String, strings),
        st.builds(ast.Name, names),
    )


set_values = st.one_of(st.builds(ast.String, strings), st.builds(ast.Number, number_texts),
                       st.builds(ast.Name, names))
set_literals = st.builds(ast.SetLiteral, st.lists(set_values, max_size=4).map(tuple))
set_refs = st.one_of(st.builds(ast.Name, names), set_literals)


def _extend(sub: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    def bracket(kind: str):
        low = sub if kind in ("above", "from", "range") else st.none()
        high = sub if kind in ("below", "range") else st.none()
        return st.builds(ast.Bracket, st.just(kind), low, high, sub)

    brackets = st.sampled_from(("below", "above", "from", "range", "else")).flatmap(bracket)
    return st.one_of(
        st.builds(ast.Neg, sub),
        st.builds(ast.Binary, st.sampled_from(("+", "-", "*", "/", "of")), sub, sub),
        st.builds(ast.Per, sub, st.none() | number_texts, units),
        st.builds(ast.Compare, st.sampled_from((">=", ">", "<=", "<", "=", "!=")), sub, sub),
        st.builds(ast.Between, sub, sub, sub),
        st.builds(ast.InSet, sub, set_refs, st.booleans()),
        st.builds(ast.BoolOp, st.sampled_from(("and", "or")), sub, sub),
        st.builds(ast.Not, sub),
        st.builds(ast.If, sub, sub, sub),
        st.builds(ast.Call, st.sampled_from(FUNCS), st.lists(sub, max_size=3).map(tuple)),
        st.builds(ast.Schedule, st.lists(st.builds(ast.ScheduleEntry, years, sub), min_size=1,
                                         max_size=3).map(tuple)),
        st.builds(ast.Lookup, sub, st.lists(brackets, min_size=1, max_size=3).map(tuple)),
    )


exprs = st.recursive(_leaves(), _extend, max_leaves=12)

unit_exprs = st.builds(ast.UnitExpr, st.tuples(units), st.lists(units, max_size=2).map(tuple))
fact_types = st.one_of(
    st.builds(ast.FactType, st.sampled_from(("bool", "text"))),
    st.builds(ast.FactType, st.sampled_from(("integer", "decimal")), st.none() | unit_exprs),
    st.builds(ast.FactType, st.just("enum"), st.none(), st.lists(names, min_size=2, max_size=4).map(tuple)),
)
constraints = st.one_of(
    st.builds(ast.FactConstraint, st.just("cmp"), st.sampled_from((">=", "<=", ">", "<", "=")), exprs),
    st.builds(ast.FactConstraint, st.just("in"), st.none(), set_refs),
    st.builds(ast.FactConstraint, st.just("optional")),
)
clause_refs = st.lists(st.builds(ast.ClauseRef, st.from_regex(r"C[0-9]{2}", fullmatch=True)),
                       max_size=2).map(tuple)
year_ranges = st.one_of(
    years.map(lambda y: ast.Years("in", y, y)),
    st.builds(ast.Years, st.just("from"), years, st.none() | years),
    st.builds(ast.Years, st.just("until"), st.none(), years),
    st.builds(ast.InForce, date_lits, st.none() | date_lits),
    st.builds(ast.InForce, st.none(), date_lits),
)
validities = st.builds(ast.Validity, st.none() | date_lits, st.none() | date_lits,
                       st.lists(date_lits, max_size=2).map(tuple), st.none() | date_lits,
                       st.none() | names).filter(lambda v: v != ast.Validity())
modalities = st.sampled_from(("must", "in_principle", "strive"))

decls = st.one_of(
    st.builds(ast.UnitDecl, st.lists(names, min_size=1, max_size=3).map(tuple)),
    st.builds(ast.UnitDecl, st.lists(names, min_size=1, max_size=2).map(tuple),
              st.none() | number_texts, unit_exprs),
    st.builds(ast.SetDecl, names, set_literals),
    st.builds(lambda e, part: attrs.evolve(e, parent=ast.Name(part[0]), key=ast.Name(part[1])) if part else e,
              st.builds(ast.EntityDecl, names, st.none() | names, st.none() | strings,
                        st.lists(names.map(ast.Name), max_size=2, unique=True).map(tuple)),
              st.none() | st.tuples(names, names)),  # `part of PARENT by KEY`
    st.builds(ast.FactDecl, names, fact_types, st.lists(constraints, max_size=2).map(tuple),
              st.none() | strings),
    st.builds(ast.LetDecl, names, exprs),
    st.builds(ast.RuleDecl, names, st.none() | strings, clause_refs, st.none() | strings,
              st.none() | strings, st.none() | year_ranges, st.none() | exprs,
              st.none() | st.builds(ast.GroupBy, names, st.none() | set_refs),
              st.none() | st.builds(ast.Requirement, modalities, exprs), st.booleans(),
              due=st.none() | exprs)
    .map(lambda r: r if r.is_target else attrs.evolve(r, group=None))  # `for each` is for targets
    .flatmap(lambda r: st.builds(lambda on: attrs.evolve(r, entity=on), st.none() | names.map(ast.Name))),
    st.builds(ast.NoteDecl, strings, clause_refs, st.none() | strings),
)
policy_decls = st.builds(ast.PolicyDecl, names | strings, st.none() | strings, st.none() | strings,
                         st.none() | strings, st.none() | strings,
                         st.none() | st.tuples(years, years), validity=st.none() | validities)


@st.composite
def modules(draw) -> ast.Module:
    """Any module the grammar can write (names need not be declared)."""
    head = draw(st.lists(policy_decls, max_size=1))
    return ast.Module(tuple(head + draw(st.lists(decls, min_size=1, max_size=4))))


# ---- well-typed policies -----------------------------------------------------------

TYPED_HEADER = """
policy p
  period 2023 to 2025
set regions = {"红山区", "松山区"}
fact region: text in regions
fact key: bool
fact ok: bool
fact area: decimal m2 >= 0
fact households: integer household >= 0
fact staff: integer person >= 0
fact income: decimal yuan per year
fact wage: decimal yuan per year
fact level: enum none < city < national
"""


def _area_quantity(draw) -> ast.Expr:
    n = draw(number_texts)
    return draw(st.sampled_from((ast.Number(n, "m2"), ast.Number(n, "平方米"),
                                 ast.Per(ast.Number(n, "平方米"), draw(st.sampled_from(("100", "400"))), "户"))))


@st.composite
def _conditions(draw, depth: int = 2) -> ast.Expr:
    kind = draw(st.sampled_from(("bool", "area", "staff", "income", "level", "region", "between"))
                if depth == 0 else
                st.sampled_from(("bool", "area", "income", "and", "or", "not", "if", "level")))
    op = draw(st.sampled_from((">=", ">", "<=", "<", "=", "!=")))
    if kind == "bool":
        return ast.Name(draw(st.sampled_from(("key", "ok"))))
    if kind == "area":
        return ast.Compare(op, ast.Name("area"), _area_quantity(draw))
    if kind == "staff":
        per = ast.Per(ast.Number("1", "person"), draw(st.sampled_from(("400", "1000"))), "households")
        return ast.Compare(op, ast.Name("staff"), per)
    if kind == "income":
        share = draw(st.one_of(st.builds(ast.Percent, number_texts),
                               st.builds(lambda a, b: ast.Schedule((ast.ScheduleEntry(2023, a),
                                                                    ast.ScheduleEntry(2025, b))),
                                         st.builds(ast.Percent, number_texts),
                                         st.builds(ast.Percent, number_texts))))
        return ast.Compare(op, ast.Name("income"), ast.Binary("of", share, ast.Name("wage")))
    if kind == "level":
        return ast.Compare(op, ast.Name("level"), ast.Name(draw(st.sampled_from(("none", "city", "national")))))
    if kind == "region":
        return ast.InSet(ast.Name("region"), ast.Name("regions"), draw(st.booleans()))
    if kind == "between":
        return ast.Between(ast.Name("households"), ast.Number("1000"), ast.Number("2000", "households"))
    sub = _conditions(depth - 1)
    if kind == "not":
        return ast.Not(draw(sub))
    if kind == "if":
        return ast.If(draw(sub), draw(sub), draw(sub))
    return ast.BoolOp(kind, draw(sub), draw(sub))


@st.composite
def typed_rules(draw) -> list[ast.RuleDecl]:
    """Rules over the facts of TYPED_HEADER that the checker accepts."""
    out = []
    for i in range(draw(st.integers(1, 3))):
        out.append(ast.RuleDecl(
            f"r{i}", draw(st.none() | strings), (ast.ClauseRef(f"C{i:02d}"),),
            years=draw(st.none() | st.sampled_from((ast.Years("in", 2024, 2024), ast.Years("from", 2024, None),
                                                    ast.Years("until", None, 2024)))),
            scope=draw(st.none() | _conditions(0)),
            requirement=ast.Requirement(draw(modalities), draw(_conditions())),
        ))
    return out


# ---- versions of one rule, for the semantic diff and the impact report ---------------

VERSION_HEAD = """
policy p
  period 2024 to 2025
entity site, sites
fact a: integer person >= 0
fact b: decimal m2 >= 0
fact open: bool
fact level: enum low < mid < high
"""

VERSION_OPS = (">=", ">", "<=", "<", "=", "!=")
VERSION_A_VALUES = (0, 1, 5, 10, 11, 20)
VERSION_B_VALUES = ("0", "2.5", "10", "10.01", "30")


@st.composite
def rule_versions(draw) -> str:
    """One version of a rule `r` under `VERSION_HEAD`: random thresholds, operators, modality, years, scope."""
    atoms = [f"a {draw(st.sampled_from(VERSION_OPS))} {draw(st.sampled_from(VERSION_A_VALUES))} person",
             f"b {draw(st.sampled_from(VERSION_OPS))} {draw(st.sampled_from(VERSION_B_VALUES))} m2",
             f"level >= {draw(st.sampled_from(('low', 'mid', 'high')))}",
             "open"]
    picked = draw(st.lists(st.sampled_from(atoms), min_size=1, max_size=2, unique=True))
    cond = f" {draw(st.sampled_from(('and', 'or')))} ".join(picked)
    modality = draw(st.sampled_from(("must", "in principle", "strive")))
    lines = ["rule r", "  clause X1"]
    years = draw(st.sampled_from(("", "from 2025", "in 2024")))
    if years:
        lines.append("  " + years)
    if draw(st.booleans()):
        lines.append(f"  where {draw(st.sampled_from(('open', 'not open', 'a >= 5 person')))}")
    lines.append(f"  {modality} {cond}")
    return "\n".join(lines) + "\n"


def records_near_thresholds(seed: int, n: int = 150) -> list[dict[str, str]]:
    """Random records, most of them on or next to the thresholds the rules use."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a = rng.choice(VERSION_A_VALUES + tuple(v + 1 for v in VERSION_A_VALUES) + (rng.randint(0, 30),))
        b = rng.choice(VERSION_B_VALUES + ("2.49", "9.99", "29.99", str(rng.randint(0, 40))))
        out.append({"id": str(i), "a": str(max(a - rng.choice((0, 0, 1)), 0)), "b": b,
                    "open": rng.choice(("true", "false")), "level": rng.choice(("low", "mid", "high"))})
    return out
