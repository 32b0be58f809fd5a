"""Diagnostics as values, and the one place they are rendered as text.

Messages are one lowercase sentence with names in backticks; advice goes in `help`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

import attrs

from .source import Source, Span
from .textsafe import visible

ERROR = "error"
WARNING = "warning"
NOTE = "note"


@attrs.frozen
class Label:
    """A secondary location with a short message ("first declared here")."""

    span: Span
    message: str
    source: Source | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class Diagnostic:
    code: str
    severity: str
    message: str
    span: Span | None
    source: Source | None = attrs.field(default=None, eq=False, repr=False)
    labels: tuple[Label, ...] = ()
    help: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def location(self) -> tuple[str, int, int]:
        name = self.source.name if self.source else "<input>"
        if self.source is None or self.span is None:
            return name, 0, 0
        line, col = self.source.line_col(self.span.start)
        return name, line, col

    def render(self) -> str:
        """`file:line:col: severity: message`, the source line, a caret, labels, help."""
        # A file name or a quoted text may hold control characters (a file in a cloned
        # folder named with an escape sequence): spelled out, they cannot act on a terminal.
        name, line, col = self.location()
        name, message = visible(name), visible(self.message)
        if self.source is None or self.span is None:
            head = f"{name}: {self.severity}: {message}"
            return head + (f"\n  = help: {visible(self.help)}" if self.help else "")
        out = [f"{name}:{line}:{col}: {self.severity}: {message}"]
        out.extend(_snippet(self.source, self.span))
        for label in self.labels:
            src = label.source or self.source
            lline, lcol = src.line_col(label.span.start)
            out.append(f"  {visible(src.name)}:{lline}:{lcol}: note: {visible(label.message)}")
            out.extend(_snippet(src, label.span))
        if self.help:
            out.append(f"  = help: {visible(self.help)}")
        return "\n".join(out)

    def to_json(self) -> dict:
        name, line, col = self.location()
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": name,
            "line": line,
            "column": col,
            "help": self.help,
        }


def _width(text: str) -> int:
    """Display width: CJK characters take two columns, so carets line up under them."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


SNIPPET_WIDTH = 120  # characters of a long line shown around the caret


def _snippet(source: Source, span: Span) -> list[str]:
    line, col = source.line_col(span.start)
    text = source.line_text(line)
    end_line, end_col = source.line_col(max(span.start, span.end))
    stop = end_col - 1 if end_line == line else len(text)
    stop = max(stop, col)
    start = col - 1
    if len(text) > SNIPPET_WIDTH:  # a 100,000-character line is shown as a window, not whole
        left = max(0, start - SNIPPET_WIDTH // 3)
        right = min(len(text), left + SNIPPET_WIDTH)
        prefix = "…" if left else ""
        text = prefix + text[left:right] + ("…" if right < len(text) else "")
        start, stop = start - left + len(prefix), min(stop, right) - left + len(prefix)
    gutter = f"{line:>4} | "
    pad = " " * (len(gutter) - 2) + "| "
    caret = " " * _width(text[:start]) + "^" * max(1, _width(text[start:stop]))
    return [gutter + _visible(text), pad + caret]


def _visible(text: str) -> str:
    """Tabs as one space and control characters as `?`, so the caret stays in place."""
    return "".join(" " if c == "\t" else "?" if unicodedata.category(c) in ("Cc", "Cf") else c
                   for c in text)


class PolicyError(Exception):
    """Raised by the public API when a policy cannot be loaded; holds every diagnostic."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        self.diagnostics = tuple(diagnostics)
        super().__init__(render_all(self.diagnostics))


def render_all(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n".join(d.render() for d in diagnostics)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def nearest(name: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate for a `did you mean` hint: fewest edits, then the same
    length (so `m3` suggests `m2`, not `m`), then alphabetical; None if nothing is close."""
    best = None
    limit = max(1, len(name) // 3)
    for cand in candidates:
        d = _distance(name.lower(), cand.lower(), limit)
        if d <= limit:
            key = (d, abs(len(cand) - len(name)), cand)
            if best is None or key < best:
                best = key
    return best[2] if best else None


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up early once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]
