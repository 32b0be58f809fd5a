"""The DuckDB engine: exact on boundaries, every record kept, and judged by SQL itself.

Each test runs the same file through the DuckDB engine and through the reference
interpreter and compares what each engine produced on its own.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import policydsl
from policydsl.eval import batch_sql, duckdb_engine
from policydsl.eval.stream import evaluate_stream

ROOT = Path(__file__).resolve().parents[1]
DEFECTS = ROOT / "defects"

POLICY = '''
policy p period 2024 to 2025
fact area: decimal m2
fact homes: integer household
fact zone: text
rule room clause C1 must area >= 20 m2 per 100 households
rule third clause C2 must area * 3 >= 1 m2 or zone = "north"
'''


def _write(path: Path, rows: list[dict]) -> Path:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow([json.dumps(v) if isinstance(v, dict) else r.get(c, "")
                        for c, v in ((c, r.get(c, "")) for c in columns)])
    return path


def _both(policy, data, year: int):
    """(DuckDB's outcomes, the reference's), per record, and whether SQL judged them."""
    batch = duckdb_engine.evaluate(policy, data, year)
    assert batch is not None, "the DuckDB engine declined the input"
    got = [codes for _rec, codes in batch.iter_records()]
    batch.close()
    ref = policy.evaluate(data, year, engine="reference")
    return got, [tuple(o.outcome for o in r.outcomes) for r in ref.records]


def test_rate_boundary_is_exact_where_float_is_not(tmp_path) -> None:
    rows = [{"id": "on", "area": "0.6", "homes": "3", "zone": "south"},
            {"id": "below", "area": "0.599999", "homes": "3", "zone": "south"},
            {"id": "third", "area": "0.333333", "homes": "1", "zone": "south"}]
    got, expected = _both(policydsl.loads(POLICY), _write(tmp_path / "d.csv", rows), 2024)
    assert got == expected
    assert [g[0] for g in got] == ["pass", "fail", "pass"]
    assert got[2][1] == "fail"  # 3 × 0.333333 is just under 1


def test_numbers_beyond_the_exact_sql_range_are_judged_in_python(tmp_path) -> None:
    rows = [{"id": "big", "area": "9" * 30, "homes": "1", "zone": "x"},
            {"id": "small", "area": "0.000000000000000000001", "homes": "0", "zone": "north"}]
    got, expected = _both(policydsl.loads(POLICY), _write(tmp_path / "d.csv", rows), 2024)
    assert got == expected == [("pass", "pass"), ("pass", "pass")]


def test_missing_values_are_unknown_and_text_compares_by_value(tmp_path) -> None:
    rows = [{"id": "a", "homes": "5", "zone": "north"}, {"id": "b", "area": "1", "zone": "east"}]
    got, expected = _both(policydsl.loads(POLICY), _write(tmp_path / "d.csv", rows), 2024)
    assert got == expected == [("unknown", "pass"), ("unknown", "pass")]


def test_two_text_constants_absent_from_the_data_are_not_equal() -> None:
    case = DEFECTS / "vectorized_string_literals"
    policy = policydsl.load(case / "strlit_min.pol")
    got, expected = _both(policy, case / "strlit_min.csv", 2024)
    assert got == expected == [("pass",), ("fail",)]


def test_the_smallest_int64_does_not_wrap_around() -> None:
    case = DEFECTS / "vectorized_int64_min"
    policy = policydsl.load(case / "minint.pol")
    got, expected = _both(policy, case / "minint2.csv", 2024)
    assert got == expected
    assert got[0] == ("pass", "pass", "pass")


def test_a_clean_file_is_judged_by_sql_and_a_bad_cell_by_the_validator(tmp_path) -> None:
    rows = [{"id": f"r{i}", "area": str(i), "homes": "10", "zone": "south"} for i in range(50)]
    rows[7]["area"] = "1,000"  # a message only the validator words
    policy = policydsl.loads(POLICY)
    batch = duckdb_engine.evaluate(policy, _write(tmp_path / "d.csv", rows), 2024)
    assert batch is not None
    assert batch.python_rows == 1
    (rec,) = batch.records_at([7]).values()
    assert [e.field for e in rec.errors] == ["area"]
    batch.close()


def test_a_quoted_field_over_two_lines_is_left_to_our_reader(tmp_path) -> None:
    path = tmp_path / "d.csv"
    path.write_text('id,area,homes,zone\na,1,1,"so\nuth"\nb,2,1,north\n', encoding="utf-8")
    policy = policydsl.loads(POLICY)
    assert duckdb_engine.evaluate(policy, path, 2024) is None
    result = evaluate_stream(policy, path, 2024)
    assert result.tally.records == 2


_FILLER = "".join(f"r{i},1,1,north\n" for i in range(300_000))  # beyond one 4 MiB block and the 1 MB sample


@pytest.mark.parametrize("body", [
    pytest.param("id,area,homes,zone\na,1,1,north\n\nb,2,1,north\n", id="blank-line-between-records"),
    pytest.param("id,area,homes,zone\na,1,1,north\nb,2,1,north\n\n", id="blank-line-at-the-end"),
    pytest.param("id,area,homes,zone\na,1,1,north\rb,2,1,north\n", id="lone-carriage-return"),
    pytest.param("id,area\rhomes,zone\na,1,1,north\n", id="lone-carriage-return-in-the-header"),
    pytest.param("id,area,homes,zone\n" + _FILLER + "z,1,1,no\xffrth\n", id="not-utf8-after-the-sample"),
    pytest.param("id,area,homes,zone\n" + _FILLER + "z,1,1,north\r" + "y,1,1,north\n", id="lone-cr-late"),
])
def test_a_file_duckdb_would_split_otherwise_is_left_to_our_reader_and_keeps_every_line(
        tmp_path, body: str) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(body.encode("utf-8").replace("\xff".encode(), b"\xff"))  # one byte that is not UTF-8
    policy = policydsl.loads(POLICY)
    assert duckdb_engine.evaluate(policy, path, 2024) is None
    lines = [line for line in body.replace("\r", "\n").split("\n")[1:] if line]
    assert evaluate_stream(policy, path, 2024).tally.records == len(lines)


@pytest.mark.parametrize("header", ["id", "id,area"])
def test_a_blank_line_in_a_file_of_one_or_more_columns_is_left_to_our_reader(tmp_path, header: str) -> None:
    # DuckDB skips a blank line among several columns (so its count falls short of the
    # lines) and reads one as an empty record where there is one column: both are ours.
    path = tmp_path / "d.csv"
    width = header.count(",") + 1
    path.write_text(f"{header}\n" + ",".join(["a"] * width) + "\n\r\n" + ",".join(["b"] * width) + "\n",
                    encoding="utf-8")
    policy = policydsl.loads(POLICY)
    assert duckdb_engine.evaluate(policy, path, 2024) is None
    assert evaluate_stream(policy, path, 2024).tally.records == 2


@pytest.mark.parametrize("year", [2024, 2025])
def test_duplicate_and_missing_ids_are_reported_as_the_reader_reports_them(tmp_path, year) -> None:
    rows = [{"id": "a", "area": "1", "homes": "1", "zone": "x"},
            {"id": "a", "area": "2", "homes": "1", "zone": "x"},
            {"id": "", "area": "3", "homes": "1", "zone": "x"}]
    path = _write(tmp_path / "d.csv", rows)
    policy = policydsl.loads(POLICY)
    ours = policy.evaluate(path, year, engine="duckdb").to_json()["records"]
    ref = policy.evaluate(path, year, engine="reference").to_json()["records"]
    assert ours == ref
    assert [r["id"] for r in ours] == ["a", "a", "#3"]
    assert [bool(r["errors"]) for r in ours] == [False, True, True]


def test_a_constraint_on_a_missing_fact_is_unknown_not_broken(tmp_path) -> None:
    # `trained <= staff` with no staff: the constraint cannot be decided, so the record is
    # clean for it and SQL must judge it (a NULL here once left the record with no codes).
    text = '''
policy p period 2024 to 2025
fact staff: integer person >= 0 optional
fact trained: integer person >= 0, <= staff
rule all_trained clause C1 must trained >= 1 person
'''
    rows = [{"id": "a", "trained": "3"}, {"id": "b", "staff": "2", "trained": "3"},
            {"id": "c", "staff": "4", "trained": "3"}]
    policy = policydsl.loads(text)
    path = _write(tmp_path / "d.csv", rows)
    got, expected = _both(policy, path, 2024)
    assert got == expected
    assert policy.evaluate(path, 2024).to_json()["records"] == policy.evaluate(
        path, 2024, engine="reference").to_json()["records"]


def test_the_stripped_code_points_are_those_str_strip_removes() -> None:
    listed = {c for lo, hi in batch_sql.STRIPPED for c in range(lo, hi + 1)}
    assert listed == {c for c in range(0x110000) if chr(c).strip() == ""}


BOOLS_AND_TEXT = '''
policy p period 2024 to 2024
fact ok: bool
fact label: text
rule flag clause C1 must ok
rule named clause C2 must label = "x"
'''


@pytest.mark.parametrize("cell", ["true", "TRUE", "tRuE", "Yes", "NO", "1", "0", "是", "否", "False",
                                  "yeſ", "ｙes", "truE ", "t", "2"])
def test_a_bool_in_any_case_is_read_by_sql_as_the_validator_reads_it(tmp_path, cell: str) -> None:
    # the words as written take SQL's fast equality; other cases its `lower`; the rest
    # (a long s, a full-width letter) are errors the validator words
    rows = [{"id": "a", "ok": cell, "label": "x"}, {"id": "b", "ok": "false", "label": "x"}]
    path = _write(tmp_path / "d.csv", rows)
    policy = policydsl.loads(BOOLS_AND_TEXT)
    ours = policy.evaluate(path, 2024, engine="duckdb").to_json()["records"]
    assert ours == policy.evaluate(path, 2024, engine="reference").to_json()["records"]
    word = cell.strip().lower()  # the reader strips a cell
    expected = {"true": "pass", "yes": "pass", "1": "pass", "是": "pass"}.get(word, "fail")
    if word not in ("true", "yes", "1", "是", "false", "no", "0", "否"):
        assert ours[0]["errors"]
    else:
        assert ours[0]["outcomes"][0]["outcome"] == expected


@pytest.mark.parametrize("label", ["x", "\u3000x", "x\u00a0", "\u2028x", "x\u205f", "\u0085x", "x\x1c",
                                   "x\u200b", "\x01x", "区x区"])
def test_text_starting_or_ending_with_what_strip_removes_is_read_as_the_validator_reads_it(
        tmp_path, label: str) -> None:
    # U+200B and U+0001 are not removed by `str.strip`; the others are. The second record
    # makes the file plainly UTF-8 to the reader's detection, so DuckDB reads it.
    rows = [{"id": "a", "ok": "true", "label": label}, {"id": "b", "ok": "true", "label": "社区服务中心" * 20}]
    path = _write(tmp_path / "d.csv", rows)
    policy = policydsl.loads(BOOLS_AND_TEXT)
    batch = duckdb_engine.evaluate(policy, path, 2024)
    assert batch is not None
    assert batch.python_rows == (label != label.strip())
    batch.close()
    ours = policy.evaluate(path, 2024, engine="duckdb").to_json()["records"]
    assert ours == policy.evaluate(path, 2024, engine="reference").to_json()["records"]
    assert ours[0]["outcomes"][1]["outcome"] == ("pass" if label.strip() == "x" else "fail")


def test_an_id_padded_with_an_ideographic_space_is_reported_as_the_reader_reports_it(tmp_path) -> None:
    rows = [{"id": "a\u3000", "ok": "true", "label": "x"}, {"id": "b", "ok": "true", "label": "x"}]
    path = _write(tmp_path / "d.csv", rows)
    policy = policydsl.loads(BOOLS_AND_TEXT)
    ours = policy.evaluate(path, 2024, engine="duckdb").to_json()["records"]
    assert ours == policy.evaluate(path, 2024, engine="reference").to_json()["records"]
    assert [r["id"] for r in ours] == ["a", "b"]


def test_a_field_of_many_bytes_but_few_characters_is_judged_by_sql(tmp_path) -> None:
    # 50,000 characters of three bytes each: more bytes than the reader's limit of characters
    rows = [{"id": "a", "ok": "true", "label": "区" * 50_000}]
    path = _write(tmp_path / "d.csv", rows)
    policy = policydsl.loads(BOOLS_AND_TEXT)
    batch = duckdb_engine.evaluate(policy, path, 2024)
    assert batch is not None and batch.python_rows == 0
    batch.close()


@pytest.mark.parametrize(("label", "by_sql"), [("x" * 1001, False), ("区" * 400, True), ("区" * 1001, False)])
def test_a_field_past_the_reader_limit_in_characters_is_left_to_our_reader(tmp_path, label: str,
                                                                          by_sql: bool) -> None:
    # the limit counts characters: 400 of three bytes each (1,200 bytes) are within 1,000
    from policydsl.core.limits import Limits, using

    rows = [{"id": "a", "ok": "true", "label": label}, {"id": "b", "ok": "true", "label": "社区服务中心" * 20}]
    path = _write(tmp_path / "d.csv", rows)
    policy = policydsl.loads(BOOLS_AND_TEXT)
    with using(Limits(field_chars=1000)):
        batch = duckdb_engine.evaluate(policy, path, 2024)
        assert (batch is not None) == by_sql
        if batch is not None:
            batch.close()
        ours = policy.evaluate(path, 2024, engine="duckdb").to_json()["records"]
        assert ours == policy.evaluate(path, 2024, engine="reference").to_json()["records"]
    assert [r["id"] for r in ours] == (["a", "b"] if by_sql else ["#1", "b"])  # a row error: named by position
    assert bool(ours[0]["errors"]) == (not by_sql)


EXEMPT = '''
policy p period 2024 to 2025
fact area: decimal m2
fact zone: text
rule room clause C1 in principle area >= 20 m2
rule zoned clause C2 must zone = "north"
'''


@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_exemption_cells_shared_by_records_are_read_as_the_validator_reads_each(tmp_path, form: str) -> None:
    # cells that differ only in padding or quoting, one shared by several records, one
    # naming a must clause (a data error), one that is not JSON
    cells = ['{"C1": "one estate"}', '{"C1": "one estate"} ', ' {"C1":"one estate"}', '{"C2": "no"}',
             '{"C1": "a, \\"quoted\\"\\nreason"}', "not json", '{"room": "by name"}', ""]
    rows = [{"id": f"r{i}", "area": "10" if i % 3 else "25", "zone": "north" if i % 2 else "south",
             "exemptions": cells[i % len(cells)]} for i in range(40)]
    path = _write(tmp_path / "d.csv", rows)
    if form == "parquet":
        import duckdb

        path_pq = tmp_path / "d.parquet"
        duckdb.sql(f"COPY (SELECT * FROM read_csv('{path}', header = true, all_varchar = true)) "
                   f"TO '{path_pq}' (FORMAT parquet)")
        path = path_pq
    policy = policydsl.loads(EXEMPT)
    got, expected = _both(policy, path, 2024)
    assert got == expected
    assert {g[0] for g in got} >= {"exempted", "fail", "pass"}
    ours = policy.evaluate(path, 2024, engine="duckdb").to_json()["records"]
    assert ours == policy.evaluate(path, 2024, engine="reference").to_json()["records"]
    assert sum(bool(r["errors"]) for r in ours) == 10  # `C2` is a must clause; `not json` is no mapping


def _parquet(rows: list[dict], path: Path, csv_path: Path) -> Path:
    import duckdb

    _write(csv_path, rows)
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{csv_path}', header = true, all_varchar = true)) "
               f"TO '{path}' (FORMAT parquet)")
    return path


@pytest.mark.parametrize("bad", [3, duckdb_engine.LOOKUP * duckdb_engine.LOOKUPS + 1])
def test_a_parquet_file_whose_cells_stay_in_the_file_is_judged_as_the_reference_judges_it(tmp_path, bad: int) -> None:
    # cells a typed read cannot take (a padded zone, a number in words) are fetched from
    # the file by row number when few, and by one scan beside the table when many
    rows = [{"id": f"r{i}", "area": "ten" if i < bad and i % 2 else str(10 + i % 20),
             "zone": " north" if i < bad and not i % 2 else ("north" if i % 3 else "south"),
             "exemptions": '{"C1": "one estate"}' if i % 7 == 0 else ""} for i in range(bad + 40)]
    path = _parquet(rows, tmp_path / "d.parquet", tmp_path / "d.csv")
    policy = policydsl.loads(EXEMPT)
    batch = duckdb_engine.evaluate(policy, path, 2024)
    assert batch is not None and batch.pop.file_rows is not None
    assert batch.python_rows == bad
    batch.close()
    got, expected = _both(policy, path, 2024)
    assert got == expected
    ours = policy.evaluate(path, 2024, engine="duckdb").to_json()
    assert ours["records"] == policy.evaluate(path, 2024, engine="reference").to_json()["records"]
    assert sum(bool(r["errors"]) for r in ours["records"]) == bad // 2  # the words; padding is stripped


def test_a_pattern_of_parquet_files_keeps_its_cells_in_the_table(tmp_path) -> None:
    # each file numbers its rows from 0: a pattern's rows cannot be fetched by number
    rows = [{"id": f"r{i}", "area": str(15 + i), "zone": "north"} for i in range(10)]
    _parquet(rows[:5], tmp_path / "a.parquet", tmp_path / "a.csv")
    _parquet(rows[5:], tmp_path / "b.parquet", tmp_path / "b.csv")
    policy = policydsl.loads(EXEMPT)
    pattern = str(tmp_path / "*.parquet")
    batch = duckdb_engine.evaluate(policy, pattern, 2024)
    assert batch is not None and batch.pop.file_rows is None
    batch.close()
    got, expected = _both(policy, pattern, 2024)
    assert got == expected and [g[0] for g in got] == ["fail"] * 5 + ["pass"] * 5



LATER = '''
policy p period 2024 to 2025
set zones = {"north", "south", "west"}
fact zone: text in zones
fact ok: bool
target by_zone clause C1 from 2025 for each zone must share(ok) >= 50%
target overall clause C3 from 2025 must share(ok) >= 50%
'''


def test_a_target_not_in_force_reports_every_listed_group_as_the_reference_does(tmp_path) -> None:
    # the groups are the policy's list, met or not: no query of the groups met is needed
    rows = [{"id": f"r{i}", "zone": "south", "ok": "true"} for i in range(4)]
    path = _write(tmp_path / "d.csv", rows)
    policy = policydsl.loads(LATER)
    ours = policy.evaluate(path, 2024, engine="duckdb").to_json()["targets"]
    assert ours == policy.evaluate(path, 2024, engine="reference").to_json()["targets"]
    assert [(t["rule"], t["group"], t["outcome"]) for t in ours] == [
        ("by_zone", z, "not_applicable") for z in ("north", "south", "west")] + [("overall", None, "not_applicable")]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_text_report_reads_its_shown_records_again_from_their_lines_as_the_reference_reads_them(
        tmp_path, newline: str) -> None:
    # a report that shows a few records keeps fewer values (a lean batch) and reads a shown
    # record from its line: a BOM, quoted commas and quotes, lines across the index's steps
    from policydsl.reports.collector import ReportCollector
    from policydsl.reports.text import stream_report

    path = tmp_path / "d.csv"
    lines = ["id,area,homes,zone"]
    for i in range(3000):
        zone = '"north, by the ""river"""' if i % 5 == 0 else f"z{'x' * (i % 90)}"
        lines.append(f"r{i},{'0.599999' if i % 7 == 0 else str(1 + i % 40)},{3 + i % 9},{zone}")
    path.write_bytes(("\ufeff" + newline.join(lines) + newline).encode("utf-8"))
    assert path.stat().st_size > 2 * duckdb_engine.STEP
    policy = policydsl.loads(POLICY)
    shown = [0, 1, 2, 1000, 2998, 2999]
    lean, full = duckdb_engine.evaluate(policy, path, 2024, lean=True), duckdb_engine.evaluate(policy, path, 2024)
    assert lean is not None and lean.lean and full is not None and not full.lean
    assert lean.records_at(shown) == full.records_at(shown)  # as SQL's values give them
    lean.close()
    full.close()
    for show in (3, 50):
        ours = evaluate_stream(policy, path, 2024, engine="duckdb", report=ReportCollector(policy, show))
        ref = evaluate_stream(policy, path, 2024, engine="reference", report=ReportCollector(policy, show))
        assert stream_report(policy, ours) == stream_report(policy, ref)
