"""Evaluation results: the Python form of `eval --format json`."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import attrs

from ..data.read import FieldError

PASS, FAIL, EXEMPTED, NOT_APPLICABLE, UNKNOWN = "pass", "fail", "exempted", "not_applicable", "unknown"
OUTCOMES = (PASS, FAIL, EXEMPTED, NOT_APPLICABLE, UNKNOWN)
MODALITIES = ("must", "in_principle", "strive")
# What a failure is called under each modality.
FAILURE_KIND = {"must": "violation", "in_principle": "deviation", "strive": "shortfall"}


@attrs.frozen(eq=False)
class Outcome:
    """The verdict of one rule on one record."""

    rule: str
    clauses: tuple[str, ...]
    modality: str
    outcome: str
    explanation: str

    def to_json(self) -> dict:
        return {"rule": self.rule, "clauses": list(self.clauses), "modality": self.modality,
                "outcome": self.outcome, "explanation": self.explanation}

    # Equal by value, whatever the subclass (a `DeferredOutcome` equals the eager one).
    def _key(self) -> tuple:
        return (self.rule, self.clauses, self.modality, self.outcome, self.explanation)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Outcome):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


_EXPLANATION = Outcome.explanation  # the slot holding an outcome's explanation


class DeferredOutcome(Outcome):
    """An outcome whose explanation is worked out when it is first read.

    Verdicts are cheap and explanations are not; most callers read few explanations.
    It behaves as, and is equal to, the `Outcome` with the same explanation. Make one
    with `deferred_outcome`.
    """

    __slots__ = ("_explain", "_arg")

    @property
    def explanation(self) -> str:  # type: ignore[override]
        try:
            return _EXPLANATION.__get__(self)
        except AttributeError:
            text = self._explain(self._arg)
            _EXPLANATION.__set__(self, text)
            return text

    @explanation.setter
    def explanation(self, text: str) -> None:  # attrs' __init__ and unpickling set it
        _EXPLANATION.__set__(self, text)


# Slot setters, called directly: one outcome per rule and record is made in hot loops.
_NEW = object.__new__
_SET = tuple(getattr(DeferredOutcome, name).__set__
             for name in ("rule", "clauses", "modality", "outcome", "_explain", "_arg"))


def deferred_outcome(rule: str, clauses: tuple[str, ...], modality: str, outcome: str,
                     explain: Callable[[object], str], key: object = None) -> DeferredOutcome:
    """The outcome, with `explain(key)` giving its explanation when it is first read."""
    self = _NEW(DeferredOutcome)
    set_rule, set_clauses, set_modality, set_outcome, set_explain, set_key = _SET
    set_rule(self, rule)
    set_clauses(self, clauses)
    set_modality(self, modality)
    set_outcome(self, outcome)
    set_explain(self, explain)
    set_key(self, key)
    return self


@attrs.frozen
class RecordResult:
    id: str
    outcomes: tuple[Outcome, ...]
    errors: tuple[FieldError, ...] = ()

    def to_json(self) -> dict:
        return {"id": self.id, "outcomes": [o.to_json() for o in self.outcomes],
                "errors": [{"field": e.field, "message": e.message} for e in self.errors]}


@attrs.frozen
class TargetResult:
    """The verdict of one population target, for the whole population or one group."""

    rule: str
    clauses: tuple[str, ...]
    modality: str
    group: str | None
    value: Fraction | None
    required: Fraction | None
    outcome: str
    explanation: str

    def to_json(self) -> dict:
        from .values import exact_text

        return {"rule": self.rule, "clauses": list(self.clauses), "modality": self.modality,
                "group": self.group,
                "value": exact_text(self.value) if self.value is not None else None,
                "required": exact_text(self.required) if self.required is not None else None,
                "outcome": self.outcome, "explanation": self.explanation}


@attrs.frozen
class PolicyInfo:
    name: str
    version: str | None
    fingerprint: str
    validity: dict | None = attrs.field(default=None, eq=False)  # `dates.validity_json`, when stated

    def to_json(self) -> dict:
        out = {"name": self.name, "version": self.version, "fingerprint": self.fingerprint}
        if self.validity:
            out["validity"] = self.validity
        return out


@attrs.frozen
class Evaluation:
    """Everything one `eval` produces: every input record, every target, a summary."""

    policy: PolicyInfo
    year: int
    records: tuple[RecordResult, ...]
    targets: tuple[TargetResult, ...]

    @property
    def summary(self) -> dict:
        return summarize(self.records, self.targets)

    @property
    def has_findings(self) -> bool:
        """True when the CLI would exit 1: a violation, an unknown, or a bad record."""
        s = self.summary
        return bool(s["violations"] or s["unknown"] or s["records_with_errors"])

    def to_arrow(self):
        """One row per record and rule (id, rule, clauses, modality, outcome, explanation,
        errors) as a `pyarrow.Table`; needs the `dataframes` extra."""
        try:
            import pyarrow as pa
        except ImportError as err:  # pragma: no cover - depends on the installation
            raise ImportError("to_arrow() needs pyarrow: pip install 'policydsl[dataframes]'") from err
        cols: dict[str, list] = {k: [] for k in ("id", "rule", "clauses", "modality", "outcome",
                                                  "explanation", "errors")}
        for r in self.records:
            errors = "; ".join(f"{e.field}: {e.message}" for e in r.errors) or None
            for o in r.outcomes:
                for key, value in (("id", r.id), ("rule", o.rule), ("clauses", list(o.clauses)),
                                   ("modality", o.modality), ("outcome", o.outcome),
                                   ("explanation", o.explanation), ("errors", errors)):
                    cols[key].append(value)
        schema = pa.schema([("id", pa.string()), ("rule", pa.string()), ("clauses", pa.list_(pa.string())),
                            ("modality", pa.string()), ("outcome", pa.string()),
                            ("explanation", pa.string()), ("errors", pa.string())])
        return pa.table(cols, schema=schema)

    def to_pandas(self):
        """`to_arrow()` as a pandas DataFrame; needs the `dataframes` extra."""
        return self.to_arrow().to_pandas()

    def to_json(self) -> dict:
        date = getattr(self.year, "date", None)  # judged on a day (`--date`), not a whole year
        return {"policy": self.policy.to_json(), "year": int(self.year),
                **({"date": date.isoformat()} if date is not None else {}),
                "records": [r.to_json() for r in self.records],
                "targets": [t.to_json() for t in self.targets],
                "summary": self.summary}


class OutcomeCounts:
    """Outcome counts, overall and per rule; failures named by modality. Batches and
    streams both build their summary with it."""

    def __init__(self) -> None:
        self.per_rule: dict[str, dict[str, int]] = {}
        self.totals = dict.fromkeys(OUTCOMES, 0)
        self.kinds = dict.fromkeys(FAILURE_KIND.values(), 0)

    def add(self, rule: str, modality: str, outcome: str, n: int = 1) -> None:
        counts = self.per_rule.get(rule)
        if counts is None:
            counts = self.per_rule[rule] = dict.fromkeys(OUTCOMES, 0)
        counts[outcome] += n
        self.totals[outcome] += n
        if outcome == FAIL:
            self.kinds[FAILURE_KIND[modality]] += n

    def summary(self, records: int, records_with_errors: int, targets: int) -> dict:
        return {
            "records": records,
            "records_with_errors": records_with_errors,
            "targets": targets,
            "outcomes": self.totals,
            "violations": self.kinds["violation"],
            "deviations": self.kinds["deviation"],
            "shortfalls": self.kinds["shortfall"],
            "unknown": self.totals[UNKNOWN],
            "rules": self.per_rule,
        }


def summarize(records, targets) -> dict:
    """Counts per outcome, overall and per rule; violations are failures of must rules."""
    tally = OutcomeCounts()
    for r in records:
        for o in r.outcomes:
            tally.add(o.rule, o.modality, o.outcome)
    for t in targets:
        tally.add(t.rule, t.modality, t.outcome)
    return tally.summary(len(records), sum(1 for r in records if r.errors), len(targets))
