"""`policydsl fmt [--check] [--diff] [--keywords en|zh] POLICY...`: canonical layout."""

from __future__ import annotations

import argparse
import difflib
import sys

from .common import print_diagnostics


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("policies", nargs="+", metavar="POLICY", help=".pol files to format in place")
    p.add_argument("--check", action="store_true",
                   help="change nothing; list the files that would change and exit 1 if any")
    p.add_argument("--diff", action="store_true", help="change nothing; print a unified diff of the changes")
    p.add_argument("--keywords", choices=("en", "zh"), default=None,
                   help="write keywords in English or Chinese (default: the language most declarations use)")


def run(args) -> int:
    from policydsl.diagnostics import PolicyError
    from policydsl.fmt import FormatError, format_text
    from policydsl.loader import read_source

    worst = 0
    for path in args.policies:
        try:
            source = read_source(path)
            formatted = format_text(source, args.keywords)
        except PolicyError as e:
            print_diagnostics(e.diagnostics)
            print(f"{path}: not formatted: it has errors", file=sys.stderr)
            worst = 2
            continue
        except FormatError as e:
            print(f"{path}: not formatted: {e}", file=sys.stderr)
            worst = 2
            continue
        if formatted == source.text:
            continue
        if args.diff:
            sys.stdout.writelines(difflib.unified_diff(
                source.text.splitlines(keepends=True), formatted.splitlines(keepends=True),
                fromfile=path, tofile=path))
        if args.check:
            print(f"would reformat {path}")
        if args.check or args.diff:
            worst = max(worst, 1)
            continue
        try:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(formatted)
        except OSError as e:
            print(f"{path}: cannot write: {e.strerror or e}", file=sys.stderr)
            worst = 2
    return worst
