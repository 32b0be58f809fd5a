"""Every ```python block of the docs runs, and prints what the ```output block after it says.

`pytest --update-golden tests/docs/test_python_examples.py` rewrites the output blocks
from real runs (review the diff: it is what readers will see)."""

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
def test_doc_python_examples_print_what_the_doc_says(doc, monkeypatch, update_golden):
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    actual: list[str] = []
    for n, (code, expected) in enumerate(examples(doc), 1):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{doc.name}[{n}]", "exec"), namespace)
        actual.append(out.getvalue())
        if expected is not None and not update_golden:
            assert out.getvalue() == expected, f"{doc.name} example {n}"
    if update_golden:
        _rewrite_outputs(doc, actual)


def _rewrite_outputs(doc: Path, actual: list[str]) -> None:
    """Replace the output block after each python block with what it printed."""
    text = doc.read_text("utf-8")
    parts, pos, n = [], 0, -1
    for m in BLOCK.finditer(text):
        if m.group(1) == "python":
            n += 1
        elif n >= 0:
            parts.append(text[pos:m.start()] + "```output\n" + actual[n] + "```")
            pos = m.end()
    doc.write_text("".join(parts) + text[pos:], encoding="utf-8")
