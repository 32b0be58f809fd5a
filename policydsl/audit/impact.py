"""Impact of a new version on real records: both versions evaluated on the same data.

For each year, rule and target (matched across versions as the structural diff
matches them), which records change outcome and how (pass → fail, newly in scope,
newly unknown, an exemption that stops applying, ...), per group of a fact when
asked, and each target's value and verdict under both versions. Beside it, the
symbolic class of the diff: a change proved stricter that affects no record today
is said so, with the witness that would be affected.

Only the public evaluation API is used (`Policy.evaluate(data, year)` and its
result objects), so any engine behind it gives the same impact. Text from the data
(ids, labels, groups) is kept as it is; the renderers make it safe to print.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import attrs

from ..core import ir
from ..eval.results import EXEMPTED, FAIL, NOT_APPLICABLE, PASS, UNKNOWN
from .model import (
    EQUIVALENT,
    INCOMPARABLE,
    LOOSER,
    STRICTER,
    UNCHANGED,
    PolicyDiff,
    RuleChange,
    Witness,
)

ABSENT = "absent"  # the rule does not exist in that version

# How an outcome changed, most telling first; `kind_of` picks one per pair of outcomes.
PASS_TO_FAIL = "pass → fail"
FAIL_TO_PASS = "fail → pass"
NEWLY_IN_SCOPE = "newly in scope"
NEWLY_OUT_OF_SCOPE = "newly out of scope"
NEWLY_UNKNOWN = "newly unknown"
NO_LONGER_UNKNOWN = "no longer unknown"
EXEMPTION_STOPS = "exemption stops applying"
EXEMPTION_STARTS = "exemption starts applying"
KINDS = (PASS_TO_FAIL, FAIL_TO_PASS, NEWLY_IN_SCOPE, NEWLY_OUT_OF_SCOPE, NEWLY_UNKNOWN,
         NO_LONGER_UNKNOWN, EXEMPTION_STOPS, EXEMPTION_STARTS)
PROVED = (STRICTER, LOOSER, INCOMPARABLE)


def kind_of(old: str, new: str) -> str | None:
    """The kind of change from outcome `old` to `new` (`absent` for a rule one version lacks)."""
    if old == new:
        return None
    if new == UNKNOWN:
        return NEWLY_UNKNOWN
    if old == UNKNOWN:
        return NO_LONGER_UNKNOWN
    if old == EXEMPTED:
        return EXEMPTION_STOPS
    if new == EXEMPTED:
        return EXEMPTION_STARTS
    if old in (NOT_APPLICABLE, ABSENT):
        return NEWLY_IN_SCOPE
    if new in (NOT_APPLICABLE, ABSENT):
        return NEWLY_OUT_OF_SCOPE
    return PASS_TO_FAIL if (old, new) == (PASS, FAIL) else FAIL_TO_PASS


@attrs.frozen
class RecordChange:
    """One record whose outcome of one rule differs between the versions."""

    index: int  # position in the input, from 0
    id: str
    old: str
    new: str
    kind: str
    group: str | None = None  # the value of the `--by` fact
    labels: tuple[tuple[str, str], ...] = ()
    old_explanation: str = ""
    new_explanation: str = ""

    def to_json(self) -> dict:
        return {"index": self.index, "id": self.id, "labels": dict(self.labels), "group": self.group,
                "kind": self.kind, "old": {"outcome": self.old, "explanation": self.old_explanation},
                "new": {"outcome": self.new, "explanation": self.new_explanation}}


@attrs.frozen
class TargetChange:
    """A target's value and verdict for one group under both versions."""

    group: str | None
    old_value: str | None
    old_required: str | None
    old_outcome: str
    new_value: str | None
    new_required: str | None
    new_outcome: str
    # The same values as the drafter writes them (`62%`, `26 communities`), for reports.
    old_shown: tuple[str | None, str | None] = (None, None)
    new_shown: tuple[str | None, str | None] = (None, None)

    @property
    def changed(self) -> bool:
        return self.old_outcome != self.new_outcome

    def to_json(self) -> dict:
        def side(value, required, outcome, shown) -> dict:
            return {"value": value, "required": required, "outcome": outcome,
                    "shown": {"value": shown[0], "required": shown[1]}}

        return {"group": self.group, "changed": self.changed,
                "old": side(self.old_value, self.old_required, self.old_outcome, self.old_shown),
                "new": side(self.new_value, self.new_required, self.new_outcome, self.new_shown)}


@attrs.frozen
class RuleImpact:
    """One rule or target in one year: what changes on the data, beside what the diff proved."""

    kind: str  # "rule" or "target"
    name: str
    old_name: str | None
    clauses: tuple[str, ...]
    symbolic: str  # the diff's class for the year (added, removed, stricter, ...)
    changes: tuple[RecordChange, ...] = ()
    targets: tuple[TargetChange, ...] = ()
    witnesses: tuple[Witness, ...] = ()

    @property
    def affected(self) -> int:
        """Records (for a rule) or groups (for a target) whose outcome changes."""
        return len(self.changes) if self.kind == "rule" else sum(t.changed for t in self.targets)

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(x.kind for x in self.changes)
        return {k: c[k] for k in KINDS if c[k]}

    def by_group(self) -> dict[str, dict[str, int]]:
        out: dict[str, Counter[str]] = {}
        for x in self.changes:
            out.setdefault(x.group or "", Counter())[x.kind] += 1
        return {g: {k: c[k] for k in KINDS if c[k]} for g, c in sorted(out.items())}

    @property
    def unaffected_proof(self) -> bool:
        """Proved to change meaning, yet no record of the data changes outcome."""
        return self.symbolic in PROVED and self.affected == 0

    @property
    def is_interesting(self) -> bool:
        return self.affected > 0 or self.symbolic not in (UNCHANGED, EQUIVALENT)

    def to_json(self) -> dict:
        out: dict[str, object] = {"kind": self.kind, "name": self.name, "old_name": self.old_name,
                                  "clauses": list(self.clauses), "symbolic": self.symbolic,
                                  "affected": self.affected, "affects_no_record": self.unaffected_proof}
        if self.kind == "rule":
            out["counts"] = self.counts
            out["by_group"] = self.by_group()
            out["records"] = [x.to_json() for x in self.changes]
        else:
            out["groups"] = [t.to_json() for t in self.targets]
        if self.unaffected_proof:
            out["witnesses"] = [w.to_json() for w in self.witnesses]
        return out


@attrs.frozen
class YearImpact:
    year: int
    records: int
    rules: tuple[RuleImpact, ...] = ()
    note: str = ""  # why the year was not evaluated
    old_errors: int = 0  # records with a data error under OLD
    new_errors: int = 0
    exemption_errors: tuple[tuple[str, str], ...] = ()  # (id, message): exemptions NEW refuses and OLD took

    def affected_records(self) -> list[dict]:
        """Each record whose outcome of at least one rule changes, with those rules, in input order:
        the answer to "which communities does this change affect?"."""
        by_index: dict[int, dict] = {}
        for r in self.rules:
            for x in r.changes:
                entry = by_index.setdefault(x.index, {"index": x.index, "id": x.id, "labels": dict(x.labels),
                                                      "group": x.group, "rules": []})
                entry["rules"].append(r.name)
        return [by_index[i] for i in sorted(by_index)]

    def to_json(self) -> dict:
        return {"year": self.year, "records": self.records, "note": self.note or None,
                "affected_records": self.affected_records(),
                "records_with_errors": {"old": self.old_errors, "new": self.new_errors},
                "exemption_errors": [{"id": i, "message": m} for i, m in self.exemption_errors],
                "rules": [r.to_json() for r in self.rules]}


@attrs.frozen
class Impact:
    data: str
    by: str | None
    labels: tuple[str, ...]
    years: tuple[YearImpact, ...]

    def to_json(self) -> dict:
        return {"data": self.data, "by": self.by, "labels": list(self.labels),
                "years": [y.to_json() for y in self.years]}


# ---- reading the records ---------------------------------------------------------------


def is_decision_log(path: str | os.PathLike[str]) -> bool:
    """Does the file start with a decision-log line (`policydsl.DecisionLog`)?"""
    try:
        with open(path, "rb") as f:
            first = f.readline(1 << 20)
    except OSError:
        return False
    try:
        obj = json.loads(first)
    except ValueError:
        return False
    return isinstance(obj, dict) and isinstance(obj.get("decision"), dict) and "input" in obj


def load_facts(path: str | os.PathLike[str], format: str | None = None) -> tuple[object, list[Mapping]]:
    """What to evaluate (the path itself, or the records of a decision log) and the raw fields
    of each record in input order (for labels and groups)."""
    from ..data.read import read_records

    if is_decision_log(path):
        from ..decisions import read_decisions

        records = [d["input"] for d in read_decisions(path)]
        return records, records
    return path, [r.fields for r in read_records(path, format)]


# ---- the comparison ------------------------------------------------------------------


def impact(old, new, diff: PolicyDiff, data, years: Sequence[int], *, by: str | None = None,
           format: str | None = None, engine: str | None = None, name: str | None = None) -> Impact:
    """Evaluate `old` and `new` (`Policy` objects) on `data` (a path, or a list of mappings)
    for each year, and match outcomes record by record and rule by rule as `diff` matches rules."""
    if isinstance(data, str | os.PathLike):
        source, raw = load_facts(data, format)
        name = name or os.fspath(data)
    else:
        source = raw = list(data)
        name = name or "<records>"
    labels = _labels(old, new)
    fields = [_fields(r, labels, by) for r in raw]
    out = []
    for year in years:
        missing = [side for side, p in (("OLD", old), ("NEW", new)) if year not in p.years]
        if missing:
            out.append(YearImpact(year, len(raw), note=f"outside the period of {' and '.join(missing)}"))
            continue
        out.append(_year(old, new, diff, source, year, fields, format, engine))
    return Impact(name, by, labels, tuple(out))


def _labels(old, new) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for p in (old, new):
        for x in getattr(p.ir, "label_facts", ()) or ():
            seen[x if isinstance(x, str) else getattr(x, "name", str(x))] = None
    return tuple(seen)


def _fields(raw: Mapping, labels: tuple[str, ...], by: str | None) -> tuple[tuple[tuple[str, str], ...], str | None]:
    shown = tuple((k, _show(raw.get(k))) for k in labels if raw.get(k) not in (None, ""))
    group = None if by is None else (_show(raw.get(by)) if raw.get(by) not in (None, "") else "(missing)")
    return shown, group


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _evaluate(policy, source, year: int, format: str | None, engine: str | None):
    kwargs: dict[str, object] = {}
    if engine is not None:
        kwargs["engine"] = engine
    if format is not None and isinstance(source, str | os.PathLike):
        kwargs["format"] = format
    return policy.evaluate(source, year, **kwargs)


def _year(old, new, diff: PolicyDiff, source, year: int, fields, format, engine) -> YearImpact:
    a = _evaluate(old, source, year, format, engine)
    b = _evaluate(new, source, year, format, engine)
    if len(a.records) != len(b.records) or len(a.records) != len(fields):
        raise ValueError(f"the versions were given {len(a.records)} and {len(b.records)} records "
                         f"for {len(fields)} input records")
    old_rows = [{o.rule: o for o in r.outcomes} for r in a.records]
    new_rows = [{o.rule: o for o in r.outcomes} for r in b.records]
    rules = []
    for change in diff.changes:
        cls = _symbolic(change, year)
        if change.kind == "rule":
            rules.append(_rule_impact(change, cls, b.records, old_rows, new_rows, fields, year))
        else:
            rules.append(_target_impact(change, cls, a.targets, b.targets, year))
    exemption_errors = []
    for ra, rb in zip(a.records, b.records, strict=True):
        before = {e.message for e in ra.errors if e.field == "exemptions"}
        for e in rb.errors:
            if e.field == "exemptions" and e.message not in before:
                exemption_errors.append((rb.id, e.message))
    return YearImpact(year, len(fields), tuple(rules), "",
                      sum(1 for r in a.records if r.errors), sum(1 for r in b.records if r.errors),
                      tuple(exemption_errors))


def _symbolic(change: RuleChange, year: int) -> str:
    if change.old is None or change.new is None:
        return change.verdict
    for v in change.years:
        if v.year == year:
            return v.cls
    return UNCHANGED


def _witnesses(change: RuleChange, year: int) -> tuple[Witness, ...]:
    for v in change.years:
        if v.year == year:
            return v.witnesses
    return ()


def _rule_impact(change: RuleChange, cls: str, new_records, old_rows, new_rows,
                 fields, year: int) -> RuleImpact:
    old_name = change.old.name if change.old is not None else None
    new_name = change.new.name if change.new is not None else None
    changes = []
    for i, rb in enumerate(new_records):
        oa = old_rows[i].get(old_name) if old_name else None
        ob = new_rows[i].get(new_name) if new_name else None
        va = oa.outcome if oa is not None else ABSENT
        vb = ob.outcome if ob is not None else ABSENT
        kind = kind_of(va, vb)
        if kind is None:
            continue
        shown, group = fields[i]
        changes.append(RecordChange(i, rb.id, va, vb, kind, group, shown,
                                    oa.explanation if oa is not None else "",
                                    ob.explanation if ob is not None else ""))
    return RuleImpact("rule", change.name, change.old_name, change.clauses, cls, tuple(changes),
                      witnesses=_witnesses(change, year))


def _measured_type(rule) -> ir.Type | None:
    """The type of a target's measured side (`share(...)`, `count(...)`), to show its values."""
    cond = getattr(rule, "condition", None)
    if isinstance(cond, ir.Cmp):
        return cond.right.type if isinstance(cond.left, ir.Const) else cond.left.type
    return None


def _shown(t, typ) -> tuple[str | None, str | None]:
    from ..eval.values import show

    if t is None or typ is None:
        return (None, None)
    return tuple(show(x, typ) if x is not None else None for x in (t.value, t.required))


def _target_impact(change: RuleChange, cls: str, old_targets, new_targets, year: int) -> RuleImpact:
    from ..eval.values import exact_text

    def by_group(results: Iterable, name: str | None) -> dict:
        return {t.group: t for t in results if name is not None and t.rule == name}

    olds = by_group(old_targets, change.old.name if change.old is not None else None)
    news = by_group(new_targets, change.new.name if change.new is not None else None)

    def num(x):
        return exact_text(x) if x is not None else None

    old_type, new_type = _measured_type(change.old), _measured_type(change.new)
    rows = []
    for group in dict.fromkeys([*olds, *news]):
        ta, tb = olds.get(group), news.get(group)
        rows.append(TargetChange(
            group,
            num(ta.value) if ta else None, num(ta.required) if ta else None, ta.outcome if ta else ABSENT,
            num(tb.value) if tb else None, num(tb.required) if tb else None, tb.outcome if tb else ABSENT,
            _shown(ta, old_type), _shown(tb, new_type)))
    return RuleImpact("target", change.name, change.old_name, change.clauses, cls, targets=tuple(rows),
                      witnesses=_witnesses(change, year))
