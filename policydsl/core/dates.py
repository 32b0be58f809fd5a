"""Calendar dates: literals, the evaluation date, and exact calendar arithmetic.

A date is a `datetime.date`; arithmetic on it is whole months and whole days, never
a fraction of a year. Adding months keeps the day of the month, and a day that the
target month lacks becomes that month's last day: 2024-01-31 + 1 month is 2024-02-29,
2024-02-29 + 1 year is 2025-02-28, 2024-08-31 - 6 months is 2024-02-29. Days are
added after months (`+ 1 month + 1 day` is two steps, each with this rule).

The evaluation date travels where evaluators take a year: an `On` is the year it
judges (an int, so every year-based test keeps working) and carries the date itself.
Judging a year means judging its last day (`--year 2024` is `--date 2024-12-31`).
"""

from __future__ import annotations

import calendar
import datetime
import re

Date = datetime.date

# `2024-07-01` in data and policies; `2024年7月1日` in policies.
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_ZH = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")

# The names of the evaluation date and of its year in expressions, English and Chinese.
EVAL_NAMES = {"eval_date": "date", "评估日": "date", "eval_year": "year", "评估年": "year"}

# Calendar units of a duration, by the words a drafter writes: (months, days) per unit.
DURATION_UNITS: dict[str, tuple[int, int]] = {
    "year": (12, 0), "years": (12, 0), "年": (12, 0),
    "month": (1, 0), "months": (1, 0), "个月": (1, 0), "月": (1, 0),
    "week": (0, 7), "weeks": (0, 7), "周": (0, 7),
    "day": (0, 1), "days": (0, 1), "天": (0, 1), "日": (0, 1),
}


class On(int):
    """The evaluation moment: the year it judges, as an int, and the calendar date.

    Equal only to an `On` of the same year and date (and, like an int, to its year),
    so programs and memos kept per year keep dates apart.
    """

    date: Date

    def __new__(cls, year: int, date: Date) -> On:
        self = super().__new__(cls, year)
        self.date = date
        return self

    def judged_as(self, year: int) -> On:
        """The same date, judging the requirements of another year (a standing law's horizon)."""
        return On(year, self.date)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, On):
            return int(self) == int(other) and self.date == other.date
        return int.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((int(self), self.date))

    def __repr__(self) -> str:
        return f"On({int(self)}, {self.date.isoformat()})"

    def __str__(self) -> str:  # shown as the year it judges, wherever a year is written
        return int.__repr__(self)

    def __reduce__(self):
        return (On, (int(self), self.date))


def on(year: int, date: Date | None = None) -> On:
    """The evaluation moment of `year`, on `date` (default: the year's last day)."""
    return On(year, date if date is not None else Date(year, 12, 31))


def day_of(year: int) -> Date:
    """The evaluation date behind a year argument: its own date, or the year's last day."""
    date = getattr(year, "date", None)
    return date if isinstance(date, Date) else Date(int(year), 12, 31)


def parse_iso(text: str) -> Date | None:
    """`YYYY-MM-DD` exactly (as data holds dates), or None."""
    m = _ISO.fullmatch(text.strip())
    return _make(m) if m else None


def parse_literal(text: str) -> Date | None:
    """A date as a policy writes it: `2024-07-01` or `2024年7月1日`; None if no such day."""
    m = _ISO.fullmatch(text) or _ZH.fullmatch(text)
    return _make(m) if m else None


def _make(m: re.Match) -> Date | None:
    try:
        return Date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def shift(d: Date, months: int, days: int) -> Date | None:
    """`d` plus whole months (end-of-month rule above), then whole days; None outside
    the calendar (before year 1 or after 9999)."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        return None
    last = calendar.monthrange(year, month + 1)[1]
    moved = Date(year, month + 1, min(d.day, last))
    try:
        return moved + datetime.timedelta(days=days)
    except OverflowError:
        return None


def shift_domain(months: int, days: int) -> tuple[Date, Date] | None:
    """The days `d` for which `shift(d, months, days)` is a day, as (first, last); None
    when there is none. They are one interval: a shift never moves a later day before an
    earlier one (the end-of-month rule only merges days), and it is in the calendar
    when both its month step and its day step are. An evaluator that must not compute a
    day outside its calendar (an ANSI engine raises) tests this range first."""
    low, high = 12, 9999 * 12 + 11  # the month indexes of years 1 and 9999
    first, last = max(low, low - months), min(high, high - months)  # where the month step lands inside
    if first > last:
        return None
    start = Date(first // 12, first % 12 + 1, 1)
    end_year, end_month = last // 12, last % 12 + 1
    end = Date(end_year, end_month, calendar.monthrange(end_year, end_month)[1])

    def landed(ordinal: int) -> int:  # the ordinal of the day step's result, month step inside
        d = Date.fromordinal(ordinal)
        index = d.year * 12 + (d.month - 1) + months
        year, month = divmod(index, 12)
        return Date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1])).toordinal() + days

    def search(lo: int, hi: int, ok) -> int:  # the first ordinal in [lo, hi] where ok holds (monotone), or hi + 1
        while lo <= hi:
            mid = (lo + hi) // 2
            if ok(mid):
                hi = mid - 1
            else:
                lo = mid + 1
        return lo

    lo, hi = start.toordinal(), end.toordinal()
    top = Date.max.toordinal()
    a = search(lo, hi, lambda o: landed(o) >= 1)
    b = search(lo, hi, lambda o: landed(o) > top) - 1
    return (Date.fromordinal(a), Date.fromordinal(b)) if a <= b else None


def duration_text(months: int, days: int) -> str:
    """`2 years`, `6 months`, `1 year 3 months`, `10 days`: a duration for explanations."""
    parts = []
    years, rest = divmod(abs(months), 12)
    for n, word in ((years, "year"), (rest, "month"), (abs(days), "day")):
        if n:
            parts.append(f"{n} {word}{'s' if n != 1 else ''}")
    return " ".join(parts) or "0 days"


def validity_days(validity) -> tuple[Date | None, Date | None]:
    """The first and last day an `ir.Validity` puts a policy in force (None: open): a
    repeal ends it the day before."""
    if validity is None:
        return None, None
    last = validity.end
    if validity.repealed is not None:
        day_before = validity.repealed - datetime.timedelta(days=1)
        last = day_before if last is None else min(last, day_before)
    return validity.start, last


def uses_dates(rule, validity=None) -> bool:
    """Whether an IR rule has days in force, a due day, or date values anywhere. With the
    policy's `validity`, days in force that are just the policy's do not count: every
    rule shares them, so whole-year reasoning about the rules together still holds."""
    return date_construct(rule, validity) is not None


def date_construct(rule, validity=None) -> str | None:
    """What makes a rule depend on days (see `uses_dates`), for a reader; None if nothing."""
    from . import ir

    shared = rule.in_force is not None and validity is not None and \
        (rule.in_force.start, rule.in_force.end) == validity_days(validity)
    if rule.in_force is not None and not shared:
        return "days in force of its own"
    if rule.due is not None:
        return "a due day"
    exprs = [e for e in (rule.scope, rule.condition) if e is not None]
    if any(isinstance(x, ir.DateShift | ir.EvalDate) or getattr(x, "type", None) == ir.DATE
           for e in exprs for x in ir.walk(e)):
        return "date values"
    return None


def validity_json(validity) -> dict | None:
    """An `ir.Validity` for the JSON outputs (days as YYYY-MM-DD), or None."""
    if validity is None:
        return None
    out: dict = {}
    for key, day in (("in_force_from", validity.start), ("in_force_until", validity.end)):
        if day is not None:
            out[key] = day.isoformat()
    if validity.amended:
        out["amended_on"] = [d.isoformat() for d in validity.amended]
    if validity.repealed is not None:
        out["repealed_on"] = validity.repealed.isoformat()
    if validity.superseded_by is not None:
        out["superseded_by"] = validity.superseded_by
    return out or None


def in_force_text(days) -> str:
    """`from 2024-07-01 to 2025-12-31` for an `ir.InForce`."""
    if days.start is not None and days.end is not None:
        return f"from {days.start.isoformat()} to {days.end.isoformat()}"
    if days.start is not None:
        return f"from {days.start.isoformat()}"
    return f"until {days.end.isoformat()}"


def show(d: Date) -> str:
    return d.isoformat()
