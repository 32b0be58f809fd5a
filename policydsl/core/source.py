"""Source text and spans: offsets only; lines and columns are computed when rendering."""

from __future__ import annotations

import bisect

import attrs


@attrs.frozen
class Span:
    """A half-open range of character offsets into one source text."""

    start: int
    end: int

    def cover(self, other: Span) -> Span:
        return Span(min(self.start, other.start), max(self.end, other.end))


@attrs.frozen(eq=False)
class Source:
    """A named text. Line starts are computed lazily for rendering positions."""

    name: str
    text: str
    _line_starts: list[int] | None = attrs.field(default=None, init=False, repr=False)

    def _starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            for i, ch in enumerate(self.text):
                if ch == "\n":
                    starts.append(i + 1)
            object.__setattr__(self, "_line_starts", starts)
        return self._line_starts  # type: ignore[return-value]

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of an offset."""
        starts = self._starts()
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    def line_text(self, line: int) -> str:
        starts = self._starts()
        if not 1 <= line <= len(starts):
            return ""
        begin = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[begin:end].rstrip("\r")
