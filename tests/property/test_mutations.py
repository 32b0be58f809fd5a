"""The agreement check can fail: each fault injected into the code generator is found.

Each test breaks the compiled engine in one way (monkeypatching the code generator or
the target totals), then runs the same `disagreements` function the agreement tests
use on boundary records, and searches random cases with it, and expects a
disagreement (a random search that cannot draw the fault's boundary in its budget,
floor and ceil swapped, is checked on the boundary records only). A check that passed with these faults would
prove nothing (without a fault the same check finds none: `test_compiled_agrees.py`).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, find, settings

from policydsl.core import ir
from policydsl.eval import codegen, compiled, population
from tests.property.agreement import disagreements
from tests.strategies import Case, GenPolicy, policy_and_records

SEARCH = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                  phases=[Phase.generate],  # the first disagreement found is enough
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# One record on each boundary a fault moves: `x` exactly 10 (`>=`, `below 10`), 14.5 (floor and
# ceil fall either side of 15), a text that is neither literal, a group of two whose
# share is exactly 50%, and a schedule that steps up in the year judged.
WITNESS = Case(GenPolicy("""
policy w period 2023 to 2025
fact x: decimal m2
fact t: text
set zones = {"north", "south"}
fact zone: text in zones
rule at_least clause C1 must x >= 10 m2
rule stepped clause C2 must x >= [2023: 10 m2, 2024: 20 m2]
rule rounded clause C3 must floor(x) >= 15 m2
rule literal clause C4 must t = "p" or "p" = "q"
target half clause C5 for each zone must share(x >= 12 m2) >= 50%
rule banded clause C6 must lookup x { below 10 m2: false, else: true }
""", (2023, 2025)), [{"id": "on", "x": "10", "t": "yes", "zone": "north"},
                     {"id": "between", "x": "14.5", "t": "yes", "zone": "north"}], 2024)


def _found() -> list[str]:
    case = find(policy_and_records(), lambda c: bool(disagreements(c)), settings=SEARCH)
    return disagreements(case)


def _swap_pass_and_fail(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(compiled, "PASS", compiled.FAIL)
    mp.setattr(compiled, "FAIL", compiled.PASS)


def _at_least_made_strict(mp: pytest.MonkeyPatch) -> None:
    mp.setitem(codegen.COMPARISONS, ">=", ">")


def _schedule_shifted_one_year(mp: pytest.MonkeyPatch) -> None:
    entry = codegen.schedule_entry
    mp.setattr(codegen, "schedule_entry", lambda e, year: entry(e, year - 1))


def _floor_and_ceil_swapped(mp: pytest.MonkeyPatch) -> None:
    parts, values = dict(codegen.ROUNDING_PARTS), dict(codegen.ROUNDING)
    mp.setitem(codegen.ROUNDING_PARTS, "floor", parts["ceil"])
    mp.setitem(codegen.ROUNDING_PARTS, "ceil", parts["floor"])
    mp.setitem(codegen.ROUNDING, "floor", values["ceil"])
    mp.setitem(codegen.ROUNDING, "ceil", values["floor"])


def _text_literals_merged(mp: pytest.MonkeyPatch) -> None:
    # Every text literal compiled as one value, as when literals absent from the data
    # shared one text code: `"p" = "q"` becomes true.
    original = codegen.ExprGen._Const

    def merged(self, e):
        if isinstance(e.value, str) and not isinstance(e.type, ir.Enum):
            return self.src.const("")
        return original(self, e)

    mp.setattr(codegen.ExprGen, "_Const", merged)


def _lookup_bounds_made_inclusive(mp: pytest.MonkeyPatch) -> None:
    # The compiled engine's brackets only (the reference reads `ir.bracket_conditions`
    # itself): `below 10 m2` takes 10 too.
    conditions = codegen.bracket_conditions

    def inclusive(kind, key, low, high, compare):
        return conditions(kind, key, low, high, lambda op, a, b: compare({"<": "<=", ">": ">="}.get(op, op), a, b))

    mp.setattr(codegen, "bracket_conditions", inclusive)


def _group_count_off_by_one(mp: pytest.MonkeyPatch) -> None:
    original = population.TargetTotals.group

    def group(self, value):
        fresh = value not in self.totals
        totals = original(self, value)
        if fresh:
            self.sizes[value] += 1
        return totals

    mp.setattr(population.TargetTotals, "group", group)


@pytest.mark.parametrize("mutate", [_swap_pass_and_fail, _at_least_made_strict, _schedule_shifted_one_year,
                                    _floor_and_ceil_swapped, _text_literals_merged, _group_count_off_by_one,
                                    _lookup_bounds_made_inclusive],
                         ids=lambda f: f.__name__.strip("_"))
def test_the_agreement_check_reports_an_injected_fault_on_boundary_records(mutate, monkeypatch) -> None:
    assert disagreements(WITNESS) == []  # without the fault
    mutate(monkeypatch)
    assert disagreements(WITNESS) != []


@pytest.mark.parametrize("mutate", [_swap_pass_and_fail, _at_least_made_strict, _schedule_shifted_one_year,
                                    _text_literals_merged, _group_count_off_by_one],
                         ids=lambda f: f.__name__.strip("_"))
def test_a_random_search_finds_an_injected_fault(mutate, monkeypatch: pytest.MonkeyPatch) -> None:
    mutate(monkeypatch)
    assert _found() != []

