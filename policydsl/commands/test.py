"""`policydsl test POLICY [--examples FILE] [--strict] [--rule NAME]... [--format text|json]`:
run a policy's worked examples."""

from __future__ import annotations

import argparse
import sys

from .policy_files import load_or_report


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("policy", metavar="POLICY", help="the .pol file, or `-` for standard input (then give --examples)")
    p.add_argument("--examples", metavar="FILE",
                   help="the examples file (default: POLICY with `.pol` replaced by `.examples.json`)")
    p.add_argument("--strict", action="store_true",
                   help="also exit 1 when a rule, target or schedule entry has no example")
    p.add_argument("--rule", action="append", metavar="NAME", default=None,
                   help="only the expectations about this rule or target (repeat for more)")
    p.add_argument("--format", choices=("text", "json"), default="text")


def run(args) -> int:
    import json

    import attrs

    from policydsl.documents.worked_examples import (
        Coverage,
        ExamplesError,
        TestReport,
        examples_path,
        format_report,
        load_examples,
        run_examples,
    )

    policy = load_or_report(args.policy)
    if policy is None:
        return 2
    if args.policy == "-" and not args.examples:
        print("policydsl test: give --examples FILE when the policy comes from standard input", file=sys.stderr)
        return 2
    path = args.examples or str(examples_path(args.policy))
    try:
        examples = load_examples(path, policy)
    except ExamplesError as e:
        print(e, file=sys.stderr)
        return 2
    if args.rule:
        known = {r.name for r in policy.ir.all_rules}
        unknown = [r for r in args.rule if r not in known]
        if unknown:
            print(f"policydsl test: no rule or target named {', '.join(f'`{u}`' for u in unknown)}", file=sys.stderr)
            return 2
        wanted = set(args.rule)
        examples = [attrs.evolve(ex, expect={k: v for k, v in ex.expect.items() if k in wanted})
                    for ex in examples if wanted & set(ex.expect)]
    report = run_examples(policy, examples)
    if args.rule:
        cov = report.coverage
        report = TestReport(report.results, Coverage(
            tuple(r for r in cov.rules if r in wanted),
            tuple(g for g in cov.schedule_years if g[0] in wanted),
            tuple(r for r in cov.never_failing if r in wanted)))
    if args.format == "json":
        cov = report.coverage
        sys.stdout.write(json.dumps({
            "examples": path,
            "passed": len(report.results) - len(report.failures),
            "total": len(report.results),
            "results": [{"number": r.example.number, "name": r.example.name, "year": r.example.year,
                         "ok": r.ok, "failures": list(r.failures)} for r in report.results],
            "coverage": {"complete": cov.complete, "rules_without_example": list(cov.rules),
                         "schedule_entries_without_example": [
                             {"rule": rule, "year": year, "value": value} for rule, year, value in cov.schedule_years],
                         "never_failing": list(cov.never_failing)},
        }, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(format_report(report, path))
    if report.failures or (args.strict and not report.coverage.complete):
        return 1
    return 0
