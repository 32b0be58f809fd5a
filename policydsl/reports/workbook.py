"""The report as an Excel workbook (xlsxwriter, loaded only here): a summary, the
outcome counts of every rule, one sheet of failing records per rule (labels, value,
threshold, margin), targets per year and group, exemptions and data errors.

Cells are typed: counts and amounts are numbers in the unit named in the header,
shares are numbers with a percent format; every header row is frozen and filtered.
Text is written with `write_string`, so a value such as `=HYPERLINK(…)` from the data
stays text, and passes through `textsafe.visible` like every other output.
Verdicts are decided exactly before anything is written; a number becomes a float
only as a cell value.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

import attrs

from ..audit.impact import KINDS as KIND_COLUMNS  # the kinds of change of outcome, a column each
from ..core import ir
from ..core.textsafe import visible
from ..eval.results import FAIL, OUTCOMES, UNKNOWN
from ..provenance import EMBEDDED
from .model import ReportOptions, YearReport, in_force, target_type, wording
from .provenance import rows
from .text import target_explanation
from .words import Wording

_SHEET = {"en": {"summary": "Summary", "rules": "Rules", "targets": "Targets", "exemptions": "Exemptions",
                 "errors": "Data errors", "provenance": "Provenance"},
          "zh": {"summary": "汇总", "rules": "规则", "targets": "目标", "exemptions": "豁免",
                 "errors": "数据错误", "provenance": "来源与复现"}}
_CELL = 32000  # an Excel cell holds at most 32767 characters: the embedded JSON is split


def sheet_names(policy, options: ReportOptions, provenance: bool = False) -> list[str]:
    """The sheets `write_workbook` writes, in order (the last one only with a provenance block)."""
    w = wording(policy, options)
    names = list(_SHEET[w.lang].values())
    return names[:3] + [_rule_sheet(r, names) for r in policy.rules] + names[3:5] + names[5:5 + provenance]


def _rule_sheet(rule: ir.Rule, taken: list[str]) -> str:
    return _sheet_name(f"{','.join(rule.clauses)} {rule.name}".strip(), taken)


def _sheet_name(text: str, taken: list[str]) -> str:
    """`text` as a sheet name not yet `taken` (at most 31 characters, none Excel refuses)."""
    base = re.sub(r"[\[\]:*?/\\']", "_", text)[:31]
    name, n = base, 2
    while name in taken:
        name = f"{base[:28]}~{n}"
        n += 1
    taken.append(name)
    return name


class _Sheet:
    """One worksheet written row by row; the header is frozen and gets an autofilter."""

    def __init__(self, book, name: str, header: Sequence[str], formats: dict):
        self.ws = book.add_worksheet(name)
        self.formats = formats
        self.width = len(header)
        self.row = 0
        for col, text in enumerate(header):
            self.ws.write_string(0, col, visible(text), formats["head"])
            self.ws.set_column(col, col, max(10, min(48, 2 + 2 * len(text))))
        self.ws.freeze_panes(1, 0)

    def add(self, cells: Sequence[object]) -> None:
        self.row += 1
        for col, value in enumerate(cells):
            if value is None:
                continue
            if isinstance(value, _Pct):
                self.ws.write_number(self.row, col, float(value.value), self.formats["pct"])
            elif isinstance(value, bool):
                self.ws.write_boolean(self.row, col, value)
            elif isinstance(value, int | Fraction):
                self.ws.write_number(self.row, col, float(value))
            else:
                self.ws.write_string(self.row, col, visible(value))

    def close(self) -> None:
        self.ws.autofilter(0, 0, max(self.row, 1), self.width - 1)


class _Pct:
    __slots__ = ("value",)

    def __init__(self, value: Fraction):
        self.value = value


@attrs.frozen
class _Part:
    """The records of one entity as the sheets read them; `entity` is the text of the
    entity column, None in a policy with one entity (no such column)."""

    entity: str | None
    policy: object
    years: Sequence[YearReport]
    options: ReportOptions
    w: Wording

    @property
    def lead(self) -> list:
        return [] if self.entity is None else [self.entity]


def write_workbook(policy, years: Sequence[YearReport], options: ReportOptions, path: str,
                   provenance: dict | None = None, name: str | None = None) -> None:
    """The workbook; with `provenance` its last sheet says what produced it and carries
    the block, with each year's verdicts, for `policydsl replay` (`name`: the file the
    replay command shown is given, by default the name of `path`)."""
    from .provenance import stamp

    part = _Part(None, policy, years, options, wording(policy, options))
    embedded = stamp(provenance, years) if provenance else None
    _write(policy, [part], options, path, provenance, embedded, name)


def write_entities_workbook(policy, parts: Sequence, options: ReportOptions, path: str,
                            provenance: dict | None = None, name: str | None = None) -> None:
    """The workbook of a policy with several entities (`parts`: `reports.entities.EntityPart`s):
    the sheets of one entity, with a column naming the entity where rows of several meet
    (summary, targets, exemptions, data errors) and one sheet of rule counts per entity."""
    from .provenance import stamp_entities

    sheets = [_Part(wording(p.policy, p.options).plural, p.policy, p.years, p.options,
                    wording(p.policy, p.options)) for p in parts]
    embedded = stamp_entities(provenance, parts) if provenance else None
    _write(policy, sheets, options, path, provenance, embedded, name)


def _write(policy, parts: Sequence[_Part], options: ReportOptions, path: str, provenance: dict | None,
           embedded: str | None, name: str | None) -> None:
    try:
        import xlsxwriter  # the `report` extra; loaded only for a workbook
    except ImportError:
        from .model import ReportError

        raise ReportError("--format xlsx needs xlsxwriter: pip install 'policydsl[report]'") from None
    w = wording(policy, options)
    names = _SHEET[w.lang]
    several = parts[0].entity is not None if parts else False
    lead = [w("col_entity")] if several else []
    book = _workbook(xlsxwriter, path)
    formats = {"head": book.add_format({"bold": True, "bg_color": "#EEF3F8", "text_wrap": True}),
               "pct": book.add_format({"num_format": "0.00%"})}
    try:
        _summary(book, names["summary"], w, parts, lead, formats)
        taken = list(names.values())
        if several:  # the rule counts of each entity on a sheet of its own
            for part in parts:
                _rules(book, _sheet_name(f"{names['rules']} · {part.entity}", taken), part, [], formats)
        else:
            _rules(book, names["rules"], parts[0], [], formats)
        _targets(book, names["targets"], w, parts, lead, formats)
        for part in parts:
            label_heads = [part.w.fact(f) for f in part.policy.ir.label_facts]
            # The group is a column of its own unless it is already one of the labels.
            by = part.options.by
            group_head = [part.w.fact(by)] if by and by not in part.policy.ir.label_facts else []
            for rule in part.policy.rules:
                _failures(book, _rule_sheet(rule, taken), part.policy, rule, part.w, part.years, formats,
                          label_heads, group_head)
        # Labels differ between entities: with several, a record is named by its id alone.
        sheet = _Sheet(book, names["exemptions"], [*lead, w("col_year"), w("col_id"), *_label_heads(parts),
                                                   w("col_rule"), w("col_clauses"), w("col_reason")], formats)
        for part in parts:
            for y in part.years:
                for rid, labels, o in y.collector.exempted:
                    sheet.add([*part.lead, y.year, rid, *_shown_labels(part, labels),
                               part.w.rule(_rule(part.policy, o.rule)), ",".join(o.clauses),
                               part.w.explanation(o.explanation)])
        sheet.close()
        sheet = _Sheet(book, names["errors"], [*lead, w("col_year"), w("col_id"), *_label_heads(parts),
                                               w("col_field"), w("col_message")], formats)
        for part in parts:
            for y in part.years:
                for r, labels in y.collector.errors:
                    for e in r.errors:
                        sheet.add([*part.lead, y.year, r.id, *_shown_labels(part, labels), e.field, e.message])
        sheet.close()
        if provenance:
            _provenance(book, names["provenance"], w, provenance, embedded, formats, name or os.path.basename(path))
    finally:
        book.close()


def _label_heads(parts: Sequence[_Part]) -> list[str]:
    if not parts or parts[0].entity is not None:
        return []
    return [parts[0].w.fact(f) for f in parts[0].policy.ir.label_facts]


def _shown_labels(part: _Part, labels: tuple) -> list:
    return [] if part.entity is not None else _labels(part.w, labels)


def _provenance(book, name, w: Wording, block: dict, text: str, formats, file: str) -> None:
    sheet = _Sheet(book, name, [w("prov_what"), w("prov_value")], formats)
    for what, value in rows(block, w):
        sheet.add([what, value])
    sheet.add([w("prov_replay", file=file), None])
    for start in range(0, len(text), _CELL):  # read back in order by `policydsl replay`
        sheet.add([EMBEDDED, text[start:start + _CELL]])
    sheet.close()


def _workbook(xlsxwriter, path: str):
    """A workbook that takes every text as text (no formula, number or link read into it),
    and the same bytes for the same report: its creation time is the ZIP epoch its parts
    are stamped with anyway, not the clock (the provenance sheet says what produced it)."""
    import datetime

    book = xlsxwriter.Workbook(path, {"strings_to_numbers": False, "strings_to_formulas": False,
                                      "strings_to_urls": False})
    book.set_properties({"created": datetime.datetime(1980, 1, 1, tzinfo=datetime.UTC)})
    return book


def _labels(w: Wording, labels: tuple) -> list[str]:
    return [None if v is None else w.value(v) for v in labels]


def _rule(policy, name: str) -> ir.Rule:
    return next(r for r in policy.ir.all_rules if r.name == name)


def _summary(book, name, w: Wording, parts: Sequence[_Part], lead: list[str], formats) -> None:
    kinds = ("must", "in_principle", "strive")
    sheet = _Sheet(book, name, [*lead, w("col_year"), w("col_records"), w("data_errors")]
                   + [w("kind_col", kind=w.verdict(FAIL, m), modality=w.modality(m)) for m in kinds]
                   + [w.outcome_head(UNKNOWN), w("targets_failed")], formats)
    for part in parts:
        for y in part.years:
            c = y.collector
            sheet.add([*part.lead, y.year, c.records, c.errors_total] + [c.kinds.get(m, 0) for m in (*kinds, UNKNOWN)]
                      + [sum(1 for t in y.targets if t.outcome == FAIL)])
    sheet.close()


def _rules(book, name, part: _Part, lead: list[str], formats) -> None:
    w, policy, options = part.w, part.policy, part.options
    by = [w.fact(options.by)] if options.by else []
    sheet = _Sheet(book, name, [w("col_year"), *by, w("col_rule"), w("col_name"),
                                w("col_clauses"), w("col_modality")] + [w.outcome_head(o) for o in OUTCOMES],
                   formats)
    for y in part.years:
        for rule in policy.rules:
            if not in_force(rule, y.year):
                continue
            head = [w.rule(rule), rule.name, ",".join(rule.clauses), w.modality(rule.modality)]
            if options.by:
                for group, counts in y.collector.group_counts.get(rule.name, {}).items():
                    sheet.add([y.year, w.value(group), *head] + [counts[o] for o in OUTCOMES])
            else:
                counts = y.collector.rule_counts.get(rule.name, Counter())
                sheet.add([y.year, *head] + [counts[o] for o in OUTCOMES])
    sheet.close()


def _amount(value, typ) -> object:
    """A value in the display unit of `typ`: a percent cell for shares, else a number."""
    if not isinstance(value, Fraction | int) or isinstance(value, bool) or not isinstance(typ, ir.Num):
        return None
    if typ.unit == "%":
        return _Pct(Fraction(value))
    return Fraction(value) / typ.scale


def _unit(w: Wording, typ) -> str:
    if not isinstance(typ, ir.Num) or not typ.unit or typ.unit == "%":
        return ""
    return w.unit_name(typ.plural or typ.unit)


def _targets(book, name, w: Wording, parts: Sequence[_Part], lead: list[str], formats) -> None:
    sheet = _Sheet(book, name, [*lead, w("col_year"), w("col_target"), w("col_name"), w("col_clauses"),
                                w("col_modality"), w("col_group"), w("col_verdict"), w("col_achieved"),
                                w("col_required"), w("col_unit"), w("col_explanation")], formats)
    for part in parts:
        pw = part.w
        for y in part.years:
            for t in y.targets:
                rule = _rule(part.policy, t.rule)
                if not in_force(rule, y.year):
                    continue
                typ = target_type(rule)
                sheet.add([*part.lead, y.year, pw.rule(rule), rule.name, ",".join(t.clauses), pw.modality(t.modality),
                           t.group if t.group is not None else pw("all"), pw.verdict(t.outcome, t.modality),
                           _amount(t.value, typ), _amount(t.required, typ), _unit(pw, typ),
                           target_explanation(part.policy, pw, t)])
    sheet.close()


def _measure(rule: ir.Rule, env, year: int):
    """(value, threshold, margin, type) of a comparison rule for one record; margin is how
    far the value is from meeting the threshold (negative: short), None where not a number."""
    from ..eval.reference import evaluate
    from ..eval.values import Unknown

    cond = rule.condition
    try:
        if isinstance(cond, ir.Cmp) and isinstance(cond.left.type, ir.Num):
            a, b = evaluate(cond.left, env, year), evaluate(cond.right, env, year)
            if isinstance(a, Unknown) or isinstance(b, Unknown):
                return None, None, None, cond.left.type
            bound = ir.COMPARATORS[cond.op].bound
            margin = a - b if bound == "lower" else b - a if bound == "upper" else None
            return a, b, margin, cond.left.type
        if isinstance(cond, ir.Between) and isinstance(cond.subject.type, ir.Num):
            s = evaluate(cond.subject, env, year)
            lo, hi = evaluate(cond.low, env, year), evaluate(cond.high, env, year)
            if any(isinstance(x, Unknown) for x in (s, lo, hi)):
                return None, None, None, cond.subject.type
            margin = s - lo if s < lo else hi - s if s > hi else 0
            return s, None, margin, cond.subject.type
    except Exception:  # noqa: BLE001 — a value the workbook cannot compute is left empty
        pass
    return None, None, None, None


def _failures(book, name, policy, rule: ir.Rule, w: Wording, years, formats, label_heads, group_head) -> None:
    numeric = isinstance(rule.condition, ir.Cmp | ir.Between)
    typ = rule.condition.left.type if isinstance(rule.condition, ir.Cmp) else (
        rule.condition.subject.type if isinstance(rule.condition, ir.Between) else None)
    unit = _unit(w, typ)
    suffix = w("paren", text=unit).strip() if unit else ""
    head = [w("col_year"), w("col_id"), *label_heads, *group_head, w("col_outcome")]
    if numeric and isinstance(typ, ir.Num):
        head += [w("col_value") + suffix, w("col_threshold") + suffix, w("col_margin") + suffix]
    head.append(w("col_explanation"))
    sheet = _Sheet(book, name, head, formats)
    for y in years:
        for rid, labels, group, o, fields in y.collector.failing.get(rule.name, []):
            row = [y.year, rid, *_labels(w, labels), *([w.value(group)] if group_head else []),
                   w.verdict(o.outcome, o.modality)]
            if numeric and isinstance(typ, ir.Num):
                value, threshold, margin, mtyp = _measure(rule, fields or {}, y.year)
                row += [_amount(value, mtyp), _amount(threshold, mtyp), _amount(margin, mtyp)]
            row.append(w.explanation(o.explanation))
            sheet.add(row)
    sheet.close()


# ---- the impact of a policy change (`policydsl diff OLD NEW --facts DATA --format xlsx`) -------------


def write_impact_workbook(impact, diff, path: str) -> None:
    """The records a change affects, as a workbook for the auditor: per year and rule what
    the diff proved and how many records change outcome; every changed record with its
    labels and both outcomes; every target's value and verdict under both versions; the
    exemptions the new version refuses. English, like the rest of `diff`."""
    try:
        import xlsxwriter
    except ImportError:
        from .model import ReportError

        raise ReportError("--format xlsx needs xlsxwriter: pip install 'policydsl[report]'") from None
    book = _workbook(xlsxwriter, path)
    formats = {"head": book.add_format({"bold": True, "bg_color": "#EEF3F8", "text_wrap": True}),
               "pct": book.add_format({"num_format": "0.00%"})}
    labels = list(impact.labels)
    group = [impact.by] if impact.by and impact.by not in labels else []
    try:
        sheet = _Sheet(book, "Summary", ["year", "kind", "name", "clauses", "proved", "records", "changed",
                                         *KIND_COLUMNS], formats)
        for y in impact.years:
            for r in y.rules:
                counts = r.counts
                sheet.add([y.year, r.kind, r.name, ",".join(r.clauses), r.symbolic.replace("_", " "), y.records,
                           r.affected, *[counts.get(k, 0) for k in KIND_COLUMNS]])
        sheet.close()
        sheet = _Sheet(book, "Changed records", ["year", "rule", "clauses", "id", *labels, *group, "OLD", "NEW",
                                                 "change", "OLD explanation", "NEW explanation"], formats)
        for y in impact.years:
            for r in y.rules:
                for x in r.changes:
                    shown = dict(x.labels)
                    sheet.add([y.year, r.name, ",".join(r.clauses), x.id, *[shown.get(k) for k in labels],
                               *([x.group] if group else []), x.old, x.new, x.kind, x.old_explanation,
                               x.new_explanation])
        sheet.close()
        sheet = _Sheet(book, "Targets", ["year", "target", "clauses", "group", "OLD value", "OLD required",
                                         "OLD verdict", "NEW value", "NEW required", "NEW verdict", "changes"],
                       formats)
        for y in impact.years:
            for r in y.rules:
                for t in r.targets:
                    sheet.add([y.year, r.name, ",".join(r.clauses), t.group,
                               _exact(t.old_value, t.old_shown[0]), _exact(t.old_required, t.old_shown[1]),
                               t.old_outcome,
                               _exact(t.new_value, t.new_shown[0]), _exact(t.new_required, t.new_shown[1]),
                               t.new_outcome, t.changed])
        sheet.close()
        sheet = _Sheet(book, "Refused exemptions", ["year", "id", "message"], formats)
        for y in impact.years:
            for rid, message in y.exemption_errors:
                sheet.add([y.year, rid, message])
        sheet.close()
    finally:
        book.close()


def _exact(text: str | None, shown: str | None) -> object:
    """A target's value as a number cell: a share as a percent, a plain count as a number;
    anything with a unit stays as the drafter writes it (`200 m2`)."""
    if text is None:
        return None
    if shown is not None and shown.endswith("%"):
        return _Pct(Fraction(text))
    if shown is None or re.fullmatch(r"≈?-?[\d.]+", shown):
        return Fraction(text)
    return shown
