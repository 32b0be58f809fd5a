"""For random pairs of rule versions, the diff's class agrees with brute evaluation."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policydsl
from policydsl.audit import model as m
from policydsl.audit.policy_diff import compare
from policydsl.audit.semantic import MEETS
from policydsl.eval.outcomes import judge_record
from tests.strategies import VERSION_HEAD, records_near_thresholds, rule_versions


def meets(policy: policydsl.Policy, env: dict, year: int) -> bool:
    return judge_record(policy.ir.rules[0], env, {}, year).outcome in MEETS


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_versions(), rule_versions(), st.integers(0, 2**16))
def test_diff_class_agrees_with_brute_evaluation_and_witnesses_separate(old_rule, new_rule, seed):
    old = policydsl.loads(VERSION_HEAD + old_rule)
    new = policydsl.loads(VERSION_HEAD + new_rule)
    d = compare(old, new)
    (c,) = d.changes
    sample = records_near_thresholds(seed)
    for v in c.years:
        assert v.cls in (m.UNCHANGED, m.EQUIVALENT, m.STRICTER, m.LOOSER, m.INCOMPARABLE)
        envs_old = [r.values for r in old.prepare(sample)]
        envs_new = [r.values for r in new.prepare(sample)]
        pairs = [(meets(old, eo, v.year), meets(new, en, v.year)) for eo, en in zip(envs_old, envs_new, strict=True)]
        only_old = any(o and not n for o, n in pairs)  # a record NEW refuses and OLD accepts
        only_new = any(n and not o for o, n in pairs)
        if v.cls in (m.UNCHANGED, m.EQUIVALENT):
            assert not only_old and not only_new
        elif v.cls == m.STRICTER:
            assert not only_new, "a record contradicts `stricter`"
        elif v.cls == m.LOOSER:
            assert not only_old, "a record contradicts `looser`"
        # Every witness separates the versions in the direction it claims.
        for w in v.witnesses:
            (rec,) = w.shown
            eo = old.prepare([rec])[0]
            en = new.prepare([rec])[0]
            assert not eo.errors and not en.errors
            assert (meets(old, eo.values, v.year), meets(new, en.values, v.year)) == (w.old_meets, w.new_meets)
            assert w.old_meets != w.new_meets
        expected = {m.STRICTER: [True], m.LOOSER: [False], m.INCOMPARABLE: [True, False]}.get(v.cls, [])
        assert [w.old_meets for w in v.witnesses] == expected


def test_exact_thresholds_are_compared_exactly():
    old = policydsl.loads(VERSION_HEAD + "rule r\n  clause X1\n  must b >= 10 m2\n")
    new = policydsl.loads(VERSION_HEAD + "rule r\n  clause X1\n  must b > 10 m2\n")
    (c,) = compare(old, new).changes
    v = c.years[0]
    assert v.cls == m.STRICTER
    (w,) = v.witnesses
    assert Fraction(w.shown[0]["b"]) == 10  # the only record that tells them apart is on the boundary
