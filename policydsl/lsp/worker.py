"""The consistency analysis, off the editor's path: one worker process, latest text wins.

The solver can take seconds on a large policy. It runs in a separate process so the
server keeps answering (keystrokes never queue behind it, and the solver does not
hold the server's interpreter lock); a newer text cancels a running analysis by
letting the worker drop it between two units of the analysis (`analysis.incremental`),
and an analysis over its time budget is ended by ending the process. The worker keeps
each unit's findings by what the unit read: after an edit only the units that read a
changed rule run again, and an edit that does not change the meaning, such as typing
in a comment, gets its answer at once, with ranges taken from the new text.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from typing import Any

Finding = dict[str, Any]  # code, severity, message, start, end, help, labels: [(start, end, message)]


def _serve(conn) -> None:  # pragma: no cover - runs in the worker process
    import contextlib
    import os

    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)  # on a busy machine the editor's keystrokes get the processor first
    from policydsl.analysis.checks import findings
    from policydsl.analysis.incremental import Cancelled, Memo
    from policydsl.core.source import Source
    from policydsl.loader import check_source

    memo = Memo(should_stop=conn.poll)  # a newer job waiting: abandon this one
    while True:
        try:
            seq, name, text = conn.recv()
        except EOFError:
            return
        checked, _ = check_source(Source(name, text))
        out: list[Finding] = []
        if checked is not None:
            try:
                found = findings(checked, memo=memo)
            except Cancelled:
                memo.abandon()
                continue
            except TypeError:  # an unhashable value in the policy: analysed whole
                found = findings(checked)
            memo.finish()
            for f in found:
                d = f.diagnostic(checked)
                out.append({"code": d.code, "severity": d.severity, "message": d.message,
                            "start": d.span.start if d.span else 0, "end": d.span.end if d.span else 0,
                            "help": d.help,
                            "labels": [(lab.span.start, lab.span.end, lab.message) for lab in d.labels]})
        conn.send((seq, out))


class AnalysisWorker:
    """Runs `analyse` on a text in a worker process; `run` blocks (call it from a thread)."""

    def __init__(self, timeout_s: float = 10.0):
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._proc = None
        self._conn = None
        self._generation = 0

    def _ensure(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            return
        ctx = multiprocessing.get_context("spawn")  # no fork of a threaded server
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child,), daemon=True, name="policydsl-analysis")
        self._proc.start()
        child.close()
        self._conn = parent

    def start(self) -> None:
        """Start the process ahead of the first analysis (it imports the solver)."""
        with self._lock:
            self._ensure()

    def cancel(self) -> None:
        """Abandon the analysis under way, if any: a newer text is coming."""
        self._generation += 1

    def run(self, name: str, text: str) -> list[Finding] | None:
        """The findings for `text`; None when cancelled or out of time (the process is
        then ended and restarted for the next job)."""
        self._generation += 1
        mine = self._generation
        with self._lock:
            if mine != self._generation:
                return None
            self._ensure()
            self._conn.send((mine, name, text))
            deadline = time.monotonic() + self.timeout_s
            while True:
                if self._conn.poll(0.02):
                    try:
                        seq, out = self._conn.recv()
                    except EOFError:
                        self._kill()
                        return None
                    if seq == mine:
                        return out
                    continue  # the answer to an abandoned text
                if mine != self._generation:
                    # A newer text: the worker drops this one when that arrives, between two
                    # units of the analysis, keeping what it finished for the next analysis.
                    return None
                if time.monotonic() > deadline or not self._proc.is_alive():
                    self._kill()
                    self._ensure()  # the next analysis finds a process that has imported the solver
                    return None

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(1)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def close(self) -> None:
        self.cancel()
        with self._lock:
            self._kill()
