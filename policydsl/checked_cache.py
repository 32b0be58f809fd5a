"""Checked policies kept between processes, so a command does not parse and check the same
file again: most of a first `load` is importing the parser and checking the text.

An entry is the checked IR and the front end's warnings of one policy file, stored only
when the check found no error. Its key is everything the check depends on: the file's
name (diagnostics quote it) and text, the limits in force (the limits stage reads them),
the Python version, and the code that checks (every module and grammar file's name, size
and modification time, and lark's version file), so an entry made by other code is never
read. The folder
is `POLICYDSL_CACHE` when set (`off` turns the cache off), else `$XDG_CACHE_HOME/policydsl`
or `~/.cache/policydsl`; it is made private to the user, and an entry is read only from a
folder the user owns (an entry is a pickle: loading one runs code). Anything that goes
wrong with the folder or an entry (unwritable, corrupt, removed meanwhile) only means the
policy is checked again. The newest `KEEP` entries are kept.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import pickle
import sys
import tempfile
from pathlib import Path

import attrs

from .core import ir
from .core.diagnostics import Diagnostic
from .core.limits import current as current_limits
from .core.source import Source

KEEP = 64  # entries; each is about 50 KB for a policy the size of Chifeng's
_SUFFIX = ".checked"


def folder() -> Path | None:
    """Where entries live, or None when the cache is off."""
    chosen = os.environ.get("POLICYDSL_CACHE")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "no") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "policydsl"


@functools.cache
def _code() -> str:
    """The code a check runs, as a digest of file names, sizes and modification times: the
    package's modules and grammar, and lark's `__init__.py` (which holds its version; found
    without importing lark, which is what the cache saves)."""
    root = Path(__file__).resolve().parent
    files = [p for p in sorted(root.rglob("*")) if p.suffix in (".py", ".lark")]
    spec = importlib.util.find_spec("lark")
    if spec is not None and spec.origin:
        files.append(Path(spec.origin))
    h = hashlib.sha256(sys.version.encode())
    for path in files:
        st = path.stat()
        h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _key(source: Source) -> str:
    h = hashlib.sha256(_code().encode())
    for part in (source.name, source.text, repr(attrs.astuple(current_limits()))):
        h.update(len(part.encode("utf-8", "surrogatepass")).to_bytes(8, "big"))
        h.update(part.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _owned(path: Path) -> bool:
    try:
        st = path.stat()
    except OSError:
        return False
    return not hasattr(os, "getuid") or st.st_uid == os.getuid()


def get(source: Source) -> tuple[ir.Policy, list[Diagnostic]] | None:
    """The checked policy and warnings stored for `source`, or None."""
    where = folder()
    if where is None or not _owned(where):
        return None
    try:
        with open(where / (_key(source) + _SUFFIX), "rb") as f:
            checked, warnings = pickle.load(f)
    except Exception:  # missing, unreadable, truncated or from an older layout: check again
        return None
    if not isinstance(checked, ir.Policy) or not all(isinstance(d, Diagnostic) for d in warnings):
        return None
    return checked, list(warnings)


def put(source: Source, checked: ir.Policy, warnings: list[Diagnostic]) -> None:
    """Store a policy checked without errors; silently nothing when the folder is unusable."""
    where = folder()
    if where is None:
        return
    with contextlib.suppress(OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _owned(where):
            return
        data = pickle.dumps((checked, warnings), protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, where / (_key(source) + _SUFFIX))  # readers see a whole entry or none
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _prune(where)


def _prune(where: Path) -> None:
    entries = []
    for path in where.glob("*" + _SUFFIX):
        with contextlib.suppress(OSError):
            entries.append((path.stat().st_mtime_ns, path))
    for _, path in sorted(entries, reverse=True)[KEEP:]:
        with contextlib.suppress(OSError):
            path.unlink()
