"""`policydsl eval` of a policy with several entities: `--facts ENTITY=DATA` for each.

DuckDB judges the per-record rules (`eval.entities_sql`), or with `--engine
reference` the interpreter (see `eval.entities`); the text report shows each
entity in turn, and `--format json` is one document whose records and targets name
their entity, with counts per entity in its summary.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from ..eval.entities import EntityEvaluation

FORMATS = ("text", "json")


def sources(policy, facts: list[str]) -> dict[str, str]:
    """`--facts ENTITY=DATA` pairs as a mapping; ValueError with the reason."""
    entities = policy.ir.entities
    names = ", ".join(e.name for e in entities)
    words = {w: e.name for e in entities for w in (e.name, e.plural)}
    out: dict[str, str] = {}
    for f in facts:
        name, sep, path = f.partition("=")
        if not sep or name not in words:
            raise ValueError(f"policy `{policy.name}` judges several kinds of record ({names}): "
                             f"give --facts ENTITY=DATA for each, not `{f}`")
        if words[name] in out:
            raise ValueError(f"--facts gives `{words[name]}` twice")
        out[words[name]] = path
    missing = [e.name for e in entities if e.name not in out]
    if missing:
        raise ValueError("no --facts " + ", ".join(f"{m}=DATA" for m in missing))
    return out


def entity_policy(policy, name: str):
    """One entity of `policy` (a `Policy`) as a `Policy` of its own, for its report."""
    from ..policy import Policy

    return Policy(policy.ir.for_entity(name))


def text_report(policy, result: EntityEvaluation, options=None) -> str:
    """The text report of each entity in turn, under a heading naming it."""
    from ..reports.text import text_report as one_report

    out = []
    for e in policy.ir.entities:
        ev = result.entities[e.name]
        by = getattr(options, "by", None)
        if by is not None and by not in e.facts:  # `--by` breaks down the entity that has the fact
            options_here = attrs.evolve(options, by=None)
        else:
            options_here = options
        parent = f", part of {e.parent} by `{e.key}`" if e.parent is not None else ""
        head = f"== {e.plural}{parent}: {len(ev.records)} record(s) =="
        out.append(head + "\n\n" + one_report(entity_policy(policy, e.name), ev, options=options_here,
                                               fields=result.fields.get(e.name)))
    return "\n".join(out)


def run(policy, args) -> int:
    from policydsl.data.read import DataError
    from policydsl.eval.engine import SEVERAL_ENTITIES, SEVERAL_ENTITIES_ONLY, check_engine_name
    from policydsl.eval.entities import EntityDataError, evaluate_entities
    from policydsl.policy import YearError
    from policydsl.reports.model import ReportOptions
    from policydsl.textsafe import visible

    try:
        data = sources(policy, args.facts)
        years = list(dict.fromkeys(args.year + (args.years or []) + getattr(args, "dates", [])))
        if not years:
            raise ValueError("give the year to judge: --year YEAR (or --years FIRST-LAST, or --date YYYY-MM-DD)")
        if args.format not in FORMATS:
            raise ValueError(f"--format {args.format} takes a policy with one entity; use text or json")
        if args.format == "json" and len(years) > 1:
            raise ValueError("--format json takes one year; use text for several")
        if args.by is not None and not any(args.by in e.facts for e in policy.ir.entities):
            from policydsl.diagnostics import nearest

            guess = nearest(args.by, [f.name for f in policy.ir.facts])
            raise ValueError(f"`--by {args.by}` is not a fact of any entity"
                             + (f"; did you mean `{guess}`?" if guess else ""))
        for year in years:
            policy.check_year(year)
        check_engine_name(args.engine)  # an unknown engine name fails before any output
        if args.engine not in SEVERAL_ENTITIES:
            print(f"policydsl: note: {SEVERAL_ENTITIES_ONLY}; the reference judges them", file=sys.stderr)
        results = [evaluate_entities(policy, data, policy.ir.meta.judged_year(y), format=args.data_format,
                                     encoding=args.encoding, engine=args.engine, shown_year=y)
                   for y in years]
    except (YearError, DataError, EntityDataError, ValueError, OSError) as e:
        if isinstance(e, BrokenPipeError):
            raise
        print(f"policydsl: error: {visible(str(e))}", file=sys.stderr)  # it may quote a file name
        return 2
    if args.format == "json":
        text = json.dumps(results[0].to_json(), ensure_ascii=False, indent=1) + "\n"
    else:
        options = ReportOptions(lang=args.lang, by=args.by, show=args.show, ids=args.ids,
                                engine=args.engine if args.engine in SEVERAL_ENTITIES else "reference", data_format=args.data_format, encoding=args.encoding)
        text = "\n".join(text_report(policy, r, options) for r in results)
    if args.output:
        from .policy_files import write_atomically

        write_atomically(args.output, text)
    else:
        sys.stdout.write(text)
    return 1 if any(r.has_findings for r in results) else 0
