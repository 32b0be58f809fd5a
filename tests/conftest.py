"""Options shared by every test: `--update-golden` rewrites expected outputs.

Every golden file (check diagnostics, formatter outputs, hostile corpora, doc examples,
analysis and diff findings) is compared through the `update_golden` fixture, so one
option regenerates them all:

    python -m pytest --update-golden tests/...

then read the diff before committing it.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite golden files with what the code produces now")


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether golden files are to be rewritten instead of compared."""
    return bool(request.config.getoption("--update-golden"))
