"""The resolve stage: what each name of a policy declares, before any expression is typed.

`resolve` reads the declarations of an `ast.Module`: the `policy` header and its period,
the entities and their scopes (which facts each owns), the units, and the names of facts,
sets and definitions, each declared once; it types each fact (its unit or its levels)
and checks the facts `labelled by` names and that rule names are unique. The result, a
`Resolved`, is the symbol table the type checker reads (`Resolved.refers_to` says what a
name in an expression stands for). It is given even with errors, so the type checker
still reports the errors of every expression in one run.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

import attrs

from ..core import ast, ir
from ..core.dates import EVAL_NAMES
from ..core.diagnostics import ERROR, WARNING, Diagnostic, Label, has_errors, nearest
from ..core.source import Source, Span
from ..core.units import Unit, UnitError, UnitRegistry
from . import entities
from .dates import duration_help, validity


class Reporter:
    """Diagnostics about one source, as the resolver and the type checker write them."""

    units: UnitRegistry

    def __init__(self, source: Source):
        self.source = source
        self.diagnostics: list[Diagnostic] = []

    def error(self, span: Span, message: str, help: str | None = None, code: str = "E0100",
              labels: tuple[Label, ...] = ()) -> None:
        self.diagnostics.append(Diagnostic(code, ERROR, message, span, self.source, labels, help))

    def warning(self, span: Span, message: str, help: str | None = None, code: str = "W0100") -> None:
        self.diagnostics.append(Diagnostic(code, WARNING, message, span, self.source, (), help))

    def text(self, span: Span) -> str:
        return " ".join(self.source.text[span.start:span.end].split())

    def unknown_unit(self, name: str, span: Span) -> None:
        guess = nearest(name, self.units.names())
        self.error(span, f"unknown unit `{name}`", code="E0121",
                   help=duration_help(name) or (f"did you mean `{guess}`?" if guess else
                   "declare it with `unit NAME` or `unit NAME = NUMBER UNIT`"))

    def unit_expr(self, u: ast.UnitExpr) -> Unit | None:
        try:
            return self.units.compound(u.num, u.den)
        except UnitError as e:
            self.unknown_unit(str(e), u.span)
            return None


@attrs.frozen
class Resolved:
    """A module with its names resolved: the resolve stage's form, with its diagnostics."""

    module: ast.Module
    source: Source
    diagnostics: tuple[Diagnostic, ...]
    meta: ir.Meta | None  # None when the header is missing or wrong (already reported)
    record: tuple[str, str, str | None]  # the entity judged: name, plural, a reader's noun
    units: UnitRegistry
    facts: Mapping[str, ir.FactDef]  # typed, without their constraints
    fact_decls: Mapping[str, ast.FactDecl]  # every declared fact, typed or not
    sets: Mapping[str, ast.SetDecl]
    lets: Mapping[str, ast.LetDecl]
    declared: Mapping[str, Span]  # facts, sets and definitions: where each was first declared
    entity_plan: entities.EntityPlan | None  # a policy with several entities
    label_facts: tuple[str, ...]

    @property
    def period(self) -> tuple[int, int]:
        """The first and last year; the widest when the header was refused."""
        return self.meta.period if self.meta is not None else (0, 9999)

    def period_words(self) -> str:
        first, last = self.period
        return f"from {first}" if self.meta is not None and self.meta.open_ended else f"{first}–{last}"

    def period_help(self) -> str:
        first, last = self.period
        if self.meta is not None and self.meta.open_ended:
            return f"write a year from {first} on, or move the start: `period from YEAR`"
        return f"write a year from {first} to {last}, or widen the policy's `period`"

    def refers_to(self, name: str) -> str | None:
        """What a name in an expression stands for: "fact", "definition", "set", "untyped
        fact" (its type had an error, already reported), "evaluation day", or None."""
        if name in self.facts:
            return "fact"
        if name in self.lets:
            return "definition"
        if name in self.sets:
            return "set"
        if name in self.fact_decls:
            return "untyped fact"
        if name in EVAL_NAMES:
            return "evaluation day"
        return None

    @property
    def has_errors(self) -> bool:
        return has_errors(self.diagnostics)


class Resolver(Reporter):
    def __init__(self, module: ast.Module, source: Source):
        super().__init__(source)
        self.module = module
        self.units = UnitRegistry()
        self.facts: dict[str, ir.FactDef] = {}
        self.fact_decls: dict[str, ast.FactDecl] = {}
        self.sets: dict[str, ast.SetDecl] = {}
        self.lets: dict[str, ast.LetDecl] = {}
        self.declared: dict[str, Span] = {}

    def run(self) -> Resolved:
        decls = self.module.decls
        meta = self.header([d for d in decls if isinstance(d, ast.PolicyDecl)])
        declared_entities = [d for d in decls if isinstance(d, ast.EntityDecl)]
        for d in decls:
            if isinstance(d, ast.UnitDecl):
                self.unit(d)
        for d in decls:
            match d:
                case ast.SetDecl():
                    self.declare(d.name, d.span)
                    self.sets[d.name] = d
                case ast.LetDecl():
                    self.declare(d.name, d.span)
                    self.lets[d.name] = d
                case ast.FactDecl():
                    self.declare(d.name, d.span)
                    self.fact_decls[d.name] = d
        plan = entities.plan(self, decls)
        for d in self.fact_decls.values():
            self.fact_type(d)
        labels = self.labels(declared_entities[:1]) if plan is None else plan.root.label_facts
        self.rule_names([d for d in decls if isinstance(d, ast.RuleDecl)])
        return Resolved(self.module, self.source, tuple(self.diagnostics), meta,
                        _record(declared_entities), self.units, self.facts, self.fact_decls,
                        self.sets, self.lets, self.declared, plan, labels)

    def header(self, headers: list[ast.PolicyDecl]) -> ir.Meta | None:
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
        return ir.Meta(h.name, h.title, h.original, h.version, h.issuer, (start, end), open_ended,
                       validity(self, h))

    def labels(self, declared: list[ast.EntityDecl]) -> tuple[str, ...]:
        """The facts of `labelled by`: declared facts, each named once."""
        out: list[str] = []
        for n in declared[0].labelled_by if declared else ():
            if n.name not in self.fact_decls:
                self.error(n.span, f"`{n.name}` in `labelled by` is not a declared fact", code="E0115",
                           help="name the facts that tell a reader which record is which, e.g. "
                                "`labelled by name, region`")
            elif n.name in out:
                self.error(n.span, f"`{n.name}` is named twice in `labelled by`", code="E0116")
            else:
                out.append(n.name)
        return tuple(out)

    def declare(self, name: str, span: Span) -> None:
        if name in self.declared:
            self.error(span, f"`{name}` is declared twice", code="E0102",
                       labels=(Label(self.declared[name], "first declared here"),))
        else:
            self.declared[name] = span

    def rule_names(self, rules: list[ast.RuleDecl]) -> None:
        seen: dict[str, Span] = {}
        for d in rules:
            if d.name in seen:
                self.error(d.span, f"rule `{d.name}` is declared twice", code="E0101",
                           labels=(Label(seen[d.name], "first declared here"),))
            seen[d.name] = d.span

    def unit(self, d: ast.UnitDecl) -> None:
        try:
            if d.base is None:
                self.units.declare_base(d.names)
            else:
                target = self.unit_expr(d.base)
                if target is None:
                    return
                factor = Fraction(Decimal(d.factor)) if d.factor is not None else Fraction(1)
                self.units.declare_alias(d.names, factor, target)
        except UnitError as e:
            self.error(d.span, str(e), code="E0120")

    def fact_type(self, d: ast.FactDecl) -> None:
        t = d.type
        if t.kind in ("integer", "decimal"):
            unit = self.unit_expr(t.unit) if t.unit is not None else Unit("", Fraction(1), ())
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


def resolve(module: ast.Module, source: Source) -> tuple[Resolved, list[Diagnostic]]:
    resolved = Resolver(module, source).run()
    return resolved, list(resolved.diagnostics)


def _record(declared: list[ast.EntityDecl]) -> tuple[str, str, str | None]:
    if not declared:
        return "record", "records", None
    e = declared[0]  # the first; several are planned by `entities.plan`
    return e.name, e.plural or e.name + "s", e.label


def _horizon(module: ast.Module, first: int) -> int:
    """The last year an open-ended policy analyses: from it on nothing the policy says changes.
    After every year it names, and after the last year of any rule that ends."""
    years = [first]
    stack: list[object] = list(module.decls)
    while stack:
        x = stack.pop()
        match x:
            case ast.Years():
                years += [y for y in (x.start, x.end) if y is not None]
                if x.end is not None:
                    years.append(x.end + 1)  # the rule is out of force from the next year on
            case ast.ScheduleEntry():
                years.append(x.year)
                stack.append(x.value)
            case tuple():
                stack.extend(x)
            case ast.PolicyDecl():
                pass
            case _ if attrs.has(type(x)):
                stack.extend(getattr(x, f.name) for f in attrs.fields(type(x)) if f.name != "span")
    return max(years)
