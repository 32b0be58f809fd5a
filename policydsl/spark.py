"""A policy evaluated on a PySpark DataFrame, exactly, through the generated Spark SQL.

    from policydsl.spark import evaluate
    result = evaluate(policy, dataframe, 2024)
    result.records   # a Spark DataFrame: id, problem, one outcome code per rule
    result.targets   # the exact TargetResults, with the reference's explanations

The DataFrame's columns are the policy's facts with the types `docs/scale-out.md`
lists (DECIMAL for decimal facts, integer types for integer facts, BOOLEAN, STRING
for text and enum members, DATE for date facts), an `id` column and, when a rule holds `in principle`,
an `exemptions` column of comma-separated clause ids (or rule names). Spark computes
the outcome codes and the totals of each target; the verdicts of the targets are decided
here, in Python, with Fractions. `pyspark` is the optional extra `policydsl[spark]`.

A policy with several entities takes one DataFrame per entity, keyed by its name (or
plural), each with its own facts; a part names its parent in its key fact:

    result = evaluate(policy, {"district": districts, "plant": plants}, 2025)
    result.entities["plant"].records
"""

from __future__ import annotations

import uuid

import attrs

from .eval import warehouse
from .eval.results import TargetResult
from .eval.sqlgen import CODE, Unsupported

__all__ = ["CODE", "SparkEntitiesEvaluation", "SparkEvaluation", "Unsupported", "evaluate", "outcome_names"]


@attrs.frozen
class SparkEvaluation:
    records: object  # pyspark.sql.DataFrame
    targets: tuple[TargetResult, ...]
    statements: warehouse.Statements


@attrs.frozen
class SparkEntitiesEvaluation:
    """Each entity's `SparkEvaluation`, parents before their parts."""

    entities: dict[str, SparkEvaluation]

    @property
    def targets(self) -> tuple[TargetResult, ...]:
        return tuple(t for ev in self.entities.values() for t in ev.targets)


_EXACT_TYPES = {"integer": ("DecimalType", "ByteType", "ShortType", "IntegerType", "LongType"),
                "decimal": ("DecimalType", "ByteType", "ShortType", "IntegerType", "LongType"),
                "bool": ("BooleanType",), "text": ("StringType",), "enum": ("StringType",),
                "date": ("DateType",)}  # a TIMESTAMP carries a time and a zone: not a day


def _check_schema(checked, frame, entity: str = "") -> None:
    """Refuse columns whose type cannot carry the fact exactly (a DOUBLE is never exact)."""
    types = {f.name: type(f.dataType).__name__ for f in frame.schema.fields}
    problems = []
    for fact in checked.facts:
        got = types.get(fact.name)
        if got is None:
            problems.append(f"no column `{fact.name}`")
        elif got not in _EXACT_TYPES[fact.kind]:
            problems.append(f"column `{fact.name}` is {got}; a {fact.kind} fact needs "
                            f"{' or '.join(_EXACT_TYPES[fact.kind])}")
    if warehouse.ID not in types:
        problems.append("no column `id`")
    if any(r.modality == "in_principle" for r in checked.rules) and "exemptions" not in types:
        problems.append("no column `exemptions` (comma-separated clause ids, NULL for none)")
    if problems:
        which = f"the DataFrame of `{entity}`" if entity else "the DataFrame"
        raise ValueError(f"{which} does not fit the policy: " + "; ".join(problems))


def evaluate(policy, frame, year: int) -> SparkEvaluation | SparkEntitiesEvaluation:
    """Judge every record of `frame` in `year` with Spark; decide the targets exactly.
    For a policy with several entities, `frame` maps each entity to its DataFrame."""
    checked = getattr(policy, "ir", policy)
    if hasattr(policy, "check_year"):
        policy.check_year(year)
    if checked.entities:
        return _evaluate_entities(checked, frame, year)
    _check_schema(checked, frame)
    view = _view(frame)
    # the records DataFrame is lazy and reads the view: the view lives as long as the session
    st = warehouse.statements(checked, year, "spark", view)
    return _run(frame.sparkSession, checked, st, year)


def _view(frame) -> str:
    view = f"policydsl_{uuid.uuid4().hex}"
    frame.createOrReplaceTempView(view)
    return view


def _run(spark, checked, st: warehouse.Statements, year: int, entity: str | None = None) -> SparkEvaluation:
    records = spark.sql(st.records)
    totals = []
    for t in st.targets:
        rows = [tuple(r) for r in spark.sql(t.sql).collect()] if t.sql else []
        totals.append((t, rows))
    ids = [r[0] for r in spark.sql(st.parent_ids).collect()] if st.parent_ids else []
    targets = warehouse.target_results(checked, year, totals, entity=entity, parent_ids=ids)
    return SparkEvaluation(records, tuple(targets), st)


def _evaluate_entities(checked, frames, year: int) -> SparkEntitiesEvaluation:
    from .eval.entities import data_by_entity

    frames = data_by_entity(checked, frames)
    for name, frame in frames.items():
        _check_schema(checked.for_entity(name), frame, name)
    views = {name: _view(frame) for name, frame in frames.items()}
    st = warehouse.statements(checked, year, "spark", views)
    spark = next(iter(frames.values())).sparkSession
    return SparkEntitiesEvaluation({name: _run(spark, checked, s, year, name) for name, s in st.entities.items()})


def outcome_names(frame, rules):
    """`frame` (the records of `evaluate`) with each rule's code replaced by its outcome name."""
    from pyspark.sql import functions as F

    names = {v: k for k, v in CODE.items()}
    mapping = F.create_map(*[x for code, name in names.items() for x in (F.lit(code), F.lit(name))])
    return frame.select(*[F.col(c) for c in frame.columns if c not in rules],
                        *[mapping[F.col(f"`{r}`")].alias(r) for r in rules])
