"""Several kinds of record in one policy: which entity each fact and rule belongs to, and
aggregates of a record over its parts (`count(groups)`, `min(groups, members)`).

A fact belongs to the `entity` declared before it (facts before the first belong to the
first). A rule or target judges the one entity whose facts it names outside child
aggregates; an aggregate over the parts of a record makes it a rule of their parent; a
rule that names no fact judges the first entity. A policy with one entity never comes
here, so its meaning and fingerprint stay as they were.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

import attrs

from ..core import ast, ir
from ..core.diagnostics import Label, nearest
from ..core.units import DIMENSIONLESS

if TYPE_CHECKING:
    from .resolve import Resolver
    from .typecheck import TypeChecker

# What a record may measure of its parts, and how many arguments each takes after the entity.
CHILD_AGGREGATES = {"count": (0, 1), "sum": (1, 1), "min": (1, 1), "max": (1, 1), "all": (1, 1),
                    "any": (1, 1), "share": (1, 1)}
COUNT = ir.Num(DIMENSIONLESS, "", integer=True)
PERCENT = ir.Num(DIMENSIONLESS, "%", Fraction(1, 100))


@attrs.define
class EntityPlan:
    """The entities of a policy with several, as the checker builds them."""

    entities: list[ir.Entity]
    owner: dict[str, str]  # fact -> entity
    by_word: dict[str, ir.Entity]  # an entity's name and plural -> the entity

    def get(self, name: str) -> ir.Entity:
        return self.by_word[name]

    @property
    def root(self) -> ir.Entity:
        return self.entities[0]


def plan(checker: Resolver, decls: tuple[ast.Decl, ...]) -> EntityPlan | None:
    """The entities, each with its facts; None when the policy declares at most one."""
    declared = [d for d in decls if isinstance(d, ast.EntityDecl)]
    if len(declared) < 2:
        return None
    facts: dict[str, list[str]] = {d.name: [] for d in declared}
    owner: dict[str, str] = {}
    current = declared[0].name
    for d in decls:
        if isinstance(d, ast.EntityDecl):
            current = d.name
        elif isinstance(d, ast.FactDecl):
            facts.setdefault(current, []).append(d.name)
            owner.setdefault(d.name, current)
    by_word: dict[str, ir.Entity] = {}
    spans: dict[str, ast.EntityDecl] = {}
    entities: list[ir.Entity] = []
    for d in declared:
        plural = d.plural or d.name + "s"  # as reports name them when no plural is given
        words = [d.name] + ([plural] if plural != d.name else [])
        clash = next((w for w in words if w in by_word), None)
        if clash is not None:
            checker.error(d.span, f"entity `{clash}` is declared twice", code="E0170",
                          labels=(Label(spans[clash].span, "first declared here"),))
            continue
        for w in words:
            if w in checker.declared:
                checker.error(d.span, f"`{w}` names both an entity and a {_kind(checker, w)}",
                              code="E0171", labels=(Label(checker.declared[w], "declared here"),),
                              help="give the entity and the fact different names, e.g. `entity "
                                   "group, groups` and `fact group_name: text`")
        own = facts.get(d.name, [])
        for n in d.labelled_by:
            if n.name in owner and n.name not in own:
                checker.error(n.span, f"`{n.name}` in `labelled by` is a fact of `{owner[n.name]}`, "
                              f"not of `{d.name}`", code="E0183",
                              help=f"label each {d.name} by its own facts, declared after `entity {d.name}`")
        entity = ir.Entity(d.name, plural, tuple(own),
                           label=d.label, label_facts=checker.labels([d]))
        for w in words:
            by_word[w] = entity
            spans[w] = d
        entities.append(entity)
    out = EntityPlan(entities, owner, by_word)
    for d in declared:
        if d.parent is not None and spans.get(d.name) is d:  # not a second declaration of a name
            _parent(checker, out, d)
    _check_cycles(checker, out, spans)
    # Parents before their parts, otherwise in declaration order.
    order = {e.name: i for i, e in enumerate(out.entities)}
    out.entities.sort(key=lambda e: (_depth(out, e), order[e.name]))
    return out


def _kind(checker: Resolver, name: str) -> str:
    if name in checker.fact_decls:
        return "fact"
    return "set" if name in checker.sets else "definition"


def _parent(checker: Resolver, p: EntityPlan, d: ast.EntityDecl) -> None:
    assert d.parent is not None and d.key is not None
    child = p.by_word[d.name]
    parent = p.by_word.get(d.parent.name)
    if parent is None:
        guess = nearest(d.parent.name, list(p.by_word))
        checker.error(d.parent.span, f"unknown entity `{d.parent.name}`", code="E0172",
                      help=f"did you mean `{guess}`?" if guess else
                      "declare it with `entity NAME` before naming it after `part of`")
        return
    if parent.name == child.name:
        checker.error(d.parent.span, f"entity `{child.name}` cannot be a part of itself", code="E0173")
        return
    key = d.key.name
    # A bad key is reported, and the entity still counts as a part, so its aggregates check.
    if key not in child.facts:
        where = p.owner.get(key)
        checker.error(d.key.span, f"key fact `{key}` is not a fact of `{child.name}`", code="E0174",
                      help=(f"`{key}` is a fact of `{where}`; " if where else "")
                      + f"declare `fact {key}: text` after `entity {child.name}`: it holds the id of "
                        f"each {child.name}'s {parent.name}")
    elif checker.fact_decls[key].type.kind != "text":
        checker.error(checker.fact_decls[key].type.span, f"key fact `{key}` must be text: it holds "
                      f"the id of a {parent.name}", code="E0175", help=f"declare it `fact {key}: text`")
    i = next(i for i, e in enumerate(p.entities) if e.name == child.name)
    p.entities[i] = attrs.evolve(child, parent=parent.name, key=key)
    for w, e in list(p.by_word.items()):
        if e.name == child.name:
            p.by_word[w] = p.entities[i]


def _depth(p: EntityPlan, e: ir.Entity) -> int:
    depth, seen = 0, {e.name}
    while e.parent is not None and e.parent not in seen:
        seen.add(e.parent)
        e = p.by_word[e.parent]
        depth += 1
    return depth


def _check_cycles(checker: Resolver, p: EntityPlan, spans: dict) -> None:
    for i, e in enumerate(p.entities):
        seen, x = [e.name], e
        while x.parent is not None:
            x = p.by_word[x.parent]
            if x.name == e.name:
                checker.error(spans[e.name].span, "entities are parts of each other: "
                              + " part of ".join([*seen, e.name]), code="E0176")
                p.entities[i] = attrs.evolve(e, parent=None, key=None)
                break
            if x.name in seen:
                break
            seen.append(x.name)


# ---- aggregates over the parts of a record ------------------------------------------------


def is_child_aggregate(p: EntityPlan, n: ast.Call) -> bool:
    return (n.func in CHILD_AGGREGATES and bool(n.args) and isinstance(n.args[0], ast.Name)
            and n.args[0].name in p.by_word)


def unknown_entity(checker: TypeChecker, p: EntityPlan, n: ast.Call) -> bool:
    """`count(grups)`: a name that is no fact, definition or set where an entity may stand.
    Reports it and returns True."""
    if n.func not in CHILD_AGGREGATES or not n.args or not isinstance(n.args[0], ast.Name):
        return False
    name = n.args[0]
    if name.name in checker.declared or (n.func in ("min", "max", "sum", "share") and len(n.args) == 1):
        return False
    if n.func in ("min", "max") and len(n.args) != 2:
        return False
    guess = nearest(name.name, list(p.by_word))
    if n.func == "count" and len(n.args) == 1 and guess is None:
        return False  # `count(flag)` of a target: an unknown name, reported as such
    checker.error(name.span, f"unknown entity `{name.name}`", code="E0177",
                  help=f"did you mean `{guess}`?" if guess else
                  "entities: " + ", ".join(f"`{e.plural}`" for e in p.entities))
    return True


def child_aggregate(checker: TypeChecker, p: EntityPlan, n: ast.Call, ctx, inner, type_name) -> ir.Expr | None:
    """`inner` is the checking context of the argument; `type_name` names a type in a message."""
    child = p.get(n.args[0].name)  # type: ignore[union-attr]
    lo, hi = CHILD_AGGREGATES[n.func]
    rest = n.args[1:]
    if child.parent is None:
        checker.error(n.args[0].span, f"`{n.args[0].name}` is not a part of another entity, so "  # type: ignore[union-attr]
                      f"a record has no {child.plural} to aggregate", code="E0178",
                      help=_parts_help(p))
        return None
    if getattr(ctx, "child", None) is not None:
        checker.error(n.span, f"`{n.func}({n.args[0].name}, ...)` cannot be nested inside another "  # type: ignore[union-attr]
                      "aggregate over parts", code="E0179")
        return None
    if ctx.target and not ctx.in_agg:
        checker.error(n.span, f"a target measures the population; `{checker.text(n.span)}` is a "
                      f"measure of each {child.parent}", code="E0145",
                      help=f"use it inside `share(...)` or `sum(...)`, or in a rule about {child.parent}s")
        return None
    if not lo <= len(rest) <= hi:
        form = f"`{n.func}({child.plural})` or `{n.func}({child.plural}, CONDITION)`" if n.func == "count" \
            else f"`{n.func}({child.plural}, {'VALUE' if n.func in ('sum', 'min', 'max') else 'CONDITION'})`"
        checker.error(n.span, f"write {form}", code="E0231")
        return None
    arg = None
    if rest:
        inner.child = child.name
        arg = checker.expr(rest[0], inner)
        if arg is None:
            return None
        allowed = {child.name, child.parent}
        for x in ir.walk(arg):
            if isinstance(x, ir.Fact) and p.owner.get(x.name, child.name) not in allowed:
                checker.error(x.span, f"`{x.name}` is a fact of `{p.owner[x.name]}`, not of "
                              f"`{child.name}` or its `{child.parent}`", code="E0180",
                              help=f"inside `{n.func}({child.plural}, ...)` use facts of each "
                                   f"{child.name} and of its {child.parent}")
                return None
    if n.func in ("count", "all", "any", "share"):
        if arg is not None:
            arg = checker.expect_bool(arg, rest[0], f"the condition of `{n.func}`")
            if arg is None:
                return None
        typ: ir.Type = {"count": COUNT, "share": PERCENT}.get(n.func, ir.BOOL)
    else:
        assert arg is not None
        if not isinstance(arg.type, ir.Num):
            checker.error(rest[0].span, f"`{n.func}` needs numbers, but this is {type_name(arg.type)}",
                          code="E0232")
            return None
        typ = arg.type
    return ir.ChildAgg(n.func, child.name, arg, typ, n.span, checker.text(n.span))


def _parts_help(p: EntityPlan) -> str:
    parts = [e for e in p.entities if e.parent is not None]
    if not parts:
        return "declare a part with `entity group, groups part of committee by committee_id`"
    e = parts[0]
    return f"aggregate over the parts of a record, e.g. `count({e.plural})` in a rule about {e.parent}s"


def entity_name_used(checker: TypeChecker, p: EntityPlan, n: ast.Name) -> bool:
    """An entity named where a value is expected; reports it and returns True."""
    e = p.by_word.get(n.name)
    if e is None:
        return False
    checker.error(n.span, f"`{n.name}` is a kind of record, not a value", code="E0181",
                  help=f"measure its records: `count({e.plural})`, `sum({e.plural}, FACT)`"
                  if e.parent is not None else "name one of its facts")
    return True


def is_key(p: EntityPlan, fact: str) -> bool:
    """Whether `fact` is the key by which a part names its parent: `for each` of it groups
    the parts by parent, every parent record a group."""
    return any(e.key == fact for e in p.entities)


# ---- the entity each rule judges --------------------------------------------------------


def assign(checker: TypeChecker, p: EntityPlan, d: ast.RuleDecl, rule: ir.Rule) -> ir.Rule | None:
    """`rule` with the entity it judges; None (and an error) when it mixes entities."""
    found: dict[str, ir.Expr] = {}  # entity -> the first expression that makes the rule its own
    why: dict[str, str] = {}
    exprs = [x for x in (rule.scope, rule.condition) if x is not None]
    for e in exprs:
        for x in ir.walk_own(e):
            if isinstance(x, ir.Fact) and x.name in p.owner:
                ent = p.owner[x.name]
                if ent not in found:
                    found[ent], why[ent] = x, f"`{x.name}` is a fact of each {ent}"
            elif isinstance(x, ir.ChildAgg):
                ent = p.get(x.entity).parent
                assert ent is not None
                if ent not in found:
                    found[ent], why[ent] = x, f"`{x.text}` measures the {x.entity}s of each {ent}"
    if d.entity is not None:
        stated = p.by_word.get(d.entity.name)
        if stated is None:
            guess = nearest(d.entity.name, list(p.by_word))
            checker.error(d.entity.span, f"unknown entity `{d.entity.name}`", code="E0177",
                          help=f"did you mean `{guess}`?" if guess else
                          "entities: " + ", ".join(f"`{e.plural}`" for e in p.entities))
            return None
        if stated.name not in found:
            found = {stated.name: d.entity, **found}
            why = {stated.name: f"stated: `{checker.text(d.entity.span)}`", **why}
    if rule.group is not None and rule.group.fact in p.owner:
        ent = p.owner[rule.group.fact]
        if ent not in found:
            found[ent] = rule.condition
            why[ent] = f"`for each {rule.group.fact}` groups {ent}s"
    if len(found) > 1:
        (a, xa), (b, xb) = list(found.items())[:2]
        kind = "target" if rule.is_target else "rule"
        message = (f"{kind} `{rule.name}` judges each {a} (stated), but {why[b]}" if d.entity is not None
                   else f"{kind} `{rule.name}` mixes facts of `{a}` and `{b}`")
        checker.error(xb.span, message, code="E0182", labels=(Label(xa.span, why[a]),),
                      help=_mix_help(p, a, b))
        return None
    entity = next(iter(found), p.root.name)
    return attrs.evolve(rule, entity=entity)


def stated_single(checker: TypeChecker, d: ast.RuleDecl) -> bool:
    """`on NAME` in a policy with one entity: it must name that entity. Reports it if not."""
    assert d.entity is not None
    declared = [e for e in checker.module.decls if isinstance(e, ast.EntityDecl)][:1]
    words = [w for e in declared for w in (e.name, e.plural or e.name + "s")] or ["record", "records"]
    if d.entity.name in words:
        return True
    checker.error(d.entity.span, f"unknown entity `{d.entity.name}`", code="E0177",
                  help=f"the policy judges one entity, `{words[0]}`")
    return False


def _mix_help(p: EntityPlan, a: str, b: str) -> str:
    ea, eb = p.get(a), p.get(b)
    if eb.parent == a:
        ea, eb = eb, ea
    if ea.parent == eb.name:
        return (f"a rule judges one kind of record; in a rule about {eb.plural}, measure their "
                f"{ea.plural}: `all({ea.plural}, CONDITION)`, `min({ea.plural}, FACT)`, `count({ea.plural})`")
    return "a rule judges one kind of record: split it into a rule per entity"
