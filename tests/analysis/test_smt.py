"""The solver encoding agrees with the reference interpreter and never mistakes a timeout."""

from __future__ import annotations

from fractions import Fraction

import z3

import policydsl
from policydsl.analysis import smt

POLICY = policydsl.loads("""
policy p period 2023 to 2024
set zones = {"north", "south"}
fact zone: text in zones
fact rooms: decimal m2 >= 0
fact staff: integer person >= 0
fact trained: integer person >= 0, <= staff
fact note: decimal m2 optional
rule rooms_floor clause R1 must rooms >= [2023: 100 m2, 2024: 120 m2]
rule trained_all clause R2 where zone in zones must trained >= staff
rule third clause R3 must rooms / 3 >= 1 m2 or note >= 0 m2
""")


def test_a_timeout_is_reported_as_unknown_never_as_unsatisfiable():
    x, y, z = z3.Ints("x y z")
    # Fermat's last theorem for n = 3: hard for a non-linear integer solver within 1 ms.
    hard = [x > 0, y > 0, z > 0, x * x * x + y * y * y == z * z * z]
    assert smt.solve(hard, timeout_ms=1) == smt.UNKNOWN
    assert smt.unsat_core(hard, {"a": x > 1}, timeout_ms=1) == smt.UNKNOWN


def test_witnesses_sit_exactly_on_inclusive_thresholds():
    enc = smt.Encoding(POLICY.ir, 2024)
    rule = POLICY.ir.rules[0]
    value = enc.value["rooms"]
    model = smt.solve(enc.domain() + [enc.passes(rule), value <= 120])
    record = enc.witness_to_record(model)
    assert record["rooms"] == "120"
    assert POLICY.evaluate_record(record, 2024).outcomes[0].outcome == "pass"


def test_the_declared_bounds_are_part_of_the_domain():
    enc = smt.Encoding(POLICY.ir, 2023)
    assert smt.solve(enc.domain() + [enc.value["trained"] > enc.value["staff"]]) is None


def test_an_absent_optional_fact_is_unknown_like_in_the_interpreter():
    enc = smt.Encoding(POLICY.ir, 2023)
    rule = POLICY.ir.rules[2]
    model = smt.solve(enc.domain() + [z3.Not(enc.present["note"]), enc.value["rooms"] < 3,
                                      z3.Not(enc.passes(rule)), z3.Not(enc.violated(rule))])
    record = enc.witness_to_record(model)
    assert "note" not in record
    outcome = POLICY.evaluate_record(record, 2023).outcomes[2].outcome
    assert outcome == "unknown"


def test_population_witness_meets_a_share_exactly():
    target_policy = policydsl.loads("""
policy q period 2023 to 2023
fact open: bool
target open_share clause T1 must share(open) >= 2/3
""".replace("2/3", "66.67%"))
    pop = smt.Population(target_policy.ir, 2023, kinds=3)
    t = target_policy.ir.targets[0]
    model = smt.solve(pop.domain() + [pop.passes(t), z3.Sum(pop.m) <= 3])
    records = pop.witness(model)
    (result,) = target_policy.evaluate(records, 2023).targets
    assert result.outcome == "pass"
    assert result.value >= Fraction(6667, 10000)
