"""Witnesses: concrete records (or populations) and the outcomes they must produce.

A witness is validated against the fact declarations and replayed through the reference
interpreter (the meaning) before any finding shows it, so what a drafter reads is what
the interpreter computes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import attrs

from ..core import ir


@attrs.frozen
class Expect:
    """`rule` has `outcome` in `year` (for a target: `pass` in every group, `fail` in one)."""

    year: int
    rule: str
    outcome: str


@attrs.frozen
class FindingWitness:
    """Records that show a finding, with the outcome each named rule must have on them."""

    records: tuple[Mapping[str, object], ...]
    expects: tuple[Expect, ...]
    population: bool = False


def outcomes(policy: ir.Policy, witness: FindingWitness, year: int) -> dict[str, set[str]]:
    """Rule name -> the outcomes the reference evaluator gives the witness in `year`."""
    from ..data.read import RawRecord
    from ..eval.engine import make_engine
    from ..eval.validate import Validator

    validator = Validator(policy)
    records = [validator.validate(RawRecord(i, None, str(r.get("id", f"#{i + 1}")), dict(r), ()))
               for i, r in enumerate(witness.records)]
    engine = make_engine(policy, "reference")
    out: dict[str, set[str]] = {}
    if witness.population:
        for t in engine.targets(records, year):
            out.setdefault(t.rule, set()).add(t.outcome)
    else:
        for record in records:
            result = engine.record(record, year)
            if result.errors:
                out.setdefault("#errors", set()).add(result.errors[0].message)
            for o in result.outcomes:
                out.setdefault(o.rule, set()).add(o.outcome)
    return out


def replay(policy: ir.Policy, witness: FindingWitness) -> bool:
    """Whether the reference evaluator produces every outcome the witness claims."""
    for year in sorted({e.year for e in witness.expects}):
        got = outcomes(policy, witness, year)
        if "#errors" in got:
            return False
        for e in witness.expects:
            if e.year != year:
                continue
            seen = got.get(e.rule, set())
            if witness.population and e.outcome == "fail":
                ok = "fail" in seen
            else:
                ok = seen == {e.outcome}
            if not ok:
                return False
    return True


def describe(policy: ir.Policy, witness: FindingWitness) -> str:
    """The witness in a line: the facts the rules involved read, and the outcomes it produces."""
    names = {e.rule for e in witness.expects}
    facts: set[str] = set()
    for rule in policy.all_rules:
        if rule.name in names:
            for part in (rule.condition, rule.scope):
                if part is not None:
                    facts |= {x.name for x in ir.walk(part) if isinstance(x, ir.Fact)}
            if rule.group is not None:
                facts.add(rule.group.fact)
    order = [f.name for f in policy.facts if f.name in facts]

    def one(record: Mapping[str, object]) -> str:
        return ", ".join(f"{k}={record[k]}" for k in order if k in record) or "any values"

    if witness.population:
        kinds = Counter(one(r) for r in witness.records)
        body = f"{len(witness.records)} {policy.entity_plural}: " + "; ".join(
            f"{n} × {{{k}}}" for k, n in kinds.items())
    else:
        body = "; ".join(one(r) for r in witness.records)
    results = ", ".join(f"`{e.rule}` {_word(e.outcome)} in {e.year}" for e in witness.expects)
    return f"{body} ({results})"


def _word(outcome: str) -> str:
    return {"pass": "passes", "fail": "fails", "not_applicable": "does not apply"}.get(outcome, outcome)
