"""Pairs of versions covering every classification; every witness separates the versions."""

from __future__ import annotations

from pathlib import Path

import pytest

import policydsl
from policydsl.audit import model as m
from policydsl.audit.semantic import MEETS, verdict
from policydsl.eval.outcomes import judge_record, judge_target

HERE = Path(__file__).parents[1] / "fixtures" / "diff"
BASE = policydsl.load(HERE / "base.pol")


def run(name: str):
    new = policydsl.load(HERE / f"{name}.pol")
    return policydsl.diff(BASE, new), new


def change(d, name):
    (c,) = [c for c in d.changes if c.name == name]
    return c


def assert_separates(w: m.Witness, old: policydsl.Policy, new: policydsl.Policy, old_rule, new_rule):
    """Replay the witness independently: the two versions must disagree in the stated direction."""
    records = [dict(r) for r in w.shown]
    old_envs = [r.values for r in old.prepare(records)]
    new_envs = [r.values for r in new.prepare(records)]
    assert all(not r.errors for r in old.prepare(records) + new.prepare(records))
    if old_rule.is_target:
        old_ok = all(r.outcome in MEETS for r in judge_target(old.ir, old_rule, old_envs, w.year))
        new_ok = all(r.outcome in MEETS for r in judge_target(new.ir, new_rule, new_envs, w.year))
    else:
        old_ok = judge_record(old_rule, old_envs[0], {}, w.year).outcome in MEETS
        new_ok = judge_record(new_rule, new_envs[0], {}, w.year).outcome in MEETS
    assert (old_ok, new_ok) == (w.old_meets, w.new_meets)
    assert old_ok != new_ok


def classes(c) -> dict[int, str]:
    return {v.year: v.cls for v in c.years}


CASES = sorted(p.stem for p in HERE.glob("*.pol") if p.stem != "base")


def expected_lines(d) -> str:
    """The whole-policy classes per year, then one line per changed rule: its name (and old
    name), tags, and class per year."""
    lines = ["policy: " + ", ".join(f"{v.year} {v.cls}" for v in d.years)]
    for c in d.changes:
        if c.is_change:
            renamed = f" (was {c.old_name})" if c.old_name and c.old_name != c.name else ""
            years = ", ".join(f"{v.year} {v.cls}" for v in c.years)
            lines.append(f"{c.kind} {c.name}{renamed} [{', '.join(c.tags)}]: {years or c.verdict}")
    return "".join(line + "\n" for line in lines)


@pytest.mark.parametrize("name", CASES)
def test_version_has_the_classes_written_beside_it_and_witnesses_that_separate(name, golden):
    d, new = run(name)
    golden(HERE / f"{name}.findings", expected_lines(d))
    for c in d.changes:
        for v in c.years:
            wanted = {m.STRICTER: [True], m.LOOSER: [False], m.INCOMPARABLE: [True, False]}.get(v.cls, [])
            assert [w.old_meets for w in v.witnesses] == wanted, (c.name, v.year)
            for w in v.witnesses:
                assert_separates(w, BASE, new, c.old, c.new)


def test_equivalent_rewriting_is_proved_equivalent_without_witness():
    d, _ = run("equivalent")
    c = change(d, "rooms_floor")
    assert set(classes(c).values()) == {m.EQUIVALENT}
    assert c.tags == (m.CONDITION,)
    assert all(not v.witnesses for v in c.years)
    assert {v.cls for v in d.years} == {m.EQUIVALENT}


def test_reformatted_version_is_unchanged_with_the_same_fingerprint():
    d, _ = run("unchanged")
    assert d.identical and not d.changed
    assert {v.cls for v in d.years} == {m.UNCHANGED}


def test_added_rule_makes_the_policy_stricter_for_records():
    d, new = run("added")
    c = change(d, "zoned")
    assert c.verdict == m.ADDED and c.tags == (m.ADDED,) and c.old is None
    assert {v.cls for v in d.years} == {m.STRICTER}
    w = d.years[0].witnesses[0]
    assert w.old_meets and not w.new_meets
    assert "zone" in w.facts


def test_removed_rule_makes_the_policy_looser_from_the_year_it_was_in_force():
    d, _ = run("removed")
    c = change(d, "staffing")
    assert c.verdict == m.REMOVED and c.new is None
    assert {v.year: v.cls for v in d.years} == {2024: m.EQUIVALENT, 2025: m.LOOSER, 2026: m.LOOSER}


def test_rename_with_unchanged_body_is_matched_not_added_and_removed():
    d, _ = run("renamed")
    c = change(d, "community_size")
    assert c.old_name == "size" and c.tags == (m.RENAMED,)
    assert set(classes(c).values()) == {m.UNCHANGED}
    assert len(d.changes) == 4


def test_modality_change_is_tagged_with_its_direction_and_outcomes_unchanged():
    d, _ = run("modality")
    c = change(d, "size")
    assert c.tags == (m.MODALITY,)
    assert any("in principle → must (stricter)" in line for line in c.details)
    assert set(classes(c).values()) == {m.UNCHANGED}


def test_year_outside_one_period_is_reported_not_guessed():
    d, _ = run("period")
    assert {v.year: v.cls for v in d.years}[2027] == m.OUT_OF_PERIOD
    assert any("period" in line for line in d.facts)


def test_redeclared_fact_is_undecided_never_equivalent():
    d, _ = run("redeclared")
    c = change(d, "rooms_floor")
    assert set(classes(c).values()) == {m.UNDECIDED}
    assert "declared differently" in c.years[0].note
    assert "fact `rooms` declaration changed" in d.facts


def test_a_search_that_gave_up_is_undecided_even_when_the_other_found_nothing():
    assert verdict(2024, None, "the solver gave up").cls == m.UNDECIDED
    assert verdict(2024, "the solver gave up", None).cls == m.UNDECIDED
    assert verdict(2024, None, None).cls == m.EQUIVALENT


def test_combining_years_never_hides_a_direction():
    assert m.combine([m.STRICTER, m.LOOSER]) == m.INCOMPARABLE
    assert m.combine([m.STRICTER, m.UNDECIDED, m.LOOSER]) == m.INCOMPARABLE
    assert m.combine([m.EQUIVALENT, m.UNDECIDED]) == m.UNDECIDED
    assert m.combine([m.UNCHANGED, m.EQUIVALENT, m.STRICTER]) == m.STRICTER
    assert m.combine([m.UNCHANGED, m.OUT_OF_PERIOD]) == m.UNCHANGED
