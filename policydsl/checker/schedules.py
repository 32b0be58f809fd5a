"""Schedules and lookups of the type checker: values chosen by the year judged or by a key.

`TableChecks` is a part of `typecheck.TypeChecker`. A schedule's years lie in the period
and increase, its entries of one type; a lookup's brackets are checked against its key
(bounds in the key's unit, or the categories a text or level key takes) and their
coverage is checked once the table is built (`brackets.bracket_findings`).
"""

from __future__ import annotations

import attrs

from ..core import ast, ir
from .brackets import Interval, bracket_findings
from .expressions import literal, same_type, type_name


class TableChecks:
    """The schedules' and lookups' part of the type checker (see `typecheck.TypeChecker`)."""

    def _Schedule(self, n: ast.Schedule, ctx) -> ir.Expr | None:
        entries, ok, prev = [], True, None
        first, last = self.resolved.period
        for e in n.entries:
            if not first <= e.year <= last:
                self.error(e.span, f"year {e.year} is outside the policy period {self.resolved.period_words()}",
                           code="E0150", help=self.resolved.period_help())
                ok = False
            if prev is not None and e.year <= prev:
                self.error(e.span, f"schedule years must increase: {e.year} comes after {prev}",
                           code="E0152")
                ok = False
            prev = e.year
            v = self.expr(e.value, ctx)
            if v is None:
                ok = False
                continue
            entries.append((e.year, v, e.value))
        if not ok or not entries:
            return None
        base = entries[0][1]
        values = []
        for year, v, node in entries:
            if not same_type(v.type, base.type):
                self.error(node.span, f"schedule mixes {type_name(base.type)} and {type_name(v.type)}",
                           code="E0221")
                return None
            values.append((year, v))
        return ir.Sched(tuple(values), base.type, n.span, self.text(n.span))

    def _Lookup(self, n: ast.Lookup, ctx) -> ir.Expr | None:
        key = self.expr(n.key, ctx)
        if key is None:
            return None
        by_category = isinstance(key.type, ir.Enum) or key.type == ir.TEXT
        if not isinstance(key.type, ir.Num) and not by_category:
            self.error(n.key.span, f"`lookup` needs a number, a text or a level, but this is "
                       f"{type_name(key.type)}", code="E0234")
            return None
        brackets, first_value, ok = [], None, True
        for b in n.brackets:
            bracket = self.bracket(key, n.key, b, by_category, ctx)
            value = self.expr(b.value, ctx)
            if bracket is None or value is None:
                ok = False
                continue
            if first_value is not None:
                first_value, value = self.adopt(first_value, value, n.brackets[0].value, b.value)
                if not same_type(first_value.type, value.type):
                    self.error(b.value.span, f"bracket gives {type_name(value.type)}, but the first "
                               f"gives {type_name(first_value.type)}", code="E0236")
                    ok = False
            else:
                first_value = value
            brackets.append(attrs.evolve(bracket, value=value))
        if not ok or first_value is None:
            return None
        table = ir.Table(key, tuple(brackets), first_value.type, n.span, self.text(n.span))
        for span, message, help_ in bracket_findings(table, self.domain(key), n.brackets):
            self.warning(span, message, help=help_, code="W0110")
        return table

    def bracket(self, key: ir.Expr, key_node: ast.Expr, b: ast.Bracket, by_category: bool,
                 ctx) -> ir.Bracket | None:
        """A bracket without its value: bounds checked against the key, or the values it names."""
        placeholder = ir.Const(True, ir.BOOL)
        if b.kind in ("in", "is"):
            if b.kind == "in":
                values = self.set_values(b.set, key.type, b.set.span)
            else:
                one = self.set_value(b.low, key.type) if literal(b.low) else None
                if one is None and not literal(b.low):
                    self.error(b.low.span, "a bracket value must be written out (a number, a "
                               "quoted text or a level)", code="E0237",
                               help="write `\"value\": ...` or `in {...}: ...`")
                values = None if one is None else (one,)
            return None if values is None else ir.Bracket("in", None, None, placeholder, values)
        if by_category and b.kind != "else":
            word = {"below": "below", "above": "above", "from": "from", "range": "to"}[b.kind]
            self.error(b.span, f"`{word}` needs a number, but the key is {type_name(key.type)}",
                       code="E0238", help="name the values: `\"value\": ...`, `in {\"a\", \"b\"}: ...`,"
                       " and `else: ...`")
            return None
        bounds, ok = [], True
        for bound_node in (b.low, b.high):
            if bound_node is None:
                bounds.append(None)
                continue
            bound = self.expr(bound_node, ctx)
            if bound is None:
                ok = False
                bounds.append(None)
                continue
            _, bound = self.adopt(key, bound, key_node, bound_node, always=True)
            if not same_type(bound.type, key.type):
                self.error(bound_node.span, f"bracket bound is {type_name(bound.type)}, but the "
                           f"key is {type_name(key.type)}", code="E0235")
                ok = False
            bounds.append(bound)
        return ir.Bracket(b.kind, bounds[0], bounds[1], placeholder) if ok else None

    def domain(self, key: ir.Expr):
        """What a lookup key can be, for the coverage check: a fact's declared values or
        levels, or its constant bounds (`>= 0`); None when nothing is known."""
        if isinstance(key.type, ir.Enum):
            return tuple(range(len(key.type.members)))
        if not isinstance(key, ir.Fact) or key.name not in self.facts:
            return None
        fact = self.facts[key.name]
        if fact.allowed is not None:
            return fact.allowed
        if not isinstance(key.type, ir.Num):
            return None
        low = high = None
        for c in fact.constraints:
            if isinstance(c, ir.Cmp) and isinstance(c.right, ir.Const) and isinstance(c.left, ir.Fact):
                if c.op in (">=", ">"):
                    low = (c.right.value, c.op == ">=")
                elif c.op in ("<=", "<"):
                    high = (c.right.value, c.op == "<=")
        return Interval(low, high, key.type.scale if key.type.integer else None)
