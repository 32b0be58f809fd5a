"""Aggregates over the parts of a record, on generated parent/child data: the reference
agrees with a direct computation written here (Kleene logic over the parts, parts grouped
by their key, a repeated parent id making its aggregates unknown); and the check bites:
each fault injected into the interpreter is found.

The DuckDB engine is held to the same computation here, and to the reference itself in
tests/property/test_entities_engines.py.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

import policydsl
from policydsl.core import ir
from policydsl.eval import reference
from policydsl.eval.values import Parts

POLICY = policydsl.loads("""
policy committees period 2024 to 2025
entity committee, committees
fact households: integer households
entity group, groups part of committee by committee_id
fact committee_id: text
fact size: integer households, optional
rule cap clause G1 must count(groups) <= 3
rule big clause G2 must count(groups, size >= 20 households) >= 1
rule total clause G3 must sum(groups, size) <= households
rule smallest clause G4 must min(groups, size) >= 15 households
rule largest clause G5 must max(groups, size) <= 30 households
rule every clause G6 must all(groups, size >= 15 households)
rule some clause G7 must any(groups, size >= 25 households)
rule mostly clause G8 must share(groups, size >= 15 households) >= 50%
""")
RULES = ("cap", "big", "total", "smallest", "largest", "every", "some", "mostly")


@st.composite
def populations(draw):
    """Committees (ids may repeat) with households, and groups naming a committee (or none
    that exists) with a size that may be missing."""
    ids = draw(st.lists(st.sampled_from(["c1", "c2", "c3", "c4"]), min_size=1, max_size=4))
    committees = [{"id": cid, "households": draw(st.integers(0, 120))} for cid in ids]
    groups = []
    for k in range(draw(st.integers(0, 10))):
        g = {"id": f"g{k}", "committee_id": draw(st.sampled_from(["c1", "c2", "c3", "c4", "c9"]))}
        size = draw(st.none() | st.integers(0, 40))
        if size is not None:
            g["size"] = size
        groups.append(g)
    return committees, groups


def expected(committees: list[dict], groups: list[dict]) -> list[dict[str, str]]:
    """Each committee's outcomes, computed directly from the rows."""
    seen: dict[str, int] = {}
    for c in committees:
        seen[c["id"]] = seen.get(c["id"], 0) + 1
    return [dict.fromkeys(RULES, "unknown") if seen[c["id"]] > 1 else
            _outcomes(c["households"], [g.get("size") for g in groups if g["committee_id"] == c["id"]])
            for c in committees]


def _verdict(holds: bool | None) -> str:
    return "unknown" if holds is None else ("pass" if holds else "fail")


def _outcomes(households: int, sizes: list[int | None]) -> dict[str, str]:
    """One committee's outcomes from the sizes of its groups (None: missing)."""
    known = [s for s in sizes if s is not None]
    if len(known) < len(sizes):  # a missing size leaves every measure of the sizes unknown...
        exact = dict.fromkeys(("big", "total", "smallest", "largest", "every", "some", "mostly"))
    else:
        exact = {"big": sum(s >= 20 for s in known) >= 1, "total": sum(known) <= households,
                 "smallest": min(known) >= 15 if known else None,
                 "largest": max(known) <= 30 if known else None,
                 "every": True, "some": False,
                 "mostly": Fraction(sum(s >= 15 for s in known), len(known)) >= Fraction(1, 2)
                 if known else None}
    # ...except that one failing group decides `all`, and one passing group decides `any`
    if any(s < 15 for s in known):
        exact["every"] = False
    if any(s >= 25 for s in known):
        exact["some"] = True
    return {"cap": _verdict(len(sizes) <= 3), **{rule: _verdict(v) for rule, v in exact.items()}}


def disagreements(case, engine: str = "reference") -> list[str]:
    committees, groups = case
    ev = POLICY.evaluate({"committee": committees, "group": groups}, 2024, engine=engine)
    got = [{o.rule: o.outcome for o in r.outcomes} for r in ev.entities["committee"].records]
    want = expected(committees, groups)
    out = [f"committee {c['id']} #{i}: {rule} is {g[rule]}, expected {w[rule]}"
           for i, (c, g, w) in enumerate(zip(committees, got, want, strict=True)) for rule in RULES
           if g[rule] != w[rule]]
    parents = {c["id"] for c in committees}
    for g, r in zip(groups, ev.entities["group"].records, strict=True):
        orphan = g["committee_id"] not in parents
        if orphan != any(e.field == "committee_id" and "no committee has id" in e.message for e in r.errors):
            out.append(f"group {g['id']}: orphan {orphan}, errors {r.errors}")
    if len(ev.entities["group"].records) != len(groups):
        out.append("a group record was dropped")
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(populations())
def test_reference_aggregates_over_parts_match_a_direct_computation(case):
    assert disagreements(case) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(populations())
def test_duckdb_aggregates_over_parts_match_a_direct_computation(case):
    assert disagreements(case, "duckdb") == []


# ---- the check bites ---------------------------------------------------------------------------

SEARCH = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                  phases=[Phase.generate], suppress_health_check=[HealthCheck.too_slow])


def _patch_child_agg(mp: pytest.MonkeyPatch, wrap) -> None:
    original = reference._EVAL[ir.ChildAgg]
    mp.setitem(reference._EVAL, ir.ChildAgg, lambda e, env, year, pop: wrap(original, e, env, year, pop))


def _all_of_nothing_is_false(mp):
    def wrap(original, e, env, year, pop):
        parts = env.get(Parts(e.entity))
        if e.kind == "all" and parts == ():
            return False
        return original(e, env, year, pop)
    _patch_child_agg(mp, wrap)


def _last_part_forgotten(mp):
    values = reference.part_values
    mp.setattr(reference, "part_values", lambda e, env, year: (lambda v: v[:-1] if isinstance(v, list)
                                                                else v)(values(e, env, year)))


def _unknown_parts_skipped(mp):
    values = reference.part_values
    mp.setattr(reference, "part_values", lambda e, env, year: (lambda v: [
        (pid, x) for pid, x in v if not isinstance(x, reference.Unknown)] if isinstance(v, list)
        else v)(values(e, env, year)))


def _min_is_max(mp):
    def wrap(original, e, env, year, pop):
        if e.kind == "min":
            import attrs

            e = attrs.evolve(e, kind="max")
        return original(e, env, year, pop)
    _patch_child_agg(mp, wrap)


@pytest.mark.parametrize("mutate", [_all_of_nothing_is_false, _last_part_forgotten, _unknown_parts_skipped,
                                    _min_is_max], ids=lambda f: f.__name__.strip("_"))
def test_the_direct_computation_finds_an_injected_fault(mutate, monkeypatch: pytest.MonkeyPatch):
    mutate(monkeypatch)
    case = find(populations(), lambda c: bool(disagreements(c)), settings=SEARCH)
    assert disagreements(case) != []
