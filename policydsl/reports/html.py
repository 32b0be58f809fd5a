"""The report as one self-contained HTML file: inline CSS and inline SVG charts, no
script, no font, image or link that leaves the page; laid out for A4 when printed.

Sections: the summary, each target's required and achieved values per year (and per
group), each rule's failing records per group of `--by` over the years, then each
year's rules, targets, failing records with explanations, exemptions and data errors.
Every text from the policy or the data is escaped by `textsafe.html_text`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from ..core.textsafe import html_text as h
from ..eval.results import FAIL, OUTCOMES, UNKNOWN
from ..provenance import EMBEDDED
from .charts import ACHIEVED, REQUIRED, YEAR_COLOURS, Bar, Row, hbar_chart
from .model import (
    ReportOptions,
    YearReport,
    group_text,
    group_values,
    in_force,
    rule_tracks,
    target_tracks,
    target_type,
    wording,
)
from .provenance import rows, stamp
from .text import denominator, target_explanation, who
from .words import ZH, Wording

_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
 "WenQuanYi Micro Hei",system-ui,sans-serif;max-width:64rem;margin:1.5rem auto;padding:0 1rem;
 color:#1d1d1f;line-height:1.45;font-size:14px}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;border-bottom:2px solid #0072B2;margin-top:2rem}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}.meta{color:#555;font-size:.85rem;word-break:break-all}
table{border-collapse:collapse;margin:.4rem 0;width:100%}td,th{border:1px solid #ccc;
 padding:.15rem .45rem;text-align:left;vertical-align:top}th{background:#eef3f8}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.fail{color:#b00020;font-weight:600}.pass{color:#1b7f3b}.muted{color:#777}
svg.chart{max-width:100%;height:auto;display:block;margin:.5rem 0 1rem}
svg .ct{font-size:13px;font-weight:600}svg .cl,svg .cv{font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:0 2rem}.charts>div{flex:1 1 26rem;min-width:0}
footer{margin-top:2rem;color:#777;font-size:.8rem}
@page{size:A4;margin:14mm 12mm}
@media print{body{max-width:none;margin:0;padding:0;font-size:10.5pt}
 h2{break-after:avoid}h3{break-after:avoid}svg.chart,tr{break-inside:avoid}
 .charts>div{flex-basis:100%}section.year{break-before:page}}
"""


def render_html(policy, years: Sequence[YearReport], options: ReportOptions | None = None,
                provenance: dict | None = None, name: str = "report.html") -> str:
    """The page; with `provenance` (`policydsl.provenance.provenance`) it shows what produced
    it and carries it, with each year's verdicts, for `policydsl replay` (`name` is the
    file the replay command shown is given)."""
    options = options or ReportOptions()
    w = wording(policy, options)
    body = _body(policy, w, years, options)
    return _page(policy, w, years, body, stamp(provenance, years) if provenance else None, provenance, name)


def render_entities_html(policy, parts: Sequence, options: ReportOptions | None = None,
                         provenance: dict | None = None, name: str = "report.html") -> str:
    """The page of a policy with several entities: one section per entity (`parts`, each a
    `reports.entities.EntityPart`), each laid out as the page of a policy with one, its
    anchors prefixed by the entity's name; the provenance names each entity's data."""
    from .provenance import stamp_entities

    options = options or ReportOptions()
    w = wording(policy, options)
    body = []
    by_name = {part.entity.name: part for part in parts}
    for part in parts:
        pw = wording(part.policy, part.options)
        e = part.entity
        anchor = f"{e.name}-"
        parent = (pw("entity_part", parent=wording(by_name[e.parent].policy, options).entity, fact=pw.fact(e.key))
                  if e.parent is not None else "")
        body.append(f'<section class="entity" id="entity-{h(e.name)}">\n'
                    f'<h2 class="entity">{h(pw("entity_head", plural=pw.plural, parent=parent))}</h2>\n')
        body += _body(part.policy, pw, part.years, part.options, anchor)
        body.append("</section>\n")
    years = parts[0].years if parts else []
    embedded = stamp_entities(provenance, parts) if provenance else None
    return _page(policy, w, years, body, embedded, provenance, name)


def _page(policy, w: Wording, years: Sequence[YearReport], body: list[str], embedded: str | None,
          provenance: dict | None, name: str) -> str:
    """The page around `body`: head, header, the provenance and the footer."""
    meta = policy.ir.meta
    title = (meta.original if w.lang == ZH and meta.original else meta.title) or meta.name
    out = [f'<!DOCTYPE html>\n<html lang="{"zh-Hans" if w.lang == ZH else "en"}">\n<head>\n'
           '<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n'
           f"<title>{h(title)}</title>\n"
           + (f'<meta name="{EMBEDDED}" content="{h(embedded)}">\n' if embedded else "")
           + f"<style>{_CSS}</style>\n</head>\n<body>\n<header>\n"
           f"<h1>{h(title)}</h1>\n"]
    other = meta.title if title != meta.title else meta.original
    if other:
        out.append(f"<p>{h(other)}</p>\n")
    version = w("version_part", version=meta.version) if meta.version else ""
    out.append(f'<p class="meta">{h(w("meta_line", name=meta.name, version=version, first=meta.period[0], last=meta.period[1], fingerprint=policy.fingerprint))}</p>\n')
    out.append(f"<p>{h(w('years_head', years='、'.join(str(y.year) for y in years)))}</p>\n</header>\n")
    out += body
    if provenance:
        out += _provenance(w, provenance, name)
    out.append(f'<footer id="end">{h(w("print_note", name=meta.name, fingerprint=policy.fingerprint))}</footer>\n'
               "</body>\n</html>\n")
    return "".join(out)


def _body(policy, w: Wording, years: Sequence[YearReport], options: ReportOptions, anchor: str = "") -> list[str]:
    """The summary, the charts and each year of one entity; `anchor` prefixes its ids."""
    out = _summary(w, years, anchor)
    out += _target_charts(policy, w, years, anchor)
    if options.by is not None:
        out += _group_charts(policy, w, years, options.by, anchor)
    for y in years:
        out += _year(policy, w, y, options, anchor)
    return out


def _table(head: Sequence[str], rows: Sequence[Sequence[tuple[str, str]]]) -> str:
    """A table; each cell is (text, css class) and is escaped here."""
    out = ["<table><thead><tr>" + "".join(f"<th>{h(c)}</th>" for c in head) + "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(f'<td class="{cls}">{h(text)}</td>' if cls else f"<td>{h(text)}</td>"
                                    for text, cls in row) + "</tr>")
    out.append("</tbody></table>\n")
    return "".join(out)


def _summary(w: Wording, years: Sequence[YearReport], anchor: str = "") -> list[str]:
    head = [w("col_year"), w("col_records"), w("data_errors")]
    head += [w("kind_col", kind=w.verdict(FAIL, m), modality=w.modality(m)) for m in ("must", "in_principle", "strive")]
    head += [w.outcome_head(UNKNOWN), w("targets_failed")]
    rows = []
    for y in years:
        c = y.collector
        failed_targets = sum(1 for t in y.targets if t.outcome == FAIL)
        rows.append([(str(y.year), ""), (str(c.records), "n"), (str(c.errors_total), "n")]
                    + [(str(c.kinds.get(m, 0)), "n fail" if c.kinds.get(m, 0) else "n")
                       for m in ("must", "in_principle", "strive", UNKNOWN)]
                    + [(str(failed_targets), "n fail" if failed_targets else "n")])
    return [f'<section id="{anchor}summary">\n<h2>{h(w("summary_html"))}</h2>\n', _table(head, rows), "</section>\n"]


def _target_charts(policy, w: Wording, years: Sequence[YearReport], anchor: str = "") -> list[str]:
    tracks = target_tracks(policy.ir, years)
    if not tracks:
        return []
    legend = [(w("col_achieved"), ACHIEVED), (w("col_required"), REQUIRED)]
    out = [f'<section id="{anchor}targets">\n<h2>{h(w("charts"))}</h2>\n<div class="charts">\n']
    by_rule: dict[str, list] = {}
    for t in tracks:
        by_rule.setdefault(t.rule.name, []).append(t)
    for group_tracks in by_rule.values():
        rule = group_tracks[0].rule
        typ = target_type(rule)
        title = f"{w.rule(rule)} ({','.join(rule.clauses)})" + (denominator(rule, w) or "")
        if len(group_tracks) == 1 and group_tracks[0].group is None:
            rows = [_target_row(w, str(y.year), r, typ) for y, r in zip(years, group_tracks[0].results, strict=True)
                    if r is not None and r.value is not None]
            if rows:
                out.append(f"<div>{hbar_chart(title, rows, legend)}</div>\n")
            continue
        for k, y in enumerate(years):
            rows = [_target_row(w, t.group or w("all"), t.results[k], typ) for t in group_tracks
                    if t.results[k] is not None and t.results[k].value is not None]
            if rows:
                out.append(f"<div>{hbar_chart(f'{title} · {y.year}', rows, legend)}</div>\n")
    out.append("</div>\n</section>\n")
    return out


def _target_row(w: Wording, label: str, r, typ) -> Row:
    achieved = float(r.value) if r.value is not None else 0.0
    required = float(r.required) if r.required is not None else 0.0
    return Row(label, (Bar(achieved, w.quantity(r.value, typ), ACHIEVED),
                       Bar(required, w.quantity(r.required, typ), REQUIRED)),
               "" if r.outcome in ("pass", "not_applicable") else " ✗")


def _group_charts(policy, w: Wording, years: Sequence[YearReport], fact: str, anchor: str = "") -> list[str]:
    groups = group_values(policy.ir, fact, years)
    legend = [(str(y.year), YEAR_COLOURS[i % len(YEAR_COLOURS)]) for i, y in enumerate(years)]
    out = [f'<section id="{anchor}by-group">\n<h2>{h(w("by_chart", plural=w.plural, fact=w.fact(fact)))}</h2>\n'
           '<div class="charts">\n']
    for track in rule_tracks(policy.ir, years):
        if not any(track.failing):
            continue
        rule = track.rule
        rows = []
        for g in groups:
            bars = []
            for i, y in enumerate(years):
                if not in_force(rule, y.year):
                    continue
                counts = y.collector.group_counts.get(rule.name, {}).get(g, Counter())
                n, total = counts[FAIL] + counts[UNKNOWN], sum(counts.values())
                bars.append(Bar(float(n), f"{n}/{total}", YEAR_COLOURS[i % len(YEAR_COLOURS)]))
            rows.append(Row(group_text(policy.ir, fact, g, w), tuple(bars)))
        title = f"{w.rule(rule)} ({','.join(rule.clauses)})"
        out.append(f"<div>{hbar_chart(title, rows, legend)}</div>\n")
    out.append("</div>\n</section>\n")
    return out


def _year(policy, w: Wording, y: YearReport, options: ReportOptions, anchor: str = "") -> list[str]:
    c = y.collector
    out = [f'<section class="year" id="{anchor}year-{y.year}">\n<h2>{h(w("year_head", year=y.year, count=w.records(c.records)))}</h2>\n']
    active = [r for r in policy.rules if in_force(r, y.year)]
    out.append(f"<h3>{h(w('rules_head', entity=w.entity, year=y.year))}</h3>\n")
    head = [w("col_rule"), w("col_clauses"), w("col_modality")] + [w.outcome_head(o) for o in OUTCOMES]
    rows = []
    for rule in active:
        counts = c.rule_counts.get(rule.name, Counter())
        rows.append([(w.rule(rule), ""), (",".join(rule.clauses), ""), (w.modality(rule.modality), "")]
                    + [(str(counts[o]), "n fail" if o == FAIL and counts[o] else "n") for o in OUTCOMES])
    out.append(_table(head, rows))
    targets = [t for t in y.targets if in_force(_rule(policy, t.rule), y.year)]
    if targets:
        out.append(f"<h3>{h(w('targets_head', plural=w.plural))}</h3>\n")
        head = [w("col_target"), w("col_clauses"), w("col_modality"), w("col_group"), w("col_verdict"),
                w("col_explanation")]
        out.append(_table(head, [[(w.rule(_rule(policy, t.rule)), ""), (",".join(t.clauses), ""),
                                  (w.modality(t.modality), ""), (t.group or w("all"), ""),
                                  (w.verdict(t.outcome, t.modality), "fail" if t.outcome == FAIL else "pass"),
                                  (target_explanation(policy, w, t), "")] for t in targets]))
    failing = [r for r in policy.rules if c.rule_counts.get(r.name, Counter())[FAIL]
               + c.rule_counts.get(r.name, Counter())[UNKNOWN]]
    if failing:
        out.append(f"<h3>{h(w('failing_head'))}</h3>\n")
        head = [w("col_id"), w("col_verdict"), w("col_explanation")]
        for rule in failing:
            counts = c.rule_counts[rule.name]
            total = counts[FAIL] + counts[UNKNOWN]
            items = c.failing.get(rule.name, [])
            out.append(f"<h4>{h(w.rule_full(rule))} [{h(','.join(rule.clauses))}{h(w('comma'))}"
                       f"{h(w.modality(rule.modality))}]{h(w('colon'))}{h(w.kinds(counts[FAIL], rule.modality))}</h4>\n")
            out.append(_table(head, [[(who(rid, labels, w), ""), (w.verdict(o.outcome, o.modality), "fail"),
                                      (w.explanation(o.explanation), "")] for rid, labels, _, o, _ in items]))
            if total > len(items):
                out.append(f'<p class="muted">{h(w.more(total - len(items)))}</p>\n')
    if c.exempted_total:
        out.append(f"<h3>{h(w('exemptions_head', n=c.exempted_total))}</h3>\n")
        out.append(_table([w("col_id"), w("col_rule"), w("col_reason")],
                          [[(who(rid, labels, w), ""), (w.rule(_rule(policy, o.rule)), ""),
                            (w.explanation(o.explanation), "")] for rid, labels, o in c.exempted]))
        if c.exempted_total > len(c.exempted):
            out.append(f'<p class="muted">{h(w.more(c.exempted_total - len(c.exempted)))}</p>\n')
    if c.errors_total:
        out.append(f"<h3>{h(w('errors_head', n=c.errors_total))}</h3>\n")
        out.append(_table([w("col_id"), w("col_field"), w("col_message")],
                          [[(who(r.id, labels, w), ""), (e.field, ""), (e.message, "")]
                           for r, labels in c.errors for e in r.errors]))
        if c.errors_total > len(c.errors):
            out.append(f'<p class="muted">{h(w.more(c.errors_total - len(c.errors)))}</p>\n')
    out.append("</section>\n")
    return out


def _provenance(w: Wording, block: dict, name: str) -> list[str]:
    table = _table([w("prov_what"), w("prov_value")], [[(what, ""), (value, "")] for what, value in rows(block, w)])
    return [f'<section id="provenance">\n<h2>{h(w("provenance_head"))}</h2>\n', table,
            f"<p>{h(w('prov_replay', file=name))}</p>\n</section>\n"]


def _rule(policy, name: str):
    return next(r for r in policy.ir.all_rules if r.name == name)


# ---- the impact of a policy change (`policydsl diff OLD NEW --facts DATA --format html`) ---------------


def render_impact_html(impact, diff, proof: str) -> str:
    """The records a policy change affects, as one self-contained page for the auditor:
    per year, each rule and target that was proved to change or moves a verdict, with
    what was proved, the changed records with their labels and both outcomes, the
    targets under both versions; then the proof itself (`proof`, the text of `diff`).
    English, like the rest of `diff`; every text from the policies or the data escaped."""
    from ..audit.render import counted, target_sides

    title = f"Policy change: {diff.old.name} {diff.old.version or ''} → {diff.new.version or ''}"
    out = ['<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
           '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
           f"<title>{h(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<header>\n"
           f"<h1>{h(title)}</h1>\n"
           f'<p class="meta">OLD {h(diff.old.fingerprint)} · NEW {h(diff.new.fingerprint)} · '
           f"data {h(impact.data)}" + (f" · by {h(impact.by)}" if impact.by else "") + "</p>\n</header>\n"]
    labels = list(impact.labels)
    group = [impact.by] if impact.by and impact.by not in labels else []
    for y in impact.years:
        affected = y.affected_records()
        out.append(f'<section class="year" id="year-{y.year}">\n<h2>{y.year}: {h(counted(y.records, "record"))}, '
                   f"{h(counted(len(affected), 'record'))} changing the outcome of a rule</h2>\n")
        if y.note:
            out.append(f'<p class="muted">{h(y.note)}</p>\n')
        shown = [r for r in y.rules if r.is_interesting]
        rows = [[(f"{r.kind} {r.name}", ""), (",".join(r.clauses), ""), (r.symbolic.replace("_", " "), ""),
                 (str(r.affected), "n fail" if r.affected else "n"),
                 ("proved, but no change on this data" if r.unaffected_proof else
                  ", ".join(f"{n} {k}" for k, n in r.counts.items()), "")] for r in shown]
        if rows:
            out.append(_table(["rule or target", "clauses", "proved", "changed", "changes"], rows))
        for r in shown:
            if r.changes:
                out.append(f"<h3>{h(r.kind)} {h(r.name)} ({h(','.join(r.clauses))}): "
                           f"{h(counted(r.affected, 'record'))}</h3>\n")
                out.append(_table(["id", *labels, *group, "OLD", "NEW", "change", "NEW explanation"],
                                  [[(x.id, ""), *[(dict(x.labels).get(k, ""), "") for k in labels],
                                    *([(x.group or "", "")] if group else []), (x.old, ""), (x.new, ""),
                                    (x.kind, "fail" if x.new in ("fail", "unknown") else "pass"),
                                    (x.new_explanation, "")] for x in r.changes]))
            if r.targets:
                out.append(f"<h3>target {h(r.name)} ({h(','.join(r.clauses))})</h3>\n")
                out.append(_table(["group", "OLD", "NEW", ""],
                                  [[(t.group or "whole population", ""), *((side, "") for side in target_sides(t)),
                                    ("changes" if t.changed else "same verdict", "fail" if t.changed else "")]
                                   for t in r.targets]))
        if y.exemption_errors:
            out.append("<h3>Exemptions NEW refuses</h3>\n")
            out.append(_table(["id", "message"], [[(rid, ""), (m, "")] for rid, m in y.exemption_errors]))
        out.append("</section>\n")
    out.append('<section id="proof">\n<h2>What was proved</h2>\n<pre>'
               + "\n".join(h(line) for line in proof.splitlines()) + "</pre>\n</section>\n")
    out.append("</body>\n</html>\n")
    return "".join(out)

