"""Every policy the project ships is in the formatter's canonical form, so
`policydsl fmt --check` in a policy repository's CI starts from a clean state."""

from __future__ import annotations

from pathlib import Path

import pytest

from policydsl.core.source import Source
from policydsl.documents.fmt import format_text

ROOT = Path(__file__).parents[2]
SHIPPED = sorted([*ROOT.glob("policies/*.pol"), *ROOT.glob("policies/versions/*.pol"),
                  ROOT / "tests" / "fixtures" / "riverside.pol"])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_policy_is_canonical(path):
    text = path.read_text(encoding="utf-8")
    assert format_text(Source(str(path), text)) == text
