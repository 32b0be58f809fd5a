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
    assert isinstance(smt.satisfiable(hard, timeout_ms=1), smt.Unknown)
    assert isinstance(smt.search(hard, [[x < 5]], timeout_ms=1), smt.Unknown)
    assert isinstance(smt.unsat_core(hard, {"a": x > 1}, timeout_ms=1), smt.Unknown)


def test_witnesses_sit_exactly_on_inclusive_thresholds():
    enc = smt.Encoding(POLICY.ir, 2024)
    rule = POLICY.ir.rules[0]
    value = enc.value["rooms"]
    answer = smt.satisfiable(enc.domain() + [enc.passes(rule), value <= 120])
    record = enc.witness_to_record(answer.witness)
    assert record["rooms"] == "120"
    assert POLICY.evaluate_record(record, 2024).outcomes[0].outcome == "pass"


def test_the_declared_bounds_are_part_of_the_domain():
    enc = smt.Encoding(POLICY.ir, 2023)
    assert smt.satisfiable(enc.domain() + [enc.value["trained"] > enc.value["staff"]]) == smt.Unsat()


def test_an_absent_optional_fact_is_unknown_like_in_the_interpreter():
    enc = smt.Encoding(POLICY.ir, 2023)
    rule = POLICY.ir.rules[2]
    answer = smt.satisfiable(enc.domain() + [z3.Not(enc.present["note"]), enc.value["rooms"] < 3,
                                             z3.Not(enc.passes(rule)), z3.Not(enc.violated(rule))])
    record = enc.witness_to_record(answer.witness)
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
    answer = smt.satisfiable(pop.domain() + [pop.passes(t), pop.size_at_most(3)])
    records = pop.witness(answer.witness)
    (result,) = target_policy.evaluate(records, 2023).targets
    assert result.outcome == "pass"
    assert result.value >= Fraction(6667, 10000)


def test_implies_answers_unsat_when_it_holds_and_a_counterexample_when_not():
    enc = smt.Encoding(POLICY.ir, 2024)
    floor, trained = POLICY.ir.rules[0], POLICY.ir.rules[1]
    rooms = enc.value["rooms"]
    assert smt.implies(enc.domain(), rooms >= 130, enc.passes(floor)) == smt.Unsat()
    answer = smt.implies(enc.domain(), rooms >= 110, enc.passes(floor))
    assert isinstance(answer, smt.Sat)
    record = enc.witness_to_record(answer.witness)
    assert POLICY.evaluate_record(record, 2024).outcomes[0].outcome == "fail"
    assert isinstance(smt.implies(enc.domain(), enc.passes(floor), enc.passes(trained)), smt.Sat)


def test_equivalent_answers_unsat_for_rewritings_and_a_separating_record_otherwise():
    enc = smt.Encoding(POLICY.ir, 2024)
    rooms = enc.value["rooms"]
    assert smt.equivalent(enc.domain(), rooms >= 120, z3.Not(rooms < 120)) == smt.Unsat()
    answer = smt.equivalent(enc.domain(), rooms >= 120, rooms > 120)
    assert isinstance(answer, smt.Sat)
    assert enc.witness_to_record(answer.witness)["rooms"] == "120"


def test_unsat_core_names_a_minimal_conflicting_set():
    enc = smt.Encoding(POLICY.ir, 2024)
    rooms = enc.value["rooms"]
    tracked = {"big": rooms >= 200, "small": rooms <= 100, "any": rooms >= 0}
    assert smt.unsat_core(enc.domain(), tracked) == smt.Unsat(("big", "small"))
    assert isinstance(smt.unsat_core(enc.domain(), {"any": rooms >= 0}), smt.Sat)


def test_search_keeps_a_preference_only_when_it_allows_an_answer():
    enc = smt.Encoding(POLICY.ir, 2024)
    rooms = enc.value["rooms"]
    kept = smt.search([rooms >= 100], [[rooms == 150]])
    assert enc.witness_to_record(kept.witness)["rooms"] == "150"
    dropped = smt.search([rooms >= 100], [[rooms == 50]])
    assert isinstance(dropped, smt.Sat)
    assert smt.search([rooms >= 100, rooms < 50], [[rooms == 150]]) == smt.Unsat()


def test_search_never_shows_a_witness_that_does_not_replay():
    enc = smt.Encoding(POLICY.ir, 2024)
    rooms = enc.value["rooms"]
    shown = smt.search([rooms >= 100], to_records=enc.witness_to_record, replay=lambda r: r)
    assert isinstance(shown, smt.Sat) and "rooms" in shown.witness
    refused = smt.search([rooms >= 100], to_records=enc.witness_to_record, replay=lambda r: None)
    assert refused == smt.Unknown("the solver's example did not replay under the evaluator")
