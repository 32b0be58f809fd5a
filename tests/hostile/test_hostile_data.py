"""A corpus of hostile data files, each with what `eval` must make of it.

`data/NAME` is evaluated against `data/policy.pol` for 2024; `NAME.expected.json` holds
the exit code and either the first error line (a file that cannot be read at all) or
every record id in order with its error fields and messages. No record may be lost.
`NAME.xfail` marks a known bug and says what it is; its expected file holds what
should happen. Regenerate after a deliberate change of wording:
    python -m pytest --update-golden tests/hostile
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.fuzz.harness import problems, run_cli

HERE = Path(__file__).parent / "data"


def _cases() -> list[str]:
    return sorted(p.name for p in HERE.iterdir()
                  if p.suffix in (".csv", ".json", ".jsonl") and not p.name.endswith(".expected.json"))


def _observe(name: str) -> dict:
    argv = ["eval", str(HERE / "policy.pol"), "--facts", str(HERE / name), "--year", "2024", "--format", "json"]
    rc, out, err = run_cli(argv)
    assert not problems(argv, rc, out, err), err
    if rc == 2:
        return {"exit": rc, "error": err.strip().splitlines()[0].replace(str(HERE) + os.sep, "")}
    result = json.loads(out)
    return {
        "exit": rc,
        "records": len(result["records"]),
        "records_with_errors": result["summary"]["records_with_errors"],
        # A list, not a mapping: records with the same id must each appear.
        "errors": [[r["id"], [[e["field"], e["message"]] for e in r["errors"]]] for r in result["records"]],
    }


@pytest.mark.parametrize("name", _cases())
def test_hostile_data_file_gives_every_record_with_its_errors(name: str, update_golden: bool) -> None:
    xfail = HERE / f"{name}.xfail"
    if xfail.exists():
        pytest.xfail(xfail.read_text(encoding="utf-8").strip())
    got = _observe(name)
    expected_file = HERE / f"{name}.expected.json"
    if update_golden:
        expected_file.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    assert {k: got[k] for k in expected} == expected
    if "errors" in got:  # the summary counts exactly the records that carry errors
        assert got["records_with_errors"] == sum(1 for _, errs in got["errors"] if errs)
        assert got["records"] == len(got["errors"])
