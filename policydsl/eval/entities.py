"""Evaluation of a policy with several kinds of record, each from its own data.

Each entity's records are read and validated against its own facts, then every part is
linked to its parent record by its key fact (the id of the parent), and each entity's
rules and targets are judged on its own records by the reference interpreter. A parent
record's environment holds its parts under `values.Parts(entity)`, so aggregates over
them are exact. A part whose parent is not found, or whose parent's id appears twice, is
an error on that part naming the key fact; it is still judged, and nothing is dropped.
The aggregates of a parent whose id appears twice are unknown, with that reason.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import attrs

from ..core import ir
from ..data.read import FieldError
from .results import (
    Evaluation,
    PolicyInfo,
    RecordResult,
    TargetResult,
    deferred_outcome,
    summarize,
)
from .values import Parts, Unknown


class EntityDataError(ValueError):
    """The data given does not match the policy's entities (a missing or unknown entity)."""


@attrs.frozen
class EntityEvaluation:
    """Every record of every entity, judged. `entities` holds one `Evaluation` per entity,
    parents before their parts; `records` and `targets` are theirs in that order."""

    policy: PolicyInfo
    year: int
    entities: dict[str, Evaluation]
    engine: str = "reference"
    # Each entity's records as validated (facts by name), in order: for report labels.
    fields: dict[str, tuple] = attrs.field(factory=dict, eq=False, repr=False)
    # With the DuckDB engine, what the reference judged instead, per entity
    # (`entities_sql.Fallback`): records SQL could not hold, rules it could not express.
    fallback: dict[str, object] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def records(self) -> tuple[RecordResult, ...]:
        return tuple(r for ev in self.entities.values() for r in ev.records)

    @property
    def targets(self) -> tuple[TargetResult, ...]:
        return tuple(t for ev in self.entities.values() for t in ev.targets)

    @property
    def summary(self) -> dict:
        """The counts over every entity, and `entities`: the counts of each."""
        out = summarize(self.records, self.targets)
        out["entities"] = {name: ev.summary for name, ev in self.entities.items()}
        return out

    @property
    def has_findings(self) -> bool:
        s = self.summary
        return bool(s["violations"] or s["unknown"] or s["records_with_errors"])

    def to_json(self) -> dict:
        """As `Evaluation.to_json`, each record and target naming its `entity`."""
        records, targets = [], []
        for name, ev in self.entities.items():
            records += [{"entity": name, **r.to_json()} for r in ev.records]
            targets += [{"entity": name, **t.to_json()} for t in ev.targets]
        return {"policy": self.policy.to_json(), "year": self.year, "records": records,
                "targets": targets, "summary": self.summary}


def data_by_entity(policy: ir.Policy, data: object) -> dict[str, object]:
    """`data` as one source per entity, keyed by entity name (a plural is accepted too);
    EntityDataError naming what is missing or unknown."""
    names = ", ".join(f"`{e.name}`" for e in policy.entities)
    if not isinstance(data, Mapping) or isinstance(data, str | os.PathLike):
        raise EntityDataError(f"policy `{policy.meta.name}` judges several kinds of record ({names}): "
                              "give the data of each, e.g. {" + ", ".join(
                                  f'"{e.name}": ...' for e in policy.entities) + "}")
    words = {w: e.name for e in policy.entities for w in (e.name, e.plural)}
    out: dict[str, object] = {}
    for key, source in data.items():
        name = words.get(key) if isinstance(key, str) else None
        if name is None:
            raise EntityDataError(f"`{key}` is not an entity of policy `{policy.meta.name}`; its "
                                  f"entities: {names}")
        if name in out:
            raise EntityDataError(f"the data of `{name}` is given twice")
        out[name] = source
    missing = [e.name for e in policy.entities if e.name not in out]
    if missing:
        raise EntityDataError("no data for " + ", ".join(f"`{m}`" for m in missing)
                              + " (give every entity, an empty list for none)")
    return out


def evaluate_entities(policy, data: object, year: int, *, format: str | None = None,
                      encoding: str | None = None, engine: str = "reference",
                      shown_year: int | None = None) -> EntityEvaluation:
    """Judge every entity of `policy` (a `Policy`) in `year` (the year judged), `data`
    mapping each entity to a path, a DataFrame or Arrow object, or an iterable of mappings.
    `engine` is the engine asked for: `duckdb` judges the per-record rules in SQL
    (`entities_sql`), `compiled` with generated Python (and its targets too), `reference`
    with the interpreter. Explanations are the reference's, worked out when read.
    `shown_year` is the year the result names (the year asked), by default `year`."""
    from .engine import ReferenceEngine, check_engine_name
    from .validate import Validator

    check_engine_name(engine)
    checked: ir.Policy = policy.ir
    sources = data_by_entity(checked, data)
    parts = {e.name: checked.for_entity(e.name) for e in checked.entities}
    records = {}
    for name, part in parts.items():
        validate = Validator(part).validate  # prepared once per entity
        records[name] = [validate(raw) for raw in _raw(sources[name], format, encoding)]
    _link(checked, records)
    shown = year if shown_year is None else shown_year
    for e in checked.entities:
        if e.parent is not None and e.key is not None:
            parts[e.name] = group_by_parent(parts[e.name], e.key, [r.id for r in records[e.parent]])
    fallback: dict = {}
    compiled = {}
    if engine == "duckdb":
        from .entities_sql import judge

        judged, fallback = judge(checked, parts, records, year)
    elif engine == "compiled":
        from .compiled import CompiledEngine

        compiled = {name: CompiledEngine(part) for name, part in parts.items()}
        judged = {name: _compiled_records(compiled[name], recs, year) for name, recs in records.items()}
    else:
        judged = {name: tuple(ReferenceEngine(parts[name]).record(r, year) for r in recs)
                  for name, recs in records.items()}
    if engine == "duckdb":  # the totals of targets by generated code, as for one entity
        from .compiled import CompiledEngine

        compiled = {name: CompiledEngine(part) for name, part in parts.items()}
    out: dict[str, Evaluation] = {}
    for e in checked.entities:
        counter = compiled.get(e.name) or ReferenceEngine(parts[e.name])
        targets = tuple(counter.targets(records[e.name], year))
        out[e.name] = Evaluation(policy.info, shown, judged[e.name], targets)
    return EntityEvaluation(policy.info, shown, out, engine,
                            {name: tuple(r.values for r in recs) for name, recs in records.items()},
                            fallback)


def _compiled_records(engine, records: list, year: int) -> tuple[RecordResult, ...]:
    """Each record's verdicts by the compiled code; explanations by the reference when read."""
    verdicts = engine.program(year).verdicts
    rules = [(i, r.name, r.clauses, r.modality) for i, r in enumerate(engine.policy.rules)]
    outcome = engine.outcome
    out = []
    for rec in records:
        codes = verdicts(rec.values, rec.exemptions)

        def explain(i: int, rec=rec) -> str:
            return outcome(i, rec.values, rec.exemptions, year).explanation

        out.append(RecordResult(rec.id, tuple(deferred_outcome(name, clauses, modality, codes[i], explain, i)
                                              for i, name, clauses, modality in rules), rec.errors))
    return tuple(out)


def _raw(source: object, format: str | None, encoding: str | None):
    """The raw records of one entity's data, by the id rules of files."""
    from ..data.mappings import records_from_mappings

    if isinstance(source, str | os.PathLike):
        parquet = format == "parquet" if format is not None else \
            os.fspath(source).lower().endswith((".parquet", ".pq"))
        if parquet:  # only Parquet needs DuckDB to be read
            from . import duckdb_engine

            return list(records_from_mappings(duckdb_engine.parquet_rows(source)))
        from ..data.read import read_records

        return list(read_records(source, format, encoding=encoding))
    from ..data.frames import as_rows

    return list(records_from_mappings(as_rows(source)))


def _link(policy: ir.Policy, records: dict[str, list]) -> None:
    """Give each parent record its parts, and each part whose parent is not found an error.
    Deepest entities first, so a part carries its own parts when its parent reads it."""
    depth = {e.name: _depth(policy, e) for e in policy.entities}
    for e in sorted(policy.entities, key=lambda e: -depth[e.name]):
        if e.parent is None or e.key is None:
            continue
        parents = records[e.parent]
        where: dict[str, int] = {}
        twice: set[str] = set()
        for i, rec in enumerate(parents):
            if rec.id in where:
                twice.add(rec.id)
            else:
                where[rec.id] = i
        found: dict[int, list] = {i: [] for i in range(len(parents))}
        linked = []
        for rec in records[e.name]:
            key = rec.values.get(e.key)
            problem = None
            if key is None:
                # A missing or invalid key is already an error on the record, unless optional.
                if not any(err.field == e.key for err in rec.errors):
                    problem = f"names no {e.parent}: `{e.key}` is missing"
            elif key in twice:
                problem = f"{e.parent} id `{key}` appears twice, so this {e.name}'s {e.parent} is unknown"
            elif key not in where:
                problem = f"no {e.parent} has id `{key}`"
            else:
                found[where[key]].append((rec.id, rec.values))
            if problem is not None:
                rec = attrs.evolve(rec, errors=(*rec.errors, FieldError(e.key, problem)))
            linked.append(rec)
        records[e.name] = linked
        for i, rec in enumerate(parents):
            if rec.id in twice:
                value: object = Unknown(frozenset({f"{e.parent} id `{rec.id}` appears twice, so its "
                                                   f"{e.plural} are unknown"}))
            else:
                value = tuple(found[i])
            parents[i] = attrs.evolve(rec, values={**rec.values, Parts(e.name): value})


def group_by_parent(part: ir.Policy, key: str, parent_ids: list[str]) -> ir.Policy:
    """`part` with each target `for each KEY` grouped by every parent record (`parent_ids`,
    in order): a parent with no parts is a group too."""
    ids = tuple(dict.fromkeys(parent_ids))
    targets = tuple(attrs.evolve(t, group=ir.Group(key, ids))
                    if t.group is not None and t.group.fact == key and t.group.values is None else t
                    for t in part.targets)
    return attrs.evolve(part, targets=targets)


def _depth(policy: ir.Policy, e: ir.Entity) -> int:
    depth = 0
    while e.parent is not None:
        e = policy.entity_named(e.parent)
        depth += 1
    return depth
