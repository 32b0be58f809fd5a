"""For random pairs of policy versions and random populations, the impact report lists
exactly the records whose outcome changes, checked with the reference engine."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policydsl
from policydsl.audit.core import compare
from policydsl.audit.impact import impact, kind_of
from tests.diff.test_diff_property import HEAD, records, rules


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules(), rules(), st.integers(0, 2**16), st.integers(1, 60))
def test_every_listed_record_changes_outcome_and_no_unlisted_record_does(old_rule, new_rule, seed, n):
    old = policydsl.loads(HEAD + old_rule)
    new = policydsl.loads(HEAD + new_rule)
    sample = records(seed, n)
    d = compare(old, new)
    found = impact(old, new, d, sample, [2024, 2025], engine="reference")
    for y in found.years:
        a = old.evaluate(sample, y.year, engine="reference")
        b = new.evaluate(sample, y.year, engine="reference")
        changed = {i: (ra.outcomes[0].outcome, rb.outcomes[0].outcome)
                   for i, (ra, rb) in enumerate(zip(a.records, b.records, strict=True))
                   if ra.outcomes[0].outcome != rb.outcomes[0].outcome}
        (r,) = y.rules
        assert {x.index: (x.old, x.new) for x in r.changes} == changed
        assert all(x.kind == kind_of(x.old, x.new) for x in r.changes)
        assert [x.id for x in r.changes] == [a.records[i].id for i in changed]
        assert [x["index"] for x in y.affected_records()] == sorted(changed)
        # A change proved to accept the same records moves no record between meeting the
        # rule (pass or not applicable) and not meeting it.
        if r.symbolic in ("unchanged", "equivalent"):
            meets = ("pass", "not_applicable")
            assert all((o in meets) == (n in meets) for o, n in changed.values())
