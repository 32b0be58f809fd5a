"""The text report of an evaluation, for a person: per-rule counts, targets, failures."""

from __future__ import annotations

import unicodedata

from .results import FAIL, FAILURE_KIND, OUTCOMES, UNKNOWN, Evaluation

_HEAD = {"pass": "pass", "fail": "fail", "exempted": "exempt", "not_applicable": "n/a", "unknown": "unknown"}
_MODAL = {"must": "must", "in_principle": "in principle", "strive": "strive"}


def _w(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _w(text))


def text_report(policy, result: Evaluation, show: int = 10) -> str:
    s = result.summary
    meta = policy.ir.meta
    plural = policy.ir.entity_plural
    out = [f"{meta.title or meta.name}" + (f" (version {meta.version})" if meta.version else ""),
           f"year {result.year} · {s['records']} {plural} · fingerprint {result.policy.fingerprint}", ""]

    out.append("Rules, per record")
    rows = [["rule", "clauses", "modality"] + [_HEAD[o] for o in OUTCOMES]]
    for rule in policy.rules:
        counts = s["rules"].get(rule.name, dict.fromkeys(OUTCOMES, 0))
        rows.append([rule.name, ",".join(rule.clauses), _MODAL[rule.modality]]
                    + [str(counts[o]) for o in OUTCOMES])
    out.extend(_table(rows, numeric_from=3))

    if result.targets:
        out += ["", "Targets, per population"]
        rows = [["target", "clauses", "modality", "group", "outcome", "explanation"]]
        for t in result.targets:
            rows.append([t.rule, ",".join(t.clauses), _MODAL[t.modality], t.group or "(all)",
                         t.outcome, t.explanation])
        out.extend(_table(rows))

    failing = [(rule, [(r.id, o) for r in result.records for o in r.outcomes
                       if o.rule == rule.name and o.outcome in (FAIL, UNKNOWN)])
               for rule in policy.rules]
    failing = [(rule, items) for rule, items in failing if items]
    if failing:
        out += ["", "Failing and undecided records"]
        for rule, items in failing:
            fails = sum(1 for _, o in items if o.outcome == FAIL)
            unknown = len(items) - fails
            kind = FAILURE_KIND[rule.modality]
            head = f"{rule.name} [{','.join(rule.clauses)}, {_MODAL[rule.modality]}]: {fails} {kind}{'s' if fails != 1 else ''}"
            out.append(head + (f", {unknown} unknown" if unknown else ""))
            for rid, o in items[:show]:
                out.append(f"  {rid}  {o.outcome}: {o.explanation}")
            if len(items) > show:
                out.append(f"  … and {len(items) - show} more")

    bad = [r for r in result.records if r.errors]
    if bad:
        out += ["", f"Records with data errors: {len(bad)}"]
        for r in bad[:show]:
            for e in r.errors:
                out.append(f"  {r.id}  {e.field}: {e.message}")
        if len(bad) > show:
            out.append(f"  … and {len(bad) - show} more records")

    out += ["", "Summary",
            f"  {s['records']} {plural}, {s['records_with_errors']} with data errors",
            f"  {s['violations']} violations (must), {s['deviations']} deviations (in principle), "
            f"{s['shortfalls']} shortfalls (strive), {s['unknown']} unknown",
            ""]
    return "\n".join(out)


def _table(rows: list[list[str]], numeric_from: int | None = None) -> list[str]:
    widths = [max(_w(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            last = i == len(row) - 1
            if numeric_from is not None and i >= numeric_from:
                cells.append(" " * (widths[i] - _w(cell)) + cell)
            else:
                cells.append(cell if last else _pad(cell, widths[i]))
        lines.append("  " + "  ".join(cells).rstrip())
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return lines
