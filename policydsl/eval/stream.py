"""The one evaluation driver: a population in, outcome counts, targets and sinks out.

With the `duckdb` engine (the default) DuckDB reads the input and judges every
record it can read exactly (`duckdb_engine`); the report's counts and lists come
from SQL, and only the records a sink shows are explained. Inputs only the Python
reader can read exactly (JSON, a CSV with multi-line fields or odd bytes, mappings)
stream through it in chunks, judged by the compiled engine, in bounded memory: what
outlives a chunk is outcome counts per rule, the target totals per group
(`population`), and for the text report the first few failing records per rule.
Per-record results with explanations are produced only when the caller asks for
them (JSON output), and handed on at once rather than kept.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Iterable, Iterator
from typing import IO

import attrs

from .. import ir
from ..results import (
    FAIL,
    NOT_APPLICABLE,
    OUTCOMES,
    PASS,
    UNKNOWN,
    OutcomeCounts,
    PolicyInfo,
    RecordResult,
    TargetResult,
)
from .population import TargetStats

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
        # How a data file's bytes were read ("UTF-8", "GB18030", ...); None for records
        # given as objects, whose text is already decoded.
        self.encoding: str | None = None

    @property
    def has_findings(self) -> bool:
        s = self.summary
        return bool(s["violations"] or s["unknown"] or s["records_with_errors"])


def chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def evaluate_stream(policy, data, year: int, *, engine: str = "duckdb", format: str | None = None,
                    encoding: str | None = None,
                    on_record: Callable[[RecordResult], None] | None = None,
                    progress: Callable[[int], None] | None = None, show: int | None = 10,
                    chunk_size: int = CHUNK, report=None) -> StreamResult:
    """Judge a population: the one driver of the CLI and `Policy.evaluate`.

    `data` is a path (CSV, JSON, JSON Lines, Parquet), a DataFrame or Arrow object, or
    an iterable of `RawRecord`s or mappings. With the `duckdb` engine DuckDB reads and
    judges what it can read exactly; anything else streams through the Python reader
    and the compiled engine (`reference` judges every record with the interpreter).
    `on_record` receives every full result, in input order; `report` is the
    `report.ReportCollector` to fill (by default one showing `show` records per list).
    """
    if engine == "duckdb":
        from . import duckdb_engine

        # DuckDB reads UTF-8 only: a file in another encoding is read by our reader
        plain = encoding is None or encoding.lower().replace("_", "-") in ("utf-8", "utf8")
        batch = duckdb_engine.evaluate(policy, data, year, format) if plain and _batchable(data) else None
        if batch is not None:
            try:
                result = _from_batch(policy, batch, year, on_record, show, report)
            finally:
                batch.close()
            if isinstance(data, str | os.PathLike) and not duckdb_engine.is_parquet(data, format):
                result.encoding = "UTF-8"  # DuckDB is given UTF-8 files only
            return result
        engine = "compiled"
    if isinstance(data, str | os.PathLike):
        from . import duckdb_engine

        if duckdb_engine.is_parquet(data, format):
            data = _records(duckdb_engine.parquet_rows(data))
        else:
            from ..data.read import read_records

            records = read_records(data, format, encoding=encoding)
            result = _stream(policy, records, year, engine, on_record, progress, show, chunk_size, report)
            result.encoding = records.encoding
            return result
    else:
        from ..data.frames import as_rows

        data = _records(as_rows(data))
    return _stream(policy, data, year, engine, on_record, progress, show, chunk_size, report)


def _records(rows: Iterable) -> Iterable:
    """Mappings (or `RawRecord`s) as `RawRecord`s with the id rules of files: a missing,
    blank or duplicate id is an error on its record."""
    from ..data.mappings import records_from_mappings

    return records_from_mappings(rows)


def _batchable(data) -> bool:
    from ..data.frames import frame_kind

    return isinstance(data, str | os.PathLike) or frame_kind(data) is not None


def _stream(policy, raw_records: Iterable, year: int, engine: str, on_record, progress,
            show: int | None, chunk_size: int, report) -> StreamResult:
    from ..report import ReportCollector

    eng = policy.engine(engine)
    tally = Tally(policy.ir)
    collector = report if report is not None else ReportCollector(policy, show)
    stats = TargetStats(policy.ir, year)
    seen = 0
    population: list = []
    program = eng.program(year) if hasattr(eng, "program") else None
    counted = _counted_outcomes(policy.ir)
    for chunk in chunks(raw_records, chunk_size):
        records = _prepare(policy, chunk, seen)
        seen += len(records)
        if program is not None:
            verdicts = program.verdicts
            rows = [verdicts(r.values, r.exemptions) for r in records]
            stats.add_records(program, records)
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
            collector.add(full, rec.values)
        if progress is not None:
            progress(seen)
    targets = stats.results() if program is not None else eng.targets(population, year)
    return StreamResult(policy.info, year, tally, targets, collector)


def _from_batch(policy, batch, year: int, on_record, show: int | None, report) -> StreamResult:
    """The result of a DuckDB batch: counts and lists from SQL, explanations only for what
    is shown (or, with `on_record`, for every record, as the reference words them)."""
    from ..report import ReportCollector
    from .compiled import CompiledEngine

    rules = policy.ir.rules
    explainer = CompiledEngine(policy.ir)  # its memoised reference explanations
    tally = Tally(policy.ir)
    counts = batch.counts()
    tally.records = batch.size
    tally.with_errors = batch.count_where("__errors")
    for i, c in enumerate(counts):
        tally.counts[i].update(c)
    collector = report if report is not None else ReportCollector(policy, show)
    # A breakdown by group, or failures tracked over years, needs every record: fed one
    # by one; otherwise SQL answers every list the report shows.
    per_record = collector.by is not None or collector.failing_ids is not None
    if on_record is not None or per_record:
        counted = _counted_outcomes(policy.ir)
        for rec, codes in batch.iter_records():
            if on_record is not None:
                on_record(RecordResult(rec.id, tuple(_outcome(explainer, i, rec, year, codes[i])
                                                     for i in range(len(rules))), rec.errors))
            if per_record:
                collector.add(_LazyResult(explainer, rec, year, codes, counted), rec.values)
    if not per_record:
        _collect(collector, batch, policy, year, counts, explainer)
    return StreamResult(policy.info, year, tally, batch.stats.results(), collector)


def _outcome(explainer, i: int, rec, year: int, code: str):
    """Rule `i`'s outcome as the engine decided it, with the reference's explanation."""
    o = explainer.outcome(i, rec.values, rec.exemptions, year)
    return o if o.outcome == code else attrs.evolve(o, outcome=code)


def _collect(c, batch, policy, year: int, counts, explainer) -> None:
    """Fill a report collector from the batch: what `ReportCollector.add` would have kept,
    in the same order, with the records it shows explained by the reference."""
    from ..results import EXEMPTED as EX

    rules = policy.ir.rules
    codes = batch.layout.code
    show = c.show
    c.records = batch.size
    for rule, cnt in zip(rules, counts, strict=True):
        c.rule_counts[rule.name] = cnt
        c.kinds[rule.modality] += cnt.get(FAIL, 0)
        c.kinds[UNKNOWN] += cnt.get(UNKNOWN, 0)
    failing = {i: batch.rows_where(f"{col} IN (1, 4)", show) for i, col in enumerate(codes)}
    any_ex = " OR ".join(f"{col} = 2" for col in codes) or "false"
    exempted_rows = batch.rows_where(any_ex, show)
    c.exempted_total = sum(cnt.get(EX, 0) for cnt in counts)
    error_rows = batch.rows_where("__errors", show)
    c.errors_total = batch.count_where("__errors")
    offenders = batch.offenders(show)
    wanted = set(exempted_rows) | set(error_rows) | {r for r, _ in offenders}
    for rows in failing.values():
        wanted |= set(rows)
    records = batch.records_at(sorted(wanted))
    names = batch.codes_of(sorted(wanted))

    def outcome(row: int, i: int):
        return _outcome(explainer, i, records[row], year, names[row][i])

    def labels(row: int) -> tuple:
        return tuple(records[row].values.get(f) for f in c.label_facts)

    for i, rule in enumerate(rules):
        c.failing[rule.name] = [(records[r].id, labels(r), None, outcome(r, i), records[r].values)
                                for r in failing[i]]
    for r in exempted_rows:
        for i, name in enumerate(names[r]):
            if name == EX and (show is None or len(c.exempted) < show):
                c.exempted.append((records[r].id, labels(r), outcome(r, i)))
    c.errors = [(RecordResult(records[r].id, (), records[r].errors), labels(r)) for r in error_rows]
    c._offenders = [(-score, r + 1, records[r].id, labels(r),
                     [outcome(r, i) for i, name in enumerate(names[r]) if name == FAIL])
                    for r, score in offenders]


def _prepare(policy, chunk: list, start: int) -> list:
    validate = policy._validator.validate
    return [validate(raw) for raw in chunk]


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
        head = '{\n "policy": ' + _indented(info.to_json(), 1)
        if provenance is not None:  # `policydsl.provenance.provenance`: what produced this result
            head += ',\n "provenance": ' + _indented(provenance, 1)
        # written with the first record, so a file that cannot be read leaves no half document
        date = getattr(year, "date", None)  # judged on a day (`--date`)
        day = f',\n "date": "{date.isoformat()}"' if date is not None else ""
        self.head = head + f',\n "year": {int(year)}{day},\n "records": ['

    def record(self, r: RecordResult) -> None:
        if self.first:
            self.out.write(self.head)
        self.out.write(("\n  " if self.first else ",\n  ") + _indented(r.to_json(), 2))
        self.first = False

    def finish(self, result: StreamResult) -> None:
        self.out.write(self.head + "]" if self.first else "\n ]")
        targets = [t.to_json() for t in result.targets]
        self.out.write(',\n "targets": ' + _indented(targets, 1))
        self.out.write(',\n "summary": ' + _indented(result.summary, 1) + "\n}\n")


class JsonLinesWriter:
    """`--format jsonl`: a `policy` line, one `record` line each, `target` lines, a `summary` line."""

    def __init__(self, out: IO[str], info: PolicyInfo, year: int, provenance: dict | None = None):
        self.out = out
        self.head: dict | None = {"policy": info.to_json(), "year": int(year)}  # with the first line
        if getattr(year, "date", None) is not None:  # judged on a day (`--date`)
            self.head["date"] = year.date.isoformat()
        if provenance is not None:
            self.head["provenance"] = provenance

    def _line(self, obj: dict) -> None:
        if self.head is not None:
            head, self.head = self.head, None
            self._line(head)
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
