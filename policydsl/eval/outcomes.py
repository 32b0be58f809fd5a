"""From values to outcomes: years in force, scope, exemptions, targets and groups.

This is the reference meaning of outcomes; fast evaluators reuse it for the
records whose outcome is not a plain pass, so explanations are identical.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..core import ir
from .explain import explain, explain_target, unknown_reasons
from .reference import Env, evaluate
from .results import EXEMPTED, FAIL, NOT_APPLICABLE, PASS, UNKNOWN, Outcome, TargetResult
from .values import EmptyPopulation, NotInForce, Unknown, show


def not_in_force_text(rule: ir.Rule, year: int) -> str:
    start, end = rule.years
    span = f"in {start}" if start == end else f"from {start} to {end}"
    return f"not in force in {year} (in force {span})"


def out_of_force(rule: ir.Rule, year: int) -> str | None:
    """Why a rule is not in force when judged in `year` (its days, when it has them, on the
    evaluation date), or None when it is."""
    if rule.in_force is not None:
        return not_in_force_on(rule, year)
    start, end = rule.years
    return None if start <= year <= end else not_in_force_text(rule, year)


def not_in_force_on(rule: ir.Rule, year: int) -> str | None:
    """Why a rule with days in force is not in force on the evaluation date, or None."""
    days = rule.in_force
    if days is None:
        return None
    from ..core.dates import day_of, in_force_text

    day = day_of(year)
    if (days.start is not None and day < days.start) or (days.end is not None and day > days.end):
        why = f", {days.why}" if days.why else ""
        return f"not in force on {day.isoformat()} (in force {in_force_text(days)}{why})"
    return None


def not_yet_due(rule: ir.Rule, env: Env, year: int) -> tuple[str, str] | None:
    """(outcome, why) when a duty with a due day is not yet judged on the evaluation date."""
    if rule.due is None:
        return None
    from ..core.dates import day_of

    due = evaluate(rule.due, env, year)
    if isinstance(due, Unknown):
        return UNKNOWN, "cannot tell when it is due: " + unknown_reasons(due)
    day = day_of(year)
    if day < due:
        return NOT_APPLICABLE, f"not yet due on {day.isoformat()}: due on {due.isoformat()} (`{rule.due.text}`)"
    return None


def judge_record(rule: ir.Rule, env: Env, exemptions: Mapping[str, str], year: int) -> Outcome:
    """The outcome of one per-record rule on one record."""

    def out(kind: str, why: str) -> Outcome:
        return Outcome(rule.name, rule.clauses, rule.modality, kind, why)

    outside = out_of_force(rule, year)
    if outside is not None:
        return out(NOT_APPLICABLE, outside)
    try:
        if rule.scope is not None:
            inside = evaluate(rule.scope, env, year)
            if isinstance(inside, Unknown):
                return out(UNKNOWN, "cannot tell whether the rule applies: " + unknown_reasons(inside))
            if inside is False:
                return out(NOT_APPLICABLE, "out of scope: " + explain(rule.scope, env, year, scope=True))
        pending = not_yet_due(rule, env, year)
        if pending is not None:
            return out(*pending)
        for key in rule.exemption_keys:
            if key in exemptions:
                what = f"rule {key}" if key == rule.name else key
                return out(EXEMPTED, f"exempted from {what}: {exemptions[key]}")
        value = evaluate(rule.condition, env, year)
        if isinstance(value, Unknown):
            return out(UNKNOWN, "cannot decide: " + unknown_reasons(value))
        return out(PASS if value else FAIL, explain(rule.condition, env, year))
    except NotInForce as e:
        return out(NOT_APPLICABLE, f"not in force in {year} (its schedule starts in {e.first_year})")


def group_label(policy: ir.Policy, group: ir.Group, value) -> str:
    return show(value, policy.fact(group.fact).type)


def judge_target(policy: ir.Policy, rule: ir.Rule, envs: Sequence[Env], year: int) -> list[TargetResult]:
    """One result for the whole population, or one per group (every declared group)."""
    outside = out_of_force(rule, year)
    if outside is not None:
        return [target_result(rule, label, None, None, NOT_APPLICABLE, outside)
                for label in _labels(policy, rule, envs)]
    in_scope, undecided = [], 0
    try:
        for env in envs:
            inside = True if rule.scope is None else evaluate(rule.scope, env, year)
            if isinstance(inside, Unknown):
                undecided += 1
            elif inside:
                in_scope.append(env)
    except NotInForce as e:
        why = f"not in force in {year} (its schedule starts in {e.first_year})"
        return [target_result(rule, label, None, None, NOT_APPLICABLE, why)
                for label in _labels(policy, rule, envs)]
    if rule.group is None:
        return [judge_population(policy, rule, None, in_scope, undecided, year)]
    by_value: dict[object, list] = {}
    no_group = 0
    for env in in_scope:
        if rule.group.fact in env:
            by_value.setdefault(env[rule.group.fact], []).append(env)
        else:
            no_group += 1
    values = rule.group.values if rule.group.values is not None else sorted(by_value, key=repr)
    return [judge_population(policy, rule, group_label(policy, rule.group, v), by_value.get(v, []),
                              undecided + no_group, year) for v in values]


def _labels(policy: ir.Policy, rule: ir.Rule, envs) -> list[str | None]:
    if rule.group is None:
        return [None]
    values = rule.group.values
    if values is None:
        values = sorted({env[rule.group.fact] for env in envs if rule.group.fact in env}, key=repr)
    return [group_label(policy, rule.group, v) for v in values]


def judge_population(policy, rule, label, pop, undecided: int, year) -> TargetResult:
    cond = rule.condition
    plural = policy.entity_plural
    prefix = f"{label}: " if label is not None else ""
    if undecided:
        return target_result(rule, label, None, None, UNKNOWN,
                       f"{prefix}{undecided} {plural} with unknown scope or group")
    try:
        value = evaluate(cond, {}, year, pop)
        if isinstance(value, Unknown):
            return target_result(rule, label, *_sides(cond, year, pop), UNKNOWN,
                           f"{prefix}cannot decide: {unknown_reasons(value)}")
        measured, required = _sides(cond, year, pop)
        why = explain_target(cond, pop, year, value is True, plural, policy.entity)
    except NotInForce as e:
        return target_result(rule, label, None, None, NOT_APPLICABLE,
                       f"{prefix}not in force in {year} (its schedule starts in {e.first_year})")
    except EmptyPopulation:
        return target_result(rule, label, None, None, NOT_APPLICABLE, f"{prefix}no {plural} in scope")
    return target_result(rule, label, measured, required, PASS if value else FAIL, prefix + why)


def _sides(cond: ir.Expr, year, pop):
    if not isinstance(cond, ir.Cmp):
        return None, None
    a = evaluate(cond.left, {}, year, pop)
    b = evaluate(cond.right, {}, year, pop)
    return (None if isinstance(a, Unknown) else a), (None if isinstance(b, Unknown) else b)


def target_result(rule, label, value, required, outcome, why) -> TargetResult:
    return TargetResult(rule.name, rule.clauses, rule.modality, label, value, required, outcome, why)


__all__ = ["judge_record", "judge_target", "EXEMPTED", "FAIL", "PASS"]
