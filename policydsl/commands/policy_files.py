"""Policy files as the subcommands read and write them: a path, a directory of `.pol`
files or standard input (`-`) read, loaded with its diagnostics printed, and written back
atomically."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from ..core.diagnostics import ERROR, Diagnostic, PolicyError
from ..core.source import Source, Span
from ..core.textsafe import visible

STDIN = "-"
STDIN_NAME = "<stdin>"


def print_diagnostics(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...], stream=None) -> None:
    from ..core.terminal import paint_diagnostic

    stream = stream or sys.stderr
    for d in diagnostics:
        print(paint_diagnostic(d.render(), stream), file=stream)


def read_policy(path: str) -> Source:
    """The policy text of `path`, or of standard input when `path` is `-`; PolicyError
    with a diagnostic when it cannot be read."""
    if path != STDIN:
        from ..loader import read_source

        return read_source(path)
    from ..core.limits import current as current_limits

    limit = current_limits().policy_bytes
    data = sys.stdin.buffer.read(limit + 1)  # bounded: a endless pipe cannot fill memory
    if len(data) > limit:
        raise PolicyError([Diagnostic("E0011", ERROR, f"policy on standard input is over the limit of {limit} bytes",
                                      None, Source(STDIN_NAME, ""),
                                      help="raise the limit with POLICYDSL_MAX_POLICY_BYTES")])
    try:
        return Source(STDIN_NAME, data.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        src = Source(STDIN_NAME, data.decode("utf-8", errors="replace"))
        raise PolicyError([Diagnostic("E0012", ERROR, "policy on standard input is not valid UTF-8",
                                      Span(e.start, e.start + 1), src, help="send UTF-8 text")]) from None


def expand_policies(paths: list[str]) -> list[str]:
    """Each path as given, a directory replaced by every `*.pol` file below it (sorted,
    so output is stable); a directory without any is kept so its absence is reported."""
    out: list[str] = []
    for path in paths:
        if path != STDIN and os.path.isdir(path):
            found = sorted(str(p) for p in Path(path).rglob("*.pol") if p.is_file())
            out.extend(found or [path])
        else:
            out.append(path)
    return out


def write_atomically(path: str, text: str) -> None:
    """Replace the file at `path` with `text`, all or nothing: the text goes to a temporary
    file in the same folder, which is renamed over the original only once fully written,
    so a full disk or a quota never leaves a truncated policy. The file keeps its mode."""
    folder = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else None
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load_or_report(path: str):
    """The loaded Policy (from standard input when `path` is `-`), or None after
    printing its diagnostics to stderr."""
    from ..policy import Policy

    try:
        policy = Policy.from_source(read_policy(path), cache=path != STDIN)
    except PolicyError as e:
        print_diagnostics(e.diagnostics)
        errors = sum(d.is_error for d in e.diagnostics)
        print(f"{visible(path)}: {errors} error{'s' if errors != 1 else ''}", file=sys.stderr)
        return None
    print_diagnostics(policy.load_warnings)
    return policy


def show_count(text: str) -> int | None:
    """`--show N|all`: how many records a list shows; None for all of them."""
    import argparse

    if text == "all":
        return None
    if text.isdigit():
        return int(text)
    raise argparse.ArgumentTypeError(f"expected a number of records or `all`, not {text!r}")
