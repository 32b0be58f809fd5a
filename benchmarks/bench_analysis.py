"""Time the consistency analysis of a policy (default: the Chifeng policy).

    python benchmarks/bench_analysis.py [POLICY] [--repeat N]

Prints the load time, the analysis time (best and median of N runs) and the time
of each check, so a slow check is easy to find. The target for Chifeng is < 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import policydsl
from policydsl.analysis import checks

STEPS = ["unsatisfiable", "dead_and_vacuous", "regressions", "stops_early", "conflicts",
         "implied", "coverage"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("policy", nargs="?",
                    default=str(Path(__file__).parent.parent / "policies" / "chifeng_2023.pol"))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    t = time.perf_counter()
    policy = policydsl.load(args.policy)
    load = time.perf_counter() - t
    runs, per_step = [], {s: [] for s in STEPS}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        a = checks._Analysis(policy.ir, checks.TIMEOUT_MS)
        for step in STEPS:
            t = time.perf_counter()
            getattr(a, step)()
            per_step[step].append(time.perf_counter() - t)
        runs.append(time.perf_counter() - t0)
    print(f"policy   {args.policy}: {len(policy.rules)} rules, {len(policy.targets)} targets")
    print(f"load     {load:.3f} s")
    print(f"analysis best {min(runs):.3f} s, median {statistics.median(runs):.3f} s "
          f"({args.repeat} runs, {len(a.out)} findings)")
    for step in STEPS:
        print(f"  {step:<18} {statistics.median(per_step[step]):.3f} s")


if __name__ == "__main__":
    main()
