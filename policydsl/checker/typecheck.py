"""The typecheck stage: a resolved module to checked IR, with types and units checked and
constants folded.

`typecheck` takes the resolve stage's `Resolved` (the declarations, their names and the
facts' types) and checks, in source order, the facts' constraints, the definitions
(`let`s, inlined where they are used), and every rule and target: its years, scope,
grouping, requirement and days in force. The expressions are checked by the parts of
`TypeChecker`: `expressions.py`, `comparisons.py`, `schedules.py` and `dates.py`.
Checking goes on after an error (the failing expression becomes None and its parents
stay quiet), so a drafter sees all errors of a file in one run.
"""

from __future__ import annotations

from ..core import ast, ir
from ..core.diagnostics import Diagnostic
from . import entities
from .comparisons import CompareChecks
from .dates import DateChecks
from .expressions import Ctx, ExprChecks, has_agg, set_name, type_name
from .resolve import Reporter, Resolved
from .schedules import TableChecks


class TypeChecker(Reporter, ExprChecks, CompareChecks, TableChecks, DateChecks):
    def __init__(self, resolved: Resolved):
        super().__init__(resolved.source)
        self.resolved = resolved
        self.module = resolved.module
        self.units = resolved.units
        self.facts: dict[str, ir.FactDef] = dict(resolved.facts)  # the constraints are added here
        self.fact_decls, self.sets, self.lets = resolved.fact_decls, resolved.sets, resolved.lets
        self.declared = resolved.declared
        self.entity_plan = resolved.entity_plan
        self.let_ir: dict[str, ir.Expr | None] = {}
        self._checking_lets: list[str] = []

    def run(self) -> ir.Policy | None:
        r = self.resolved
        decls = self.module.decls
        for d in self.fact_decls.values():
            self._fact_constraints(d)
        for name in self.lets:
            self.let(name)
        rules, targets = [], []
        for d in decls:
            if isinstance(d, ast.RuleDecl):
                checked = self._rule(d)
                if checked is not None:
                    checked = self.with_dates(d, checked, r.meta)
                if checked is not None:
                    (targets if d.is_target else rules).append(checked)
        notes = tuple(ir.Note(d.text, tuple(c.id for c in d.clauses), d.section)
                      for d in decls if isinstance(d, ast.NoteDecl))
        if r.has_errors or any(d.is_error for d in self.diagnostics) or r.meta is None:
            return None
        name, plural, noun = r.record
        kinds = tuple(self.entity_plan.entities) if self.entity_plan is not None else ()
        return ir.Policy(r.meta, name, plural, tuple(self.facts.values()), tuple(rules),
                         tuple(targets), notes, self.source, label_facts=r.label_facts, entity_label=noun,
                         unit_names=tuple(d.names for d in decls if isinstance(d, ast.UnitDecl)),
                         entities=kinds)

    def _fact_constraints(self, d: ast.FactDecl) -> None:
        fact = self.facts.get(d.name)
        if fact is None:
            return
        checks, allowed = [], None
        subject = ir.Fact(d.name, fact.type, d.span, d.name)
        for c in d.constraints:
            if c.kind == "in":
                allowed = self.set_values(c.value, fact.type, c.span, ordered=True)
                if allowed is not None:
                    checks.append(ir.Member(subject, allowed, False, set_name(c.value),
                                            span=c.span, text=self.text(c.span)))
            elif c.kind == "cmp":
                bound = self.expr(c.value, Ctx())
                if bound is None:
                    continue
                cmp = self.compare(c.op, subject, bound, None, c.value, c.span)
                if cmp is not None:
                    checks.append(cmp)
        self.facts[d.name] = ir.FactDef(fact.name, fact.kind, fact.type, fact.optional, fact.label,
                                        allowed, tuple(checks), fact.span)

    def let(self, name: str) -> ir.Expr | None:
        if name in self.let_ir:
            return self.let_ir[name]
        decl = self.lets[name]
        if name in self._checking_lets:
            self.error(decl.span, f"definition `{name}` refers to itself", code="E0104")
            return None
        self._checking_lets.append(name)
        checked = self.expr(decl.value, Ctx(target=None))  # type: ignore[arg-type]
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
        ctx = Ctx(target=d.is_target)
        scope = None
        if d.scope is not None:
            scope = self.expr(d.scope, Ctx(target=False))
            scope = self.expect_bool(scope, d.scope, "`where`")
        group = self._group(d) if d.group is not None else None
        if d.group is not None and not d.is_target:
            self.error(d.group.span, "`for each` groups records and belongs to a target, not a rule",
                       code="E0140", help=f"write `target {d.name}` instead of `rule {d.name}`")
        if d.requirement is None:
            self.error(d.span, f"{kind} `{d.name}` has no requirement", code="E0141",
                       help="add a line `must CONDITION`, `in principle CONDITION` or `strive CONDITION`")
            return None
        cond = self.expr(d.requirement.condition, ctx)
        cond = self.expect_bool(cond, d.requirement.condition, "a requirement")
        if cond is not None and d.is_target and not has_agg(cond):
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
        first, last = self.resolved.period
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
                self.error(y.span, f"year {year} is outside the policy period {self.resolved.period_words()}",
                           code="E0150", help=self.resolved.period_help())
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
            self.unknown_name(g.fact, g.span)
            return None
        if isinstance(fact.type, ir.Num):
            self.error(g.span, f"cannot group by `{g.fact}`, a number", code="E0143",
                       help="group by a text, level or true/false fact")
            return None
        if g.within is not None:
            values = self.set_values(g.within, fact.type, g.span, ordered=True)
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

    def expect_bool(self, e: ir.Expr | None, node: ast.Expr, what: str) -> ir.Expr | None:
        if e is not None and e.type != ir.BOOL:
            self.error(node.span, f"{what} must be true or false, but this is {type_name(e.type)}",
                       code="E0200", help="compare it with a threshold, e.g. `>= 200 m2`")
            return None
        return e


def typecheck(resolved: Resolved) -> tuple[ir.Policy | None, list[Diagnostic]]:
    """The checked policy (None if this stage or the resolve stage found an error) and this
    stage's diagnostics."""
    checker = TypeChecker(resolved)
    policy = checker.run()
    return policy, checker.diagnostics


__all__ = ["TypeChecker", "typecheck"]
