"""A PolicyDiff as text (terminal), JSON (programs) or Markdown (a report to attach to a file)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from ..core.textsafe import markdown as _cell
from ..core.textsafe import markdown_code, visible, visible_lines
from .model import OUT_OF_PERIOD, PolicyDiff, RuleChange, Witness, YearVerdict


def counted(n: int, one: str, many: str | None = None) -> str:
    """`1 record`, `11 records`: a count with its noun in the right number."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def render(d: PolicyDiff, fmt: str = "text") -> str:
    """The report in `text`, `json` or `markdown`."""
    if fmt == "json":
        return json.dumps(d.to_json(), ensure_ascii=False, indent=1) + "\n"
    if fmt == "markdown":
        return markdown(d)
    return text(d)


# ---- shared helpers -------------------------------------------------------------------


def year_runs(verdicts: tuple[YearVerdict, ...]) -> list[tuple[int, int, YearVerdict]]:
    """Consecutive years with the same class, as (first, last, first verdict)."""
    runs: list[tuple[int, int, YearVerdict]] = []
    for v in verdicts:
        if runs and runs[-1][2].cls == v.cls and runs[-1][1] == v.year - 1 and runs[-1][2].note == v.note:
            runs[-1] = (runs[-1][0], v.year, runs[-1][2])
        else:
            runs.append((v.year, v.year, v))
    return runs


def _span(a: int, b: int) -> str:
    return str(a) if a == b else f"{a}–{b}"


def _cls(v: YearVerdict) -> str:
    return v.cls.replace("_", " ")


def _title(c: RuleChange) -> str:
    clauses = f" ({', '.join(c.clauses)})" if c.clauses else ""
    return f"{c.kind} `{c.name}`{clauses}"


def headline(c: RuleChange) -> str:
    """The verdict, with the structural tags when they say more than the verdict."""
    verdict = c.verdict.replace("_", " ")
    if c.old is None or c.new is None:
        return verdict
    if c.verdict == "unchanged" and c.tags:
        verdict = "same outcomes"
    tags = [t for t in c.tags if t not in ("condition changed",)]
    return verdict + (f" ({', '.join(tags)})" if tags else "")


def _direction(w: Witness) -> str:
    return "meets OLD, not NEW" if w.old_meets else "meets NEW, not OLD"


def _columns(d: PolicyDiff, w: Witness) -> list[str]:
    return list(w.facts) or [k for k in w.shown[0] if k != "id"]


def _header(d: PolicyDiff, fact: str) -> str:
    unit = d.units.get(fact)
    return f"{fact} ({unit})" if unit else fact


def _rows(w: Witness, cols: list[str]) -> list[tuple[int, list[str]]]:
    """Distinct records with how many times each occurs (a population repeats records)."""
    counts: Counter[tuple[str, ...]] = Counter()
    order: list[tuple[str, ...]] = []
    for r in w.shown:
        key = tuple(r.get(c, "(missing)") for c in cols)
        if key not in counts:
            order.append(key)
        counts[key] += 1
    return [(counts[k], list(k)) for k in order]


def _witnesses(c_years: tuple[YearVerdict, ...]) -> list[tuple[int, int, Witness]]:
    """One witness per run of years and direction (the first year of the run)."""
    out = []
    for first, last, v in year_runs(c_years):
        for w in v.witnesses:
            out.append((first, last, w))
    return out


# ---- text -------------------------------------------------------------------------------


def text(d: PolicyDiff) -> str:
    lines = [f"OLD {d.old.source}: {d.old.name} {d.old.version or ''} {d.old.fingerprint}".replace("  ", " "),
             f"NEW {d.new.source}: {d.new.name} {d.new.version or ''} {d.new.fingerprint}".replace("  ", " ")]
    if d.identical:
        lines.append("the two versions have the same fingerprint: no change of meaning")
        return "\n".join(lines) + "\n"
    for note in d.facts:
        lines.append(f"  {note}")
    for note in d.exemptions:
        lines.append(f"  exemptions: {note}")
    lines.append("")
    lines.append("whole policy, per record: " + ", ".join(
        f"{_span(a, b)} {_cls(v)}" + (f" ({v.note})" if v.note else "") for a, b, v in year_runs(d.years)))
    for a, b, w in _witnesses(d.years):
        lines.extend(_text_witness(d, a, b, w))
    changed = d.changed
    lines.append("")
    lines.append(f"{counted(len(changed), 'change')}, {counted(len(d.changes) - len(changed), 'rule or target', 'rules and targets')} unchanged")
    for c in changed:
        lines.append("")
        lines.append(f"{_title(c)}: {headline(c)}")
        for detail in c.details:
            lines.append(f"  {detail}")
        if c.years:
            lines.append("  " + ", ".join(f"{_span(a, b)} {_cls(v)}" + (f" ({v.note})" if v.note else "")
                                          for a, b, v in year_runs(c.years)))
        for a, b, w in _witnesses(c.years):
            lines.extend(_text_witness(d, a, b, w))
    # Policy strings may hold control characters: none reaches the terminal raw.
    return visible_lines("\n".join(lines)) + "\n"


def _text_witness(d: PolicyDiff, first: int, last: int, w: Witness) -> list[str]:
    cols = _columns(d, w)
    where = f" for {w.group}" if w.group else ""
    out = [f"  witness ({w.year}{'' if first == last else f', for {_span(first, last)}'}, "
           f"{_direction(w)}{where}):"]
    for count, row in _rows(w, cols):
        values = ", ".join(f"{c}={v}" for c, v in zip(cols, row, strict=True))
        out.append(f"    {'' if len(w.shown) == 1 else f'{count} × '}{values}")
    out.append(f"    OLD: {w.old_outcome}" + (f" — {w.old_explanation}" if w.old_explanation else ""))
    out.append(f"    NEW: {w.new_outcome}" + (f" — {w.new_explanation}" if w.new_explanation else ""))
    return out


# ---- markdown ---------------------------------------------------------------------------


def markdown(d: PolicyDiff) -> str:
    years = [v.year for v in d.years]
    name = _cell(f"`{d.old.name}`")
    out = [f"# Policy diff: {name} {_cell(d.old.version or '')} → {_cell(d.new.version or '')}".rstrip(), ""]
    out += ["| | OLD | NEW |", "|---|---|---|",
            f"| source | {_cell(f'`{d.old.source}`')} | {_cell(f'`{d.new.source}`')} |",
            f"| policy | {_cell(f'`{d.old.name}`')} | {_cell(f'`{d.new.name}`')} |",
            f"| version | {_cell(d.old.version or '—')} | {_cell(d.new.version or '—')} |",
            f"| period | {_span(*d.old.period)} | {_span(*d.new.period)} |",
            f"| fingerprint | `{d.old.fingerprint}` | `{d.new.fingerprint}` |", ""]
    if d.identical:
        out += ["The two versions have the same fingerprint: nothing that carries meaning changed.", ""]
        return "\n".join(out)
    out += ["## Summary", ""]
    out += ["| rule | clauses | change | " + " | ".join(map(str, years)) + " |",
            "|---|---|---|" + "---|" * len(years)]
    for c in d.changed:
        by_year = {v.year: _cls(v) for v in c.years}
        cells = [by_year.get(y, c.verdict) for y in years]
        tags = _cell(", ".join(c.tags) or "—")
        out.append(f"| `{c.name}` | {_cell(', '.join(c.clauses))} | {tags} | " + " | ".join(cells) + " |")
    out.append("| **whole policy, per record** | | | " + " | ".join(f"**{_cls(v)}**" for v in d.years) + " |")
    out.append("")
    unchanged = len(d.changes) - len(d.changed)
    out.append(f"{counted(unchanged, 'rule or target', 'rules and targets')} unchanged. A record *meets* a rule when its outcome is "
               "`pass` or `not_applicable` (no exemptions). *Stricter*: every record meeting NEW meets OLD, "
               "not conversely.")
    if d.facts:
        out += ["", "Other changes:", ""] + [f"- {_cell(n)}" for n in d.facts]
    if d.exemptions:
        out += ["", "Exemptions:", ""] + [f"- {_cell(n)}" for n in d.exemptions]
    out.append("")
    out += ["## Whole policy, per record", ""]
    out += [f"- {_span(a, b)}: **{_cls(v)}**" + (f" ({_cell(v.note)})" if v.note else "")
            for a, b, v in year_runs(d.years)]
    out.append("")
    for a, b, w in _witnesses(d.years):
        out += _md_witness(d, a, b, w)
    for c in d.changed:
        out += [f"## {_cell(_title(c))}: {_cell(headline(c))}", ""]
        out += [f"- {_cell(x)}" for x in c.details]
        if c.years:
            out += [f"- {_span(a, b)}: **{_cls(v)}**" + (f" ({_cell(v.note)})" if v.note else "")
                    for a, b, v in year_runs(c.years) if v.cls != OUT_OF_PERIOD or v.note]
        out.append("")
        if c.old_text is not None:
            out += ["Old:", "", markdown_code(c.old_text), ""]
        if c.new_text is not None:
            out += ["New:", "", markdown_code(c.new_text), ""]
        for a, b, w in _witnesses(c.years):
            out += _md_witness(d, a, b, w)
    return "\n".join(out).rstrip("\n") + "\n"


def _md_witness(d: PolicyDiff, first: int, last: int, w: Witness) -> list[str]:
    cols = _columns(d, w)
    where = f", group {w.group}" if w.group else ""
    years = f" (the same holds {_span(first, last)})" if first != last else ""
    out = [f"**Witness, {w.year}** — {_direction(w)}{_cell(where)}{years}:", ""]
    many = len(w.shown) > 1
    out.append("| " + ("records | " if many else "") + " | ".join(_cell(_header(d, c)) for c in cols) + " |")
    out.append("|" + ("---|" if many else "") + "---|" * len(cols))
    for count, row in _rows(w, cols):
        out.append("| " + (f"{count} | " if many else "") + " | ".join(_cell(v) for v in row) + " |")
    out.append("")
    out.append(f"- OLD: **{_cell(w.old_outcome)}**" + (f" — {_cell(w.old_explanation)}" if w.old_explanation else ""))
    out.append(f"- NEW: **{_cell(w.new_outcome)}**" + (f" — {_cell(w.new_explanation)}" if w.new_explanation else ""))
    out.append("")
    return out


# ---- impact on data -------------------------------------------------------------------


def _impact_title(r) -> str:
    clauses = f" ({', '.join(r.clauses)})" if r.clauses else ""
    renamed = f", was `{r.old_name}`" if r.old_name and r.old_name != r.name else ""
    return f"{r.kind} `{r.name}`{clauses}{renamed}"


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in counts.items())


def target_sides(t) -> tuple[str, str]:
    """A target's verdict and values under OLD and under NEW: `fail at 62% (needs 85%)`."""
    def side(value, required, outcome, shown):
        value, required = shown[0] or value, shown[1] or required  # as the drafter writes them
        if value is None and required is None:
            return outcome
        need = f" (needs {required})" if required is not None else ""
        return f"{outcome} at {value if value is not None else 'no value'}{need}"
    return (side(t.old_value, t.old_required, t.old_outcome, t.old_shown),
            side(t.new_value, t.new_required, t.new_outcome, t.new_shown))


def _impact_head(r) -> str:
    cls = r.symbolic.replace("_", " ")
    if r.unaffected_proof:
        what = "verdict" if r.kind == "target" else "record"
        return f"{cls} (proved), but no {what} changes on this data; the witness is what would be affected"
    if r.kind == "target":
        n = r.affected
        what = f"{counted(n, 'verdict')} change{'s' if n == 1 else ''}" if n else "no verdict changes on this data"
    else:
        what = (f"{counted(r.affected, 'record')} change{'s' if r.affected == 1 else ''} outcome: {_counts_text(r.counts)}" if r.affected
                else "no record changes outcome on this data")
    return f"{cls}, {what}"


def _more(items: Sequence, show: int | None) -> int:
    """How many of `items` are not listed when `show` are (None: all are)."""
    return 0 if show is None else max(0, len(items) - show)


def impact_text(impact, d: PolicyDiff, show: int | None = 10) -> str:
    """The impact of NEW on the records of `impact.data`, as text."""
    by = f", by {visible(impact.by)}" if impact.by else ""
    out = ["", f"impact on {visible(impact.data)}{by}"]
    for y in impact.years:
        out.append("")
        if y.note:
            out.append(f"{y.year}: not evaluated ({y.note})")
            continue
        rules = [r for r in y.rules if r.is_interesting]
        out.append(f"{y.year}: {counted(y.records, 'record')}; records with data errors: OLD {y.old_errors}, "
                   f"NEW {y.new_errors}")
        affected = y.affected_records()
        out.append(f"  {counted(len(affected), 'record')} change{'s' if len(affected) == 1 else ''} the outcome of at least one rule")
        if impact.by and affected:
            groups = Counter(a["group"] for a in affected)
            out.append("    " + "; ".join(f"{visible(impact.by)} {visible(g)}: {n}" for g, n in sorted(groups.items())))
        if not rules:
            out.append("  no rule or target changes")
        for r in rules:
            out.append(f"  {_impact_title(r)}: {_impact_head(r)}")
            if impact.by and r.kind == "rule":
                for group, counts in r.by_group().items():
                    out.append(f"    {visible(impact.by)} {visible(group)}: {_counts_text(counts)}")
            for x in r.changes[:show]:
                labels = " [" + ", ".join(f"{visible(k)}={visible(v)}" for k, v in x.labels) + "]" if x.labels else ""
                out.append(f"    {visible(x.id)}{labels}: {x.old} → {x.new}")
            if _more(r.changes, show):
                out.append(f"    … and {_more(r.changes, show)} more (all of them in --format json)")
            for t in r.targets:
                old, new = target_sides(t)
                mark = "changes" if t.changed else "same verdict"
                out.append(f"    {visible(t.group or 'whole population')}: OLD {visible(old)}; NEW {visible(new)} ({mark})")
            if r.unaffected_proof:
                for w in r.witnesses[:1]:
                    out.extend("  " + line for line in _text_witness(d, w.year, w.year, w))
        for rid, message in y.exemption_errors[:show]:
            out.append(f"  exemption refused by NEW: {visible(rid)}: {visible(message)}")
        if _more(y.exemption_errors, show):
            out.append(f"  … and {_more(y.exemption_errors, show)} more refused exemptions")
    return "\n".join(out) + "\n"


def _md(s: str) -> str:
    """Text from data in a Markdown table cell or list item: nothing in it is markup."""
    out = visible(s)
    for ch in "\\`*_[]<>|#~!":
        out = out.replace(ch, "\\" + ch)
    return out


def impact_markdown(impact, d: PolicyDiff, show: int | None = 10) -> str:
    by = f", by {_md(impact.by)}" if impact.by else ""
    out = ["", f"## Impact on {_md(impact.data)}{by}", ""]
    for y in impact.years:
        if y.note:
            out += [f"### {y.year}: not evaluated ({y.note})", ""]
            continue
        affected = y.affected_records()
        out += [f"### {y.year}", "",
                f"{counted(y.records, 'record')}; records with data errors: OLD {y.old_errors}, NEW {y.new_errors}. "
                f"{counted(len(affected), 'record')} change{'s' if len(affected) == 1 else ''} the outcome of at least one rule.", ""]
        rules = [r for r in y.rules if r.is_interesting]
        if not rules:
            out += ["No rule or target changes.", ""]
        for r in rules:
            out += [f"#### {_impact_title(r)}: {_impact_head(r)}", ""]
            if r.kind == "rule" and r.changes:
                if impact.by:
                    out += [f"| {_md(impact.by)} | " + " | ".join(r.counts) + " |",
                            "|---|" + "---|" * len(r.counts)]
                    for group, counts in r.by_group().items():
                        out.append(f"| {_md(group)} | " + " | ".join(str(counts.get(k, 0)) for k in r.counts) + " |")
                    out.append("")
                labels = list(impact.labels)
                out += ["| id | " + "".join(f"{_md(k)} | " for k in labels) + "OLD | NEW |",
                        "|---|" + "---|" * len(labels) + "---|---|"]
                for x in r.changes[:show]:
                    lv = dict(x.labels)
                    out.append(f"| {_md(x.id)} | " + "".join(f"{_md(lv.get(k, ''))} | " for k in labels)
                               + f"{x.old} | {x.new} |")
                out.append("")
                if _more(r.changes, show):
                    out += [f"… and {_more(r.changes, show)} more (all of them in `--format json`).", ""]
            if r.targets:
                out += ["| group | OLD | NEW | |", "|---|---|---|---|"]
                for t in r.targets:
                    old, new = target_sides(t)
                    out.append(f"| {_md(t.group or 'whole population')} | {_md(old)} | {_md(new)} | "
                               f"{'**changes**' if t.changed else 'same verdict'} |")
                out.append("")
            if r.unaffected_proof:
                for w in r.witnesses[:1]:
                    out += ["A population that would be affected:" if r.kind == "target"
                            else "A record that would be affected:", ""]
                    out += _md_witness(d, w.year, w.year, w)
        if y.exemption_errors:
            out += ["Exemptions NEW refuses:", ""]
            out += [f"- {_md(rid)}: {_md(m)}" for rid, m in y.exemption_errors[:show]]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
