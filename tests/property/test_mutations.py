"""The agreement check can fail: each fault injected into the code generator is found.

Each test breaks the compiled engine in one way (monkeypatching the code generator),
then searches random cases with the same `disagreements` function the agreement
tests use, and expects a disagreement. A check that passed with these faults would
prove nothing (without a fault the same check finds none: `test_compiled_agrees.py`).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, find, settings

from policydsl.eval import codegen, compiled
from tests.property.agreement import disagreements
from tests.strategies import policy_and_records

SEARCH = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                  phases=[Phase.generate],  # the first disagreement found is enough
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


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


@pytest.mark.parametrize("mutate", [_swap_pass_and_fail, _at_least_made_strict, _schedule_shifted_one_year,
                                    _floor_and_ceil_swapped], ids=lambda f: f.__name__.strip("_"))
def test_the_agreement_check_reports_an_injected_fault(mutate, monkeypatch: pytest.MonkeyPatch) -> None:
    mutate(monkeypatch)
    assert _found() != []

