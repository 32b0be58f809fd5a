"""Time `diff --facts` (the impact of a new version on data) against its floor: the two
plain evaluations it cannot avoid, measured in the same run.

    python benchmarks/bench_impact.py [--records 20000] [--years 2023-2025]

The data is the Chifeng sample repeated with fresh ids; OLD and NEW are the Chifeng
policy and its v2. Prints seconds and the ratio impact / (OLD + NEW evaluations),
the overhead of matching outcomes record by record and reading labels and groups.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import policydsl
from policydsl.audit.impact import impact
from policydsl.audit.policy_diff import compare

ROOT = Path(__file__).resolve().parents[1]
OLD = ROOT / "policies" / "chifeng_2023.pol"
NEW = ROOT / "policies" / "versions" / "chifeng_2023_v2.pol"
SAMPLE = ROOT / "examples" / "chifeng_communities.csv"


def tiled(path: Path, n: int) -> None:
    header, *rows = SAMPLE.read_text(encoding="utf-8").splitlines()
    out = [header]
    for i in range(n):
        row = rows[i % len(rows)]
        rid, rest = row.split(",", 1)
        out.append(f"{rid}-{i // len(rows)},{rest}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--years", default="2023-2025")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    a, b = (int(x) for x in args.years.split("-"))
    years = list(range(a, b + 1))
    old, new = policydsl.load(OLD), policydsl.load(NEW)
    t = time.perf_counter()
    d = compare(old, new)
    symbolic = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "communities.csv"
        tiled(data, args.records)
        floor = best(lambda: [(old.evaluate(data, y), new.evaluate(data, y)) for y in years], args.repeat)
        found = None

        def run() -> None:
            nonlocal found
            found = impact(old, new, d, data, years, by="region")

        measured = best(run, args.repeat)
    changed = sum(r.affected for y in found.years for r in y.rules if r.kind == "rule")
    print(f"records  {args.records:,} × years {years[0]}–{years[-1]}; {changed:,} changed outcomes found")
    print(f"symbolic diff            {symbolic:.3f} s (once)")
    print(f"OLD + NEW evaluations    {floor:.3f} s (best of {args.repeat})")
    print(f"impact                   {measured:.3f} s (best of {args.repeat})")
    print(f"ratio impact / floor     {measured / floor:.2f}")


if __name__ == "__main__":
    main()
