"""Text to checked policy: the front half of the pipeline, as an ordered table of stages.

`STAGES` lists them in order: read → parse → lower → limits → resolve → typecheck →
analyse. Each is a function from one form to the next (`path → Source → Parsed →
ast.Module → ast.Module → Resolved → ir.Policy → ir.Policy`) that also returns its
diagnostics; `run` applies them in order and stops after a stage that produced nothing
or an error, so a later stage never sees a form an earlier one refused. The one
exception is resolve, whose form is whole even with errors: typecheck still reports the
errors of every expression, and gives no policy. `policydsl.load` runs up to
`typecheck` (the analysis is lazy, on `Policy.warnings`); `policydsl.check` and
`policydsl check` run them all.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from .core.diagnostics import ERROR, WARNING, Diagnostic, PolicyError, has_errors
from .core.limits import current as current_limits
from .core.source import Source, Span

if TYPE_CHECKING:  # the stages import what they build: a cached policy needs neither
    from .checker.resolve import Resolved
    from .core import ast, ir


def read_source(path: str | os.PathLike[str]) -> Source:
    """Read a policy file; unreadable files raise PolicyError with a diagnostic."""
    name = str(path)
    limit = current_limits().policy_bytes
    if not name:  # Path("") is the current folder: say what was given, not "Is a directory"
        raise PolicyError([Diagnostic("E0010", ERROR, "cannot read ``: the file name is empty",
                                      None, Source("<empty name>", ""))])
    try:
        with Path(path).open("rb") as f:
            data = f.read(limit + 1)  # a byte past the limit is enough to refuse: /dev/zero never ends
            size = _regular_size(f) if len(data) > limit else len(data)
    except OSError as e:
        raise PolicyError([Diagnostic("E0010", ERROR, f"cannot read `{name}`: {e.strerror or e}",
                                      None, Source(name, ""))]) from None
    except ValueError:  # only a NUL byte, which no file name can hold (the API lets one through)
        raise PolicyError([Diagnostic("E0010", ERROR, f"cannot read `{name}`: a file name cannot hold a NUL byte",
                                      None, Source(name, ""))]) from None
    return decode_source(name, data, size)


def decode_source(name: str, data: bytes, size: int | None = None) -> Source:
    """A policy's bytes as a `Source`: refused past the size limit or when not UTF-8.
    `size` is the file's whole size when `data` may be only its first bytes (None: unknown)."""
    limit = current_limits().policy_bytes
    if len(data) > limit or (size or 0) > limit:
        what = f"{size} bytes" if size is not None and size > limit else f"more than {limit} bytes"
        raise PolicyError([Diagnostic("E0011", ERROR, f"policy file is {what}; the limit is {limit}",
                                      None, Source(name, ""), help="raise the limit with POLICYDSL_MAX_POLICY_BYTES")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        src = Source(name, data.decode("utf-8", errors="replace"))
        raise PolicyError([Diagnostic("E0012", ERROR, "policy file is not valid UTF-8", Span(e.start, e.start + 1),
                                      src, help="save the file as UTF-8")]) from None
    return Source(name, text)


def _regular_size(f) -> int | None:
    """The size of a regular file; None for a device or pipe, whose size says nothing."""
    st = os.fstat(f.fileno())
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def parse(source: Source) -> tuple[ast.Module | None, list[Diagnostic]]:
    """Parse and lower to the AST (the parse and lower stages)."""
    parsed, diagnostics = parse_stage(source)
    if parsed is None:
        return None, diagnostics
    module, more = lower_stage(parsed)
    return module, diagnostics + more


# ---- the stages ---------------------------------------------------------------------


@attrs.frozen
class Parsed:
    """The parse stage's output: lark's tree, with the comments the lowering attaches."""

    source: Source
    tree: object  # a lark.Tree; only syntax/ knows lark
    comments: tuple[object, ...]


def read_stage(path: str | os.PathLike[str]) -> tuple[Source | None, list[Diagnostic]]:
    """File → `Source` (UTF-8, size limit)."""
    try:
        return read_source(path), []
    except PolicyError as e:
        return None, list(e.diagnostics)


def parse_stage(source: Source) -> tuple[Parsed | None, list[Diagnostic]]:
    """`Source` → lark tree; syntax errors resume at the next declaration; depth guarded."""
    from .syntax.parse import parse_tree

    tree, diagnostics, comments = parse_tree(source)
    diagnostics = diagnostics + _bidi_warnings(source)
    if tree is None:
        return None, diagnostics
    return Parsed(source, tree, tuple(comments)), diagnostics


def lower_stage(parsed: Parsed) -> tuple[ast.Module | None, list[Diagnostic]]:
    """Lark tree → `ast.Module` (frozen attrs nodes with spans)."""
    from .syntax.lower import Lowerer

    lowerer = Lowerer(parsed.source)
    module = lowerer.module(parsed.tree, list(parsed.comments))
    return module, lowerer.diagnostics


def limits_stage(module: ast.Module, source: Source) -> tuple[ast.Module | None, list[Diagnostic]]:
    """Declarations, sets, period and inlined expressions within bounds, so the checker
    never recurses too deep."""
    from .checker.bounds import check_limits

    too_big = check_limits(module, source)
    return (None if too_big else module), too_big


def resolve_stage(module: ast.Module, source: Source) -> tuple[Resolved, list[Diagnostic]]:
    """`ast.Module` → `Resolved`: the declarations and what each name stands for. Its form
    is given even with errors, so the next stage reports those of every expression too."""
    from .checker.resolve import resolve

    return resolve(module, source)


def typecheck_stage(resolved: Resolved) -> tuple[ir.Policy | None, list[Diagnostic]]:
    """`Resolved` → `ir.Policy`: types and units checked, `let`s inlined, constants folded."""
    from .checker.typecheck import typecheck

    return typecheck(resolved)


def analyse_stage(policy: ir.Policy) -> tuple[ir.Policy, list[Diagnostic]]:
    """The consistency analysis: findings with replayed witnesses (loads the solver)."""
    from .analysis.checks import analyse

    return policy, analyse(policy)


@attrs.frozen
class Stage:
    name: str
    run: Callable[..., tuple[object | None, list[Diagnostic]]]
    needs_source: bool = False  # called as run(value, source)
    goes_on_after_errors: bool = False  # its form, even with errors, is for the next stage


STAGES: tuple[Stage, ...] = (
    Stage("read", read_stage),
    Stage("parse", parse_stage),
    Stage("lower", lower_stage),
    Stage("limits", limits_stage, needs_source=True),
    Stage("resolve", resolve_stage, needs_source=True, goes_on_after_errors=True),
    Stage("typecheck", typecheck_stage),
    Stage("analyse", analyse_stage),
)
STAGE_NAMES = tuple(s.name for s in STAGES)


def run(value: object, first: str = "read", last: str = "analyse",
        forms: dict[str, object] | None = None) -> tuple[object | None, list[Diagnostic]]:
    """Apply the stages from `first` to `last` to `value`: the form the last stage gave
    (None if a stage refused: gave nothing, or an error before the last stage) and the
    diagnostics of every stage that ran. `forms`, if given, receives each stage's form by
    stage name (the editor keeps the AST that hover and rename read)."""
    stages = STAGES[STAGE_NAMES.index(first):STAGE_NAMES.index(last) + 1]
    source = value if isinstance(value, Source) else None
    diagnostics: list[Diagnostic] = []
    for i, stage in enumerate(stages):
        value, more = stage.run(value, source) if stage.needs_source else stage.run(value)
        diagnostics += more
        if forms is not None:
            forms[stage.name] = value
        if isinstance(value, Source):
            source = value
        if value is None or (has_errors(more) and i < len(stages) - 1 and not stage.goes_on_after_errors):
            return None, diagnostics
    return value, diagnostics


def check_source(source: Source) -> tuple[ir.Policy | None, list[Diagnostic]]:
    """Every stage from parse to typecheck; diagnostics of every stage reached."""
    policy, diagnostics = run(source, "parse", "typecheck")
    return policy, diagnostics  # type: ignore[return-value]


def check_file(path: str | os.PathLike[str]) -> tuple[ir.Policy | None, list[Diagnostic]]:
    """Every stage, the consistency analysis included: what `policydsl check` reports.
    The checked policy is returned even when the analysis found errors."""
    policy, diagnostics = run(path)
    return policy, diagnostics  # type: ignore[return-value]


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _bidi_warnings(source: Source) -> list[Diagnostic]:
    """Bidirectional controls inside strings or comments can make a line display
    differently from how it parses ("Trojan Source"); a reviewer should see them."""
    return [Diagnostic("W0003", WARNING, f"invisible bidirectional control U+{ord(m.group()):04X}: "
                       "this line may read differently from how it is checked",
                       Span(m.start(), m.end()), source, help="remove it unless the text needs it")
            for m in _BIDI.finditer(source.text)]
