"""Random expressions over every construct the code generator handles, including those
the shared policy strategy does not draw (division by a fact or a constant, unary minus,
`abs`, three-way `min`/`max`, `above`/`from` brackets, lookups without `else`, facts in a
scaled unit, optional facts): every compiled path agrees with the reference on records placed on and
around the expressions' constants."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import policydsl
from tests.property.agreement import disagreements
from tests.strategies import Case, GenPolicy

HEADER = """policy expressions period 2023 to 2025
fact a: decimal m2
fact b: decimal m2
fact area: decimal ha
fact h: integer household >= 0
fact flag: bool
fact c: decimal m2 optional
fact opt: bool optional
"""
AREAS = ["0 m2", "1 m2", "5 m2", "199.99 m2", "200 m2", "420 m2", "0.01 m2"]
RATIOS = ["3/4", "1/2", "2", "0", "85%"]


@st.composite
def area(draw, depth: int) -> str:
    leaves = ["a", "b", "c", "area", "const", "rate"]
    kind = draw(st.sampled_from(leaves + (["add", "scale", "div", "minmax", "round", "abs", "neg", "if",
                                           "lookup", "sched"] if depth else [])))
    d = depth - 1
    if kind in ("a", "b", "c", "area"):
        return kind
    if kind == "const":
        return draw(st.sampled_from(AREAS))
    if kind == "rate":
        return f"({draw(st.sampled_from(['35', '20', '1']))} m2 per {draw(st.sampled_from(['100', '400']))} households * h)"
    if kind == "add":
        return f"({draw(area(d))} {draw(st.sampled_from(['+', '-']))} {draw(area(d))})"
    if kind == "scale":
        return f"({draw(ratio(d))} * {draw(area(d))})"
    if kind == "div":
        return f"({draw(area(d))} / {draw(ratio(d))})"
    if kind == "minmax":
        args = draw(st.lists(area(d), min_size=2, max_size=3))
        return f"{draw(st.sampled_from(['min', 'max']))}({', '.join(args)})"
    if kind == "round":
        return f"{draw(st.sampled_from(['floor', 'ceil']))}({draw(area(d))})"
    if kind == "abs":
        return f"abs({draw(area(d))})"
    if kind == "neg":
        return f"(-{draw(area(d))})"
    if kind == "if":
        return f"(if {draw(cond(d))} then {draw(area(d))} else {draw(area(d))})"
    if kind == "lookup":
        brackets = draw(st.lists(st.sampled_from([
            "below 10 households", "10 to 999 households", "from 1000 households", "above 2000 households",
            "400 to 400 households"]), min_size=1, max_size=4))
        parts = [f"{b}: {draw(area(d))}" for b in brackets]
        if draw(st.booleans()):
            parts.append(f"else: {draw(area(d))}")
        return "lookup h { " + ", ".join(parts) + " }"
    years = sorted(draw(st.lists(st.sampled_from([2023, 2024, 2025]), min_size=1, max_size=3, unique=True)))
    return "[" + ", ".join(f"{y}: {draw(area(d))}" for y in years) + "]"


@st.composite
def ratio(draw, depth: int) -> str:
    kind = draw(st.sampled_from(["const", "const", "quotient", "per"] + (["round", "if", "minmax"] if depth else [])))
    d = depth - 1
    if kind == "const":
        return draw(st.sampled_from(RATIOS))
    if kind == "quotient":
        return f"({draw(area(max(d, 0)))} / {draw(area(max(d, 0)))})"
    if kind == "per":
        return "(h / 400 households)"
    if kind == "round":
        return f"{draw(st.sampled_from(['floor', 'ceil']))}({draw(ratio(d))})"
    if kind == "minmax":
        return f"{draw(st.sampled_from(['min', 'max']))}({draw(ratio(d))}, {draw(ratio(d))})"
    return f"(if {draw(cond(d))} then {draw(ratio(d))} else {draw(ratio(d))})"


@st.composite
def cond(draw, depth: int) -> str:
    kind = draw(st.sampled_from(["flag", "opt", "cmp", "cmp", "between", "ratio"]
                                + (["and", "or", "not", "if"] if depth > 0 else [])))
    d = max(depth - 1, 0)
    if kind in ("flag", "opt"):
        return kind
    if kind == "cmp":
        op = draw(st.sampled_from([">=", ">", "<=", "<", "=", "!="]))
        return f"{draw(area(d))} {op} {draw(area(d))}"
    if kind == "ratio":
        return f"{draw(ratio(d))} >= {draw(ratio(d))}"
    if kind == "between":
        return f"{draw(area(d))} between {draw(st.sampled_from(AREAS))} and {draw(st.sampled_from(AREAS))}"
    if kind == "not":
        return f"not ({draw(cond(d))})"
    if kind == "if":
        return f"(if {draw(cond(d))} then {draw(cond(d))} else {draw(cond(d))})"
    return f"({draw(cond(d))}) {kind} ({draw(cond(d))})"


@st.composite
def cases(draw) -> Case:
    rules = []
    for i in range(draw(st.integers(1, 3))):
        scope = f"  where {draw(cond(1))}\n" if draw(st.booleans()) else ""
        rules.append(f"rule r{i}\n  clause R{i}\n{scope}  must {draw(cond(2))}\n")
    text = HEADER + "\n" + "\n".join(rules)
    values = {
        "a": ["0", "1", "5", "199.99", "200", "200.01", "420", "-0.01", "0.75"],
        "b": ["0", "1", "5", "200", "560", "-1", "0.01"],
        "area": ["0", "1.5", "1.49999", "1.50001", "0.0001", "2"],
        "h": ["0", "5", "10", "400", "401", "999", "1000", "1200", "2000", "2001"],
        "flag": ["true", "false"],
        "c": ["0", "5", "200", "-0.01"],
        "opt": ["true", "false"],
    }
    records = []
    for n in range(draw(st.integers(1, 6))):
        rec: dict[str, object] = {"id": f"r{n}"}
        for name, choices in values.items():
            if draw(st.integers(0, 9)):  # one field in ten is missing
                rec[name] = draw(st.sampled_from(choices))
        records.append(rec)
    return Case(GenPolicy(text, (2023, 2025)), records, draw(st.sampled_from([2023, 2024, 2025])))


def _checks(text: str) -> bool:
    try:
        policydsl.loads(text)
    except policydsl.PolicyError:
        return False
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large,
                                                                  HealthCheck.filter_too_much])
@given(cases())
def test_every_compiled_path_agrees_with_the_reference_on_random_expressions(case: Case) -> None:
    assume(_checks(case.policy.text))
    assert disagreements(case) == []
