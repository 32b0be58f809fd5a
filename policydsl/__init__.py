"""policydsl: measurable clauses of public plans as checked, evaluable, diffable text.

    >>> import policydsl
    >>> policy = policydsl.load("policies/chifeng_2023.pol")        # doctest: +SKIP
    >>> result = policy.evaluate("examples/chifeng_communities.csv", 2024)  # doctest: +SKIP

The heavy parts (the parser, the solver, DuckDB) load only when used.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .core.diagnostics import Diagnostic, PolicyError

if TYPE_CHECKING:
    from .decisions import DecisionLog
    from .policy import Policy, YearError

__all__ = ["DecisionLog", "Diagnostic", "Policy", "PolicyError", "YearError", "check", "diff", "load", "loads", "__version__"]
from .core.version import __version__


def loads(text: str, name: str = "<string>") -> Policy:
    """Parse and check policy text; raise PolicyError holding every diagnostic on failure."""
    from .core.source import Source

    return _load(Source(name, text))


def load(path: str | os.PathLike[str]) -> Policy:
    """Load a `.pol` file; raise PolicyError holding every diagnostic on failure. A file
    this version checked before is not checked again (see `policydsl.checked_cache`)."""
    from .loader import read_source
    from .policy import Policy

    return Policy.from_source(read_source(path), cache=True)


def check(path: str | os.PathLike[str]) -> list[Diagnostic]:
    """Every diagnostic for a policy file, without raising: the front end's errors and
    warnings and, when it loads, the consistency analysis's findings (as `policydsl check`)."""
    from .loader import check_file

    return check_file(path)[1]


def diff(old, new, *, timeout_ms: int = 5000):
    """Compare two versions of a policy: what changed in meaning, year by year, with witnesses.

    `old` and `new` are `Policy` objects, paths, or git revisions `REV:path`. Returns a
    `PolicyDiff`; `policydsl.audit.render.render(d, "markdown")` gives the auditor's report.
    """
    from .audit.policy_diff import diff as _diff

    return _diff(old, new, timeout_ms=timeout_ms)


def _load(source) -> Policy:
    from .policy import Policy

    return Policy.from_source(source)


def __getattr__(name: str):
    if name in ("Policy", "YearError"):
        from . import policy

        return getattr(policy, name)
    if name == "DecisionLog":
        from .decisions import DecisionLog

        return DecisionLog
    raise AttributeError(name)
