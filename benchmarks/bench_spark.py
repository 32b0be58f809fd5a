"""Local Spark vs the DuckDB engine vs the reference interpreter on the Chifeng policy,
run by hand (needs `pip install 'policydsl[spark]'` and Java):

    python benchmarks/bench_spark.py [--records 1000000] [--sample 10000] [--year 2024]

One run builds a typed Parquet file of `--records` records (the sample communities
of examples/ repeated with distinct ids, columns typed as docs/scale-out.md lists),
then measures, on that same file: Spark (`policydsl.spark.evaluate` on a
`local[2]` session, every record's codes written to Spark's no-op sink, every target
decided), the DuckDB engine (`evaluate_stream`), and the reference interpreter on
the first `--sample` records, extrapolated per record. It prints seconds, records
per second and each engine's ratio to the reference, and checks that Spark's and
the DuckDB engine's target results are identical.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

import policydsl  # noqa: E402
from policydsl.eval.stream import evaluate_stream  # noqa: E402

TYPES = {"integer": "BIGINT", "decimal": "DECIMAL(18, 6)", "bool": "BOOLEAN", "text": "VARCHAR",
         "enum": "VARCHAR"}


def build(policy, n: int, path: str) -> None:
    src = ROOT / "examples" / "chifeng_communities.csv"
    con = duckdb.connect()
    con.execute(f"CREATE TABLE base AS SELECT * FROM read_csv('{src}', all_varchar = true)")
    base = con.execute("SELECT count(*) FROM base").fetchone()[0]
    copies = -(-n // base)
    cols = ["base.id || '-' || r.range AS id"]
    for f in policy.ir.facts:
        cols.append(f'CAST(NULLIF(base."{f.name}", \'\') AS {TYPES[f.kind]}) AS "{f.name}"')
    cols.append("NULLIF(base.exemptions, '') AS exemptions")
    con.execute(f"COPY (SELECT {', '.join(cols)} FROM range({copies}) r, base LIMIT {n}) "
                f"TO '{path}' (FORMAT parquet)")
    con.close()


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=10_000)
    ap.add_argument("--year", type=int, default=2024)
    args = ap.parse_args()
    policy = policydsl.load(ROOT / "policies" / "chifeng_2023.pol")
    with tempfile.TemporaryDirectory(prefix="policydsl-bench-") as tmp:
        path = os.path.join(tmp, "communities.parquet")
        build(policy, args.records, path)

        from pyspark.sql import SparkSession

        from policydsl.spark import evaluate

        t0 = time.perf_counter()
        spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
                 .config("spark.sql.shuffle.partitions", "2").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        startup = time.perf_counter() - t0

        def on_spark():
            result = evaluate(policy, spark.read.parquet(path), args.year)
            result.records.write.format("noop").mode("overwrite").save()
            return result.targets

        spark_s, spark_targets = timed(on_spark)
        duck_s, duck = timed(lambda: evaluate_stream(policy, path, args.year))

        rows = duckdb.connect().execute(f"SELECT * FROM '{path}' LIMIT {args.sample}").fetchall()
        names = ["id", *(f.name for f in policy.ir.facts), "exemptions"]
        sample = [{k: ("" if v is None else str(v).lower() if isinstance(v, bool) else str(v))
                   for k, v in zip(names, r, strict=True)} for r in rows]
        eng = policy.engine("reference")

        def on_reference():
            prepared = policy.prepare(sample)
            for _ in eng.records(prepared, args.year):
                pass
            return eng.targets(prepared, args.year)

        ref_s, _ = timed(on_reference)
        ref_total = ref_s / len(sample) * args.records
        spark.stop()
    print(f"{args.records:,} records, Chifeng {args.year}; Spark local[2] "
          f"(session start {startup:.1f} s, not counted)")
    for name, s in [("spark", spark_s), ("duckdb", duck_s),
                    (f"reference (from {len(sample):,})", ref_total)]:
        print(f"  {name:<28} {s:9.2f} s  {args.records / s:12,.0f} records/s  "
              f"{ref_total / s:7.1f}x the reference")
    print(f"  spark / duckdb time ratio: {spark_s / duck_s:.2f}")
    same = [t.to_json() for t in spark_targets] == [t.to_json() for t in duck.targets]
    print(f"  Spark and DuckDB target results identical: {same}")


if __name__ == "__main__":
    main()
