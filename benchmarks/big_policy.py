"""Generate policies at the declared limits and time check, fmt --check and render on them.

    python benchmarks/big_policy.py                 # all shapes, a table of seconds
    python benchmarks/big_policy.py --before REV    # and the same at git revision REV, same run
    python benchmarks/big_policy.py --write D       # also keep the generated policies in D

Shapes (each within `policydsl/limits.py`): `rules` (1,990 small rules over a 100-year
period), `schedules` (100 rules each with a 100-entry schedule), `bytes` (a policy near the
500,000-byte limit: rules with long quoted sentences, scopes and lookups). Each timing is
one fresh process (`python -m policydsl ...`); the `parse` column is the grammar alone on
the same text, and `--before REV` runs the package as it was at REV in the same run, with
the speed-up of each column.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = """policy big
  title "A generated policy at the limits"
  period 2000 to 2099

fact households: integer household >= 0
fact staff: integer person >= 0
fact rooms: decimal m2 >= 0
fact budget: decimal yuan >= 0
fact kind: text in {"a", "b", "c"}
fact key: bool
"""


def many_rules(n: int = 1990) -> str:
    out = [HEADER]
    for i in range(n):
        out.append(f"rule r{i} clause C{i % 500}\n  where key\n  in principle rooms >= {i + 1} m2 per 100 households\n")
    return "\n".join(out)


def long_schedules(rules: int = 100, entries: int = 100) -> str:
    out = [HEADER]
    for i in range(rules):
        sched = ", ".join(f"{2000 + y}: {i + y} person" for y in range(entries))
        out.append(f"rule s{i} clause C{i}\n  must staff >= [{sched}]\n")
    return "\n".join(out)


def near_byte_limit(limit: int = 495_000) -> str:
    out, size, i = [HEADER], len(HEADER), 0
    while True:
        quote = "每百户居民 " * 40
        rule = (f"rule b{i} \"rule number {i}\"\n  clause C{i % 900}\n  quote \"{quote}\"\n"
                f"  where kind in {{\"a\", \"b\"}}\n"
                f"  must budget >= lookup households {{ below 100: {i} yuan, 100 to 999: {i + 1} yuan, "
                f"else: {i + 2} yuan }}\n")
        if size + len(rule.encode()) > limit or i >= 1990:
            break
        out.append(rule)
        size += len(rule.encode()) + 1
        i += 1
    return "\n".join(out)


SHAPES = {"rules": many_rules, "schedules": long_schedules, "bytes": near_byte_limit}


def timed(args: list[str], cwd: Path, code: Path) -> tuple[float, int]:
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, env=env)
    return time.perf_counter() - start, done.returncode


def export(rev: str) -> Path:
    """The package as it was at git revision `rev`, in a temporary directory."""
    root = Path(__file__).resolve().parents[1]
    out = Path(tempfile.mkdtemp())
    archive = subprocess.run(["git", "archive", rev, "policydsl"], cwd=root, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return out


def measure(path: Path, work: Path, code: Path) -> list[float]:
    parse_t, _ = timed(["-c", "import sys; from policydsl.syntax.parse import parser; "
                        "parser().parse(open(sys.argv[1], encoding='utf-8').read())", path.name], work, code)
    check_t, _ = timed(["-m", "policydsl", "check", path.name], work, code)
    fmt_t, _ = timed(["-m", "policydsl", "fmt", "--check", path.name], work, code)
    render_t, _ = timed(["-m", "policydsl", "render", path.name, "--format", "html"], work, code)
    return [parse_t, check_t, fmt_t, render_t]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", type=Path)
    ap.add_argument("--before", help="a git revision to measure in the same run")
    ap.add_argument("--shape", choices=sorted(SHAPES), action="append")
    args = ap.parse_args()
    work = args.write or Path(tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    here = Path(__file__).resolve().parents[1]
    versions = [("now", here)] + ([(args.before, export(args.before))] if args.before else [])
    print(f"{'shape':10} {'KB':>5} {'version':>10} {'parse':>7} {'check':>7} {'fmt':>7} {'render':>7}")
    for name in args.shape or sorted(SHAPES):
        path = work / f"{name}.pol"
        path.write_text(SHAPES[name](), encoding="utf-8")
        rows = {label: measure(path, work, code) for label, code in versions}
        kb = path.stat().st_size / 1000
        for label, times in rows.items():
            print(f"{name:10} {kb:5.0f} {label[:10]:>10} " + " ".join(f"{t:7.2f}" for t in times))
        if args.before:
            ratios = [b / n for n, b in zip(rows["now"], rows[args.before], strict=True)]
            print(f"{'':10} {'':5} {'speed-up':>10} " + " ".join(f"{r:6.1f}×" for r in ratios))


if __name__ == "__main__":
    main()
