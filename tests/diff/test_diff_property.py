"""For random pairs of rule versions, the diff's class agrees with brute evaluation."""

from __future__ import annotations

import random
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policydsl
from policydsl.audit import model as m
from policydsl.audit.policy_diff import compare
from policydsl.audit.semantic import MEETS
from policydsl.eval.judge import judge_record

HEAD = """
policy p
  period 2024 to 2025
entity site, sites
fact a: integer person >= 0
fact b: decimal m2 >= 0
fact open: bool
fact level: enum low < mid < high
"""

OPS = (">=", ">", "<=", "<", "=", "!=")
A_VALUES = (0, 1, 5, 10, 11, 20)
B_VALUES = ("0", "2.5", "10", "10.01", "30")


@st.composite
def rules(draw) -> str:
    """A small rule about the same facts: random thresholds, operators, modality, years, scope."""
    atoms = [f"a {draw(st.sampled_from(OPS))} {draw(st.sampled_from(A_VALUES))} person",
             f"b {draw(st.sampled_from(OPS))} {draw(st.sampled_from(B_VALUES))} m2",
             f"level >= {draw(st.sampled_from(('low', 'mid', 'high')))}",
             "open"]
    picked = draw(st.lists(st.sampled_from(atoms), min_size=1, max_size=2, unique=True))
    cond = f" {draw(st.sampled_from(('and', 'or')))} ".join(picked)
    modality = draw(st.sampled_from(("must", "in principle", "strive")))
    lines = ["rule r", "  clause X1"]
    years = draw(st.sampled_from(("", "from 2025", "in 2024")))
    if years:
        lines.append("  " + years)
    if draw(st.booleans()):
        lines.append(f"  where {draw(st.sampled_from(('open', 'not open', 'a >= 5 person')))}")
    lines.append(f"  {modality} {cond}")
    return "\n".join(lines) + "\n"


def records(seed: int, n: int = 150) -> list[dict[str, str]]:
    """Random records, most of them on or next to the thresholds the rules use."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a = rng.choice(A_VALUES + tuple(v + 1 for v in A_VALUES) + (rng.randint(0, 30),))
        b = rng.choice(B_VALUES + ("2.49", "9.99", "29.99", str(rng.randint(0, 40))))
        out.append({"id": str(i), "a": str(max(a - rng.choice((0, 0, 1)), 0)), "b": b,
                    "open": rng.choice(("true", "false")), "level": rng.choice(("low", "mid", "high"))})
    return out


def meets(policy: policydsl.Policy, env: dict, year: int) -> bool:
    return judge_record(policy.ir.rules[0], env, {}, year).outcome in MEETS


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules(), rules(), st.integers(0, 2**16))
def test_diff_class_agrees_with_brute_evaluation_and_witnesses_separate(old_rule, new_rule, seed):
    old = policydsl.loads(HEAD + old_rule)
    new = policydsl.loads(HEAD + new_rule)
    d = compare(old, new)
    (c,) = d.changes
    sample = records(seed)
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
    old = policydsl.loads(HEAD + "rule r\n  clause X1\n  must b >= 10 m2\n")
    new = policydsl.loads(HEAD + "rule r\n  clause X1\n  must b > 10 m2\n")
    (c,) = compare(old, new).changes
    v = c.years[0]
    assert v.cls == m.STRICTER
    (w,) = v.witnesses
    assert Fraction(w.shown[0]["b"]) == 10  # the only record that tells them apart is on the boundary
