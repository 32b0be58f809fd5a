"""The diff of two policy versions: structure first, then meaning, year by year."""

from __future__ import annotations

import os

import attrs

from ..core import ir
from .model import OUT_OF_PERIOD, UNCHANGED, PolicyDiff, RuleChange, VersionInfo, YearVerdict
from .semantic import POPULATION_KINDS, Comparer, Side
from .structural import exemption_changes, policy_notes, same_in_year, structural_changes

DEFAULT_TIMEOUT_MS = 5000


def years_of(old, new) -> range:
    """Every year of either period."""
    first = min(old.period[0], new.period[0])
    last = max(old.period[1], new.period[1])
    return range(first, last + 1)


def compare(old, new, *, timeout_ms: int = DEFAULT_TIMEOUT_MS, old_name: str | None = None,
            new_name: str | None = None) -> PolicyDiff:
    """Diff two loaded `Policy` objects."""
    comparer = Comparer(Side(old, old.ir), Side(new, new.ir), timeout_ms)
    both = set(old.years) & set(new.years)
    changes = []
    for change in structural_changes(old.ir, new.ir):
        if change.old is None or change.new is None:
            changes.append(change)
            continue
        verdicts = []
        for year in years_of(old, new):
            if year not in both:
                side = "OLD" if year not in old.years else "NEW"
                verdicts.append(YearVerdict(year, OUT_OF_PERIOD, (), f"outside the period of {side}"))
            elif same_in_year(change.old, change.new, year):
                verdicts.append(YearVerdict(year, UNCHANGED))
            elif change.kind == "target":
                verdicts.append(comparer.compare_target(change.old, change.new, year))
            else:
                verdicts.append(comparer.compare_rule(change.old, change.new, year))
        changes.append(attrs.evolve(change, years=tuple(verdicts)))
    policy_years = []
    for year in years_of(old, new):
        if year not in both:
            side = "OLD" if year not in old.years else "NEW"
            policy_years.append(YearVerdict(year, OUT_OF_PERIOD, (), f"outside the period of {side}"))
        elif all(c.old is not None and c.new is not None and same_in_year(c.old, c.new, year)
                 for c in changes if c.kind == "rule"):
            policy_years.append(YearVerdict(year, UNCHANGED))
        else:
            policy_years.append(comparer.compare_records(year))
    return PolicyDiff(_info(old, old_name), _info(new, new_name), tuple(changes), tuple(policy_years),
                      policy_notes(old.ir, new.ir), POPULATION_KINDS, _units(old.ir, new.ir),
                      exemption_changes(old.ir, new.ir, changes))


def _units(*policies) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in policies:
        for f in p.facts:
            if isinstance(f.type, ir.Num) and f.type.unit:
                out.setdefault(f.name, f.type.unit)
    return out


def _info(policy, name: str | None) -> VersionInfo:
    source = name or (policy.ir.source.name if policy.ir.source is not None else policy.name)
    return VersionInfo(source, policy.name, policy.version, policy.period, policy.fingerprint)


def diff(old, new, *, timeout_ms: int = DEFAULT_TIMEOUT_MS, cwd: str | os.PathLike[str] | None = None) -> PolicyDiff:
    """Diff two versions given as `Policy` objects, paths, or git `REV:path` specs."""
    from .sources import load_version

    def load(x):
        if hasattr(x, "ir") and hasattr(x, "fingerprint"):
            return x
        return load_version(x, cwd)

    return compare(load(old), load(new), timeout_ms=timeout_ms)


__all__ = ["RuleChange", "compare", "diff"]
