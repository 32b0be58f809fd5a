"""Run every command on one input, in process, and say what went wrong if anything did.

"Wrong" is a traceback, an internal error, an exit code outside 0/1/2, a hang (a
command taking longer than `TIMEOUT_S`), or a policy refused without a diagnostic
that has a location.

Commands run in process (a process start costs more than most commands), inside the
input's temporary folder so no command can touch the project's files; one input in
`PROCESS_EVERY` also goes through a real process, for what only a process shows: the
exit status (a signal), standard output closed early, and the same answer as in process.
`TALLY` counts what a run did; the folder's conftest prints it at the end.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import io
import json
import os
import re
import signal
import subprocess
import sys
import zlib
from pathlib import Path

from hypothesis import HealthCheck, settings

from policydsl.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]
RIVERSIDE = ROOT / "tests" / "fixtures" / "riverside.pol"
TIMEOUT_S = 30
PROCESS_EVERY = 200
TALLY: collections.Counter[str] = collections.Counter()

# A few records for the fuzzed policy to judge; most fuzzed policies declare other
# facts, which the records then lack: that must be a per-record error, never a crash.
RIVERSIDE_CSV = """\
id,district,public,beds,residents,nurses,floor_area,garden_sqft,budget,spending,rating,fire_certified,评估得分,exemptions
h1,North,true,40,38,4,1200,,60,550000,two_star,true,75,
h2,West,false,250,260,20,5000.5,600,80,700000,none,false,59.5,R1: under repair
h3,South,true,,12,1,300,10,30,400000,one_star,true,101,R99: unknown clause
"""

# The fast evaluators, as they land.
FAST_ENGINES = ["compiled", "duckdb"]

_LOCATED = re.compile(r"^.+:\d+:\d+: error: ", re.M)
_FILE_LEVEL = re.compile(r"^.+: error: ", re.M)


class Hang(Exception):
    """A command ran longer than the fuzz harness allows."""


def _alarm(signum, frame):
    raise Hang(f"no answer within {TIMEOUT_S} s")


def run_cli(argv: list[str], cwd: Path | None = None) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `policydsl ARGV` run in this process (in `cwd`
    when given), bounded in time."""
    TALLY["command runs in process"] += 1
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT_S)
    try:
        with (contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext(),
              contextlib.redirect_stdout(out), contextlib.redirect_stderr(err)):
            rc = main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return rc, out.getvalue(), err.getvalue()


def run_process(argv: list[str], cwd: Path, close_output: bool = False) -> tuple[int, str, str]:
    """As `run_cli`, in a fresh `python -m policydsl` process; with `close_output` its
    standard output is closed before it can write anything."""
    TALLY["command runs in a process"] += 1
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "policydsl", *argv], cwd=cwd, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if close_output:
        proc.stdout.close()
        err = proc.stderr.read()
        proc.wait(TIMEOUT_S)
        return proc.returncode, "", err.decode("utf-8", "replace")
    out, err = proc.communicate(timeout=TIMEOUT_S)
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def also_in_a_process(text: str) -> bool:
    """Whether this input goes through a real process too (about one in PROCESS_EVERY,
    decided by the text so a failure replays)."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) % PROCESS_EVERY == 0


def process_problems(argv: list[str], cwd: Path, rc: int, out: str) -> list[str]:
    """What a real process does differently from the in-process run that gave `rc` and
    `out`: killed by a signal, another exit code or output, or a closed output taken
    for success."""
    found = []
    prc, pout, perr = run_process(argv, cwd)
    if prc < 0:
        found.append(f"killed by signal {-prc}")
    elif (prc, pout) != (rc, out):
        found.append(f"a process gives exit code {prc} and {len(pout)} characters, in process {rc} "
                     f"and {len(out)}: {perr[-300:]}")
    if out:  # it writes something, so an output closed before it must be an error
        crc, _, cerr = run_process(argv, cwd, close_output=True)
        if crc != 2 or "Traceback" in cerr or "internal error" in cerr:
            found.append(f"with its output closed it exits {crc}: {cerr[-300:]}")
    return found


def problems(argv: list[str], rc: int, out: str, err: str) -> list[str]:
    """What is wrong with one run; empty when it behaved."""
    found = []
    if "internal error" in err or "Traceback" in err or "Traceback" in out:
        found.append("crashed: " + err.strip().splitlines()[0] if err.strip() else "crashed")
    if rc not in (0, 1, 2):
        found.append(f"exit code {rc}")
    if argv[0] in ("check", "fmt", "render") and rc == 2 and not found:
        if "--format" in argv[:-1] and argv[argv.index("--format") + 1] == "json":
            if not _json_errors(out):
                found.append("refused without a diagnostic in the JSON report: " + out[:300])
        elif not (_LOCATED.search(err) or _FILE_LEVEL.search(err)):
            found.append("refused without a diagnostic: " + err[:300])
    return found


def _json_errors(out: str) -> list[dict]:
    try:
        report = json.loads(out)
    except ValueError:
        return []
    return [d for entry in report for d in entry.get("diagnostics", []) if d.get("severity") == "error"]


def eval_json_records(data: bytes, path: Path, policy: Path = RIVERSIDE) -> dict:
    """The `--format json` report of `eval` on `data` written at `path`; fails on any
    misbehaviour or refusal, so the caller can count the records."""
    path.write_bytes(data)
    argv = ["eval", str(policy), "--facts", str(path), "--year", "2031", "--format", "json"]
    rc, out, err = run_cli(argv, cwd=path.parent)
    assert not problems(argv, rc, out, err), err
    assert rc in (0, 1), err
    return json.loads(out)


def commands_for(policy: Path, data: Path, other: Path = RIVERSIDE) -> list[list[str]]:
    """Every command that reads a policy, as it would be typed; commands not yet
    registered in the CLI are left out, so the fuzz tests grow as commands land."""
    p, d = str(policy), str(data)
    candidates = {
        "check": [["check", p]],
        "eval": [["eval", p, "--facts", d, "--year", "2031", "--format", "json"],
                 ["eval", p, "--facts", d, "--year", "2031"],
                 *(["eval", p, "--facts", d, "--year", "2031", "--format", "json", "--engine", e]
                   for e in FAST_ENGINES)],
        "fmt": [["fmt", "--check", p], ["fmt", "--diff", p]],
        "render": [["render", "--format", "markdown", p], ["render", "--format", "html", p]],
        "diff": [["diff", "--timeout", "2000", str(other), p]],
        "test": [["test", p]],
    }
    return [argv for name, argvs in candidates.items() if name in COMMANDS for argv in argvs]


def assert_every_command_behaves(text: str, tmp: Path, commands: tuple[str, ...] | None = None,
                                 json_report: bool = False) -> None:
    """Write `text` as a policy and run every command on it; fail with the first misbehaviour."""
    policy = tmp / "fuzzed.pol"
    policy.write_text(text, encoding="utf-8", errors="surrogatepass")
    data = tmp / "records.csv"
    if not data.exists():
        data.write_text(RIVERSIDE_CSV, encoding="utf-8")
    in_a_process = also_in_a_process(text)
    through_a_process = {"check", "eval", "render"}  # one of each: a process start is costly
    for argv in commands_for(policy, data):
        if commands is not None and argv[0] not in commands:
            continue
        if json_report and argv[0] == "check":
            argv = ["check", "--format", "json", *argv[1:]]
        rc, out, err = run_cli(argv, cwd=tmp)
        found = problems(argv, rc, out, err)
        if in_a_process and not found and argv[0] in through_a_process:
            through_a_process.discard(argv[0])
            found = process_problems(argv, tmp, rc, out)
        assert not found, f"{found} from `policydsl {' '.join(argv)}` on {text[:2000]!r}"


# ---- budgets ------------------------------------------------------------------------
# CI replays a fixed, derandomized budget (about a minute for the whole folder). A long
# run draws fresh examples:  HYPOTHESIS_PROFILE=long python -m pytest tests/fuzz
# (POLICYDSL_FUZZ_EXAMPLES sets the examples of a test of `share` 1, 2000 by default; a
# test whose inputs are cheaper draws `share` times as many).

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
          HealthCheck.function_scoped_fixture, HealthCheck.large_base_example]


def fuzz_settings(ci_examples: int, share: float = 1):
    """Decorator of one `@given` fuzz test: `ci_examples` derandomized, or the long budget
    times `share`; it counts the inputs the test is given in `TALLY`."""
    if LONG:
        examples = round(int(os.environ.get("POLICYDSL_FUZZ_EXAMPLES", "2000")) * share)
        chosen = settings(max_examples=max(1, examples), deadline=None, suppress_health_check=_QUIET,
                          database=None)
    else:
        chosen = settings(max_examples=ci_examples, deadline=None, derandomize=True, database=None,
                          suppress_health_check=_QUIET)

    def apply(test):
        test = chosen(test)
        inner = test.hypothesis.inner_test

        @functools.wraps(inner)
        def counted(*args, **kwargs):
            TALLY[f"inputs: {test.__name__}"] += 1
            return inner(*args, **kwargs)

        test.hypothesis.inner_test = counted
        return test

    return apply


def tally_comparison(records: int) -> None:
    """Count one engine comparison of `records` records against the reference."""
    TALLY["engine comparisons (policies)"] += 1
    TALLY["engine comparisons (records)"] += records
