"""Provenance and replay: a result names exactly what produced it, and `policydsl replay`
reproduces it or says which digest or verdict differs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

import policydsl
from policydsl.cli import main
from policydsl.commands.eval import DEFAULT_ENGINE
from policydsl.provenance import file_digest, provenance, records_digest

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "policies" / "chifeng_2023.pol"
DATA = ROOT / "examples" / "chifeng_communities.csv"
SCHEMA = json.loads((ROOT / "docs" / "schema" / "eval-output.schema.json").read_text("utf-8"))


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the policy and data beside the result, named by relative paths."""
    shutil.copy(POLICY, tmp_path / "policy.pol")
    shutil.copy(DATA, tmp_path / "data.csv")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _eval(capsys, fmt: str = "json", year: str = "2024") -> str:
    code = main(["eval", "policy.pol", "--facts", "data.csv", "--year", year, "--format", fmt])
    assert code in (0, 1)
    return capsys.readouterr().out


def _replay(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["replay", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_eval_json_carries_provenance_matching_the_schema_and_the_files(workdir, capsys):
    doc = json.loads(_eval(capsys))
    jsonschema.validate(doc, SCHEMA)
    prov = doc["provenance"]
    assert prov["policy"]["path"] == "policy.pol"
    assert prov["policy"]["sha256"] == file_digest(workdir / "policy.pol")
    assert prov["policy"]["fingerprint"] == doc["policy"]["fingerprint"]
    assert prov["data"] == [{"path": "data.csv", "format": None, "sha256": file_digest(workdir / "data.csv")}]
    assert prov["years"] == [2024] and prov["engine"] == DEFAULT_ENGINE
    assert prov["tool"] == f"policydsl {policydsl.__version__}"


def test_eval_json_lines_carry_the_same_provenance_on_the_first_line(workdir, capsys):
    whole = json.loads(_eval(capsys))["provenance"]
    first = json.loads(_eval(capsys, "jsonl").splitlines()[0])
    assert first["provenance"] == whole


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_an_unchanged_result_replays_with_exit_0(workdir, capsys, fmt):
    (workdir / "result").write_text(_eval(capsys, fmt), encoding="utf-8")
    code, out, _ = _replay(capsys, "result")
    assert code == 0, out
    assert "reproduced: 300 records and 21 target results, every verdict identical" in out


def test_replay_finds_the_files_relative_to_the_result_from_another_directory(workdir, capsys, monkeypatch):
    (workdir / "result.json").write_text(_eval(capsys), encoding="utf-8")
    elsewhere = workdir / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out, _ = _replay(capsys, str(workdir / "result.json"))
    assert code == 0, out


def test_one_byte_of_data_changed_names_the_data_digest_and_the_verdicts(workdir, capsys):
    (workdir / "result.json").write_text(_eval(capsys), encoding="utf-8")
    data = (workdir / "data.csv").read_bytes()
    edited = data.replace(b"CF-HS-001,\xe6\xb0\xb8\xe7\x9b\x9b\xe7\xa4\xbe\xe5\x8c\xba,\xe7\xba\xa2\xe5\xb1\xb1\xe5\x8c\xba,false,false,1524",
                          b"CF-HS-001,\xe6\xb0\xb8\xe7\x9b\x9b\xe7\xa4\xbe\xe5\x8c\xba,\xe7\xba\xa2\xe5\xb1\xb1\xe5\x8c\xba,false,false,2524", 1)
    assert len(edited) == len(data) and edited != data  # one byte: 1 → 2
    (workdir / "data.csv").write_bytes(edited)
    code, out, _ = _replay(capsys, "result.json")
    assert code == 1
    assert "changed: data file `data.csv`: sha256 recorded" in out
    assert "policy file" not in out
    assert "different: record #1 `CF-HS-001`, rule `community_size`: recorded pass, now fail" in out


def test_a_comment_changed_in_the_policy_names_only_the_file_digest(workdir, capsys):
    (workdir / "result.json").write_text(_eval(capsys), encoding="utf-8")
    with open(workdir / "policy.pol", "a", encoding="utf-8") as f:
        f.write("# a comment\n")
    code, out, _ = _replay(capsys, "result.json")
    assert code == 1
    assert "changed: policy file `policy.pol`" in out
    assert "fingerprint" not in out and "different:" not in out


def test_one_rule_changed_in_the_policy_names_the_fingerprint_and_the_target(workdir, capsys):
    (workdir / "result.json").write_text(_eval(capsys), encoding="utf-8")
    text = (workdir / "policy.pol").read_text(encoding="utf-8")
    assert text.count("2024: 60%") == 1
    (workdir / "policy.pol").write_text(text.replace("2024: 60%", "2024: 65%"), encoding="utf-8")
    code, out, _ = _replay(capsys, "result.json")
    assert code == 1
    assert "changed: policy file `policy.pol`" in out
    assert "changed: policy fingerprint (its meaning) recorded" in out
    assert "different: target `service_space_share`: recorded pass at 0.62, now fail at 0.62" in out


def test_a_result_without_provenance_or_a_missing_file_exits_2(workdir, capsys):
    doc = json.loads(_eval(capsys))
    del doc["provenance"]
    (workdir / "bare.json").write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = _replay(capsys, "bare.json")
    assert code == 2 and "no `provenance` block" in err
    (workdir / "result.json").write_text(_eval(capsys), encoding="utf-8")
    (workdir / "data.csv").unlink()
    code, _, err = _replay(capsys, "result.json")
    assert code == 2 and "the data file `data.csv` named by the result is not there" in err
    (workdir / "junk.json").write_text("\x1b]0;title\x07 not json", encoding="utf-8")
    code, _, err = _replay(capsys, "junk.json")
    assert code == 2 and "\x1b" not in err


def _run(args: list[str], cwd: Path, seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "policydsl", *args], cwd=cwd, env=env,
                          capture_output=True, timeout=120, check=False)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return proc.stdout


def test_results_with_provenance_are_byte_identical_across_runs_and_hash_seeds(workdir):
    args = ["eval", "policy.pol", "--facts", "data.csv", "--year", "2025", "--format", "json"]
    runs = [_run(args, workdir, seed) for seed in ("0", "1", "31337")]
    assert runs[0] == runs[1] == runs[2]
    assert b'"provenance"' in runs[0]


@pytest.mark.parametrize("fmt", ["html", "xlsx", "parquet"])
def test_reports_and_parquet_with_provenance_are_byte_identical_across_hash_seeds(workdir, fmt):
    if fmt == "xlsx":
        pytest.importorskip("xlsxwriter")
    runs = []
    for seed in ("0", "1"):
        out = workdir / f"result.{fmt}"  # the same name each time: the page names itself
        by = ["--by", "region"] if fmt != "parquet" else []
        _run(["eval", "policy.pol", "--facts", "data.csv", "--year", "2025", "--format", fmt, *by,
              "--output", str(out)], workdir, seed)
        runs.append(out.read_bytes() + (out.with_suffix(".targets.parquet").read_bytes() if fmt == "parquet" else b""))
    assert runs[0] == runs[1]


def test_in_memory_records_digest_is_their_canonical_form_in_order():
    a = [{"id": "x", "rooms": "200.00", "ok": True}, {"id": "y", "rooms": 3}]
    same = [{"ok": True, "rooms": "200.00", "id": "x"}, {"rooms": 3, "id": "y"}]  # keys in another order
    assert records_digest(a) == records_digest(same)
    assert records_digest(a) != records_digest(list(reversed(a)))  # record order is part of the input
    assert records_digest(a) != records_digest([{**a[0], "rooms": "200.01"}, a[1]])
    policy = policydsl.load(POLICY)
    block = provenance(policy, [a], [2024], "reference")
    assert block["data"] == [{"path": None, "format": "records", "records": 2, "sha256": records_digest(a)}]


def test_ids_from_a_result_cannot_forge_report_lines_or_act_on_a_terminal():
    from policydsl.audit.replay import compare_records

    recorded = [{"id": "a\nreproduced: all\x1b[2J", "outcomes": [{"rule": "r", "outcome": "pass"}], "errors": []}]
    now = [{"id": "a\nreproduced: all\x1b[2J", "outcomes": [{"rule": "r", "outcome": "fail"}], "errors": []}]
    from policydsl.audit.replay import Replay

    text = Replay("p.pol", ("d.csv",), (), tuple(compare_records(recorded, now))).text()
    assert "\x1b" not in text and "\nreproduced: all" not in text
    assert text.splitlines()[-1] == "not reproduced: 1 verdict differs"


def test_reordered_records_have_another_data_digest_and_the_same_verdicts_per_id(workdir, capsys):
    first = json.loads(_eval(capsys))
    header, *rows = (workdir / "data.csv").read_text(encoding="utf-8").splitlines()
    (workdir / "data.csv").write_text("\n".join([header, *reversed(rows)]) + "\n", encoding="utf-8")
    second = json.loads(_eval(capsys))
    # Record order is part of the input: the digest says the file is another one ...
    assert first["provenance"]["data"][0]["sha256"] != second["provenance"]["data"][0]["sha256"]
    assert first["provenance"]["policy"] == second["provenance"]["policy"]
    # ... while every record keeps its verdicts, and the population results are the same.
    assert list(reversed(first["records"])) == second["records"]
    assert first["targets"] == second["targets"] and first["summary"] == second["summary"]


def test_an_engine_no_longer_available_is_replaced_by_the_reference_and_said_so(workdir, capsys):
    doc = json.loads(_eval(capsys))
    doc["provenance"]["engine"] = "retired_engine"
    (workdir / "result.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out, _ = _replay(capsys, "result.json")
    assert code == 0, out
    assert "note: engine `retired_engine` is not available; replayed with the reference engine" in out


# ---- every other output of eval: Parquet (every verdict), HTML and workbook (each year's counts)


def _write(fmt: str, *facts_and_years: str, output: str | None = None) -> str:
    output = output or f"result.{fmt}"
    code = main(["eval", "policy.pol", *facts_and_years, "--format", fmt, "--output", output, "--lang", "en"])
    assert code in (0, 1)
    return output


def _report_provenance(path: Path) -> dict:
    from policydsl.audit.replay import read_result

    return read_result(path)


THREE_YEARS = ("--facts", "data.csv", "--years", "2023-2025")


@pytest.mark.parametrize("fmt,args,records", [
    ("parquet", ("--facts", "data.csv", "--year", "2024"), 300),
    ("html", THREE_YEARS, 900),
    ("xlsx", THREE_YEARS, 900),
])
def test_parquet_html_and_workbook_results_carry_provenance_and_replay_with_exit_0(workdir, capsys, fmt, args,
                                                                                 records):
    pytest.importorskip("xlsxwriter")
    result = _write(fmt, *args)
    doc = _report_provenance(workdir / result)
    json_prov = json.loads(_eval(capsys))["provenance"]
    # The same block as the JSON result's, but for the years the report covers.
    assert doc["provenance"] == {**json_prov, "years": [2024] if fmt == "parquet" else [2023, 2024, 2025]}
    jsonschema.validate(doc["provenance"], SCHEMA["properties"]["provenance"])
    code, out, _ = _replay(capsys, result)
    assert code == 0, out
    assert out.splitlines()[-1].startswith(f"reproduced: {records} records and ")


def test_a_report_shows_its_provenance_to_the_reader(workdir, capsys):
    pytest.importorskip("openpyxl")
    import openpyxl

    page = (workdir / _write("html", *THREE_YEARS)).read_text(encoding="utf-8")
    section = page[page.index('<section id="provenance">'):]
    assert file_digest(workdir / "data.csv") in section and file_digest(workdir / "policy.pol") in section
    assert "policydsl replay result.html" in section
    book = openpyxl.load_workbook(workdir / _write("xlsx", *THREE_YEARS))
    assert book.sheetnames[-1] == "Provenance"
    rows = {r[0]: r[1] for r in book["Provenance"].iter_rows(min_row=2, values_only=True)}
    assert rows["data"] == "data.csv" and rows["data sha256"] == file_digest(workdir / "data.csv")
    assert rows["year"] == "2023, 2024, 2025" and rows["engine"] == DEFAULT_ENGINE


def test_a_report_of_one_file_per_year_names_each_file_with_its_year(workdir, capsys):
    shutil.copy(workdir / "data.csv", workdir / "data2025.csv")
    result = _write("html", "--facts", "2024=data.csv", "--facts", "2025=data2025.csv")
    data = _report_provenance(workdir / result)["provenance"]["data"]
    assert [(d["path"], d["year"]) for d in data] == [("data.csv", 2024), ("data2025.csv", 2025)]
    # A changed file is named with the year it was read for, and the counts that moved.
    text = (workdir / "data2025.csv").read_text(encoding="utf-8")
    (workdir / "data2025.csv").write_text(text.replace(",9999.99,", ",10000.00,", 1), encoding="utf-8")
    code, out, _ = _replay(capsys, result)
    assert code == 1
    assert "changed: data file `data2025.csv` (for 2025): sha256 recorded" in out
    assert "data.csv`:" not in out
    assert "different: 2025, rule `operating_funds_floor`: recorded 1 fail, 299 pass, now 300 pass" in out


@pytest.mark.parametrize("fmt", ["parquet", "html", "xlsx"])
def test_one_byte_of_data_or_one_rule_changed_makes_every_format_fail_replay(workdir, capsys, fmt):
    pytest.importorskip("xlsxwriter")
    result = _write(fmt, "--facts", "data.csv", "--year", "2024")
    data = (workdir / "data.csv").read_text(encoding="utf-8")
    (workdir / "data.csv").write_text(data.replace(",9999.99,", ",10000.00,", 1), encoding="utf-8")
    code, out, _ = _replay(capsys, result)
    assert code == 1 and "changed: data file `data.csv`: sha256 recorded" in out
    assert "policy file" not in out
    assert "operating_funds_floor" in out and "different:" in out
    (workdir / "data.csv").write_text(data, encoding="utf-8")
    assert _replay(capsys, result)[0] == 0
    policy = (workdir / "policy.pol").read_text(encoding="utf-8")
    (workdir / "policy.pol").write_text(policy.replace("2024: 60%", "2024: 65%"), encoding="utf-8")
    code, out, _ = _replay(capsys, result)
    assert code == 1 and "changed: policy fingerprint (its meaning) recorded" in out
    assert "service_space_share" in out  # the target whose verdict moved


def test_a_parquet_result_without_its_targets_file_or_an_html_page_without_provenance_exits_2(workdir, capsys):
    _write("parquet", "--facts", "data.csv", "--year", "2024")
    (workdir / "result.targets.parquet").unlink()
    code, _, err = _replay(capsys, "result.parquet")
    assert code == 2 and "result.targets.parquet" in err
    (workdir / "page.html").write_text("<!DOCTYPE html><html><body>hand-made</body></html>", encoding="utf-8")
    code, _, err = _replay(capsys, "page.html")
    assert code == 2 and "no `provenance` block" in err


def test_a_damaged_workbook_or_parquet_file_exits_2_with_the_reason(workdir, capsys):
    import zipfile

    pytest.importorskip("xlsxwriter")
    _write("xlsx", "--facts", "data.csv", "--year", "2024")
    with zipfile.ZipFile(workdir / "result.xlsx") as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/sharedStrings.xml"] = parts["xl/sharedStrings.xml"][:200]  # cut short
    with zipfile.ZipFile(workdir / "damaged.xlsx", "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    code, _, err = _replay(capsys, "damaged.xlsx")
    assert code == 2 and "cannot read the workbook `damaged.xlsx`" in err
    (workdir / "junk.parquet").write_bytes(b"PAR1 not really")
    code, _, err = _replay(capsys, "junk.parquet")
    assert code == 2 and "junk.parquet" in err and "Traceback" not in err
