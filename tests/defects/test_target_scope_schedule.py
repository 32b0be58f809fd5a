"""A target whose `where` holds a schedule not yet in force is not applicable, as in the
reference, in every engine and in the CLI (it used to stop the compiled engine half-way
through the JSON document with `internal error: NotInForce`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import policydsl
from policydsl.data.read import read_records

HERE = Path(__file__).parent / "target_scope_schedule"
POLICY = HERE / "sched_scope.pol"
DATA = HERE / "d.csv"
WHY = "not in force in 2023 (its schedule starts in 2024)"


@pytest.mark.parametrize("engine", ["compiled", "reference"])
def test_target_scoped_by_a_schedule_not_in_force_is_not_applicable(engine: str) -> None:
    policy = policydsl.load(POLICY)
    records = policy.prepare(read_records(DATA))
    (target,) = policy.engine(engine).targets(records, 2023)
    assert (target.outcome, target.explanation, target.value) == ("not_applicable", WHY, None)


def test_the_same_target_is_judged_once_its_schedule_is_in_force() -> None:
    policy = policydsl.load(POLICY)
    records = policy.prepare(read_records(DATA))
    (target,) = policy.engine("compiled").targets(records, 2024)
    assert target == policy.engine("reference").targets(records, 2024)[0]
    assert (target.outcome, target.value) == ("pass", 1)


def test_grouped_target_lists_every_group_as_not_applicable() -> None:
    text = POLICY.read_text("utf-8").replace("target t\n", "target t\n  for each b\n")
    policy = policydsl.loads(text)
    records = policy.prepare(read_records(DATA))
    got = policy.engine("compiled").targets(records, 2023)
    assert got == policy.engine("reference").targets(records, 2023)
    assert [(t.group, t.outcome) for t in got] == [("false", "not_applicable"), ("true", "not_applicable")]


@pytest.mark.parametrize("engine", [[], ["--engine", "compiled"]], ids=["default", "compiled"])
def test_cli_prints_a_whole_json_document_with_the_target_not_applicable(engine: list[str]) -> None:
    run = subprocess.run([sys.executable, "-m", "policydsl", "eval", str(POLICY), "--facts", str(DATA),
                          "--year", "2023", "--format", "json", *engine],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "internal error" not in run.stderr
    (target,) = json.loads(run.stdout)["targets"]
    assert (target["outcome"], target["explanation"]) == ("not_applicable", WHY)
