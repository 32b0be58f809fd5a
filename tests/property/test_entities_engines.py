"""The DuckDB and compiled engines judge several entities as the reference does, each on
its own output (DuckDB's SQL codes, the compiled code's verdicts and target totals): every
outcome and explanation of every record of every entity, the errors on each record, the
targets and the summary, for generated policies of areas and their sites
(`strategies.several_entities`). And the check bites: each fault injected into an engine's
aggregate over parts (a count off by one, the sum of no parts left unknown, `all` and
`any` swapped, unknown parts read as none) is found.
"""

from __future__ import annotations

import attrs
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from sqlglot import exp

import policydsl
from policydsl.eval import codegen, entities_sql, part_sql
from policydsl.eval.sqlgen import SqlNumber
from tests.strategies import EntitiesCase, several_entities


def differences(case: EntitiesCase, engine: str = "duckdb") -> list[str]:
    policy = policydsl.loads(case.policy.text)
    data = {"area": case.areas, "site": case.sites}
    want = policy.evaluate(data, case.year, engine="reference")
    got = policy.evaluate(data, case.year, engine=engine)
    assert got.engine == engine
    out = []
    for name, ev in want.entities.items():
        for w, g in zip(ev.records, got.entities[name].records, strict=True):
            if w.to_json() != g.to_json():
                out.append(f"{name} {w.id}: {g.to_json()} != {w.to_json()}")
        if len(ev.records) != len(got.entities[name].records):
            out.append(f"{name}: a record was dropped")
    if got.to_json() != want.to_json():
        out.append("the documents differ")
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(several_entities())
def test_duckdb_gives_the_reference_s_outcomes_explanations_and_errors_for_several_entities(case):
    assert differences(case) == []


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(several_entities())
def test_compiled_gives_the_reference_s_verdicts_and_targets_for_several_entities(case):
    assert differences(case, "compiled") == []


# ---- the check bites ---------------------------------------------------------------------------

SEARCH = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                  phases=[Phase.generate], suppress_health_check=[HealthCheck.too_slow])


def _wrap_part_agg(mp: pytest.MonkeyPatch, wrap) -> None:
    original = entities_sql._Entity._part_agg
    mp.setattr(entities_sql._Entity, "_part_agg", lambda self, e: wrap(original, self, e))


def _count_off_by_one(mp):
    def wrap(original, self, e):
        v = original(self, e)
        if e.kind == "count":
            return SqlNumber(exp.Add(this=exp.Paren(this=v.sql), expression=exp.Literal.number(1)), v.den,
                       v.bound + 1, v.places)
        return v
    _wrap_part_agg(mp, wrap)


def _sum_of_no_parts_unknown(mp):
    mp.setitem(part_sql.OF_NO_PARTS, "sum", None)


def _all_and_any_swapped(mp):
    swap = {"all": "any", "any": "all"}
    _wrap_part_agg(mp, lambda original, self, e: original(self, attrs.evolve(e, kind=swap.get(e.kind, e.kind))))


@pytest.mark.parametrize("mutate", [_count_off_by_one, _sum_of_no_parts_unknown, _all_and_any_swapped],
                         ids=lambda f: f.__name__.strip("_"))
def test_the_comparison_finds_a_fault_injected_into_the_sql(mutate, monkeypatch: pytest.MonkeyPatch):
    mutate(monkeypatch)
    case = find(several_entities(), lambda c: bool(differences(c)), settings=SEARCH)
    assert differences(case) != []


def _compiled_count_off_by_one(mp):
    original = codegen.part_aggregate

    def wrong(kind, parts, arg, env):
        v = original(kind, parts, arg, env)
        return v + 1 if kind == "count" and v is not codegen.U else v
    mp.setattr(codegen, "part_aggregate", wrong)


def _compiled_all_and_any_swapped(mp):
    original = codegen.part_aggregate
    swap = {"all": "any", "any": "all"}
    mp.setattr(codegen, "part_aggregate", lambda kind, *a: original(swap.get(kind, kind), *a))


def _compiled_unknown_parts_read_as_none(mp):
    original = codegen.part_aggregate
    mp.setattr(codegen, "part_aggregate",
               lambda kind, parts, *a: original(kind, parts if isinstance(parts, tuple) else (), *a))


@pytest.mark.parametrize("mutate", [_compiled_count_off_by_one, _compiled_all_and_any_swapped,
                                    _compiled_unknown_parts_read_as_none], ids=lambda f: f.__name__.strip("_"))
def test_the_comparison_finds_a_fault_injected_into_the_compiled_code(mutate, monkeypatch: pytest.MonkeyPatch):
    mutate(monkeypatch)
    case = find(several_entities(), lambda c: bool(differences(c, "compiled")), settings=SEARCH)
    assert differences(case, "compiled") != []
