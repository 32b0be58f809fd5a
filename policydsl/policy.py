"""The public Policy object: a checked policy, ready to evaluate."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from .core import ir
from .core.diagnostics import Diagnostic

# `results` is imported where a policy is evaluated: it brings in the data readers
# (csv, json, the converters), a tenth of a first `load` that never uses them.
if TYPE_CHECKING:
    from .core.source import Source
    from .eval.compiled import CompiledPolicy
    from .eval.entities import EntityEvaluation
    from .eval.results import Evaluation, PolicyInfo, RecordResult


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
        self.load_warnings = tuple(warnings)  # the front end's, known without the solver

    @classmethod
    def from_source(cls, source: Source, cache: bool = False) -> Policy:
        """Check a source through the front end's stages; raise PolicyError holding every
        error (or every diagnostic, when none is an error but no policy came out). With
        `cache`, a policy file checked before by this code is taken from `checked_cache`
        (and one checked now is kept there)."""
        if cache:
            from . import checked_cache

            hit = checked_cache.get(source)
            if hit is not None:
                return cls(*hit)
        from .core.diagnostics import PolicyError, has_errors
        from .loader import check_source

        checked, diagnostics = check_source(source)
        if checked is None or has_errors(diagnostics):
            raise PolicyError([d for d in diagnostics if d.is_error] or diagnostics)
        warnings = [d for d in diagnostics if not d.is_error]
        if cache:
            checked_cache.put(source, checked, warnings)
        return cls(checked, warnings)

    @functools.cached_property
    def warnings(self) -> tuple[Diagnostic, ...]:
        """The front end's warnings, then the consistency analysis's findings, as
        `policydsl check` prints them (A0101/A0102 have severity error). The analysis
        loads the solver and runs on first access, so loading stays fast."""
        from .loader import analyse_stage

        return self.load_warnings + tuple(analyse_stage(self.ir)[1])

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
        from .core.dates import validity_json
        from .eval.results import PolicyInfo

        return PolicyInfo(self.name, self.version, self.fingerprint, validity_json(self.ir.meta.validity))

    def __repr__(self) -> str:
        return f"<Policy {self.name!r} {self.period[0]}–{self.period[1]} rules={len(self.rules)} targets={len(self.targets)}>"

    # ---- evaluation -------------------------------------------------------------

    def check_year(self, year: int) -> None:
        import datetime

        if isinstance(year, datetime.date):
            year = year.year
        if isinstance(year, bool) or not hasattr(year, "__index__"):
            raise YearError(f"the year must be a whole number such as {self.period[0]}, "
                            f"got {year!r} (a {type(year).__name__})")
        year = year.__index__()
        meta = self.ir.meta
        if not meta.in_period(year):
            raise YearError(f"year {year} is outside the period of policy `{self.name}` ({meta.period_text})")

    @functools.cached_property
    def _validator(self):
        from .eval.validate import Validator

        return Validator(self.ir)

    def engine(self, name: str = "reference"):
        from .eval.engine import make_engine

        return make_engine(self.ir, name)

    def prepare(self, raw_records) -> list:
        """Validate raw records (`RawRecord`s or plain mappings) against the policy's facts."""
        from .data.mappings import records_from_mappings

        return [self._validator.validate(raw) for raw in records_from_mappings(raw_records)]

    def compile(self, year: int) -> CompiledPolicy:
        """The policy prepared for `year` (or a `datetime.date`: that day), to judge many
        records one by one.

        Compiled on first use and kept: `policy.compile(2024).verdicts(record)` gives
        the outcome names, `.evaluate(record)` the full `RecordResult`.
        """
        year = moment(year)
        compiled = self._compiled.get(year)
        if compiled is None:
            self._one_entity("compile(year)")
            self.check_year(year)
            from .data.read import RawRecord
            from .eval.compiled import CompiledPolicy

            validate = self._validator.validate

            def prepare(record):
                return validate(record if isinstance(record, RawRecord) else raw_record(0, record))

            # a standing law judges years after its last change as that year (its horizon)
            compiled = self._compiled[year] = CompiledPolicy(self.ir, self.ir.meta.judged_year(year), prepare)
        return compiled

    @functools.cached_property
    def _compiled(self) -> dict:
        return {}

    def verdicts(self, record: Mapping[str, object], year: int) -> tuple[str, ...]:
        """The outcome name (`pass`, `fail`, …) of every per-record rule on one record."""
        return self.compile(year).verdicts(record)

    def evaluate_record(self, record: Mapping[str, object], year: int, *, engine: str = "compiled",
                        log=None) -> RecordResult:
        """Judge one record (a mapping of field name to value) with every per-record rule.

        With the default engine, explanations are worked out when first read. `log` (a
        `policydsl.DecisionLog`) records the decision.
        """
        self._one_entity("evaluate_record(record, year)")
        year = moment(year)
        if engine == "compiled":
            result = self.compile(year).evaluate(record)
        else:
            self.check_year(year)
            (prepared,) = self.prepare([record])
            result = self.engine(engine).record(prepared, self.ir.meta.judged_year(year))
        if log is not None:
            log.record(self, year, record, result)
        return result

    def evaluate(self, data, year: int, *, engine: str = "duckdb", format: str | None = None,
                 log=None) -> Evaluation | EntityEvaluation:
        """Judge a population: a path (CSV, JSON, JSON Lines, Parquet), a pandas or polars
        DataFrame, a pyarrow Table or RecordBatchReader, or an iterable of mappings.

        Every input record appears in the result, in input order, with its errors.
        `log` (a `policydsl.DecisionLog`) records one decision per record.

        A policy with several entities takes one such source per entity, keyed by its name
        (`{"committee": df, "group": rows}`), and gives an `EntityEvaluation`; the reference
        engine judges it, whatever `engine` names.
        """
        from .eval.stream import evaluate_stream

        year = moment(year)
        self.check_year(year)
        if self.ir.entities:
            from .eval.entities import evaluate_entities

            if log is not None:
                raise ValueError("a decision log records one kind of record; this policy has several")
            return evaluate_entities(self, data, self.ir.meta.judged_year(year), format=format,
                                     engine=engine, shown_year=year)
        self.engine(engine)  # an unknown name fails here, naming every engine
        if log is not None:
            from .decisions import rereadable

            data = rereadable(data)
        results: list[RecordResult] = []
        judged = self.ir.meta.judged_year(year)  # a standing law's later years are its horizon
        out = evaluate_stream(self, data, judged, engine=engine, format=format, on_record=results.append)
        if log is not None:
            from .decisions import input_rows

            log.record_all(self, year, input_rows(data, format), results)
        from .eval.results import Evaluation

        return Evaluation(self.info, year, tuple(results), tuple(out.targets))


    def _one_entity(self, what: str) -> None:
        if self.ir.entities:
            names = ", ".join(e.name for e in self.ir.entities)
            raise ValueError(f"policy `{self.name}` judges several kinds of record ({names}): "
                             f"{what} judges one; judge them together with "
                             "`evaluate({ENTITY: DATA, ...}, year)`")


def moment(year):
    """The evaluation moment of a year or a day: a `datetime.date` judges that day
    (`eval_date`); a year judges its last day."""
    import datetime

    from .core.dates import on

    if isinstance(year, datetime.datetime):
        year = year.date()
    if isinstance(year, datetime.date):
        return on(year.year, year)
    return year


def raw_record(index: int, mapping: Mapping[str, object]):
    """A plain mapping as a RawRecord, with the same id rules as files."""
    from .data.mappings import records_from_mappings

    (record,) = records_from_mappings([mapping], start=index)
    return record
