"""The compiled engine agrees with the reference on random policies and records, on
every path (fast body, general body, prepared policy with lazy explanations, targets),
and the random policies exercise every construct the code generator handles."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

import policydsl
from policydsl.core import ir
from tests.property.agreement import disagreements
from tests.strategies import Case, policies, policy_and_records

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(policy_and_records())
def test_every_compiled_path_gives_the_reference_outcomes_and_explanations(case: Case) -> None:
    assert disagreements(case) == []


def _constructs(policy: ir.Policy) -> set[str]:
    seen: set[str] = set()
    for rule in policy.all_rules:
        for part in (rule.scope, rule.condition):
            for x in ir.walk(part) if part is not None else ():
                seen.add(type(x).__name__)
                if isinstance(x, ir.Func):
                    seen.add(x.name)
                elif isinstance(x, ir.Table):
                    seen.update(f"bracket:{b.kind}" for b in x.brackets)
                elif isinstance(x, ir.Cmp):
                    seen.add(f"cmp:{x.op}")
                elif isinstance(x, ir.Arith):
                    seen.add(f"arith:{x.op}")
    return seen


EVERY_CONSTRUCT = {
    "Const", "Fact", "Arith", "Func", "Cmp", "Between", "Member", "And", "Or", "Not", "Cond",
    "Sched", "Table", "Agg", "min", "max", "floor", "ceil", "bracket:below", "bracket:range",
    "bracket:else", "cmp:>=", "cmp:>", "cmp:<=", "cmp:<", "cmp:=", "cmp:!=", "arith:+", "arith:-",
    "arith:*",
}


def test_random_policies_cover_every_construct_of_the_code_generator() -> None:
    seen: set[str] = set()

    @settings(max_examples=300, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(policies())
    def collect(gen) -> None:
        seen.update(_constructs(policydsl.loads(gen.text).ir))

    collect()
    assert EVERY_CONSTRUCT - seen == set()
