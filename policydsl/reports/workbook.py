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

from .. import ir
from ..audit.impact import KINDS as KIND_COLUMNS  # the kinds of change of outcome, a column each
from ..provenance import EMBEDDED
from ..results import FAIL, OUTCOMES, UNKNOWN
from ..textsafe import visible
from .model import ReportOptions, YearReport, in_force, target_type, wording
from .provenance import rows, stamp
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
    base = re.sub(r"[\[\]:*?/\\']", "_", f"{','.join(rule.clauses)} {rule.name}".strip())[:31]
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


def write_workbook(policy, years: Sequence[YearReport], options: ReportOptions, path: str,
                   provenance: dict | None = None, name: str | None = None) -> None:
    """The workbook; with `provenance` its last sheet says what produced it and carries
    the block, with each year's verdicts, for `policydsl replay` (`name`: the file the
    replay command shown is given, by default the name of `path`)."""
    try:
        import xlsxwriter  # the `report` extra; loaded only for a workbook
    except ImportError:
        from .model import ReportError

        raise ReportError("--format xlsx needs xlsxwriter: pip install 'policydsl[report]'") from None
    w = wording(policy, options)
    names = _SHEET[w.lang]
    book = _workbook(xlsxwriter, path)
    formats = {"head": book.add_format({"bold": True, "bg_color": "#EEF3F8", "text_wrap": True}),
               "pct": book.add_format({"num_format": "0.00%"})}
    label_heads = [w.fact(f) for f in policy.ir.label_facts]
    # The group is a column of its own unless it is already one of the labels.
    group_head = [w.fact(options.by)] if options.by and options.by not in policy.ir.label_facts else []
    try:
        _summary(book, names["summary"], w, years, formats)
        _rules(book, names["rules"], policy, w, years, formats, options)
        _targets(book, names["targets"], policy, w, years, formats)
        taken = list(names.values())
        for rule in policy.rules:
            _failures(book, _rule_sheet(rule, taken), policy, rule, w, years, formats, label_heads, group_head)
        sheet = _Sheet(book, names["exemptions"], [w("col_year"), w("col_id"), *label_heads, w("col_rule"),
                                                   w("col_clauses"), w("col_reason")], formats)
        for y in years:
            for rid, labels, o in y.collector.exempted:
                sheet.add([y.year, rid, *_labels(w, labels), w.rule(_rule(policy, o.rule)), ",".join(o.clauses),
                           w.explanation(o.explanation)])
        sheet.close()
        sheet = _Sheet(book, names["errors"], [w("col_year"), w("col_id"), *label_heads, w("col_field"),
                                               w("col_message")], formats)
        for y in years:
            for r, labels in y.collector.errors:
                for e in r.errors:
                    sheet.add([y.year, r.id, *_labels(w, labels), e.field, e.message])
        sheet.close()
        if provenance:
            _provenance(book, names["provenance"], w, provenance, years, formats, name or os.path.basename(path))
    finally:
        book.close()


def _provenance(book, name, w: Wording, block: dict, years, formats, file: str) -> None:
    sheet = _Sheet(book, name, [w("prov_what"), w("prov_value")], formats)
    for what, value in rows(block, w):
        sheet.add([what, value])
    sheet.add([w("prov_replay", file=file), None])
    text = stamp(block, years)
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


def _summary(book, name, w: Wording, years, formats) -> None:
    kinds = ("must", "in_principle", "strive")
    sheet = _Sheet(book, name, [w("col_year"), w("col_records"), w("data_errors")]
                   + [w("kind_col", kind=w.verdict(FAIL, m), modality=w.modality(m)) for m in kinds]
                   + [w.outcome_head(UNKNOWN), w("targets_failed")], formats)
    for y in years:
        c = y.collector
        sheet.add([y.year, c.records, c.errors_total] + [c.kinds.get(m, 0) for m in (*kinds, UNKNOWN)]
                  + [sum(1 for t in y.targets if t.outcome == FAIL)])
    sheet.close()


def _rules(book, name, policy, w: Wording, years, formats, options: ReportOptions) -> None:
    by = [w.fact(options.by)] if options.by else []
    sheet = _Sheet(book, name, [w("col_year"), *by, w("col_rule"), w("col_name"),
                                w("col_clauses"), w("col_modality")] + [w.outcome_head(o) for o in OUTCOMES],
                   formats)
    for y in years:
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


def _targets(book, name, policy, w: Wording, years, formats) -> None:
    sheet = _Sheet(book, name, [w("col_year"), w("col_target"), w("col_name"), w("col_clauses"),
                                w("col_modality"), w("col_group"), w("col_verdict"), w("col_achieved"),
                                w("col_required"), w("col_unit"), w("col_explanation")], formats)
    for y in years:
        for t in y.targets:
            rule = _rule(policy, t.rule)
            if not in_force(rule, y.year):
                continue
            typ = target_type(rule)
            sheet.add([y.year, w.rule(rule), rule.name, ",".join(t.clauses), w.modality(t.modality),
                       t.group if t.group is not None else w("all"), w.verdict(t.outcome, t.modality),
                       _amount(t.value, typ), _amount(t.required, typ), _unit(w, typ),
                       target_explanation(policy, w, t)])
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
