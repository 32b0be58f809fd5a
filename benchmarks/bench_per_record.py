"""Per-record evaluation from Python, run by hand:

    python benchmarks/bench_per_record.py [--year 2025] [--repeat 5]

For the Chifeng policy (the 300 example communities, one in ten moved exactly onto
the C08 income threshold) and for `benchmarks/policies/staffing.pol` (2,000 generated
centres, many on a bracket or rounding boundary), all measured in the same run, best
of several passes, in µs per record and as a ratio to the hand-written function:

- hand-written: `handwritten_exact.chifeng` / `.staffing`, exact `Fraction`s on
  validated values (the baseline);
- compiled verdicts: `Program.verdicts(values, exemptions)` on the same values;
- for Chifeng, as context, `handwritten.judge`: the same rules on floats (wrong on
  some exact boundaries, see docs/performance.md);
- `CompiledPolicy.verdicts(mapping)`: validation of the raw mapping included;
- `Policy.evaluate_record(mapping, year)`: validation and the `RecordResult` included,
  explanations not read; then with every explanation read (a fresh policy per pass,
  so no explanation is memoised from an earlier pass);
- `evaluate_record` as it was before `Policy.compile` (a new engine per call), on the
  first 50 records.

The hand-written functions are checked against the compiled verdicts first. See
docs/performance.md for recorded numbers.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import handwritten_exact  # noqa: E402

import policydsl  # noqa: E402
from policydsl.data.read import read_records  # noqa: E402
from policydsl.eval.engine import make_engine  # noqa: E402

CHIFENG = ROOT / "policies" / "chifeng_2023.pol"
EXAMPLE = ROOT / "examples" / "chifeng_communities.csv"
STAFFING = ROOT / "benchmarks" / "policies" / "staffing.pol"


def chifeng_rows(year: int) -> list[dict]:
    rows = [dict(r.fields) for r in read_records(EXAMPLE)]
    share = handwritten_exact.INCOME_SHARE[year]
    for row in rows[::10]:  # exactly on the income threshold (C08)
        wage = Fraction(row["local_avg_wage_prev_year"])
        row["local_avg_wage_prev_year"] = str(Fraction(wage).limit_denominator(1) * 100)
        income = share * Fraction(row["local_avg_wage_prev_year"])
        row["staff_avg_income"] = f"{income.numerator / income.denominator:.2f}"
    return rows


def staffing_rows(n: int, seed: int = 2024) -> list[dict]:
    rng = random.Random(seed)
    edges = [0, 299, 300, 399, 400, 401, 1999, 2000, 2001, 2400, 3000, 3001]
    rows = []
    for i in range(n):
        h = rng.choice(edges) if rng.random() < 0.5 else rng.randrange(0, 4000)
        residents = rng.randrange(0, 80)
        workers = max(0, -(-h // 400) + rng.choice([-1, 0, 0, 1]))
        social = min(workers, max(0, min(max(-(-residents // 10), 1), 6) + rng.choice([-1, 0, 0, 1])))
        min_wage = rng.choice([24000, 30000, 36000])
        row: dict[str, object] = {
            "id": f"S{i:05d}", "zone": rng.choice(["urban", "suburban", "rural"]),
            "households": str(h), "residents": str(residents), "workers": str(workers),
            "social_workers": str(social), "trained": str(rng.randrange(0, workers + 1)),
            "floor_area": f"{rng.choice([80, 300, 400, 600, 3 * h / 10]) + rng.choice([0, 0, -0.01, 0.5]):.2f}",
            "budget": f"{min(h * 50, 120000) + rng.choice([0, 0, -0.01, 100]):.2f}",
            "wage": f"{min_wage * rng.choice([1.1, 1.2, 1.3, 1.25]):.2f}", "min_wage": str(min_wage),
            "licensed": rng.choice(["true", "true", "false"]), "suspended": rng.choice(["false", "false", "true"]),
            "new_build": rng.choice(["true", "false", "false"]),
        }
        if rng.random() < 0.9:
            row["volunteers"] = str(residents // 50 + rng.choice([-1, 0, 1]) if residents >= 50 else 0)
        if rng.random() < 0.1:
            row["exemptions"] = {"S7": "approved by the district"}
        rows.append({k: v for k, v in row.items() if not (isinstance(v, str) and v.startswith("-"))})
    return rows


def best_of(candidates: list[tuple], repeat: int, batch: int = 25) -> list[tuple[str, float]]:
    """µs per record of each `(label, fn, items, setup)`, `fn` called on batches of items.

    Each batch keeps its best time over the passes, and the candidates take turns
    within each pass, so a busy machine (a preempted batch) skews no ratio.
    """
    chunked = [[items[i:i + batch] for i in range(0, len(items), batch)] for _, _, items, _ in candidates]
    best = [[float("inf")] * len(chunks) for chunks in chunked]
    timer = time.perf_counter
    for _ in range(repeat):
        for c, (_label, fn, _items, setup) in enumerate(candidates):
            if setup is not None:
                setup()
            for k, chunk in enumerate(chunked[c]):
                t = timer()
                fn(chunk)
                best[c][k] = min(best[c][k], timer() - t)
    return [(cand[0], sum(b) / len(cand[2]) * 1e6) for cand, b in zip(candidates, best, strict=True)]


def measure(name: str, path: Path, rows: list[dict], hand, year: int, repeat: int,
            hand_float=None) -> list[tuple[str, float]]:
    text = path.read_text("utf-8")
    policy = policydsl.loads(text, str(path))
    records = policy.prepare(rows)
    pairs = [(r.values, r.exemptions) for r in records]
    prepared = policy.compile(year)
    verdicts = make_engine(policy.ir, "compiled").program(year).verdicts
    complete = [(v, ex) for v, ex in pairs if all(f.name in v or f.optional for f in policy.ir.facts)]
    wrong = sum(1 for v, ex in complete if hand(v, ex, year) != verdicts(v, ex))
    assert not wrong, f"{name}: the hand-written function disagrees on {wrong} records"
    n, m = len(rows), len(complete)
    fresh: list = []

    def new_policy() -> None:
        fresh[:] = [policydsl.loads(text, str(path))]
        fresh[0].compile(year)

    def read_all(batch) -> None:
        for r in batch:
            for o in fresh[0].evaluate_record(r, year).outcomes:
                o.explanation  # noqa: B018 - reading it is what is measured

    def before(batch) -> None:
        for r in batch:
            (rec,) = policy.prepare([r])
            make_engine(policy.ir, "compiled").record(rec, year)

    candidates = [
        ("hand-written, exact Fractions", lambda b: [hand(v, ex, year) for v, ex in b], complete, None),
        ("compiled verdicts (Program.verdicts)", lambda b: [verdicts(v, ex) for v, ex in b], complete, None),
    ]
    if hand_float is not None:  # context: what floats cost, wrong on some boundaries
        floats = [({k: float(x) if isinstance(x, Fraction) else x for k, x in v.items()}, ex) for v, ex in complete]
        candidates.append(("hand-written, floats (inexact)", lambda b: [hand_float(v, ex, year) for v, ex in b],
                           floats, None))
    candidates += [
        ("CompiledPolicy.verdicts(mapping)", lambda b: [prepared.verdicts(r) for r in b], rows, None),
        ("validation alone (CompiledPolicy.prepare)", lambda b: [prepared.prepare(r) for r in b], rows, None),
        ("Policy.evaluate_record(mapping, year)", lambda b: [policy.evaluate_record(r, year) for r in b],
         rows, None),
        ("evaluate_record, every explanation read", read_all, rows, new_policy),
        ("evaluate_record before Policy.compile (new engine per call)", before, rows[:50], None),
    ]
    out = best_of(candidates, repeat)
    print(f"\n{name}: {len(policy.rules)} rules, {n} records ({m} with every fact), year {year}")
    base = out[0][1]
    for label, us in out:
        print(f"  {label:<62} {us:9.2f} µs   {us / base:7.2f}×")
    return out


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}")
    try:
        import handwritten  # the float version of the Chifeng rules (needs numpy)

        floats = handwritten.judge
    except ImportError:
        floats = None
    measure("chifeng_2023", CHIFENG, chifeng_rows(args.year), handwritten_exact.chifeng, args.year, args.repeat,
            floats)
    measure("staffing", STAFFING, staffing_rows(2000), handwritten_exact.staffing, args.year, args.repeat)


if __name__ == "__main__":
    main()
