"""The fingerprint ignores formatting, comments and order, and sees every change of meaning."""

from __future__ import annotations

import pytest

import policydsl

BASE = """
policy demo
  version "1"
  period 2024 to 2026

set zones = {"north", "south", "east"}

entity site, sites

fact zone: text in zones
fact rooms: decimal m2 >= 0
fact staff: integer person >= 0
fact homes: integer household >= 0
fact open: bool

rule rooms_floor "at least 200 m2"
  clause R1, R2
  section "1"
  where open
  must rooms >= 200 m2

rule staffing
  clause R3
  in principle staff >= 1 person per 400 households

rule zoned
  clause R4
  from 2025
  must zone in {"north", "south"}

target open_share
  clause R5
  must share(open) >= [2024: 40%, 2026: 60%]
"""


def fp(text: str) -> str:
    return policydsl.loads(text).fingerprint


# Rewritings that keep the meaning: each must leave the fingerprint alone.
SAME = {
    "comments and blank lines": lambda s: "# a comment\n\n" + s.replace("rule staffing", "# why\nrule staffing"),
    "indentation and line breaks": lambda s: s.replace("\n  clause R3\n  in principle", " clause R3 in principle"),
    "rule order": lambda s: s.replace(
        "rule staffing\n  clause R3\n  in principle staff >= 1 person per 400 households\n", "").replace(
        "target open_share", "rule staffing\n  clause R3\n  in principle staff >= 1 person per 400 households\n\ntarget open_share"),
    "fact order": lambda s: s.replace("fact staff: integer person >= 0\n", "").replace(
        "fact open: bool\n", "fact open: bool\nfact staff: integer person >= 0\n"),
    "set order": lambda s: s.replace('{"north", "south", "east"}', '{"east", "south", "north"}').replace(
        'zone in {"north", "south"}', 'zone in {"south", "north"}'),
    "clause order": lambda s: s.replace("clause R1, R2", "clause R2, R1"),
    "unit spelling": lambda s: s.replace("rooms >= 200 m2", "rooms >= 200 平方米"),
    "comparison written the other way": lambda s: s.replace("rooms >= 200 m2", "200 m2 <= rooms"),
}

# Rewritings that change the meaning: each must change the fingerprint.
DIFFERENT = {
    "threshold": lambda s: s.replace("rooms >= 200 m2", "rooms >= 201 m2"),
    "operator": lambda s: s.replace("rooms >= 200 m2", "rooms > 200 m2"),
    "modality": lambda s: s.replace("in principle staff", "must staff"),
    "scope": lambda s: s.replace("where open", "where not open"),
    "years in force": lambda s: s.replace("from 2025", "from 2026"),
    "schedule entry": lambda s: s.replace("2026: 60%", "2026: 65%"),
    "schedule year": lambda s: s.replace("2026: 60%", "2025: 60%"),
    "rate": lambda s: s.replace("per 400 households", "per 300 households"),
    "set member": lambda s: s.replace('zone in {"north", "south"}', 'zone in {"north", "east"}'),
    "fact type": lambda s: s.replace("fact rooms: decimal m2", "fact rooms: integer m2"),
    "fact bound": lambda s: s.replace("fact staff: integer person >= 0", "fact staff: integer person >= 1"),
    "period": lambda s: s.replace("period 2024 to 2026", "period 2024 to 2027"),
    "clause id": lambda s: s.replace("clause R3", "clause R9"),
    "rule name": lambda s: s.replace("rule staffing", "rule staff_ratio"),
    "version": lambda s: s.replace('version "1"', 'version "2"'),
}


def test_base_policy_loads():
    assert fp(BASE).startswith("sha256:")


@pytest.mark.parametrize("name", SAME)
def test_fingerprint_is_unchanged_by_rewriting_without_meaning(name):
    changed = SAME[name](BASE)
    assert changed != BASE
    assert fp(changed) == fp(BASE)


@pytest.mark.parametrize("name", DIFFERENT)
def test_fingerprint_changes_with_any_change_of_meaning(name):
    changed = DIFFERENT[name](BASE)
    assert changed != BASE
    assert fp(changed) != fp(BASE)


def test_fingerprint_is_deterministic_across_loads():
    assert fp(BASE) == fp(BASE)
    assert fp(BASE) == policydsl.loads(BASE, name="other.pol").fingerprint
