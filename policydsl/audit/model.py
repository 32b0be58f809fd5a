"""What a diff is made of: changes per rule, verdicts per year, witnesses.

Plain frozen values, so the renderers and the Python API read the same thing.
"""

from __future__ import annotations

import attrs

from ..core import ir

# Per-year classes of a matched rule, and of the whole policy.
UNCHANGED = "unchanged"  # the requirement for the year is the same IR
EQUIVALENT = "equivalent"  # written differently, proven to mean the same
STRICTER = "stricter"  # every record meeting NEW meets OLD, not conversely
LOOSER = "looser"  # every record meeting OLD meets NEW, not conversely
INCOMPARABLE = "incomparable"  # each version lets through a record the other refuses
UNDECIDED = "undecided"  # the solver gave up (time limit, non-linear arithmetic): never "equivalent"
OUT_OF_PERIOD = "out_of_period"  # the year lies in one policy's period only
CLASSES = (UNCHANGED, EQUIVALENT, STRICTER, LOOSER, INCOMPARABLE, UNDECIDED, OUT_OF_PERIOD)

# Structural tags of one change (several may hold at once).
ADDED = "added"
REMOVED = "removed"
RENAMED = "renamed"
MODALITY = "modality changed"
SCOPE = "scope changed"
SCHEDULE = "schedule changed"
CONDITION = "condition changed"
GROUPING = "grouping changed"
CITATION = "citation changed"  # label, clause ids, section or quote

MODALITY_RANK = {"strive": 0, "in_principle": 1, "must": 2}


@attrs.frozen
class Witness:
    """Records that one version accepts and the other refuses, replayed with the reference evaluator.

    `records` holds typed values (exact Fractions, enum ordinals); `shown` the same
    values as the drafter writes them. One record for a rule; a small population
    for a target (`group` names the group whose outcome differs, if any).
    """

    year: int
    records: tuple[dict[str, object], ...]
    shown: tuple[dict[str, str], ...]
    old_outcome: str
    new_outcome: str
    old_explanation: str = ""
    new_explanation: str = ""
    group: str | None = None
    old_meets: bool = False  # the outcome under OLD is `pass` or `not_applicable`
    new_meets: bool = False
    facts: tuple[str, ...] = ()  # the facts that decide the difference, for short displays

    def to_json(self) -> dict:
        return {"year": self.year, "records": [dict(r) for r in self.shown], "group": self.group,
                "facts": list(self.facts),
                "old": {"outcome": self.old_outcome, "meets": self.old_meets,
                        "explanation": self.old_explanation},
                "new": {"outcome": self.new_outcome, "meets": self.new_meets,
                        "explanation": self.new_explanation}}


@attrs.frozen
class YearVerdict:
    """The class of one rule (or the whole policy) in one year, with the records that show it.

    A stricter change has one witness (meets OLD, not NEW), a looser one the reverse,
    an incomparable one both; an undecided one may carry the one that was found.
    """

    year: int
    cls: str
    witnesses: tuple[Witness, ...] = ()
    note: str = ""

    def to_json(self) -> dict:
        return {"year": self.year, "class": self.cls, "note": self.note or None,
                "witnesses": [w.to_json() for w in self.witnesses]}


@attrs.frozen
class RuleChange:
    """One rule or target across the two versions (either side may be missing)."""

    kind: str  # "rule" or "target"
    old: ir.Rule | None = attrs.field(eq=False)
    new: ir.Rule | None = attrs.field(eq=False)
    tags: tuple[str, ...]
    old_text: str | None = None
    new_text: str | None = None
    years: tuple[YearVerdict, ...] = ()
    details: tuple[str, ...] = ()  # one line per structural tag, e.g. "must → in principle"

    @property
    def name(self) -> str:
        rule = self.new or self.old
        assert rule is not None
        return rule.name

    @property
    def old_name(self) -> str | None:
        return self.old.name if self.old else None

    @property
    def clauses(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for rule in (self.old, self.new):
            if rule is not None:
                seen.update(dict.fromkeys(rule.clauses))
        return tuple(seen)

    @property
    def verdict(self) -> str:
        """The rule's class over all years (added/removed for one-sided changes)."""
        if self.old is None:
            return ADDED
        if self.new is None:
            return REMOVED
        return combine(v.cls for v in self.years)

    @property
    def is_change(self) -> bool:
        return bool(self.tags) or self.verdict != UNCHANGED

    def to_json(self) -> dict:
        return {"kind": self.kind, "name": self.name, "old_name": self.old_name,
                "clauses": list(self.clauses), "tags": list(self.tags), "details": list(self.details),
                "verdict": self.verdict, "old_text": self.old_text, "new_text": self.new_text,
                "years": [v.to_json() for v in self.years]}


@attrs.frozen
class VersionInfo:
    source: str
    name: str
    version: str | None
    period: tuple[int, int]
    fingerprint: str

    def to_json(self) -> dict:
        return {"source": self.source, "name": self.name, "version": self.version,
                "period": list(self.period), "fingerprint": self.fingerprint}


@attrs.frozen
class PolicyDiff:
    """Everything `policydsl diff` reports; `policydsl.diff(old, new)` returns one."""

    old: VersionInfo
    new: VersionInfo
    changes: tuple[RuleChange, ...]  # every rule and target, changed or not
    years: tuple[YearVerdict, ...]  # whole-policy verdict for records, per year
    facts: tuple[str, ...] = ()  # structural notes on facts, the period and notes
    targets_bound: int = 0  # distinct records in the symbolic populations for targets
    units: dict[str, str] = attrs.field(factory=dict, eq=False)  # fact -> display unit of its values
    exemptions: tuple[str, ...] = ()  # rules and clauses that admit exemptions in one version only

    @property
    def changed(self) -> tuple[RuleChange, ...]:
        return tuple(c for c in self.changes if c.is_change)

    @property
    def identical(self) -> bool:
        return self.old.fingerprint == self.new.fingerprint

    def to_json(self) -> dict:
        return {"old": self.old.to_json(), "new": self.new.to_json(), "identical": self.identical,
                "policy": [v.to_json() for v in self.years], "facts": list(self.facts),
                "exemptions": list(self.exemptions),
                "changes": [c.to_json() for c in self.changed],
                "unchanged": [c.name for c in self.changes if not c.is_change]}


def combine(classes) -> str:
    """One class for several years: stricter in one year and looser in another is incomparable."""
    seen = set(classes) - {OUT_OF_PERIOD}
    if not seen:
        return UNCHANGED
    if INCOMPARABLE in seen or {STRICTER, LOOSER} <= seen:
        return INCOMPARABLE
    if UNDECIDED in seen:
        return UNDECIDED
    for cls in (STRICTER, LOOSER, EQUIVALENT):
        if cls in seen:
            return cls
    return UNCHANGED
