"""Several entities, run by hand:

    python benchmarks/bench_entities.py [--plants 2000] [--samples 12] [--repeat 3]

The Hillside water plan (`tests/fixtures/water.pol`) on generated data: a district
per ten plants, `--samples` samples per plant. Measured in the same run, best of
`--repeat` passes, in records per second over every entity:

- baseline: the samples alone, judged by the reference engine as a policy of one entity
  (`Policy(policy.ir.for_entity("sample"))`), every explanation worked out;
- several entities, reference: `policy.evaluate({...}, engine="reference")`, every
  record of every entity judged and explained, the plants' aggregates over their samples
  included;
- several entities, DuckDB (the default engine) and compiled: the verdicts only
  (explanations are worked out when read: a report reads the few it shows), then every
  explanation read;

and the ratios of each to the reference; then the same records written to one CSV file
per entity, as a user hands them to `policydsl eval`, judged by each engine. Before timing, DuckDB's and the compiled
engine's documents are checked to equal the reference's.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import policydsl  # noqa: E402


def data(plants: int, per_plant: int) -> dict[str, list[dict]]:
    rng = random.Random(1)
    districts = max(1, plants // 10)
    return {
        "district": [{"id": f"d{i}", "district_name": f"D{i}", "residents": rng.randint(1000, 200000),
                      "demand": str(rng.randint(1000, 90000))} for i in range(districts)],
        "plant": [{"id": f"p{i}", "district_code": f"d{i % districts}", "plant_name": f"P{i}",
                   "capacity": str(rng.randint(5000, 80000)), "staff": rng.randint(1, 12),
                   "backup_power": rng.choice(["true", "false"])} for i in range(plants)],
        "sample": [{"id": f"s{i}", "plant_code": f"p{i % plants}", "turbidity": f"{rng.randint(0, 150) / 100}",
                    "chlorine": f"{rng.randint(10, 60) / 100}", "coliform_free": rng.choice(["true"] * 19 + ["false"])}
                   for i in range(plants * per_plant)],
    }


def write_files(rows: dict[str, list[dict]], folder: Path) -> dict[str, Path]:
    """Each entity's records as a CSV file, as a user hands them to `policydsl eval`."""
    out = {}
    for entity, records in rows.items():
        out[entity] = folder / f"{entity}.csv"
        with open(out[entity], "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(records[0]))
            w.writeheader()
            w.writerows(records)
    return out


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--plants", type=int, default=2000)
    ap.add_argument("--samples", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    policy = policydsl.load(ROOT / "tests" / "fixtures" / "water.pol")
    rows = data(args.plants, args.samples)
    samples_only = policydsl.Policy(policy.ir.for_entity("sample"))

    def alone():
        ev = samples_only.evaluate(rows["sample"], 2025, engine="reference")
        return [o.explanation for r in ev.records for o in r.outcomes]

    def reference():
        ev = policy.evaluate(rows, 2025, engine="reference")
        return [o.explanation for r in ev.records for o in r.outcomes]

    def duckdb_verdicts():
        ev = policy.evaluate(rows, 2025, engine="duckdb")
        return [o.outcome for r in ev.records for o in r.outcomes]

    def duckdb_explained():
        ev = policy.evaluate(rows, 2025, engine="duckdb")
        return [o.explanation for r in ev.records for o in r.outcomes]

    def compiled_verdicts():
        ev = policy.evaluate(rows, 2025, engine="compiled")
        return [o.outcome for r in ev.records for o in r.outcomes]

    want = policy.evaluate(rows, 2025, engine="reference").to_json()
    for engine in ("duckdb", "compiled"):
        assert policy.evaluate(rows, 2025, engine=engine).to_json() == want, engine
    n_alone = len(rows["sample"])
    n_all = sum(len(v) for v in rows.values())
    t_alone, t_ref = best(alone, args.repeat), best(reference, args.repeat)
    t_duck, t_explained = best(duckdb_verdicts, args.repeat), best(duckdb_explained, args.repeat)
    t_compiled = best(compiled_verdicts, args.repeat)
    with tempfile.TemporaryDirectory() as tmp:  # the same records from one CSV file per entity
        files = write_files(rows, Path(tmp))
        assert policy.evaluate(files, 2025, engine="compiled").to_json() == want

        def from_files(engine: str):
            return lambda: [o.outcome for r in policy.evaluate(files, 2025, engine=engine).records
                            for o in r.outcomes]

        t_files = {e: best(from_files(e), args.repeat) for e in ("reference", "duckdb", "compiled")}
    print(f"records: {len(rows['district'])} districts, {len(rows['plant'])} plants, {n_alone} samples")
    print(f"baseline, samples alone (reference):      {n_alone / t_alone:10,.0f} records/s")
    print(f"several entities, reference:              {n_all / t_ref:10,.0f} records/s")
    print(f"several entities, duckdb, verdicts:       {n_all / t_duck:10,.0f} records/s")
    print(f"several entities, duckdb, all explained:  {n_all / t_explained:10,.0f} records/s")
    print(f"several entities, compiled, verdicts:     {n_all / t_compiled:10,.0f} records/s")
    print(f"duckdb / reference: {t_ref / t_duck:.2f}× (verdicts), {t_ref / t_explained:.2f}× (all explained)")
    print(f"compiled / reference: {t_ref / t_compiled:.2f}× (verdicts)")
    print("from one CSV file per entity, verdicts:")
    for engine, t in t_files.items():
        print(f"  {engine:10} {n_all / t:10,.0f} records/s   {t_files['reference'] / t:.2f}× the reference")


if __name__ == "__main__":
    main()
