"""The checker's part for dates: date literals, calendar arithmetic, the evaluation
date, days in force, due days and a policy's validity (see policydsl/core/dates.py).

`DateChecks` is a part of `typecheck.TypeChecker`, so the date constructs stay in one
place; `validity` is read by the resolve stage with the policy's header.
"""

from __future__ import annotations

import datetime
from fractions import Fraction

import attrs

from ..core import ast, ir
from ..core.dates import DURATION_UNITS, EVAL_NAMES, duration_text, shift, validity_days
from ..core.units import DIMENSIONLESS
from .expressions import Ctx, type_name

_YEAR_HELP = ("a year is not a day: write the day (`2024-01-01`, `2024年1月1日`), or compare "
              "`eval_year` with the year")


def _day(lit: ast.DateLit | None) -> datetime.date | None:
    return datetime.date.fromisoformat(lit.iso) if lit is not None else None


class DateChecks:
    """The date constructs' part of the type checker (see `typecheck.TypeChecker`)."""

    def _DateLit(self, n: ast.DateLit, ctx) -> ir.Expr:
        return ir.Const(datetime.date.fromisoformat(n.iso), ir.DATE, n.span, n.text or n.iso)

    def eval_name(self, n: ast.Name) -> ir.Expr:
        kind = EVAL_NAMES[n.name]
        typ = ir.DATE if kind == "date" else ir.Num(DIMENSIONLESS, "", Fraction(1), integer=True)
        return ir.EvalDate(kind, typ, n.span, n.name)

    @staticmethod
    def is_duration(node: ast.Expr) -> bool:
        return (isinstance(node, ast.Number) and node.unit in DURATION_UNITS
                and node.text.isdigit())

    def date_arith(self, n: ast.Binary, left: ir.Expr, ctx) -> ir.Expr | None:
        """`DATE + 2 years`, `DATE - 6 months`, `DATE + 30 days`: a day moved exactly."""
        if n.op not in ("+", "-") or not self.is_duration(n.right):
            other = self.expr(n.right, ctx)
            if other is not None and other.type == ir.DATE and n.op == "-":
                self.error(n.span, "one date cannot be subtracted from another", code="E0171",
                           help="compare the dates, moving one by a duration: "
                                f"`{self.text(n.left.span)} <= {self.text(n.right.span)} + 30 days`")
            elif other is not None:
                self.error(n.right.span, "a date moves by a whole number of years, months, weeks "
                           "or days, written out", code="E0170",
                           help="write `+ 2 years`, `- 6 months`, `+ 30 days` (`+ 2年`, `+ 6个月`, `+ 30天`)")
            return None
        assert isinstance(n.right, ast.Number) and n.right.unit is not None
        months, days = DURATION_UNITS[n.right.unit]
        count = int(n.right.text) * (1 if n.op == "+" else -1)
        months, days = months * count, days * count
        text = self.text(n.span)
        if isinstance(left, ir.Const):
            moved = shift(left.value, months, days)  # type: ignore[arg-type]
            if moved is None:
                self.error(n.span, "the date moves outside the calendar (years 1 to 9999)", code="E0172")
                return None
            return ir.Const(moved, ir.DATE, n.span, text)
        return ir.DateShift(left, months, days, ir.DATE, n.span, text)

    def _Periodic(self, n: ast.Periodic, ctx) -> ir.Expr | None:
        """`last_inspection every 2 years`: read as `last_inspection >= eval_date - 2 years`,
        so every engine judges it with the comparison it already has."""
        subject = self.expr(n.subject, ctx)
        period = self._period(n)
        if subject is None or period is None:
            return None
        if subject.type != ir.DATE:
            name = self.text(n.subject.span)
            every = "每2年" if n.chinese else "every 2 years"
            self.error(n.subject.span, f"a periodic duty names the day it was last done, but `{name}` "
                       f"is {type_name(subject.type)}", code="E0184",
                       help=f"declare the day as a fact (`fact last_inspection: date`) and write "
                            f"`must last_inspection {every}`; for a count per period, compare it "
                            "with `>=`")
            return None
        months, days, words = period
        now = "评估日" if n.chinese else "eval_date"
        since = ir.DateShift(ir.EvalDate("date", ir.DATE, n.period.span, now), -months, -days,
                             ir.DATE, n.period.span, f"{now} - {words}")
        return ir.Cmp(">=", subject, since, ir.BOOL, n.span, self.text(n.span))

    def _period(self, n: ast.Periodic) -> tuple[int, int, str] | None:
        """The months and days of a period (`2 years`, `6个月`, or a bare unit: `year`, `年`)."""
        p = n.period
        if isinstance(p, ast.Name) and p.name in DURATION_UNITS and p.name not in self.facts:
            months, days = DURATION_UNITS[p.name]
            return months, days, f"1{'' if n.chinese else ' '}{p.name}"
        if self.is_duration(p) and int(p.text) > 0:  # type: ignore[union-attr]
            assert isinstance(p, ast.Number) and p.unit is not None
            months, days = DURATION_UNITS[p.unit]
            return months * int(p.text), days * int(p.text), self.text(p.span)
        example = "`每2年`, `每6个月`, `每30天`" if n.chinese else "`every 2 years`, `every 6 months`, `every 30 days`"
        self.error(p.span, f"a period is a whole number of years, months, weeks or days, not "
                   f"`{self.text(p.span)}`", code="E0185",
                   help=f"write it out: {example}; for half a year write "
                        f"{'`每6个月`' if n.chinese else '`every 6 months`'}")
        return None

    def date_compare_help(self, lt: ir.Type, rt: ir.Type) -> str | None:
        if ir.DATE in (lt, rt) and (isinstance(lt, ir.Num) or isinstance(rt, ir.Num)):
            return _YEAR_HELP
        return None

    # ---- rules and the policy ----------------------------------------------------

    def in_force_years(self, y: ast.InForce) -> tuple[int, int] | None:
        """The years of a rule in force between two days (both checked against the period)."""
        first, last = self.resolved.period
        start, end = _day(y.start), _day(y.end)
        ok = True
        for day in (d for d in (start, end) if d is not None):
            if not first <= day.year <= last:
                self.error(y.span, f"{day.isoformat()} is outside the policy period "
                           f"{self.resolved.period_words()}", code="E0150", help=self.resolved.period_help())
                ok = False
        if ok and start is not None and end is not None and start > end:
            self.error(y.span, f"the rule comes into force on {start.isoformat()} but ends on "
                       f"{end.isoformat()}", code="E0151")
            ok = False
        if not ok:
            return None
        return (start.year if start else first, end.year if end else last)

    def with_dates(self, d: ast.RuleDecl, rule: ir.Rule, meta: ir.Meta | None) -> ir.Rule | None:
        """The rule with its days in force (its own and the policy's) and its due day."""
        in_force = _rule_days(d.years, meta.validity if meta is not None else None)
        due = None
        if d.due is not None:
            if d.is_target:
                self.error(d.due.span, "`due` belongs to a rule: a target measures the population",
                           code="E0176", help=f"write `rule {d.name}` for a duty of each record")
                return None
            due = self.expr(d.due, Ctx())
            if due is None:
                return None
            if due.type != ir.DATE:
                self.error(d.due.span, f"`due` needs a date, but this is {type_name(due.type)}",
                           code="E0175", help="write the day the duty falls due, e.g. "
                                              "`due completed + 2 years`")
                return None
        if in_force is None and due is None:
            return rule
        return attrs.evolve(rule, in_force=in_force, due=due)


def duration_help(unit: str) -> str | None:
    """For `30 days` outside date arithmetic: a duration only moves a date."""
    if unit not in DURATION_UNITS:
        return None
    return (f"`{unit}` moves a date (`completed + 30 days`); it is not a unit of a "
            "quantity: declare one with `unit` if a count of them is meant")


def validity(report, h: ast.PolicyDecl) -> ir.Validity | None:
    """The policy's days in force, amendments and repeal; `report` is told what is out of order."""
    v = h.validity
    if v is None:
        return None
    start, end, repealed = _day(v.start), _day(v.end), _day(v.repealed)
    if start is not None and end is not None and start > end:
        report.error(v.span, f"the policy comes into force on {start.isoformat()} but ends on "
                     f"{end.isoformat()}", code="E0173")
    amended = tuple(sorted(_day(a) for a in v.amended))
    if start is not None:
        for day in (*amended, repealed):
            if day is not None and day < start:
                report.error(v.span, f"{day.isoformat()} comes before the policy is in force "
                             f"({start.isoformat()})", code="E0174",
                             help="an amendment or repeal follows the day the policy comes into force")
    return ir.Validity(start, end, amended, repealed, v.superseded_by)


def _rule_days(years: object, validity: ir.Validity | None) -> ir.InForce | None:
    """A rule's first and last day in force: its own `in force` within the policy's."""
    start = end = None
    if isinstance(years, ast.InForce):
        start, end = _day(years.start), _day(years.end)
    own = (start, end)
    first, last = validity_days(validity)
    if first is not None:
        start = first if start is None else max(start, first)
    if last is not None:
        end = last if end is None else min(end, last)
    if start is None and end is None:
        return None
    why = ""
    if validity is not None and validity.repealed is not None and end == validity.repealed - datetime.timedelta(days=1) \
            and own[1] != end:
        why = f"the policy is repealed on {validity.repealed.isoformat()}"
    elif (start, end) != own:
        why = "by the policy's days in force"
    return ir.InForce(start, end, why)


def shift_text(months: int, days: int) -> str:
    sign = "-" if months < 0 or days < 0 else "+"
    return f"{sign} {duration_text(months, days)}"


__all__ = ["EVAL_NAMES", "DateChecks", "duration_help", "shift_text", "validity"]
