"""Consistency findings about a checked policy, each with a witness replayed by the evaluator.

`findings(policy)` returns `Finding`s (structured, with witnesses); `analyse(policy)`
renders them as diagnostics for `policydsl check`. Codes are stable:

| code  | severity | finding |
|-------|----------|---------|
| A0001 | note     | the solver could not decide a question in time (nothing is claimed) |
| A0002 | note     | the analysis ran out of its overall time; later checks did not run |
| A0003 | note     | a check failed on this policy (a bug); the other checks still ran |
| A0004 | note     | a rule left out: it has its own days in force, a due day or date values (undecided) |
| A0101 | error    | must-rules that no record can meet together in a year (minimal set) |
| A0102 | error    | must-targets that no population can meet together in a year (minimal set) |
| A0201 | warning  | a scope that never applies |
| A0202 | warning  | a condition that always holds given the fact declarations |
| A0203 | warning  | a non-must rule whose condition can never hold where it applies |
| A0204 | warning  | a condition that is unknown for every record in scope (never decided) |
| A0301 | warning  | a schedule that loosens from one year to the next |
| A0302 | warning  | a rule that stops before the policy ends and nothing takes over |
| A0401 | warning  | two rules on the same quantity and scope with different thresholds in a year |
| A0402 | warning  | two rules with the same requirement but different modality in a year |
| A0403 | warning  | a rule that can never fail on its own: the others imply it |
| A0404 | warning  | two rules with the same requirement, modality and scope (duplicates) |
| A0405 | warning  | one clause cited with different modalities in different years |
| A0501 | warning  | a declared fact no rule uses |
| A0502 | warning  | one clause cited by rules about different things (no fact in common) |
| A0503 | warning  | a gap in a numbered clause sequence: no rule or note cites it |

A witness is shown only after the reference evaluator reproduced the outcomes the
finding claims; a finding whose witness does not replay is dropped rather than shown.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterable, Sequence
from fractions import Fraction

import attrs

from ..core import ir
from ..core.diagnostics import ERROR, NOTE, WARNING, Diagnostic, Label
from ..eval.values import show
from . import smt
from .incremental import Cancelled, Memo, rebind
from .smt import Sat, Unknown, Unsat
from .witness import Expect, FindingWitness, describe, replay

TIMEOUT_MS = 5000
TOTAL_BUDGET_S = 20  # the whole analysis of one policy; what is left undone is said so
# A policy larger than this many rule-years gets a smaller budget, in proportion, so that
# `check` of a policy at the size limits stays within seconds (the analysis says what it skipped).
SMALL_POLICY_RULE_YEARS = 300
MIN_BUDGET_S = 0.5  # at the size limits: check stays within a few seconds, the parser's time


def budget_s(rule_years: int) -> float:
    """The analysis time budget of a policy with `rule_years` rules × years: shrinking, not growing."""
    if rule_years <= SMALL_POLICY_RULE_YEARS:
        return TOTAL_BUDGET_S
    return max(min(MIN_BUDGET_S, TOTAL_BUDGET_S), TOTAL_BUDGET_S * SMALL_POLICY_RULE_YEARS / rule_years)
POPULATION_KINDS = 4  # symbolic records in a population, besides one per group value


@attrs.frozen
class Finding:
    """One problem: a code, the rules involved (first is primary), and a witness when one exists."""

    code: str
    severity: str
    message: str
    rules: tuple[ir.Rule, ...] = ()
    help: str | None = None
    witness: FindingWitness | None = None
    span: object = None  # a Span for findings about a fact rather than a rule
    label_texts: tuple[str, ...] = ()

    def diagnostic(self, policy: ir.Policy) -> Diagnostic:
        span = self.rules[0].span if self.rules else self.span
        labels = tuple(Label(r.span, text, policy.source)
                       for r, text in zip(self.rules[1:], self._labels(), strict=False))
        help_text = self.help
        if self.witness is not None:
            shown = "witness: " + describe(policy, self.witness)
            help_text = f"{help_text}; {shown}" if help_text else shown
        return Diagnostic(self.code, self.severity, self.message, span, policy.source, labels,
                          help_text)

    def _labels(self) -> tuple[str, ...]:
        if self.label_texts:
            return self.label_texts
        return tuple(f"`{r.name}` ({_clauses(r)}) is involved" for r in self.rules[1:])


def analyse(policy: ir.Policy) -> list[Diagnostic]:
    """Every consistency finding about `policy`, as diagnostics."""
    return [f.diagnostic(policy) for f in findings(policy)]


def findings(policy: ir.Policy, timeout_ms: int = TIMEOUT_MS, memo: Memo | None = None) -> list[Finding]:
    """Every consistency finding about `policy`, with witnesses that replay.

    With `memo`, the units of each check whose inputs the previous analysis saw give
    back what they found then (see `incremental`); the findings are the same.
    """
    if policy.entities:
        return _entity_findings(policy, timeout_ms, memo)
    policy, dated = _without_dates(policy)
    a = _Analysis(policy, timeout_ms, memo)
    a.run()
    return dated + a.out


def _without_dates(policy: ir.Policy) -> tuple[ir.Policy, list[Finding]]:
    """The policy less the rules the solver cannot reason about yet (days in force, due
    days, date values), each with note A0004: undecided, never "consistent" by default.
    What is found about the rest holds; nothing is said about those left out."""
    from ..core.dates import date_construct

    why = {r.name: date_construct(r, policy.meta.validity) for r in policy.all_rules}
    dated = [r for r in policy.all_rules if why[r.name] is not None]
    if not dated and all(f.type != ir.DATE for f in policy.facts):
        return policy, []
    notes = [Finding("A0004", NOTE, f"`{r.name}` is not analysed: it has {why[r.name]}, which the "
                     "analysis cannot reason about yet; undecided", (r,),
                     help="nothing is claimed about this rule, nor about its conflicts with others")
             for r in dated]
    rules = tuple(r for r in policy.rules if r not in dated)
    targets = tuple(r for r in policy.targets if r not in dated)
    # A fact only the left-out rules read is used: out of sight of the unused-fact check.
    only_dated = set().union(*(_facts(r) for r in dated)) - set().union(*(_facts(r) for r in rules + targets))
    kept = attrs.evolve(policy, rules=rules, targets=targets,
                        facts=tuple(f for f in policy.facts if f.type != ir.DATE and f.name not in only_dated))
    return kept, notes


def _entity_findings(policy: ir.Policy, timeout_ms: int, memo: Memo | None) -> list[Finding]:
    """Several kinds of record: each entity's rules on one record are analysed as a policy
    of their own; a rule that aggregates over parts is undecided, said so by name. Facts
    and clauses are checked over the whole policy."""
    out: list[Finding] = []
    for e in policy.entities:
        part = policy.for_entity(e.name)
        plain = [r for r in part.all_rules if not r.reads_parts]
        sub = attrs.evolve(part, rules=tuple(r for r in plain if not r.is_target),
                           targets=tuple(r for r in plain if r.is_target))
        out.extend(f for f in findings(sub, timeout_ms, memo) if f.code not in _WHOLE_POLICY)
    measured = [r for r in policy.all_rules if r.reads_parts]
    if measured:
        out.append(Finding("A0004", NOTE, "undecided: the consistency checks do not reason about "
                           "aggregates over parts of a record, used by " + _names(measured),
                           tuple(measured[:1]), help="nothing is claimed about these rules: whether "
                           "they can be met, conflict or imply one another"))
    whole = _Analysis(policy, timeout_ms)
    whole.coverage()
    return out + whole.out


_WHOLE_POLICY = ("A0501", "A0502", "A0503")  # checks of facts and clauses, not of one entity's rules


def _clauses(rule: ir.Rule) -> str:
    return ", ".join(rule.clauses) if rule.clauses else "no clause"


def _names(rules: Iterable[ir.Rule]) -> str:
    return ", ".join(f"`{r.name}` ({_clauses(r)})" for r in rules)


def _and(words: Sequence[str]) -> str:
    return ", ".join(words[:-1]) + " and " + words[-1]


def _years_text(years: Sequence[int]) -> str:
    years = sorted(years)
    if len(years) > 1 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


class _OutOfTime(Exception):
    """The overall time budget of the analysis is spent."""


class _Analysis:
    def __init__(self, policy: ir.Policy, timeout_ms: int, memo: Memo | None = None):
        self.policy = policy
        self.timeout = timeout_ms
        first, last = policy.meta.period
        self.years = list(range(first, last + 1))
        self.rule_years = max(1, len(policy.all_rules)) * len(self.years)
        self.total_budget = budget_s(self.rule_years)
        self.deadline = time.monotonic() + self.total_budget
        self.texts = smt.text_constants(policy)
        self.out: list[Finding] = []
        self._enc: dict[tuple[int, str], smt.Encoding] = {}
        self._pops: dict[tuple, smt.Population] = {}
        self.quiet: set[str] = set()  # rules already reported as dead or vacuous
        self.paired: set[frozenset[str]] = set()  # pairs already reported as conflicts
        self.unsat_years: set[int] = set()  # years whose must-rules contradict: all else follows
        self.memo = memo
        if memo is not None:  # what every unit reads besides its rules (the notes are read by none)
            self.context = memo.context((policy.meta, policy.entity, policy.entity_plural, policy.facts,
                                         policy.entities, tuple(self.texts)))

    def unit(self, key: tuple, run):
        """`run()` (a check on the rules in `key`, which appends findings and returns a value),
        or what it found and returned when the previous analysis saw the same key."""
        if self.memo is None:
            return run()
        key = (key[0], self.context, *key[1:])
        kept = self.memo.get(key)
        if kept is not None:
            found, quiet, paired, value = kept
            self.out.extend(rebind(f, self.policy) for f in found)
            self.quiet |= quiet
            self.paired |= paired
            return value
        n, quiet, paired = len(self.out), set(self.quiet), set(self.paired)
        value = run()
        found = tuple(self.out[n:])
        if not any(f.code == "A0001" for f in found):  # undecided in time: ask again next time
            self.memo.put(key, (found, self.quiet - quiet, self.paired - paired, value))
        return value

    # ---- helpers -----------------------------------------------------------------------

    def enc(self, year: int, prefix: str = "r") -> smt.Encoding:
        key = (year, prefix)
        if key not in self._enc:
            self._enc[key] = smt.Encoding(self.policy, year, prefix, self.texts)
        return self._enc[key]

    def population(self, year: int, rules: Iterable[ir.Rule], prefix: str = "p",
                   linear: bool = False) -> smt.Population:
        groups = max((len(r.group.values or ()) for r in rules if r.group is not None), default=0)
        key = (year, POPULATION_KINDS + groups, prefix, linear)
        if key not in self._pops:
            self._pops[key] = smt.Population(self.policy, year, key[1], prefix, self.texts, linear)
        return self._pops[key]

    def find_population(self, years: Sequence[int], rules: Sequence[ir.Rule], question,
                        readable: bool = True):
        """A population answering `question(pops)` (one `Population` per year, shared records).

        Tried first with linear sums (fast, a restriction), then exactly: only the exact
        question may prove that none exists. `readable` asks for small populations and round
        decimals when that is quick. Returns the answer (`Sat(model)`, `Unsat`, `Unknown`)
        and the populations its model is about.
        """
        for linear in (True, False):
            pops = {y: self.population(y, rules, linear=linear) for y in years}
            asked = question(pops)
            first = pops[years[0]]
            cons = [c for p in pops.values() for c in p.domain()] + first.pin_groups(rules) + asked
            prefer = first.decimals_on_grid() + [first.size_at_most(60)] if readable else []
            answer = self.ask(cons, prefer)
            if isinstance(answer, Sat) or not linear:
                return answer, pops
        raise AssertionError("unreachable: the exact question always answers")

    def years_of(self, rule: ir.Rule) -> list[int]:
        return [y for y in self.years if self.enc(y).in_force(rule)]

    def ask(self, constraints, prefer=()) -> smt.Answer:
        """Is there a record (population) meeting `constraints`? `prefer`: for a nicer witness."""
        return smt.search(constraints, [prefer] if prefer else [], timeout_ms=self.budget())

    def budget(self) -> int:
        """The timeout of the next question: the per-question limit, within the overall one."""
        left = int((self.deadline - time.monotonic()) * 1000)
        if left <= 0:
            raise _OutOfTime()
        return min(self.timeout, left)

    def undecided(self, what: str, rules: Sequence[ir.Rule]) -> None:
        self.out.append(Finding("A0001", NOTE, f"could not decide whether {what} within "
                                f"{self.timeout / 1000:g} s", tuple(rules),
                                help="nothing is claimed about this question"))

    def add(self, finding: Finding) -> None:
        if finding.witness is not None and not replay(self.policy, finding.witness):
            return  # the encoding and the evaluator disagree: show nothing rather than a bad witness
        self.out.append(finding)

    def record_witness(self, year: int, answer: smt.Answer, expects: Sequence[Expect]) -> FindingWitness | None:
        if not isinstance(answer, Sat):
            return None
        return FindingWitness((self.enc(year).witness_to_record(answer.witness),), tuple(expects), False)

    def musts(self, year: int) -> list[ir.Rule]:
        return [r for r in self.policy.rules if r.modality == "must" and self.enc(year).in_force(r)]

    # ---- the checks, in order --------------------------------------------------------------

    def run(self) -> None:
        steps = [self.unsatisfiable, self.dead_and_vacuous, self.regressions, self.stops_early,
                 self.conflicts, self.implied, self.coverage]
        for i, step in enumerate(steps):
            name = step.__name__.replace("_", " ")
            try:
                step()
            except Cancelled:
                raise
            except _OutOfTime:
                scaled = (f" (the budget of a policy of {len(self.policy.all_rules):,} rules over "
                          f"{len(self.years)} years)" if self.total_budget < TOTAL_BUDGET_S else "")
                skipped = [s.__name__.replace("_", " ") for s in steps[i + 1:]]
                not_run = (f", and the {_and(skipped)} checks did not run" if len(skipped) > 1 else
                           f", and the {skipped[0]} check did not run" if skipped else "")
                self.out.append(Finding("A0002", NOTE, f"analysis stopped after {self.total_budget:.2g} s"
                                        f"{scaled}; the {name} check did not finish{not_run}",
                                        help="nothing is claimed about what was not checked"))
                return
            except Exception as e:  # a bug in a check must not hide the others or crash `check`
                self.out.append(Finding("A0003", NOTE, f"the {name} check could not run "
                                        f"({type(e).__name__}: {e})",
                                        help="please report this policy; nothing is claimed"))

    def unsatisfiable(self) -> None:
        """A0101 / A0102: the must-rules (then the must-targets) of a year cannot all be met."""
        cores: dict[tuple[str, ...], list[int]] = {}
        target_cores: dict[tuple[str, ...], list[int]] = {}
        by_name = {r.name: r for r in self.policy.all_rules}
        for year in self.years:
            e = self.enc(year)
            musts = self.musts(year)
            targets = [t for t in self.policy.targets if t.modality == "must" and e.in_force(t)]
            kind, core = self.unit(("year", year, tuple(musts), tuple(targets)),
                                   lambda y=year, m=musts, t=targets: self._year_unsatisfiable(y, m, t))
            if kind == "rules":
                cores.setdefault(core, []).append(year)
                self.unsat_years.add(year)
            elif kind == "targets":
                target_cores.setdefault(core, []).append(year)
        for code, found, what in (("A0101", cores, "no record"), ("A0102", target_cores, "no population")):
            for core, years in found.items():
                rules = tuple(sorted((by_name[n] for n in core), key=lambda r: r.span.start))
                kind = "must-rule" if code == "A0101" else "must-target"
                many = len(rules) > 1
                message = (f"{kind}{'s' if many else ''} {_names(rules)} cannot "
                           f"{'all ' if many else ''}be met in {_years_text(years)}: {what} "
                           f"{'meets them together' if many else 'meets it'}")
                advice = "relax one of these requirements or narrow its scope"
                if code == "A0102":
                    advice += (f" (populations checked: up to {POPULATION_KINDS} different "
                               f"{self.policy.entity_plural} plus one per group, each repeated "
                               "any number of times)")
                self.out.append(Finding(code, ERROR, message, rules, help=advice))

    def _year_unsatisfiable(self, year: int, musts: list[ir.Rule], targets: list[ir.Rule]):
        """("rules", core) when the must-rules of `year` contradict, ("targets", core) when
        its must-targets do, (None, None) otherwise."""
        e = self.enc(year)
        # Encoding thousands of rules takes seconds: the budget is watched while it happens.
        terms = {r.name: e.satisfied(r) for r in musts if self.budget()}
        core = smt.unsat_core(e.domain(), terms, self.budget())
        if isinstance(core, Unknown):
            self.undecided(f"the must-rules of {year} can all be met", musts)
            return None, None
        if isinstance(core, Unsat):
            return "rules", core.core
        if not targets:
            return None, None

        def every(rec):
            return rec.satisfies_all(musts)

        found, _ = self.find_population(
            [year], targets, lambda pops: [pops[year].every_record(every)]
            + [pops[year].passes(t) for t in targets], readable=False)
        if isinstance(found, Sat):
            return None, None
        pop = self.population(year, targets)
        tracked = {t.name: pop.passes(t) for t in targets}
        base = pop.domain() + pop.pin_groups(targets) + [pop.every_record(every)]
        core = smt.unsat_core(base, tracked, self.budget()) if isinstance(found, Unsat) else found
        if isinstance(core, Unknown):
            self.undecided(f"the must-targets of {year} can all be met", targets)
        elif isinstance(core, Unsat):
            return "targets", core.core
        return None, None

    def dead_and_vacuous(self) -> None:
        """A0201 scope never applies; A0202 condition always holds; A0203 can never hold."""
        for rule in self.policy.rules:
            self.unit(("dead", rule), lambda rule=rule: self._dead_or_vacuous(rule))

    def _dead_or_vacuous(self, rule: ir.Rule) -> None:
        years = self.years_of(rule)
        if not years:
            return
        applies, fails, holds, undecided = [], [], [], False
        for y in years:
            e = self.enc(y)
            dom = e.domain()
            r1 = self.ask(dom + [e.applies(rule)])
            r2 = self.ask(dom + [e.violated(rule)])
            r3 = self.ask(dom + [e.passes(rule)])
            if any(isinstance(r, Unknown) for r in (r1, r2, r3)):
                undecided = True
                break
            applies.append(isinstance(r1, Sat))
            fails.append(isinstance(r2, Sat))
            holds.append(isinstance(r3, Sat))
        if undecided:
            self.undecided(f"`{rule.name}` can apply, pass and fail", [rule])
            return
        y = years[0]
        e = self.enc(y)
        name = f"`{rule.name}` ({_clauses(rule)})"
        if rule.scope is not None and not any(applies):
            self._one_rule("A0201", rule, y, [], "not_applicable",
                           f"the scope of {name} never applies: no {self.policy.entity} can "
                           f"meet `{rule.scope.text}`", "check the scope against the fact declarations")
        elif any(applies) and not any(fails) and not any(holds):
            self._one_rule("A0204", rule, y, [e.applies(rule)], "unknown",
                           f"{name} can never be decided: `{rule.condition.text}` is unknown for "
                           f"every {self.policy.entity} it applies to",
                           "look for a division by zero or a bracket no value matches")
        elif any(applies) and not any(fails):
            y = years[holds.index(True)]
            self._one_rule("A0202", rule, y, [self.enc(y).passes(rule)], "pass",
                           f"the condition of {name} always holds given the fact declarations: "
                           f"`{rule.condition.text}` cannot fail",
                           "the rule checks nothing; tighten it or remove it")
        elif rule.modality != "must" and any(applies) and not any(holds):
            self._one_rule("A0203", rule, y, [e.violated(rule)], "fail",
                           f"the condition of {name} can never hold where the rule applies",
                           "every record in scope falls short of it")

    def _one_rule(self, code: str, rule: ir.Rule, year: int, asked: list, outcome: str,
                  message: str, help_text: str) -> None:
        """A warning about one rule, shown with a record of `year` meeting `asked` (and the
        fact declarations) that has `outcome`; the rule is then left out of later checks."""
        e = self.enc(year)
        answer = self.ask(e.domain() + asked, e.decimals_on_grid())
        witness = self.record_witness(year, answer, [Expect(year, rule.name, outcome)])
        self.quiet.add(rule.name)
        self.add(Finding(code, WARNING, message, (rule,), help=help_text, witness=witness))

    def regressions(self) -> None:
        """A0301: a record (or population) that passes a rule in a later year and fails it earlier."""
        for rule in self.policy.all_rules:
            if any(isinstance(x, ir.Sched) for x in _walk_rule(rule)):
                self.unit(("loosens", rule), lambda rule=rule: self._loosens(rule))

    def _loosens(self, rule: ir.Rule) -> None:
        years = self.years_of(rule)
        for y1, y2 in itertools.pairwise(years):
            if rule.is_target:
                answer, pops = self.find_population(
                    [y1, y2], [rule], lambda pops, y1=y1, y2=y2, rule=rule:
                    [pops[y2].passes(rule), pops[y1].misses(rule)])
                if isinstance(answer, Unsat):
                    continue
                if isinstance(answer, Unknown):
                    self.undecided(f"`{rule.name}` loosens from {y1} to {y2}", [rule])
                    continue
                w = FindingWitness(tuple(pops[y1].witness(answer.witness)),
                            (Expect(y1, rule.name, "fail"), Expect(y2, rule.name, "pass")), True)
            else:
                e1, e2 = self.enc(y1), self.enc(y2)
                model = self.ask(e1.domain() + [e2.passes(rule), e1.violated(rule)],
                                 e1.decimals_on_grid())
                if isinstance(model, Unsat):
                    continue
                if isinstance(model, Unknown):
                    self.undecided(f"`{rule.name}` loosens from {y1} to {y2}", [rule])
                    continue
                w = self.record_witness(y1, model, [Expect(y1, rule.name, "fail"),
                                                    Expect(y2, rule.name, "pass")])
            self.add(Finding("A0301", WARNING, f"`{rule.name}` ({_clauses(rule)}) loosens from "
                             f"{y1} to {y2}: what fails in {y1} can pass in {y2}", (rule,),
                             help="schedules should only tighten; if the plan loosens on purpose, "
                                  "say so in a `note` citing the clause", witness=w))

    def stops_early(self) -> None:
        """A0302: a rule ending before the policy does, with no successor, no take-over, no note.

        A successor is a rule citing one of its clauses in force the next year; a take-over is
        a rule in force the next year reading one of the same facts; a `note` citing one of its
        clauses is the drafter saying why it ends.
        """
        last = self.years[-1]
        noted = {c for n in self.policy.notes for c in n.clauses}
        for rule in self.policy.all_rules:
            end = rule.years[1]
            if end >= last or set(rule.clauses) & noted:
                continue
            after = end + 1
            facts = _facts(rule)
            later = [r for r in self.policy.all_rules if r is not rule and self.enc(after).in_force(r)]
            if any(set(r.clauses) & set(rule.clauses) or _facts(r) & facts for r in later):
                continue
            witness = None
            if not rule.is_target:
                e = self.enc(end)
                model = self.ask(e.domain() + [e.applies(rule)], e.decimals_on_grid())
                if isinstance(model, Sat):
                    witness = self.record_witness(end, model, [Expect(after, rule.name,
                                                                      "not_applicable")])
            self.add(Finding("A0302", WARNING, f"`{rule.name}` ({_clauses(rule)}) stops after {end}, "
                             + ("while the policy stays in force" if self.policy.meta.open_ended
                                else f"before the policy ends in {last}") + ", and no rule takes over",
                             (rule,), help=f"if it ends on purpose, add a `note` citing "
                             f"{rule.clauses[0] if rule.clauses else 'its clause'} that says why",
                             witness=witness))

    def conflicts(self) -> None:
        """A0401 thresholds, A0402 modality, A0404 duplicates (same year); A0405 across years."""
        for group in (self.policy.rules, self.policy.targets):
            for a, b in itertools.combinations(group, 2):
                if a.scope != b.scope or a.group != b.group:
                    continue
                self.unit(("pair", a, b), lambda a=a, b=b: self._pair(a, b))

    def _pair(self, a: ir.Rule, b: ir.Rule) -> None:
        same_years: dict[str, list[int]] = {}
        diff: list[tuple[int, ir.Expr, ir.Expr]] = []
        ya, yb = self.years_of(a), self.years_of(b)
        for y in sorted(set(ya) & set(yb)):
            ca, cb = _resolve(a.condition, y), _resolve(b.condition, y)
            if ca == cb:
                kind = "duplicate" if a.modality == b.modality else "modality"
                same_years.setdefault(kind, []).append(y)
            elif ((qa := _quantity(ca)) is not None and qa == _quantity(cb)
                  and _shape(ca.right) == _shape(cb.right)):
                diff.append((y, ca, cb))
        pair = frozenset((a.name, b.name))
        if "duplicate" in same_years:
            self.paired.add(pair)
            self.out.append(Finding("A0404", WARNING, f"`{b.name}` ({_clauses(b)}) repeats "
                                    f"`{a.name}` ({_clauses(a)}) in {_years_text(same_years['duplicate'])}",
                                    (b, a), help="remove one of them or cite both clauses on one rule",
                                    label_texts=(f"`{a.name}` says the same",)))
        if "modality" in same_years:
            self.paired.add(pair)
            self.out.append(Finding("A0402", WARNING, f"`{a.name}` ({_clauses(a)}) is "
                                    f"{_modality(a)} and `{b.name}` ({_clauses(b)}) is {_modality(b)} "
                                    f"for the same requirement in {_years_text(same_years['modality'])}",
                                    (a, b), help="state which modality wins and keep one rule",
                                    label_texts=(f"`{b.name}` is {_modality(b)}",)))
        if diff:
            self._threshold_conflict(a, b, diff)
        if not ya or not yb or set(ya) & set(yb) or not set(a.clauses) & set(b.clauses):
            return
        if a.modality != b.modality and _resolve(a.condition, ya[0]) == _resolve(b.condition, yb[0]):
            first, second = (a, b) if ya[0] < yb[0] else (b, a)
            y1, y2 = self.years_of(first), self.years_of(second)
            clause = sorted(set(a.clauses) & set(b.clauses))[0]
            self.out.append(Finding(
                "A0405", WARNING,
                f"clause `{clause}` is {_modality(first)} in {_years_text(y1)} (`{first.name}`) and "
                f"{_modality(second)} in {_years_text(y2)} (`{second.name}`)", (first, second),
                help="if the plan changes the modality on purpose, this is expected; otherwise make "
                     "the two rules agree",
                label_texts=(f"`{second.name}` is {_modality(second)}",)))

    def _threshold_conflict(self, a: ir.Rule, b: ir.Rule, diff) -> None:
        y, ca, cb = diff[0]
        years = [d[0] for d in diff]
        witness = self._separating(a, b, y)
        if isinstance(witness, Unknown):
            self.undecided(f"`{a.name}` and `{b.name}` differ in {y}", [a, b])
            return
        if witness is None:  # different text, same meaning: a duplicate in disguise
            return
        self.paired.add(frozenset((a.name, b.name)))
        qty = _quantity(ca)
        subject = f"`{qty[0].text}`" if qty and qty[0].text else "the same quantity"
        self.add(Finding(
            "A0401", WARNING,
            f"`{a.name}` ({_clauses(a)}) and `{b.name}` ({_clauses(b)}) set different thresholds "
            f"for {subject} in {_years_text(years)}: {_threshold(ca)} and {_threshold(cb)}",
            (a, b), help="keep one threshold per year, or a schedule `[YEAR: ..., YEAR: ...]`",
            witness=witness, label_texts=(f"`{b.name}` asks {_threshold(cb)}",)))

    def _separating(self, a: ir.Rule, b: ir.Rule, year: int):
        """A witness that passes one of `a`, `b` and fails the other in `year`."""
        for x, z in ((a, b), (b, a)):
            if a.is_target:
                model, pops = self.find_population(
                    [year], [a, b], lambda pops, x=x, z=z: [pops[year].passes(x), pops[year].misses(z)])
                if isinstance(model, Sat):
                    return FindingWitness(tuple(pops[year].witness(model.witness)), (Expect(year, x.name, "pass"),
                                                               Expect(year, z.name, "fail")), True)
            else:
                e = self.enc(year)
                model = self.ask(e.domain() + [e.passes(x), e.violated(z)], e.decimals_on_grid())
                if isinstance(model, Sat):
                    return self.record_witness(year, model, [Expect(year, x.name, "pass"),
                                                             Expect(year, z.name, "fail")])
            if isinstance(model, Unknown):
                return model
        return None

    def implied(self) -> None:
        """A0403: a per-record rule that fails in no year unless another rule fails too."""
        for rule in self.policy.rules:
            if rule.name in self.quiet:
                continue
            years = [y for y in self.years_of(rule) if y not in self.unsat_years]
            cores: list[tuple[str, ...]] = []
            for y in years:
                e = self.enc(y)
                others = tuple(r for r in self.policy.rules if r is not rule and e.in_force(r))
                core = self.unit(("implied", rule, y, others),
                                 lambda rule=rule, y=y, others=others: self._implied_in(rule, y, others))
                if core is None:  # it can fail while every other rule holds, or undecided
                    cores = []
                    break
                cores.append(core)
            if not cores:
                continue
            names = sorted({n for c in cores for n in c})
            if any(frozenset((rule.name, n)) in self.paired for n in names):
                continue
            by_name = {r.name: r for r in self.policy.rules}
            impliers = tuple(sorted((by_name[n] for n in names), key=lambda r: r.span.start))
            self.out.append(Finding(
                "A0403", WARNING,
                f"`{rule.name}` ({_clauses(rule)}) can never fail on its own: every {self.policy.entity} "
                f"that fails it also fails {_names(impliers)}", (rule, *impliers),
                help="the rule adds nothing in any year it is in force; remove it or mark the "
                     "overlap in a comment",
                label_texts=tuple(f"`{r.name}` implies it" for r in impliers)))

    def _implied_in(self, rule: ir.Rule, year: int, others: tuple[ir.Rule, ...]) -> tuple[str, ...] | None:
        """The rules of `others` that every record failing `rule` in `year` fails too (a
        minimal set), or None when it can fail while they all hold (or that is undecided)."""
        e = self.enc(year)
        core = smt.unsat_core(e.domain() + [e.violated(rule)], {r.name: e.satisfied(r) for r in others},
                              self.budget())
        if isinstance(core, Unknown):
            self.undecided(f"`{rule.name}` can fail on its own in {year}", [rule])
            return None
        return None if isinstance(core, Sat) else core.core

    def coverage(self) -> None:
        """A0501 unused facts, A0502 a clause cited for different things, A0503 clause gaps."""
        used: set[str] = set(self.policy.label_facts)  # read by every report
        for e in self.policy.entities:  # each entity's labels, and the key that links a part
            used |= {*e.label_facts, *([e.key] if e.key else [])}
        for rule in self.policy.all_rules:
            used |= _facts(rule)
            if rule.group is not None:
                used.add(rule.group.fact)
        for fact in self.policy.facts:
            if fact.name not in used:
                self.out.append(Finding("A0501", WARNING, f"fact `{fact.name}` is used by no rule",
                                        span=fact.span,
                                        help="remove it, or write the rule that needs it"))
        by_clause: dict[str, list[ir.Rule]] = {}
        for rule in self.policy.all_rules:
            for c in rule.clauses:
                by_clause.setdefault(c, []).append(rule)
        for clause, rules in by_clause.items():
            for a, b in itertools.combinations(rules, 2):
                if _facts(a) and _facts(b) and not _facts(a) & _facts(b):
                    self.out.append(Finding(
                        "A0502", WARNING, f"clause `{clause}` is cited by `{a.name}` and `{b.name}`, "
                        "which share no fact", (b, a), help="check the clause ids of both rules",
                        label_texts=(f"`{a.name}` also cites `{clause}`",)))
        cited = set(by_clause) | {c for n in self.policy.notes for c in n.clauses}
        numbered: dict[tuple[str, int], set[int]] = {}
        for c in cited:
            m = re.fullmatch(r"(.*?)(\d+)", c)
            if m:
                numbered.setdefault((m.group(1), len(m.group(2))), set()).add(int(m.group(2)))
        for (prefix, width), nums in sorted(numbered.items()):
            if len(nums) < 2:
                continue
            for n in range(min(nums), max(nums) + 1):
                if n not in nums:
                    cid = f"{prefix}{n:0{width}d}"
                    self.out.append(Finding(
                        "A0503", WARNING, f"clause `{cid}` is cited by no rule or note, though "
                        f"`{prefix}{min(nums):0{width}d}`…`{prefix}{max(nums):0{width}d}` are",
                        help=f"encode it, or record it with `note \"...\" clause {cid}`"))


# ---- structure of conditions ------------------------------------------------------------


def _walk_rule(rule: ir.Rule):
    yield from ir.walk(rule.condition)
    if rule.scope is not None:
        yield from ir.walk(rule.scope)
    if rule.due is not None:
        yield from ir.walk(rule.due)


def _facts(rule: ir.Rule) -> set[str]:
    return {x.name for x in _walk_rule(rule) if isinstance(x, ir.Fact)}


def _modality(rule: ir.Rule) -> str:
    return rule.modality.replace("_", " ")


def _resolve(e: ir.Expr, year: int) -> ir.Expr | None:
    """`e` with every schedule replaced by its entry for `year` (None: not in force)."""
    if isinstance(e, ir.Sched):
        chosen = ir.schedule_entry(e, year)
        return None if chosen is None else _resolve(chosen, year)
    changes = {}
    for field in attrs.fields(type(e)):
        v = getattr(e, field.name)
        if isinstance(v, ir.Expr):
            changes[field.name] = _resolve(v, year)
        elif isinstance(v, tuple) and v and all(isinstance(x, ir.Expr) for x in v):
            changes[field.name] = tuple(_resolve(x, year) for x in v)
        elif isinstance(v, tuple) and v and all(isinstance(x, ir.Bracket) for x in v):
            changes[field.name] = tuple(attrs.evolve(
                b, low=_resolve(b.low, year) if b.low is not None else None,
                high=_resolve(b.high, year) if b.high is not None else None,
                value=_resolve(b.value, year)) for b in v)
    return attrs.evolve(e, **changes) if changes else e


def _quantity(cond: ir.Expr | None):
    """(subject, bound side) of a threshold comparison, or None for other shapes."""
    if isinstance(cond, ir.Cmp) and ir.COMPARATORS[cond.op].bound is not None:
        return cond.left, ir.COMPARATORS[cond.op].bound
    return None


def _shape(e: ir.Expr):
    """`e` with every number replaced by its type: thresholds of one shape differ only in numbers."""
    if isinstance(e, ir.Const) and not isinstance(e.value, bool | str):
        return ("number", e.type)
    if not _facts_in(e):
        return ("number", e.type)  # a constant expression (`1万元 per year`)
    fields = []
    for field in attrs.fields(type(e)):
        if not field.eq:
            continue
        v = getattr(e, field.name)
        if isinstance(v, ir.Expr):
            v = _shape(v)
        elif isinstance(v, tuple) and v and all(isinstance(x, ir.Expr) for x in v):
            v = tuple(_shape(x) for x in v)
        fields.append(v)
    return (type(e).__name__, tuple(fields))


def _facts_in(e: ir.Expr) -> bool:
    return any(isinstance(x, ir.Fact | ir.Agg) for x in ir.walk(e))


def _threshold(cond: ir.Expr) -> str:
    assert isinstance(cond, ir.Cmp)
    return f"`{cond.op} {_show(cond.right)}`"


def _show(e: ir.Expr) -> str:
    if not _facts_in(e) and isinstance(e.type, ir.Num):
        from ..eval.reference import evaluate

        value = evaluate(e, {}, 0)
        if isinstance(value, Fraction):
            return show(value, e.type)
    if isinstance(e, ir.Const) and isinstance(e.value, Fraction | int) and not isinstance(e.value, bool):
        return show(e.value, e.type)
    if isinstance(e, ir.Fact):
        return e.name
    if isinstance(e, ir.Arith):
        op = {"*": "×", "/": "÷"}.get(e.op, e.op)
        return f"{_show(e.left)} {op} {_show(e.right)}"
    return e.text or "…"
