"""Rule matching and the edit script: which rule became which, and what kind of change.

Rules and targets are matched by name; the rest by an unchanged body (a rename)
and then by the clause ids they cite, when exactly one rule on each side cites
them. What changed is told by tags (modality, scope, schedule, condition, ...);
how the meaning changed is the semantic module's job.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from ..core import ir
from ..fingerprint import canonical
from .model import (
    ADDED,
    CITATION,
    CONDITION,
    GROUPING,
    MODALITY,
    MODALITY_RANK,
    REMOVED,
    RENAMED,
    SCHEDULE,
    SCOPE,
    RuleChange,
)

Pair = tuple[ir.Rule | None, ir.Rule | None]


def match_rules(old: Iterable[ir.Rule], new: Iterable[ir.Rule]) -> list[Pair]:
    """Pairs (old, new) in the new version's order, then removed rules in the old order."""
    old, new = list(old), list(new)
    by_name = {r.name: r for r in old}
    pairs: dict[int, ir.Rule] = {}  # index in `new` -> matched old rule
    for i, r in enumerate(new):
        if r.name in by_name:
            pairs[i] = by_name[r.name]
    used = {id(r) for r in pairs.values()}

    def unmatched_old():
        return [r for r in old if id(r) not in used]

    # A rename: the body (everything but the name and the label) is unchanged.
    for i, r in enumerate(new):
        if i in pairs:
            continue
        same = [o for o in unmatched_old() if _body(o) == _body(r)]
        if len(same) == 1:
            pairs[i] = same[0]
            used.add(id(same[0]))
    # A renamed and changed rule: the only one on each side citing these clauses.
    for i, r in enumerate(new):
        if i in pairs or not r.clauses:
            continue
        key = frozenset(r.clauses)
        olds = [o for o in unmatched_old() if frozenset(o.clauses) == key]
        news = [n for j, n in enumerate(new) if j not in pairs and frozenset(n.clauses) == key]
        if len(olds) == 1 and len(news) == 1:
            pairs[i] = olds[0]
            used.add(id(olds[0]))
    out: list[Pair] = [(pairs.get(i), r) for i, r in enumerate(new)]
    out.extend((o, None) for o in unmatched_old())
    return out


def _body(rule: ir.Rule) -> str:
    return canonical(attrs.evolve(rule, name="", label=None))


def schedule_free(e: ir.Expr | None) -> str:
    """The canonical form with every schedule blanked out: what is left when only schedules differ."""
    if e is None:
        return "None"
    blank = ir.Const("<schedule>", ir.TEXT)
    return canonical(_replace_schedules(e, blank))


def _replace_schedules(e: ir.Expr, blank: ir.Expr) -> ir.Expr:
    """`e` with each schedule replaced by `blank` (rebuilt bottom-up, without recursion)."""
    nodes = list(ir.walk(e))
    rebuilt: dict[int, ir.Expr] = {}
    for x in reversed(nodes):  # children come after their parent in `walk`
        if isinstance(x, ir.Sched):
            rebuilt[id(x)] = blank
            continue
        changes = {}
        for f in attrs.fields(type(x)):
            value = getattr(x, f.name)
            if id(value) in rebuilt:
                changes[f.name] = rebuilt[id(value)]
            elif isinstance(value, tuple) and any(id(v) in rebuilt for v in value):
                changes[f.name] = tuple(rebuilt.get(id(v), v) for v in value)
            elif f.name == "brackets":
                changes[f.name] = tuple(attrs.evolve(b, **{
                    k: rebuilt.get(id(getattr(b, k)), getattr(b, k)) for k in ("low", "high", "value")})
                    for b in value)
        rebuilt[id(x)] = attrs.evolve(x, **changes) if changes else x
    return rebuilt[id(e)]


def schedules(e: ir.Expr | None) -> list[ir.Sched]:
    """The schedules inside an expression."""
    return [] if e is None else [x for x in ir.walk(e) if isinstance(x, ir.Sched)]


def years_text(years: tuple[int, int]) -> str:
    start, end = years
    return f"in {start}" if start == end else f"{start}–{end}"


def modality_text(m: str) -> str:
    return m.replace("_", " ")


def describe(old: ir.Rule | None, new: ir.Rule | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The structural tags of a pair and one readable line per tag."""
    if old is None:
        return (ADDED,), (f"added, in force {years_text(new.years)}",)  # type: ignore[union-attr]
    if new is None:
        return (REMOVED,), (f"removed (was in force {years_text(old.years)})",)
    tags: list[str] = []
    lines: list[str] = []
    if old.name != new.name:
        tags.append(RENAMED)
        lines.append(f"renamed `{old.name}` → `{new.name}`")
    if old.modality != new.modality:
        tags.append(MODALITY)
        way = "stricter" if MODALITY_RANK[new.modality] > MODALITY_RANK[old.modality] else "looser"
        lines.append(f"modality {modality_text(old.modality)} → {modality_text(new.modality)} ({way})")
    if canonical(old.scope) != canonical(new.scope):
        tags.append(SCOPE)
        lines.append(_edited("scope", old.scope, new.scope))
    old_s, new_s = schedules(old.condition), schedules(new.condition)
    days = [line for line in _date_changes(old, new) if line]
    if old.years != new.years or canonical(tuple(old_s)) != canonical(tuple(new_s)) or days:
        tags.append(SCHEDULE)
        if old.years != new.years:
            lines.append(f"in force {years_text(old.years)} → {years_text(new.years)}")
        lines += days
        if canonical(tuple(old_s)) != canonical(tuple(new_s)):
            lines.append(f"schedule `{_texts(old_s)}` → `{_texts(new_s)}`")
    if schedule_free(old.condition) != schedule_free(new.condition):
        tags.append(CONDITION)
        lines.append(_edited("requirement", old.condition, new.condition))
    if canonical(old.group) != canonical(new.group):
        tags.append(GROUPING)
        lines.append(f"grouping `{_group(old.group)}` → `{_group(new.group)}`")
    citation = [f for f in ("label", "clauses", "section", "quote") if getattr(old, f) != getattr(new, f)]
    if citation:
        tags.append(CITATION)
        lines.append(", ".join(citation) + " changed")
    return tuple(tags), tuple(lines)


def _date_changes(old: ir.Rule, new: ir.Rule) -> tuple[str, str]:
    """Lines for a change of the days in force or of the due day (dates: policydsl/core/dates.py)."""
    from ..core.dates import in_force_text

    days = due = ""
    if canonical(old.in_force) != canonical(new.in_force):
        def shown(d):
            return "the whole years" if d is None else in_force_text(d)
        days = f"days in force {shown(old.in_force)} → {shown(new.in_force)}"
    if canonical(old.due) != canonical(new.due):
        def due_text(e):
            return "none" if e is None else f"`{e.text}`"
        due = f"due {due_text(old.due)} → {due_text(new.due)}"
    return days, due
def _edited(what: str, old, new) -> str:
    """One edit line, old text → new text; equal texts mean only a definition they use changed."""
    a, b = _text(old), _text(new)
    same = " (a definition it uses changed)" if a == b else ""
    return f"{what} `{a}` → `{b}`{same}"


def _text(e: ir.Expr | None) -> str:
    return "everyone" if e is None else (e.text or "…")


def _texts(items: list[ir.Sched]) -> str:
    return "; ".join(s.text for s in items) or "none"


def _group(g: ir.Group | None) -> str:
    return "whole population" if g is None else f"for each {g.fact}"


def same_in_year(old: ir.Rule, new: ir.Rule, year: int) -> bool:
    """Is the requirement as it stands in `year` the same IR in both versions?"""
    return _year_form(old, year) == _year_form(new, year)


def _year_form(rule: ir.Rule, year: int) -> str:
    start, end = rule.years
    if not start <= year <= end:
        return "not in force"
    dated = (rule.in_force, rule.due) if rule.in_force is not None or rule.due is not None else ()
    return canonical((rule.scope, rule.condition, rule.group, *dated), year=year)


def rule_text(policy: ir.Policy, rule: ir.Rule | None) -> str | None:
    """The drafter's source text of a rule declaration."""
    if rule is None:
        return None
    if policy.source is None or rule.span.end <= rule.span.start:
        return f"rule {rule.name}"
    return policy.source.text[rule.span.start:rule.span.end].strip()


def structural_changes(old: ir.Policy, new: ir.Policy) -> list[RuleChange]:
    """One RuleChange per rule and target of either version; `years` are left for the semantic pass."""
    out = []
    for kind, olds, news in (("rule", old.rules, new.rules), ("target", old.targets, new.targets)):
        for o, n in match_rules(olds, news):
            tags, lines = describe(o, n)
            out.append(RuleChange(kind, o, n, tags, rule_text(old, o), rule_text(new, n), (), lines))
    return out


def policy_notes(old: ir.Policy, new: ir.Policy) -> tuple[str, ...]:
    """Changes outside rules: period, metadata, facts, notes."""
    lines = []
    if old.meta.period != new.meta.period:
        lines.append(f"period {years_text(old.meta.period)} → {years_text(new.meta.period)}")
    for field in ("name", "title", "version", "issuer", "original"):
        a, b = getattr(old.meta, field), getattr(new.meta, field)
        if a != b:
            lines.append(f"{field} `{a}` → `{b}`")
    lines += validity_changes(old.meta.validity, new.meta.validity)
    old_facts = {f.name: f for f in old.facts}
    new_facts = {f.name: f for f in new.facts}
    for name in sorted(new_facts.keys() - old_facts.keys()):
        lines.append(f"fact `{name}` added")
    for name in sorted(old_facts.keys() - new_facts.keys()):
        lines.append(f"fact `{name}` removed")
    for name in sorted(old_facts.keys() & new_facts.keys()):
        if canonical(old_facts[name]) != canonical(new_facts[name]):
            lines.append(f"fact `{name}` declaration changed")
    old_notes = {canonical(n) for n in old.notes}
    new_notes = {canonical(n) for n in new.notes}
    for n in new.notes:
        if canonical(n) not in old_notes:
            lines.append(f"note added: {n.text}")
    for n in old.notes:
        if canonical(n) not in new_notes:
            lines.append(f"note removed: {n.text}")
    return tuple(lines)


def validity_changes(old: ir.Validity | None, new: ir.Validity | None) -> list[str]:
    """The changes of a policy's validity and supersession: in force, amended, repealed,
    superseded by."""
    def items(v: ir.Validity | None) -> dict[str, str]:
        if v is None:
            return {}
        from ..core.dates import in_force_text

        out = {}
        if v.start is not None or v.end is not None:
            out["in force"] = in_force_text(v)
        if v.amended:
            out["amended on"] = ", ".join(d.isoformat() for d in v.amended)
        if v.repealed is not None:
            out["repealed on"] = v.repealed.isoformat()
        if v.superseded_by is not None:
            out["superseded by"] = v.superseded_by
        return out

    a, b = items(old), items(new)
    lines = []
    for key in ("in force", "amended on", "repealed on", "superseded by"):
        if a.get(key) != b.get(key):
            lines.append(f"{key} `{a.get(key, 'not stated')}` → `{b.get(key, 'not stated')}`")
    return lines


def _exemptible(policy: ir.Policy) -> dict[str, list[str]]:
    """Clause id -> the in-principle rules citing it: an exemption may name exactly these clauses."""
    out: dict[str, list[str]] = {}
    for rule in policy.all_rules:
        if rule.modality == "in_principle":
            for clause in rule.clauses:
                out.setdefault(clause, []).append(rule.name)
    return out


def exemption_changes(old: ir.Policy, new: ir.Policy, changes: Iterable[RuleChange]) -> tuple[str, ...]:
    """Which rules and clauses can be exempted in one version and not in the other.

    Only in-principle rules admit exemptions, and a record names the clause it is
    exempted from; so a modality change to or from `in principle` changes what a
    record's exemptions do, and an exemption naming a clause NEW no longer lets be
    exempted becomes a data error."""
    lines = []
    for c in changes:
        if c.old is None or c.new is None:
            continue
        a, b = c.old.modality == "in_principle", c.new.modality == "in_principle"
        if a != b:
            way = "no longer admits exemptions" if a else "now admits exemptions"
            lines.append(f"{c.kind} `{c.name}` {way} ({modality_text(c.old.modality)} → "
                         f"{modality_text(c.new.modality)})")
    before, after = _exemptible(old), _exemptible(new)
    for clause in sorted(before.keys() | after.keys()):
        if clause in before and clause not in after:
            lines.append(f"clause `{clause}` can no longer be exempted (an exemption naming it is a data "
                         "error under NEW)")
        elif clause in after and clause not in before:
            lines.append(f"clause `{clause}` can now be exempted (rules {', '.join(f'`{r}`' for r in after[clause])})")
    return tuple(lines)
