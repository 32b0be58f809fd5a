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

import contextlib
import itertools
import json
import os
from collections.abc import Callable, Iterable, Iterator
from typing import IO

import attrs

from ..core import ir
from .population import TargetStats
from .results import (
    NOT_APPLICABLE,
    OUTCOMES,
    PASS,
    OutcomeCounts,
    PolicyInfo,
    RecordResult,
    TargetResult,
)

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
        self.report = report  # the `reports.collector.ReportCollector` it was given, or None
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
                    progress: Callable[[int], None] | None = None,
                    chunk_size: int = CHUNK, report=None,
                    on_batch: Callable[[object, object], bool] | None = None) -> StreamResult:
    """Judge a population: the one driver of the CLI and `Policy.evaluate`.

    `data` is a path (CSV, JSON, JSON Lines, Parquet), a DataFrame or Arrow object, or
    an iterable of `RawRecord`s or mappings. With the `duckdb` engine DuckDB reads and
    judges what it can read exactly; anything else streams through the Python reader
    and the compiled engine (`reference` judges every record with the interpreter).
    `on_record` receives every full result, in input order, unless `on_batch` takes
    them all at once: given a DuckDB batch and the explaining engine, it writes every
    outcome itself and answers True (False: feed `on_record` instead). `report` is the
    `reports.collector.ReportCollector` to fill, if any: the driver feeds what it is
    given and builds no report itself (data flows driver → collector → writers).
    """
    if engine == "duckdb":
        from . import duckdb_engine

        # DuckDB reads UTF-8 only: a file in another encoding is read by our reader
        plain = encoding is None or encoding.lower().replace("_", "-") in ("utf-8", "utf8")
        # the caller reads counts and the shown records alone: the batch keeps fewer values
        lean = on_record is None and on_batch is None and (report is None or (
            report.by is None and report.failing_ids is None and report.show is not None))
        batch = duckdb_engine.evaluate(policy, data, year, format, lean) if plain and _batchable(data) else None
        if batch is not None:
            try:
                result = _from_batch(policy, batch, year, on_record, on_batch, report)
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
            result = _stream(policy, records, year, engine, on_record, progress, chunk_size, report)
            result.encoding = records.encoding
            return result
    else:
        from ..data.frames import as_rows

        data = _records(as_rows(data))
    return _stream(policy, data, year, engine, on_record, progress, chunk_size, report)


def _records(rows: Iterable) -> Iterable:
    """Mappings (or `RawRecord`s) as `RawRecord`s with the id rules of files: a missing,
    blank or duplicate id is an error on its record."""
    from ..data.mappings import records_from_mappings

    return records_from_mappings(rows)


def _batchable(data) -> bool:
    from ..data.frames import frame_kind

    return isinstance(data, str | os.PathLike) or frame_kind(data) is not None


def _stream(policy, raw_records: Iterable, year: int, engine: str, on_record, progress,
            chunk_size: int, collector) -> StreamResult:
    eng = policy.engine(engine)
    tally = Tally(policy.ir)
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
            if full is None and collector is not None:
                full = _LazyResult(eng, rec, year, rows[k], counted)
            tally.add(rows[k] if rows is not None else tuple(o.outcome for o in full.outcomes),
                      rec.errors)
            if collector is not None:
                collector.add(full, rec.values)
        if progress is not None:
            progress(seen)
    targets = stats.results() if program is not None else eng.targets(population, year)
    return StreamResult(policy.info, year, tally, targets, collector)


def _from_batch(policy, batch, year: int, on_record, on_batch, collector) -> StreamResult:
    """The result of a DuckDB batch: counts and lists from SQL, explanations only for what
    is shown (or, with `on_record`, for every record, as the reference words them)."""
    from .compiled import CompiledEngine

    rules = policy.ir.rules
    explainer = CompiledEngine(policy.ir)  # its memoised reference explanations
    if on_batch is not None and on_batch(batch, explainer):
        on_record = None
    tally = Tally(policy.ir)
    # A breakdown by group, or failures tracked over years, needs every record: fed one
    # by one; otherwise SQL answers every list the report shows.
    per_record = collector is not None and (collector.by is not None or collector.failing_ids is not None)
    summary = batch.summary(collector.show if collector is not None and not per_record else 0)
    tally.records = batch.size
    tally.with_errors = summary.errors
    for i, c in enumerate(summary.counts):
        tally.counts[i].update(c)
    if on_record is not None or per_record:
        counted = _counted_outcomes(policy.ir)
        for rec, codes in batch.iter_records():
            if on_record is not None:
                on_record(RecordResult(rec.id, tuple(explained_outcome(explainer, i, rec, year, codes[i])
                                                     for i in range(len(rules))), rec.errors))
            if per_record:
                collector.add(_LazyResult(explainer, rec, year, codes, counted), rec.values)
    if collector is not None and not per_record:
        collector.add_batch(batch, policy, year, summary, explainer)
    return StreamResult(policy.info, year, tally, batch.stats.results(), collector)


def explained_outcome(explainer, i: int, rec, year: int, code: str):
    """Rule `i`'s outcome as the engine decided it, with the reference's explanation."""
    o = explainer.outcome(i, rec.values, rec.exemptions, year)
    return o if o.outcome == code else attrs.evolve(o, outcome=code)


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


def _batch_records(batch, explainer, errors, outcome) -> Iterator[tuple[str, list[str], str]] | None:
    """(id, each outcome's text, errors' text) of every record of a DuckDB batch, in input
    order, each distinct outcome worded once by `outcome(dict)`; None when the batch must
    be read record by record."""
    from .results import Outcome

    found = batch.explained_records(explainer, errors)
    if found is None:
        return None
    texts, rows = found
    rules = explainer.policy.rules
    words: dict[tuple[int, int, int], str] = {}  # (rule, code, key) -> its text

    def worded(key: tuple[int, int, int]) -> str:
        i, code, k = key
        rule = rules[i]
        w = words[key] = outcome(Outcome(rule.name, rule.clauses, rule.modality, OUTCOMES[code],
                                         texts[(i, k)]).to_json())
        return w

    def records() -> Iterator[tuple[str, list[str], str]]:
        get, order = words.get, range(len(rules))
        try:
            for rid, codes, keys, err in rows:
                yield rid, [get(key) or worded(key) for key in zip(order, codes, keys, strict=True)], err
        finally:
            rows.close()  # now, while the batch's connection is open (an output may have failed)

    return records()


def _errors_json(errors) -> list[dict]:
    return [{"field": e.field, "message": e.message} for e in errors]


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

    def batch(self, batch, explainer) -> bool:
        """Every record of a DuckDB batch, worded as `record` words it: each distinct outcome
        dumped once, records assembled from the pieces (no per-record `json.dumps`)."""
        # A record is dumped at level 2: its keys at 3 spaces, outcomes at 4, errors' items at 4.
        records = _batch_records(batch, explainer, lambda errors: _indented(_errors_json(errors), 3),
                                 lambda o: _indented(o, 4))
        if records is None:
            return False
        write = self.out.write
        with contextlib.closing(records):
            for rid, outcomes, err in records:
                if self.first:
                    write(self.head)
                body = ",\n    ".join(outcomes)
                write(("\n  " if self.first else ",\n  ") + '{\n   "id": ' + json.dumps(rid, ensure_ascii=False)
                      + (',\n   "outcomes": [\n    ' + body + "\n   ]" if outcomes else ',\n   "outcomes": []')
                      + ',\n   "errors": ' + (err or "[]") + "\n  }")
                self.first = False
        return True

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

    def batch(self, batch, explainer) -> bool:
        """Every record of a DuckDB batch as `record` writes it, from pieces dumped once each."""
        records = _batch_records(batch, explainer,
                                 lambda errors: json.dumps(_errors_json(errors), ensure_ascii=False),
                                 lambda o: json.dumps(o, ensure_ascii=False))
        if records is None:
            return False
        with contextlib.closing(records):
            for rid, outcomes, err in records:
                if self.head is not None:
                    head, self.head = self.head, None
                    self._line(head)
                self.out.write('{"record": {"id": ' + json.dumps(rid, ensure_ascii=False) + ', "outcomes": ['
                               + ", ".join(outcomes) + '], "errors": ' + (err or "[]") + "}}\n")
        return True

    def finish(self, result: StreamResult) -> None:
        for t in result.targets:
            self._line({"target": t.to_json()})
        self._line({"summary": result.summary})

