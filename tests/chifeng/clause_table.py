"""The clause table of docs/chifeng.md, generated from the policy.

    python tests/chifeng/clause_table.py      # prints the table to paste into the doc

`test_chifeng_text.py` checks the doc's table is exactly this output, so the line
numbers cannot go stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "policies" / "chifeng_2023.pol"
MODALITY = {"must": "must", "in_principle": "in principle", "strive": "strive"}


def years_in_force(rule) -> tuple[int, int]:
    """The rule's years, starting no earlier than the first entry of any schedule it uses."""
    from policydsl.core import ir

    start, end = rule.years
    for node in ir.walk(rule.condition):
        if isinstance(node, ir.Sched):
            start = max(start, node.entries[0][0])
    return start, end


def rows(policy_path: Path = POLICY) -> list[tuple[str, str, str, str, str, str, int]]:
    """(clause, rule, kind, modality, years, section, line) for every clause a rule cites."""
    import policydsl

    text = policy_path.read_text(encoding="utf-8")
    policy = policydsl.load(policy_path)
    out = []
    for rule in policy.rules + policy.targets:
        line = text.count("\n", 0, rule.span.start) + 1
        start, end = years_in_force(rule)
        years = str(start) if start == end else f"{start}–{end}"
        kind = "target" if rule.is_target else "rule"
        for clause in rule.clauses:
            out.append((clause, rule.name, kind, MODALITY[rule.modality], years, rule.section or "", line))
    return sorted(out, key=lambda r: (r[0], r[6]))


def table(policy_path: Path = POLICY) -> str:
    """The Markdown table, one row per clause and rule."""
    lines = ["| clause | rule | kind | modality | in force | section | line |", "|---|---|---|---|---|---|---|"]
    for clause, name, kind, modality, years, section, line in rows(policy_path):
        lines.append(f"| {clause} | `{name}` | {kind} | {modality} | {years} | {section} | "
                     f"[{line}](../policies/chifeng_2023.pol#L{line}) |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(table())
