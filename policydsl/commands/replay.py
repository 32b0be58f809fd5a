"""`policydsl replay RESULT [--policy FILE] [--facts DATA] [--engine NAME]`.

Re-reads the policy and data a result of `policydsl eval` names (JSON, JSON Lines,
Parquet, HTML or workbook), checks their digests, evaluates again and compares every
verdict the result holds (a page or a workbook: each year's rule counts and target
verdicts). Exit 0 when every digest and verdict is identical, 1 when a digest or a
verdict differs (each is named), 2 when the result, the policy or the data cannot be used.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("result", metavar="RESULT",
                   help="the output of `policydsl eval --format json|jsonl|parquet|html|xlsx`")
    p.add_argument("--policy", metavar="FILE", help="the policy file, instead of the path the result records")
    p.add_argument("--facts", metavar="DATA|ENTITY=DATA", action="append",
                   help="the data file, instead of the path the result records; for a policy with several "
                        "entities ENTITY=DATA, repeated for each entity to replace")
    p.add_argument("--engine", metavar="NAME",
                   help="evaluator (default: the one the result records, or reference if it is not available)")


def run(args) -> int:
    from policydsl.audit.replay import UNUSABLE, ReplayError, replay
    from policydsl.core.textsafe import visible_lines

    try:
        found = replay(args.result, policy=args.policy, facts=args.facts, engine=args.engine)
    except ReplayError as e:
        print(f"policydsl: error: {visible_lines(str(e))}", file=sys.stderr)
        return UNUSABLE
    sys.stdout.write(found.text())
    return found.exit_code
