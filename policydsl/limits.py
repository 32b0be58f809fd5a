"""Bounds on what one policy or data file may ask of the tool.

A policy comes from a drafter's keyboard or a stranger's pull request, a data file
from any office's spreadsheet: neither may make the tool crash, hang or exhaust
memory. Every limit is far above what a real plan needs, gives a diagnostic with a
location when it is exceeded, and can be raised:

- with an environment variable, `POLICYDSL_MAX_<NAME>` (e.g. `POLICYDSL_MAX_DEPTH=200`),
  which every command and the Python API read;
- in Python, with `with limits.using(Limits(depth=200)): ...`.

| limit              | default    | what it bounds                                            |
|--------------------|------------|-----------------------------------------------------------|
| `policy_bytes`     | 500,000    | size of a policy file                                     |
| `depth`            | 100        | nesting of an expression, definitions (`let`) inlined     |
| `expression_nodes` | 20,000     | size of one rule's expression, definitions inlined        |
| `declarations`     | 2,000      | declarations (facts, rules, targets, ...) in one policy   |
| `digits`           | 40         | digits of a number written in a policy                    |
| `period_years`     | 100        | years in the policy's period (each is analysed)           |
| `set_members`      | 10,000     | values in one set, hence groups of one `for each` target  |
| `field_chars`      | 131,072    | characters in one CSV field (a longer one is a row error) |

Python's own recursion limit (1000 frames) is what `depth` protects: the lowering,
the checker and the evaluators walk expressions recursively, a few frames per level.
`policy_bytes` and `declarations` keep parsing within a few seconds (the parser reads
about 200 KB a second); a real plan is a few dozen declarations and 20 KB.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import attrs

from .diagnostics import ERROR, Diagnostic
from .source import Source, Span

ENV_PREFIX = "POLICYDSL_MAX_"


@attrs.frozen
class Limits:
    """The bounds in force; every field is a positive whole number."""

    policy_bytes: int = 500_000
    depth: int = 100
    expression_nodes: int = 20_000
    declarations: int = 2_000
    digits: int = 40
    period_years: int = 100
    set_members: int = 10_000
    field_chars: int = 131_072


DEFAULTS = Limits()
_override: Limits | None = None
_warned: set[str] = set()


def current() -> Limits:
    """The limits in force: those set with `using`, else the defaults changed by
    `POLICYDSL_MAX_<NAME>` environment variables."""
    if _override is not None:
        return _override
    changes = {}
    for field in attrs.fields(Limits):
        raw = os.environ.get(ENV_PREFIX + field.name.upper())
        if raw is None:
            continue
        value = _positive(raw)
        if value is None:
            _warn_once(f"{ENV_PREFIX}{field.name.upper()}={raw!r} is ignored: "
                       "it must be a positive whole number")
        else:
            changes[field.name] = value
    return attrs.evolve(DEFAULTS, **changes) if changes else DEFAULTS


@contextlib.contextmanager
def using(limits: Limits) -> Iterator[Limits]:
    """Use `limits` instead of the environment's within a `with` block."""
    global _override
    saved, _override = _override, limits
    try:
        yield limits
    finally:
        _override = saved


def _positive(raw: str) -> int | None:
    text = raw.strip().replace("_", "")
    if not text.isascii() or not text.isdigit() or len(text) > 18 or int(text) == 0:
        return None
    return int(text)


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        print(f"policydsl: warning: {message}", file=sys.stderr)


def _help(name: str) -> str:
    return f"simplify the policy, or raise the limit with {ENV_PREFIX}{name.upper()}"


# ---- the parse tree ---------------------------------------------------------------


def check_tree_depth(tree: object, source: Source) -> Diagnostic | None:
    """A diagnostic if the parse tree nests deeper than the limit, before anything
    walks it recursively. Works on any tree of nodes with `children` (lark's trees),
    iteratively, and points at the declaration that holds the deepest part."""
    limit = current().depth
    # Lark nests about one tree level per expression level (parentheses are flat);
    # the margin leaves the exact count, with names, to `check_module`.
    tree_limit = 2 * limit + 10
    for decl in getattr(tree, "children", ()):
        stack = [(decl, 1)]
        while stack:
            node, depth = stack.pop()
            children = getattr(node, "children", None)
            if not children:
                continue
            if depth > tree_limit:
                return Diagnostic("E0020", ERROR, f"an expression nests more than {limit} levels deep",
                                  _node_span(decl), source, help=_help("depth"))
            stack.extend((c, depth + 1) for c in children if c is not None)
    return None


def _node_span(node: object) -> Span | None:
    meta = getattr(node, "meta", None)
    start = getattr(meta, "start_pos", None) if meta is not None and not getattr(meta, "empty", True) else None
    if start is None:
        return None
    return Span(start, getattr(meta, "end_pos", start) or start)


# ---- the AST, definitions inlined -------------------------------------------------


def check_module(module: object, source: Source) -> list[Diagnostic]:
    """Diagnostics for a module (`ast.Module`) over the declaration limit, or with an
    expression that, once its definitions are inlined as the checker does, nests too
    deep or grows too large (`let b = a + a` doubles at each step). Runs before the
    checker so the checker and everything after it never see such a policy."""
    from . import ast

    limits = current()
    decls = getattr(module, "decls", ())
    if len(decls) > limits.declarations:
        span = getattr(decls[limits.declarations], "span", None)
        return [Diagnostic("E0022", ERROR,
                           f"policy has {len(decls)} declarations; the limit is {limits.declarations}",
                           span, source, help=_help("declarations"))]
    out = [Diagnostic("E0023", ERROR, f"set has {len(s.values)} values; the limit is {limits.set_members}",
                      s.span, source, help=_help("set_members"))
           for s in _set_literals(decls) if len(s.values) > limits.set_members]
    for d in decls:
        period = getattr(d, "period", None) if isinstance(d, ast.PolicyDecl) else None
        if period and None not in period and period[1] - period[0] + 1 > limits.period_years:
            out.append(Diagnostic("E0024", ERROR, f"period {period[0]} to {period[1]} spans "
                                  f"{period[1] - period[0] + 1} years; the limit is {limits.period_years}",
                                  d.span, source, help=_help("period_years")))
    lets = {d.name: d for d in decls if isinstance(d, ast.LetDecl)}
    measures = _let_measures(lets)
    for d in decls:
        depth, size = measures[d.name] if isinstance(d, ast.LetDecl) else _measure_decl(d, measures)
        if depth > limits.depth:
            out.append(Diagnostic("E0020", ERROR,
                                  f"an expression of `{_name(d)}` nests {depth} levels deep "
                                  f"(definitions inlined); the limit is {limits.depth}",
                                  d.span, source, help=_help("depth")))
        elif size > limits.expression_nodes:
            out.append(Diagnostic("E0021", ERROR,
                                  f"an expression of `{_name(d)}` has {_count(size)} terms "
                                  f"(definitions inlined); the limit is {limits.expression_nodes}",
                                  d.span, source, help=_help("expression_nodes")))
    return out


def _set_literals(decls: tuple) -> Iterator[object]:
    from .ast import SetLiteral

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


_FIELDS: dict[type, tuple[str, ...] | None] = {}  # per class: its fields but `span`; None: not a node


def _fields(cls: type) -> tuple[str, ...] | None:
    # Looked up once per class: a 500 KB policy has a few hundred thousand nodes.
    try:
        return _FIELDS[cls]
    except KeyError:
        names = tuple(f.name for f in attrs.fields(cls) if f.name != "span") if attrs.has(cls) else None
        _FIELDS[cls] = names
        return names


def _children(node: object) -> Iterator[object]:
    names = _fields(type(node))
    if names is None:
        return
    for name in names:
        value = getattr(node, name)
        if isinstance(value, tuple):
            yield from (v for v in value if _fields(type(v)) is not None)
        elif _fields(type(value)) is not None:
            yield value


def _references(node: object, names: dict) -> set[str]:
    """Names of definitions `node` refers to, found without recursion."""
    from .ast import Name

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
    from .ast import Requirement

    depth = size = 0
    for child in _children(decl):
        d, s = _measure(child.condition if isinstance(child, Requirement) else child, lets)
        depth, size = max(depth, d), max(size, s)
    return depth, size


def _measure(node: object, lets: dict[str, tuple[int, int]]) -> tuple[int, int]:
    """(depth, node count) of `node` with every definition it names replaced by its
    own measure; post-order without recursion."""
    from .ast import Name

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
