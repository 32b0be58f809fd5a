"""Several entities, run by hand:

    python benchmarks/bench_entities.py [--plants 2000] [--samples 12] [--repeat 3]

The Hillside water plan (`tests/fixtures/water.pol`) on generated data: a district
per ten plants, `--samples` samples per plant. Measured in the same run, best of
`--repeat` passes, in µs per record:

- baseline: the samples alone, judged by the reference engine as a policy of one entity
  (`Policy(policy.ir.for_entity("sample"))`), every explanation worked out;
- several entities: `policy.evaluate({"district": ..., "plant": ..., "sample": ...})`,
  every record of every entity judged and explained, the plants' aggregates over their
  samples included;

and their ratio. Several entities are judged by the reference engine only.
"""

from __future__ import annotations

import argparse
import random
import sys
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

    def together():
        ev = policy.evaluate(rows, 2025)
        return [o.explanation for r in ev.records for o in r.outcomes]

    n_alone = len(rows["sample"])
    n_all = sum(len(v) for v in rows.values())
    t_alone, t_all = best(alone, args.repeat), best(together, args.repeat)
    print(f"records: {len(rows['district'])} districts, {len(rows['plant'])} plants, {n_alone} samples")
    print(f"baseline, samples alone (reference): {t_alone / n_alone * 1e6:8.1f} µs per record")
    print(f"several entities (reference):        {t_all / n_all * 1e6:8.1f} µs per record")
    print(f"ratio per record: {t_all / n_all / (t_alone / n_alone):.2f}×")


if __name__ == "__main__":
    main()
