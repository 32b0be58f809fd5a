"""`policydsl eval POLICY --facts DATA --year YEAR [--format text|json|jsonl|parquet|html|xlsx]`.

DuckDB reads and judges the records it can read exactly; the rest stream through our
reader in chunks, so a file of any size is evaluated in bounded memory. JSON, JSON
Lines and Parquet output is written as records are judged; a report written to a file
appears under its name only when it is complete.
"""

from __future__ import annotations

import argparse
import sys
import time

from ..core.textsafe import visible
from .policy_files import load_or_report, show_count

DEFAULT_ENGINE = "duckdb"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("policy", metavar="POLICY")
    p.add_argument("--facts", required=True, action="append", metavar="DATA|YEAR=DATA|ENTITY=DATA",
                   help="records: CSV, JSON array, JSON Lines or Parquet; repeat as YEAR=DATA for one "
                        "file per year, or as ENTITY=DATA for each entity of a policy with several")
    p.add_argument("--year", type=int, action="append", default=[],
                   help="the year to judge; repeat for several years of one file")
    p.add_argument("--years", type=_year_range, metavar="FIRST-LAST", help="several years of one file")
    p.add_argument("--date", type=day_argument, action="append", default=[], dest="dates", metavar="YYYY-MM-DD",
                   help="the day to judge (`eval_date`); `--year YEAR` judges the year's last day")
    p.add_argument("--format", choices=("text", "json", "jsonl", "parquet", "html", "xlsx"), default="text",
                   help="text report, one JSON document, JSON Lines (one record per line), Parquet (one row "
                        "per record and rule, targets in NAME.targets.parquet), an HTML report with charts, "
                        "or a workbook (parquet, html and xlsx need --output)")
    p.add_argument("--output", "-o", metavar="PATH",
                   help="write the report to PATH (whole, or not at all) instead of standard output")
    p.add_argument("--data-format", choices=("csv", "json", "jsonl", "parquet"), default=None,
                   help="the format of DATA when its name does not tell")
    p.add_argument("--encoding", default=None, metavar="NAME",
                   help="the encoding of DATA (default: decided from its bytes, UTF-8 or GB18030)")
    p.add_argument("--engine", default=DEFAULT_ENGINE,
                   help=f"evaluator: duckdb, compiled or reference (default: {DEFAULT_ENGINE}; "
                        "reference is the plain interpreter, for audit)")
    p.add_argument("--show", type=show_count, default=10, metavar="N|all",
                   help="failing records listed per rule in the report (default 10; `all` for every one)")
    p.add_argument("--lang", choices=("zh", "en"), default=None,
                   help="the report's language (default: the policy's)")
    p.add_argument("--ids", action="store_true",
                   help="name rules and facts by their identifiers instead of their titles")
    p.add_argument("--by", metavar="FACT", help="break every per-record rule down by this fact, e.g. region")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def day_argument(text: str):
    """A `--date YYYY-MM-DD` argument as the year that carries the day."""
    from ..core.dates import on, parse_iso

    day = parse_iso(text)
    if day is None:
        raise argparse.ArgumentTypeError(f"expected a day written YYYY-MM-DD, not {text!r}")
    return on(day.year, day)


def _year_range(text: str) -> list[int]:
    first, sep, last = text.partition("-")
    if not (sep and first.isdigit() and last.isdigit() and int(first) <= int(last)):
        raise argparse.ArgumentTypeError(f"expected FIRST-LAST such as 2023-2025, not {text!r}")
    return list(range(int(first), int(last) + 1))


def _sources(args) -> list[tuple[int, str]]:
    """(year, data) pairs from `--facts` and `--year`/`--years`; ValueError with the reason."""
    per_year, plain = {}, []
    for f in args.facts:
        year, sep, path = f.partition("=")
        if sep and year.isdigit():
            if int(year) in per_year:
                raise ValueError(f"--facts gives {year} twice")
            per_year[int(year)] = path
        else:
            plain.append(f)
    years = list(dict.fromkeys(args.year + (args.years or []) + getattr(args, "dates", [])))
    if per_year:
        if plain:
            raise ValueError("give --facts either as one DATA or as YEAR=DATA for each year, not both")
        missing = [y for y in years if y not in per_year]
        if missing:
            raise ValueError(f"no --facts YEAR=DATA for {', '.join(map(str, missing))}")
        return sorted(per_year.items())
    if len(plain) > 1:
        raise ValueError("several --facts need a year each: --facts 2023=a.csv --facts 2024=b.csv")
    if not years:
        raise ValueError("give the year to judge: --year YEAR (or --years FIRST-LAST, or --date YYYY-MM-DD)")
    return [(y, plain[0]) for y in years]


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


def _say_encoding(data, result, forced: str | None) -> None:
    """Name the encoding a data file was read in when it was decided and is not UTF-8:
    a file whose text reads both ways is then plain to check (and `--encoding` settles it)."""
    if forced is None and result.encoding not in (None, "UTF-8"):
        print(f"policydsl: note: `{visible(data)}` was read as {result.encoding}, decided from its bytes; "
              f"give --encoding NAME to read it otherwise", file=sys.stderr)


def run(args) -> int:
    from policydsl.data.read import DataError
    from policydsl.eval.stream import JsonLinesWriter, JsonWriter, evaluate_stream
    from policydsl.policy import YearError
    from policydsl.reports.model import ReportError, ReportOptions
    from policydsl.reports.output import Output

    policy = load_or_report(args.policy)
    if policy is None:
        return 2
    if policy.ir.entities:
        from . import eval_entities

        return eval_entities.run(policy, args)
    progress = _Progress(not args.quiet and sys.stderr.isatty())
    options = ReportOptions(lang=args.lang, by=args.by, show=args.show, ids=args.ids,
                            engine=args.engine, data_format=args.data_format, encoding=args.encoding)
    try:
        sources = _sources(args)
        if args.format in ("json", "jsonl", "parquet") and len(sources) > 1:
            raise ValueError(f"--format {args.format} takes one year; use text, html or xlsx for several")
        if args.format in ("xlsx", "parquet") and not args.output:
            raise ValueError(f"--format {args.format} writes a file: give --output PATH")
        for year, _ in sources:
            policy.check_year(year)
        policy.engine(args.engine)  # an unknown engine name fails before any output
        if args.format in ("json", "jsonl", "parquet"):
            (year, data), = sources
            from policydsl.provenance import embedded, provenance

            try:
                block = provenance(policy, [data], [year], args.engine, data_format=args.data_format)
            except OSError as e:
                raise DataError(f"cannot read `{data}`: {e.strerror or e}") from None
            with Output(args.output, binary=args.format == "parquet") as out:
                if args.format == "parquet":
                    from policydsl.eval.duckdb_engine import ParquetWriter

                    writer = ParquetWriter(out.path, policy.info, year, embedded(block))
                    on_batch = writer.batch
                else:
                    make = JsonWriter if args.format == "json" else JsonLinesWriter
                    writer = make(out.stream, policy.info, year, block)
                    on_batch = writer.batch
                try:
                    judged = policy.ir.meta.judged_year(year)  # a standing law's later years: its horizon
                    result = evaluate_stream(policy, data, judged, engine=args.engine, format=args.data_format,
                                             encoding=args.encoding, on_record=writer.record, on_batch=on_batch,
                                             progress=progress)
                    result.year = year  # reported as asked
                except BaseException:
                    out.abandon()
                    raise
                progress.close()
                writer.finish(result)
            _say_encoding(data, result, args.encoding)
            return 1 if result.has_findings else 0
        from policydsl.reports import output

        block = None
        if args.format in ("html", "xlsx"):  # a page or a workbook names what produced it
            from policydsl.provenance import input_entries, provenance

            try:
                block = provenance(policy, input_entries(sources, args.data_format), [y for y, _ in sources],
                                   args.engine)
            except OSError as e:
                raise DataError(f"cannot read `{e.filename}`: {e.strerror or e}") from None
        years = output.evaluate(policy, sources, options, progress)
        progress.close()
        output.write(policy, years, options, args.format, args.output, provenance=block)
        for (_, data), year_report in zip(sources, years, strict=True):
            _say_encoding(data, year_report, args.encoding)
    except (YearError, DataError, ReportError, ValueError, OSError) as e:  # ValueError: an unknown engine name
        if isinstance(e, BrokenPipeError) or (isinstance(e, OSError) and e.filename is None
                                              and not isinstance(e, DataError | ReportError)):
            raise  # the output itself failed: the command line's handler says so
        progress.close()
        print(f"policydsl: error: {visible(str(e))}", file=sys.stderr)  # it may quote a file name
        return 2
    return 1 if any(y.has_findings for y in years) else 0
