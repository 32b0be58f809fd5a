"""The decision log: one JSON line per decision, masked fields never written, and a later
version replayed over past decisions with `policydsl diff --facts decisions.jsonl`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import policydsl
from policydsl.audit.impact import impact
from policydsl.audit.policy_diff import compare
from policydsl.cli import main
from policydsl.data.read import read_records
from policydsl.decisions import read_decisions

ROOT = Path(__file__).resolve().parents[2]
OLD = ROOT / "policies" / "chifeng_2023.pol"
NEW = ROOT / "policies" / "versions" / "chifeng_2023_v2.pol"
DATA = ROOT / "examples" / "chifeng_communities.csv"
T = "2026-03-01T08:00:00.000+00:00"


@pytest.fixture(scope="module")
def policy():
    return policydsl.load(OLD)


def test_one_record_is_logged_with_fingerprint_outcomes_time_and_no_masked_field(policy):
    raw = next(iter(read_records(DATA))).fields
    sink = io.StringIO()
    log = policydsl.DecisionLog(sink, mask=("name", "not_a_field"), clock=lambda: T)
    result = policy.evaluate_record(raw, 2024, log=log)
    (line,) = [json.loads(x) for x in sink.getvalue().splitlines()]
    d = line["decision"]
    assert d["time"] == T and d["year"] == 2024 and d["id"] == raw["id"]
    assert d["policy"]["fingerprint"] == policy.fingerprint
    assert d["outcomes"] == [{"rule": o.rule, "outcome": o.outcome} for o in result.outcomes]
    assert d["masked"] == ["name"]
    assert "name" not in line["input"] and raw["name"] not in sink.getvalue()
    assert line["input"] == {k: v for k, v in raw.items() if k != "name"}


def test_a_batch_is_logged_record_by_record_in_input_order(policy, tmp_path):
    path = tmp_path / "decisions.jsonl"
    with policydsl.DecisionLog(path, mask=("name",), clock=lambda: T) as log:
        evaluation = policy.evaluate(DATA, 2025, log=log)
    lines = list(read_decisions(path))
    assert [x["decision"]["id"] for x in lines] == [r.id for r in evaluation.records]
    assert [x["decision"]["outcomes"][0]["outcome"] for x in lines] == \
        [r.outcomes[0].outcome for r in evaluation.records]
    assert all("name" not in x["input"] for x in lines)


def test_diff_replays_a_new_version_over_logged_decisions_as_over_the_data(policy, tmp_path, capsys):
    path = tmp_path / "decisions.jsonl"
    with policydsl.DecisionLog(path, mask=("name",)) as log:  # `name` is read by no rule
        policy.evaluate(DATA, 2024, log=log)
    new = policydsl.load(NEW)
    d = compare(policy, new)
    from_log = impact(policy, new, d, path, [2024])
    from_data = impact(policy, new, d, DATA, [2024])

    def changed(found):
        return {r.name: [(x.id, x.old, x.new) for x in r.changes] for r in found.years[0].rules}

    assert changed(from_log) == changed(from_data)
    assert changed(from_log)["community_size"]
    code = main(["diff", str(OLD), str(NEW), "--facts", str(path), "--year", "2024", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    size = next(r for r in doc["impact"]["years"][0]["rules"] if r["name"] == "community_size")
    assert [r["id"] for r in size["records"]] == [x[0] for x in changed(from_data)["community_size"]]


def test_a_line_that_is_not_a_decision_is_named_by_its_number(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text('{"decision": {}, "input": {"id": "a"}}\n{"decision": {}}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"log.jsonl:2: a decision-log line needs an `input` object"):
        list(read_decisions(path))


def test_the_module_example_runs():
    import doctest

    import policydsl.decisions

    failures, _ = doctest.testmod(policydsl.decisions, optionflags=doctest.ELLIPSIS)
    assert failures == 0


def test_a_dataframe_and_a_generator_are_logged_row_by_row(policy):
    import pandas as pd

    rows = [r.fields for r in read_records(DATA)][:20]
    frame = pd.DataFrame(rows)
    for data in (frame, (dict(r) for r in rows)):
        sink = io.StringIO()
        evaluation = policy.evaluate(data, 2024, log=policydsl.DecisionLog(sink, mask=("name",)))
        lines = [json.loads(x) for x in sink.getvalue().splitlines()]
        assert [x["decision"]["id"] for x in lines] == [r.id for r in evaluation.records] == [r["id"] for r in rows]
        assert [x["input"]["households"] for x in lines] == [str(r["households"]) for r in rows]
