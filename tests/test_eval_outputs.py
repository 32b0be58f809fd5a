"""What `policydsl eval` and `Policy.evaluate` take in and give out: files and DataFrames
in; text, JSON, JSON Lines and Parquet out, to standard output or a file written whole."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import policydsl

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "policies" / "chifeng_2023.pol"
DATA = ROOT / "examples" / "chifeng_communities.csv"


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "policydsl", *args], capture_output=True, text=True,
                          cwd=ROOT, **kw)


@pytest.fixture(scope="module")
def policy():
    return policydsl.load(POLICY)


@pytest.fixture(scope="module")
def reference(policy):
    return policy.evaluate(DATA, 2024, engine="reference").to_json()


def test_output_file_holds_exactly_what_standard_output_would(tmp_path) -> None:
    out = tmp_path / "report.json"
    written = _cli("eval", str(POLICY), "--facts", str(DATA), "--year", "2024", "--format", "json",
                   "--output", str(out))
    printed = _cli("eval", str(POLICY), "--facts", str(DATA), "--year", "2024", "--format", "json")
    assert written.returncode == printed.returncode == 1
    assert written.stdout == ""
    assert out.read_text(encoding="utf-8") == printed.stdout


def test_a_run_that_fails_leaves_no_file_under_the_name_asked_for(tmp_path) -> None:
    out = tmp_path / "report.txt"
    r = _cli("eval", str(POLICY), "--facts", str(tmp_path / "missing.csv"), "--year", "2024",
             "--output", str(out))
    assert r.returncode == 2
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "parquet", "html", "xlsx"])
def test_every_output_file_gets_the_permissions_of_a_new_file_and_nothing_left_beside_it(tmp_path, fmt) -> None:
    if fmt == "xlsx":
        pytest.importorskip("xlsxwriter")
    out = tmp_path / f"report.{fmt}"
    # umask 022: a new file is rw-r--r--, as `open` would make it, not the writer's private temporary file
    r = _cli("eval", str(POLICY), "--facts", str(DATA), "--year", "2024", "--format", fmt, "--output", str(out),
             preexec_fn=lambda: __import__("os").umask(0o022))
    assert r.returncode == 1, r.stderr
    written = sorted(tmp_path.iterdir())
    expected = [out] + ([tmp_path / "report.targets.parquet"] if fmt == "parquet" else [])
    assert written == sorted(expected)
    assert {p.stat().st_mode & 0o777 for p in written} == {0o644}


def test_a_report_that_fails_leaves_no_partial_file(tmp_path, monkeypatch) -> None:
    from policydsl.reports import output

    out = tmp_path / "report.html"
    with pytest.raises(RuntimeError), output.into_place(str(out)) as partial:
        Path(partial).write_text("<!DOCTYPE html><p>half", encoding="utf-8")
        raise RuntimeError("the disk filled up")
    assert list(tmp_path.iterdir()) == []


def test_parquet_holds_one_row_per_record_and_rule_and_the_targets(tmp_path, reference) -> None:
    import duckdb

    out = tmp_path / "outcomes.parquet"
    r = _cli("eval", str(POLICY), "--facts", str(DATA), "--year", "2024", "--format", "parquet", "-o", str(out))
    assert r.returncode == 1, r.stderr
    rows = duckdb.sql(f"SELECT id, rule, clauses, outcome, explanation FROM '{out}'").fetchall()
    want = [(rec["id"], o["rule"], o["clauses"], o["outcome"],
             None if o["outcome"] == "pass" else o["explanation"])
            for rec in reference["records"] for o in rec["outcomes"]]
    assert rows == want
    targets = duckdb.sql(f"SELECT rule, \"group\", outcome FROM '{tmp_path / 'outcomes.targets.parquet'}'").fetchall()
    assert targets == [(t["rule"], t["group"], t["outcome"]) for t in reference["targets"]]


def test_parquet_without_an_output_file_is_a_usage_error() -> None:
    r = _cli("eval", str(POLICY), "--facts", str(DATA), "--year", "2024", "--format", "parquet")
    assert r.returncode == 2
    assert "--output" in r.stderr


def test_a_closed_pipe_is_an_error_not_a_silent_success() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "policydsl", "eval", str(POLICY), "--facts", str(DATA),
                             "--year", "2024", "--format", "json"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() == 2
    assert "closed before it was complete" in err
    assert "Traceback" not in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_disk_is_a_clear_error() -> None:
    with open("/dev/full", "w") as full:
        r = subprocess.run([sys.executable, "-m", "policydsl", "eval", str(POLICY), "--facts", str(DATA),
                            "--year", "2024"], cwd=ROOT, stdout=full, stderr=subprocess.PIPE, text=True)
    assert r.returncode == 2
    assert "No space left on device" in r.stderr


def test_a_wrong_engine_name_lists_every_engine() -> None:
    r = _cli("eval", str(POLICY), "--facts", str(DATA), "--year", "2024", "--engine", "fast")
    assert r.returncode == 2
    assert "reference, compiled, duckdb" in r.stderr


def test_pandas_polars_and_arrow_give_the_file_results(policy, reference) -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    frame = pd.read_csv(DATA)  # empty cells are NaN: missing, as in the file
    for data in (frame, pl.read_csv(DATA, infer_schema_length=0), pa.Table.from_pandas(frame)):
        assert policy.evaluate(data, 2024).to_json()["records"] == reference["records"]


def test_parquet_input_gives_the_file_results(tmp_path, policy, reference) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    pd = pytest.importorskip("pandas")
    path = tmp_path / "communities.parquet"
    pq.write_table(pa.Table.from_pandas(pd.read_csv(DATA, dtype=str, keep_default_na=False)), path)
    assert policy.evaluate(path, 2024).to_json()["records"] == reference["records"]


def test_to_pandas_has_one_row_per_record_and_rule(policy, reference) -> None:
    pytest.importorskip("pandas")
    frame = policy.evaluate(DATA, 2024).to_pandas()
    assert len(frame) == sum(len(r["outcomes"]) for r in reference["records"])
    want = Counter(o["outcome"] for r in reference["records"] for o in r["outcomes"])
    assert frame.groupby("outcome").size().to_dict() == dict(want)


def _messy_csv(path: Path) -> Path:
    """The sample with, every few records, a malformed number, a decimal past what SQL
    reads exactly, a missing fact, an exemption no rule cites, an allowed exemption, a
    broken fact constraint and a padded cell."""
    import csv

    with open(DATA, encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    col = {name: i for i, name in enumerate(header)}
    spoil = [("households", "12a"), ("service_space_m2", "1.23456789"), ("key_community", ""),
             ("exemptions", '{"C99": "nope"}'), ("exemptions", '{"C21": "approved"}'),
             ("staff_trained", "99999"), ("region", " 红山区")]
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for i, row in enumerate(rows):
            if i % 3 == 0:
                field, value = spoil[(i // 3) % len(spoil)]
                row[col[field]] = value
            w.writerow(row)
    return path


def _written_by_each_engine(tmp_path, data, fmt: str) -> dict[str, object]:
    """What `eval --format FMT --output` writes with the DuckDB engine (batch writers) and
    the compiled one (record by record): Parquet rows, or the text with the engine's name
    made the same."""
    outs: dict[str, object] = {}
    for engine in ("duckdb", "compiled"):
        out = tmp_path / f"{engine}.{fmt}"
        r = _cli("eval", str(POLICY), "--facts", str(data), "--year", "2024", "--format", fmt,
                 "--engine", engine, "--output", str(out))
        assert r.returncode == 1, r.stderr
        if fmt == "parquet":
            import duckdb

            outs[engine] = duckdb.sql(f"SELECT * FROM '{out}'").fetchall()
        else:
            outs[engine] = out.read_text(encoding="utf-8").replace('"engine": "compiled"', '"engine": "duckdb"')
    return outs


@pytest.mark.parametrize("fmt", ["json", "jsonl", "parquet"])
def test_a_duckdb_batch_written_whole_equals_the_record_by_record_writer(tmp_path, fmt) -> None:
    """The batch writers (outcomes explained once per distinct outcome, rows assembled in
    SQL or from dumped pieces) write what the per-record writers write, in the same order,
    on a file whose records are judged partly in SQL and partly in Python."""
    data = _messy_csv(tmp_path / "messy.csv")
    outs = _written_by_each_engine(tmp_path, data, fmt)
    assert outs["duckdb"] == outs["compiled"]
    if fmt == "json":
        assert outs["duckdb"].count('"field": ') > 50  # the malformed records are in it, with their errors


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_a_batch_from_parquet_written_whole_equals_the_record_by_record_writer(tmp_path, fmt) -> None:
    """As above from a Parquet file of text cells, where a record's exemptions are a column
    of their own rather than a cell of the raw list: records that name exemptions are
    explained once per distinct cell, and must read as the record-by-record writer's."""
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    pd = pytest.importorskip("pandas")
    data = tmp_path / "messy.parquet"
    frame = pd.read_csv(_messy_csv(tmp_path / "messy.csv"), dtype=str, keep_default_na=False)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), data)
    outs = _written_by_each_engine(tmp_path, data, fmt)
    assert outs["duckdb"] == outs["compiled"]
    assert outs["duckdb"].count("exempted") > 5 if fmt == "jsonl" else any(r[4] == "exempted" for r in outs["duckdb"])
