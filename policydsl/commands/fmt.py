"""`policydsl fmt [--check] [--diff] [--keywords en|zh] POLICY...`: canonical layout.

A POLICY may be a directory (every `*.pol` below it) or `-`: standard input,
formatted to standard output. Files are replaced atomically, so a failed write
leaves the original as it was.
"""

from __future__ import annotations

import argparse
import difflib
import sys

from ..core.textsafe import visible
from .policy_files import STDIN, expand_policies, print_diagnostics, read_policy, write_atomically


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.set_defaults(_files="policies")  # files after an option join the list (cli.main)
    p.add_argument("policies", nargs="+", metavar="POLICY",
                   help=".pol files or directories to format in place; `-` formats standard input to standard output")
    p.add_argument("--check", action="store_true",
                   help="change nothing; list the files that would change and exit 1 if any")
    p.add_argument("--diff", action="store_true", help="change nothing; print a unified diff of the changes")
    p.add_argument("--keywords", choices=("en", "zh"), default=None,
                   help="write keywords in English or Chinese (default: keep the words as written)")


def run(args) -> int:
    from policydsl.core.diagnostics import PolicyError
    from policydsl.documents.fmt import FormatError, format_text

    worst = 0
    for path in expand_policies(args.policies):
        try:
            source = read_policy(path)
            formatted = format_text(source, args.keywords)
        except PolicyError as e:
            print_diagnostics(e.diagnostics)
            print(f"{visible(path)}: not formatted: it has errors", file=sys.stderr)
            worst = 2
            continue
        except FormatError as e:
            print(f"{visible(path)}: not formatted: {visible(str(e))}", file=sys.stderr)
            worst = 2
            continue
        if path == STDIN and not (args.check or args.diff):
            sys.stdout.write(formatted)
            continue
        if formatted == source.text:
            continue
        if args.diff:
            sys.stdout.writelines(difflib.unified_diff(
                source.text.splitlines(keepends=True), formatted.splitlines(keepends=True),
                fromfile=path, tofile=path))
        if args.check:
            print(f"would reformat {visible(path)}")
        if args.check or args.diff:
            worst = max(worst, 1)
            continue
        try:
            write_atomically(path, formatted)
        except OSError as e:
            print(f"{visible(path)}: cannot write: {e.strerror or e}; the file is unchanged", file=sys.stderr)
            worst = 2
    return worst
