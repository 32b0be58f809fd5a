"""The schools fixture: a second invented plan using the constructs of issue #13 together."""

from __future__ import annotations

from pathlib import Path

import pytest

import policydsl
from policydsl.cli import main
from policydsl.documents.worked_examples import examples_path, load_examples
from policydsl.eval.results import OUTCOMES

SCHOOLS = Path(__file__).parents[1] / "fixtures" / "schools.pol"


@pytest.fixture(scope="module")
def policy():
    return policydsl.load(SCHOOLS)



def test_the_examples_show_every_outcome_kind(policy):
    examples = load_examples(examples_path(SCHOOLS), policy)
    shown = {o for ex in examples for o in ex.expect.values()}
    assert shown == set(OUTCOMES)


def test_policydsl_test_exits_0_on_the_fixture(capsys):
    assert main(["test", str(SCHOOLS), "--strict"]) == 0
    assert "17 of 17 examples pass" in capsys.readouterr().out


def test_check_finds_nothing_to_warn_about(policy):
    assert policy.warnings == ()


@pytest.mark.parametrize("engine", ["reference", "compiled", "duckdb"])
def test_engines_agree_on_the_fixture_examples(policy, engine):
    examples = load_examples(examples_path(SCHOOLS), policy)
    for ex in examples:
        reference = policy.evaluate(list(ex.records), ex.year, engine="reference")
        other = policy.evaluate(list(ex.records), ex.year, engine=engine)
        assert [[o.outcome for o in r.outcomes] for r in other.records] == \
               [[o.outcome for o in r.outcomes] for r in reference.records], ex.name
