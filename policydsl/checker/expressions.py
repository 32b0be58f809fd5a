"""Expressions of the type checker: literals, names, arithmetic, rates, functions and
aggregates, each checked into a typed IR expression with its units folded.

`ExprChecks` is a part of `typecheck.TypeChecker` (with `comparisons.CompareChecks`,
`schedules.TableChecks` and `dates.DateChecks`); `expr` calls the method named after the
node's class (`_Number`, `_Binary`, ..., and `_Compare`, `_Schedule`, `_DateLit`, ... in
the other parts), one for each class of `ast.Expr`.
Every problem becomes a diagnostic and the failing expression None, so its parents stay
quiet and a drafter sees every error of a file in one run.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import attrs

from ..core import ast, ir
from ..core.diagnostics import nearest
from ..core.ir import walk
from ..core.source import Span
from ..core.units import DIMENSIONLESS, describe_dim, dim_div, dim_mul
from . import entities

AGGREGATES = ("share", "count", "sum", "mean")
FUNCTIONS = ("min", "max", "floor", "ceil", "abs")
PERCENT = ir.Num(DIMENSIONLESS, "%", Fraction(1, 100))
PLAIN = ir.Num(DIMENSIONLESS, "", Fraction(1))


class Ctx:
    __slots__ = ("target", "in_agg", "child")

    def __init__(self, target: bool = False, in_agg: bool = False):
        self.target, self.in_agg = target, in_agg
        self.child: str | None = None  # inside an aggregate over this entity's records


def type_name(t: ir.Type) -> str:
    if isinstance(t, ir.Num):
        if not t.dim:
            return "a plain number"
        return f"a quantity in {t.unit or describe_dim(t.dim)}"
    if isinstance(t, ir.Enum):
        return f"a level of `{t.fact}`"
    return {"bool": "true/false", "text": "text", "date": "a date"}.get(t, str(t))


def same_type(a: ir.Type, b: ir.Type) -> bool:
    if isinstance(a, ir.Num) and isinstance(b, ir.Num):
        return a.dim == b.dim
    return a == b


class ExprChecks:
    """The expressions' part of the type checker (see `typecheck.TypeChecker` for its state)."""

    def expr(self, node: ast.Expr, ctx: Ctx) -> ir.Expr | None:
        """The checked form of `node`; None after an error, already reported."""
        check = getattr(self, "_" + type(node).__name__, None)
        if check is None:
            raise TypeError(f"not an expression: {type(node).__name__}")
        return check(node, ctx)

    def _Number(self, n: ast.Number, ctx) -> ir.Expr | None:
        value = Fraction(Decimal(n.text))
        if n.unit is None:
            return ir.Const(value, PLAIN, n.span, n.numeral or n.text)
        unit = self.units.lookup(n.unit)
        if unit is None and n.numeral is not None and self.text(n.span) == n.numeral + n.unit:
            # `三级` undeclared reads as 三 and the unit `级`; a name was more likely meant.
            self.unknown_name(n.numeral + n.unit, n.span)
            return None
        if unit is None:
            self.unknown_unit(n.unit, Span(n.span.end - len(n.unit), n.span.end))
            return None
        return ir.Const(value * unit.scale, ir.Num(unit.dim, unit.name, unit.scale, plural=unit.plural),
                        n.span, self.text(n.span))

    def _Percent(self, n: ast.Percent, ctx) -> ir.Expr:
        return ir.Const(Fraction(Decimal(n.text)) / 100, PERCENT, n.span, n.text + "%")

    def _Bool(self, n: ast.Bool, ctx) -> ir.Expr:
        return ir.Const(n.value, ir.BOOL, n.span, "true" if n.value else "false")

    def _String(self, n: ast.String, ctx) -> ir.Expr:
        return ir.Const(n.value, ir.TEXT, n.span, n.value)

    def _Name(self, n: ast.Name, ctx: Ctx) -> ir.Expr | None:
        match self.resolved.refers_to(n.name):
            case "fact":
                if ctx.target and not ctx.in_agg:
                    self.error(n.span, f"`{n.name}` is a fact of each record; a target measures the "
                               "population", code="E0145",
                               help=f"use it inside `share(...)`, `count(...)` or `sum({n.name})`")
                    return None
                return ir.Fact(n.name, self.facts[n.name].type, n.span, n.name)
            case "definition":
                checked = self.let(n.name)
                if checked is not None and ctx.target and not ctx.in_agg and uses_facts(checked) \
                        and not has_agg(checked):
                    self.error(n.span, f"`{n.name}` depends on facts of each record; a target measures "
                               "the population", code="E0145",
                               help="use it inside `share(...)`, `count(...)` or `sum(...)`")
                    return None
                return checked
            case "set":
                self.error(n.span, f"`{n.name}` is a set; use it after `in`", code="E0105",
                           help=f"write `FACT in {n.name}`")
                return None
            case "untyped fact":  # its type had an error, already reported
                return None
            case "evaluation day":
                return self.eval_name(n)
        if self.entity_plan is not None and entities.entity_name_used(self, self.entity_plan, n):
            return None
        self.unknown_name(n.name, n.span)
        return None

    def unknown_name(self, name: str, span: Span) -> None:
        guess = nearest(name, list(self.fact_decls) + list(self.lets) + list(self.sets))
        self.error(span, f"unknown name `{name}`", code="E0106",
                   help=f"did you mean `{guess}`?" if guess else "declare it with `fact` or `let`")

    def _Neg(self, n: ast.Neg, ctx) -> ir.Expr | None:
        x = self.expr(n.operand, ctx)
        if x is None:
            return None
        if not isinstance(x.type, ir.Num):
            self.error(n.span, f"cannot negate {type_name(x.type)}", code="E0201")
            return None
        if isinstance(x, ir.Const):
            return ir.Const(-x.value, x.type, n.span, self.text(n.span))
        return fold(ir.Neg(x, x.type, n.span, self.text(n.span)))

    def _Binary(self, n: ast.Binary, ctx) -> ir.Expr | None:
        left = self.expr(n.left, ctx)
        if left is not None and left.type == ir.DATE:
            return self.date_arith(n, left, ctx)
        right = self.expr(n.right, ctx)
        if left is None or right is None:
            return None
        text = self.text(n.span)
        for side, node in ((left, n.left), (right, n.right)):
            if not isinstance(side.type, ir.Num):
                self.error(node.span, f"arithmetic needs numbers, but this is {type_name(side.type)}",
                           code="E0202")
                return None
        lt, rt = left.type, right.type
        assert isinstance(lt, ir.Num) and isinstance(rt, ir.Num)
        if n.op in ("+", "-"):
            left, right = self.adopt(left, right, n.left, n.right)
            if left.type.dim != right.type.dim:  # type: ignore[union-attr]
                self.error(n.span, f"cannot {'add' if n.op == '+' else 'subtract'} "
                           f"{type_name(right.type)} {'to' if n.op == '+' else 'from'} "
                           f"{type_name(left.type)}", code="E0203")
                return None
            typ = left.type if left.type.unit else right.type  # type: ignore[union-attr]
            return fold(ir.Arith(n.op, left, right, typ, n.span, text))
        if n.op == "of":
            if lt.dim:
                self.error(n.left.span, f"`of` takes a share (like `70%`), but this is {type_name(lt)}",
                           code="E0204")
                return None
            return fold(ir.Arith("*", left, right, rt, n.span, text))
        if n.op == "*":
            dim = dim_mul(lt.dim, rt.dim)
            typ = self.simplified(lt, rt, dim, lt.scale * rt.scale)
            return fold(ir.Arith("*", left, right, typ, n.span, text))
        dim = dim_div(lt.dim, rt.dim)
        if not dim and (lt.dim or lt.unit == "%"):  # a ratio of like quantities reads as a share
            return fold(ir.Arith("/", left, right, PERCENT, n.span, text))
        unit = join_units(lt, rt, "/")
        return fold(ir.Arith("/", left, right, ir.Num(dim, unit, lt.scale / rt.scale), n.span, text))

    def simplified(self, lt: ir.Num, rt: ir.Num, dim, scale: Fraction) -> ir.Num:
        """The type of a product, shown in one unit the drafter wrote when the others cancel:
        `5 households × 1 person per household` is 5 people, not "households × person per household"."""
        for word in f"{lt.unit} {rt.unit}".split():
            unit = self.units.lookup(word)
            if unit is not None and dim and unit.dim == dim and unit.scale == scale:
                return ir.Num(dim, unit.name, scale, plural=unit.plural)
        return ir.Num(dim, join_units(lt, rt, "*"), scale)

    def _Per(self, n: ast.Per, ctx) -> ir.Expr | None:
        left = self.expr(n.left, ctx)
        unit = self.units.lookup(n.unit)
        if unit is None:
            self.unknown_unit(n.unit, Span(n.span.end - len(n.unit), n.span.end))
            return None
        if left is None:
            return None
        if not isinstance(left.type, ir.Num):
            self.error(n.left.span, f"a rate needs a quantity, but this is {type_name(left.type)}",
                       code="E0205")
            return None
        count = Fraction(Decimal(n.count)) if n.count is not None else Fraction(1)
        if count == 0:
            self.error(n.span, "a rate `per 0` divides by zero", code="E0206")
            return None
        denom = ir.Const(count * unit.scale, ir.Num(unit.dim, unit.name, unit.scale), n.span,
                         f"{n.count or 1} {n.unit}")
        lt = left.type
        typ = ir.Num(dim_div(lt.dim, unit.dim), f"{lt.unit} per {unit.name}".strip(),
                     lt.scale / unit.scale)
        return fold(ir.Arith("/", left, denom, typ, n.span, self.text(n.span)))

    def adopt(self, a: ir.Expr, b: ir.Expr, an: ast.Expr, bn: ast.Expr, always: bool = False):
        """A bare number takes the unit of the other side when it is 0 (or `always`, for ranges)."""
        for x, y, node in ((a, b, an), (b, a, bn)):
            if (isinstance(x, ir.Const) and isinstance(node, ast.Number) and node.unit is None
                    and isinstance(y.type, ir.Num) and y.type.dim and (always or x.value == 0)):
                adopted = ir.Const(x.value * y.type.scale, y.type, x.span, x.text + " " + y.type.unit)
                return (adopted, b) if x is a else (a, adopted)
        return a, b

    def set_values(self, ref, typ: ir.Type, span: Span, ordered: bool = False) -> tuple | None:
        """The values of a set for a fact of type `typ`; sorted unless `ordered` (declared order)."""
        if isinstance(ref, ast.Name):
            decl = self.sets.get(ref.name)
            if decl is None:
                guess = nearest(ref.name, self.sets)
                self.error(ref.span, f"unknown set `{ref.name}`", code="E0103",
                           help=f"did you mean `{guess}`?" if guess else "declare it with `set NAME = {...}`")
                return None
            ref = decl.values
        values = []
        for v in ref.values:
            val = self.set_value(v, typ)
            if val is None:
                return None
            values.append(val)
        unique = tuple(dict.fromkeys(values))
        return unique if ordered else tuple(sorted(unique, key=sort_key))

    def set_value(self, v: ast.Expr, typ: ir.Type):
        if isinstance(typ, ir.Enum):
            if isinstance(v, ast.Name) and v.name in typ.members:
                return typ.members.index(v.name)
            self.error(v.span, f"`{self.text(v.span)}` is not a level of `{typ.fact}`", code="E0131",
                       help="levels: " + ", ".join(f"`{m}`" for m in typ.members))
            return None
        if typ == ir.TEXT and isinstance(v, ast.String):
            return v.value
        if isinstance(typ, ir.Num) and isinstance(v, ast.Number):
            checked = self.expr(v, Ctx())
            if checked is not None and (v.unit is None or same_type(checked.type, typ)):
                return checked.value * (typ.scale if v.unit is None else 1)
        self.error(v.span, f"set value `{self.text(v.span)}` does not fit {type_name(typ)}",
                   code="E0132")
        return None

    def _BoolOp(self, n: ast.BoolOp, ctx) -> ir.Expr | None:
        left = self.expect_bool(self.expr(n.left, ctx), n.left, f"each side of `{n.op}`")
        right = self.expect_bool(self.expr(n.right, ctx), n.right, f"each side of `{n.op}`")
        if left is None or right is None:
            return None
        cls = ir.And if n.op == "and" else ir.Or
        return cls(left, right, ir.BOOL, n.span, self.text(n.span))

    def _Not(self, n: ast.Not, ctx) -> ir.Expr | None:
        x = self.expect_bool(self.expr(n.operand, ctx), n.operand, "`not`")
        return None if x is None else ir.Not(x, ir.BOOL, n.span, self.text(n.span))

    def _If(self, n: ast.If, ctx) -> ir.Expr | None:
        c = self.expect_bool(self.expr(n.cond, ctx), n.cond, "the condition of `if`")
        a, b = self.expr(n.then, ctx), self.expr(n.else_, ctx)
        if c is None or a is None or b is None:
            return None
        a, b = self.adopt(a, b, n.then, n.else_)
        if not same_type(a.type, b.type):
            self.error(n.span, f"`then` gives {type_name(a.type)} but `else` gives "
                       f"{type_name(b.type)}", code="E0220")
            return None
        return ir.Cond(c, a, b, a.type, n.span, self.text(n.span))

    def _Call(self, n: ast.Call, ctx: Ctx) -> ir.Expr | None:
        plan = self.entity_plan
        if plan is not None and entities.is_child_aggregate(plan, n):
            return entities.child_aggregate(self, plan, n, ctx, Ctx(target=ctx.target, in_agg=True),
                                            type_name)
        if plan is not None and entities.unknown_entity(self, plan, n):
            return None
        if n.func in AGGREGATES:
            return self.aggregate(n, ctx)
        if n.func not in FUNCTIONS:
            guess = nearest(n.func, FUNCTIONS + AGGREGATES)
            self.error(n.span, f"unknown function `{n.func}`", code="E0230",
                       help=f"did you mean `{guess}`?" if guess else
                       "functions: " + ", ".join(f"`{f}`" for f in FUNCTIONS + AGGREGATES))
            return None
        args = [self.expr(a, ctx) for a in n.args]
        if any(a is None for a in args):
            return None
        arity_ok = len(args) >= 2 if n.func in ("min", "max") else len(args) == 1
        if not arity_ok:
            self.error(n.span, f"`{n.func}` takes {'two or more values' if n.func in ('min', 'max') else 'one value'}",
                       code="E0231")
            return None
        for a, node in zip(args, n.args, strict=True):
            if not isinstance(a.type, ir.Num):
                self.error(node.span, f"`{n.func}` needs numbers, but this is {type_name(a.type)}",
                           code="E0232")
                return None
        if n.func in ("min", "max"):
            first = args[0]
            for i in range(1, len(args)):
                first, args[i] = self.adopt(first, args[i], n.args[0], n.args[i])
                if first.type.dim != args[i].type.dim:
                    self.error(n.args[i].span, f"`{n.func}` of {type_name(first.type)} and "
                               f"{type_name(args[i].type)}", code="E0233")
                    return None
            args[0] = first
        typ = args[0].type
        if n.func in ("floor", "ceil"):
            # A whole number of canonical base units: a ratio rounds to a count (12, not 1250%).
            typ = PLAIN if not typ.dim else attrs.evolve(typ, integer=True)
        return fold(ir.Func(n.func, tuple(args), typ, n.span, self.text(n.span)))

    def aggregate(self, n: ast.Call, ctx: Ctx) -> ir.Expr | None:
        if not ctx.target:
            self.error(n.span, f"`{n.func}(...)` measures the population and belongs in a target",
                       code="E0240", help="declare it with `target NAME` instead of `rule NAME`")
            return None
        if ctx.in_agg:
            self.error(n.span, f"`{n.func}(...)` cannot be nested inside another aggregate",
                       code="E0241")
            return None
        if len(n.args) > 1 or (not n.args and n.func != "count"):
            self.error(n.span, f"`{n.func}` takes one argument", code="E0231")
            return None
        arg = self.expr(n.args[0], Ctx(target=True, in_agg=True)) if n.args else None
        if n.args and arg is None:
            return None
        if n.func in ("share", "count"):
            if arg is not None:
                arg = self.expect_bool(arg, n.args[0], f"the argument of `{n.func}`")
                if arg is None:
                    return None
            typ = PERCENT if n.func == "share" else PLAIN
        else:
            if not isinstance(arg.type, ir.Num):  # type: ignore[union-attr]
                self.error(n.args[0].span, f"`{n.func}` needs numbers, but this is "
                           f"{type_name(arg.type)}", code="E0232")  # type: ignore[union-attr]
                return None
            typ = arg.type  # type: ignore[union-attr]
        return ir.Agg(n.func, arg, typ, n.span, self.text(n.span))

    def _SetLiteral(self, n: ast.SetLiteral, ctx) -> None:
        self.error(n.span, "a set of values can only follow `in`", code="E0107")
        return None


# ---- helpers -------------------------------------------------------------------------


def join_units(a: ir.Num, b: ir.Num, op: str) -> str:
    if not a.unit or a.unit == "%":
        return b.unit if op == "*" else (f"1 per {b.unit}" if b.unit else "")
    if not b.unit or b.unit == "%":
        return a.unit
    return f"{a.unit} × {b.unit}" if op == "*" else f"{a.unit} per {b.unit}"


def literal(node: ast.Expr | None) -> bool:
    return isinstance(node, ast.String | ast.Number | ast.Name)


def set_name(ref) -> str | None:
    return ref.name if isinstance(ref, ast.Name) else None


def sort_key(v):
    return (type(v).__name__, v)


def fold(e: ir.Expr) -> ir.Expr:
    """Arithmetic on constants becomes one constant (keeping the drafter's text), so
    `20 m2 per 100 households` is a single exact rate. The interpreter computes it: one meaning."""
    from ..eval.reference import evaluate
    from ..eval.values import Unknown

    if any(isinstance(x, ir.Fact | ir.Agg | ir.Sched | ir.EvalDate | ir.ChildAgg) for x in walk(e)):
        return e
    value = evaluate(e, {}, 0)
    if isinstance(value, Unknown):  # division by zero: left for the evaluator to report
        return e
    return ir.Const(value, e.type, e.span, e.text)


def has_agg(e: ir.Expr) -> bool:
    return any(isinstance(x, ir.Agg) for x in walk(e))


def uses_facts(e: ir.Expr) -> bool:
    return any(isinstance(x, ir.Fact) for x in walk(e))
