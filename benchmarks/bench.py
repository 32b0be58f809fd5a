"""Benchmarks of the fast evaluators on the Chifeng policy, run by hand:

    python benchmarks/bench.py [--records 1000000] [--year 2024]

Measured in one run and printed with their ratios: reading + validating records
(now, at the revision before the ingestion work, and a hand-written `csv.DictReader` +
`float()` loop); per-record compiled verdicts vs a hand-written float function (batch
evaluation from a file to a report: `bench_batch.py`); policy load and import time;
peak memory of a 1,000,000-record CSV through `policydsl eval`. It also counts the
records where the float baselines give a wrong verdict. The data file is generated
in a temporary directory each run. See docs/performance.md for recorded numbers.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import handwritten  # noqa: E402

import policydsl  # noqa: E402
from policydsl.data.read import read_records  # noqa: E402
from policydsl.eval.engine import make_engine  # noqa: E402
from policydsl.eval.outcomes import judge_record  # noqa: E402

POLICY = ROOT / "policies" / "chifeng_2023.pol"
EXAMPLE = ROOT / "examples" / "chifeng_communities.csv"
SAMPLE = 100_000  # records prepared in memory for the in-process measurements
BEFORE = "4b6611804b70f48a6539e240b1d67231ddef5e2b"  # the last revision before the ingestion work

# Read + validate the first N records of a CSV, streamed as the CLI does; prints µs/record.
INGEST = """
import sys, time
import policydsl
from policydsl.data.read import read_records
policy = policydsl.load(sys.argv[1])
validate = policy._validator.validate
n, best = int(sys.argv[3]), float("inf")
for _ in range(2):
    t = time.perf_counter()
    for _, raw in zip(range(n), read_records(sys.argv[2])):
        validate(raw)
    best = min(best, time.perf_counter() - t)
print(best / n * 1e6)
"""


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


# ---- data ----------------------------------------------------------------------------


def _boundary(row: dict, rng: random.Random, year: int) -> None:
    """Put one record exactly on a threshold, where float arithmetic may fall either side."""
    kind = rng.randrange(4)
    share = {2023: Decimal("0.70"), 2024: Decimal("0.85"), 2025: Decimal("1.00")}[year]
    if kind == 0:  # C08: income exactly the required share of the wage
        wage = Decimal(rng.randrange(250_000, 500_000)) / 5
        row["local_avg_wage_prev_year"] = f"{wage:.2f}"
        row["staff_avg_income"] = f"{wage * share:.2f}"
    elif kind == 1:  # C22: exactly 20 m2 per 100 households
        h = rng.randrange(500, 3000)
        row.update(new_build="true", service_space_fund_paid="false", households=str(h),
                   service_space_m2=f"{Decimal(h) / 5:.2f}")
    elif kind == 2:  # C26: exactly 90% of party organisations
        t = rng.randrange(1, 40) * 10
        row.update(party_orgs_total=str(t), party_orgs_co_building=str(t * 9 // 10))
    else:  # C27: exactly 1 worker per 400 households
        w = rng.randrange(1, 8)
        row.update(households=str(400 * w), staff_count=str(w), staff_trained=str(w))


def make_csv(path: Path, n: int, year: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with open(EXAMPLE, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        for i in range(n):
            row = dict(rows[i % len(rows)])
            row["id"] = f"{row['id']}-{i}"
            if i % 20 == 0:
                _boundary(row, rng, year)
            w.writerow(row)


# ---- baselines' inputs -------------------------------------------------------------------


def float_record(policy, rec) -> dict:
    out = {}
    for fact in policy.ir.facts:
        v = rec.values.get(fact.name)
        if isinstance(v, Fraction):
            out[fact.name] = float(v)
        elif v is None:
            out[fact.name] = math.nan if fact.kind in ("integer", "decimal") else False
        else:
            out[fact.name] = v
    return out


def ingest_us(tree: Path, data: Path, n: int) -> float:
    """µs per record to read + validate with the `policydsl` package found in `tree`."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run([sys.executable, "-c", INGEST, str(POLICY), str(data), str(n)],
                         env=env, cwd=tree, capture_output=True, text=True, check=True)
    return float(out.stdout)


def before_tree(tmp: str) -> Path | None:
    """The `policydsl` package as it was at `BEFORE`, unpacked from git (None without git)."""
    dest = Path(tmp) / "before"
    dest.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE, "policydsl"],
                             capture_output=True)
    if archive.returncode != 0:
        return None
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def handwritten_ingest_us(policy, data: Path, n: int) -> float:
    """A developer's loop: `csv.DictReader`, `float()` for numbers, `== "true"` for flags."""
    numeric = [f.name for f in policy.ir.facts if f.kind in ("integer", "decimal")]
    flags = [f.name for f in policy.ir.facts if f.kind == "bool"]

    def run() -> None:
        with open(data, encoding="utf-8", newline="") as f:
            for _, row in zip(range(n), csv.DictReader(f), strict=False):
                rec = {name: float(row[name]) for name in numeric}
                for name in flags:
                    rec[name] = row[name] == "true"

    return best(run, 2) / n * 1e6


# ---- measurements ----------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--year", type=int, default=2024)
    args = ap.parse_args()
    year, n_big = args.year, args.records
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f
                    if line.startswith("model name")), platform.processor())
    print(f"machine: {os.cpu_count()} cpus, {cpu}, Python {platform.python_version()}, "
          )

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "communities.csv"
        t = time.perf_counter()
        make_csv(data, n_big, year)
        print(f"generated {n_big:,} records ({data.stat().st_size / 2**20:.0f} MiB) "
              f"in {time.perf_counter() - t:.1f} s")

        policy = policydsl.load(POLICY)
        print("\n== ingestion: read + validate, streamed, first 100,000 records ==")
        n_in = min(SAMPLE, n_big)
        t_now = ingest_us(ROOT, data, n_in)
        old = before_tree(tmp)
        try:  # the old revision may need what this environment no longer installs (numpy)
            t_old = ingest_us(old, data, n_in) if old is not None else math.nan
        except subprocess.CalledProcessError:
            t_old = math.nan
        t_dict = handwritten_ingest_us(policy, data, n_in)
        print(f"policydsl now            {t_now:8.2f} µs/record ({1e6 / t_now:,.0f} records/s)")
        print(f"policydsl before         {t_old:8.2f} µs/record ({1e6 / t_old:,.0f} records/s)   "
              f"before/now = {t_old / t_now:.1f}×")
        print(f"csv.DictReader + float() {t_dict:8.2f} µs/record ({1e6 / t_dict:,.0f} records/s)   "
              f"now/hand = {t_now / t_dict:.1f}×")

        t = time.perf_counter()
        records = policy.prepare(r for _, r in zip(range(SAMPLE), read_records(data), strict=False))
        prep = time.perf_counter() - t
        print(f"read + validate into memory (100,000 records kept): {prep / len(records) * 1e6:.1f} µs/record")

        compiled = make_engine(policy.ir, "compiled")
        verdicts = compiled.program(year).verdicts
        floats = [(float_record(policy, r), r.exemptions) for r in records]
        judge = handwritten.judge

        print("\n== per record ==")
        t_comp = best(lambda: [verdicts(r.values, r.exemptions) for r in records])
        # Records missing a fact take the general body, which checks every value for unknowns.
        gappy = [dict(r.values) for r in records]
        for env in gappy:
            env.pop("activity_funds", None)
        t_gap = best(lambda: [verdicts(env, r.exemptions) for env, r in zip(gappy, records, strict=True)])
        t_hand = best(lambda: [judge(f, ex, year) for f, ex in floats])
        ref_n = 5_000
        t_ref = best(lambda: [[judge_record(rule, r.values, r.exemptions, year)
                               for rule in policy.ir.rules] for r in records[:ref_n]], 1) * len(records) / ref_n
        fresh = make_engine(policy.ir, "compiled")
        t_full = best(lambda: [fresh.record(r, year) for r in records[:20_000]], 1) * len(records) / 20_000
        per = 1e6 / len(records)
        print(f"compiled verdicts        {t_comp * per:8.2f} µs/record")
        print(f"hand-written float       {t_hand * per:8.2f} µs/record   compiled/hand = {t_comp / t_hand:.2f}×")
        print(f"compiled, a fact missing {t_gap * per:8.2f} µs/record   (general body)")
        print(f"reference interpreter    {t_ref * per:8.2f} µs/record   reference/compiled = {t_ref / t_comp:.0f}×")
        print(f"compiled, with explanations (memoised) {t_full * per:.2f} µs/record")

        # Batch evaluation, file to report, against hand-written peers: bench_batch.py.

        print("\n== load and import ==")
        text = POLICY.read_text(encoding="utf-8")
        # `loads` never uses the cache of checked policies: this is the check itself
        t_load = best(lambda: make_engine(policydsl.loads(text, str(POLICY)).ir, "compiled").program(year), 5)
        py = [sys.executable, "-c"]
        t_none = best(lambda: subprocess.run(py + ["pass"], check=True), 5)
        t_imp = best(lambda: subprocess.run(py + ["import policydsl"], check=True), 5)
        print(f"parse + check + compile chifeng_2023.pol: {t_load * 1e3:.1f} ms")
        print(f"import policydsl: {(t_imp - t_none) * 1e3:.1f} ms (interpreter start excluded)")
        with tempfile.TemporaryDirectory() as cache:
            for label, setting in (("from the cache of checked policies", cache), ("checked (cache off)", "off")):
                env = {**os.environ, "POLICYDSL_CACHE": setting}
                # the first load of a process pays for importing the front end and, when it
                # checks, building the lexer's scanners; a later one in the same process does not
                first = py + [f"import policydsl; policydsl.load({str(POLICY)!r})"]
                subprocess.run(first, check=True, env=env)  # fills the cache
                t_first = best(lambda cmd=first, env=env: subprocess.run(cmd, check=True, env=env), 5)
                # the same first load timed inside the process, without the interpreter's exit
                inside = ("import time, policydsl; t = time.perf_counter(); "
                          f"policydsl.load({str(POLICY)!r}); print(time.perf_counter() - t)")
                t_inside = min(float(subprocess.run(py + [inside], check=True, capture_output=True, text=True,
                                                    env=env).stdout) for _ in range(5))
                print(f"policydsl.load(chifeng_2023.pol), {label}, first in a process: "
                      f"{(t_first - t_imp) * 1e3:.1f} ms (timed inside the process: {t_inside * 1e3:.1f} ms)")
        t_again = best(lambda: policydsl.load(POLICY), 5)
        print(f"policydsl.load(chifeng_2023.pol) again in the same process: {t_again * 1e3:.1f} ms")

        print(f"\n== CLI: policydsl eval over {n_big:,} CSV records ==")
        cmd = [sys.executable, "-m", "policydsl", "eval", str(POLICY), "--facts", str(data),
               "--year", str(year), "--quiet"]
        # A small wrapper process runs the CLI, so its peak RSS is the CLI's own and not
        # pages inherited from this (large) benchmark process.
        wrapper = ("import resource, subprocess, sys, os; "
                   "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; "
                   "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True,
                             check=True).stdout.split()
        wall = time.perf_counter() - t
        code, peak = int(out[0]), int(out[1]) / 1024
        print(f"exit {code}, {wall:.1f} s ({n_big / wall:,.0f} records/s), peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
