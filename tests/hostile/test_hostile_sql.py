"""`policydsl sql` writes statements and comments only: no text from a policy or a table
name ends a comment line (what followed would run as a statement) or reaches the output
as a control character; a table name that is none is refused, never an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest

from policydsl.cli import main

ROOT = Path(__file__).parents[2]
WATER = str(ROOT / "tests" / "fixtures" / "water.pol")
POLICY = """policy inj
  title "a\\u000aDROP TABLE facts;"
  version "1\\u000aDROP TABLE facts;\\u001b[2J"
  period 2024 to 2025

entity home, homes
fact beds: integer >= 0

rule small clause H1 must beds <= 10
"""


def _statement_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line and not line.startswith("--")]


def test_a_line_break_in_the_policy_s_version_stays_inside_the_comment(tmp_path, capsys):
    path = tmp_path / "inj.pol"
    path.write_text(POLICY, encoding="utf-8")
    for dialect in ("duckdb", "spark", "bigquery"):
        assert main(["sql", str(path), "--year", "2024", "--dialect", dialect]) == 0
        out = capsys.readouterr().out
        assert all(line.startswith("SELECT") for line in _statement_lines(out))
        assert "\x1b" not in out and "-- policy inj 1\\u000aDROP TABLE facts;\\u001b[2J" in out


@pytest.mark.parametrize("table, says", [
    ('sample=x";DROP TABLE y;--', "is not a table name"),
    ("sample=a.b.c.d", "write it as [catalog.][schema.]table"),
    ("sample=\x1b[31mred", "`\\u001b[31mred` is not a table name: it holds a control character"),
    ("sample=x\nDROP TABLE y", "holds a control character"),
])
def test_a_table_name_that_is_none_is_refused(table, says, capsys):
    assert main(["sql", WATER, "--year", "2026", "--table", table]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and says in captured.err and "internal error" not in captured.err
    assert "\x1b" not in captured.err


def test_a_table_name_with_spaces_or_quotes_is_one_quoted_identifier(capsys):
    assert main(["sql", WATER, "--year", "2026", "--table", "sample=lab samples", "--dialect", "postgres"]) == 0
    out = capsys.readouterr().out
    assert 'FROM "lab samples"' in out and all(line.startswith("SELECT") for line in _statement_lines(out))
