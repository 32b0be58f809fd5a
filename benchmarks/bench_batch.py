"""From a file to a report, as a user runs it: `policydsl eval` on 1,000,000 Chifeng-like
records against hand-written exact DuckDB and float polars scripts, in the same run.

    python benchmarks/bench_batch.py [--records 1000000] [--year 2024] [--runs 3]

Each command is timed as a whole process (best wall time of `--runs`, and its peak
resident memory as GNU `time -f %M` reports it), from CSV and from Parquet: the text report, and
`--format parquet` with every outcome, and with `--json` also `--format json` and
`--format jsonl` (one run each: they write gigabytes at 1,000,000 records). Before timing, the counts of every rule and
the verdict of every target are compared between policydsl and each peer; a peer that
disagrees is named with the rules where it does (the float peer on exact boundaries).
`--format parquet` is also timed against the hand-written DuckDB script that writes the
same rows (`peers/chifeng_duckdb_outcomes.py`: one row per record and rule, no
explanations), whose file must hold the same (id, rule, clauses, modality, outcome) rows
in the same order.
The data is the sample population repeated with fresh ids, in a temporary directory.
See docs/performance.md for recorded numbers.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "policies" / "chifeng_2023.pol"
SAMPLE = ROOT / "examples" / "chifeng_communities.csv"
PEERS = ROOT / "benchmarks" / "peers"


def make_data(folder: Path, n: int) -> tuple[Path, Path]:
    with open(SAMPLE, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    path = folder / "communities.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for i in range(n):
            row = list(body[i % len(body)])
            row[0] = f"R{i:07d}"
            w.writerow(row)
    # Parquet as a data team keeps it: typed columns (exact decimals, integers, booleans).
    parquet = folder / "communities.parquet"
    sys.path.insert(0, str(PEERS))
    import duckdb
    from chifeng_duckdb import BOOLS, DECIMALS, INTEGERS

    types = {c: "DECIMAL(18, 2)" for c in DECIMALS} | {c: "INTEGER" for c in INTEGERS} | {c: "BOOLEAN" for c in BOOLS}
    spec = ", ".join(f"'{c}': '{t}'" for c, t in types.items())
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{path}', header = true, types = {{{spec}}})) "
               f"TO '{parquet}' (FORMAT parquet)")
    return path, parquet


def run(cmd: list[str], runs: int, ok: tuple[int, ...] = (0, 1)) -> tuple[float, float, str]:
    """Best wall seconds, peak MiB (the largest of the runs) and the last output."""
    best, peak, out = float("inf"), 0.0, ""
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, cwd=ROOT)
        best = min(best, time.perf_counter() - t)
        rss = int(proc.stderr.strip().splitlines()[-1]) / 1024
        if proc.returncode not in ok:
            sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
        out = proc.stdout
        peak = max(peak, rss)
    return best, peak, out


def policydsl_counts(data: Path, year: int) -> dict:
    code = ("import json, sys, policydsl; from policydsl.eval.stream import evaluate_stream; "
            "p = policydsl.load(sys.argv[1]); r = evaluate_stream(p, sys.argv[2], int(sys.argv[3])); "
            "rules = {rule.name: {k: v for k, v in c.items() if v} for rule, c in zip(p.rules, r.tally.counts)}; "
            "print(json.dumps({'rules': rules, 'targets': [[t.rule, t.group, t.outcome] for t in r.targets]}))")
    out = subprocess.run([sys.executable, "-c", code, str(POLICY), str(data), str(year)],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    return json.loads(out)


def compare(ours: dict, peer: dict) -> list[str]:
    wrong = [r for r in ours["rules"] if ours["rules"][r] != peer["rules"].get(r)]
    if sorted(map(tuple, ours["targets"])) != sorted(map(tuple, peer["targets"])):
        wrong.append("targets")
    return wrong


def compare_outcomes(ours: Path, peer: Path) -> list[str]:
    """Where the peer's Parquet file differs from ours: the count of each (rule, outcome),
    and row by row the columns both write, in order."""
    import duckdb

    con = duckdb.connect()
    wrong = []
    counts = "SELECT rule, outcome, count(*) FROM read_parquet('{}') GROUP BY ALL ORDER BY ALL"
    if con.execute(counts.format(ours)).fetchall() != con.execute(counts.format(peer)).fetchall():
        wrong.append("counts of (rule, outcome)")
    cols = "id, rule, clauses, modality, outcome"
    (rows, differ), = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE a IS DISTINCT FROM b) FROM "
        f"(SELECT ({cols}) AS a FROM read_parquet('{ours}')) POSITIONAL JOIN "
        f"(SELECT ({cols}) AS b FROM read_parquet('{peer}'))").fetchall()
    if differ:
        wrong.append(f"{differ:,} of {rows:,} rows")
    return wrong


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="also time --format json and jsonl (one run each)")
    args = ap.parse_args()
    import duckdb
    import polars

    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"duckdb {duckdb.__version__}, polars {polars.__version__}; {args.records:,} records, year {args.year}")
    with tempfile.TemporaryDirectory(prefix="policydsl-bench-") as tmp:
        csv_path, parquet_path = make_data(Path(tmp), args.records)
        out_parquet = Path(tmp) / "outcomes.parquet"
        peer_parquet = Path(tmp) / "peer-outcomes.parquet"
        for label, data in (("CSV", csv_path), ("Parquet", parquet_path)):
            ours = policydsl_counts(data, args.year)
            y = str(args.year)
            peers = {"hand-written DuckDB (DECIMAL)": [sys.executable, str(PEERS / "chifeng_duckdb.py"), str(data), y],
                     "hand-written polars (float)": [sys.executable, str(PEERS / "chifeng_polars.py"), str(data), y],
                     "hand-written DuckDB, Parquet out": [sys.executable, str(PEERS / "chifeng_duckdb_outcomes.py"),
                                                          str(data), y, str(peer_parquet)]}
            policy_cmd = [sys.executable, "-m", "policydsl", "eval", str(POLICY), "--facts", str(data), "--year", y]
            rows = {"policydsl eval (text report)": run(policy_cmd, args.runs)}
            rows["policydsl eval --format parquet"] = run(
                [*policy_cmd, "--format", "parquet", "--output", str(out_parquet)], args.runs)
            if args.json:
                for fmt in ("json", "jsonl"):
                    out = Path(tmp) / f"outcomes.{fmt}"
                    rows[f"policydsl eval --format {fmt}"] = run(
                        [*policy_cmd, "--format", fmt, "--output", str(out)], 1)
                    out.unlink()
            agree = {}
            for name, cmd in peers.items():
                rows[name] = run(cmd, args.runs, ok=(0,))
                if name == "hand-written DuckDB, Parquet out":
                    agree[name] = compare_outcomes(out_parquet, peer_parquet)
                else:
                    agree[name] = compare(ours, json.loads(rows[name][2]))
            base = rows["hand-written DuckDB (DECIMAL)"][0]
            text = rows["policydsl eval (text report)"][0]
            print(f"\nfrom {label}:")
            for name, (wall, peak, _) in rows.items():
                note = ""
                if name in agree:
                    same_rows = "every row, in order" if name == "hand-written DuckDB, Parquet out" else "every count"
                    note = f"  agrees on {same_rows}" if not agree[name] else f"  differs on: {', '.join(agree[name])}"
                print(f"  {name:36s} {wall:7.2f} s  {wall / base:5.2f}× DuckDB (text counts)  {wall / text:5.2f}× text  "
                      f"peak {peak:6.0f} MiB{note}", flush=True)
            same = rows["hand-written DuckDB, Parquet out"][0]
            print(f"  --format parquet: {rows['policydsl eval --format parquet'][0] / same:.2f}× the DuckDB script "
                  f"writing the same rows, {rows['policydsl eval --format parquet'][0] / base:.2f}× the one "
                  "writing only the counts", flush=True)


if __name__ == "__main__":
    main()
