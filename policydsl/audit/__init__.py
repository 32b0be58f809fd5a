"""The auditor's diff: which obligations changed, in which direction, from which year, with proof.

    policy_diff.py the whole diff: the years of either period, the verdict, the `PolicyDiff`
    structural.py  rule matching and the edit script (tags: added, modality changed, ...)
    semantic.py    implication both ways per year, through the solver, with replayed witnesses
    render.py      text, JSON and Markdown reports
    sources.py     reading a version from a file or a git revision

`policydsl.diff(old, new)` is the public entry point; it returns a `PolicyDiff`.
"""

from __future__ import annotations

from .model import PolicyDiff, RuleChange, Witness, YearVerdict
from .policy_diff import compare, diff

__all__ = ["PolicyDiff", "RuleChange", "Witness", "YearVerdict", "compare", "diff"]
