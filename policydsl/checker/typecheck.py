"""AST to checked IR: resolve names, check types and units, fold constants.

Every problem becomes a diagnostic; checking goes on after an error (the
failing expression becomes None and its parents stay quiet), so a drafter sees
all errors of a file in one run.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import attrs

from .. import ast, ir
from ..diagnostics import ERROR, WARNING, Diagnostic, Label, nearest
from ..ir import walk
from ..source import Source, Span
from ..units import DIMENSIONLESS, Unit, UnitError, UnitRegistry, describe_dim, dim_div, dim_mul
from . import entities
from .brackets import Interval, bracket_findings
from .dates import EVAL_NAMES, DateChecks

AGGREGATES = ("share", "count", "sum", "mean")
FUNCTIONS = ("min", "max", "floor", "ceil", "abs")
PERCENT = ir.Num(DIMENSIONLESS, "%", Fraction(1, 100))
PLAIN = ir.Num(DIMENSIONLESS, "", Fraction(1))


class _Ctx:
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


class Checker(DateChecks):
    CTX = _Ctx
    describe = staticmethod(type_name)

    def __init__(self, module: ast.Module, source: Source):
        self.module, self.source = module, source
        self.diagnostics: list[Diagnostic] = []
        self.units = UnitRegistry()
        self.facts: dict[str, ir.FactDef] = {}
        self.fact_decls: dict[str, ast.FactDecl] = {}
        self.sets: dict[str, ast.SetDecl] = {}
        self.lets: dict[str, ast.LetDecl] = {}
        self.let_ir: dict[str, ir.Expr | None] = {}
        self._checking_lets: list[str] = []
        self.period: tuple[int, int] | None = None
        self.open_ended = False
        self.declared: dict[str, Span] = {}
        self.entity_plan: entities.EntityPlan | None = None  # a policy with several entities

    # ---- reporting -----------------------------------------------------------------

    def error(self, span: Span, message: str, help: str | None = None, code: str = "E0100",
              labels: tuple[Label, ...] = ()) -> None:
        self.diagnostics.append(Diagnostic(code, ERROR, message, span, self.source, labels, help))

    def warning(self, span: Span, message: str, help: str | None = None, code: str = "W0100") -> None:
        self.diagnostics.append(Diagnostic(code, WARNING, message, span, self.source, (), help))

    def text(self, span: Span) -> str:
        return " ".join(self.source.text[span.start:span.end].split())

    # ---- the whole module ----------------------------------------------------------

    def run(self) -> ir.Policy | None:
        decls = self.module.decls
        header = self._header([d for d in decls if isinstance(d, ast.PolicyDecl)])
        entity = self._entity([d for d in decls if isinstance(d, ast.EntityDecl)])
        for d in decls:
            if isinstance(d, ast.UnitDecl):
                self._unit(d)
        for d in decls:
            if isinstance(d, ast.SetDecl):
                self._declare(d.name, d.span, "set")
                self.sets[d.name] = d
            elif isinstance(d, ast.LetDecl):
                self._declare(d.name, d.span, "definition")
                self.lets[d.name] = d
            elif isinstance(d, ast.FactDecl):
                self._declare(d.name, d.span, "fact")
                self.fact_decls[d.name] = d
        self.entity_plan = entities.plan(self, decls)
        for d in self.fact_decls.values():
            self._fact_type(d)
        for d in self.fact_decls.values():
            self._fact_constraints(d)
        for name in self.lets:
            self._let(name)
        labels = (self._labels([d for d in decls if isinstance(d, ast.EntityDecl)][:1])
                  if self.entity_plan is None else self.entity_plan.root.label_facts)
        rules, targets, names = [], [], {}
        for d in decls:
            if isinstance(d, ast.RuleDecl):
                if d.name in names:
                    self.error(d.span, f"rule `{d.name}` is declared twice", code="E0101",
                               labels=(Label(names[d.name], "first declared here"),))
                names[d.name] = d.span
                checked = self._rule(d)
                if checked is not None:
                    checked = self.with_dates(d, checked, header)
                if checked is not None:
                    (targets if d.is_target else rules).append(checked)
        notes = tuple(ir.Note(d.text, tuple(c.id for c in d.clauses), d.section)
                      for d in decls if isinstance(d, ast.NoteDecl))
        if any(d.is_error for d in self.diagnostics) or header is None:
            return None
        name, plural, noun = entity
        kinds = tuple(self.entity_plan.entities) if self.entity_plan is not None else ()
        return ir.Policy(header, name, plural, tuple(self.facts.values()), tuple(rules),
                         tuple(targets), notes, self.source, label_facts=labels, entity_label=noun,
                         unit_names=tuple(d.names for d in decls if isinstance(d, ast.UnitDecl)),
                         entities=kinds)

    def _header(self, headers: list[ast.PolicyDecl]) -> ir.Meta | None:
        if not headers:
            self.error(Span(0, 0), "the file has no `policy` header", code="E0110",
                       help="start the file with `policy NAME` and a `period FIRST to LAST` line")
            return None
        for extra in headers[1:]:
            self.error(extra.span, "a file holds one policy; this is a second `policy` header",
                       code="E0111", labels=(Label(headers[0].span, "first header here"),))
        h = headers[0]
        if h.period is None:
            self.error(h.span, f"policy `{h.name}` has no period", code="E0112",
                       help="add a line `period 2023 to 2025`")
            return None
        start, end = h.period
        open_ended = end is None
        if open_ended:
            end = _horizon(self.module, start)
        elif start > end:
            self.error(h.span, f"the period starts in {start} but ends in {end}", code="E0113")
            return None
        self.period = (start, end)
        self.open_ended = open_ended
        return ir.Meta(h.name, h.title, h.original, h.version, h.issuer, (start, end), open_ended,
                       self.validity(h))

    def _period_help(self) -> str:
        first, last = self.period or (0, 9999)
        if self.open_ended:
            return f"write a year from {first} on, or move the start: `period from YEAR`"
        return f"write a year from {first} to {last}, or widen the policy's `period`"

    def _period_words(self) -> str:
        first, last = self.period or (0, 9999)
        return f"from {first}" if self.open_ended else f"{first}–{last}"

    def _entity(self, entities: list[ast.EntityDecl]) -> tuple[str, str, str | None]:
        if not entities:
            return "record", "records", None
        e = entities[0]  # the first; several are checked by `entities.plan`
        return e.name, e.plural or e.name + "s", e.label

    def _labels(self, entities: list[ast.EntityDecl]) -> tuple[str, ...]:
        """The facts of `labelled by`: declared facts, each named once."""
        out: list[str] = []
        for n in entities[0].labelled_by if entities else ():
            if n.name not in self.fact_decls:
                self.error(n.span, f"`{n.name}` in `labelled by` is not a declared fact", code="E0115",
                           help="name the facts that tell a reader which record is which, e.g. "
                                "`labelled by name, region`")
            elif n.name in out:
                self.error(n.span, f"`{n.name}` is named twice in `labelled by`", code="E0116")
            else:
                out.append(n.name)
        return tuple(out)

    def _declare(self, name: str, span: Span, kind: str) -> None:
        if name in self.declared:
            self.error(span, f"`{name}` is declared twice", code="E0102",
                       labels=(Label(self.declared[name], "first declared here"),))
        else:
            self.declared[name] = span

    def _unit(self, d: ast.UnitDecl) -> None:
        try:
            if d.base is None:
                self.units.declare_base(d.names)
            else:
                target = self._unit_expr(d.base)
                if target is None:
                    return
                factor = Fraction(Decimal(d.factor)) if d.factor is not None else Fraction(1)
                self.units.declare_alias(d.names, factor, target)
        except UnitError as e:
            self.error(d.span, str(e), code="E0120")

    def _unit_expr(self, u: ast.UnitExpr) -> Unit | None:
        try:
            return self.units.compound(u.num, u.den)
        except UnitError as e:
            self._unknown_unit(str(e), u.span)
            return None

    def _unknown_unit(self, name: str, span: Span) -> None:
        guess = nearest(name, self.units.names())
        self.error(span, f"unknown unit `{name}`", code="E0121",
                   help=self.duration_help(name) or (f"did you mean `{guess}`?" if guess else
                   "declare it with `unit NAME` or `unit NAME = NUMBER UNIT`"))

    # ---- facts -----------------------------------------------------------------------

    def _fact_type(self, d: ast.FactDecl) -> None:
        t = d.type
        if t.kind in ("integer", "decimal"):
            unit = self._unit_expr(t.unit) if t.unit is not None else Unit("", Fraction(1), ())
            if unit is None:
                return
            typ: ir.Type = ir.Num(unit.dim, unit.name, unit.scale, t.kind == "integer", unit.plural)
        elif t.kind == "enum":
            if len(set(t.members)) != len(t.members):
                self.error(t.span, f"enum of `{d.name}` lists a member twice", code="E0130")
            typ = ir.Enum(d.name, t.members)
        else:
            typ = t.kind
        optional = any(c.kind == "optional" for c in d.constraints)
        self.facts[d.name] = ir.FactDef(d.name, t.kind, typ, optional, d.label, span=d.span)

    def _fact_constraints(self, d: ast.FactDecl) -> None:
        fact = self.facts.get(d.name)
        if fact is None:
            return
        checks, allowed = [], None
        subject = ir.Fact(d.name, fact.type, d.span, d.name)
        for c in d.constraints:
            if c.kind == "in":
                allowed = self._set_values(c.value, fact.type, c.span, ordered=True)
                if allowed is not None:
                    checks.append(ir.Member(subject, allowed, False, _set_name(c.value),
                                            span=c.span, text=self.text(c.span)))
            elif c.kind == "cmp":
                bound = self.expr(c.value, _Ctx())
                if bound is None:
                    continue
                cmp = self._compare(c.op, subject, bound, None, c.value, c.span)
                if cmp is not None:
                    checks.append(cmp)
        self.facts[d.name] = ir.FactDef(fact.name, fact.kind, fact.type, fact.optional, fact.label,
                                        allowed, tuple(checks), fact.span)

    def _set_values(self, ref, typ: ir.Type, span: Span, ordered: bool = False) -> tuple | None:
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
            val = self._set_value(v, typ)
            if val is None:
                return None
            values.append(val)
        unique = tuple(dict.fromkeys(values))
        return unique if ordered else tuple(sorted(unique, key=_sort_key))

    def _set_value(self, v: ast.Expr, typ: ir.Type):
        if isinstance(typ, ir.Enum):
            if isinstance(v, ast.Name) and v.name in typ.members:
                return typ.members.index(v.name)
            self.error(v.span, f"`{self.text(v.span)}` is not a level of `{typ.fact}`", code="E0131",
                       help="levels: " + ", ".join(f"`{m}`" for m in typ.members))
            return None
        if typ == ir.TEXT and isinstance(v, ast.String):
            return v.value
        if isinstance(typ, ir.Num) and isinstance(v, ast.Number):
            checked = self.expr(v, _Ctx())
            if checked is not None and (v.unit is None or same_type(checked.type, typ)):
                return checked.value * (typ.scale if v.unit is None else 1)
        self.error(v.span, f"set value `{self.text(v.span)}` does not fit {type_name(typ)}",
                   code="E0132")
        return None

    def _let(self, name: str) -> ir.Expr | None:
        if name in self.let_ir:
            return self.let_ir[name]
        decl = self.lets[name]
        if name in self._checking_lets:
            self.error(decl.span, f"definition `{name}` refers to itself", code="E0104")
            return None
        self._checking_lets.append(name)
        checked = self.expr(decl.value, _Ctx(target=None))  # type: ignore[arg-type]
        self._checking_lets.pop()
        self.let_ir[name] = checked
        return checked

    # ---- rules -----------------------------------------------------------------------

    def _rule(self, d: ast.RuleDecl) -> ir.Rule | None:
        kind = "target" if d.is_target else "rule"
        if not d.clauses:
            self.warning(d.span, f"{kind} `{d.name}` cites no clause", code="W0101",
                         help="add `clause C01` so results trace back to the plan")
        years = self._years(d)
        ctx = _Ctx(target=d.is_target)
        scope = None
        if d.scope is not None:
            scope = self.expr(d.scope, _Ctx(target=False))
            scope = self._expect_bool(scope, d.scope, "`where`")
        group = self._group(d) if d.group is not None else None
        if d.group is not None and not d.is_target:
            self.error(d.group.span, "`for each` groups records and belongs to a target, not a rule",
                       code="E0140", help=f"write `target {d.name}` instead of `rule {d.name}`")
        if d.requirement is None:
            self.error(d.span, f"{kind} `{d.name}` has no requirement", code="E0141",
                       help="add a line `must CONDITION`, `in principle CONDITION` or `strive CONDITION`")
            return None
        cond = self.expr(d.requirement.condition, ctx)
        cond = self._expect_bool(cond, d.requirement.condition, "a requirement")
        if cond is not None and d.is_target and not _has_agg(cond):
            self.error(d.requirement.condition.span,
                       "a target's requirement must measure the population", code="E0142",
                       help="use `share(...)`, `count(...)`, `sum(...)` or `mean(...)`")
            cond = None
        if cond is None or years is None or (d.scope is not None and scope is None):
            return None
        rule = ir.Rule(d.name, d.label, tuple(c.id for c in d.clauses), d.section, d.quote, years,
                       scope, d.requirement.modality, cond, d.is_target, group, d.span)
        if self.entity_plan is None:
            return rule if d.entity is None or entities.stated_single(self, d) else None
        return entities.assign(self, self.entity_plan, d, rule)

    def _years(self, d: ast.RuleDecl) -> tuple[int, int] | None:
        first, last = self.period or (0, 9999)
        y = d.years
        if y is None:
            return first, last
        if isinstance(y, ast.InForce):
            return self.in_force_years(y)
        start = y.start if y.start is not None else first
        end = y.end if y.end is not None else last
        ok = True
        for year in {start, end}:
            if not first <= year <= last:
                self.error(y.span, f"year {year} is outside the policy period {self._period_words()}",
                           code="E0150", help=self._period_help())
                ok = False
        if ok and start > end:
            self.error(y.span, f"the rule starts in {start} but ends in {end}", code="E0151")
            ok = False
        return (start, end) if ok else None

    def _group(self, d: ast.RuleDecl) -> ir.Group | None:
        g = d.group
        assert g is not None
        fact = self.facts.get(g.fact)
        if fact is None:
            self._unknown_name(g.fact, g.span)
            return None
        if isinstance(fact.type, ir.Num):
            self.error(g.span, f"cannot group by `{g.fact}`, a number", code="E0143",
                       help="group by a text, level or true/false fact")
            return None
        if g.within is not None:
            values = self._set_values(g.within, fact.type, g.span, ordered=True)
        elif fact.allowed is not None:
            values = fact.allowed
        elif isinstance(fact.type, ir.Enum):
            values = tuple(range(len(fact.type.members)))
        elif fact.type == ir.BOOL:
            values = (False, True)
        elif self.entity_plan is not None and entities.is_key(self.entity_plan, g.fact):
            return ir.Group(g.fact, None)  # each parent record: known when the data is judged
        else:
            self.error(g.span, f"`{g.fact}` has no declared set of values to group by", code="E0144",
                       help=f"declare the values (`fact {g.fact}: text in SET`) or write "
                            f"`for each {g.fact} in SET`")
            values = None
        return ir.Group(g.fact, values) if values is not None else None

    def _expect_bool(self, e: ir.Expr | None, node: ast.Expr, what: str) -> ir.Expr | None:
        if e is not None and e.type != ir.BOOL:
            self.error(node.span, f"{what} must be true or false, but this is {type_name(e.type)}",
                       code="E0200", help="compare it with a threshold, e.g. `>= 200 m2`")
            return None
        return e

    # ---- expressions -----------------------------------------------------------------

    def expr(self, node: ast.Expr, ctx: _Ctx) -> ir.Expr | None:
        method = getattr(self, "x_" + type(node).__name__)
        return method(node, ctx)

    def x_Number(self, n: ast.Number, ctx) -> ir.Expr | None:
        value = Fraction(Decimal(n.text))
        if n.unit is None:
            return ir.Const(value, PLAIN, n.span, n.numeral or n.text)
        unit = self.units.lookup(n.unit)
        if unit is None and n.numeral is not None and self.text(n.span) == n.numeral + n.unit:
            # `三级` undeclared reads as 三 and the unit `级`; a name was more likely meant.
            self._unknown_name(n.numeral + n.unit, n.span)
            return None
        if unit is None:
            self._unknown_unit(n.unit, Span(n.span.end - len(n.unit), n.span.end))
            return None
        return ir.Const(value * unit.scale, ir.Num(unit.dim, unit.name, unit.scale, plural=unit.plural),
                        n.span, self.text(n.span))

    def x_Percent(self, n: ast.Percent, ctx) -> ir.Expr:
        return ir.Const(Fraction(Decimal(n.text)) / 100, PERCENT, n.span, n.text + "%")

    def x_Bool(self, n: ast.Bool, ctx) -> ir.Expr:
        return ir.Const(n.value, ir.BOOL, n.span, "true" if n.value else "false")

    def x_String(self, n: ast.String, ctx) -> ir.Expr:
        return ir.Const(n.value, ir.TEXT, n.span, n.value)

    def x_Name(self, n: ast.Name, ctx: _Ctx) -> ir.Expr | None:
        fact = self.facts.get(n.name)
        if fact is not None:
            if ctx.target and not ctx.in_agg:
                self.error(n.span, f"`{n.name}` is a fact of each record; a target measures the "
                           "population", code="E0145",
                           help=f"use it inside `share(...)`, `count(...)` or `sum({n.name})`")
                return None
            return ir.Fact(n.name, fact.type, n.span, n.name)
        if n.name in self.lets:
            checked = self._let(n.name)
            if checked is not None and ctx.target and not ctx.in_agg and _uses_facts(checked) \
                    and not _has_agg(checked):
                self.error(n.span, f"`{n.name}` depends on facts of each record; a target measures "
                           "the population", code="E0145",
                           help="use it inside `share(...)`, `count(...)` or `sum(...)`")
                return None
            return checked
        if n.name in self.sets:
            self.error(n.span, f"`{n.name}` is a set; use it after `in`", code="E0105",
                       help=f"write `FACT in {n.name}`")
            return None
        if n.name in self.fact_decls:  # declared, but its type had an error already reported
            return None
        if n.name in EVAL_NAMES:
            return self.eval_name(n)
        if self.entity_plan is not None and entities.entity_name_used(self, self.entity_plan, n):
            return None
        self._unknown_name(n.name, n.span)
        return None

    def _unknown_name(self, name: str, span: Span) -> None:
        guess = nearest(name, list(self.fact_decls) + list(self.lets) + list(self.sets))
        self.error(span, f"unknown name `{name}`", code="E0106",
                   help=f"did you mean `{guess}`?" if guess else "declare it with `fact` or `let`")

    def x_Neg(self, n: ast.Neg, ctx) -> ir.Expr | None:
        x = self.expr(n.operand, ctx)
        if x is None:
            return None
        if not isinstance(x.type, ir.Num):
            self.error(n.span, f"cannot negate {type_name(x.type)}", code="E0201")
            return None
        if isinstance(x, ir.Const):
            return ir.Const(-x.value, x.type, n.span, self.text(n.span))
        return _fold(ir.Neg(x, x.type, n.span, self.text(n.span)))

    def x_Binary(self, n: ast.Binary, ctx) -> ir.Expr | None:
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
            left, right = self._adopt(left, right, n.left, n.right)
            if left.type.dim != right.type.dim:  # type: ignore[union-attr]
                self.error(n.span, f"cannot {'add' if n.op == '+' else 'subtract'} "
                           f"{type_name(right.type)} {'to' if n.op == '+' else 'from'} "
                           f"{type_name(left.type)}", code="E0203")
                return None
            typ = left.type if left.type.unit else right.type  # type: ignore[union-attr]
            return _fold(ir.Arith(n.op, left, right, typ, n.span, text))
        if n.op == "of":
            if lt.dim:
                self.error(n.left.span, f"`of` takes a share (like `70%`), but this is {type_name(lt)}",
                           code="E0204")
                return None
            return _fold(ir.Arith("*", left, right, rt, n.span, text))
        if n.op == "*":
            dim = dim_mul(lt.dim, rt.dim)
            typ = self._simplified(lt, rt, dim, _scale(lt) * _scale(rt))
            return _fold(ir.Arith("*", left, right, typ, n.span, text))
        dim = dim_div(lt.dim, rt.dim)
        if not dim and (lt.dim or lt.unit == "%"):  # a ratio of like quantities reads as a share
            return _fold(ir.Arith("/", left, right, PERCENT, n.span, text))
        unit = _join_units(lt, rt, "/")
        return _fold(ir.Arith("/", left, right, ir.Num(dim, unit, _scale(lt) / _scale(rt)), n.span, text))

    def _simplified(self, lt: ir.Num, rt: ir.Num, dim, scale: Fraction) -> ir.Num:
        """The type of a product, shown in one unit the drafter wrote when the others cancel:
        `5 households × 1 person per household` is 5 people, not "households × person per household"."""
        for word in f"{lt.unit} {rt.unit}".split():
            unit = self.units.lookup(word)
            if unit is not None and dim and unit.dim == dim and unit.scale == scale:
                return ir.Num(dim, unit.name, scale, plural=unit.plural)
        return ir.Num(dim, _join_units(lt, rt, "*"), scale)

    def x_Per(self, n: ast.Per, ctx) -> ir.Expr | None:
        left = self.expr(n.left, ctx)
        unit = self.units.lookup(n.unit)
        if unit is None:
            self._unknown_unit(n.unit, Span(n.span.end - len(n.unit), n.span.end))
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
        return _fold(ir.Arith("/", left, denom, typ, n.span, self.text(n.span)))

    def _adopt(self, a: ir.Expr, b: ir.Expr, an: ast.Expr, bn: ast.Expr, always: bool = False):
        """A bare number takes the unit of the other side when it is 0 (or `always`, for ranges)."""
        for x, y, node in ((a, b, an), (b, a, bn)):
            if (isinstance(x, ir.Const) and isinstance(node, ast.Number) and node.unit is None
                    and isinstance(y.type, ir.Num) and y.type.dim and (always or x.value == 0)):
                adopted = ir.Const(x.value * y.type.scale, y.type, x.span, x.text + " " + y.type.unit)
                return (adopted, b) if x is a else (a, adopted)
        return a, b

    def x_Compare(self, n: ast.Compare, ctx) -> ir.Expr | None:
        left, right = self._enum_sides(n.left, n.right, ctx)
        if left is None or right is None:
            return None
        cmp = self._compare(n.op, left, right, n.left, n.right, n.span)
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
        tol = self.expr(n.tolerance, _Ctx())
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
        return _fold(ir.Arith("+" if sign > 0 else "-", bound, amount, bound.type, bound.span, stated))

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
        return (isinstance(node, ast.Name) and node.name not in self.facts
                and node.name not in self.lets and node.name not in self.sets
                and node.name not in self.fact_decls and node.name not in EVAL_NAMES)

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
            self._unknown_name(node.name, node.span)
        return None

    def _compare(self, op, left, right, ln, rn, span) -> ir.Expr | None:
        left, right = self._adopt(left, right, ln, rn)
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

    def x_Between(self, n: ast.Between, ctx) -> ir.Expr | None:
        s, lo, hi = self.expr(n.subject, ctx), self.expr(n.low, ctx), self.expr(n.high, ctx)
        if s is None or lo is None or hi is None:
            return None
        lo, hi = self._adopt(lo, hi, n.low, n.high, always=True)
        s, lo = self._adopt(s, lo, n.subject, n.low, always=True)
        s, hi = self._adopt(s, hi, n.subject, n.high, always=True)
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

    def x_InSet(self, n: ast.InSet, ctx) -> ir.Expr | None:
        s = self.expr(n.subject, ctx)
        if s is None:
            return None
        values = self._set_values(n.set, s.type, n.set.span)
        if values is None:
            return None
        return ir.Member(s, values, n.negated, _set_name(n.set), ir.BOOL, n.span, self.text(n.span))

    def x_BoolOp(self, n: ast.BoolOp, ctx) -> ir.Expr | None:
        left = self._expect_bool(self.expr(n.left, ctx), n.left, f"each side of `{n.op}`")
        right = self._expect_bool(self.expr(n.right, ctx), n.right, f"each side of `{n.op}`")
        if left is None or right is None:
            return None
        cls = ir.And if n.op == "and" else ir.Or
        return cls(left, right, ir.BOOL, n.span, self.text(n.span))

    def x_Not(self, n: ast.Not, ctx) -> ir.Expr | None:
        x = self._expect_bool(self.expr(n.operand, ctx), n.operand, "`not`")
        return None if x is None else ir.Not(x, ir.BOOL, n.span, self.text(n.span))

    def x_If(self, n: ast.If, ctx) -> ir.Expr | None:
        c = self._expect_bool(self.expr(n.cond, ctx), n.cond, "the condition of `if`")
        a, b = self.expr(n.then, ctx), self.expr(n.else_, ctx)
        if c is None or a is None or b is None:
            return None
        a, b = self._adopt(a, b, n.then, n.else_)
        if not same_type(a.type, b.type):
            self.error(n.span, f"`then` gives {type_name(a.type)} but `else` gives "
                       f"{type_name(b.type)}", code="E0220")
            return None
        return ir.Cond(c, a, b, a.type, n.span, self.text(n.span))

    def x_Call(self, n: ast.Call, ctx: _Ctx) -> ir.Expr | None:
        plan = self.entity_plan
        if plan is not None and entities.is_child_aggregate(plan, n):
            return entities.child_aggregate(self, plan, n, ctx, _Ctx(target=ctx.target, in_agg=True),
                                            type_name)
        if plan is not None and entities.unknown_entity(self, plan, n):
            return None
        if n.func in AGGREGATES:
            return self._aggregate(n, ctx)
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
                first, args[i] = self._adopt(first, args[i], n.args[0], n.args[i])
                if first.type.dim != args[i].type.dim:
                    self.error(n.args[i].span, f"`{n.func}` of {type_name(first.type)} and "
                               f"{type_name(args[i].type)}", code="E0233")
                    return None
            args[0] = first
        typ = args[0].type
        if n.func in ("floor", "ceil"):
            # A whole number of canonical base units: a ratio rounds to a count (12, not 1250%).
            typ = PLAIN if not typ.dim else attrs.evolve(typ, integer=True)
        return _fold(ir.Func(n.func, tuple(args), typ, n.span, self.text(n.span)))

    def _aggregate(self, n: ast.Call, ctx: _Ctx) -> ir.Expr | None:
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
        arg = self.expr(n.args[0], _Ctx(target=True, in_agg=True)) if n.args else None
        if n.args and arg is None:
            return None
        if n.func in ("share", "count"):
            if arg is not None:
                arg = self._expect_bool(arg, n.args[0], f"the argument of `{n.func}`")
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

    def x_Schedule(self, n: ast.Schedule, ctx) -> ir.Expr | None:
        entries, ok, prev = [], True, None
        first, last = self.period or (0, 9999)
        for e in n.entries:
            if not first <= e.year <= last:
                self.error(e.span, f"year {e.year} is outside the policy period {self._period_words()}",
                           code="E0150", help=self._period_help())
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

    def x_Lookup(self, n: ast.Lookup, ctx) -> ir.Expr | None:
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
            bracket = self._bracket(key, n.key, b, by_category, ctx)
            value = self.expr(b.value, ctx)
            if bracket is None or value is None:
                ok = False
                continue
            if first_value is not None:
                first_value, value = self._adopt(first_value, value, n.brackets[0].value, b.value)
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
        for span, message, help_ in bracket_findings(table, self._domain(key), n.brackets):
            self.warning(span, message, help=help_, code="W0110")
        return table

    def _bracket(self, key: ir.Expr, key_node: ast.Expr, b: ast.Bracket, by_category: bool,
                 ctx) -> ir.Bracket | None:
        """A bracket without its value: bounds checked against the key, or the values it names."""
        placeholder = ir.Const(True, ir.BOOL)
        if b.kind in ("in", "is"):
            if b.kind == "in":
                values = self._set_values(b.set, key.type, b.set.span)
            else:
                one = self._set_value(b.low, key.type) if _literal(b.low) else None
                if one is None and not _literal(b.low):
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
            _, bound = self._adopt(key, bound, key_node, bound_node, always=True)
            if not same_type(bound.type, key.type):
                self.error(bound_node.span, f"bracket bound is {type_name(bound.type)}, but the "
                           f"key is {type_name(key.type)}", code="E0235")
                ok = False
            bounds.append(bound)
        return ir.Bracket(b.kind, bounds[0], bounds[1], placeholder) if ok else None

    def _domain(self, key: ir.Expr):
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

    def x_SetLiteral(self, n: ast.SetLiteral, ctx) -> None:
        self.error(n.span, "a set of values can only follow `in`", code="E0107")
        return None


# ---- helpers -------------------------------------------------------------------------


def _scale(t: ir.Num) -> Fraction:
    return t.scale


def _join_units(a: ir.Num, b: ir.Num, op: str) -> str:
    if not a.unit or a.unit == "%":
        return b.unit if op == "*" else (f"1 per {b.unit}" if b.unit else "")
    if not b.unit or b.unit == "%":
        return a.unit
    return f"{a.unit} × {b.unit}" if op == "*" else f"{a.unit} per {b.unit}"


def _horizon(module: ast.Module, first: int) -> int:
    """The last year an open-ended policy analyses: from it on nothing the policy says changes.
    After every year it names, and after the last year of any rule that ends."""
    years = [first]
    stack: list[object] = list(module.decls)
    while stack:
        x = stack.pop()
        if isinstance(x, ast.Years):
            years += [y for y in (x.start, x.end) if y is not None]
            if x.end is not None:
                years.append(x.end + 1)  # the rule is out of force from the next year on
        elif isinstance(x, ast.ScheduleEntry):
            years.append(x.year)
            stack.append(x.value)
        elif isinstance(x, tuple):
            stack.extend(x)
        elif attrs.has(type(x)) and not isinstance(x, ast.PolicyDecl):
            stack.extend(getattr(x, f.name) for f in attrs.fields(type(x)) if f.name != "span")
    return max(years)


def _literal(node: ast.Expr | None) -> bool:
    return isinstance(node, ast.String | ast.Number | ast.Name)


def _set_name(ref) -> str | None:
    return ref.name if isinstance(ref, ast.Name) else None


def _sort_key(v):
    return (type(v).__name__, v)


def _fold(e: ir.Expr) -> ir.Expr:
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


def _has_agg(e: ir.Expr) -> bool:
    return any(isinstance(x, ir.Agg) for x in walk(e))


def _uses_facts(e: ir.Expr) -> bool:
    return any(isinstance(x, ir.Fact) for x in walk(e))


def check_module(module: ast.Module, source: Source) -> tuple[ir.Policy | None, list[Diagnostic]]:
    checker = Checker(module, source)
    policy = checker.run()
    return policy, checker.diagnostics
