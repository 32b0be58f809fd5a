"""The vectorized batch evaluator: whole columns of records at once, with numpy.

Exactness: a numeric column is a scaled integer array — int64 numerators over one
common denominator per column (`200.5 m2` with denominator 2 is 401) — so a
threshold `p/q` is compared by cross-multiplying integers, never through float.
Every operation bounds its result from the operands' bounds before computing it;
anything that could leave int64, and any construct this module does not
vectorize (lookup tables, division by a non-constant, a schedule not in force),
sends the chunk or rule to the compiled evaluator, which is exact by construction.
Unknown values travel as a boolean mask beside each column (Kleene logic).

Explanations and target verdicts come from the same places as in the compiled
engine (`judge`, memoised; `_targets.TargetStats`), so results are identical.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from .. import ir
from ..data.validate import Record
from ..results import OUTCOMES, TargetResult
from ._targets import TargetStats
from .compiled import CompiledEngine
from .engine import ENGINES

LIMIT = 2**62  # bound on any intermediate integer; beyond it the exact path takes over
CHUNK = 65_536
CODE = {name: i for i, name in enumerate(OUTCOMES)}  # outcome -> int8 code


class Fallback(Exception):
    """This chunk or rule is evaluated by the compiled engine instead."""


class Num:
    """Exact numbers: `n / d` with `n` int64 (or a Python int) and `d` a positive int."""

    __slots__ = ("n", "d", "unk", "bound")

    def __init__(self, n, d: int, unk, bound: int):
        if bound >= LIMIT or d >= LIMIT:
            raise Fallback()
        self.n, self.d, self.unk, self.bound = n, d, unk, bound


class Bool:
    __slots__ = ("v", "unk")

    def __init__(self, v, unk):
        self.v, self.unk = v, unk


class Code:
    """Values compared only for equality or order: enum levels, text codes, booleans."""

    __slots__ = ("c", "unk")

    def __init__(self, c, unk):
        self.c, self.unk = c, unk


def _or(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a | b


def _not(mask):
    return None if mask is None else ~mask


class Columns:
    """One chunk of records as columns: what `VectorizedEngine` evaluates."""

    def __init__(self, size: int, values: dict[str, object], exemptions: list[dict[str, str]],
                 text_codes: dict[str, int]):
        self.size = size
        self.values = values  # fact name -> Num | Bool | Code
        self.exemptions = exemptions
        self.text_codes = text_codes  # shared by every text column, so codes compare
        self._exempt: dict[tuple[str, ...], np.ndarray] = {}

    def exempted(self, clauses: tuple[str, ...]) -> np.ndarray:
        """Which records are exempted from any of `clauses` (computed once per chunk)."""
        mask = self._exempt.get(clauses)
        if mask is None:
            mask = self._exempt[clauses] = np.fromiter(
                (bool(ex) and any(c in ex for c in clauses) for ex in self.exemptions),
                dtype=bool, count=self.size)
        return mask

    @classmethod
    def from_records(cls, policy: ir.Policy, records: Sequence[Record]) -> Columns:
        """Columns of the facts of `records`, read exactly."""
        text_codes: dict[str, int] = {}
        values: dict[str, object] = {}
        envs = [r.values for r in records]
        for fact in policy.facts:
            raw = [env.get(fact.name) for env in envs]
            missing = np.fromiter((v is None for v in raw), dtype=bool, count=len(raw))
            unk = missing if missing.any() else None
            if isinstance(fact.type, ir.Num):
                values[fact.name] = _num_column(raw, unk)
            elif fact.type == ir.BOOL:
                values[fact.name] = Bool(np.fromiter((v is True for v in raw), dtype=bool,
                                                     count=len(raw)), unk)
            elif isinstance(fact.type, ir.Enum):
                values[fact.name] = Code(np.fromiter((-1 if v is None else v for v in raw),
                                                     dtype=np.int64, count=len(raw)), unk)
            else:
                codes = [-1 if v is None else text_codes.setdefault(v, len(text_codes)) for v in raw]
                values[fact.name] = Code(np.array(codes, dtype=np.int64), unk)
        return cls(len(records), values, [r.exemptions for r in records], text_codes)


def _num_column(raw: list, unk) -> Num:
    dens = {v.denominator for v in raw if v is not None}
    d = math.lcm(*dens) if dens else 1
    if d >= LIMIT:
        raise Fallback()
    try:
        n = np.array([0 if v is None else v.numerator * (d // v.denominator) for v in raw],
                     dtype=np.int64)
    except OverflowError:
        raise Fallback() from None
    bound = int(np.abs(n).max()) if len(n) else 0
    return Num(n, d, unk, bound)


def _same_den(a: Num, b: Num) -> tuple[object, object, int, int, int]:
    d = math.lcm(a.d, b.d)
    fa, fb = d // a.d, d // b.d
    bound_a, bound_b = a.bound * fa, b.bound * fb
    if max(bound_a, bound_b, d) >= LIMIT:
        raise Fallback()
    na = a.n * fa if fa != 1 else a.n
    nb = b.n * fb if fb != 1 else b.n
    return na, nb, d, bound_a, bound_b


_CMP = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less,
        "=": np.equal, "!=": np.not_equal}


class _Vec:
    """Evaluates IR expressions over `Columns` for one year."""

    def __init__(self, cols: Columns, year: int):
        self.cols = cols
        self.year = year

    def __call__(self, e: ir.Expr):
        return getattr(self, "_" + type(e).__name__)(e)

    def _Const(self, e: ir.Const):
        v = e.value
        if isinstance(v, bool):
            return Bool(np.bool_(v), None)
        if isinstance(v, Fraction):
            return Num(v.numerator, v.denominator, None, abs(v.numerator))
        if isinstance(v, str):
            return Code(self.cols.text_codes.get(v, -2), None)
        return Code(v, None)

    def _Fact(self, e: ir.Fact):
        return self.cols.values[e.name]

    def _Arith(self, e: ir.Arith) -> Num:
        a, b = self(e.left), self(e.right)
        unk = _or(a.unk, b.unk)
        if e.op == "*":
            return Num(a.n * b.n, a.d * b.d, unk, a.bound * b.bound)
        if e.op == "/":
            if not isinstance(b.n, int) or b.n == 0:
                raise Fallback()  # per-record denominators: the exact path handles them
            sign = -1 if b.n < 0 else 1
            return Num(a.n * (b.d * sign), a.d * abs(b.n), unk, a.bound * b.d)
        na, nb, d, ba, bb = _same_den(a, b)
        return Num(na + nb if e.op == "+" else na - nb, d, unk, ba + bb)

    def _Neg(self, e: ir.Neg) -> Num:
        a = self(e.operand)
        return Num(-a.n, a.d, a.unk, a.bound)

    def _Func(self, e: ir.Func) -> Num:
        args = [self(x) for x in e.args]
        if e.name in ("min", "max"):
            out = args[0]
            pick = np.minimum if e.name == "min" else np.maximum
            for b in args[1:]:
                na, nb, d, ba, bb = _same_den(out, b)
                out = Num(pick(na, nb), d, _or(out.unk, b.unk), max(ba, bb))
            return out
        a = args[0]
        if e.name == "abs":
            return Num(abs(a.n), a.d, a.unk, a.bound)
        sp, sq = 1, 1  # whole canonical base units, as the reference interpreter
        num, den = a.n * sq, a.d * sp  # x / scale, in whole units the drafter wrote
        if a.bound * sq >= LIMIT or den >= LIMIT:
            raise Fallback()
        whole = num // den if e.name == "floor" else -((-num) // den)
        return Num(whole * sp, sq, a.unk, (a.bound * sq // den + 1) * sp)

    def _Cmp(self, e: ir.Cmp) -> Bool:
        a, b = self(e.left), self(e.right)
        unk = _or(a.unk, b.unk)
        if isinstance(a, Num):
            return Bool(self._num_cmp(e.op, a, b), unk)
        if isinstance(a, Bool):
            a, b = Code(a.v, a.unk), Code(b.v, b.unk)
        return Bool(_CMP[e.op](a.c, b.c), unk)

    @staticmethod
    def _num_cmp(op: str, a: Num, b: Num):
        if isinstance(b.n, int) and not isinstance(a.n, int):
            # a.n / a.d  op  p / q   <=>   a.n  op  p * a.d / q: one integer threshold.
            t = Fraction(b.n * a.d, b.d)
            lo, hi = math.floor(t), math.ceil(t)
            if op == ">=":
                return a.n >= hi
            if op == ">":
                return a.n > lo
            if op == "<=":
                return a.n <= lo
            if op == "<":
                return a.n < hi
            exact = lo == hi
            if op == "=":
                return a.n == lo if exact else np.zeros(np.shape(a.n), dtype=bool)
            return a.n != lo if exact else np.ones(np.shape(a.n), dtype=bool)
        na, nb, _, _, _ = _same_den(a, b)
        return _CMP[op](na, nb)

    def _Between(self, e: ir.Between) -> Bool:
        s, lo, hi = self(e.subject), self(e.low), self(e.high)
        unk = _or(s.unk, _or(lo.unk, hi.unk))
        if isinstance(s, Num):
            return Bool(self._num_cmp(">=", s, lo) & self._num_cmp("<=", s, hi), unk)
        return Bool((s.c >= lo.c) & (s.c <= hi.c), unk)

    def _Member(self, e: ir.Member) -> Bool:
        s = self(e.subject)
        if isinstance(s, Num):
            raise Fallback()
        if isinstance(s, Bool):
            s = Code(s.v, s.unk)
            codes = [int(v) for v in e.values]
        elif isinstance(e.subject.type, ir.Enum):
            codes = [int(v) for v in e.values]
        else:
            codes = [self.cols.text_codes[v] for v in e.values if v in self.cols.text_codes]
        inside = np.isin(s.c, codes)
        return Bool(~inside if e.negated else inside, s.unk)

    def _And(self, e: ir.And) -> Bool:
        a, b = self(e.left), self(e.right)
        false = _known_false(a) | _known_false(b)
        unk = _or(a.unk, b.unk)
        return Bool(~false & _clear(unk), None if unk is None else unk & ~false)

    def _Or(self, e: ir.Or) -> Bool:
        a, b = self(e.left), self(e.right)
        true = _known_true(a) | _known_true(b)
        unk = _or(a.unk, b.unk)
        return Bool(true, None if unk is None else unk & ~true)

    def _Not(self, e: ir.Not) -> Bool:
        a = self(e.operand)
        return Bool(~a.v, a.unk)

    def _Cond(self, e: ir.Cond):
        c, a, b = self(e.cond), self(e.then), self(e.else_)
        pick = c.v
        unk = _or(c.unk, _where(pick, a.unk, b.unk))
        if isinstance(a, Bool):
            return Bool(np.where(pick, a.v, b.v), unk)
        if isinstance(a, Code):
            return Code(np.where(pick, a.c, b.c), unk)
        na, nb, d, ba, bb = _same_den(a, b)
        return Num(np.where(pick, na, nb), d, unk, max(ba, bb))

    def _Sched(self, e: ir.Sched):
        chosen = None
        for y, value in e.entries:
            if y <= self.year:
                chosen = value
        if chosen is None:
            raise Fallback()  # not in force: which records raise depends on the path taken
        return self(chosen)

    def _Table(self, e: ir.Table):
        raise Fallback()

    def _Agg(self, e: ir.Agg):
        raise Fallback()


def _known_false(a: Bool):
    return ~a.v if a.unk is None else ~a.v & ~a.unk


def _known_true(a: Bool):
    return a.v if a.unk is None else a.v & ~a.unk


def _clear(unk):
    return True if unk is None else ~unk


def _where(pick, a, b):
    if a is None and b is None:
        return None
    return np.where(pick, a if a is not None else False, b if b is not None else False)


def _full(size: int, value) -> np.ndarray:
    return np.broadcast_to(np.asarray(value), (size,))


class VectorizedEngine(CompiledEngine):
    """Batch evaluation over columns; per-record calls and explanations as the compiled engine."""

    name = "vectorized"

    def verdict_codes(self, cols: Columns, year: int, records: Sequence[Record] | None = None) -> np.ndarray:
        """Outcome codes (indices into `results.OUTCOMES`), one row per record, one column per rule."""
        out = np.empty((cols.size, len(self.policy.rules)), dtype=np.int8)
        slow: list[int] = []
        for i, rule in enumerate(self.policy.rules):
            try:
                out[:, i] = self._rule(rule, cols, year)
            except Fallback:
                slow.append(i)
        if slow:
            if records is None:
                raise Fallback()
            verdicts = self.program(year).verdicts
            for row, rec in enumerate(records):
                v = verdicts(rec.values, rec.exemptions)
                for i in slow:
                    out[row, i] = CODE[v[i]]
        return out

    def _rule(self, rule: ir.Rule, cols: Columns, year: int) -> np.ndarray:
        n = cols.size
        start, end = rule.years
        if not start <= year <= end:
            return _full(n, CODE["not_applicable"])
        vec = _Vec(cols, year)
        cond = vec(rule.condition)
        code = np.where(cond.v, CODE["pass"], CODE["fail"])
        if cond.unk is not None:
            code = np.where(cond.unk, CODE["unknown"], code)
        if rule.exemption_keys:
            exempt = cols.exempted(rule.exemption_keys)
            code = np.where(exempt, CODE["exempted"], code)
        if rule.scope is not None:
            scope = vec(rule.scope)
            code = np.where(scope.v, code, CODE["not_applicable"])
            if scope.unk is not None:
                code = np.where(scope.unk, CODE["unknown"], code)
        return _full(n, code)

    def verdict_rows(self, records: Sequence[Record], year: int) -> np.ndarray:
        """`verdict_codes` of records, chunk by chunk."""
        parts = []
        for start in range(0, len(records), CHUNK):
            chunk = records[start:start + CHUNK]
            try:
                cols = Columns.from_records(self.policy, chunk)
            except Fallback:
                verdicts = self.program(year).verdicts
                parts.append(np.array([[CODE[o] for o in verdicts(r.values, r.exemptions)]
                                       for r in chunk], dtype=np.int8).reshape(len(chunk), -1))
                continue
            parts.append(self.verdict_codes(cols, year, chunk))
        if not parts:
            return np.empty((0, len(self.policy.rules)), dtype=np.int8)
        return np.concatenate(parts)

    def targets(self, records: Sequence[Record], year: int) -> list[TargetResult]:
        stats = TargetStats(self.policy, year)
        for start in range(0, len(records), CHUNK):
            self.add_targets(stats, records[start:start + CHUNK])
        return stats.results()

    def add_targets(self, stats: TargetStats, records: Sequence[Record], cols: Columns | None = None) -> None:
        """Feed one chunk to the target totals, from columns when every part vectorizes."""
        try:
            if cols is None:
                cols = Columns.from_records(self.policy, records)
            updates = [self._target_totals(t, cols, records, stats.year) for t in stats.targets]
        except Fallback:
            stats.add_records(self.program(stats.year), records)
            return
        for apply in updates:
            apply()

    def _target_totals(self, t, cols: Columns, records: Sequence[Record], year: int):
        rule = t.rule
        n = cols.size
        vec = _Vec(cols, year)
        group_fact = rule.group.fact if rule.group is not None else None
        keys = None
        if group_fact is not None:
            keys = [r.values.get(group_fact, _MISSING) for r in records]
        start, end = rule.years
        active = start <= year <= end
        computed = []
        if active:
            scope = vec(rule.scope) if rule.scope is not None else None
            inside = np.ones(n, dtype=bool) if scope is None else _full(n, _known_true(scope))
            undecided = 0 if scope is None or scope.unk is None else int(np.count_nonzero(scope.unk))
            computed = [(a, vec(a.arg)) for a in t.aggs]

        def apply() -> None:
            if keys is not None:
                for k in dict.fromkeys(keys):
                    if k is not _MISSING:
                        t.seen[k] = None
            if not active:
                return
            t.undecided += undecided
            if keys is None:
                groups = [(None, inside)]
            else:
                codes: dict[object, int] = {}
                key_arr = np.array([_key_code(k, codes) for k in keys], dtype=np.int64)
                has = key_arr >= 0
                t.no_group += int(np.count_nonzero(inside & ~has))
                by_code = {c: k for k, c in codes.items()}
                groups = [(by_code[c], inside & (key_arr == c)) for c in range(len(codes))]
            for key, mask in groups:
                size = int(np.count_nonzero(mask))
                if not size:
                    continue
                totals = t.group(key)
                t.sizes[key] += size
                for agg, v in computed:
                    _add_totals(totals[agg], agg, v, mask, n)
        return apply


_MISSING = object()


def _key_code(k, codes: dict) -> int:
    if k is _MISSING:
        return -1
    return codes.setdefault(k, len(codes))


def _add_totals(tot, agg: ir.Agg, v, mask, n: int) -> None:
    if v.unk is not None:
        bad = mask & _full(n, v.unk)
        tot.unknown += int(np.count_nonzero(bad))
        mask = mask & ~bad
    if agg.kind in ("share", "count"):
        tot.true += int(np.count_nonzero(mask & _full(n, v.v)))
        return
    values = _full(n, v.n)[mask]
    if v.bound * len(values) < LIMIT:
        s = int(values.sum(dtype=np.int64))
    else:
        s = sum(int(x) for x in values.tolist())
    tot.total += Fraction(s, v.d)


ENGINES["vectorized"] = VectorizedEngine
