"""`policydsl render POLICY [--format html|markdown] [-o FILE]`: the policy as a document."""

from __future__ import annotations

import argparse
import sys

from ..core.textsafe import visible
from .policy_files import load_or_report


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("policy", metavar="POLICY")
    p.add_argument("--format", choices=("html", "markdown"), default="html")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")


def run(args) -> int:
    from policydsl.documents.render import render

    policy = load_or_report(args.policy)
    if policy is None:
        return 2
    text = render(policy, args.format)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        print(f"policydsl: error: cannot write `{visible(args.output)}`: {e.strerror or e}", file=sys.stderr)
        return 2
    return 0
