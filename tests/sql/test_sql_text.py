"""`policydsl sql`: what a data engineer reads (golden files per dialect), SQL that parses
back in its own dialect, quoted names and constants, and a clear refusal (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot

import policydsl
from policydsl.cli import main
from policydsl.eval import warehouse

ROOT = Path(__file__).parents[2]
GOLDEN = Path(__file__).parent / "golden"
CHIFENG = ROOT / "policies" / "chifeng_2023.pol"


@pytest.mark.parametrize("dialect", warehouse.DIALECTS)
def test_chifeng_sql_matches_golden(dialect, capsys, golden):
    assert main(["sql", str(CHIFENG), "--year", "2024", "--dialect", dialect]) == 0
    golden(GOLDEN / f"chifeng_2024.{dialect}.sql", capsys.readouterr().out)


@pytest.mark.parametrize("dialect", warehouse.DIALECTS)
@pytest.mark.parametrize("year", [2023, 2025])
def test_every_statement_parses_back_in_its_dialect(dialect, year):
    st = warehouse.statements(policydsl.load(CHIFENG), year, dialect)
    for sql in [st.records, *(t.sql for t in st.targets if t.sql)]:
        assert sqlglot.parse_one(sql, read=dialect) is not None


def test_names_and_constants_are_quoted_not_pasted():
    st = warehouse.statements(policydsl.load(CHIFENG), 2025, "postgres", "plan.facts")
    assert '"红山区"' not in st.records  # a set member is a string literal, not a name
    assert "'红山区'" in next(t.sql for t in st.targets if t.rule.name == "national_demo")
    assert '"service_space_m2"' in st.records and 'FROM "plan"."facts"' in st.records


def test_a_construct_sql_cannot_hold_is_refused_naming_rule_and_construct(tmp_path, capsys):
    policy = tmp_path / "ratio.pol"
    policy.write_text(
        "policy ratio\n  period 2030 to 2031\n\nentity home, homes\n"
        "fact beds: integer bed >= 0\nfact floor_area: decimal m2 >= 0\nunit bed, beds\n\n"
        "rule space_per_bed\n  must min(floor_area / beds, 90 m2 per bed) >= 30 m2 per bed\n",
        encoding="utf-8")
    assert main(["sql", str(policy), "--year", "2030", "--dialect", "spark"]) == 2
    err = capsys.readouterr().err
    assert "rule `space_per_bed`" in err and "division by a value that is not a constant" in err
    assert "Traceback" not in err


def test_a_year_outside_the_period_is_an_error(capsys):
    assert main(["sql", str(CHIFENG), "--year", "2030", "--dialect", "trino"]) == 2
    assert "2030" in capsys.readouterr().err
