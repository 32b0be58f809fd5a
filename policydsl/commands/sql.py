"""`policydsl sql POLICY --year YEAR|--date YYYY-MM-DD --dialect D [--table NAME]`: the SQL
that judges a typed table in a warehouse or on Spark (see docs/scale-out.md)."""

from __future__ import annotations

import argparse
import sys

from ..core.textsafe import visible
from .policy_files import load_or_report

DIALECTS = ("duckdb", "spark", "trino", "postgres", "bigquery")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("policy", metavar="POLICY")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--year", type=int, help="the year to judge (its last day, for days in force)")
    when.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="the day to judge")
    p.add_argument("--dialect", choices=DIALECTS, default="duckdb")
    p.add_argument("--table", default="facts", help="the typed table of facts (default: facts)")


def _date(text: str):
    from .eval import _date as day

    return day(text)


def run(args) -> int:
    from policydsl.eval.sqlgen import CODE, Unsupported
    from policydsl.eval.warehouse import statements

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
        st = statements(policy, args.year, args.dialect, args.table)
    except Unsupported as e:
        print(f"{visible(args.policy)}: error: cannot compile to SQL: {e.construct}: {e.why}", file=sys.stderr)
        return 2
    sys.stdout.write(text(policy, args.year, st, CODE))
    return 0


def text(policy, year: int, st, codes: dict[str, int]) -> str:
    legend = ", ".join(f"{c} {name}" for name, c in codes.items())
    day = getattr(year, "date", None)
    when = f"date {day.isoformat()}" if day is not None else f"year {year}"
    out = [f"-- policy {policy.name} {policy.version or ''}".rstrip() + f", {when}, dialect {st.dialect}",
           "-- records: id, problem, then one outcome code per rule: " + legend,
           st.records + ";", ""]
    for t in st.targets:
        if not t.sql:
            out += [f"-- target {t.rule.name}: not in force in {year}", ""]
            continue
        what = "group values seen (not in force)" if not t.in_force else (
            "group, unknown scope, no group, in scope, then per aggregate: unknown, true, exact sum"
            + (f" (divide the sums by {', '.join(map(str, t.dens))})" if t.dens else ""))
        out += [f"-- target {t.rule.name}: {what}", t.sql + ";", ""]
    return "\n".join(out)
