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
    FAIL,
    FAILURE_KIND,
    OUTCOMES,
    UNKNOWN,
    PolicyInfo,
    RecordResult,
    TargetResult,
)
from ._targets import TargetStats

CHUNK = 10_000


class Tally:
    """Outcome counts as `results.summarize` gives them, kept without the records."""

    def __init__(self, policy: ir.Policy, show: int = 10):
        self.policy = policy
        self.show = show
        self.records = 0
        self.with_errors = 0
        self.counts = [dict.fromkeys(OUTCOMES, 0) for _ in policy.rules]
        self.failing: list[list[tuple[str, str, int]]] = [[] for _ in policy.rules]  # first few
        self.failing_total = [[0, 0] for _ in policy.rules]  # fails, unknowns
        self.bad: list[RecordResult] = []  # first few records with data errors

    def add(self, record_id: str, verdicts: tuple[str, ...], errors, explain: Callable[[int], str]) -> None:
        self.records += 1
        if errors:
            self.with_errors += 1
            if len(self.bad) < self.show:
                self.bad.append(RecordResult(record_id, (), tuple(errors)))
        for i, v in enumerate(verdicts):
            self.counts[i][v] += 1
            if v in (FAIL, UNKNOWN):
                total = self.failing_total[i]
                total[v == UNKNOWN] += 1
                if len(self.failing[i]) < self.show:
                    self.failing[i].append((record_id, v, explain(i)))

    def summary(self, targets: list[TargetResult]) -> dict:
        per_rule: dict[str, dict[str, int]] = {}
        totals = dict.fromkeys(OUTCOMES, 0)
        kinds = dict.fromkeys(FAILURE_KIND.values(), 0)
        if self.records:
            for rule, counts in zip(self.policy.rules, self.counts, strict=True):
                mine = per_rule.setdefault(rule.name, dict.fromkeys(OUTCOMES, 0))
                for o, n in counts.items():
                    mine[o] += n
                    totals[o] += n
                kinds[FAILURE_KIND[rule.modality]] += counts[FAIL]
        for t in targets:
            per_rule.setdefault(t.rule, dict.fromkeys(OUTCOMES, 0))[t.outcome] += 1
            totals[t.outcome] += 1
            if t.outcome == FAIL:
                kinds[FAILURE_KIND[t.modality]] += 1
        return {
            "records": self.records,
            "records_with_errors": self.with_errors,
            "targets": len(targets),
            "outcomes": totals,
            "violations": kinds["violation"],
            "deviations": kinds["deviation"],
            "shortfalls": kinds["shortfall"],
            "unknown": totals[UNKNOWN],
            "rules": per_rule,
        }


class StreamResult:
    """What is left after the stream: counts, targets, summary (as `Evaluation` has them)."""

    def __init__(self, info: PolicyInfo, year: int, tally: Tally, targets: list[TargetResult]):
        self.policy = info
        self.year = year
        self.tally = tally
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
    from ..results import OUTCOMES as NAMES

    eng = policy.engine(engine)
    tally = Tally(policy.ir, show)
    stats = TargetStats(policy.ir, year)
    seen = 0
    population: list = []
    fast = getattr(eng, "verdict_rows", None)
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
            verdicts = rows[k] if rows is not None else tuple(o.outcome for o in full.outcomes)
            tally.add(rec.id, verdicts, rec.errors, _explainer(eng, rec, year, full))
        if progress is not None:
            progress(seen)
    targets = stats.results() if hasattr(eng, "program") else eng.targets(population, year)
    return StreamResult(policy.info, year, tally, targets)


def _prepare(policy, chunk: list, start: int) -> list:
    from ..data.read import RawRecord
    from ..policy import raw_record

    validate = policy._validator.validate
    return [validate(raw if isinstance(raw, RawRecord) else raw_record(start + i, raw))
            for i, raw in enumerate(chunk)]


def _explainer(eng, rec, year: int, full: RecordResult | None) -> Callable[[int], str]:
    if full is not None:
        return lambda i: full.outcomes[i].explanation
    if hasattr(eng, "outcome"):
        return lambda i: eng.outcome(i, rec.values, rec.exemptions, year).explanation
    return lambda i: eng.record(rec, year).outcomes[i].explanation


# ---- output ---------------------------------------------------------------------


def _indented(value: object, level: int) -> str:
    """`value` as `json.dump(..., indent=1)` writes it `level` levels deep."""
    text = json.dumps(value, ensure_ascii=False, indent=1)
    return text.replace("\n", "\n" + " " * level)


class JsonWriter:
    """Writes the `--format json` document as records arrive; same text as dumping it whole."""

    def __init__(self, out: IO[str], info: PolicyInfo, year: int):
        self.out = out
        self.first = True
        out.write('{\n "policy": ' + _indented(info.to_json(), 1) + f',\n "year": {year},\n "records": [')

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

    def __init__(self, out: IO[str], info: PolicyInfo, year: int):
        self.out = out
        self._line({"policy": info.to_json(), "year": year})

    def _line(self, obj: dict) -> None:
        self.out.write(json.dumps(obj, ensure_ascii=False) + "\n")

    def record(self, r: RecordResult) -> None:
        self._line({"record": r.to_json()})

    def finish(self, result: StreamResult) -> None:
        for t in result.targets:
            self._line({"target": t.to_json()})
        self._line({"summary": result.summary})


def text_report(policy, result: StreamResult, show: int = 10) -> str:
    """The report of `report.text_report`, from the counts kept while streaming."""
    from ..report import _HEAD, _MODAL, _table

    s = result.summary
    tally = result.tally
    meta = policy.ir.meta
    plural = policy.ir.entity_plural
    out = [f"{meta.title or meta.name}" + (f" (version {meta.version})" if meta.version else ""),
           f"year {result.year} · {s['records']} {plural} · fingerprint {result.policy.fingerprint}", ""]
    out.append("Rules, per record")
    rows = [["rule", "clauses", "modality"] + [_HEAD[o] for o in OUTCOMES]]
    for rule in policy.rules:
        counts = s["rules"].get(rule.name, dict.fromkeys(OUTCOMES, 0))
        rows.append([rule.name, ",".join(rule.clauses), _MODAL[rule.modality]]
                    + [str(counts[o]) for o in OUTCOMES])
    out.extend(_table(rows, numeric_from=3))
    if result.targets:
        out += ["", "Targets, per population"]
        rows = [["target", "clauses", "modality", "group", "outcome", "explanation"]]
        for t in result.targets:
            rows.append([t.rule, ",".join(t.clauses), _MODAL[t.modality], t.group or "(all)",
                         t.outcome, t.explanation])
        out.extend(_table(rows))
    failing = [(i, rule) for i, rule in enumerate(policy.rules) if sum(tally.failing_total[i])]
    if failing:
        out += ["", "Failing and undecided records"]
        for i, rule in failing:
            fails, unknown = tally.failing_total[i]
            kind = FAILURE_KIND[rule.modality]
            head = (f"{rule.name} [{','.join(rule.clauses)}, {_MODAL[rule.modality]}]: "
                    f"{fails} {kind}{'s' if fails != 1 else ''}")
            out.append(head + (f", {unknown} unknown" if unknown else ""))
            for rid, outcome, why in tally.failing[i][:show]:
                out.append(f"  {rid}  {outcome}: {why}")
            if fails + unknown > show:
                out.append(f"  … and {fails + unknown - show} more")
    if tally.with_errors:
        out += ["", f"Records with data errors: {tally.with_errors}"]
        for r in tally.bad[:show]:
            for e in r.errors:
                out.append(f"  {r.id}  {e.field}: {e.message}")
        if tally.with_errors > show:
            out.append(f"  … and {tally.with_errors - show} more records")
    out += ["", "Summary",
            f"  {s['records']} {plural}, {s['records_with_errors']} with data errors",
            f"  {s['violations']} violations (must), {s['deviations']} deviations (in principle), "
            f"{s['shortfalls']} shortfalls (strive), {s['unknown']} unknown",
            ""]
    return "\n".join(out)
