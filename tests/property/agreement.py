"""The agreement check of the compiled engine against the reference, on one case.

`disagreements(case)` runs the reference and every compiled path on the same
records, each on its own output: the fast verdicts body, the general body, the full
results of `Policy.compile(year).evaluate` (explanations included) and the targets.
It returns one line per difference, so a test can assert there are none, and a
mutation test that a broken code generator produces some.
"""

from __future__ import annotations

import policydsl
from policydsl.eval.engine import make_engine
from tests.strategies import Case


def disagreements(case: Case) -> list[str]:
    policy = policydsl.loads(case.policy.text)
    year = case.year
    prepared = policy.prepare(case.records)
    ref = make_engine(policy.ir, "reference")
    compiled = make_engine(policy.ir, "compiled")
    program = compiled.program(year)
    prepared_policy = policy.compile(year)
    found: list[str] = []
    for raw, rec in zip(case.records, prepared, strict=True):
        want = ref.record(rec, year)
        outcomes = tuple(o.outcome for o in want.outcomes)
        for path, got in (("fast", program.verdicts(rec.values, rec.exemptions)),
                          ("general", program.general(rec.values, rec.exemptions)),
                          ("verdicts", prepared_policy.verdicts(raw))):
            if got != outcomes:
                found.append(f"{rec.id} {path}: {got} != {outcomes}")
        full = prepared_policy.evaluate(raw)
        if full != want:
            found.append(f"{rec.id} evaluate: {full} != {want}")
    got_targets, want_targets = compiled.targets(prepared, year), ref.targets(prepared, year)
    if got_targets != want_targets:
        found.append(f"targets: {got_targets} != {want_targets}")
    return found
