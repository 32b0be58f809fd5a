"""A semantic hash of a checked policy.

It covers every field that takes part in equality (so spans, source text,
comments and display names are out) and sorts rules, targets and facts by
name, so formatting and declaration order never change it.
"""

from __future__ import annotations

import hashlib
from fractions import Fraction

import attrs

from . import ir


def canonical(value: object) -> str:
    """A deterministic text form of IR values; the input to the fingerprint."""
    out: list[str] = []
    stack: list[object] = [value]
    while stack:  # iterative: deep expressions never hit the recursion limit
        x = stack.pop()
        if isinstance(x, _Lit):
            out.append(x.text)
        elif attrs.has(type(x)):
            fields = [f for f in attrs.fields(type(x)) if f.eq]
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
            out.append(f"{x.numerator}/{x.denominator} ")
        else:
            out.append(repr(x) + " ")
    return "".join(out)


class _Lit:
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def fingerprint(policy: ir.Policy) -> str:
    ordered = attrs.evolve(
        policy,
        facts=tuple(sorted(policy.facts, key=lambda f: f.name)),
        rules=tuple(sorted(policy.rules, key=lambda r: r.name)),
        targets=tuple(sorted(policy.targets, key=lambda r: r.name)),
        notes=tuple(sorted(policy.notes, key=lambda n: (n.section or "", n.text))),
    )
    digest = hashlib.sha256(canonical(ordered).encode("utf-8")).hexdigest()
    return "sha256:" + digest[:32]
