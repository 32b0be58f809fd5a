"""The text report of an evaluation, for the officer who must act on it:
what is in force, how each rule and target fares, who fails most, who is exempted."""

from __future__ import annotations

from collections import Counter

from .results import EXEMPTED, FAIL, UNKNOWN, Evaluation


class ReportCollector:
    """Everything the report needs, gathered one record at a time in bounded memory
    (counts, and the first or worst `show` records), so batches and streams share it.

    `show=None` keeps every failing record. `by` names a fact to break rules down by:
    counts and failure lists per value of it. `label_facts` (the entity's `labelled
    by`) are kept for each record shown. `track_failing` keeps the ids of every failing
    record per rule, which a report over several years needs to say who newly fails.
    The driver calls `add(result)` once per record; `result.fields` (or `fields`) maps
    fact names to the record's values, for labels and groups."""

    def __init__(self, policy, show: int | None = 10, by: str | None = None,
                 track_failing: bool = False):
        self.policy, self.show, self.by = policy, show, by
        self.label_facts: tuple[str, ...] = getattr(policy.ir, "label_facts", ())
        self.records = 0
        self.rule_counts: dict[str, Counter] = {r.name: Counter() for r in policy.rules}
        self.failing: dict[str, list] = {r.name: [] for r in policy.rules}
        self.exempted: list = []
        self.exempted_total = 0
        self.errors: list = []
        self.errors_total = 0
        self.kinds: Counter = Counter()
        self._offenders: list = []  # (score, order, id, labels, failed outcomes), the worst kept
        self.group_records: Counter = Counter()
        self.group_counts: dict[str, dict[object, Counter]] = {r.name: {} for r in policy.rules}
        self.group_failing: dict[tuple[str, object], list] = {}
        self.failing_ids: dict[str, dict[str, tuple]] | None = (  # rule -> id -> labels
            {r.name: {} for r in policy.rules} if track_failing else None)

    def _room(self, items: list) -> bool:
        return self.show is None or len(items) < self.show

    def add(self, record, fields=None) -> None:
        if fields is None:
            fields = getattr(record, "fields", None) or {}
        self.records += 1
        labels = tuple(fields.get(f) for f in self.label_facts)
        group = fields.get(self.by) if self.by is not None else None
        if self.by is not None:
            self.group_records[group] += 1
        if record.errors:
            self.errors_total += 1
            if self._room(self.errors):
                self.errors.append((record, labels))
        failed = []
        for o in record.outcomes:
            counts = self.rule_counts.get(o.rule)
            if counts is None:
                counts = self.rule_counts[o.rule] = Counter()
                self.group_counts[o.rule] = {}
                self.failing[o.rule] = []
            counts[o.outcome] += 1
            if self.by is not None:
                per = self.group_counts[o.rule]
                if group not in per:
                    per[group] = Counter()
                per[group][o.outcome] += 1
            if o.outcome in (FAIL, UNKNOWN):
                self.kinds[o.modality if o.outcome == FAIL else UNKNOWN] += 1
                item = (record.id, labels, group, o, fields)  # fields: for the values a workbook shows
                items = self.failing[o.rule]
                if self._room(items):
                    items.append(item)
                if self.by is not None:
                    mine = self.group_failing.setdefault((o.rule, group), [])
                    if self._room(mine):
                        mine.append(item)
                if o.outcome == FAIL:
                    failed.append(o)
                    if self.failing_ids is not None:
                        self.failing_ids.setdefault(o.rule, {})[record.id] = labels
            elif o.outcome == EXEMPTED:
                self.exempted_total += 1
                if self._room(self.exempted):
                    self.exempted.append((record.id, labels, o))
        if failed:
            score = sum(_WEIGHT[o.modality] for o in failed)
            self._offenders.append((-score, self.records, record.id, labels, failed))
            if self.show is not None and len(self._offenders) > 4 * self.show:  # keep memory bounded
                self._offenders.sort(key=lambda x: x[:2])
                del self._offenders[self.show:]

    @property
    def offenders(self) -> list:
        ranked = sorted(self._offenders, key=lambda x: x[:2])
        return ranked if self.show is None else ranked[: self.show]


_WEIGHT = {"must": 100, "in_principle": 10, "strive": 1}


def text_report(policy, result: Evaluation, show: int | None = 10, options=None, fields=None) -> str:
    """The report of an evaluation held in memory. `fields` gives each record's values
    (as `Policy.prepare` reads them), in order, for labels and groups."""
    from .reports.model import ReportOptions

    options = options or ReportOptions(show=show)
    collector = ReportCollector(policy, options.show, by=options.by)
    values = iter(fields) if fields is not None else None
    for record in result.records:
        collector.add(record, next(values) if values is not None else None)
    return render_report(policy, collector, result.targets, result.year, result.policy.fingerprint, options)


def render_report(policy, c: ReportCollector, targets, year: int, fingerprint: str, options=None) -> str:
    """The text report of one year from what a collector gathered (see `reports.text`)."""
    from .reports.model import ReportOptions, YearReport
    from .reports.text import render_text

    options = options or ReportOptions(show=c.show, by=c.by)
    return render_text(policy, [YearReport(year, c, list(targets), {}, False)], options, fingerprint)
