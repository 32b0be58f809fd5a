"""A semantic hash of a checked policy.

It covers every field that takes part in equality (so spans, source text,
comments and display unit names are out) and puts everything whose order
carries no meaning in a canonical order: rules, targets, facts and notes by
content, set values, clause ids and fact constraints sorted, `a <= b` written
as `b >= a`. Formatting, comments, declaration order, keyword language
(`must` / `必须`) and unit spelling (`1万元` / `10000 yuan`) never change it;
any change to a threshold, operator, unit factor, year, scope, modality, fact
type or citation does.
"""

from __future__ import annotations

import hashlib
from fractions import Fraction

import attrs

from . import ir
from .eval.values import int_text


def canonical(value: object, year: int | None = None) -> str:
    """A deterministic text form of IR values; the input to the fingerprint.

    With `year`, each schedule is replaced by its entry for that year (or a
    not-in-force marker), giving the requirement as it stands in that year.
    """
    out: list[str] = []
    stack: list[object] = [value]
    while stack:  # iterative: deep expressions never hit the recursion limit
        x = stack.pop()
        if isinstance(x, _Lit):
            out.append(x.text)
        elif year is not None and isinstance(x, ir.Sched):
            chosen = ir.schedule_entry(x, year)
            stack.append(_Lit("(NotInForce)") if chosen is None else chosen)
        elif attrs.has(type(x)):
            x = _normal(x)
            fields = [f for f in attrs.fields(type(x)) if f.eq and not _omitted(f, x)]
            stack.append(_Lit(")"))
            for f in reversed(fields):
                stack.append(getattr(x, f.name))
                stack.append(_Lit(f" {f.name}="))
            out.append("(" + type(x).__name__)
        elif isinstance(x, tuple | list):
            stack.append(_Lit("]"))
            stack.extend(reversed(x))
            out.append("[")
        elif isinstance(x, Fraction):
            out.append(f"{int_text(x.numerator)}/{int_text(x.denominator)} ")
        elif isinstance(x, int) and not isinstance(x, bool):
            out.append(f"{int_text(x)} ")  # enum ordinals and years; a Fraction is always written p/q
        else:
            out.append(repr(x) + " ")
    return "".join(out)


def _omitted(field: attrs.Attribute, x: object) -> bool:
    """A field added to the IR later is left out while it holds its default, so adding it
    does not change the fingerprint of any policy that does not use it."""
    return field.metadata.get("fingerprint") == "omit_default" and getattr(x, field.name) == field.default


def _normal(x: object) -> object:
    """The same node with order-free parts in a fixed order."""
    if isinstance(x, ir.Cmp) and ir.COMPARATORS[x.op].bound == "upper":
        return attrs.evolve(x, op=ir.COMPARATORS[x.op].flipped, left=x.right, right=x.left)
    if isinstance(x, ir.Member):
        return attrs.evolve(x, values=_sorted(x.values))
    if isinstance(x, ir.FactDef):
        allowed = _sorted(x.allowed) if x.allowed is not None else None
        return attrs.evolve(x, allowed=allowed, constraints=tuple(sorted(x.constraints, key=canonical)))
    if isinstance(x, ir.Group) and x.values is not None:  # None: each parent record, a part's key
        return attrs.evolve(x, values=_sorted(x.values))
    if isinstance(x, ir.Rule | ir.Note):
        return attrs.evolve(x, clauses=tuple(sorted(set(x.clauses))))
    if isinstance(x, ir.Policy):
        return attrs.evolve(
            x,
            facts=tuple(sorted(x.facts, key=lambda f: f.name)),
            rules=tuple(sorted(x.rules, key=lambda r: r.name)),
            targets=tuple(sorted(x.targets, key=lambda r: r.name)),
            notes=tuple(sorted(x.notes, key=canonical)),
            entities=tuple(sorted(x.entities, key=lambda e: e.name)),
        )
    if isinstance(x, ir.Entity):
        return attrs.evolve(x, facts=tuple(sorted(x.facts)))
    return x


def _sorted(values: tuple[object, ...]) -> tuple[object, ...]:
    return tuple(sorted(set(values), key=lambda v: (type(v).__name__, canonical(v))))


class _Lit:
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def fingerprint(policy: ir.Policy) -> str:
    """`sha256:` and 32 hex digits of the canonical form of the checked policy."""
    digest = hashlib.sha256(canonical(policy).encode("utf-8")).hexdigest()
    return "sha256:" + digest[:32]
