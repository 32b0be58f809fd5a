"""Entries kept on disk between processes, for work a later process would otherwise do
again: checked policies (`checked_cache`) and the SQL plans of batches
(`eval/duckdb_engine`). An entry is a pickle named by a digest of everything it depends
on, including `code_digest()`, so an entry made by other code is never read.

The folder is `POLICYDSL_CACHE` when set (`off` turns the cache off), else
`$XDG_CACHE_HOME/policydsl` or `~/.cache/policydsl`; it is made private to the user, and
an entry is read only from a folder the user owns (loading a pickle runs code). Anything
that goes wrong with the folder or an entry (unwritable, corrupt, removed meanwhile) only
means the work is done again. The newest entries of each kind are kept.
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


def folder() -> Path | None:
    """Where entries live, or None when the cache is off."""
    chosen = os.environ.get("POLICYDSL_CACHE")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "no") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "policydsl"


@functools.cache
def code_digest() -> str:
    """The code that makes an entry, as a digest of file names, sizes and modification
    times: the package's modules and grammar, and lark's `__init__.py` (which holds its
    version; found without importing lark, which is what a checked policy saves)."""
    root = Path(__file__).resolve().parents[1]
    files = [p for p in sorted(root.rglob("*")) if p.suffix in (".py", ".lark")]
    spec = importlib.util.find_spec("lark")
    if spec is not None and spec.origin:
        files.append(Path(spec.origin))
    h = hashlib.sha256(sys.version.encode())
    for path in files:
        st = path.stat()
        h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def digest(*parts: str | bytes) -> str:
    """A key of several parts (each length-prefixed, so no two lists share one), with the
    code's digest first."""
    h = hashlib.sha256(code_digest().encode())
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def _owned(path: Path) -> bool:
    try:
        st = path.stat()
    except OSError:
        return False
    return not hasattr(os, "getuid") or st.st_uid == os.getuid()


def read(key: str, suffix: str) -> object | None:
    """The entry stored under `key`, or None (the caller checks what it holds)."""
    where = folder()
    if where is None or not _owned(where):
        return None
    try:
        with open(where / (key + suffix), "rb") as f:
            return pickle.load(f)
    except Exception:  # missing, unreadable, truncated or from an older layout: do it again
        return None


def write(key: str, suffix: str, entry: object, keep: int) -> None:
    """Store an entry; silently nothing when the folder is unusable. The newest `keep`
    entries with this suffix are kept."""
    where = folder()
    if where is None:
        return
    with contextlib.suppress(OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _owned(where):
            return
        data = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, where / (key + suffix))  # readers see a whole entry or none
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _prune(where, suffix, keep)


def _prune(where: Path, suffix: str, keep: int) -> None:
    entries = []
    for path in where.glob("*" + suffix):
        with contextlib.suppress(OSError):
            entries.append((path.stat().st_mtime_ns, path))
    for _, path in sorted(entries, reverse=True)[keep:]:
        with contextlib.suppress(OSError):
            path.unlink()
