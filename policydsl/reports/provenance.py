"""The provenance of a report (HTML, workbook): the rows a reader sees, and the JSON a
replay reads back (`policydsl.provenance.embedded`, with each year's verdict summary)."""

from __future__ import annotations

from collections.abc import Sequence

from ..provenance import embedded, verdict_summary
from .model import YearReport
from .words import Wording


def stamp(block: dict, years: Sequence[YearReport]) -> str:
    """The JSON text a report carries: the block and what it states about each year."""
    return embedded(block, [verdict_summary(y.year, y.collector.rule_counts, y.targets) for y in years])


def rows(block: dict, w: Wording) -> list[tuple[str, str]]:
    """(what, value) pairs: the policy file and its digest, its fingerprint, each data
    file and its digest, the years, the tool and the engine."""
    policy = block["policy"]
    out = [(w("prov_policy"), policy.get("path") or w("prov_in_memory")),
           (w("prov_policy_sha256"), policy.get("sha256") or "—"),
           (w("prov_fingerprint"), policy["fingerprint"])]
    for entry in block["data"]:
        year = entry.get("year")
        what = w("prov_data") + (w("paren", text=w("prov_year", year=year)) if year is not None else "")
        out.append((what, entry.get("path") or w("prov_records", n=entry.get("records", 0))))
        out.append((w("prov_data_sha256"), entry["sha256"]))
    out += [(w("col_year"), w("and").join(str(y) for y in block["years"])),
            (w("prov_tool"), block["tool"]), (w("prov_engine"), block["engine"])]
    return out


def stamp_entities(block: dict, parts: Sequence) -> str:
    """`stamp` of a policy with several entities: a verdict summary per entity and year,
    each naming its `entity` (`parts`: `reports.entities.EntityPart`s)."""
    return embedded(block, [{"entity": part.entity.name, **verdict_summary(y.year, y.collector.rule_counts,
                                                                           y.targets)}
                            for part in parts for y in part.years])
