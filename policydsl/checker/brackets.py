"""Coverage of a lookup's brackets: values no bracket covers, and brackets that overlap.

A record whose key falls in a gap would be `unknown` at evaluation time, and in an
overlap only the first bracket counts; both are drafting mistakes the checker can see
when the bounds are constants. The number line is cut at every bound into points and
the open pieces between them; each piece is covered by a bracket or not, so the
answer is exact (no sampling).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from fractions import Fraction

import attrs

from ..core import ast, ir
from ..core.source import Span
from ..eval.values import show

Bound = tuple[Fraction, bool] | None  # (value, inclusive); None: unbounded


@attrs.frozen
class Interval:
    """Values from `low` to `high`; `step` set means only whole multiples of it occur."""

    low: Bound = None
    high: Bound = None
    step: Fraction | None = None

    def contains(self, x: Fraction) -> bool:
        if self.low is not None and (x < self.low[0] or (x == self.low[0] and not self.low[1])):
            return False
        return self.high is None or x < self.high[0] or (x == self.high[0] and self.high[1])


@attrs.frozen
class _Piece:
    """A point (`low == high`) or the open stretch between two cuts (None: unbounded)."""

    low: Fraction | None
    high: Fraction | None
    point: bool

    def sample(self) -> Fraction:
        """A value inside the piece."""
        if self.point:
            return self.low
        if self.low is None and self.high is None:
            return Fraction(0)
        if self.low is None:
            return self.high - 1
        if self.high is None:
            return self.low + 1
        return (self.low + self.high) / 2


Finding = tuple[Span, str, str]


def bracket_findings(table: ir.Table, domain, nodes: Sequence[ast.Bracket]) -> list[Finding]:
    """Warnings for gaps and overlaps of `table`'s brackets (`nodes` give their spans)."""
    if any(b.kind != "in" and not _constant(b) for b in table.brackets):
        return []  # bounds computed per record: nothing to say in advance
    if isinstance(table.key.type, ir.Num):
        return _numeric(table, domain, nodes)
    return _categories(table, domain, nodes)


def _constant(b: ir.Bracket) -> bool:
    return all(x is None or isinstance(x, ir.Const) for x in (b.low, b.high))


def _categories(table: ir.Table, domain, nodes) -> list[Finding]:
    out: list[Finding] = []
    typ = table.key.type
    seen: set[object] = set()
    has_else = False
    for b, node in zip(table.brackets, nodes, strict=True):
        if b.kind == "else":
            has_else = True
            continue
        again = [v for v in b.values if v in seen]
        if again:
            out.append((node.span, f"{_list(again, typ)} already has an earlier bracket; the first "
                        "bracket that matches wins", "remove it here or from the earlier bracket"))
        seen.update(b.values)
    if has_else:
        return out
    if domain is None:
        out.append((table.span, f"a value of `{table.key.text}` not listed has no bracket: "
                    "such records would be unknown", "add `else: ...`"))
        return out
    missing = [v for v in domain if v not in seen]
    if missing:
        out.append((table.span, f"no bracket for {_list(missing, typ)}: such records would be unknown",
                    "add them to a bracket, or add `else: ...`"))
    return out


def _list(values, typ) -> str:
    shown = [f"`{show(v, typ)}`" for v in values[:8]]
    return ", ".join(shown) + (f" and {len(values) - 8} more" if len(values) > 8 else "")


def _numeric(table: ir.Table, domain, nodes) -> list[Finding]:
    if any(b.kind == "else" for b in table.brackets[:-1]):
        return []  # brackets after `else` can never match; rare enough not to analyse
    intervals = [_interval(b) for b in table.brackets]
    space = domain if isinstance(domain, Interval) else Interval()
    cuts = sorted({x for i in intervals if i is not None for x in _ends(i)}
                  | {x for x in _ends(space)})
    pieces = list(_pieces(cuts))
    typ = table.key.type
    out: list[Finding] = []
    overlaps: dict[int, list[_Piece]] = {}
    gaps: list[_Piece] = []
    for piece in pieces:
        if not _occurs(piece, space):
            continue
        x = piece.sample()
        covering = [k for k, i in enumerate(intervals) if i is None or i.contains(x)]
        if not covering:
            gaps.append(piece)
        elif len(covering) > 1 and intervals[covering[1]] is not None:
            overlaps.setdefault(covering[1], []).append(piece)
    for k, where in sorted(overlaps.items()):
        out.append((nodes[k].span, f"this bracket overlaps an earlier one at {_describe(where, typ, space)}; "
                    "there the earlier bracket wins", "make the bounds meet without overlapping "
                    "(`below 50`, then `50 to 99`)"))
    if gaps:
        out.append((table.span, f"no bracket covers {_describe(gaps, typ, space)}: such records "
                    "would be unknown", "add a bracket for these values, or `else: ...`"))
    return out


def _interval(b: ir.Bracket) -> Interval | None:
    """The values a bracket matches; None for `else` (everything)."""
    lo = b.low.value if isinstance(b.low, ir.Const) else None
    hi = b.high.value if isinstance(b.high, ir.Const) else None
    if b.kind == "below":
        return Interval(None, (hi, False))
    if b.kind == "above":
        return Interval((lo, False), None)
    if b.kind == "from":
        return Interval((lo, True), None)
    if b.kind == "range":
        return Interval((lo, True), (hi, True))
    if b.kind == "in":
        return _Points(tuple(b.values))
    return None


@attrs.frozen
class _Points:
    values: tuple[Fraction, ...]

    def contains(self, x: Fraction) -> bool:
        return x in self.values


def _ends(i) -> Iterator[Fraction]:
    if isinstance(i, _Points):
        yield from i.values
        return
    for bound in (i.low, i.high):
        if bound is not None:
            yield bound[0]


def _pieces(cuts: list[Fraction]) -> Iterator[_Piece]:
    if not cuts:
        yield _Piece(None, None, False)
        return
    yield _Piece(None, cuts[0], False)
    for a, b in zip(cuts, cuts[1:], strict=False):
        yield _Piece(a, a, True)
        yield _Piece(a, b, False)
    yield _Piece(cuts[-1], cuts[-1], True)
    yield _Piece(cuts[-1], None, False)


def _occurs(piece: _Piece, space: Interval) -> bool:
    """Whether a value of the key can lie in `piece` (inside the domain, and whole if it must be)."""
    if piece.point:
        return space.contains(piece.low) and (space.step is None or (piece.low / space.step).denominator == 1)
    if not space.contains(piece.sample()):
        return False
    if space.step is None or piece.low is None or piece.high is None:
        return True
    first = (math.floor(piece.low / space.step) + 1) * space.step
    return first < piece.high


def _describe(pieces: list[_Piece], typ, space: Interval) -> str:
    """Maximal runs of adjacent pieces, in the key's unit."""
    runs: list[list[_Piece]] = []
    for p in pieces:
        if runs and _adjacent(runs[-1][-1], p):
            runs[-1].append(p)
        else:
            runs.append([p])
    texts = [_run_text(r, typ, space) for r in runs[:4]]
    return ", ".join(texts) + (f" and {len(runs) - 4} more ranges" if len(runs) > 4 else "")


def _adjacent(a: _Piece, b: _Piece) -> bool:
    return a.high is not None and b.low is not None and a.high == b.low and a.point != b.point


def _run_text(run: list[_Piece], typ, space: Interval) -> str:
    low, high = run[0], run[-1]
    lo, lo_in = low.low, low.point
    hi, hi_in = high.high, high.point
    if space.step is not None and lo is not None and hi is not None:
        whole = _wholes(lo, lo_in, hi, hi_in, space.step)
        if whole is not None and len(whole) <= 5:
            return ", ".join(show(w, typ) for w in whole)
    if lo is not None and hi is not None and lo == hi:
        return show(lo, typ)
    if lo is None:
        return f"{show(hi, typ)} or less" if hi_in else f"values below {show(hi, typ)}"
    if hi is None:
        return f"{show(lo, typ)} or more" if lo_in else f"values above {show(lo, typ)}"
    left = "from" if lo_in else "above"
    right = "up to and including" if hi_in else "up to but not including"
    return f"values {left} {show(lo, typ)} {right} {show(hi, typ)}"


def _wholes(lo, lo_in, hi, hi_in, step) -> list[Fraction] | None:
    first = math.ceil(lo / step) if lo_in else math.floor(lo / step) + 1
    last = math.floor(hi / step) if hi_in else math.ceil(hi / step) - 1
    if last - first > 5:
        return None
    return [k * step for k in range(first, last + 1)]
