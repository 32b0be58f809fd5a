"""Population targets from running totals, so records can be streamed in chunks.

A target needs, per group, only: how many records are in scope, how many had an
unknown scope or no group, and for each aggregate in its condition the number of
unknown values, the number of true values, the exact sum, and the first schedule
that was not in force. `TargetStats` keeps exactly that, fed record by record
(compiled engine) or from SQL totals per group (DuckDB engine). The verdicts and their
explanations then come from `judge` itself, over a `Measured` population that
answers each aggregate from the totals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction

from ..core import ir
from .outcomes import group_label, judge_population, out_of_force, target_result
from .results import NOT_APPLICABLE, TargetResult
from .validate import Record
from .values import EmptyPopulation, NotInForce, Unknown


class AggTotals:
    """Running totals of one aggregate over one group."""

    __slots__ = ("unknown", "true", "total", "not_in_force")

    def __init__(self) -> None:
        self.unknown = 0
        self.true = 0
        self.total = Fraction(0)
        self.not_in_force: NotInForce | None = None  # the first one met, in record order


class Measured:
    """A population known only by its totals; `reference` asks it for each aggregate."""

    def __init__(self, size: int, totals: dict[ir.Agg, AggTotals]):
        self.size = size
        self.totals = totals

    def __len__(self) -> int:
        return self.size

    def measure(self, e: ir.Agg) -> object:
        t = self.totals.get(e)
        if t is None:
            t = AggTotals()
        if t.not_in_force is not None:
            raise NotInForce(t.not_in_force.first_year)
        if t.unknown:
            return Unknown(frozenset({f"{t.unknown} record(s) unknown"}))
        true = self.size if e.arg is None else t.true
        if e.kind == "count":
            return Fraction(true)
        if e.kind == "sum":
            return Fraction(t.total)
        if not self.size:
            raise EmptyPopulation()
        if e.kind == "share":
            return Fraction(true, self.size)
        return Fraction(t.total) / self.size


class TargetTotals:
    """Totals of one target: per group value, its size and its aggregates."""

    def __init__(self, rule: ir.Rule):
        self.rule = rule
        self.aggs = tuple(dict.fromkeys(x for x in ir.walk(rule.condition)
                                        if isinstance(x, ir.Agg) and x.arg is not None))
        self.undecided = 0
        self.no_group = 0
        # A schedule in the scope not in force this year, met on some record: as the
        # reference, the whole target is then not applicable (the first one met counts).
        self.scope_not_in_force: NotInForce | None = None
        self.seen: dict[object, None] = {}  # group values present in any record, in scope or not
        self.sizes: dict[object, int] = {}
        self.totals: dict[object, dict[ir.Agg, AggTotals]] = {}

    def group(self, value: object) -> dict[ir.Agg, AggTotals]:
        totals = self.totals.get(value)
        if totals is None:
            totals = self.totals[value] = {a: AggTotals() for a in self.aggs}
            self.sizes[value] = 0
        return totals

    def add_rows(self, rows: Iterable[Sequence], dens: Sequence[int], in_force: bool,
                 missing_sum: Callable[[ir.Agg], None] | None = None) -> None:
        """Totals an SQL engine computed, one row per group: the group value, the records with
        an undecided scope, those in scope with no group, the group's size, then per aggregate
        its unknown count, true count and exact sum over `dens[k]`. A target not in force
        only notes the groups met. `missing_sum` is told of a sum the engine left NULL
        although some values were known."""
        grouped = self.rule.group is not None
        if not in_force:
            for (value,) in rows:
                self.seen[value] = None
            return
        for row in rows:
            value, undecided, no_group, size = row[:4]
            self.undecided += undecided
            self.no_group += no_group
            if grouped and value is not None:
                self.seen[value] = None
            if not size:
                continue
            key = value if grouped else None
            totals = self.group(key)
            self.sizes[key] += size
            for k, agg in enumerate(self.aggs):
                unknown, true, total = row[4 + 3 * k: 7 + 3 * k]
                tot = totals[agg]
                tot.unknown += unknown
                tot.true += true
                if total is not None:
                    tot.total += Fraction(total) / dens[k]
                elif missing_sum is not None and agg.kind in ("sum", "mean") and size > unknown:
                    missing_sum(agg)


class TargetStats:
    """Everything the targets of `policy` need, accumulated over chunks of records."""

    def __init__(self, policy: ir.Policy, year: int):
        self.policy = policy
        self.year = year
        self.targets = [TargetTotals(rule) for rule in policy.targets]

    def in_force(self, t: TargetTotals) -> bool:
        return out_of_force(t.rule, self.year) is None

    def add_records(self, program, records: Iterable[Record]) -> None:
        """Feed records one by one through a compiled `Program`."""
        from .codegen import U

        value_of = program.value_of
        for t in self.targets:
            rule = t.rule
            group_fact = rule.group.fact if rule.group is not None else None
            active = self.in_force(t)
            scope = value_of[rule.scope] if rule.scope is not None else None
            args = [(a, value_of[a.arg]) for a in t.aggs]
            for rec in records:
                env = rec.values
                if group_fact is not None and group_fact in env:
                    t.seen[env[group_fact]] = None
                if not active or t.scope_not_in_force is not None:
                    continue
                if scope is not None:
                    try:
                        inside = scope(env)
                    except NotInForce as e:
                        t.scope_not_in_force = e
                        continue
                    if inside is U:
                        t.undecided += 1
                        continue
                    if not inside:
                        continue
                if group_fact is None:
                    key = None
                elif group_fact in env:
                    key = env[group_fact]
                else:
                    t.no_group += 1
                    continue
                totals = t.group(key)
                t.sizes[key] += 1
                for agg, fn in args:
                    tot = totals[agg]
                    if tot.not_in_force is not None:
                        continue
                    try:
                        v = fn(env)
                    except NotInForce as e:
                        tot.not_in_force = e
                        continue
                    if v is U:
                        tot.unknown += 1
                    elif agg.kind in ("share", "count"):
                        tot.true += v is True
                    else:
                        tot.total += v

    def results(self) -> list[TargetResult]:
        """The target results, exactly as `outcomes.judge_target` gives them for all records."""
        out: list[TargetResult] = []
        for t in self.targets:
            out.extend(self._results(t))
        return out

    def _results(self, t: TargetTotals) -> list[TargetResult]:
        rule, policy, year = t.rule, self.policy, self.year
        values = None
        if rule.group is not None:
            values = rule.group.values
            if values is None:
                counted = self.in_force(t) and t.scope_not_in_force is None
                present = t.sizes if counted else t.seen
                values = sorted((v for v in present if v is not None), key=repr)
        why = None
        if not self.in_force(t):
            why = out_of_force(rule, year)
        elif t.scope_not_in_force is not None:
            why = f"not in force in {year} (its schedule starts in {t.scope_not_in_force.first_year})"
        if why is not None:
            labels = [None] if rule.group is None else [group_label(policy, rule.group, v) for v in values]
            return [target_result(rule, label, None, None, NOT_APPLICABLE, why) for label in labels]
        if rule.group is None:
            return [self._judge(t, None, None, t.undecided)]
        return [self._judge(t, v, group_label(policy, rule.group, v), t.undecided + t.no_group)
                for v in values]

    def _judge(self, t: TargetTotals, key, label, undecided: int) -> TargetResult:
        totals = t.totals.get(key, {})
        pop = Measured(t.sizes.get(key, 0), totals)
        return judge_population(self.policy, t.rule, label, pop, undecided, self.year)
