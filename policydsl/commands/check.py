"""`policydsl check POLICY...`: every diagnostic of every file, then a one-line verdict each."""

from __future__ import annotations

import argparse
import sys

from .common import print_diagnostics


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("policies", nargs="+", metavar="POLICY", help=".pol files to check")
    p.add_argument("--format", choices=("text", "json"), default="text")


def run(args) -> int:
    import json

    import policydsl
    from policydsl.loader import check_file

    worst = 0
    report = []
    for path in args.policies:
        checked, diagnostics = check_file(path)  # every stage, the analysis included
        errors = [d for d in diagnostics if d.is_error]
        warnings = [d for d in diagnostics if not d.is_error]
        fingerprint = None
        if checked is not None and not errors:
            fingerprint = policydsl.Policy(checked).fingerprint
        if args.format == "text":
            print_diagnostics(diagnostics)
            if errors:
                print(f"{path}: {len(errors)} error(s), {len(warnings)} warning(s)", file=sys.stderr)
            else:
                print(f"{path}: ok, {len(checked.rules)} rules, {len(checked.targets)} targets, "
                      f"{len(warnings)} warning(s), fingerprint {fingerprint}")
        report.append({"file": path, "ok": not errors, "fingerprint": fingerprint,
                       "diagnostics": [d.to_json() for d in diagnostics]})
        worst = max(worst, 2 if errors else 0)
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    return worst

