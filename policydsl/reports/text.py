"""The text report: for one year or several, in Chinese or English, optionally broken
down by a fact (`--by region`).

Every line passes through `textsafe.visible` on its way out, so no id, label, title or
explanation can move the cursor, retitle the terminal or start a line of its own.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence

from ..core import ir
from ..core.textsafe import visible
from ..eval.results import EXEMPTED, FAIL, NOT_APPLICABLE, OUTCOMES, UNKNOWN
from .collector import ReportCollector
from .model import (
    ReportOptions,
    YearReport,
    group_text,
    group_values,
    in_force,
    rule_tracks,
    scope_text,
    target_tracks,
    target_type,
    targets_for_group,
    wording,
)
from .words import ZH, Wording


def render_text(policy, years: Sequence[YearReport], options: ReportOptions | None = None,
                fingerprint: str | None = None) -> str:
    """The report of one or more evaluated years, in order."""
    options = options or ReportOptions()
    w = wording(policy, options)
    out = _header(policy, w, years, fingerprint or policy.fingerprint)
    if len(years) > 1:
        out += _trajectory(policy, w, years, options)
    for y in years:
        out += _year(policy, w, y, options)
    return "\n".join(visible(line) for line in out).rstrip("\n") + "\n"


# ---- layout helpers -----------------------------------------------------------------------


def _w(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _w(text))


def _table(rows: list[list[str]], numeric_from: int | None = None, indent: str = "  ",
           numeric_to: int | None = None) -> list[str]:
    """Columns padded to their display width; columns numeric_from..numeric_to-1 right-aligned."""
    widths = [max(_w(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            last = i == len(row) - 1
            numeric = numeric_from is not None and numeric_from <= i < (numeric_to or len(row))
            if numeric and n > 0:
                cells.append(" " * (widths[i] - _w(cell)) + cell)
            else:
                cells.append(cell if last else _pad(cell, widths[i]))
        lines.append(indent + "  ".join(cells).rstrip())
        if n == 0:
            lines.append(indent + "  ".join("-" * wd for wd in widths))
    return lines


def who(rid: str, labels: tuple, w: Wording) -> str:
    """A record as a reader knows it: its id and its labels (`CF-HS-001 永盛社区 红山区`)."""
    shown = [w.value(v) for v in labels if v is not None]
    return " ".join([rid, *shown])


def _clauses(rule: ir.Rule) -> str:
    return ",".join(rule.clauses)


def _idle(rules, year: int, w: Wording) -> list[str]:
    if not rules:
        return []
    names = w("and").join(w.rule(r) + w("paren", text=_clauses(r)) for r in rules)
    return ["  " + w("not_in_force", year=year, names=names)]


# ---- sections ---------------------------------------------------------------------------


def _header(policy, w: Wording, years: Sequence[YearReport], fingerprint: str) -> list[str]:
    meta = policy.ir.meta
    first, last = meta.period
    titles = [meta.original, meta.title] if w.lang == ZH else [meta.title, meta.original]
    out = [t for t in titles if t] or [meta.name]
    version = w("version_part", version=meta.version) if meta.version else ""
    out.append(w("meta_line", name=meta.name, version=version, first=first, last=last, fingerprint=fingerprint))
    if len(years) > 1:
        out.append(w("years_head", years="、".join(str(y.year) for y in years) if w.lang == ZH
                     else ", ".join(str(y.year) for y in years)))
    return out + [""]


def _year(policy, w: Wording, y: YearReport, options: ReportOptions) -> list[str]:
    c = y.collector
    day = getattr(y.year, "date", None)  # judged on a day (`--date`), not a whole year
    head = (w("day_head", day=day.isoformat(), count=w.records(c.records)) if day is not None
            else w("year_head", year=y.year, count=w.records(c.records)))
    out = [head, ""]
    out += _rules(policy, w, y)
    out += _targets(policy, w, y)
    if options.by is not None:
        out += _by_group(policy, w, y, options)
    else:
        out += _failing(policy, w, y)
    out += _offenders(policy, w, y)
    out += _listing(w("exemptions_head", n=c.exempted_total), c.exempted_total,
                    [f"  {who(rid, labels, w)}  {w.rule(_rule(policy, o.rule))} [{','.join(o.clauses)}]{w('colon')}"
                     f"{w.explanation(o.explanation)}" for rid, labels, o in c.exempted], w)
    out += _listing(w("errors_head", n=c.errors_total), c.errors_total,
                    [f"  {who(r.id, labels, w)}  {e.field}{w('colon')}{e.message}"
                     for r, labels in c.errors for e in r.errors], w, shown=len(c.errors))
    out += _summary(w, y)
    return out + [""]


def _rule(policy, name: str) -> ir.Rule:
    return next(r for r in policy.ir.all_rules if r.name == name)


def _counts_row(w: Wording, counts: Counter) -> list[str]:
    return [str(counts[o]) for o in OUTCOMES]


def _rules(policy, w: Wording, y: YearReport) -> list[str]:
    active = [r for r in policy.rules if in_force(r, y.year)]
    out = [w("rules_head", entity=w.entity, year=y.year)]
    rows = [[w("col_rule"), w("col_clauses"), w("col_modality")] + [w.outcome_head(o) for o in OUTCOMES]]
    for rule in active:
        counts = y.collector.rule_counts.get(rule.name, Counter())
        rows.append([w.rule(rule), _clauses(rule), w.modality(rule.modality)] + _counts_row(w, counts))
    out += _table(rows, numeric_from=3)
    return out + _idle([r for r in policy.rules if not in_force(r, y.year)], y.year, w) + [""]


def target_explanation(policy, w: Wording, t) -> str:
    """A target's explanation, with what the denominator of a share counts."""
    note = denominator(_rule(policy, t.rule), w) if t.outcome != NOT_APPLICABLE else None  # nothing was counted
    return w.explanation(t.explanation) + (note or "")


def denominator(rule: ir.Rule, w: Wording) -> str | None:
    """What the denominator of a share target counts when it is not every record
    (`（分母：满足“社区党组织”的社区）`); None for other targets and whole populations."""
    scope = scope_text(rule, w)
    cond = rule.condition
    shares = any(isinstance(x, ir.Agg) and x.kind == "share" for x in ir.walk(cond)) or "/" in (cond.text or "")
    return w("denominator_of", plural=w.plural, scope=scope) if scope and shares else None


def _targets(policy, w: Wording, y: YearReport) -> list[str]:
    if not policy.targets:
        return []
    out = [w("targets_head", plural=w.plural)]
    rows = [[w("col_target"), w("col_clauses"), w("col_modality"), w("col_group"), w("col_verdict"),
             w("col_explanation")]]
    for t in y.targets:
        rule = _rule(policy, t.rule)
        if in_force(rule, y.year):
            rows.append([w.rule(rule), ",".join(t.clauses), w.modality(t.modality),
                         t.group if t.group is not None else w("all"), w.verdict(t.outcome, t.modality),
                         target_explanation(policy, w, t)])
    if len(rows) > 1:
        out += _table(rows)
    return out + _idle([r for r in policy.targets if not in_force(r, y.year)], y.year, w) + [""]


def _rule_head(w: Wording, rule: ir.Rule, counts: Counter) -> str:
    fails, unknown = counts[FAIL], counts[UNKNOWN]
    head = (f"{w.rule_full(rule)} [{_clauses(rule)}{w('comma')}{w.modality(rule.modality)}]{w('colon')}"
            f"{w.kinds(fails, rule.modality)}")
    return head + (f"{w('and')}{w.kinds(unknown, 'unknown')}" if unknown else "")


def _items(w: Wording, items: list, total: int, indent: str = "  ") -> list[str]:
    out = [f"{indent}{who(rid, labels, w)}  {w.verdict(o.outcome, o.modality)}{w('colon')}"
           f"{w.explanation(o.explanation)}"
           for rid, labels, _, o, _ in items]
    if total > len(items):
        out.append(indent + w.more(total - len(items)))
    return out


def _failing(policy, w: Wording, y: YearReport) -> list[str]:
    c = y.collector
    out = []
    for rule in policy.rules:
        counts = c.rule_counts.get(rule.name, Counter())
        if not counts[FAIL] and not counts[UNKNOWN]:
            continue
        out.append(_rule_head(w, rule, counts))
        out += _items(w, c.failing.get(rule.name, []), counts[FAIL] + counts[UNKNOWN])
    return ([w("failing_head")] + out + [""]) if out else []


def _by_group(policy, w: Wording, y: YearReport, options: ReportOptions) -> list[str]:
    """Per value of `--by`: counts per rule, the targets grouped by the same fact, and
    the group's own failing records."""
    c, fact = y.collector, options.by
    active = [r for r in policy.rules if in_force(r, y.year)]
    out = [w("by_head", fact=w.fact(fact)), ""]
    for value in group_values(policy.ir, fact, [y]):
        name = group_text(policy.ir, fact, value, w)
        out.append(w("group_head", fact=w.fact(fact), value=name, records=w.records(c.group_records[value])))
        rows = [[w("col_rule"), w("col_clauses")] + [w.outcome_head(o) for o in OUTCOMES]]
        for rule in active:
            counts = c.group_counts.get(rule.name, {}).get(value, Counter())
            if counts[FAIL] or counts[UNKNOWN] or counts[EXEMPTED]:
                rows.append([w.rule(rule), _clauses(rule)] + _counts_row(w, counts))
        if len(rows) > 1:
            out += _table(rows, numeric_from=2, indent="    ")
        group_key = value if isinstance(value, str) or value is None else name
        for t in targets_for_group(policy.ir, y, fact, group_key):
            rule = _rule(policy, t.rule)
            if not in_force(rule, y.year):
                continue
            out.append(f"    {w.rule(rule)} [{_clauses(rule)}{w('comma')}{w.modality(t.modality)}]{w('colon')}"
                       f"{w.verdict(t.outcome, t.modality)} — {target_explanation(policy, w, t)}")
        for rule in active:
            counts = c.group_counts.get(rule.name, {}).get(value, Counter())
            if counts[FAIL] or counts[UNKNOWN]:
                out.append("    " + _rule_head(w, rule, counts))
                out += _items(w, c.group_failing.get((rule.name, value), []),
                              counts[FAIL] + counts[UNKNOWN], indent="      ")
        out.append("")
    return out


def _offenders(policy, w: Wording, y: YearReport) -> list[str]:
    """Records with the most failures: violations weigh most, then deviations, then shortfalls."""
    c = y.collector
    if not c.offenders:
        return []
    head = w("offenders_head", plural=w.plural, Plural=w.plural.capitalize())
    out = [head]
    for _, _, rid, labels, failed in c.offenders:
        kinds = Counter(o.modality for o in failed)
        what = w("and").join(w.kinds(n, m) for m, n in sorted(kinds.items(), key=lambda x: _ORDER[x[0]]))
        out.append(f"  {who(rid, labels, w)}  {what}")
        out += [f"    {w.rule(_rule(policy, o.rule))} [{','.join(o.clauses)}]{w('colon')}{w.explanation(o.explanation)}"
                for o in failed]
    return out + [""]


_ORDER = {"must": 0, "in_principle": 1, "strive": 2}


def _listing(title: str, total: int, lines: list[str], w: Wording, shown: int | None = None) -> list[str]:
    if not total:
        return []
    shown = len(lines) if shown is None else shown
    more = ["  " + w.more(total - shown)] if total > shown else []
    return [title] + lines + more + [""]


def _summary(w: Wording, y: YearReport) -> list[str]:
    c = y.collector
    target_kinds = Counter(t.modality if t.outcome == FAIL else t.outcome for t in y.targets)
    return [w("summary_head"),
            "  " + w("summary_records", records=w.records(c.records), errors=c.errors_total),
            "  " + w("summary_rules", tally=w.tally(c.kinds)),
            "  " + w("summary_targets", tally=w.tally(target_kinds))]


# ---- over the years ---------------------------------------------------------------------


def trend_word(w: Wording, trend: str) -> str:
    return w(trend)


def _trajectory(policy, w: Wording, years: Sequence[YearReport], options: ReportOptions) -> list[str]:
    span = f"{years[0].year}–{years[-1].year}"
    out = [w("trajectory_head", years=span), "", w("traj_rules", plural=w.plural)]
    rows = [[w("col_rule"), w("col_clauses")] + [str(y.year) for y in years] + [w("col_trend")]]
    tracks = rule_tracks(policy.ir, years)
    for t in tracks:
        rows.append([w.rule(t.rule), _clauses(t.rule)]
                    + [w("not_in_force_short") if n is None else str(n) for n in t.failing]
                    + [trend_word(w, t.trend)])
    out += _table(rows, numeric_from=2, numeric_to=2 + len(years))
    for t in tracks:
        for year, newly in t.newly:
            if not newly:
                continue
            out.append(f"  {w.rule(t.rule)} [{_clauses(t.rule)}] " + w("newly_failing", year=year, n=len(newly)))
            shown = newly if options.show is None else newly[: options.show]
            out += [f"    {who(rid, labels, w)}" for rid, labels in shown]
            if len(newly) > len(shown):
                out.append("    " + w.more(len(newly) - len(shown)))
    out.append("")
    ttracks = target_tracks(policy.ir, years)
    if ttracks:
        out.append(w("traj_targets"))
        rows = [[w("col_target"), w("col_clauses"), w("col_group")] + [str(y.year) for y in years]
                + [w("col_trend")]]
        for t in ttracks:
            typ = target_type(t.rule)
            cells = []
            for r in t.results:
                if r is None or r.outcome == "not_applicable":
                    cells.append(w("not_in_force_short"))
                else:
                    mark = "" if r.outcome in ("pass", "not_applicable") else " ✗"
                    cells.append(f"{_q(w, r.value, typ)} / {_q(w, r.required, typ)}{mark}")
            rows.append([w.rule(t.rule), _clauses(t.rule), t.group if t.group is not None else w("all")]
                        + cells + [trend_word(w, t.trend)])
        out += _table(rows)
        out.append("  " + (f"（{w('col_achieved')} / {w('col_required')}；✗ 未达到）" if w.lang == ZH
                           else f"({w('col_achieved')} / {w('col_required')}; ✗ not met)"))
        for rule in dict.fromkeys(t.rule for t in ttracks):  # a share's denominator, once per target
            note = denominator(rule, w)
            if note:
                out.append(f"  {w.rule(rule)} [{_clauses(rule)}]{note}")
        out.append("")
    return out


def _q(w: Wording, value, typ) -> str:
    if value is None or typ is None:
        return "—"
    return w.quantity(value, typ)


# ---- one year's report from an evaluation ------------------------------------------


def text_report(policy, result, show: int | None = 10, options=None, fields=None) -> str:
    """The report of an evaluation held in memory. `fields` gives each record's values
    (as `Policy.prepare` reads them), in order, for labels and groups."""
    options = options or ReportOptions(show=show)
    collector = ReportCollector(policy, options.show, by=options.by)
    values = iter(fields) if fields is not None else None
    for record in result.records:
        collector.add(record, next(values) if values is not None else None)
    return render_report(policy, collector, result.targets, result.year, result.policy.fingerprint, options)


def render_report(policy, c: ReportCollector, targets, year: int, fingerprint: str, options=None) -> str:
    """The text report of one year from what a collector gathered (see `reports.text`)."""
    options = options or ReportOptions(show=c.show, by=c.by)
    return render_text(policy, [YearReport(year, c, list(targets), {}, False)], options, fingerprint)


def stream_report(policy, result) -> str:
    """The report of a driver's result (`eval.stream.StreamResult`), from the collector it
    was given."""
    return render_report(policy, result.report, result.targets, result.year, result.policy.fingerprint)
