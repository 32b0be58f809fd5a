"""One Policy object shared by several threads gives each thread the results it would
get alone: the lazily built engines, compiled programs and caches are safe to share."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import policydsl

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "examples" / "chifeng_communities.csv"


def _years_and_engines() -> list[tuple[int, str]]:
    return [(year, engine) for year in (2023, 2024, 2025) for engine in ("reference", "compiled", "duckdb")] * 2


@pytest.mark.parametrize("source", ["path", "records"])
def test_a_policy_shared_by_threads_gives_every_thread_its_sequential_results(source: str) -> None:
    data: object = CSV
    if source == "records":
        import csv

        with open(CSV, encoding="utf-8", newline="") as f:
            data = list(csv.DictReader(f))
    jobs = _years_and_engines()
    # The expected results come from a fresh policy, so nothing the threads build is reused.
    fresh = policydsl.load(ROOT / "policies" / "chifeng_2023.pol")
    expected = {(year, engine): fresh.evaluate(data, year, engine=engine).to_json() for year, engine in set(jobs)}
    shared = policydsl.load(ROOT / "policies" / "chifeng_2023.pol")
    with ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(lambda job: shared.evaluate(data, job[0], engine=job[1]).to_json(), jobs))
    for job, result in zip(jobs, got, strict=True):
        assert result == expected[job], f"{job} differs when the policy is shared"
