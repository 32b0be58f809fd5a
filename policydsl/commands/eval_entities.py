"""`policydsl eval` of a policy with several entities: `--facts ENTITY=DATA` for each.

DuckDB judges the per-record rules (`eval.entities_sql`), or with `--engine
reference` the interpreter (see `eval.entities`). Every format of a policy with one
entity is written, each naming the entity of what it holds: the text report, the HTML
page (a section per entity) and the workbook show each entity in turn; `--format json`
is one document whose records and targets name their `entity`, with counts per entity
in its summary; JSON Lines gives each record and target line its `entity`; Parquet has
an `entity` column in both files. All but text carry the provenance, with the digest
of each entity's data, for `policydsl replay`.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from ..eval.entities import EntityEvaluation

ONE_YEAR = ("json", "jsonl", "parquet")  # formats of every verdict: one year each


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


def entities_text_report(policy, result: EntityEvaluation, options=None) -> str:
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
    from policydsl.core.textsafe import visible
    from policydsl.data.read import DataError
    from policydsl.eval.engine import check_engine_name
    from policydsl.eval.entities import EntityDataError, evaluate_entities
    from policydsl.policy import YearError
    from policydsl.reports.model import ReportError, ReportOptions

    try:
        data = sources(policy, args.facts)
        years = list(dict.fromkeys(args.year + (args.years or []) + getattr(args, "dates", [])))
        if not years:
            raise ValueError("give the year to judge: --year YEAR (or --years FIRST-LAST, or --date YYYY-MM-DD)")
        if args.format in ONE_YEAR and len(years) > 1:
            raise ValueError(f"--format {args.format} takes one year; use text, html or xlsx for several")
        if args.format in ("xlsx", "parquet") and not args.output:
            raise ValueError(f"--format {args.format} writes a file: give --output PATH")
        if args.by is not None and not any(args.by in e.facts for e in policy.ir.entities):
            from policydsl.core.diagnostics import nearest

            guess = nearest(args.by, [f.name for f in policy.ir.facts])
            raise ValueError(f"`--by {args.by}` is not a fact of any entity"
                             + (f"; did you mean `{guess}`?" if guess else ""))
        for year in years:
            policy.check_year(year)
        check_engine_name(args.engine)  # an unknown engine name fails before any output
        results = [evaluate_entities(policy, data, policy.ir.meta.judged_year(y), format=args.data_format,
                                     encoding=args.encoding, engine=args.engine, shown_year=y)
                   for y in years]
    except (YearError, DataError, EntityDataError, ValueError, OSError) as e:
        if isinstance(e, BrokenPipeError):
            raise
        print(f"policydsl: error: {visible(str(e))}", file=sys.stderr)  # it may quote a file name
        return 2
    options = ReportOptions(lang=args.lang, by=args.by, show=args.show, ids=args.ids,
                            engine=args.engine, data_format=args.data_format, encoding=args.encoding)
    try:
        write(policy, data, years, results, options, args.format, args.output, args.data_format)
    except (DataError, ReportError, OSError) as e:
        if isinstance(e, BrokenPipeError) or (isinstance(e, OSError) and e.filename is None
                                              and not isinstance(e, DataError | ReportError)):
            raise  # the output itself failed: the command line's handler says so
        print(f"policydsl: error: {visible(str(e))}", file=sys.stderr)
        return 2
    return 1 if any(r.has_findings for r in results) else 0


def provenance_block(policy, data: dict[str, str], years: list[int], data_format: str | None,
                     engine: str = "reference") -> dict:
    """The provenance of a result: the policy, each entity's data file with its digest, and
    the engine that judged it."""
    from ..provenance import input_entry, provenance

    inputs = [{**input_entry(path, data_format), "entity": name} for name, path in data.items()]
    return provenance(policy, inputs, years, engine)


def write(policy, data: dict[str, str], years: list[int], results: list[EntityEvaluation], options,
          fmt: str, path: str | None, data_format: str | None) -> None:
    """`results` (one per year) as `fmt`, to `path` (written whole) or standard output."""
    from ..reports.output import Output
    from .policy_files import write_atomically

    if fmt == "text":
        text = "\n".join(entities_text_report(policy, r, options) for r in results)
        if path:
            write_atomically(path, text)
        else:
            sys.stdout.write(text)
        return
    try:
        block = provenance_block(policy, data, years, data_format, options.engine)
    except OSError as e:
        from ..data.read import DataError

        raise DataError(f"cannot read `{e.filename}`: {e.strerror or e}") from None
    if fmt in ("html", "xlsx"):
        import os

        from ..reports.entities import entity_parts
        from ..reports.output import into_place

        parts = entity_parts(policy, results, options)
        name = os.path.basename(path or "report.html")
        if fmt == "xlsx":
            from ..reports.workbook import write_entities_workbook

            with into_place(path) as partial:
                write_entities_workbook(policy, parts, options, partial, block, name)
            return
        from ..reports.html import render_entities_html

        page = render_entities_html(policy, parts, options, block, name)
        if path:
            with into_place(path) as partial, open(partial, "w", encoding="utf-8") as f:
                f.write(page)
        else:
            sys.stdout.write(page)
        return
    result, = results
    with Output(path, binary=fmt == "parquet") as out:
        if fmt == "parquet":
            from ..eval.entity_parquet import EntityParquetWriter
            from ..provenance import embedded

            EntityParquetWriter(out.path, policy.info, result.year, embedded(block)).write(result)
        elif fmt == "json":
            out.stream.write(json.dumps(json_document(result, block), ensure_ascii=False, indent=1) + "\n")
        else:
            write_lines(out.stream, result, block)


def _head(result: EntityEvaluation, block: dict) -> dict:
    date = getattr(result.year, "date", None)  # judged on a day (`--date`)
    return {"policy": result.policy.to_json(), "provenance": block, "year": int(result.year),
            **({"date": date.isoformat()} if date is not None else {})}


def json_document(result: EntityEvaluation, block: dict) -> dict:
    """The `--format json` document: `EntityEvaluation.to_json` with the provenance."""
    return {**_head(result, block), **{k: v for k, v in result.to_json().items() if k not in ("policy", "year")}}


def write_lines(out, result: EntityEvaluation, block: dict) -> None:
    """`--format jsonl`: the head line, a `record` line each and a `target` line each,
    every one naming its `entity`, then the `summary` line (with the counts per entity)."""
    doc = result.to_json()

    def line(obj: dict) -> None:
        out.write(json.dumps(obj, ensure_ascii=False) + "\n")

    line(_head(result, block))
    for r in doc["records"]:
        line({"record": r})
    for t in doc["targets"]:
        line({"target": t})
    line({"summary": doc["summary"]})
