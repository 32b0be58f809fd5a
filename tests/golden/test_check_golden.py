"""Diagnostics of malformed and ill-typed policies, against golden files.

Each `check/NAME.pol` has `check/NAME.expected`: the rendered diagnostics of the
front end (parse, lower, check). Regenerate with `pytest --update-golden tests/golden`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policydsl.core.diagnostics import PolicyError
from policydsl.loader import check_source, read_source

HERE = Path(__file__).parent / "check"
CASES = sorted(p.stem for p in HERE.glob("*.pol"))


def render(path: Path) -> str:
    # Relative names keep the golden files independent of where the checkout lives.
    rel = path.relative_to(Path(__file__).parents[2]).as_posix()
    try:
        source = read_source(rel if Path(rel).exists() else path)
    except PolicyError as e:
        diagnostics = e.diagnostics
    else:
        diagnostics = check_source(source)[1]
    return "\n".join(d.render() for d in diagnostics) + "\n"


@pytest.fixture(autouse=True)
def _from_project_root(monkeypatch):
    monkeypatch.chdir(Path(__file__).parents[2])


def test_there_are_at_least_fifteen_distinct_cases():
    assert len(CASES) >= 15


@pytest.mark.parametrize("name", CASES)
def test_diagnostics_match_golden(name, update_golden):
    got = render(HERE / f"{name}.pol")
    expected_path = HERE / f"{name}.expected"
    if update_golden:
        expected_path.write_text(got, encoding="utf-8")
    assert got == expected_path.read_text(encoding="utf-8")
    assert ": error: " in got or ": warning: " in got
