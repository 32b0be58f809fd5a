"""Explanations in the plan's terms: the values used, the threshold, the margin."""

from __future__ import annotations

import math
import re
from fractions import Fraction

from ..core import ir
from .reference import Env, evaluate
from .values import EmptyPopulation, Unknown, show


def _bound(op: str) -> str | None:
    """What `x op c` asks of x: enough of it ("lower"), at most so much ("upper"), "equal"."""
    return ir.COMPARATORS[op].bound


def explain(e: ir.Expr, env: Env, year: int, scope: bool = False) -> str:
    """Why `e` holds, fails or is unknown for this record. For a scope, a false condition
    says what the record is (`not more than 0 people`), not what it needs."""
    value = evaluate(e, env, year)
    if isinstance(value, Unknown):
        return "cannot decide: " + unknown_reasons(value)
    text = _Explainer(env, year)(e, value is True)
    if scope and value is False:
        text = _SHORT.sub("", text).replace(", needs ", ", not ")
    return text


_SHORT = re.compile(r": [^;:]* (short|over)(?=;|$)")


def unknown_reasons(u: Unknown) -> str:
    parts = []
    for r in sorted(u.reasons):
        parts.append(f"`{r}` is missing or invalid" if r.isidentifier() else r)
    return "; ".join(parts)


class _Explainer:
    """Why an expression holds or fails for one record in one year, by the method named
    after the node's class (`_And`, `_Cmp`, ...). A node without one (a constant, a
    schedule or a lookup of conditions) is only said to be true or false."""

    def __init__(self, env: Env, year: int):
        self.env, self.year = env, year

    def __call__(self, e: ir.Expr, holds: bool) -> str:
        words = getattr(self, "_" + type(e).__name__, None)
        if words is None:
            return f"`{e.text}` is {'true' if holds else 'false'}"
        return words(e, holds)

    def _And(self, e: ir.And, holds: bool) -> str:
        # Flatten first: in `(a and b) and c` only the conjuncts that are false explain a
        # failure (an unknown one beside a false one decides nothing).
        parts = _flatten([e.left, e.right], ir.And)
        if not holds:
            parts = [p for p in parts if evaluate(p, self.env, self.year) is False]
        return "; ".join(self(p, holds) for p in parts)

    def _Or(self, e: ir.Or, holds: bool) -> str:
        alts = _flatten([e.left, e.right], ir.Or)
        if holds:
            good = next(a for a in alts if evaluate(a, self.env, self.year) is True)
            return self(good, True)
        return "none of the alternatives holds: " + "; ".join(self(a, False) for a in alts)

    def _Not(self, e: ir.Not, holds: bool) -> str:
        inner = e.operand
        if isinstance(inner, ir.Fact):
            return f"`{inner.name}` is {'false' if holds else 'true'}"
        return f"not ({self(inner, not holds)})"

    def _Fact(self, e: ir.Fact, holds: bool) -> str:
        return f"`{e.name}` is {'true' if holds else 'false'}"

    def _Cmp(self, e: ir.Cmp, holds: bool) -> str:
        env, year = self.env, self.year
        a = evaluate(e.left, env, year)
        b = evaluate(e.right, env, year)
        typ = e.left.type if not isinstance(e.left, ir.Const) else e.right.type
        needed, exact = _whole_requirement(e, typ, b)
        left = f"{_subject(e.left)} is {show(a, typ)}"
        right = _operand(e.right, needed, typ, env, year, exact)
        if holds:
            return f"{left}, {ir.COMPARATORS[e.op].words} {right}"
        text = f"{left}, needs {ir.COMPARATORS[e.op].words} {right}"
        if isinstance(typ, ir.Num) and _bound(e.op) in ("lower", "upper"):
            gap = (needed - a) if _bound(e.op) == "lower" else (a - needed)
            if gap > 0:
                text += f": {show(gap, typ)} {'short' if _bound(e.op) == 'lower' else 'over'}"
        return text

    def _Between(self, e: ir.Between, holds: bool) -> str:
        env, year = self.env, self.year
        s = evaluate(e.subject, env, year)
        lo = evaluate(e.low, env, year)
        hi = evaluate(e.high, env, year)
        typ = e.subject.type
        rng = f"{show(lo, typ)} to {show(hi, typ)}" + (f" ({e.stated})" if e.stated else "")
        if holds:
            return f"{_subject(e.subject)} is {show(s, typ)}, within {rng}"
        text = f"{_subject(e.subject)} is {show(s, typ)}, outside {rng}"
        if isinstance(typ, ir.Num):
            text += f": {show(lo - s, typ)} below" if s < lo else f": {show(s - hi, typ)} above"
        return text

    def _Member(self, e: ir.Member, holds: bool) -> str:
        s = evaluate(e.subject, self.env, self.year)
        where = f"`{e.set_name}`" if e.set_name else "the listed values"
        inside = (not holds) if e.negated else holds
        return f"{_subject(e.subject)} is {show(s, e.subject.type)}, {'' if inside else 'not '}in {where}"

    def _Cond(self, e: ir.Cond, holds: bool) -> str:
        c = evaluate(e.cond, self.env, self.year)
        branch = e.then if c else e.else_
        return f"{self(e.cond, bool(c))}, so {self(branch, holds)}"

    def _ChildAgg(self, e: ir.ChildAgg, holds: bool) -> str:
        """`all(groups, ...)` / `any(groups, ...)`: which parts decided it, by id."""
        from .reference import part_values

        found = part_values(e, self.env, self.year)
        text = f"`{e.text}` is {'true' if holds else 'false'}"
        if isinstance(found, Unknown):
            return text
        deciding = [pid for pid, v in found if v is (e.kind == "any")]
        if not found:
            return f"{text}: no {e.entity} records"
        if not deciding:
            return f"{text} for each of {len(found)} {e.entity} record(s)"
        ids = ", ".join(f"`{pid}`" for pid in deciding[:5]) + (", …" if len(deciding) > 5 else "")
        word = "holds" if e.kind == "any" else "fails"
        return f"{text}: {word} for {e.entity} {ids}, {len(deciding)} of {len(found)}"


def _flatten(items, cls):
    out = []
    for item in items:
        if isinstance(item, cls):
            out.extend(_flatten([item.left, item.right], cls))
        else:
            out.append(item)
    return out


def _subject(e: ir.Expr) -> str:
    return f"`{e.name}`" if isinstance(e, ir.Fact) else f"`{e.text}`"


def _operand(e: ir.Expr, value, typ, env: Env, year: int, exact=None) -> str:
    """A threshold with how it was reached: `200 m2`, `60% (the 2024 target)`,
    `200.2 m2 (`20 m2 per 100 households × households`; `households` is 1001 households)`.
    `exact` is the computed value when `value` was rounded to whole units."""
    shown = show(value, typ)
    if isinstance(e, ir.Const):
        if exact is not None:
            return f"{shown} ({show(exact, typ)})"
        written = e.text.replace(" ", "")
        # Keep the plan's own words when they differ from the value shown: `1万元 per year`.
        return f"{shown} ({e.text})" if written and written != shown.replace(" ", "") else shown
    if isinstance(e, ir.Fact):
        return f"{shown} (`{e.name}`)"
    if isinstance(e, ir.Sched):
        return f"{shown} (the {year} target)"
    if isinstance(e, ir.ChildAgg):
        return f"{shown} (`{e.text}`)"
    facts = sorted({x.name: x for x in ir.walk_own(e) if isinstance(x, ir.Fact)}.items())
    parts = [f"`{for_year(e, year)}`" + (f" = {show(exact, typ)}" if exact is not None else "")]
    parts += [f"`{name}` is {show(evaluate(f, env, year), f.type)}" for name, f in facts]
    return f"{shown} ({'; '.join(parts)})"


def for_year(e: ir.Expr, year: int) -> str:
    """The source text of `e` with each schedule replaced by its entry for `year`."""
    text = e.text
    for x in ir.walk(e):
        if isinstance(x, ir.Sched) and x.text and x.text in text:
            entry = ir.schedule_entry(x, year)
            if entry is not None:
                text = text.replace(x.text, entry.text)
    return text


def _whole_requirement(e: ir.Cmp, typ, b):
    """A count compared with a fractional threshold needs a whole number: 3.0025 workers
    means 4. Returns (the requirement to show, the exact threshold or None)."""
    if not (isinstance(typ, ir.Num) and typ.integer and isinstance(e.left, ir.Fact)
            and isinstance(b, Fraction) and _bound(e.op) in ("lower", "upper")):
        return b, None
    units = b / typ.scale
    if units.denominator == 1:
        return b, None
    whole = math.ceil(units) if _bound(e.op) == "lower" else math.floor(units)
    return Fraction(whole) * typ.scale, b


# ---- targets -------------------------------------------------------------------------


def explain_target(e: ir.Expr, pop, year: int, holds: bool, plural: str, singular: str | None = None) -> str:
    """`share 37.5% (112 of 299 communities), needs at least 40%: 9 more communities`."""

    def noun(n) -> str:
        return singular if n == 1 and singular else plural

    if isinstance(e, ir.And | ir.Or):
        texts = []
        for part in _flatten([e.left, e.right], type(e)):
            try:
                value = evaluate(part, {}, year, pop)
            except EmptyPopulation:
                texts.append(f"`{part.text}` cannot be measured: no {plural} in scope")
                continue
            if isinstance(value, Unknown):
                texts.append(f"cannot decide `{part.text}`: {unknown_reasons(value)}")
            else:
                texts.append(explain_target(part, pop, year, value is True, plural, singular))
        return "; ".join(texts)
    if not isinstance(e, ir.Cmp):
        return f"`{e.text}` is {'true' if holds else 'false'}"
    a = evaluate(e.left, {}, year, pop)
    b = evaluate(e.right, {}, year, pop)
    left = e.left
    typ = left.type if not isinstance(left, ir.Const) else e.right.type
    verb = "" if holds else "needs "
    right = _operand(e.right, b, typ, {}, year)
    if isinstance(left, ir.Agg) and left.kind in ("share", "count"):
        met = a * len(pop) if left.kind == "share" else a
        if left.kind == "share":
            what = f"share {show(a, typ)} ({int(met)} of {len(pop)} {noun(len(pop))})"
        else:
            what = f"count {show(a, typ)} {noun(a)}"
        text = f"{what}, {verb}{ir.COMPARATORS[e.op].words} {right}"
        if not holds and _bound(e.op) == "lower":
            need = _more_needed(left.kind, e.op, met, len(pop), b)
            if need is not None:
                text += f": {need} more {noun(need)}"
        return text
    detail = more = ""
    if isinstance(left, ir.Arith) and left.op == "/" and all(
            isinstance(x, ir.Agg) for x in (left.left, left.right)):
        n = evaluate(left.left, {}, year, pop)
        d = evaluate(left.right, {}, year, pop)
        detail = f" ({show(n, left.left.type)} of {show(d, left.right.type)})"
        if not holds and _bound(e.op) == "lower" and isinstance(b, Fraction):
            # How much more of the numerator, the denominator unchanged.
            unit = left.left.type.scale if isinstance(left.left.type, ir.Num) else 1
            gap = (b * d - n) / unit
            whole = math.floor(gap) + 1 if ir.COMPARATORS[e.op].strict else math.ceil(gap)
            if whole > 0:
                amount, _, unit_name = show(Fraction(whole) * unit, left.left.type).partition(" ")
                more = f": {amount} more {unit_name}".rstrip()
    return f"`{left.text}` is {show(a, typ)}{detail}, {verb}{ir.COMPARATORS[e.op].words} {right}{more}"


def _more_needed(kind: str, op: str, met, n: int, required) -> int | None:
    target = Fraction(required) * (n if kind == "share" else 1)
    need = math.floor(target) + 1 if ir.COMPARATORS[op].strict else math.ceil(target)
    more = int(need - met)
    return more if 0 < more <= (n - met if kind == "share" else more) else None
