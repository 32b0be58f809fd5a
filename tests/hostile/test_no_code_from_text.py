"""Nothing from a policy or data file is ever run as code: names and strings that look
like Python, HTML, templates or SQL come out as plain text, escaped where the output
format needs it, and the policy still means what it says."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.fuzz.harness import COMMANDS, FAST_ENGINES, problems, run_cli

POLICY = Path(__file__).parent / "names_and_strings_like_code.pol"
DATA = 'id,__import__,__class__\n"a""b",true,"a""b"\nx,false,<b>e</b>\n'


def _run(argv: list[str]) -> tuple[int, str]:
    rc, out, err = run_cli(argv)
    assert not problems(argv, rc, out, err), err
    return rc, out


def test_names_and_strings_that_look_like_code_are_only_text(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # a `touch pwned` that ran would leave a file here
    policy = tmp_path / "p.pol"
    shutil.copy(POLICY, policy)
    (tmp_path / "d.csv").write_text(DATA, encoding="utf-8")

    assert _run(["check", str(policy)])[0] == 0
    rc, out = _run(["eval", str(policy), "--facts", str(tmp_path / "d.csv"), "--year", "2024", "--format", "json"])
    result = json.loads(out)
    assert result["policy"]["name"] == "p\"; __import__('os').system('touch pwned') #"
    assert [(r["id"], r["outcomes"][0]["outcome"]) for r in result["records"]] == [('a"b', "pass"), ("x", "fail")]
    if "render" in COMMANDS:
        html = _run(["render", "--format", "html", str(policy)])[1]
        assert "<script>" not in html and "&lt;script&gt;" in html
        markdown = _run(["render", "--format", "markdown", str(policy)])[1]
        assert "<script>" not in markdown
    if "fmt" in COMMANDS:
        _run(["fmt", str(policy)])
        assert _run(["check", str(policy)])[0] == 0
        assert json.loads(_run(["eval", str(policy), "--facts", str(tmp_path / "d.csv"), "--year", "2024",
                                "--format", "json"])[1])["policy"]["fingerprint"] == result["policy"]["fingerprint"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "p.pol"]


NAMES_POLICY = Path(__file__).parent / "names_like_generated_code.pol"
NAMES_DATA = "id,k0,U,env,bad,Fraction,_floor,lambda,None,verdicts,K\na,1,1,1,false,1,1,1,true,1,1\nb,0,1,x,true,,,,false,,\n"


@pytest.mark.parametrize("engine", ["reference", *FAST_ENGINES])
def test_fact_names_like_python_or_generated_code_mean_only_facts(engine: str, tmp_path: Path) -> None:
    # Keywords, builtins and the names an engine might generate (`k0`, `U`, `env`) as facts.
    data = tmp_path / "d.csv"
    data.write_text(NAMES_DATA, encoding="utf-8")
    _rc, out = _run(["eval", str(NAMES_POLICY), "--facts", str(data), "--year", "2024", "--format", "json",
                     "--engine", engine])
    records = json.loads(out)["records"]
    assert [(r["id"], r["outcomes"][0]["outcome"], len(r["errors"])) for r in records] == [
        ("a", "pass", 0), ("b", "fail", 7)]
