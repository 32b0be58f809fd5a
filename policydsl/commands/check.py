"""`policydsl check POLICY...`: every diagnostic of every file, then a one-line verdict each."""

from __future__ import annotations

import argparse
import sys

from ..core.textsafe import visible
from .policy_files import STDIN, STDIN_NAME, expand_policies, print_diagnostics, read_policy


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.set_defaults(_files="policies")  # files after an option join the list (cli.main)
    p.add_argument("policies", nargs="+", metavar="POLICY",
                   help=".pol files or directories (every `*.pol` below); `-` reads standard input")
    p.add_argument("--format", choices=("text", "json"), default="text")


def run(args) -> int:
    import json

    import policydsl
    from policydsl.loader import run as run_stages

    worst = 0
    report = []
    for given in expand_policies(args.policies):
        path = STDIN_NAME if given == STDIN else given
        try:
            source = read_policy(given)
        except policydsl.PolicyError as e:
            diagnostics, checked = list(e.diagnostics), None
        else:  # every stage from the parse on, the consistency analysis included
            checked, diagnostics = run_stages(source, "parse")
        errors = [d for d in diagnostics if d.is_error]
        warnings = [d for d in diagnostics if not d.is_error]
        fingerprint = None
        if checked is not None and not errors:
            fingerprint = policydsl.Policy(checked).fingerprint
        if args.format == "text":
            print_diagnostics(diagnostics)
            if errors:
                print(f"{visible(path)}: {len(errors)} error(s), {len(warnings)} warning(s)", file=sys.stderr)
            else:
                print(f"{visible(path)}: ok, {len(checked.rules)} rules, {len(checked.targets)} targets, "
                      f"{len(warnings)} warning(s), fingerprint {fingerprint}")
        report.append({"file": path, "ok": not errors, "fingerprint": fingerprint,
                       "diagnostics": [d.to_json() for d in diagnostics]})
        worst = max(worst, 2 if errors else 0)
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    return worst

