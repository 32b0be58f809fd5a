"""What a report shows, for one year or several: evaluated once per year, then read by
the text, HTML and workbook writers alike.

`evaluate_years(policy, [(year, source)], options)` runs the evaluation of each year
and returns one `YearReport` each; `Trajectory` compares them rule by rule and target
by target. The writers take `(policy, years, options)` and never evaluate anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

import attrs

from ..core import ir
from ..eval.results import FAIL, NOT_APPLICABLE, PASS, UNKNOWN, TargetResult
from .collector import ReportCollector
from .words import LANGS, Wording, default_lang, zh_units


class ReportError(ValueError):
    """An option the report cannot honour (an unknown `--by` fact); the message is user-facing."""


@attrs.frozen
class ReportOptions:
    lang: str | None = None  # None: the policy's own language
    by: str | None = None  # a fact to break every per-record rule down by
    show: int | None = 10  # failing records listed per rule (and group); None: all
    ids: bool = False  # identifiers instead of titles and descriptions
    engine: str = "duckdb"
    encoding: str | None = None
    data_format: str | None = None


@attrs.define
class YearReport:
    """One year's evaluation as the report needs it."""

    year: int
    collector: ReportCollector
    targets: list[TargetResult]
    summary: dict
    has_findings: bool
    encoding: str | None = None  # how the data file's bytes were read; None for records


def check_options(policy, options: ReportOptions) -> None:
    if options.lang is not None and options.lang not in LANGS:
        raise ReportError(f"--lang must be one of {', '.join(LANGS)}, not {options.lang!r}")
    if options.by is not None:
        names = [f.name for f in policy.ir.facts]
        if options.by not in names:
            raise ReportError(f"--by: `{options.by}` is not a fact of the policy "
                              f"(facts: {', '.join(names)})")
        kind = policy.ir.fact(options.by).kind
        if kind not in ("text", "enum", "bool", "integer"):
            raise ReportError(f"--by: `{options.by}` is a {kind} fact; group by a text, enum, "
                              "bool or integer fact")


def collector_for(policy, options: ReportOptions, years: int = 1) -> ReportCollector:
    return ReportCollector(policy, options.show, by=options.by, track_failing=years > 1)


def evaluate_years(policy, sources: Sequence[tuple[int, object]], options: ReportOptions,
                   progress: Callable[[int], None] | None = None) -> list[YearReport]:
    """Evaluate each `(year, source)` (a path, a DataFrame, or an iterable of records) and
    keep what the report shows. The same records may be given for every year."""
    from ..eval.stream import evaluate_stream

    check_options(policy, options)
    out = []
    for year, source in sources:
        policy.check_year(year)
        if not isinstance(source, str) and not hasattr(source, "__fspath__") and iter(source) is source:
            source = list(source)  # an iterator read once serves every year
        collector = collector_for(policy, options, len(sources))
        judged = policy.ir.meta.judged_year(year)  # a standing law's later years: its horizon
        result = evaluate_stream(policy, source, judged, engine=options.engine, format=options.data_format,
                                 encoding=options.encoding,
                                 progress=progress, report=collector)
        result.year = year  # reported as asked
        out.append(from_stream(result))
    return out


def from_stream(result) -> YearReport:
    """A `YearReport` from a driver's result (`eval.stream.StreamResult` or the like)."""
    return YearReport(result.year, result.report, list(result.targets), result.summary,
                      result.has_findings, getattr(result, "encoding", None))


def wording(policy, options: ReportOptions) -> Wording:
    lang = options.lang or default_lang(policy.ir)
    return Wording(policy.ir, lang, options.ids, zh_units(policy.ir) if lang == "zh" else None)


# ---- groups ---------------------------------------------------------------------------


def group_values(policy: ir.Policy, fact: str, years: Sequence[YearReport]) -> list:
    """The groups of `--by FACT` in the policy's order: a declared set in its order (every
    value, with records or not), then any other value seen, `None` (missing) last."""
    f = policy.fact(fact)
    seen: list = []
    for y in years:
        for v in y.collector.group_records:
            if v not in seen:
                seen.append(v)
    if f.allowed is not None:
        order = list(f.allowed)
    elif f.kind == "bool":
        order = [True, False]
    elif isinstance(f.type, ir.Enum):
        order = list(range(len(f.type.members)))
    else:
        order = sorted((v for v in seen if v is not None), key=str)
    return order + [v for v in seen if v not in order and v is not None] + ([None] if None in seen else [])


def group_text(policy: ir.Policy, fact: str, value, w: Wording) -> str:
    f = policy.fact(fact)
    if value is not None and isinstance(f.type, ir.Enum) and isinstance(value, int):
        return f.type.members[value]
    return w.value(value)


def targets_for_group(policy: ir.Policy, year: YearReport, fact: str, value) -> list[TargetResult]:
    """The results of targets grouped `for each FACT`, for one value of it."""
    grouped = {r.name for r in policy.targets if r.group is not None and r.group.fact == fact}
    return [t for t in year.targets if t.rule in grouped and t.group == value]


# ---- over the years -------------------------------------------------------------------


def in_force(rule: ir.Rule, year: int) -> bool:
    """In force when judged in `year` (on its day, for a rule with days in force)."""
    from ..eval.outcomes import out_of_force

    return out_of_force(rule, year) is None


@attrs.frozen
class RuleTrack:
    rule: ir.Rule
    failing: tuple[int | None, ...]  # per year; None when not in force
    trend: str  # improving, worse, steady, met
    newly: tuple[tuple[int, tuple], ...]  # (year, ((id, labels), ...)) for each later year


@attrs.frozen
class TargetTrack:
    rule: ir.Rule
    group: str | None
    results: tuple[TargetResult | None, ...]  # per year; None when not reported that year
    trend: str


def _failing(c: ReportCollector, rule: str) -> int:
    counts = c.rule_counts.get(rule)
    return (counts[FAIL] + counts[UNKNOWN]) if counts else 0


def _trend(values: list[Fraction], met: bool) -> str:
    """`met` every year; otherwise the last value against the first (`unmet` when there
    is only one year to compare, so a single failing year is not shown as a blank)."""
    if met:
        return "met"
    if len(values) < 2:
        return "unmet"
    if values[-1] == values[0]:
        return "steady"
    return "improving" if values[-1] > values[0] else "worse"


def rule_tracks(policy: ir.Policy, years: Sequence[YearReport]) -> list[RuleTrack]:
    out = []
    for rule in policy.rules:
        failing = tuple(_failing(y.collector, rule.name) if in_force(rule, y.year) else None
                        for y in years)
        active = [n for n in failing if n is not None]
        if not active:
            continue
        newly = []
        for prev, cur in zip(years, years[1:], strict=False):
            if not (in_force(rule, prev.year) and in_force(rule, cur.year)):
                continue
            before = (prev.collector.failing_ids or {}).get(rule.name, {})
            now = (cur.collector.failing_ids or {}).get(rule.name, {})
            newly.append((cur.year, tuple((rid, labels) for rid, labels in now.items()
                                          if rid not in before)))
        # Fewer failing records is better: compare negated counts.
        trend = _trend([Fraction(-n) for n in active], not any(active))
        out.append(RuleTrack(rule, failing, trend, tuple(newly)))
    return out


def _margin(rule: ir.Rule, t: TargetResult) -> Fraction | None:
    cond = rule.condition
    if t.value is None or t.required is None or not isinstance(cond, ir.Cmp):
        return None
    bound = ir.COMPARATORS[cond.op].bound
    if bound == "lower":
        return t.value - t.required
    if bound == "upper":
        return t.required - t.value
    return -abs(t.value - t.required)


def target_tracks(policy: ir.Policy, years: Sequence[YearReport]) -> list[TargetTrack]:
    out = []
    for rule in policy.targets:
        groups: list = []
        for y in years:
            for t in y.targets:
                if t.rule == rule.name and t.group not in groups:
                    groups.append(t.group)
        for g in groups:
            results = []
            for y in years:
                found = [t for t in y.targets if t.rule == rule.name and t.group == g]
                results.append(found[0] if found and in_force(rule, y.year) else None)
            active = [t for t in results if t is not None and t.outcome != NOT_APPLICABLE]
            if not active:
                continue
            margins = [m for m in (_margin(rule, t) for t in active) if m is not None]
            met = all(t.outcome == PASS for t in active)
            out.append(TargetTrack(rule, g, tuple(results), _trend(margins, met)))
    return out


def target_type(rule: ir.Rule) -> ir.Type | None:
    """The type of a target's measured side, to show its achieved and required values."""
    cond = rule.condition
    if isinstance(cond, ir.Cmp):
        return cond.left.type if not isinstance(cond.left, ir.Const) else cond.right.type
    return None


def scope_text(rule: ir.Rule, w: Wording) -> str | None:
    """What the population of a target is, in the reader's words (`has_party_org` →
    `“社区党组织”`), so a share says what its denominator counts."""
    if rule.scope is None:
        return None
    return w.explanation(f"`{rule.scope.text}`")
