"""`policydsl eval POLICY --facts DATA --year YEAR [--format text|json|jsonl]`.

Records are streamed in chunks, so a file of any size is evaluated in bounded memory;
JSON and JSON Lines output is written as records are judged.
"""

from __future__ import annotations

import argparse
import sys
import time

from .common import load_or_report

DEFAULT_ENGINE = "duckdb"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("policy", metavar="POLICY")
    p.add_argument("--facts", required=True, metavar="DATA",
                   help="records: CSV, JSON array, JSON Lines or Parquet")
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--format", choices=("text", "json", "jsonl"), default="text",
                   help="text report, one JSON document, or JSON Lines (one record per line)")
    p.add_argument("--data-format", choices=("csv", "json", "jsonl", "parquet"), default=None,
                   help="the format of DATA when its name does not tell")
    p.add_argument("--engine", default=DEFAULT_ENGINE,
                   help=f"evaluator: duckdb, compiled or reference (default: {DEFAULT_ENGINE}; "
                        "reference is the plain interpreter, for audit)")
    p.add_argument("--show", type=int, default=10, metavar="N",
                   help="failing records listed per rule in the text report (default 10)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


class _Progress:
    """A one-line record counter on a terminal's stderr; nothing when stderr is not a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.start = time.perf_counter()

    def __call__(self, done: int) -> None:
        if self.enabled:
            rate = done / max(time.perf_counter() - self.start, 1e-9)
            sys.stderr.write(f"\r  {done:,} records · {rate:,.0f}/s")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def run(args) -> int:
    from policydsl.data.read import DataError
    from policydsl.eval.stream import JsonLinesWriter, JsonWriter, evaluate_stream, text_report
    from policydsl.policy import YearError

    policy = load_or_report(args.policy)
    if policy is None:
        return 2
    progress = _Progress(not args.quiet and sys.stderr.isatty())
    try:
        policy.check_year(args.year)
        policy.engine(args.engine)  # an unknown engine name fails before any output
        writer = None
        if args.format in ("json", "jsonl"):
            from policydsl.provenance import provenance

            try:
                block = provenance(policy, [args.facts], [args.year], args.engine, data_format=args.data_format)
            except OSError as e:
                raise DataError(f"cannot read `{args.facts}`: {e.strerror or e}") from None
            make = JsonWriter if args.format == "json" else JsonLinesWriter
            writer = make(sys.stdout, policy.info, args.year, block)
        result = evaluate_stream(policy, args.facts, args.year, engine=args.engine,
                                 format=args.data_format,
                                 on_record=writer.record if writer else None,
                                 progress=progress, show=args.show)
    except (YearError, DataError, ValueError) as e:  # ValueError: an unknown engine name
        progress.close()
        print(f"policydsl: error: {e}", file=sys.stderr)
        return 2
    progress.close()
    if writer is not None:
        writer.finish(result)
    else:
        sys.stdout.write(text_report(policy, result, show=args.show))
    return 1 if result.has_findings else 0
