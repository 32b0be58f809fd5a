"""`Policy.compile(year)`, `Policy.verdicts` and `Policy.evaluate_record`: prepared once,
the reference's results, explanations worked out only when read."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import policydsl
from policydsl.data.read import read_records
from policydsl.eval import compiled
from policydsl.eval.results import DeferredOutcome, Outcome, deferred_outcome

ROOT = Path(__file__).resolve().parents[2]
CHIFENG = ROOT / "policies" / "chifeng_2023.pol"
DATA = ROOT / "examples" / "chifeng_communities.csv"


@pytest.fixture(scope="module")
def chifeng():
    return policydsl.load(CHIFENG)


@pytest.fixture(scope="module")
def rows():
    return [dict(r.fields) for r in read_records(DATA)][:80]


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_evaluate_record_gives_the_reference_result_explanations_included(chifeng, rows, year) -> None:
    for row in rows:
        got = chifeng.evaluate_record(row, year)
        want = chifeng.evaluate_record(row, year, engine="reference")
        assert got == want
        assert [o.explanation for o in got.outcomes] == [o.explanation for o in want.outcomes]
        assert chifeng.verdicts(row, year) == tuple(o.outcome for o in want.outcomes)


def test_compile_is_done_once_per_year(chifeng, rows, monkeypatch) -> None:
    prepared = chifeng.compile(2024)
    assert chifeng.compile(2024) is prepared
    assert chifeng.compile(2025) is not prepared
    chifeng.evaluate_record(rows[0], 2024)

    def no_more_compiling(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(compiled.Program, "__init__", no_more_compiling)
    assert chifeng.evaluate_record(rows[1], 2024).outcomes
    assert chifeng.verdicts(rows[1], 2024)


def test_explanations_are_worked_out_only_when_read(rows, monkeypatch) -> None:
    policy = policydsl.load(CHIFENG)
    prepared = policy.compile(2024)
    calls: list[str] = []
    judge = compiled.judge_record
    monkeypatch.setattr(compiled, "judge_record", lambda rule, *a: calls.append(rule.name) or judge(rule, *a))
    result = prepared.evaluate(next(r for r in rows if "fail" in prepared.verdicts(r)))
    assert calls == []
    failing = [o for o in result.outcomes if o.outcome == "fail"]
    assert failing and isinstance(failing[0], DeferredOutcome)
    text = failing[0].explanation
    assert calls == [failing[0].rule]
    assert failing[0].explanation == text and len(calls) == 1  # kept once worked out


def test_a_deferred_outcome_behaves_as_the_outcome_it_stands_for() -> None:
    eager = Outcome("r", ("C1",), "must", "fail", "`x` is 1, needs at least 2")
    lazy = deferred_outcome("r", ("C1",), "must", "fail", lambda key: eager.explanation)
    assert lazy == eager and eager == lazy and hash(lazy) == hash(eager)
    assert lazy.to_json() == eager.to_json()
    assert pickle.loads(pickle.dumps(lazy)) == eager
    assert lazy != Outcome("r", ("C1",), "must", "fail", "another explanation")


def test_verdicts_are_outcome_names_in_rule_order(chifeng, rows) -> None:
    prepared = chifeng.compile(2023)
    assert prepared.rule_names == tuple(r.name for r in chifeng.rules)
    verdicts = prepared.verdicts(rows[0])
    assert len(verdicts) == len(prepared.rule_names)
    assert set(verdicts) <= {"pass", "fail", "exempted", "not_applicable", "unknown"}


def test_a_bad_record_is_judged_with_its_errors_named_by_field(chifeng, rows) -> None:
    bad = dict(rows[0], households="many")
    del bad["id"]
    result = chifeng.compile(2024).evaluate(bad)
    assert result.id == "#1"
    assert {e.field for e in result.errors} == {"id", "households"}
    assert chifeng.evaluate_record(bad, 2024, engine="reference") == result
    assert "unknown" in chifeng.verdicts(bad, 2024)


@pytest.mark.parametrize("call", [lambda p, r: p.compile(2030), lambda p, r: p.verdicts(r, 2022),
                                  lambda p, r: p.evaluate_record(r, 2026)])
def test_a_year_outside_the_period_raises_year_error(chifeng, rows, call) -> None:
    with pytest.raises(policydsl.YearError):
        call(chifeng, rows[0])
