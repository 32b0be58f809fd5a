from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A cache folder of the test's own (`POLICYDSL_CACHE`), empty at the start."""
    where = tmp_path / "cache"
    monkeypatch.setenv("POLICYDSL_CACHE", str(where))
    return where
