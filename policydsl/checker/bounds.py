"""Bounds a module must keep before the checker walks it: declarations, set sizes, the
period's length, and the depth and size of every expression once its definitions are
inlined as the checker inlines them (`let b = a + a` doubles at each step). The numbers
are the settings of `limits.py`."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from ..core.diagnostics import ERROR, Diagnostic
from ..core.limits import current as current_limits
from ..core.limits import help_text as limits_help
from ..core.source import Source


def check_limits(module: object, source: Source) -> list[Diagnostic]:
    """Diagnostics for a module (`ast.Module`) over the declaration limit, or with an
    expression that, once its definitions are inlined as the checker does, nests too
    deep or grows too large (`let b = a + a` doubles at each step). Runs before the
    checker so the checker and everything after it never see such a policy."""
    from ..core import ast

    limits = current_limits()
    decls = getattr(module, "decls", ())
    if len(decls) > limits.declarations:
        span = getattr(decls[limits.declarations], "span", None)
        return [Diagnostic("E0022", ERROR,
                           f"policy has {len(decls)} declarations; the limit is {limits.declarations}",
                           span, source, help=limits_help("declarations"))]
    out = [Diagnostic("E0023", ERROR, f"set has {len(s.values)} values; the limit is {limits.set_members}",
                      s.span, source, help=limits_help("set_members"))
           for s in _set_literals(decls) if len(s.values) > limits.set_members]
    for d in decls:
        period = getattr(d, "period", None) if isinstance(d, ast.PolicyDecl) else None
        if period and None not in period and period[1] - period[0] + 1 > limits.period_years:
            out.append(Diagnostic("E0024", ERROR, f"period {period[0]} to {period[1]} spans "
                                  f"{period[1] - period[0] + 1} years; the limit is {limits.period_years}",
                                  d.span, source, help=limits_help("period_years")))
    lets = {d.name: d for d in decls if isinstance(d, ast.LetDecl)}
    measures = _let_measures(lets)
    for d in decls:
        depth, size = measures[d.name] if isinstance(d, ast.LetDecl) else _measure_decl(d, measures)
        if depth > limits.depth:
            out.append(Diagnostic("E0020", ERROR,
                                  f"an expression of `{_name(d)}` nests {depth} levels deep "
                                  f"(definitions inlined); the limit is {limits.depth}",
                                  d.span, source, help=limits_help("depth")))
        elif size > limits.expression_nodes:
            out.append(Diagnostic("E0021", ERROR,
                                  f"an expression of `{_name(d)}` has {_count(size)} terms "
                                  f"(definitions inlined); the limit is {limits.expression_nodes}",
                                  d.span, source, help=limits_help("expression_nodes")))
    return out


def _set_literals(decls: tuple) -> Iterator[object]:
    from ..core.ast import SetLiteral

    stack = list(decls)
    while stack:
        n = stack.pop()
        if isinstance(n, SetLiteral):
            yield n
        else:
            stack.extend(_children(n))


def _name(decl: object) -> str:
    return str(getattr(decl, "name", None) or type(decl).__name__.removesuffix("Decl").lower())


def _count(size: int) -> str:
    return f"{size:,}" if size < 10**15 else "more than 10^15"


def _children(node: object) -> Iterator[object]:
    for name in _child_fields(type(node)) or ():
        value = getattr(node, name)
        if isinstance(value, tuple):
            yield from (v for v in value if _child_fields(type(v)) is not None)
        elif _child_fields(type(value)) is not None:
            yield value


_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _child_fields(cls: type) -> tuple[str, ...] | None:
    """The fields of an AST node class that may hold nodes (None: not a node, such as a
    string or a number); looked up once per class, since the walk visits every node of
    policies at the size limits."""
    if cls not in _FIELDS:
        _FIELDS[cls] = tuple(f.name for f in attrs.fields(cls) if f.name != "span") if attrs.has(cls) else None
    return _FIELDS[cls]


def _references(node: object, names: dict) -> set[str]:
    """Names of definitions `node` refers to, found without recursion."""
    from ..core.ast import Name

    found, stack = set(), [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Name) and n.name in names:
            found.add(n.name)
        stack.extend(_children(n))
    return found


def _measure_decl(decl: object, lets: dict[str, tuple[int, int]]) -> tuple[int, int]:
    """The deepest and the largest expression of a declaration, its own wrapping
    (the declaration, its requirement) not counted."""
    from ..core.ast import Requirement

    depth = size = 0
    for child in _children(decl):
        d, s = _measure(child.condition if isinstance(child, Requirement) else child, lets)
        depth, size = max(depth, d), max(size, s)
    return depth, size


def _measure(node: object, lets: dict[str, tuple[int, int]]) -> tuple[int, int]:
    """(depth, node count) of `node` with every definition it names replaced by its
    own measure; post-order without recursion."""
    from ..core.ast import Name

    result: dict[int, tuple[int, int]] = {}
    stack: list[tuple[object, bool]] = [(node, False)]
    while stack:
        n, done = stack.pop()
        if isinstance(n, Name) and n.name in lets:
            result[id(n)] = lets[n.name]
            continue
        kids = list(_children(n))
        if not done:
            stack.append((n, True))
            stack.extend((k, False) for k in kids)
            continue
        depth = 1 + max((result[id(k)][0] for k in kids), default=0)
        size = 1 + sum(result[id(k)][1] for k in kids)
        result[id(n)] = (depth, size)
    return result[id(node)]


def _let_measures(lets: dict) -> dict[str, tuple[int, int]]:
    """The inlined measure of every definition, in dependency order without recursion;
    a definition on a cycle (reported by the checker) counts as a single term."""
    refs = {name: _references(d.value, lets) for name, d in lets.items()}
    measures: dict[str, tuple[int, int]] = {}
    visiting: set[str] = set()
    for root in lets:
        stack = [root]
        while stack:
            name = stack[-1]
            if name in measures:
                stack.pop()
                continue
            pending = [r for r in refs[name] if r not in measures and r not in visiting]
            if pending and name not in visiting:
                visiting.add(name)
                stack.extend(pending)
                continue
            stack.pop()
            visiting.discard(name)
            known = {r: measures.get(r, (1, 1)) for r in refs[name]}
            measures[name] = _measure(lets[name].value, known)
    return measures
