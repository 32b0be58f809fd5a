"""At the end of a run of the fuzz tests, what they did: inputs per test, command runs
(in process and in a real process) and engine comparisons."""

from __future__ import annotations

import pytest

from .harness import TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLY:
        return
    inputs = sum(n for k, n in TALLY.items() if k.startswith("inputs: "))
    terminalreporter.section("fuzz tally")
    for key in sorted(TALLY):
        terminalreporter.write_line(f"{TALLY[key]:>10,}  {key}")
    terminalreporter.write_line(f"{inputs:>10,}  inputs in all")
