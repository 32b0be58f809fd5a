"""The code generator on constructs the random policies do not draw, floor and ceil in
canonical units, and one public generator for every user."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import policydsl
from tests.property.agreement import disagreements
from tests.strategies import Case, GenPolicy

ROOT = Path(__file__).resolve().parents[2]

CONSTRUCTS = """policy constructs period 2023 to 2025
fact h: integer household >= 0
fact area: decimal ha
fact a: decimal m2
fact b: decimal m2
fact k: integer
fact flag: bool

rule workers "one worker per 400 households, rounded up"
  clause R1
  must k >= ceil(h / 400 households)

rule rounded_area "floor in canonical units (m2), whatever unit the fact is in"
  clause R2
  must floor(area) >= 15000 m2

rule brackets
  clause R3
  must a >= lookup h { above 2000 households: 300 m2, from 1000 households: 200 m2, below 10 households: 0 m2 }

rule signs
  clause R4
  must abs(a - b) <= max(-b, 5 m2, min(a, b, 1 m2))

rule ratio
  clause R5
  must a / b >= 3/4

rule chosen
  clause R6
  must (if flag then a / b else floor(a / 3 m2)) between 1/2 and [2023: 2, 2025: 4]

rule rates
  clause R7
  where h > 0 households
  must a >= 35 m2 per 100 households * h
"""

RECORDS = [
    {"id": "exact", "h": "1200", "area": "1.5", "a": "420", "b": "560", "k": "3", "flag": "true"},
    {"id": "cents", "h": "2001", "area": "1.49999", "a": "300.00", "b": "-0.01", "k": "6", "flag": "false"},
    {"id": "zero", "h": "0", "area": "0", "a": "0", "b": "0", "k": "0", "flag": "true"},
    {"id": "small", "h": "5", "area": "1.50001", "a": "1.75", "b": "1", "k": "1", "flag": "false"},
    {"id": "no-bracket", "h": "500", "area": "2", "a": "5", "b": "7", "k": "2", "flag": "true"},
    {"id": "gappy", "h": "401", "a": "12", "k": "2"},
    {"id": "bad", "h": "-1", "area": "x", "a": "1", "b": "2", "k": "1", "flag": "maybe"},
]


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_constructs_outside_the_random_policies_agree_on_every_path(year: int) -> None:
    case = Case(GenPolicy(CONSTRUCTS, (2023, 2025)), [dict(r) for r in RECORDS], year)
    assert disagreements(case) == []


def test_outcomes_of_the_constructs_are_the_expected_ones() -> None:
    compiled = policydsl.loads(CONSTRUCTS).compile(2024)
    assert compiled.verdicts(RECORDS[0]) == ("pass", "pass", "pass", "fail", "pass", "pass", "pass")
    # 1.50001 ha is 15000.1 m2: floor 15000 m2 (rounding in ha would give 1 ha).
    assert compiled.verdicts(RECORDS[3])[1] == "pass"
    # 1.49999 ha is 14999.9 m2: floor 14999 m2 < 15000 m2. A negative denominator flips nothing.
    assert compiled.verdicts(RECORDS[1])[1] == "fail"
    assert compiled.verdicts(RECORDS[1])[4] == "fail"
    # Division by zero and a lookup without a matching bracket are unknown.
    assert compiled.verdicts(RECORDS[2])[4] == "unknown"
    assert compiled.verdicts(RECORDS[4])[2] == "unknown"


@pytest.mark.parametrize(("area", "expected"), [("1.5", "pass"), ("1.4999", "fail"), ("1.50001", "pass")])
def test_floor_rounds_the_value_in_canonical_units_not_the_display_unit(area: str, expected: str) -> None:
    policy = policydsl.loads(CONSTRUCTS)
    record = dict(RECORDS[0], area=area)
    assert policy.verdicts(record, 2024)[1] == expected
    assert policy.evaluate_record(record, 2024, engine="reference").outcomes[1].outcome == expected


def _private_imports(path: Path) -> list[str]:
    """Names starting with `_` imported from another module, or read as `module._name`."""
    tree = ast.parse(path.read_text("utf-8"))
    modules = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append(f"{node.module}.{alias.name}")
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules.update(a.asname or a.name for a in node.names)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name) and node.value.id in modules):
            found.append(f"{node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize("module", ["eval/codegen.py", "eval/compiled.py", "eval/validate.py"])
def test_code_generation_users_read_no_private_names_of_other_modules(module: str) -> None:
    assert _private_imports(ROOT / "policydsl" / module) == []


def test_constraint_checks_and_verdicts_use_the_one_public_generator() -> None:
    for module in ("eval/compiled.py", "eval/validate.py"):
        text = (ROOT / "policydsl" / module).read_text("utf-8")
        assert "codegen import" in text
        assert "exec(" not in text
