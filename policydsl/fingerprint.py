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

from .core import ir
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
        kind = type(x)
        if kind is _Lit:
            out.append(x.text)  # type: ignore[attr-defined]
        elif year is not None and kind is ir.Sched:
            chosen = ir.schedule_entry(x, year)  # type: ignore[arg-type]
            stack.append(_Lit("(NotInForce)") if chosen is None else chosen)
        elif kind in _LAYOUTS or attrs.has(kind):
            opening, fields = _layout(kind)
            normal = _normal(x)
            stack.append(_CLOSE)
            for name, label, default in fields:
                v = normal[name] if normal is not None and name in normal else getattr(x, name)
                if default is not _KEPT and v == default:
                    continue
                stack.append(v)
                stack.append(label)
            out.append(opening)
        elif kind is tuple or kind is list or isinstance(x, tuple | list):
            stack.append(_Lit("]"))
            stack.extend(reversed(x))  # type: ignore[call-overload]
            out.append("[")
        elif isinstance(x, Fraction):
            out.append(f"{int_text(x.numerator)}/{int_text(x.denominator)} ")
        elif isinstance(x, int) and not isinstance(x, bool):
            out.append(f"{int_text(x)} ")  # enum ordinals and years; a Fraction is always written p/q
        else:
            out.append(repr(x) + " ")
    return "".join(out)


_KEPT = object()  # a field written whatever it holds
_LAYOUTS: dict[type, tuple[str, tuple[tuple[str, object, object], ...]]] = {}


def _layout(cls: type) -> tuple[str, tuple[tuple[str, object, object], ...]]:
    """How a node of `cls` is written: its opening, and for each field taking part in
    equality, last first (the order the stack wants), its name, label and the default
    that leaves it out. Built once per class: a big policy has hundreds of thousands of nodes."""
    layout = _LAYOUTS.get(cls)
    if layout is None:
        fields = tuple((f.name, _Lit(f" {f.name}="), _omitted_default(f))
                       for f in reversed(attrs.fields(cls)) if f.eq)
        layout = _LAYOUTS[cls] = ("(" + cls.__name__, fields)
    return layout


def _omitted_default(field: attrs.Attribute) -> object:
    """A field added to the IR later is left out while it holds its default, so adding it
    does not change the fingerprint of any policy that does not use it."""
    return field.default if field.metadata.get("fingerprint") == "omit_default" else _KEPT


def _normal(x: object) -> dict[str, object] | None:
    """The fields of `x` whose order-free parts are put in a fixed order (None: none)."""
    if isinstance(x, ir.Cmp) and ir.COMPARATORS[x.op].bound == "upper":
        return {"op": ir.COMPARATORS[x.op].flipped, "left": x.right, "right": x.left}
    if isinstance(x, ir.Member):
        return {"values": _sorted(x.values)}
    if isinstance(x, ir.FactDef):
        allowed = _sorted(x.allowed) if x.allowed is not None else None
        return {"allowed": allowed, "constraints": tuple(sorted(x.constraints, key=canonical))}
    if isinstance(x, ir.Group) and x.values is not None:  # None: each parent record, a part's key
        return {"values": _sorted(x.values)}
    if isinstance(x, ir.Rule | ir.Note):
        return {"clauses": tuple(sorted(set(x.clauses)))}
    if isinstance(x, ir.Policy):
        return {
            "facts": tuple(sorted(x.facts, key=lambda f: f.name)),
            "rules": tuple(sorted(x.rules, key=lambda r: r.name)),
            "targets": tuple(sorted(x.targets, key=lambda r: r.name)),
            "notes": tuple(sorted(x.notes, key=canonical)),
            "entities": tuple(sorted(x.entities, key=lambda e: e.name)),
        }
    if isinstance(x, ir.Entity):
        return {"facts": tuple(sorted(x.facts))}
    return None


def _sorted(values: tuple[object, ...]) -> tuple[object, ...]:
    return tuple(sorted(set(values), key=lambda v: (type(v).__name__, canonical(v))))


class _Lit:
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


_CLOSE = _Lit(")")


def fingerprint(policy: ir.Policy) -> str:
    """`sha256:` and 32 hex digits of the canonical form of the checked policy."""
    digest = hashlib.sha256(canonical(policy).encode("utf-8")).hexdigest()
    return "sha256:" + digest[:32]
