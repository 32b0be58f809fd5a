"""Each evaluator of the IR dispatches on the node's class the same way (a table of
functions by class in the reference interpreter; a method named after the class in the
SQL, Python and solver compilers), and each covers every kind of expression node, except
where the policy is handed elsewhere on purpose, as listed here with the reason."""

from __future__ import annotations

import typing

import pytest

from policydsl.analysis import smt
from policydsl.core import ir
from policydsl.eval import codegen, reference, sqlgen

NODES = typing.get_args(ir.Expr)

# A node an evaluator has no handler for, and where such an expression goes instead.
HANDED_ELSEWHERE = {
    ("codegen", "ChildAgg"): "a policy with several entities is judged by the reference or DuckDB",
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
