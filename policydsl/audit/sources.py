"""Where the two versions come from: a file, or `REV:path` read from git.

A git revision is read with `git show` given an argument list, never a shell
string, and a revision that looks like an option is refused, so no
user-supplied text can become a command or a flag.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from ..core.diagnostics import ERROR, Diagnostic, PolicyError
from ..core.source import Source

GIT_TIMEOUT_SECONDS = 30


def is_git_spec(spec: str) -> bool:
    """`REV:path` that is not an existing file (a file name may contain a colon)."""
    if Path(spec).exists():
        return False
    rev, sep, path = spec.partition(":")
    return bool(sep and rev and path)


def read_version(spec: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None) -> Source:
    """The text of one policy version: a path, or `REV:path` (git's own path rules apply)."""
    from ..loader import decode_source, read_source

    text_spec = os.fspath(spec)
    if not is_git_spec(text_spec):
        return read_source(text_spec)
    rev = text_spec.partition(":")[0]
    if rev.startswith("-"):
        raise _error(text_spec, f"`{rev}` is not a git revision", "name a commit, branch or tag before `:`")
    try:
        # The object's size first, so a huge blob is refused before any of it is read.
        size = _git(["git", "cat-file", "-s", text_spec], cwd)
        if size.returncode == 0 and size.stdout.strip().isdigit():
            decode_source(text_spec, b"", int(size.stdout))
        done = _git(["git", "show", text_spec], cwd)
    except FileNotFoundError:
        raise _error(text_spec, "cannot read a git revision: `git` is not installed", None) from None
    except subprocess.TimeoutExpired:
        raise _error(text_spec, "`git show` did not answer in time", None) from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise _error(text_spec, f"cannot read `{text_spec}` from git: "
                     f"{reason[-1] if reason else 'unknown error'}",
                     "write `REV:path`, e.g. `HEAD~1:policies/plan.pol` (path from the repository root)")
    return decode_source(text_spec, done.stdout)


def _git(argv: list[str], cwd: str | os.PathLike[str] | None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, timeout=GIT_TIMEOUT_SECONDS, check=False)


def _error(name: str, message: str, help_: str | None) -> PolicyError:
    return PolicyError([Diagnostic("E0013", ERROR, message, None, Source(name, ""), help=help_)])


def load_version(spec: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None):
    """A checked `Policy` from a path or `REV:path`; PolicyError holds the diagnostics."""
    from ..policy import Policy

    return Policy.from_source(read_version(spec, cwd))
