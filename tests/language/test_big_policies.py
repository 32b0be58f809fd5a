"""Big policies: the analysis budget shrinks with the size of the policy and the
analysis says what it skipped; the limit walk and in-force test stay linear."""

from __future__ import annotations

from pathlib import Path

import lark

import policydsl
from policydsl.analysis import checks
from policydsl.syntax import parse


def test_the_analysis_budget_never_grows_with_the_size_of_the_policy():
    sizes = [1, 81, 300, 301, 600, 3_000, 10_000, 200_000]
    budgets = [checks.budget_s(n) for n in sizes]
    assert budgets[:3] == [checks.TOTAL_BUDGET_S] * 3
    assert all(a >= b for a, b in zip(budgets, budgets[1:], strict=False))
    assert budgets[-1] == checks.MIN_BUDGET_S
    assert checks.budget_s(600) == checks.TOTAL_BUDGET_S / 2


def test_running_out_of_a_scaled_budget_says_so(monkeypatch):
    monkeypatch.setattr(checks, "MIN_BUDGET_S", 0)
    monkeypatch.setattr(checks, "SMALL_POLICY_RULE_YEARS", 0)
    monkeypatch.setattr(checks, "TOTAL_BUDGET_S", 0.000001)
    rules = "\n".join(f"rule r{i} clause C{i}\n  must staff >= {i} person" for i in range(30))
    policy = policydsl.loads(f"policy p\n  period 2023 to 2025\nfact staff: integer person >= 0\n{rules}\n",
                             "p.pol")
    (note,) = [f for f in checks.findings(policy.ir) if f.code == "A0002"]
    assert "did not finish" in note.message


def test_a_scaled_budget_is_named_in_the_note(monkeypatch):
    monkeypatch.setattr(checks, "SMALL_POLICY_RULE_YEARS", 1)
    monkeypatch.setattr(checks, "MIN_BUDGET_S", 0)
    monkeypatch.setattr(checks, "TOTAL_BUDGET_S", 0.00001)
    policy = policydsl.loads("policy p\n  period 2023 to 2025\nfact staff: integer person >= 0\n"
                             "rule a clause C1\n  must staff >= 1 person\nrule b clause C2\n"
                             "  must staff <= 0 person\n", "p.pol")
    (note,) = [f for f in checks.findings(policy.ir) if f.code == "A0002"]
    assert "(the budget of a policy of 2 rules over 3 years)" in note.message


ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted({*ROOT.glob("tests/**/*.pol"), *ROOT.glob("examples/**/*.pol")})


def _spans(tree) -> list[tuple[str, int | None, int | None]]:
    out, stack = [], [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, lark.Tree):
            meta = node.meta
            out.append((node.data, None if meta.empty else meta.start_pos, None if meta.empty else meta.end_pos))
            stack.extend(node.children)
    return out


def test_every_tree_node_of_every_shipped_policy_has_the_span_lark_itself_would_give():
    ours = parse.parser()
    larks = lark.Lark(parse.grammar_text(), parser="lalr", lexer="contextual", propagate_positions=True,
                      maybe_placeholders=True)
    compared = 0
    for path in SHIPPED:
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            want = larks.parse(text)
        except lark.exceptions.LarkError:
            continue  # a policy written to be refused
        assert _spans(ours.parse(text)) == _spans(want), path
        compared += 1
    assert compared > 50

