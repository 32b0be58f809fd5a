"""The public Policy object: a checked policy, ready to evaluate."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

from . import ir
from .diagnostics import Diagnostic
from .results import Evaluation, PolicyInfo, RecordResult


class YearError(ValueError):
    """A year outside the policy's period."""


class Policy:
    """A checked policy. Load one with `policydsl.load` or `policydsl.loads`.

    >>> import policydsl
    >>> p = policydsl.loads('''
    ... policy demo period 2024 to 2025
    ... fact rooms: decimal m2
    ... rule rooms clause R1 must rooms >= 200 m2
    ... ''')
    >>> p.evaluate_record({"id": "a", "rooms": "200.00"}, 2024).outcomes[0].outcome
    'pass'
    """

    def __init__(self, checked: ir.Policy, warnings: Iterable[Diagnostic] = ()):
        self.ir = checked
        self.warnings = tuple(warnings)

    # ---- what it is ------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.ir.meta.name

    @property
    def version(self) -> str | None:
        return self.ir.meta.version

    @property
    def period(self) -> tuple[int, int]:
        return self.ir.meta.period

    @property
    def years(self) -> range:
        return range(self.period[0], self.period[1] + 1)

    @property
    def rules(self) -> tuple[ir.Rule, ...]:
        return self.ir.rules

    @property
    def targets(self) -> tuple[ir.Rule, ...]:
        return self.ir.targets

    @functools.cached_property
    def fingerprint(self) -> str:
        from .fingerprint import fingerprint

        return fingerprint(self.ir)

    @property
    def info(self) -> PolicyInfo:
        return PolicyInfo(self.name, self.version, self.fingerprint)

    def __repr__(self) -> str:
        return f"<Policy {self.name!r} {self.period[0]}–{self.period[1]} rules={len(self.rules)} targets={len(self.targets)}>"

    # ---- evaluation -------------------------------------------------------------

    def check_year(self, year: int) -> None:
        first, last = self.period
        if not first <= year <= last:
            raise YearError(f"year {year} is outside the period of policy `{self.name}` ({first}–{last})")

    @functools.cached_property
    def _validator(self):
        from .data.validate import Validator

        return Validator(self.ir)

    def engine(self, name: str = "reference"):
        from .eval.engine import make_engine

        return make_engine(self.ir, name)

    def prepare(self, raw_records) -> list:
        """Validate raw records (`RawRecord`s or plain mappings) against the policy's facts."""
        from .data.read import RawRecord

        out = []
        for i, raw in enumerate(raw_records):
            if not isinstance(raw, RawRecord):
                raw = raw_record(i, raw)
            out.append(self._validator.validate(raw))
        return out

    def evaluate_record(self, record: Mapping[str, object], year: int, *, engine: str = "compiled",
                        log=None) -> RecordResult:
        """Judge one record (a mapping of field name to value) with every per-record rule.

        `log` (a `policydsl.DecisionLog`) records the decision."""
        self.check_year(year)
        (prepared,) = self.prepare([record])
        result = self.engine(engine).record(prepared, year)
        if log is not None:
            log.record(self, year, record, result)
        return result

    def evaluate(self, data, year: int, *, engine: str = "duckdb", format: str | None = None,
                 log=None) -> Evaluation:
        """Judge a population: a path (CSV, JSON, JSON Lines, Parquet), a pandas or polars
        DataFrame, a pyarrow Table or RecordBatchReader, or an iterable of mappings.

        Every input record appears in the result, in input order, with its errors.
        `log` (a `policydsl.DecisionLog`) records one decision per record.
        """
        from .eval.stream import evaluate_stream

        self.check_year(year)
        self.engine(engine)  # an unknown name fails here, naming every engine
        if log is not None:
            from .decisions import rereadable

            data = rereadable(data)
        results: list[RecordResult] = []
        out = evaluate_stream(self, data, year, engine=engine, format=format, on_record=results.append)
        if log is not None:
            from .decisions import input_rows

            log.record_all(self, year, input_rows(data, format), results)
        return Evaluation(self.info, year, tuple(results), tuple(out.targets))


def raw_record(index: int, mapping: Mapping[str, object]):
    """A plain mapping as a RawRecord, with the same id rules as files."""
    from .data.read import FieldError, RawRecord

    rid = mapping.get("id")
    errors = ()
    if rid is None or rid == "":
        errors = (FieldError("id", "record has no `id`"),)
        rid = f"#{index + 1}"
    return RawRecord(index, None, str(rid), dict(mapping), errors)
