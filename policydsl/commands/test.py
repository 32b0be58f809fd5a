"""`policydsl test POLICY [--examples FILE] [--strict]`: run a policy's worked examples."""

from __future__ import annotations

import argparse
import sys

from .common import load_or_report


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("policy", metavar="POLICY")
    p.add_argument("--examples", metavar="FILE",
                   help="the examples file (default: POLICY with `.pol` replaced by `.examples.json`)")
    p.add_argument("--strict", action="store_true",
                   help="also exit 1 when a rule, target or schedule entry has no example")


def run(args) -> int:
    from policydsl.worked_examples import (
        ExamplesError,
        examples_path,
        format_report,
        load_examples,
        run_examples,
    )

    policy = load_or_report(args.policy)
    if policy is None:
        return 2
    path = args.examples or str(examples_path(args.policy))
    try:
        examples = load_examples(path, policy)
    except ExamplesError as e:
        print(e, file=sys.stderr)
        return 2
    report = run_examples(policy, examples)
    sys.stdout.write(format_report(report, path))
    if report.failures or (args.strict and not report.coverage.complete):
        return 1
    return 0
