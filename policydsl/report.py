"""The text report of an evaluation, for the officer who must act on it:
what is in force, how each rule and target fares, who fails most, who is exempted."""

from __future__ import annotations

import unicodedata
from collections import Counter

from .results import EXEMPTED, FAIL, FAILURE_KIND, OUTCOMES, UNKNOWN, Evaluation

_HEAD = {"pass": "pass", "fail": "fail", "exempted": "exempt", "not_applicable": "n/a", "unknown": "unknown"}
_MODAL = {"must": "must", "in_principle": "in principle", "strive": "strive"}


def _w(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _w(text))


def _verdict(outcome: str, modality: str) -> str:
    """`fail` named for what it is under the modality: violation, deviation, shortfall."""
    return FAILURE_KIND[modality] if outcome == FAIL else outcome.replace("_", " ")


class ReportCollector:
    """Everything the report needs, gathered one record at a time in bounded memory
    (counts, and the first or worst `show` records), so batches and streams share it."""

    def __init__(self, policy, show: int = 10):
        self.policy, self.show = policy, show
        self.records = 0
        self.rule_counts: dict[str, Counter] = {r.name: Counter() for r in policy.rules}
        self.failing: dict[str, list] = {r.name: [] for r in policy.rules}
        self.exempted: list = []
        self.exempted_total = 0
        self.errors: list = []
        self.errors_total = 0
        self.kinds: Counter = Counter()
        self._offenders: list = []  # (score, order, id, failed outcomes), the worst kept

    def add(self, record) -> None:
        self.records += 1
        if record.errors:
            self.errors_total += 1
            if len(self.errors) < self.show:
                self.errors.append(record)
        failed = []
        for o in record.outcomes:
            counts = self.rule_counts.get(o.rule)
            if counts is None:
                counts = self.rule_counts[o.rule] = Counter()
            counts[o.outcome] += 1
            if o.outcome in (FAIL, UNKNOWN):
                self.kinds[FAILURE_KIND[o.modality] if o.outcome == FAIL else UNKNOWN] += 1
                items = self.failing.get(o.rule)
                if items is None:
                    items = self.failing[o.rule] = []
                if len(items) < self.show:
                    items.append((record.id, o))
                if o.outcome == FAIL:
                    failed.append(o)
            elif o.outcome == EXEMPTED:
                self.exempted_total += 1
                if len(self.exempted) < self.show:
                    self.exempted.append((record.id, o))
        if failed:
            score = sum(_WEIGHT[o.modality] for o in failed)
            self._offenders.append((-score, self.records, record.id, failed))
            if len(self._offenders) > 4 * self.show:  # keep memory bounded
                self._offenders.sort(key=lambda x: x[:2])
                del self._offenders[self.show:]

    @property
    def offenders(self) -> list:
        return sorted(self._offenders, key=lambda x: x[:2])[: self.show]


_WEIGHT = {"must": 100, "in_principle": 10, "strive": 1}


def text_report(policy, result: Evaluation, show: int = 10) -> str:
    """The report of an evaluation held in memory."""
    collector = ReportCollector(policy, show)
    for record in result.records:
        collector.add(record)
    return render_report(policy, collector, result.targets, result.year, result.policy.fingerprint)


def render_report(policy, c: ReportCollector, targets, year: int, fingerprint: str) -> str:
    meta = policy.ir.meta
    plural = policy.ir.entity_plural
    first, last = meta.period
    out = [meta.title or meta.name]
    if meta.original:
        out.append(meta.original)
    out.append(f"policy {meta.name}" + (f", version {meta.version}" if meta.version else "")
               + f", period {meta.period_text}; fingerprint {fingerprint}")
    out += [f"year {year}: {c.records} {plural}", ""]
    out += _rules_section(policy, c, year)
    out += _targets_section(policy, targets, year)
    out += _failures_section(policy, c)
    out += _offenders_section(c, plural)
    out += _listing(f"Exemptions: {c.exempted_total}", c.exempted_total,
                    [f"  {rid}  {o.rule} [{','.join(o.clauses)}]: {o.explanation}" for rid, o in c.exempted])
    out += _listing(f"Records with data errors: {c.errors_total}", c.errors_total,
                    [f"  {r.id}  {e.field}: {e.message}" for r in c.errors for e in r.errors],
                    shown=len(c.errors))
    out += _summary_section(c, targets, plural)
    return "\n".join(out) + "\n"


def _in_force(rule, year: int) -> bool:
    return rule.years[0] <= year <= rule.years[1]


def _idle_line(rules, year: int) -> list[str]:
    if not rules:
        return []
    names = ", ".join(f"{r.name} ({','.join(r.clauses)})" for r in rules)
    return [f"  not in force in {year}: {names}"]


def _rules_section(policy, c: ReportCollector, year: int) -> list[str]:
    active = [r for r in policy.rules if _in_force(r, year)]
    out = [f"Rules for each {policy.ir.entity}, in force in {year}"]
    rows = [["rule", "clauses", "modality"] + [_HEAD[o] for o in OUTCOMES]]
    for rule in active:
        counts = c.rule_counts.get(rule.name, Counter())
        rows.append([rule.name, ",".join(rule.clauses), _MODAL[rule.modality]]
                    + [str(counts[o]) for o in OUTCOMES])
    out.extend(_table(rows, numeric_from=3))
    return out + _idle_line([r for r in policy.rules if not _in_force(r, year)], year) + [""]


def _targets_section(policy, targets, year: int) -> list[str]:
    if not policy.targets:
        return []
    out = [f"Targets for all {policy.ir.entity_plural}"]
    rows = [["target", "clauses", "modality", "group", "verdict", "explanation"]]
    for t in targets:
        rule = next(r for r in policy.targets if r.name == t.rule)
        if _in_force(rule, year):
            rows.append([t.rule, ",".join(t.clauses), _MODAL[t.modality], t.group or "(all)",
                         _verdict(t.outcome, t.modality), t.explanation])
    if len(rows) > 1:
        out.extend(_table(rows))
    return out + _idle_line([r for r in policy.targets if not _in_force(r, year)], year) + [""]


def _failures_section(policy, c: ReportCollector) -> list[str]:
    out = []
    for rule in policy.rules:
        counts = c.rule_counts.get(rule.name, Counter())
        fails, unknown = counts[FAIL], counts[UNKNOWN]
        if not fails and not unknown:
            continue
        kind = FAILURE_KIND[rule.modality]
        label = f" — {rule.label}" if rule.label else ""
        head = f"{rule.name}{label} [{','.join(rule.clauses)}, {_MODAL[rule.modality]}]: {fails} {kind}{'s' if fails != 1 else ''}"
        out.append(head + (f", {unknown} unknown" if unknown else ""))
        items = c.failing.get(rule.name, [])
        out += [f"  {rid}  {_verdict(o.outcome, o.modality)}: {o.explanation}" for rid, o in items]
        if fails + unknown > len(items):
            out.append(f"  … and {fails + unknown - len(items)} more")
    return (["Failing and undecided records, by rule"] + out + [""]) if out else []


def _offenders_section(c: ReportCollector, plural: str) -> list[str]:
    """Records with the most failures: violations weigh most, then deviations, then shortfalls."""
    if not c.offenders:
        return []
    out = [f"{plural.capitalize()} with the most failures"]
    for _, _, rid, failed in c.offenders:
        kinds = Counter(FAILURE_KIND[o.modality] for o in failed)
        what = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in sorted(kinds.items()))
        out.append(f"  {rid}  {what}")
        out += [f"    {o.rule} [{','.join(o.clauses)}]: {o.explanation}" for o in failed]
    return out + [""]


def _listing(title: str, total: int, lines: list[str], shown: int | None = None) -> list[str]:
    if not total:
        return []
    shown = len(lines) if shown is None else shown
    more = [f"  … and {total - shown} more"] if total > shown else []
    return [title] + lines + more + [""]


def _summary_section(c: ReportCollector, targets, plural: str) -> list[str]:
    def tally(kinds: Counter) -> str:
        return (f"{kinds['violation']} violations (must), {kinds['deviation']} deviations (in principle), "
                f"{kinds['shortfall']} shortfalls (strive), {kinds[UNKNOWN]} unknown")

    target_kinds = Counter(FAILURE_KIND[t.modality] if t.outcome == FAIL else t.outcome for t in targets)
    return ["Summary",
            f"  {c.records} {plural}, {c.errors_total} with data errors",
            f"  rules for each record: {tally(c.kinds)}",
            f"  targets: {tally(target_kinds)}"]


def _table(rows: list[list[str]], numeric_from: int | None = None) -> list[str]:
    widths = [max(_w(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            last = i == len(row) - 1
            if numeric_from is not None and i >= numeric_from:
                cells.append(" " * (widths[i] - _w(cell)) + cell)
            else:
                cells.append(cell if last else _pad(cell, widths[i]))
        lines.append("  " + "  ".join(cells).rstrip())
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return lines
