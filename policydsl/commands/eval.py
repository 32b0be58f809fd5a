"""`policydsl eval POLICY --facts DATA --year YEAR [--format text|json]`."""

from __future__ import annotations

import argparse
import json
import sys

from .common import load_or_report


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("policy", metavar="POLICY")
    p.add_argument("--facts", required=True, metavar="DATA", help="records: CSV, JSON array or JSON Lines")
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--data-format", choices=("csv", "json", "jsonl"), default=None,
                   help="the format of DATA when its name does not tell")
    p.add_argument("--engine", default="reference", help="evaluator to use (default: reference)")
    p.add_argument("--show", type=int, default=10, metavar="N",
                   help="failing records listed per rule in the text report (default 10)")


def run(args) -> int:
    from policydsl.data.read import DataError
    from policydsl.policy import YearError

    policy = load_or_report(args.policy)
    if policy is None:
        return 2
    try:
        result = policy.evaluate(args.facts, args.year, engine=args.engine, format=args.data_format)
    except YearError as e:
        print(f"policydsl: error: {e}", file=sys.stderr)
        return 2
    except DataError as e:
        print(f"policydsl: error: {e}", file=sys.stderr)
        return 2
    except ValueError as e:  # an unknown engine name
        print(f"policydsl: error: {e}", file=sys.stderr)
        return 2
    if args.format == "json":
        json.dump(result.to_json(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        from policydsl.report import text_report

        sys.stdout.write(text_report(policy, result, show=args.show))
    return 1 if result.has_findings else 0
