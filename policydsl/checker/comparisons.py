"""Comparisons of the type checker: `>=` and the other comparisons, `between`, `in`, and
tolerances, each with the units of both sides reconciled.

`CompareChecks` is a part of `typecheck.TypeChecker`. A bare number takes the unit of the
other side only when it is 0 or a bound of a range; a rate is applied to the record's one
count in its unit; a bare name beside a level fact is one of its levels; a tolerance
widens a bound exactly, by a share of it or by an amount in its unit.
"""

from __future__ import annotations

from ..core import ast, ir
from ..core.diagnostics import nearest
from ..core.units import describe_dim, dim_div
from .expressions import Ctx, fold, same_type, set_name, type_name


class CompareChecks:
    """The comparisons' part of the type checker (see `typecheck.TypeChecker` for its state)."""

    def _Compare(self, n: ast.Compare, ctx) -> ir.Expr | None:
        left, right = self._enum_sides(n.left, n.right, ctx)
        if left is None or right is None:
            return None
        cmp = self.compare(n.op, left, right, n.left, n.right, n.span)
        if cmp is None or not self._wants_tolerance(n):
            return cmp
        tol = self._tolerance(n, cmp.right)
        if tol is None:
            return None
        if n.op == "!=":
            self.error(n.span, "a tolerance cannot widen `!=`", code="E0162",
                       help="state the range that is allowed instead: `between ... and ...`")
            return None
        stated = f"{cmp.right.text}, {self._within_text(n)}"
        if n.op == "=":
            low, high = self._widen(cmp.right, tol, -1, stated), self._widen(cmp.right, tol, 1, stated)
            return ir.Between(cmp.left, low, high, ir.BOOL, n.span, cmp.text, stated)
        sign = -1 if n.op in (">=", ">") else 1
        return ir.Cmp(n.op, cmp.left, self._widen(cmp.right, tol, sign, stated), ir.BOOL, n.span, cmp.text)

    def _wants_tolerance(self, n: ast.Compare | ast.Between) -> bool:
        if n.about and n.tolerance is None:
            self.error(n.span, "a tolerance word needs the tolerance it allows", code="E0160",
                       help="state it: `within 10%` or `within 50 households` (Chinese: `浮动 10%`); "
                            "there is no default")
        return n.tolerance is not None

    def _within_text(self, n: ast.Compare | ast.Between) -> str:
        assert n.tolerance is not None
        return f"within {self.text(n.tolerance.span)}"

    def _tolerance(self, n: ast.Compare | ast.Between, bound: ir.Expr) -> tuple[ir.Expr, bool] | None:
        """The tolerance and whether it is relative (a share of the bound) or in the bound's unit."""
        assert n.tolerance is not None
        tol = self.expr(n.tolerance, Ctx())
        if tol is None:
            return None
        if not isinstance(tol.type, ir.Num) or not isinstance(bound.type, ir.Num):
            self.error(n.tolerance.span, f"a tolerance is a share or a quantity, but this is "
                       f"{type_name(tol.type)}", code="E0161")
            return None
        relative = not tol.type.dim
        if not relative and tol.type.dim != bound.type.dim:
            self.error(n.tolerance.span, f"the tolerance is {type_name(tol.type)}, but the bound is "
                       f"{type_name(bound.type)}", code="E0161",
                       help=f"write it in {bound.type.unit or describe_dim(bound.type.dim)} or as a share (`10%`)")
            return None
        if isinstance(tol, ir.Const) and tol.value < 0:
            self.error(n.tolerance.span, "a tolerance cannot be negative", code="E0161")
            return None
        return tol, relative

    def _widen(self, bound: ir.Expr, tol: tuple[ir.Expr, bool], sign: int, stated: str) -> ir.Expr:
        """`bound ± tolerance`, exactly: a share of the bound, or an amount in its unit."""
        amount, relative = tol
        if relative:
            amount = ir.Arith("*", amount, bound, bound.type, bound.span, f"{amount.text} of {bound.text}")
        return fold(ir.Arith("+" if sign > 0 else "-", bound, amount, bound.type, bound.span, stated))

    def _enum_sides(self, ln: ast.Expr, rn: ast.Expr, ctx):
        """`demo_level >= national`: a bare name beside an enum is one of its levels."""
        left = self.expr(ln, ctx) if not self._is_level(ln) else None
        right = self.expr(rn, ctx) if not self._is_level(rn) else None
        for node, other in ((ln, right), (rn, left)):
            if self._is_level(node):
                level = self._level(node, other)
                if node is ln:
                    left = level
                else:
                    right = level
        return left, right

    def _is_level(self, node: ast.Expr) -> bool:
        return isinstance(node, ast.Name) and self.resolved.refers_to(node.name) is None

    def _level(self, node: ast.Name, other: ir.Expr | None) -> ir.Expr | None:
        if other is not None and isinstance(other.type, ir.Enum):
            if node.name in other.type.members:
                return ir.Const(other.type.members.index(node.name), other.type, node.span, node.name)
            guess = nearest(node.name, other.type.members)
            self.error(node.span, f"`{node.name}` is not a level of `{other.type.fact}`", code="E0131",
                       help=f"did you mean `{guess}`?" if guess else
                       "levels: " + ", ".join(f"`{m}`" for m in other.type.members))
            return None
        if other is not None or not any(isinstance(f.type, ir.Enum) for f in self.facts.values()):
            self.unknown_name(node.name, node.span)
        return None

    def compare(self, op, left, right, ln, rn, span) -> ir.Expr | None:
        left, right = self.adopt(left, right, ln, rn)
        lt, rt = left.type, right.type
        text = self.text(span)
        if isinstance(lt, ir.Num) and isinstance(rt, ir.Num):
            if lt.dim != rt.dim:
                applied = self._apply_rate(left, right) or self._apply_rate(right, left, flip=True)
                if applied is None:
                    self._unit_mismatch(left, right, ln, rn, span)
                    return None
                left, right = applied
            return ir.Cmp(op, left, right, ir.BOOL, span, text)
        if not same_type(lt, rt):
            self.error(span, f"cannot compare {type_name(lt)} with {type_name(rt)}", code="E0210",
                       help=self.date_compare_help(lt, rt))
            return None
        if op not in ("=", "!=") and not isinstance(lt, ir.Enum) and lt != ir.DATE:
            self.error(span, f"{type_name(lt)} can only be compared with `=` or `!=`", code="E0211")
            return None
        return ir.Cmp(op, left, right, ir.BOOL, span, text)

    def _apply_rate(self, qty: ir.Expr, rate: ir.Expr, flip: bool = False):
        """`service_space_m2 >= 20 m2 per 100 households`: apply the rate to the record's own count."""
        assert isinstance(qty.type, ir.Num) and isinstance(rate.type, ir.Num)
        need = dim_div(qty.type.dim, rate.type.dim)
        if len(need) != 1 or need[0][1] != 1:
            return None
        matches = [f for f in self.facts.values()
                   if isinstance(f.type, ir.Num) and f.type.dim == need]
        if len(matches) != 1:
            return None
        fact = matches[0]
        count = ir.Fact(fact.name, fact.type, rate.span, fact.name)
        applied = ir.Arith("*", rate, count, qty.type, rate.span, f"{rate.text} × {fact.name}")
        return (applied, qty) if flip else (qty, applied)

    def _unit_mismatch(self, left, right, ln, rn, span) -> None:
        lt, rt = left.type, right.type
        help_ = None
        for node, other in ((ln, rt), (rn, lt)):
            if isinstance(node, ast.Number) and node.unit is None and other.dim:
                help_ = f"write the unit: `{node.text} {other.unit or describe_dim(other.dim)}`"
        if help_ is None:
            need = dim_div(lt.dim, rt.dim)
            if len(need) == 1 and need[0][1] in (1, -1):
                help_ = f"a rate per {need[0][0]} needs a count to apply to; multiply by it (`× FACT`)"
        self.error(span, f"cannot compare {type_name(lt)} with {type_name(rt)}", code="E0212",
                   help=help_)

    def _Between(self, n: ast.Between, ctx) -> ir.Expr | None:
        s, lo, hi = self.expr(n.subject, ctx), self.expr(n.low, ctx), self.expr(n.high, ctx)
        if s is None or lo is None or hi is None:
            return None
        lo, hi = self.adopt(lo, hi, n.low, n.high, always=True)
        s, lo = self.adopt(s, lo, n.subject, n.low, always=True)
        s, hi = self.adopt(s, hi, n.subject, n.high, always=True)
        for bound, node in ((lo, n.low), (hi, n.high)):
            if not same_type(s.type, bound.type) or not (isinstance(s.type, ir.Num | ir.Enum)
                                                          or s.type == ir.DATE):
                self.error(node.span, f"cannot compare {type_name(s.type)} with "
                           f"{type_name(bound.type)}", code="E0212",
                           help=self.date_compare_help(s.type, bound.type))
                return None
        if not self._wants_tolerance(n):
            return ir.Between(s, lo, hi, ir.BOOL, n.span, self.text(n.span))
        tol = self._tolerance(n, lo)
        if tol is None:
            return None
        stated = f"{lo.text} to {hi.text}, {self._within_text(n)}"
        return ir.Between(s, self._widen(lo, tol, -1, stated), self._widen(hi, tol, 1, stated), ir.BOOL,
                          n.span, self.text(n.span), stated)

    def _InSet(self, n: ast.InSet, ctx) -> ir.Expr | None:
        s = self.expr(n.subject, ctx)
        if s is None:
            return None
        values = self.set_values(n.set, s.type, n.set.span)
        if values is None:
            return None
        return ir.Member(s, values, n.negated, set_name(n.set), ir.BOOL, n.span, self.text(n.span))
