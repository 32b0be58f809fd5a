"""The auditor's diff: which obligations changed, in which direction, from which year, with proof.

    structural.py  rule matching and the edit script (tags: added, modality changed, ...)
    semantic.py    implication both ways per year, through the solver, with replayed witnesses
    render.py      text, JSON and Markdown reports
    sources.py     reading a version from a file or a git revision

`policydsl.diff(old, new)` is both this package and the function: importing the
package replaces the facade's function by the package, so the package is callable.
"""

from __future__ import annotations

import sys
import types

from .core import compare, diff
from .model import PolicyDiff, RuleChange, Witness, YearVerdict

__all__ = ["PolicyDiff", "RuleChange", "Witness", "YearVerdict", "compare", "diff"]


class _CallableModule(types.ModuleType):
    def __call__(self, old, new, **options) -> PolicyDiff:
        return diff(old, new, **options)


sys.modules[__name__].__class__ = _CallableModule
