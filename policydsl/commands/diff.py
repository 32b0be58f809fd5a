"""`policydsl diff OLD NEW [--format text|json|markdown] [--facts DATA [--year Y | --years A-B] [--by FACT]]`.

What changed in meaning, with proof; with `--facts`, also which records the change
affects (both versions evaluated on the same records; a decision log is read too).
OLD and NEW are policy files or git revisions `REV:path` (read with `git show`).
Exit 0 when nothing that carries meaning changed, 1 when something did, 2 when a
version could not be read or checked.
"""

from __future__ import annotations

import argparse
import sys

from ..core.textsafe import visible
from .policy_files import print_diagnostics, show_count


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", metavar="OLD", help="the earlier version: a .pol file or REV:path")
    p.add_argument("new", metavar="NEW", help="the later version: a .pol file or REV:path")
    p.add_argument("--format", choices=("text", "json", "markdown", "html", "xlsx"), default="text",
                   help="html, xlsx: the records the change affects, as a page or a workbook "
                        "(need --facts; xlsx needs --output)")
    p.add_argument("--output", "-o", metavar="PATH",
                   help="with --format html or xlsx: the file to write (html: standard output without it)")
    p.add_argument("--timeout", type=int, default=5000, metavar="MS",
                   help="solver time limit per question in milliseconds (default 5000); "
                        "a question that runs out is reported as undecided")
    p.add_argument("--facts", metavar="DATA",
                   help="records to evaluate under both versions (CSV, JSON, JSON Lines, or a decision log): "
                        "which records change outcome, per rule and target")
    p.add_argument("--year", type=int, action="append", default=[], metavar="YEAR",
                   help="a year to evaluate with --facts (repeatable; default: every year both periods share)")
    p.add_argument("--years", metavar="A-B", help="a range of years to evaluate with --facts, e.g. 2023-2025")
    p.add_argument("--by", metavar="FACT", help="with --facts: count the changed records per value of FACT")
    p.add_argument("--data-format", choices=("csv", "json", "jsonl"), default=None,
                   help="the format of DATA when its name does not tell")
    p.add_argument("--show", type=show_count, default=10, metavar="N|all",
                   help="changed records listed per rule in text and Markdown (default 10, `all` for every one; "
                        "JSON lists all)")


def run(args) -> int:
    import policydsl
    from policydsl.audit.policy_diff import compare
    from policydsl.audit.render import render
    from policydsl.audit.sources import load_version

    if args.timeout <= 0:
        print("policydsl: error: `--timeout` must be a positive number of milliseconds", file=sys.stderr)
        return 2
    years = _years(args)
    if isinstance(years, str):
        print(f"policydsl: error: {years}", file=sys.stderr)
        return 2
    versions = []
    for spec in (args.old, args.new):
        try:
            policy = load_version(spec)
        except policydsl.PolicyError as e:
            print_diagnostics(e.diagnostics)
            errors = sum(d.is_error for d in e.diagnostics)
            print(f"{visible(spec)}: {errors} error{'s' if errors != 1 else ''}", file=sys.stderr)
            return 2
        print_diagnostics(policy.load_warnings)
        versions.append(policy)
    problem = _impact_arguments(args, versions)
    if problem:
        print(f"policydsl: error: {visible(problem)}", file=sys.stderr)
        return 2
    result = compare(versions[0], versions[1], timeout_ms=args.timeout,
                     old_name=args.old, new_name=args.new)
    if args.facts is None:
        sys.stdout.write(render(result, args.format))
        return 0 if result.identical else 1
    from policydsl.audit.impact import impact
    from policydsl.audit.render import impact_markdown, impact_text
    from policydsl.data.read import DataError

    old, new = versions
    if not years:
        years = sorted(set(old.years) & set(new.years))
    try:
        found = impact(old, new, result, args.facts, years, by=args.by, format=args.data_format)
    except (DataError, ValueError, OSError) as e:
        print(f"policydsl: error: {visible(str(e))}", file=sys.stderr)
        return 2
    if args.format == "xlsx":
        from policydsl.reports.model import ReportError
        from policydsl.reports.output import into_place
        from policydsl.reports.workbook import write_impact_workbook

        try:
            with into_place(args.output) as partial:
                write_impact_workbook(found, result, partial)
        except (ReportError, OSError) as e:
            print(f"policydsl: error: {visible(str(e))}", file=sys.stderr)
            return 2
        sys.stdout.write(render(result, "text"))  # what was proved stays on the terminal
    elif args.format == "html":
        from policydsl.reports.html import render_impact_html

        page = render_impact_html(found, result, render(result, "text"))
        if args.output is None:
            sys.stdout.write(page)
        else:
            from policydsl.reports.output import into_place

            try:
                with into_place(args.output) as partial, open(partial, "w", encoding="utf-8") as f:
                    f.write(page)
            except OSError as e:
                print(f"policydsl: error: {visible(str(e))}", file=sys.stderr)
                return 2
    elif args.format == "json":
        import json

        sys.stdout.write(json.dumps({**result.to_json(), "impact": found.to_json()}, ensure_ascii=False,
                                    indent=1) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(render(result, "markdown") + impact_markdown(found, result, args.show))
    else:
        sys.stdout.write(render(result, "text") + impact_text(found, result, args.show))
    return 0 if result.identical else 1


def _impact_arguments(args, versions) -> str | None:
    """What is wrong with `--show` or `--by`, checked before the solver runs."""
    from policydsl.core.diagnostics import nearest

    if args.facts is not None and any(p.ir.entities for p in versions):
        return ("`--facts` judges the records of a policy with one entity; with several entities, "
                "run `policydsl eval` on each version with `--facts ENTITY=DATA` for each")
    if args.format == "xlsx" and (args.facts is None or args.output is None):
        return "`--format xlsx` writes the records a change affects: give `--facts DATA` and `--output PATH`"
    if args.format == "html" and args.facts is None:
        return "`--format html` shows the records a change affects: give `--facts DATA`"
    if args.by is not None:
        facts = sorted({f.name for p in versions for f in p.ir.facts})
        if args.by not in facts:
            hint = nearest(args.by, facts)
            return (f"`--by {visible(args.by)}` is not a fact of either version"
                    + (f"; did you mean `{hint}`?" if hint else ""))
    return None


def _years(args) -> list[int] | str:
    """The years asked for with --year and --years, or a message saying what is wrong."""
    years = list(args.year)
    if args.years:
        first, sep, last = args.years.partition("-")
        if not (sep and first.strip().isdigit() and last.strip().isdigit()):
            return f"`--years` must be a range like 2023-2025, got `{args.years}`"
        a, b = int(first), int(last)
        if a > b:
            return f"`--years` must go from the earlier year to the later, got `{args.years}`"
        years += range(a, b + 1)
    if (years or args.by) and args.facts is None:
        return "`--year`, `--years` and `--by` need `--facts DATA`"
    return sorted(set(years))
