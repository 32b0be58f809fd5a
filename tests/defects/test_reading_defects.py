"""Issue #14: reading defects, each on the input its reproduction used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policydsl.data import DataError, read_records
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


# -- gbk_misdetected_as_utf8 -----------------------------------------------------------


def test_gbk_text_that_is_also_valid_utf8_is_read_as_gbk() -> None:
    folder = HERE / "gbk_misdetected_as_utf8"
    rc, report, _ = eval_json(folder / "gbkutf8.pol", folder / "gbkutf8.csv")
    assert rc == 0
    assert [(r["id"], r["errors"]) for r in report["records"]] == [("a", []), ("b", [])]
    records = read_records(folder / "gbkutf8.csv")
    assert [r.fields["park"] for r in records] == ["梅园", "鹿路"]
    assert records.encoding == "GB18030"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_encoding_decided_for_a_file_is_named_when_it_is_not_utf8(fmt: str) -> None:
    folder = HERE / "gbk_misdetected_as_utf8"
    argv = ["eval", str(folder / "gbkutf8.pol"), "--facts", str(folder / "gbkutf8.csv"), "--year", "2024",
            "--format", fmt]
    rc, _, err = run_cli(argv)
    assert rc == 0
    assert err == (f"policydsl: note: `{folder / 'gbkutf8.csv'}` was read as GB18030, decided from its bytes; "
                   "give --encoding NAME to read it otherwise\n")
    assert run_cli([*argv, "--encoding", "gb18030"])[2] == ""  # chosen, so nothing to say
    assert run_cli(["eval", CHIFENG, "--facts", str(ROOT / "examples" / "chifeng_communities.csv"),
                    "--year", "2024", "--format", fmt])[2] == ""  # UTF-8: nothing to say


def test_a_forced_encoding_is_used_and_named() -> None:
    folder = HERE / "gbk_misdetected_as_utf8"
    records = read_records(folder / "gbkutf8.csv", encoding="utf-8")
    assert [r.fields["park"] for r in records] == ["÷\u0530", "¹·"]
    assert records.encoding == "UTF-8"
    rc, report, _ = eval_json(folder / "gbkutf8.pol", folder / "gbkutf8.csv", "--encoding", "utf-8")
    assert rc == 1 and "not one of `parks`" in json.dumps(report["records"][0]["errors"], ensure_ascii=False)


# -- encoding_bad_byte -----------------------------------------------------------------


@pytest.mark.parametrize(("name", "line", "record"), [("bad_byte_early.csv", 2, 0), ("bad_byte_late.csv", 452, 450)])
def test_one_stray_byte_is_one_row_error_wherever_it_is(name: str, line: int, record: int) -> None:
    rc, report, _ = eval_json(CHIFENG, HERE / "encoding_bad_byte" / name)
    assert rc == 1
    assert len(report["records"]) == 600
    bad = [(i, m) for i, m in enumerate(row_errors(report).values()) if m]
    assert bad == [(record, [f"line {line} has bytes that are not valid UTF-8"])]


# -- policy_read_unbounded: data that never ends ---------------------------------------


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_an_endless_device_as_data_is_refused_at_once(fmt: str) -> None:
    with pytest.raises(DataError, match="is a binary file, not text"):
        read_records("/dev/zero", fmt)


@pytest.mark.parametrize("engine", ["duckdb", "compiled", "reference"])
def test_an_endless_device_given_to_eval_is_refused_by_every_engine(engine: str) -> None:
    # The DuckDB engine first scans a CSV's shape; a device has no end to scan to.
    rc, out, err = run_cli(["eval", CHIFENG, "--facts", "/dev/zero", "--year", "2024", "--engine", engine])
    assert (rc, out) == (2, "")
    assert err.strip() == "policydsl: error: cannot read `/dev/zero`: it is a binary file, not text"

