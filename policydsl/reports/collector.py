"""What a report shows, gathered as the evaluation runs: counts, and the first or worst
records, in bounded memory. The driver (`eval.stream`) fills a collector it is given,
record by record (`add`) or from a DuckDB batch at once (`add_batch`); the writers
(`reports.text`, `reports.html`, `reports.workbook`) read it and evaluate nothing."""

from __future__ import annotations

from collections import Counter

from ..eval.results import EXEMPTED, FAIL, UNKNOWN, RecordResult


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

    def add_batch(self, batch, policy, year: int, summary, explainer) -> None:
        """Fill the collector from a DuckDB batch (`eval.duckdb_engine.Batch`, and its
        `Summary` for `self.show`): what `add` would have kept, in the same order, with the
        records it shows explained by `explainer` as the reference words them."""
        from ..eval.stream import explained_outcome

        c = self
        rules = policy.ir.rules
        show = c.show
        c.records = batch.size
        for rule, cnt in zip(rules, summary.counts, strict=True):
            c.rule_counts[rule.name] = cnt
            c.kinds[rule.modality] += cnt.get(FAIL, 0)
            c.kinds[UNKNOWN] += cnt.get(UNKNOWN, 0)
        failing = dict(enumerate(summary.failing))
        exempted_rows = summary.exempted
        c.exempted_total = sum(cnt.get(EXEMPTED, 0) for cnt in summary.counts)
        error_rows = summary.error_rows
        c.errors_total = summary.errors
        offenders = summary.offenders
        wanted = set(exempted_rows) | set(error_rows) | {r for r, _ in offenders}
        for rows in failing.values():
            wanted |= set(rows)
        records = batch.records_at(sorted(wanted))
        names = batch.codes_of(sorted(wanted))

        def outcome(row: int, i: int):
            return explained_outcome(explainer, i, records[row], year, names[row][i])

        def labels(row: int) -> tuple:
            return tuple(records[row].values.get(f) for f in c.label_facts)

        for i, rule in enumerate(rules):
            c.failing[rule.name] = [(records[r].id, labels(r), None, outcome(r, i), records[r].values)
                                    for r in failing[i]]
        for r in exempted_rows:
            for i, name in enumerate(names[r]):
                if name == EXEMPTED and (show is None or len(c.exempted) < show):
                    c.exempted.append((records[r].id, labels(r), outcome(r, i)))
        c.errors = [(RecordResult(records[r].id, (), records[r].errors), labels(r)) for r in error_rows]
        c._offenders = [(-score, r + 1, records[r].id, labels(r),
                         [outcome(r, i) for i, name in enumerate(names[r]) if name == FAIL])
                        for r, score in offenders]

    @property
    def offenders(self) -> list:
        ranked = sorted(self._offenders, key=lambda x: x[:2])
        return ranked if self.show is None else ranked[: self.show]


_WEIGHT = {"must": 100, "in_principle": 10, "strive": 1}

