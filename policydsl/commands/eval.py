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
    p.add_argument("--format", choices=("text", "json", "jsonl", "parquet"), default="text",
                   help="text report, one JSON document, JSON Lines (one record per line), or Parquet "
                        "(one row per record and rule, targets in NAME.targets.parquet; needs --output)")
    p.add_argument("--output", "-o", metavar="FILE", default=None,
                   help="write the report to FILE (written whole or not at all) instead of standard output")
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

    if args.format == "parquet" and args.output is None:
        print("policydsl: error: --format parquet writes a file: give it with --output FILE",
              file=sys.stderr)
        return 2
    policy = load_or_report(args.policy)
    if policy is None:
        return 2
    progress = _Progress(not args.quiet and sys.stderr.isatty())
    with _Output(args.output, binary=args.format == "parquet") as out:
        try:
            policy.check_year(args.year)
            policy.engine(args.engine)  # an unknown engine name fails before any output
            writer = None
            if args.format == "json":
                writer = JsonWriter(out.stream, policy.info, args.year)
            elif args.format == "jsonl":
                writer = JsonLinesWriter(out.stream, policy.info, args.year)
            elif args.format == "parquet":
                from policydsl.eval.duckdb_engine import ParquetWriter

                writer = ParquetWriter(out.path, policy.info, args.year)
            result = evaluate_stream(policy, args.facts, args.year, engine=args.engine,
                                     format=args.data_format,
                                     on_record=writer.record if writer else None,
                                     progress=progress, show=args.show)
        except (YearError, DataError, ValueError) as e:  # ValueError: an unknown engine name
            progress.close()
            print(f"policydsl: error: {e}", file=sys.stderr)
            out.abandon()
            return 2
        progress.close()
        if writer is not None:
            writer.finish(result)
        else:
            out.stream.write(text_report(policy, result, show=args.show))
    return 1 if result.has_findings else 0


class _Output:
    """Standard output, or a file written beside its destination and renamed into place
    when complete, so a failed run never leaves half a report under the name asked for."""

    def __init__(self, path: str | None, binary: bool = False):
        self.target = path
        self.binary = binary
        self.stream = sys.stdout
        self.path: str | None = None
        self._abandoned = False

    def __enter__(self) -> _Output:
        if self.target is not None:
            import os
            import tempfile

            folder = os.path.dirname(os.path.abspath(self.target))
            fd, self.path = tempfile.mkstemp(prefix=".policydsl-", dir=folder)
            if self.binary:
                os.close(fd)
            else:
                self.stream = open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115
        return self

    def abandon(self) -> None:
        self._abandoned = True

    def __exit__(self, kind, exc, tb) -> None:
        if self.path is None:
            return
        import contextlib
        import os

        if self.stream is not sys.stdout:
            self.stream.close()
        if kind is None and not self._abandoned:
            os.replace(self.path, self.target)
            if self.binary:
                root, ext = os.path.splitext(self.path)
                with contextlib.suppress(FileNotFoundError):
                    dest_root, dest_ext = os.path.splitext(self.target)
                    os.replace(f"{root}.targets{ext or '.parquet'}", f"{dest_root}.targets{dest_ext or '.parquet'}")
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
