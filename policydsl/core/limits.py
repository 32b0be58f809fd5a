"""Bounds on what one policy or data file may ask of the tool.

A policy comes from a drafter's keyboard or a stranger's pull request, a data file
from any office's spreadsheet: neither may make the tool crash, hang or exhaust
memory. Every limit is far above what a real plan needs, gives a diagnostic with a
location when it is exceeded, and can be raised:

- with an environment variable, `POLICYDSL_MAX_<NAME>` (e.g. `POLICYDSL_MAX_DEPTH=200`),
  which every command and the Python API read;
- in Python, with `with limits.using(Limits(depth=200)): ...`.

| limit              | default    | what it bounds                                            |
|--------------------|------------|-----------------------------------------------------------|
| `policy_bytes`     | 500,000    | size of a policy file                                     |
| `depth`            | 100        | nesting of an expression, definitions (`let`) inlined     |
| `expression_nodes` | 20,000     | size of one rule's expression, definitions inlined        |
| `declarations`     | 2,000      | declarations (facts, rules, targets, ...) in one policy   |
| `digits`           | 40         | digits of a number written in a policy                    |
| `period_years`     | 100        | years in the policy's period (each is analysed)           |
| `set_members`      | 10,000     | values in one set, hence groups of one `for each` target  |
| `field_chars`      | 131,072    | characters in one CSV field (a longer one is a row error) |

Python's own recursion limit (1000 frames) is what `depth` protects: the lowering,
the checker and the evaluators walk expressions recursively, a few frames per level.
This module holds the settings only; they are enforced where each thing is read: the
parse tree's depth by `syntax/parse.py`, a module's size and inlined depth by
`checker/bounds.py`, a field's length by `data/read.py`.
`policy_bytes` and `declarations` keep parsing within a few seconds (the parser reads
about 200 KB a second); a real plan is a few dozen declarations and 20 KB.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import attrs

ENV_PREFIX = "POLICYDSL_MAX_"


@attrs.frozen
class Limits:
    """The bounds in force; every field is a positive whole number."""

    policy_bytes: int = 500_000
    depth: int = 100
    expression_nodes: int = 20_000
    declarations: int = 2_000
    digits: int = 40
    period_years: int = 100
    set_members: int = 10_000
    field_chars: int = 131_072


DEFAULTS = Limits()
_override: Limits | None = None
_warned: set[str] = set()


def current() -> Limits:
    """The limits in force: those set with `using`, else the defaults changed by
    `POLICYDSL_MAX_<NAME>` environment variables."""
    if _override is not None:
        return _override
    changes = {}
    for field in attrs.fields(Limits):
        raw = os.environ.get(ENV_PREFIX + field.name.upper())
        if raw is None:
            continue
        value = _positive(raw)
        if value is None:
            _warn_once(f"{ENV_PREFIX}{field.name.upper()}={raw!r} is ignored: "
                       "it must be a positive whole number")
        else:
            changes[field.name] = value
    return attrs.evolve(DEFAULTS, **changes) if changes else DEFAULTS


@contextlib.contextmanager
def using(limits: Limits) -> Iterator[Limits]:
    """Use `limits` instead of the environment's within a `with` block."""
    global _override
    saved, _override = _override, limits
    try:
        yield limits
    finally:
        _override = saved


def _positive(raw: str) -> int | None:
    text = raw.strip().replace("_", "")
    if not text.isascii() or not text.isdigit() or len(text) > 18 or int(text) == 0:
        return None
    return int(text)


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        print(f"policydsl: warning: {message}", file=sys.stderr)


def help_text(name: str) -> str:
    """The help line of a diagnostic for an exceeded limit."""
    return f"simplify the policy, or raise the limit with {ENV_PREFIX}{name.upper()}"
