"""For random pairs of policy versions and random populations, the impact report lists
exactly the records whose outcome changes, checked with the reference engine."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policydsl
from policydsl.audit.impact import impact, kind_of
from policydsl.audit.policy_diff import compare
from tests.strategies import VERSION_HEAD, records_near_thresholds, rule_versions


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_versions(), rule_versions(), st.integers(0, 2**16), st.integers(1, 60))
def test_every_listed_record_changes_outcome_and_no_unlisted_record_does(old_rule, new_rule, seed, n):
    old = policydsl.loads(VERSION_HEAD + old_rule)
    new = policydsl.loads(VERSION_HEAD + new_rule)
    sample = records_near_thresholds(seed, n)
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


@st.composite
def targets(draw) -> str:
    """A small target over the same facts, for the whole population or per level."""
    threshold = draw(st.sampled_from((0, 5, 10, 11)))
    share = draw(st.sampled_from(("10%", "50%", "51%", "90%")))
    op = draw(st.sampled_from((">=", "<=")))
    lines = ["target t", "  clause X2"]
    if draw(st.booleans()):
        lines.append("  for each level")
    lines.append(f"  must share(a >= {threshold} person) {op} {share}")
    return "\n".join(lines) + "\n"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(targets(), targets(), st.integers(0, 2**16), st.integers(0, 40))
def test_every_target_verdict_the_impact_shows_is_the_reference_verdict_of_each_version(
        old_target, new_target, seed, n):
    old = policydsl.loads(VERSION_HEAD + old_target)
    new = policydsl.loads(VERSION_HEAD + new_target)
    sample = records_near_thresholds(seed, n)
    found = impact(old, new, compare(old, new), sample, [2024], engine="reference")
    a = old.evaluate(sample, 2024, engine="reference")
    b = new.evaluate(sample, 2024, engine="reference")
    (t,) = [r for r in found.years[0].rules if r.kind == "target"]
    expected_old = {x.group: x.outcome for x in a.targets}
    expected_new = {x.group: x.outcome for x in b.targets}
    shown = {x.group: (x.old_outcome, x.new_outcome) for x in t.targets}
    for group, (o, nw) in shown.items():
        assert o == expected_old.get(group, "absent") and nw == expected_new.get(group, "absent")
    assert set(shown) == set(expected_old) | set(expected_new)
    assert t.affected == sum(expected_old.get(g, "absent") != expected_new.get(g, "absent") for g in shown)
