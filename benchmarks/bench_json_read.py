"""Peak memory and time of reading a JSON array of records, run by hand:

    python benchmarks/bench_json_read.py [--records 100000]

Writes an indented JSON array of Chifeng-like records to a temporary directory, then
in fresh processes (so each peak is its own): reads it with `read_records`, element by
element, and, as the baseline measured in the same run, parses it whole with the same
exact decoder and makes the same records (what the reader did before reading in pieces). Prints each
peak resident size and time and the ratios to the baseline.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

READ = """
import sys
from policydsl.data.read import read_records
print(sum(1 for _ in read_records(sys.argv[1])))
"""
WHOLE = """
import sys
from policydsl.data.read import _object_fields, _records, loads_json
items = loads_json(open(sys.argv[1], encoding="utf-8").read())
print(sum(1 for _ in _records(((None, *_object_fields(i)) for i in items), "id", None)))
"""
WRITE = """
import json, sys
records = [{"id": f"C{i}", "name": "红山社区", "region": "红山区", "households": 1000 + i % 900,
            "service_space_m2": f"{i % 500}.25", "has_own_office": i % 3 != 0} for i in range(int(sys.argv[2]))]
open(sys.argv[1], "w", encoding="utf-8").write(json.dumps(records, ensure_ascii=False, indent=1))
"""


PEAK = "\nimport resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"


def measure(code: str, path: Path) -> tuple[int, float, int]:
    """(records, seconds, peak KiB) of `code` in a child process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code + PEAK, str(path)], capture_output=True, text=True,
                          check=True, env={"PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - start
    count, peak = done.stdout.split()
    return int(count), seconds, int(peak)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    n = parser.parse_args().records
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "records.json"
        # Written by a child too: a child's peak counts what it inherited at the fork.
        subprocess.run([sys.executable, "-c", WRITE, str(path), str(n)], check=True)
        size = path.stat().st_size
        count, read_s, read_kib = measure(READ, path)
        whole_count, whole_s, whole_kib = measure(WHOLE, path)
    assert count == whole_count == n
    print(f"{n:,} records, {size / 2**20:.1f} MiB of JSON")
    print(f"read_records, in pieces: {read_s:6.2f} s  peak {read_kib / 1024:6.1f} MiB")
    print(f"parsed whole (baseline): {whole_s:6.2f} s  peak {whole_kib / 1024:6.1f} MiB")
    print(f"ratio to baseline: time {read_s / whole_s:.2f}x, peak memory {read_kib / whole_kib:.2f}x")


if __name__ == "__main__":
    main()
