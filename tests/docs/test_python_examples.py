"""Every ```python block of the docs runs, and prints what the ```output block after it says."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
BLOCK = re.compile(r"```(python|output)\n(.*?)```", re.S)
DOCS = sorted(p for p in (ROOT / "docs").glob("*.md") if "```python" in p.read_text("utf-8"))


def examples(path: Path) -> list[tuple[str, str | None]]:
    """(code, expected output or None) pairs, in order."""
    pairs: list[tuple[str, str | None]] = []
    for kind, body in BLOCK.findall(path.read_text("utf-8")):
        if kind == "python":
            pairs.append((body, None))
        elif pairs and pairs[-1][1] is None:
            pairs[-1] = (pairs[-1][0], body)
    return pairs


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_doc_python_examples_print_what_the_doc_says(doc, monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    for n, (code, expected) in enumerate(examples(doc), 1):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{doc.name}[{n}]", "exec"), namespace)
        if expected is not None:
            assert out.getvalue() == expected, f"{doc.name} example {n}"
