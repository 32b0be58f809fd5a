"""Streaming evaluation: the same report and JSON as evaluating everything at once."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import policydsl
from policydsl.data.read import read_records
from policydsl.eval.stream import JsonLinesWriter, JsonWriter, evaluate_stream
from policydsl.reports.collector import ReportCollector
from policydsl.reports.text import stream_report
from policydsl.reports.text import text_report as whole_report

ROOT = Path(__file__).resolve().parents[2]
CHIFENG = ROOT / "policies" / "chifeng_2023.pol"
DATA = ROOT / "examples" / "chifeng_communities.csv"


@pytest.fixture(scope="module")
def policy():
    return policydsl.load(CHIFENG)


def _stream_json(policy, year: int, engine: str, chunk_size: int) -> str:
    out = io.StringIO()
    writer = JsonWriter(out, policy.info, year)
    result = evaluate_stream(policy, read_records(DATA), year, engine=engine,
                             on_record=writer.record, chunk_size=chunk_size)
    writer.finish(result)
    return out.getvalue()


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_streamed_text_report_equals_the_whole_report(policy, year: int) -> None:
    whole = policy.evaluate(DATA, year, engine="reference")
    streamed = evaluate_stream(policy, read_records(DATA), year, chunk_size=64,
                               report=ReportCollector(policy, 3))
    fields = [r.values for r in policy.prepare(read_records(DATA))]  # the labels of each record
    assert stream_report(policy, streamed) == whole_report(policy, whole, show=3, fields=fields)


@pytest.mark.parametrize("engine", ["duckdb", "compiled", "reference"])
def test_streamed_json_equals_the_whole_document(policy, engine: str) -> None:
    whole = policy.evaluate(DATA, 2025, engine="reference")
    expected = json.dumps(whole.to_json(), ensure_ascii=False, indent=1) + "\n"
    assert _stream_json(policy, 2025, engine, chunk_size=50) == expected


def test_small_chunks_give_the_same_output_as_one_chunk(policy) -> None:
    assert _stream_json(policy, 2024, "compiled", 7) == _stream_json(policy, 2024, "compiled", 10_000)


def test_json_lines_hold_policy_records_targets_and_summary(policy) -> None:
    out = io.StringIO()
    writer = JsonLinesWriter(out, policy.info, 2024)
    result = evaluate_stream(policy, read_records(DATA), 2024, on_record=writer.record)
    writer.finish(result)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0]["year"] == 2024
    assert sum("record" in line for line in lines) == 300
    assert sum("target" in line for line in lines) == result.summary["targets"]
    assert lines[-1]["summary"] == result.summary


def test_empty_input_streams_a_valid_document(policy) -> None:
    out = io.StringIO()
    writer = JsonWriter(out, policy.info, 2024)
    result = evaluate_stream(policy, [], 2024, on_record=writer.record)
    writer.finish(result)
    whole = policy.evaluate([], 2024, engine="reference")
    assert out.getvalue() == json.dumps(whole.to_json(), ensure_ascii=False, indent=1) + "\n"


def test_cli_streams_json_lines_without_progress_when_piped() -> None:
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "policydsl", "eval", str(CHIFENG), "--facts", str(DATA),
                          "--year", "2024", "--format", "jsonl"], capture_output=True, text=True)
    lines = run.stdout.splitlines()
    assert run.returncode == 1  # the example data has violations
    assert run.stderr == ""  # no progress bar on a pipe
    assert len(lines) == 1 + 300 + sum('"target"' in line for line in lines) + 1
    assert json.loads(lines[-1])["summary"]["records"] == 300
