"""`policydsl sql POLICY --year YEAR|--date YYYY-MM-DD --dialect D [--table NAME]`: the SQL
that judges a typed table in a warehouse or on Spark (see docs/scale-out.md). A policy
with several entities reads a table per entity (`--table ENTITY=NAME`, repeated; by
default each entity's plural)."""

from __future__ import annotations

import argparse
import sys

from ..core.textsafe import visible
from .eval import day_argument
from .policy_files import load_or_report

DIALECTS = ("duckdb", "spark", "trino", "postgres", "bigquery")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("policy", metavar="POLICY")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--year", type=int, help="the year to judge (its last day, for days in force)")
    when.add_argument("--date", type=day_argument, metavar="YYYY-MM-DD", help="the day to judge")
    p.add_argument("--dialect", choices=DIALECTS, default="duckdb")
    p.add_argument("--table", action="append", metavar="[ENTITY=]NAME",
                   help="the typed table of facts (default: facts); with several entities, "
                        "ENTITY=NAME for each (default: the entity's plural)")


def run(args) -> int:
    from policydsl.eval.sqlgen import CODE, Unsupported
    from policydsl.eval.warehouse import EntityStatements, statements

    if args.year is None:
        args.year = args.date  # an `int` (the year) that carries the day
    policy = load_or_report(args.policy)
    if policy is None:
        return 2
    try:
        policy.check_year(args.year)
    except ValueError as e:
        print(f"policydsl: error: {visible(str(e))}", file=sys.stderr)
        return 2
    try:
        st = statements(policy, args.year, args.dialect, _tables(args.table or [], bool(policy.ir.entities)))
    except Unsupported as e:
        print(f"{visible(args.policy)}: error: cannot compile to SQL: {e.construct}: {e.why}", file=sys.stderr)
        return 2
    except ValueError as e:
        print(f"policydsl: error: {visible(str(e))}", file=sys.stderr)
        return 2
    if isinstance(st, EntityStatements):
        sys.stdout.write("\n".join(text(policy, args.year, s, CODE) for s in st.entities.values()))
    else:
        sys.stdout.write(text(policy, args.year, st, CODE))
    return 0


def _tables(given: list[str], several: bool) -> str | dict[str, str] | None:
    """`--table` as `statements` takes it: one name, or a name per entity."""
    if not several:
        if len(given) > 1 or any("=" in t for t in given):
            raise ValueError("this policy judges one kind of record: give one `--table NAME`")
        return given[0] if given else None
    out = {}
    for t in given:
        entity, eq, name = t.partition("=")
        if not eq or not entity or not name:
            raise ValueError(f"`--table {t}`: with several entities, give `--table ENTITY=NAME`")
        if entity in out:
            raise ValueError(f"`--table {t}`: the table of `{entity}` is given twice")
        out[entity] = name
    return out


def text(policy, year: int, st, codes: dict[str, int]) -> str:
    legend = ", ".join(f"{c} {name}" for name, c in codes.items())
    day = getattr(year, "date", None)
    when = f"date {day.isoformat()}" if day is not None else f"year {year}"
    # a comment line: a line break or control character from the policy or a table name
    # must not end it (what followed would be a statement) or act on a terminal
    head = f"-- policy {visible(policy.name)} {visible(policy.version or '')}".rstrip() + f", {when}, dialect {st.dialect}"
    if st.entity:
        head += f", entity {st.entity} (table {visible(st.table)})"
    out = [head, "-- records: id, problem, then one outcome code per rule: " + legend, st.records + ";", ""]
    if st.parent_ids:
        out += ["-- the parent ids: the groups of a target `for each` parent, one with no parts among them",
                st.parent_ids + ";", ""]
    for t in st.targets:
        if not t.sql:
            out += [f"-- target {t.rule.name}: not in force in {year}", ""]
            continue
        what = "group values seen (not in force)" if not t.in_force else (
            "group, unknown scope, no group, in scope, then per aggregate: unknown, true, exact sum"
            + (f" (divide the sums by {', '.join(map(str, t.dens))})" if t.dens else ""))
        out += [f"-- target {t.rule.name}: {what}", t.sql + ";", ""]
    return "\n".join(out)
