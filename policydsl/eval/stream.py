"""Streaming evaluation: any number of records, in chunks, in bounded memory.

Records are read, validated and judged one chunk at a time. What outlives a chunk
is small: outcome counts per rule, the target totals per group (`_targets`), and
for the text report the first few failing records per rule. Per-record results
with explanations are produced only when the caller asks for them (JSON output),
and handed on at once rather than kept.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from .. import ir
from ..results import (
    NOT_APPLICABLE,
    OUTCOMES,
    PASS,
    OutcomeCounts,
    PolicyInfo,
    RecordResult,
    TargetResult,
)
from ._targets import TargetStats

CHUNK = 10_000


class Tally:
    """Outcome counts as `results.summarize` gives them, kept without the records."""

    def __init__(self, policy: ir.Policy):
        self.policy = policy
        self.records = 0
        self.with_errors = 0
        self.counts = [dict.fromkeys(OUTCOMES, 0) for _ in policy.rules]

    def add(self, verdicts: tuple[str, ...], errors) -> None:
        self.records += 1
        if errors:
            self.with_errors += 1
        for i, v in enumerate(verdicts):
            self.counts[i][v] += 1

    def summary(self, targets: list[TargetResult]) -> dict:
        tally = OutcomeCounts()
        if self.records:
            for rule, counts in zip(self.policy.rules, self.counts, strict=True):
                for outcome, n in counts.items():
                    tally.add(rule.name, rule.modality, outcome, n)
        for t in targets:
            tally.add(t.rule, t.modality, t.outcome)
        return tally.summary(self.records, self.with_errors, len(targets))


class StreamResult:
    """What is left after the stream: counts, targets, summary (as `Evaluation` has them)."""

    def __init__(self, info: PolicyInfo, year: int, tally: Tally, targets: list[TargetResult],
                 report):
        self.policy = info
        self.year = year
        self.tally = tally
        self.report = report  # a `report.ReportCollector`
        self.targets = targets
        self.summary = tally.summary(targets)

    @property
    def has_findings(self) -> bool:
        s = self.summary
        return bool(s["violations"] or s["unknown"] or s["records_with_errors"])


def chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def evaluate_stream(policy, raw_records: Iterable, year: int, *, engine: str = "vectorized",
                    on_record: Callable[[RecordResult], None] | None = None,
                    progress: Callable[[int], None] | None = None, show: int = 10,
                    chunk_size: int = CHUNK) -> StreamResult:
    """Judge records chunk by chunk. `on_record` receives every full result, in input order.

    `policy` is a `policydsl.Policy`; `raw_records` are `RawRecord`s or mappings.
    """
    from ..report import ReportCollector
    from ..results import OUTCOMES as NAMES

    eng = policy.engine(engine)
    tally = Tally(policy.ir)
    collector = ReportCollector(policy, show)
    stats = TargetStats(policy.ir, year)
    seen = 0
    population: list = []
    fast = getattr(eng, "verdict_rows", None)
    counted = _counted_outcomes(policy.ir)
    for chunk in chunks(raw_records, chunk_size):
        records = _prepare(policy, chunk, seen)
        seen += len(records)
        if fast is not None:
            rows = [tuple(NAMES[c] for c in row) for row in fast(records, year).tolist()]
            eng.add_targets(stats, records)
        elif hasattr(eng, "program"):
            verdicts = eng.program(year).verdicts
            rows = [verdicts(r.values, r.exemptions) for r in records]
            stats.add_records(eng.program(year), records)
        else:  # the reference (audit) engine: it keeps the population for its targets
            rows = None
            population.extend(records)
        for k, rec in enumerate(records):
            full = None
            if on_record is not None or rows is None:
                full = eng.record(rec, year)
                if on_record is not None:
                    on_record(full)
            if full is None:
                full = _LazyResult(eng, rec, year, rows[k], counted)
            tally.add(rows[k] if rows is not None else tuple(o.outcome for o in full.outcomes),
                      rec.errors)
            collector.add(full)
        if progress is not None:
            progress(seen)
    targets = stats.results() if hasattr(eng, "program") else eng.targets(population, year)
    return StreamResult(policy.info, year, tally, targets, collector)


def _prepare(policy, chunk: list, start: int) -> list:
    from ..data.read import RawRecord
    from ..policy import raw_record

    validate = policy._validator.validate
    return [validate(raw if isinstance(raw, RawRecord) else raw_record(start + i, raw))
            for i, raw in enumerate(chunk)]


class _LazyOutcome:
    """An outcome whose explanation is worked out only if the report shows it."""

    __slots__ = ("rule", "clauses", "modality", "outcome", "_i", "_source")

    def __init__(self, rule: ir.Rule, outcome: str, i: int, source: _LazyResult):
        self.rule, self.clauses, self.modality = rule.name, rule.clauses, rule.modality
        self.outcome, self._i, self._source = outcome, i, source

    @property
    def explanation(self) -> str:
        src = self._source
        return src.eng.outcome(self._i, src.values, src.exemptions, src.year).explanation


class _Counted:
    """A pass or not-applicable outcome, shared by every record: the collector only counts
    those and never shows their explanation, so none is kept."""

    __slots__ = ("rule", "clauses", "modality", "outcome")

    def __init__(self, rule: ir.Rule, outcome: str):
        self.rule, self.clauses, self.modality, self.outcome = (
            rule.name, rule.clauses, rule.modality, outcome)


def _counted_outcomes(policy: ir.Policy) -> list[dict[str, _Counted]]:
    return [{v: _Counted(rule, v) for v in (PASS, NOT_APPLICABLE)} for rule in policy.rules]


class _LazyResult:
    """A record's verdicts in the shape of a `RecordResult`, for the report collector."""

    __slots__ = ("id", "errors", "outcomes", "eng", "values", "exemptions", "year")

    def __init__(self, eng, rec, year: int, verdicts: tuple[str, ...],
                 counted: list[dict[str, _Counted]]):
        self.id, self.errors, self.eng, self.year = rec.id, rec.errors, eng, year
        self.values, self.exemptions = rec.values, rec.exemptions
        rules = eng.policy.rules
        self.outcomes = tuple([counted[i].get(v) or _LazyOutcome(rules[i], v, i, self)
                               for i, v in enumerate(verdicts)])


# ---- output ---------------------------------------------------------------------


def _indented(value: object, level: int) -> str:
    """`value` as `json.dump(..., indent=1)` writes it `level` levels deep."""
    text = json.dumps(value, ensure_ascii=False, indent=1)
    return text.replace("\n", "\n" + " " * level)


class JsonWriter:
    """Writes the `--format json` document as records arrive; same text as dumping it whole."""

    def __init__(self, out: IO[str], info: PolicyInfo, year: int, provenance: dict | None = None):
        self.out = out
        self.first = True
        out.write('{\n "policy": ' + _indented(info.to_json(), 1))
        if provenance is not None:  # `policydsl.provenance.provenance`: what produced this result
            out.write(',\n "provenance": ' + _indented(provenance, 1))
        out.write(f',\n "year": {year},\n "records": [')

    def record(self, r: RecordResult) -> None:
        self.out.write(("\n  " if self.first else ",\n  ") + _indented(r.to_json(), 2))
        self.first = False

    def finish(self, result: StreamResult) -> None:
        self.out.write("]" if self.first else "\n ]")
        targets = [t.to_json() for t in result.targets]
        self.out.write(',\n "targets": ' + _indented(targets, 1))
        self.out.write(',\n "summary": ' + _indented(result.summary, 1) + "\n}\n")


class JsonLinesWriter:
    """`--format jsonl`: a `policy` line, one `record` line each, `target` lines, a `summary` line."""

    def __init__(self, out: IO[str], info: PolicyInfo, year: int, provenance: dict | None = None):
        self.out = out
        head = {"policy": info.to_json(), "year": year}
        if provenance is not None:
            head["provenance"] = provenance
        self._line(head)

    def _line(self, obj: dict) -> None:
        self.out.write(json.dumps(obj, ensure_ascii=False) + "\n")

    def record(self, r: RecordResult) -> None:
        self._line({"record": r.to_json()})

    def finish(self, result: StreamResult) -> None:
        for t in result.targets:
            self._line({"target": t.to_json()})
        self._line({"summary": result.summary})


def text_report(policy, result: StreamResult, show: int = 10) -> str:
    """The report of `report.text_report`, from what was collected while streaming."""
    from ..report import render_report

    return render_report(policy, result.report, result.targets, result.year, result.policy.fingerprint)
