"""The evaluator protocol, and the reference engine behind it.

Prepare once per policy, then evaluate records one by one or as a batch. Every
engine yields the same result objects; the reference engine defines them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from ..core import ir
from .outcomes import judge_record, judge_target
from .results import RecordResult, TargetResult
from .validate import Record


class Engine(Protocol):
    """What every evaluator provides. `targets` sees every record of the population."""

    def record(self, record: Record, year: int) -> RecordResult: ...

    def records(self, records: Iterable[Record], year: int) -> Iterator[RecordResult]: ...

    def targets(self, records: Sequence[Record], year: int) -> list[TargetResult]: ...


class ReferenceEngine:
    """The interpreter, one record and one rule at a time."""

    name = "reference"

    def __init__(self, policy: ir.Policy):
        self.policy = policy

    def record(self, record: Record, year: int) -> RecordResult:
        outcomes = tuple(judge_record(rule, record.values, record.exemptions, year)
                         for rule in self.policy.rules)
        return RecordResult(record.id, outcomes, record.errors)

    def records(self, records: Iterable[Record], year: int) -> Iterator[RecordResult]:
        for record in records:
            yield self.record(record, year)

    def targets(self, records: Sequence[Record], year: int) -> list[TargetResult]:
        envs = [r.values for r in records]
        out: list[TargetResult] = []
        for rule in self.policy.targets:
            out.extend(judge_target(self.policy, rule, envs, year))
        return out


ENGINES: dict[str, type] = {"reference": ReferenceEngine}
# Every engine by name, and the module that registers it in ENGINES when imported.
ENGINE_MODULES = {"reference": None, "compiled": "compiled", "duckdb": "duckdb_engine"}


def check_engine_name(name: str) -> None:
    """ValueError naming every engine, when `name` is none of them."""
    if name not in ENGINE_MODULES:
        raise ValueError(f"unknown engine `{name}`; engines: {', '.join(ENGINE_MODULES)}")


def make_engine(policy: ir.Policy, name: str = "reference") -> Engine:
    """The engine called `name`; fast engines register themselves in ENGINES when imported."""
    check_engine_name(name)
    if policy.entities:
        # Each engine judges one kind of record; `eval.entities` judges several, per entity.
        raise ValueError("a policy with several entities is judged with the records of every entity "
                         "together: `Policy.evaluate({ENTITY: DATA, ...}, year)`")
    if name not in ENGINES:
        import importlib

        importlib.import_module(f"{__package__}.{ENGINE_MODULES[name]}")
    return ENGINES[name](policy)
