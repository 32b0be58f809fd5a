"""Worked examples: records, a year and the outcomes a drafter expects, run as tests.

Examples live in a JSON file beside the policy (`chifeng_2023.pol` ->
`chifeng_2023.examples.json`):

    {
      "base": {"households": 1500, "has_own_office": true, ...},
      "examples": [
        {"name": "one worker is too few for 1500 households",
         "year": 2024,
         "record": {"staff_count": 1},
         "expect": {"staffing": "fail"}},
        {"name": "a third of communities have a one-stop centre",
         "year": 2024,
         "records": [{"copies": 1, "one_stop_center": true}, {"copies": 2}],
         "expect": {"one_stop_share": "pass"}}
      ]
    }

Every record is `base` with the example's fields laid over it (`null` removes a
field, so the fact is missing). `copies` repeats a record. A rule's expected
outcome must hold for every record of the example; a target's is its outcome on
the example's records, or, for a target `for each` group, an object of group ->
outcome. `field_errors` lists the fields an example expects to be rejected.

In a policy with several entities, `records` (and `base`) map each entity to its
records (its base record); a part names its parent's `id` in its key fact:

    {"base": {"group": {"size": 20}},
     "examples": [{"name": "eight groups are too many", "year": 2024,
                   "records": {"committee": [{"id": "c1", "households": 160}],
                               "group": [{"committee_id": "c1", "copies": 8}]},
                   "expect": {"group_cap": "fail", "group_size": "pass"}}]}

A rule's expected outcome must then hold for every record of its entity.

Coverage: the rules and targets no example names, the schedule entries no
example reaches, and the rules no example shows failing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import attrs

from ..core import ir
from ..eval.results import OUTCOMES

EXAMPLES_SUFFIX = ".examples.json"
_EXAMPLE_KEYS = {"name", "note", "year", "date", "record", "records", "expect", "field_errors"}


class ExamplesError(ValueError):
    """The examples file cannot be used: every problem found, one per line."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path}: error: {p}" for p in problems))


@attrs.frozen
class Example:
    """One worked example: records (base + overrides), a year, expected outcomes."""

    number: int
    name: str
    year: int
    records: tuple[dict, ...]
    expect: dict[str, object]  # rule -> outcome, or target -> {group: outcome}
    field_errors: tuple[str, ...] = ()
    # A policy with several entities: each entity's records (then `records` is empty).
    entities: dict[str, tuple[dict, ...]] | None = None


@attrs.frozen
class ExampleResult:
    example: Example
    failures: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.failures


@attrs.frozen
class Coverage:
    """What the examples do not exercise."""

    rules: tuple[str, ...]  # rules and targets no example names
    schedule_years: tuple[tuple[str, int, str], ...]  # (rule, entry year, value) never reached
    never_failing: tuple[str, ...]  # rules named by examples, none of which expects a failure

    @property
    def complete(self) -> bool:
        return not (self.rules or self.schedule_years)


@attrs.frozen
class TestReport:
    results: tuple[ExampleResult, ...]
    coverage: Coverage

    @property
    def failures(self) -> tuple[ExampleResult, ...]:
        return tuple(r for r in self.results if not r.ok)


def examples_path(policy_path: str | os.PathLike[str]) -> Path:
    """Where the examples of a policy file live: beside it, `NAME.examples.json`."""
    p = Path(policy_path)
    return p.with_name(p.name.removesuffix(".pol") + EXAMPLES_SUFFIX)


def load_examples(path: str | os.PathLike[str], policy) -> list[Example]:
    """Read and check an examples file against a policy; raise ExamplesError with every problem."""
    from ..data.read import loads_json

    name = str(path)
    try:
        data = loads_json(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as e:
        raise ExamplesError(name, [f"cannot read the examples: {e.strerror or e}"]) from None
    except ValueError as e:  # JSONDecodeError and UnicodeDecodeError
        raise ExamplesError(name, [f"the examples are not valid JSON: {e}"]) from None
    return parse_examples(data, policy, name)


def parse_examples(data: object, policy, name: str = "<examples>") -> list[Example]:
    """Examples from decoded JSON, checked against the policy's rules, groups and period."""
    policy_ir: ir.Policy = getattr(policy, "ir", policy)
    problems: list[str] = []
    if not isinstance(data, Mapping) or not isinstance(data.get("examples"), list):
        raise ExamplesError(name, ['the file must be a JSON object with a list `"examples"`'])
    base = data.get("base", {})
    if not isinstance(base, Mapping):
        problems.append("`base` must be an object of field values")
        base = {}
    rules = {r.name: r for r in policy_ir.all_rules}
    out = []
    for i, raw in enumerate(data["examples"], start=1):
        where = f"example {i}"
        if not isinstance(raw, Mapping):
            problems.append(f"{where} must be an object")
            continue
        if isinstance(raw.get("name"), str):
            where += f" (`{raw['name']}`)"
        before = len(problems)
        problems += [f"{where}: unknown key `{k}`" for k in raw if k not in _EXAMPLE_KEYS]
        if "date" in raw:  # a day (`eval_date`) instead of a year's last day
            year = _date(raw.get("date"), raw.get("year"), policy_ir, where, problems)
        else:
            year = _year(raw.get("year"), policy_ir, where, problems)
        parts = None
        if policy_ir.entities:
            parts = _entity_records(raw, base, policy_ir, i, where, problems)
            records: tuple[dict, ...] = ()
        else:
            records = _records(raw, base, i, where, problems)
        expect = _expect(raw.get("expect"), rules, policy_ir, where, problems)
        field_errors = raw.get("field_errors", [])
        if not (isinstance(field_errors, list) and all(isinstance(f, str) for f in field_errors)):
            problems.append(f"{where}: `field_errors` must be a list of field names")
            field_errors = []
        if len(problems) == before:
            out.append(Example(i, str(raw.get("name") or f"example {i}"), year, records, expect,
                               tuple(field_errors), parts))
    if problems:
        raise ExamplesError(name, problems)
    return out


def _year(raw, policy_ir: ir.Policy, where: str, problems: list[str]) -> int:
    first, last = policy_ir.meta.period
    if not isinstance(raw, int) or isinstance(raw, bool):
        problems.append(f"{where}: `year` must be a year such as {first}")
        return first
    if not policy_ir.meta.in_period(raw):
        problems.append(f"{where}: year {raw} is outside the policy's period ({policy_ir.meta.period_text})")
    return policy_ir.meta.judged_year(raw)


def _date(raw, year, policy_ir: ir.Policy, where: str, problems: list[str]) -> int:
    from ..core.dates import on, parse_iso

    day = parse_iso(raw) if isinstance(raw, str) else None
    if day is None:
        problems.append(f"{where}: `date` must be a day written YYYY-MM-DD")
        return policy_ir.meta.period[0]
    if year is not None and year != day.year:
        problems.append(f"{where}: `year` {year} is not the year of `date` {raw}; give one of them")
    if not policy_ir.meta.in_period(day.year):
        problems.append(f"{where}: {raw} is outside the policy's period ({policy_ir.meta.period_text})")
    return policy_ir.meta.judged_year(on(day.year, day))


def _records(raw: Mapping, base: Mapping, number: int, where: str, problems: list[str]) -> tuple[dict, ...]:
    if ("record" in raw) == ("records" in raw):
        problems.append(f"{where}: give either `record` (one) or `records` (a list)")
        return ()
    given = [raw["record"]] if "record" in raw else raw["records"]
    if not isinstance(given, list) or not all(isinstance(r, Mapping) for r in given):
        problems.append(f"{where}: `records` must be a list of objects")
        return ()
    out: list[dict] = []
    for fields in given:
        fields = dict(fields)
        copies = fields.pop("copies", 1)
        if not isinstance(copies, int) or isinstance(copies, bool) or not 0 <= copies <= 100_000:
            problems.append(f"{where}: `copies` must be a whole number from 0 to 100000")
            continue
        record = {k: v for k, v in {**base, **fields}.items() if v is not None}
        for _ in range(copies):
            out.append({**record, "id": record.get("id", f"{number}.{len(out) + 1}")})
    if not out:
        problems.append(f"{where}: the example has no records")
    return tuple(out)


def _entity_records(raw: Mapping, base: Mapping, policy_ir: ir.Policy, number: int, where: str,
                    problems: list[str]) -> dict[str, tuple[dict, ...]]:
    """Each entity's records of an example, in a policy with several entities."""
    names = [e.name for e in policy_ir.entities]
    given = raw.get("records")
    if "record" in raw or not isinstance(given, Mapping):
        problems.append(f"{where}: give `records` as an object of entity -> list of records "
                        f"({', '.join(names)})")
        return {}
    unknown = [k for k in list(given) + list(base) if k not in names]
    if unknown:
        problems.append(f"{where}: `{unknown[0]}` is not an entity; entities: {', '.join(names)}")
        return {}
    out: dict[str, tuple[dict, ...]] = {}
    total = 0
    for name in names:
        entity_base = base.get(name, {})
        if not isinstance(entity_base, Mapping):
            problems.append(f"`base` of `{name}` must be an object of field values")
            entity_base = {}
        if name not in given:
            out[name] = ()
            continue
        # one entity's records, by the rules of a one-entity example
        before = len(problems)
        recs = _records({"records": given[name]}, entity_base, number, f"{where}, {name}", problems)
        if len(problems) > before and problems[-1].endswith("the example has no records"):
            problems.pop()  # no records of one entity is allowed: say `[]`
        out[name] = recs
        total += len(recs)
    if not total:
        problems.append(f"{where}: the example has no records")
    return out


def _expect(raw, rules: Mapping[str, ir.Rule], policy_ir: ir.Policy, where: str,
            problems: list[str]) -> dict[str, object]:
    if not isinstance(raw, Mapping) or not raw:
        problems.append(f"{where}: `expect` must name at least one rule and its outcome")
        return {}
    choices = ", ".join(OUTCOMES)
    for rule_name, want in raw.items():
        rule = rules.get(rule_name)
        if rule is None:
            problems.append(f"{where}: no rule or target is called `{rule_name}`")
            continue
        if rule.group is not None and isinstance(want, Mapping):
            from ..eval.outcomes import group_label

            labels = {group_label(policy_ir, rule.group, v) for v in rule.group.values or ()}
            for group, outcome in want.items():
                if rule.group.values is not None and group not in labels:
                    problems.append(f"{where}: `{rule_name}` has no group `{group}`")
                if outcome not in OUTCOMES:
                    problems.append(f"{where}: `{rule_name}` {group}: `{outcome}` is not an outcome ({choices})")
        elif want not in OUTCOMES:
            hint = " or an object of group -> outcome" if rule.group is not None else ""
            problems.append(f"{where}: `{rule_name}`: expected one of {choices}{hint}")
    return dict(raw)


# ---- running ----------------------------------------------------------------------------------


def run_examples(policy, examples: list[Example]) -> TestReport:
    """Run every example with the reference evaluator; report failures and coverage."""
    results = tuple(_run_one(policy, ex) for ex in examples)
    return TestReport(results, coverage(policy.ir, examples))


def _run_one(policy, ex: Example) -> ExampleResult:
    if ex.entities is not None:
        return _run_entities(policy, ex)
    prepared = policy.prepare(ex.records)
    failures: list[str] = []
    seen_errors = set()
    for rec in prepared:
        for err in rec.errors:
            seen_errors.add(err.field)
            if err.field not in ex.field_errors:
                failures.append(f"record `{rec.id}`: {err.field}: {err.message}")
    failures += [f"expected field `{f}` to be rejected, but it was accepted"
                 for f in ex.field_errors if f not in seen_errors]
    engine = policy.engine()
    outcomes: dict[str, list] = {}
    for result in engine.records(prepared, ex.year):
        for o in result.outcomes:
            outcomes.setdefault(o.rule, []).append((result.id, o))
    targets: dict[str, list] = {}
    for t in engine.targets(prepared, ex.year):
        targets.setdefault(t.rule, []).append(t)
    return ExampleResult(ex, tuple(failures + _compare(ex, outcomes, targets)))


def _run_entities(policy, ex: Example) -> ExampleResult:
    """An example of a policy with several entities, judged as `Policy.evaluate` judges them."""
    from ..eval.entities import evaluate_entities

    assert ex.entities is not None
    result = evaluate_entities(policy, ex.entities, ex.year)
    failures: list[str] = []
    seen_errors = set()
    outcomes: dict[str, list] = {}
    targets: dict[str, list] = {}
    for name, ev in result.entities.items():
        for rec in ev.records:
            for err in rec.errors:
                seen_errors.add(err.field)
                if err.field not in ex.field_errors:
                    failures.append(f"{name} `{rec.id}`: {err.field}: {err.message}")
            for o in rec.outcomes:
                outcomes.setdefault(o.rule, []).append((rec.id, o))
        for t in ev.targets:
            targets.setdefault(t.rule, []).append(t)
    failures += [f"expected field `{f}` to be rejected, but it was accepted"
                 for f in ex.field_errors if f not in seen_errors]
    return ExampleResult(ex, tuple(failures + _compare(ex, outcomes, targets)))


def _compare(ex: Example, outcomes: dict[str, list], targets: dict[str, list]) -> list[str]:
    """What differs from the example's expected outcomes."""
    failures: list[str] = []
    for rule_name, want in ex.expect.items():
        if rule_name in outcomes:
            for rid, o in outcomes[rule_name]:
                if o.outcome != want:
                    failures.append(f"`{rule_name}` on record `{rid}`: expected {want}, got "
                                    f"{o.outcome} ({o.explanation})")
            continue
        got = targets.get(rule_name, [])
        # a plain outcome for a target `for each` group must hold in every group
        wanted = want if isinstance(want, Mapping) else ({t.group: want for t in got} or {None: want})
        for group, outcome in wanted.items():
            match = [t for t in got if t.group == group]
            label = f"`{rule_name}`" + (f" for {group}" if group is not None else "")
            if not match:
                failures.append(f"{label}: no result")
            elif match[0].outcome != outcome:
                failures.append(f"{label}: expected {outcome}, got {match[0].outcome} "
                                f"({match[0].explanation})")
    return failures


def coverage(policy_ir: ir.Policy, examples: list[Example]) -> Coverage:
    """Rules never named, schedule entries never reached, rules never shown failing."""
    named: dict[str, list[Example]] = {}
    for ex in examples:
        for rule_name in ex.expect:
            named.setdefault(rule_name, []).append(ex)
    rules = tuple(r.name for r in policy_ir.all_rules if r.name not in named)
    gaps = []
    for rule in policy_ir.all_rules:
        years = {ex.year for ex in named.get(rule.name, ())}
        for entry_year, value, until in schedule_entries(rule):
            if not any(entry_year <= y <= until for y in years):
                gaps.append((rule.name, entry_year, value))
    failing = {name for ex in examples for name, want in ex.expect.items()
               if want == "fail" or (isinstance(want, Mapping) and "fail" in want.values())}
    never = tuple(name for name in named if name not in failing)
    return Coverage(rules, tuple(gaps), never)


def schedule_entries(rule: ir.Rule) -> list[tuple[int, str, int]]:
    """(entry year, value text, last year it holds) for each schedule entry of a rule in force."""
    first, last = rule.years
    out = []
    for part in (rule.scope, rule.condition):
        if part is None:
            continue
        for e in ir.walk(part):
            if isinstance(e, ir.Sched):
                years = [y for y, _ in e.entries] + [last + 1]
                for (y, v), nxt in zip(e.entries, years[1:], strict=True):
                    if y <= last and nxt - 1 >= first:
                        out.append((max(y, first), v.text, min(nxt - 1, last)))
    return out


def format_report(report: TestReport, name: str) -> str:
    """The text report of `policydsl test`."""
    lines = []
    for r in report.failures:
        when = getattr(r.example.year, "date", None) or r.example.year
        lines.append(f"FAIL example {r.example.number}: {r.example.name} ({when})")
        lines += [f"  {f}" for f in r.failures]
    passed = len(report.results) - len(report.failures)
    lines.append(f"{name}: {passed} of {len(report.results)} examples pass")
    cov = report.coverage
    if cov.rules:
        lines.append("not covered: no example names " + ", ".join(f"`{r}`" for r in cov.rules))
    for rule, year, value in cov.schedule_years:
        lines.append(f"not covered: `{rule}` schedule entry {year} ({value}) has no example in its years")
    if cov.never_failing:
        lines.append("no failing example for " + ", ".join(f"`{r}`" for r in cov.never_failing))
    if cov.complete:
        lines.append("coverage: every rule and target and every schedule entry has an example")
    return "\n".join(lines) + "\n"
