"""The compiled per-record evaluator: a checked policy turned into Python functions.

For each year a policy is compiled once (by `codegen`) into one function that
computes every per-record verdict, plus one function per scope and aggregate
argument of the targets. No policy text enters the generated source: names,
literals and thresholds are closure variables bound to their exact values.

`verdicts` has two bodies. The usual record has every fact the rules read, so one
`itemgetter` call fetches them all, each number is split once into its integer
numerator and denominator, and the rules are decided with integer arithmetic only
(`codegen.RationalGen`: cross-products, `//` for floor and ceil, no `Fraction` built).
A record missing a fact, or holding a number that is not a `Fraction`, runs the
general body (`codegen.ExprGen`), which computes the reference's values and checks
every unknown.

Explanations are not generated: an outcome's text comes from `outcomes.judge_record`,
the reference, memoised per rule on the values of the facts that rule reads (an
explanation depends on nothing else), so identical outcomes are built once.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from ..core import ir
from ..core.dates import uses_dates
from .codegen import ExprGen, RationalGen, Source, U, build
from .engine import ENGINES
from .outcomes import judge_record
from .results import (
    EXEMPTED,
    FAIL,
    NOT_APPLICABLE,
    PASS,
    UNKNOWN,
    RecordResult,
    TargetResult,
    deferred_outcome,
)
from .validate import Record

CACHE_LIMIT = 50_000  # memoised outcomes per rule before the memo is cleared


def _has_sched(e: ir.Expr | None) -> bool:
    return e is not None and any(isinstance(x, ir.Sched) for x in ir.walk(e))


class Program:
    """A policy compiled for one year: `verdicts(env, exemptions)` and the target functions."""

    def __init__(self, policy: ir.Policy, year: int):
        self.policy = policy
        self.year = year
        src = Source()
        general = self._verdicts(src, ExprGen(src, year), "general", fast=False)
        fast = self._verdicts(src, RationalGen(src, year), "verdicts", fast=True)
        self.value_names: list[str] = []
        self.value_exprs: list[ir.Expr] = []
        extra: list[str] = []
        for e in self._target_parts(policy):
            extra += self._value_function(src, ExprGen(src, year), e)
        result = f"verdicts, general, ({''.join(n + ', ' for n in self.value_names)})"
        # `verdicts` is the entry point; `general` (the body for records missing a fact)
        # is kept so tests can run both bodies on the same record.
        (self.verdicts, self.general, functions), self.source = build(
            src, general + fast + extra, result, "<policydsl compiled policy>")
        self.value_of = dict(zip(self.value_exprs, functions, strict=True))

    def _verdicts(self, src: Source, gen: ExprGen, name: str, fast: bool) -> list[str]:
        """The source of one verdicts function; the fast one falls back to `general`."""
        # Optional facts are often missing: the fast body reads them as possibly unknown.
        optional = frozenset(f.name for f in self.policy.facts if f.optional)
        src.begin(fast, optional=optional)
        outs = [self._rule(src, gen, i, rule) for i, rule in enumerate(self.policy.rules)]
        body, facts = src.lines, src.facts
        result = f"    return ({''.join(o + ', ' for o in outs)})"
        if not fast:
            fetch = [f"    {local} = env.get({src.const(n)}, U)" for n, local in facts.items()]
            return [f"def {name}(env, ex):", *fetch, *body, result]
        fetch = [f"    {local} = env.get({src.const(n)}, U)" for n, local in facts.items() if n in optional]
        names = [n for n in facts if n not in optional]
        if names:
            get = operator.itemgetter(*names) if len(names) > 1 else operator.itemgetter(names[0], names[0])
            locals_ = "".join(f"{facts[n]}, " for n in names)
            fetch += ["    try:", f"        ({locals_}{'_, ' if len(names) == 1 else ''}) = {src.const(get)}(env)",
                      "    except KeyError:", "        return general(env, ex)"]
        # A number that is not a `Fraction` (an int given in memory) has no slots to
        # split: the general body.
        split = ["        " + line for line in src.prologue()]
        return [f"def {name}(env, ex):", *fetch, "    try:", *split,
                *("    " + line for line in body or ["    pass"]), "    except AttributeError:",
                "        return general(env, ex)", result]

    def _rule(self, src: Source, gen: ExprGen, i: int, rule: ir.Rule) -> str:
        out = f"o{i}"
        if uses_dates(rule):
            # Days in force, a due day or calendar arithmetic: the reference's verdict,
            # computed where it is defined rather than generated a second time.
            year = self.year
            src.emit(f"{out} = {src.const(lambda env, ex, r=rule: judge_record(r, env, ex, year).outcome)}(env, ex)")
            return out
        start, end = rule.years
        if not start <= self.year <= end:
            return src.const(NOT_APPLICABLE)
        guarded = _has_sched(rule.scope) or _has_sched(rule.condition)
        emit = src.emit
        if guarded:
            emit("try:")
            src.depth += 1
        depth = src.depth
        if rule.scope is not None:
            s = gen(rule.scope)
            if s not in src.known:
                emit(f"if {s} is U: {out} = {src.const(UNKNOWN)}")
                emit(f"elif {s} is False: {out} = {src.const(NOT_APPLICABLE)}")
            else:
                emit(f"if {s} is False: {out} = {src.const(NOT_APPLICABLE)}")
            emit("else:")
            src.depth += 1
        if rule.exemption_keys:
            test = " or ".join(f"{src.const(c)} in ex" for c in rule.exemption_keys)
            emit(f"if ex and ({test}): {out} = {src.const(EXEMPTED)}")
            emit("else:")
            src.depth += 1
        v = gen(rule.condition)
        verdict = f"{src.const(PASS)} if {v} else {src.const(FAIL)}"
        emit(f"{out} = {verdict}" if v in src.known else f"{out} = {src.const(UNKNOWN)} if {v} is U else ({verdict})")
        src.depth = depth
        if guarded:
            src.depth -= 1
            emit(f"except NotInForce: {out} = {src.const(NOT_APPLICABLE)}")
        return out

    @staticmethod
    def _target_parts(policy: ir.Policy) -> list[ir.Expr]:
        parts: dict[ir.Expr, None] = {}
        for rule in policy.targets:
            if rule.scope is not None:
                parts[rule.scope] = None
            for x in ir.walk(rule.condition):
                if isinstance(x, ir.Agg) and x.arg is not None:
                    parts[x.arg] = None
        return list(parts)

    def _value_function(self, src: Source, gen: ExprGen, e: ir.Expr) -> list[str]:
        name = f"value{len(self.value_names)}"
        self.value_names.append(name)
        self.value_exprs.append(e)
        src.begin(fast=False)
        result = gen(e)
        fetch = [f"    {local} = env.get({src.const(n)}, U)" for n, local in src.facts.items()]
        out = [f"def {name}(env):", *fetch, *src.lines, f"    return {result}"]
        return out


class CompiledEngine:
    """Per-record evaluation through generated functions; results equal the reference's."""

    name = "compiled"

    def __init__(self, policy: ir.Policy):
        self.policy = policy
        self._programs: dict[int, Program] = {}
        self._keys = [(r.facts_read(), r.exemption_keys)
                      for r in policy.rules]
        self._memo: list[dict] = [{} for _ in policy.rules]
        # A rule over the parts of a record reads more than its facts: never memoised.
        self._over_parts = [r.reads_parts for r in policy.rules]

    def facts_read(self, i: int) -> tuple[str, ...]:
        """The facts rule `i` reads (its outcome and explanation depend on these alone,
        and on the record's exemptions)."""
        return self._keys[i][0]

    def program(self, year: int) -> Program:
        """The policy compiled for `year` (compiled on first use, then kept)."""
        prog = self._programs.get(year)
        if prog is None:
            prog = self._programs[year] = Program(self.policy, year)
        return prog

    def verdicts(self, values: Mapping[str, object], exemptions: Mapping[str, str], year: int) -> tuple[str, ...]:
        """The outcome of every per-record rule (`pass`, `fail`, …), without explanations."""
        return self.program(year).verdicts(values, exemptions)

    def outcome(self, i: int, values: Mapping[str, object], exemptions: Mapping[str, str], year: int):
        """The full outcome of rule `i`, memoised on the facts the rule reads."""
        if self._over_parts[i]:
            return judge_record(self.policy.rules[i], values, exemptions, year)
        facts, clauses = self._keys[i]
        key = (year, tuple([values.get(f, U) for f in facts]),
               tuple([exemptions.get(c) for c in clauses]) if clauses else ())
        memo = self._memo[i]
        hit = memo.get(key)
        if hit is None:
            if len(memo) >= CACHE_LIMIT:
                memo.clear()
            hit = memo[key] = judge_record(self.policy.rules[i], values, exemptions, year)
        return hit

    def explanation(self, i: int, values: Mapping[str, object], exemptions: Mapping[str, str],
                    year: int) -> str:
        """The reference's explanation of rule `i` on these values."""
        return self.outcome(i, values, exemptions, year).explanation

    def record(self, record: Record, year: int) -> RecordResult:
        values, ex = record.values, record.exemptions
        outcomes = tuple(self.outcome(i, values, ex, year) for i in range(len(self.policy.rules)))
        return RecordResult(record.id, outcomes, record.errors)

    def records(self, records: Iterable[Record], year: int) -> Iterator[RecordResult]:
        for record in records:
            yield self.record(record, year)

    def targets(self, records: Sequence[Record], year: int) -> list[TargetResult]:
        from .population import TargetStats

        stats = TargetStats(self.policy, year)
        stats.add_records(self.program(year), records)
        return stats.results()


ENGINES["compiled"] = CompiledEngine


class CompiledPolicy:
    """A policy prepared for one year: validate and judge many records with it.

    Made by `Policy.compile(year)`. `verdicts(mapping)` gives the outcome name of
    every per-record rule; `evaluate(mapping)` the full `RecordResult`, whose
    explanations are worked out (by the reference) only when read. Records are
    validated as `Policy.prepare` validates them.
    """

    def __init__(self, policy: ir.Policy, year: int, prepare: Callable[[object], Record]):
        self.ir = policy
        self.year = year
        self.rule_names = tuple(r.name for r in policy.rules)
        self._prepare = prepare
        self._engine = CompiledEngine(policy)
        self._verdicts = self._engine.program(year).verdicts
        # Rules not in force this year have one outcome for every record.
        self._fixed = [None if r.years[0] <= year <= r.years[1]
                       else judge_record(r, {}, {}, year) for r in policy.rules]
        self._rules = tuple((i, r.name, r.clauses, r.modality, fixed)
                            for i, (r, fixed) in enumerate(zip(policy.rules, self._fixed, strict=True)))

    def __repr__(self) -> str:
        return f"<CompiledPolicy {self.ir.meta.name!r} {self.year}>"

    def prepare(self, record: object) -> Record:
        """The record validated against the policy's facts (its errors name each bad field)."""
        return self._prepare(record)

    def verdicts(self, record: object) -> tuple[str, ...]:
        """The outcome (`pass`, `fail`, …) of every per-record rule, in policy order."""
        rec = self._prepare(record)
        return self._verdicts(rec.values, rec.exemptions)

    def evaluate(self, record: object) -> RecordResult:
        """The record judged by every per-record rule, as `Policy.evaluate_record` gives it."""
        rec = self._prepare(record)
        values, ex = rec.values, rec.exemptions
        verdicts = self._verdicts(values, ex)
        explanation, year = self._engine.explanation, self.year

        def explain(i: int) -> str:
            return explanation(i, values, ex, year)

        outcomes = tuple([
            fixed if fixed is not None else deferred_outcome(name, clauses, modality, verdicts[i], explain, i)
            for i, name, clauses, modality, fixed in self._rules])
        return RecordResult(rec.id, outcomes, rec.errors)
