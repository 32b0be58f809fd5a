"""Evaluation results: the Python form of `eval --format json`."""

from __future__ import annotations

from fractions import Fraction

import attrs

from .data.read import FieldError

PASS, FAIL, EXEMPTED, NOT_APPLICABLE, UNKNOWN = "pass", "fail", "exempted", "not_applicable", "unknown"
OUTCOMES = (PASS, FAIL, EXEMPTED, NOT_APPLICABLE, UNKNOWN)
MODALITIES = ("must", "in_principle", "strive")
# What a failure is called under each modality.
FAILURE_KIND = {"must": "violation", "in_principle": "deviation", "strive": "shortfall"}


@attrs.frozen
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
        from .eval.values import exact_text

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

    def to_json(self) -> dict:
        return {"name": self.name, "version": self.version, "fingerprint": self.fingerprint}


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

    def to_json(self) -> dict:
        return {"policy": self.policy.to_json(), "year": self.year,
                "records": [r.to_json() for r in self.records],
                "targets": [t.to_json() for t in self.targets],
                "summary": self.summary}


def summarize(records, targets) -> dict:
    """Counts per outcome, overall and per rule; violations are failures of must rules."""
    per_rule: dict[str, dict[str, int]] = {}
    totals = dict.fromkeys(OUTCOMES, 0)
    kinds = dict.fromkeys(FAILURE_KIND.values(), 0)
    errors = 0
    for r in records:
        errors += bool(r.errors)
        for o in r.outcomes:
            _count(per_rule, totals, kinds, o)
    for t in targets:
        _count(per_rule, totals, kinds, t)
    return {
        "records": len(records),
        "records_with_errors": errors,
        "targets": len(targets),
        "outcomes": totals,
        "violations": kinds["violation"],
        "deviations": kinds["deviation"],
        "shortfalls": kinds["shortfall"],
        "unknown": totals[UNKNOWN],
        "rules": per_rule,
    }


def _count(per_rule, totals, kinds, o) -> None:
    counts = per_rule.setdefault(o.rule, dict.fromkeys(OUTCOMES, 0))
    counts[o.outcome] += 1
    totals[o.outcome] += 1
    if o.outcome == FAIL:
        kinds[FAILURE_KIND[o.modality]] += 1
