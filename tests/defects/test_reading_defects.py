"""Issue #14: reading defects, each on the input its reproduction used."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fuzz.harness import run_cli

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHIFENG = str(ROOT / "policies" / "chifeng_2023.pol")


def eval_json(policy: str | Path, data: Path, *extra: str) -> tuple[int, dict, str]:
    rc, out, err = run_cli(["eval", str(policy), "--facts", str(data), "--year", "2024",
                            "--format", "json", *extra])
    return rc, (json.loads(out) if out else {}), err


def row_errors(report: dict) -> dict[str, list[str]]:
    return {r["id"]: [e["message"] for e in r["errors"] if e["field"] == "<row>"] for r in report["records"]}


# -- csv_two_unclosed_quotes -----------------------------------------------------------


def test_two_unclosed_quotes_give_every_record_and_an_error_on_each_broken_line() -> None:
    rc, report, _ = eval_json(CHIFENG, HERE / "csv_two_unclosed_quotes" / "two_unclosed.csv")
    assert rc == 1
    errors = row_errors(report)
    assert list(errors) == [f"CF-HS-00{i}" for i in range(1, 6)]
    assert [bool(m) for m in errors.values()] == [True, False, False, True, False]
    assert errors["CF-HS-001"][0].startswith("line 2 opens a quote that is never closed")
    assert errors["CF-HS-004"][0].startswith("line 5 opens a quote that is never closed")
    first = next(r for r in report["records"] if r["id"] == "CF-HS-001")
    assert "1716" not in json.dumps(first)  # not judged with CF-HS-004's households


def test_one_unclosed_quote_is_still_recovered() -> None:
    _, report, _ = eval_json(CHIFENG, HERE / "csv_two_unclosed_quotes" / "one_unclosed.csv")
    assert [bool(m) for m in row_errors(report).values()] == [True, False, False, False, False]
