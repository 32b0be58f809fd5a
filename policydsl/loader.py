"""Text to checked policy: the front half of the pipeline, stage by stage."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from . import ast, ir
from .diagnostics import ERROR, WARNING, Diagnostic, PolicyError, has_errors
from .limits import check_module as check_module_limits
from .limits import current as current_limits
from .source import Source, Span


def read_source(path: str | os.PathLike[str]) -> Source:
    """Read a policy file; unreadable files raise PolicyError with a diagnostic."""
    name = str(path)
    limit = current_limits().policy_bytes
    try:
        with Path(path).open("rb") as f:
            data = f.read(limit + 1)  # a byte past the limit is enough to refuse: /dev/zero never ends
            size = _regular_size(f) if len(data) > limit else len(data)
    except OSError as e:
        raise PolicyError([Diagnostic("E0010", ERROR, f"cannot read `{name}`: {e.strerror or e}",
                                      None, Source(name, ""))]) from None
    return decode_source(name, data, size)


def decode_source(name: str, data: bytes, size: int | None = None) -> Source:
    """A policy's bytes as a `Source`: refused past the size limit or when not UTF-8.
    `size` is the file's whole size when `data` may be only its first bytes (None: unknown)."""
    limit = current_limits().policy_bytes
    if len(data) > limit or (size or 0) > limit:
        what = f"{size} bytes" if size is not None and size > limit else f"more than {limit} bytes"
        raise PolicyError([Diagnostic("E0011", ERROR, f"policy file is {what}; the limit is {limit}",
                                      None, Source(name, ""), help="raise the limit with POLICYDSL_MAX_POLICY_BYTES")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        src = Source(name, data.decode("utf-8", errors="replace"))
        raise PolicyError([Diagnostic("E0012", ERROR, "policy file is not valid UTF-8", Span(e.start, e.start + 1),
                                      src, help="save the file as UTF-8")]) from None
    return Source(name, text)


def _regular_size(f) -> int | None:
    """The size of a regular file; None for a device or pipe, whose size says nothing."""
    st = os.fstat(f.fileno())
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def parse(source: Source) -> tuple[ast.Module | None, list[Diagnostic]]:
    """Parse and lower to the AST."""
    from .syntax.lower import Lowerer
    from .syntax.parse import parse_tree

    tree, diagnostics, comments = parse_tree(source)
    diagnostics = diagnostics + _bidi_warnings(source)
    if tree is None:
        return None, diagnostics
    lowerer = Lowerer(source)
    module = lowerer.module(tree, comments)
    return module, diagnostics + lowerer.diagnostics


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _bidi_warnings(source: Source) -> list[Diagnostic]:
    """Bidirectional controls inside strings or comments can make a line display
    differently from how it parses ("Trojan Source"); a reviewer should see them."""
    return [Diagnostic("W0003", WARNING, f"invisible bidirectional control U+{ord(m.group()):04X}: "
                       "this line may read differently from how it is checked",
                       Span(m.start(), m.end()), source, help="remove it unless the text needs it")
            for m in _BIDI.finditer(source.text)]


def check_source(source: Source) -> tuple[ir.Policy | None, list[Diagnostic]]:
    """Every stage up to the checked IR; diagnostics of every stage reached."""
    from .checker.typecheck import check_module

    module, diagnostics = parse(source)
    if module is None or has_errors(diagnostics):
        return None, diagnostics
    too_big = check_module_limits(module, source)  # so the checker never recurses too deep
    if too_big:
        return None, diagnostics + too_big
    policy, more = check_module(module, source)
    return policy, diagnostics + more
