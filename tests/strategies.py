"""Shared hypothesis strategies: random policy text, and random records for a policy.

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
  a text fact in a named set (`t1` in `zones`);
- per-record rules with every modality (`must`, `in principle`, `strive`),
  optional scopes (`where`) and years (`in`, `from`, `from … to`), whose conditions
  combine comparisons, `between`, `in` / `not in` sets, enum levels, `and` / `or` /
  `not`, `if … then … else`, and numeric terms built from facts, quantities with
  units, rates (`20 m2 per 100 households`), percentages (`70% of y1`), `+ -`,
  `min` / `max` / `floor` / `ceil`, `lookup` tables and year schedules;
- population targets: `share`, `count`, `sum`, `mean` and ratios of sums, against
  constants or schedules, for the whole population or `for each` group.

`records(gen)` draws records (plain dicts, values written as CSV text would be)
that lean on the policy's own constants: exactly on a threshold, one cent either
side, zero, missing fields (so outcomes are `unknown`), malformed values (so
records carry errors) and exemptions for in-principle clauses.
`policy_and_records()` draws both together with a year inside the period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from hypothesis import strategies as st

# dimension -> (unit written after a constant, facts of that dimension)
UNITS = {"area": "m2", "count": "households", "money": "yuan per year"}
FACTS_OF = {"area": ("d1", "d2"), "count": ("n1",), "money": ("y1",)}
LEVELS = ("low", "mid", "high")
ZONES = ("north", "south", "east")
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
"""


@dataclass
class GenPolicy:
    """A generated policy: its text, period, clauses that may be exempted, and its constants."""

    text: str
    period: tuple[int, int]
    exemptible: list[str] = field(default_factory=list)
    numbers: dict[str, set[Decimal]] = field(default_factory=dict)  # dimension -> constants used


@dataclass
class Case:
    """A policy, records for it (plain dicts) and a year in its period."""

    policy: GenPolicy
    records: list[dict]
    year: int


class _Writer:
    """Draws expressions as text, remembering the constants it used."""

    def __init__(self, draw, period: tuple[int, int]):
        self.draw = draw
        self.period = period
        self.numbers: dict[str, set[Decimal]] = {d: {Decimal(0)} for d in UNITS}

    def number(self, dim: str) -> str:
        value = self.draw(st.sampled_from([0, 1, 3, 50, 100, 200, 400, 1000, 2000]))
        cents = self.draw(st.sampled_from([0, 0, 0, 5, 50, 99]))
        d = Decimal(value) + Decimal(cents) / 100
        if dim == "count":
            d = Decimal(value)
        self.numbers[dim].add(d)
        return f"{d} {UNITS[dim]}"

    def percent(self) -> str:
        return f"{self.draw(st.sampled_from(['0', '30', '50', '70', '85', '95', '100', '12.5']))}%"

    def years(self) -> list[int]:
        first, last = self.period
        chosen = self.draw(st.lists(st.integers(first, last), min_size=1, max_size=3, unique=True))
        return sorted(chosen)

    # ---- numbers ---------------------------------------------------------------

    def num(self, dim: str, depth: int) -> str:
        leaves = ["fact", "fact", "const"]
        branches = ["pct", "add", "minmax", "round", "if", "lookup", "sched"] if depth > 0 else []
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

    # ---- conditions ---------------------------------------------------------------

    def cond(self, depth: int) -> str:
        leaves = ["bool", "cmp", "cmp", "between", "set", "level"]
        branches = ["and", "or", "not", "if", "rate"] if depth > 0 else []
        kind = self.draw(st.sampled_from(leaves + branches))
        d = max(depth - 1, 0)
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


@st.composite
def policies(draw, max_rules: int = 4, max_targets: int = 2, depth: int = 2) -> GenPolicy:
    """A random valid policy over the fixed fact palette (see the module docstring)."""
    start = draw(st.sampled_from([2021, 2023]))
    period = (start, start + 2)
    w = _Writer(draw, period)
    parts = [f"policy generated period {period[0]} to {period[1]}\n", FACT_DECLS]
    exemptible: list[str] = []
    n_rules = draw(st.integers(1, max_rules))
    for i in range(n_rules):
        modality = draw(st.sampled_from(MODALITIES))
        clause = f"R{i}"
        if modality == "in principle":
            exemptible.append(clause)
        text = f"rule r{i}\n  clause {clause}\n" + _years_attr(draw, period)
        if draw(st.booleans()):
            text += f"  where {w.cond(1)}\n"
        text += f"  {modality} {w.cond(depth)}\n"
        parts.append(text)
    for i in range(draw(st.integers(0, max_targets))):
        modality = draw(st.sampled_from(MODALITIES))
        text = f"target g{i}\n  clause T{i}\n" + _years_attr(draw, period)
        if draw(st.booleans()):
            text += f"  where {w.cond(0)}\n"
        group = draw(st.sampled_from(["", "t1", "e1", "b1", "t1 in {\"north\", \"east\"}"]))
        if group:
            text += f"  for each {group}\n"
        measure = w.measure(1)
        if draw(st.integers(0, 3)) == 0:
            measure = f"{measure} {draw(st.sampled_from(['and', 'or']))} {w.measure(0)}"
        text += f"  {modality} {measure}\n"
        parts.append(text)
    return GenPolicy("\n".join(parts), period, exemptible, w.numbers)


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
def record_for(draw, gen: GenPolicy, index: int = 0) -> dict:
    """One record as plain text fields; sometimes missing or malformed fields."""
    rec: dict[str, object] = {"id": f"s{index}"}
    specs = [("b1", "bool"), ("b2", "bool"), ("n1", "count"), ("n2", "person"), ("d1", "area"),
             ("d2", "area"), ("y1", "money"), ("e1", "enum"), ("t1", "text")]
    for name, kind in specs:
        roll = draw(st.integers(0, 19))
        if roll == 0:
            continue  # missing
        if roll == 1:
            rec[name] = draw(st.sampled_from(["", "n/a", "-3", "1,000", "medium"]))
            continue
        if kind == "bool":
            rec[name] = draw(st.sampled_from(["true", "false", "yes", "0"]))
        elif kind == "enum":
            rec[name] = draw(st.sampled_from(LEVELS))
        elif kind == "text":
            rec[name] = draw(st.sampled_from(ZONES))
        elif kind == "person":
            rec[name] = str(draw(st.integers(0, 12)))
        else:
            rec[name] = _number(draw, gen, kind, integer=(kind == "count"))
    if gen.exemptible and draw(st.integers(0, 3)) == 0:
        clause = draw(st.sampled_from(gen.exemptible))
        rec["exemptions"] = {clause: "approved by the district"}
    return rec


@st.composite
def records(draw, gen: GenPolicy, min_size: int = 0, max_size: int = 12) -> list[dict]:
    """Records for `gen`, with distinct ids."""
    n = draw(st.integers(min_size, max_size))
    return [draw(record_for(gen, i)) for i in range(n)]


@st.composite
def policy_and_records(draw, max_records: int = 12) -> Case:
    """A policy, records for it and a year inside its period."""
    gen = draw(policies())
    recs = draw(records(gen, max_size=max_records))
    year = draw(st.integers(*gen.period))
    return Case(gen, recs, year)
