"""Each consumer of the AST or the IR picks the code for a node the same way, by the method
named after the node's class (`_` and the class name; a further prefix where a class is
dispatched two ways, as the solver's `_bool_` / `_num_`), except the reference interpreter,
which keeps a table of functions by class (`reference._EVAL`, for speed; docs/design.md).
Each covers every node of its kind, except where a node is handed elsewhere on purpose, as
listed here with the reason:

- the IR's evaluators (the reference, the SQL, Python and solver compilers) cover every IR
  expression node;
- the AST's consumers (the checker's typing of expressions, fmt's printer) cover every AST
  expression node, and fmt every declaration; `ast.Expr` is held to name every expression
  node the lowering builds;
- no handler is left naming a class that is not a node (a renamed node, a misspelling)."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import attrs
import pytest

from policydsl import loader
from policydsl.analysis import smt
from policydsl.checker import typecheck
from policydsl.core import ast, ir
from policydsl.documents import fmt
from policydsl.eval import codegen, explain, reference, sqlgen

ROOT = Path(__file__).resolve().parents[2]

NODES = typing.get_args(ir.Expr)
AST_NODES = typing.get_args(ast.Expr)
AST_DECLS = typing.get_args(ast.Decl)

# ---- the IR ----------------------------------------------------------------------------

# A node an evaluator has no handler for, and where such an expression goes instead.
HANDED_ELSEWHERE = {
    ("smt", "DateShift"): "dated rules are left out of the analysis (note A0004)",
    ("smt", "EvalDate"): "dated rules are left out of the analysis (note A0004)",
}


def _handles(evaluator: str, node: type) -> bool:
    name = node.__name__
    if evaluator == "reference":
        return node in reference._EVAL
    if evaluator == "sqlgen":
        return hasattr(sqlgen.ExprCompiler, f"_{name}")
    if evaluator == "codegen":
        return all(hasattr(gen, f"_{name}") for gen in (codegen.ExprGen, codegen.RationalGen))
    return hasattr(smt.Encoding, f"_bool_{name}") or hasattr(smt.Encoding, f"_num_{name}")


def test_the_ir_has_the_expression_nodes_this_test_knows() -> None:
    assert len(NODES) == 18 and ir.Cmp in NODES and ir.ChildAgg in NODES


@pytest.mark.parametrize("evaluator", ["reference", "sqlgen", "codegen", "smt"])
def test_every_expression_node_has_a_handler_in_every_evaluator_or_a_stated_reason(evaluator: str) -> None:
    missing = {n.__name__ for n in NODES if not _handles(evaluator, n)}
    expected = {name for (who, name) in HANDED_ELSEWHERE if who == evaluator}
    assert missing == expected


def test_the_reference_table_holds_only_node_classes() -> None:
    assert set(reference._EVAL) <= set(NODES)


# ---- the AST ---------------------------------------------------------------------------

# The AST's node classes that are neither expressions nor declarations: the parts of one.
AST_PARTS = {
    "ScheduleEntry": "one `year: value` of a schedule",
    "Bracket": "one bracket of a lookup",
    "UnitExpr": "the unit of a unit declaration or of a fact's type",
    "FactType": "the type of a fact declaration",
    "FactConstraint": "one constraint of a fact declaration",
    "ClauseRef": "a clause a rule or note cites",
    "Years": "the years a rule is in force",
    "InForce": "the days a rule is in force, in the place of its years",
    "Requirement": "a rule's modality and condition",
    "GroupBy": "a target's grouping",
    "Validity": "a policy's days in force, amendments and supersession",
    "Comment": "a comment, kept beside the module",
    "Module": "the whole file",
}

# An AST expression node a consumer has no handler for, and why: none so far (the checker's
# `_SetLiteral` reports that a set of values stands only after `in`).
AST_HANDED_ELSEWHERE: dict[tuple[str, str], str] = {}

AST_CONSUMERS = {"checker": typecheck.TypeChecker, "fmt": fmt._Printer}


def _ast_classes() -> set[str]:
    return {name for name, x in vars(ast).items()
            if isinstance(x, type) and attrs.has(x) and x.__module__ == ast.__name__}


def test_every_ast_node_class_is_an_expression_a_declaration_or_a_listed_part() -> None:
    exprs, decls = {c.__name__ for c in AST_NODES}, {c.__name__ for c in AST_DECLS}
    assert not exprs & decls and not (exprs | decls) & set(AST_PARTS)
    assert _ast_classes() == exprs | decls | set(AST_PARTS)


def _classes_in(hint: object) -> set[object]:
    args = typing.get_args(hint)
    return {hint} if not args else set().union(*(_classes_in(a) for a in args))


def _expression_fields(cls: type) -> list[str]:
    """The fields of an AST node class declared to hold an expression (or a tuple of them)."""
    hints = typing.get_type_hints(cls)
    return [f.name for f in attrs.fields(cls) if set(AST_NODES) <= _classes_in(hints[f.name])]


def test_every_node_the_lowering_puts_where_an_expression_goes_is_in_ast_expr() -> None:
    """Over every policy in the repository: a node class the lowering builds for an
    expression but `ast.Expr` leaves out would have no consumer held to it above."""
    fields = {cls: _expression_fields(cls) for cls in (getattr(ast, n) for n in _ast_classes())}
    seen: set[type] = set()
    files = sorted(ROOT.glob("**/*.pol"))
    assert len(files) > 100
    for path in files:
        source, _ = loader.read_stage(path)  # None: not readable as a policy (a test of that)
        stack: list[object] = [loader.parse(source)[0] if source is not None else None]
        while stack:
            x = stack.pop()
            if isinstance(x, tuple):
                stack.extend(x)
                continue
            if not attrs.has(type(x)):
                continue
            for name in fields[type(x)]:
                value = getattr(x, name)
                for e in value if isinstance(value, tuple) else (value,):
                    if e is not None:
                        assert isinstance(e, AST_NODES), f"{path.name}: {type(e).__name__} in {name}"
                        seen.add(type(e))
            stack.extend(getattr(x, f.name) for f in attrs.fields(type(x)) if f.name != "span")
    assert ast.DateLit in seen and ast.Periodic in seen and ast.Lookup in seen


@pytest.mark.parametrize("consumer", sorted(AST_CONSUMERS))
def test_every_ast_expression_node_has_a_handler_in_every_consumer_or_a_stated_reason(consumer: str) -> None:
    missing = {n.__name__ for n in AST_NODES if not hasattr(AST_CONSUMERS[consumer], f"_{n.__name__}")}
    expected = {name for (who, name) in AST_HANDED_ELSEWHERE if who == consumer}
    assert missing == expected


def test_fmt_prints_every_declaration() -> None:
    assert {d.__name__ for d in AST_DECLS if not hasattr(fmt._Printer, f"_{d.__name__}")} == set()


# ---- no stray handlers -------------------------------------------------------------------

# Each class that dispatches by class name, and the node classes it dispatches on.
DISPATCHERS = {
    sqlgen.ExprCompiler: NODES, codegen.ExprGen: NODES, codegen.RationalGen: NODES,
    smt.Encoding: NODES, explain._Explainer: NODES,
    typecheck.TypeChecker: AST_NODES, fmt._Printer: AST_NODES + AST_DECLS,
}
_HANDLER = re.compile(r"_(?:bool_|num_|n_)?([A-Z]\w*)")


@pytest.mark.parametrize("cls", list(DISPATCHERS), ids=lambda c: c.__name__)
def test_every_handler_is_named_after_a_node_class(cls: type) -> None:
    names = {c.__name__ for c in DISPATCHERS[cls]}
    handlers = {m.group(1) for m in map(_HANDLER.fullmatch, dir(cls)) if m}
    assert handlers and handlers <= names
