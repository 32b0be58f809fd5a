"""The reports (HTML, workbook) of a policy with several entities: each entity's records
gathered as the report of a policy with one (`YearReport`s of its own policy), so the
writers lay out one section or sheet per entity from what they already read."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from ..core import ir
from .model import ReportOptions, YearReport, check_options, collector_for


@attrs.frozen
class EntityPart:
    """One entity's share of the report: the entity, its own policy (`ir.for_entity`),
    the report of each year, and the options as they apply to it (`--by` breaks down
    only the entity that has the fact)."""

    entity: ir.Entity
    policy: object
    years: list[YearReport]
    options: ReportOptions


def entity_parts(policy, results: Sequence, options: ReportOptions) -> list[EntityPart]:
    """Each entity of `policy` (a `Policy`), parents before their parts, from the
    `eval.entities.EntityEvaluation` of each year."""
    from ..policy import Policy

    out = []
    for e in policy.ir.entities:
        own = Policy(policy.ir.for_entity(e.name))
        here = options if options.by is None or options.by in e.facts else attrs.evolve(options, by=None)
        check_options(own, here)
        years = []
        for result in results:
            ev = result.entities[e.name]
            collector = collector_for(own, here, len(results))
            for record, fields in zip(ev.records, result.fields[e.name], strict=True):
                collector.add(record, fields)
            years.append(YearReport(result.year, collector, list(ev.targets), ev.summary, ev.has_findings))
        out.append(EntityPart(e, own, years, here))
    return out
