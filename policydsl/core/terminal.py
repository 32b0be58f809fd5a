"""Colour on a terminal: only when the stream is one, never into a pipe or a file,
never with `NO_COLOR` set (https://no-color.org) or `TERM=dumb`; `FORCE_COLOR`
turns it on where a terminal cannot be detected (CI logs)."""

from __future__ import annotations

import os
import re
from typing import TextIO

RED, YELLOW, CYAN, BOLD, RESET = "\x1b[31m", "\x1b[33m", "\x1b[36m", "\x1b[1m", "\x1b[0m"

# The severity after `file:line:col: ` (or at the start, for a diagnostic without a place).
_SEVERITY = re.compile(r"^((?:[^\n]*?:\d+:\d+: )?)(error|warning)(\[\w+\])?:", re.MULTILINE)
_HELP = re.compile(r"^(\s*= )(help|note):", re.MULTILINE)


def use_colour(stream: TextIO) -> bool:
    """Whether to write colour to `stream`."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False


def paint_diagnostic(text: str, stream: TextIO) -> str:
    """A rendered diagnostic with `error:` in red and `warning:` in yellow when `stream`
    takes colour; unchanged otherwise. The text itself was made safe by the renderer,
    and only escape sequences of our own are added."""
    if not use_colour(stream):
        return text

    def severity(m: re.Match[str]) -> str:
        colour = RED if m.group(2) == "error" else YELLOW
        return f"{m.group(1)}{BOLD}{colour}{m.group(2)}{m.group(3) or ''}:{RESET}"

    text = _SEVERITY.sub(severity, text, count=1)
    return _HELP.sub(lambda m: f"{m.group(1)}{BOLD}{CYAN}{m.group(2)}:{RESET}", text)
