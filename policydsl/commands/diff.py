"""`policydsl diff OLD NEW [--format text|json|markdown]`: what changed in meaning, with proof.

OLD and NEW are policy files or git revisions `REV:path` (read with `git show`).
Exit 0 when nothing that carries meaning changed, 1 when something did, 2 when a
version could not be read or checked.
"""

from __future__ import annotations

import argparse
import sys

from .common import print_diagnostics


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", metavar="OLD", help="the earlier version: a .pol file or REV:path")
    p.add_argument("new", metavar="NEW", help="the later version: a .pol file or REV:path")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    p.add_argument("--timeout", type=int, default=5000, metavar="MS",
                   help="solver time limit per question in milliseconds (default 5000); "
                        "a question that runs out is reported as undecided")


def run(args) -> int:
    import policydsl
    from policydsl.audit.core import compare
    from policydsl.audit.render import render
    from policydsl.audit.sources import load_version

    if args.timeout <= 0:
        print("policydsl: error: `--timeout` must be a positive number of milliseconds", file=sys.stderr)
        return 2
    versions = []
    for spec in (args.old, args.new):
        try:
            policy = load_version(spec)
        except policydsl.PolicyError as e:
            print_diagnostics(e.diagnostics)
            errors = sum(d.is_error for d in e.diagnostics)
            print(f"{spec}: {errors} error{'s' if errors != 1 else ''}", file=sys.stderr)
            return 2
        print_diagnostics(policy.load_warnings)
        versions.append(policy)
    result = compare(versions[0], versions[1], timeout_ms=args.timeout,
                     old_name=args.old, new_name=args.new)
    sys.stdout.write(render(result, args.format))
    return 0 if result.identical else 1
