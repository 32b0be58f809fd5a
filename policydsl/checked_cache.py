"""Checked policies kept between processes, so a command does not parse and check the same
file again: most of a first `load` is importing the parser and checking the text.

An entry is the checked IR and the front end's warnings of one policy file, stored only
when the check found no error. Its key is everything the check depends on: the file's
name (diagnostics quote it) and text, the limits in force (the limits stage reads them),
and the code that checks (`core.disk_cache.code_digest`: the Python version, every module
and grammar file's name, size and modification time, and lark's version file), so an
entry made by other code is never read. Where entries live, and what happens when
anything goes wrong with one, is `core.disk_cache`'s. The newest `KEEP` are kept.
"""

from __future__ import annotations

import attrs

from .core import disk_cache, ir
from .core.diagnostics import Diagnostic
from .core.limits import current as current_limits
from .core.source import Source

KEEP = 64  # entries; each is about 50 KB for a policy the size of Chifeng's
_SUFFIX = ".checked"


def _key(source: Source) -> str:
    return disk_cache.digest(source.name, source.text, repr(attrs.astuple(current_limits())))


def get(source: Source) -> tuple[ir.Policy, list[Diagnostic]] | None:
    """The checked policy and warnings stored for `source`, or None."""
    entry = disk_cache.read(_key(source), _SUFFIX)
    if not (isinstance(entry, tuple) and len(entry) == 2):
        return None
    checked, warnings = entry
    if not isinstance(checked, ir.Policy) or not isinstance(warnings, list | tuple) or not all(
            isinstance(d, Diagnostic) for d in warnings):
        return None
    return checked, list(warnings)


def put(source: Source, checked: ir.Policy, warnings: list[Diagnostic]) -> None:
    """Store a policy checked without errors; silently nothing when the folder is unusable."""
    disk_cache.write(_key(source), _SUFFIX, (checked, warnings), KEEP)
