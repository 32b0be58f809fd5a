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


@pytest.fixture(scope="session")
def golden(update_golden: bool):
    """`golden(path, text)`: assert that `path` holds `text`, or write it with --update-golden."""
    from pathlib import Path

    def compare(path: Path, text: str) -> None:
        path = Path(path)
        if update_golden:
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"{path} is missing: run pytest --update-golden and read it"
        assert text == path.read_text(encoding="utf-8"), f"{path.name} differs"

    return compare


def pytest_configure(config: pytest.Config) -> None:
    # checked policies kept between processes go to a folder of the run's own, which
    # every test and every command a test starts shares (and none writes the user's)
    import os
    import tempfile

    if "POLICYDSL_CACHE" not in os.environ:
        os.environ["POLICYDSL_CACHE"] = config._policydsl_cache = tempfile.mkdtemp(prefix="policydsl-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    import shutil

    folder = getattr(config, "_policydsl_cache", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
