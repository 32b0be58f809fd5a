"""The limits of exact SQL: a value an engine cannot hold exactly is `unknown` with the
fact named, and a statement whose decimal types could exceed 38 digits in the engine's
own typing rules is refused."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
from sqlglot import exp

import policydsl
from policydsl.eval import sqlgen, warehouse

POLICY = policydsl.loads("""
policy sizes
  period 2030 to 2031

entity home, homes
fact beds: integer bed >= 0
fact floor_area: decimal m2 >= 0
unit bed, beds

rule space_per_bed
  must floor_area >= 30 m2 per bed
""")


def _run(rows):
    con = duckdb.connect()
    con.execute("CREATE TABLE facts (id VARCHAR, beds DECIMAL(38, 0), floor_area DECIMAL(38, 10))")
    con.executemany("INSERT INTO facts VALUES (?, ?, ?)", rows)
    st = warehouse.statements(POLICY, 2030, "duckdb")
    return con.execute(st.records).fetchall()


def test_values_beyond_the_exact_range_are_unknown_with_the_fact_named():
    got = _run([("ok", 10, Decimal("300")), ("wide", 10**15, Decimal("1")),
                ("fine", 1, Decimal("30.0000001")), ("neg", -1, Decimal("1"))])
    unknown = sqlgen.CODE["unknown"]
    assert got[0] == ("ok", None, sqlgen.CODE["pass"])
    assert got[1] == ("wide", "beds: not an integer of at most 15 digits", unknown)
    assert got[2][1].startswith("floor_area: not a number of at most 12 whole digits") and got[2][2] == unknown
    assert got[3] == ("neg", "beds: breaks `>= 0`", unknown)


def _product(p1: int, p2: int) -> exp.Expression:
    a = exp.Cast(this=exp.column("a"), to=sqlgen.decimal_type(p1, 0))
    b = exp.Cast(this=exp.column("b"), to=sqlgen.decimal_type(p2, 0))
    return exp.Mul(this=a, expression=b)


@pytest.mark.parametrize("dialect", ["spark", "trino"])
def test_a_product_beyond_38_digits_in_the_engines_typing_is_refused(dialect):
    with pytest.raises(sqlgen.Unsupported, match="beyond what it holds exactly"):
        warehouse.check_types(_product(20, 20), dialect, "a test", {})
    warehouse.check_types(_product(18, 18), dialect, "a test", {})  # 37 digits: held


def test_bigquery_refuses_more_than_nine_decimals():
    tree = exp.Cast(this=exp.column("a"), to=sqlgen.decimal_type(20, 12))
    with pytest.raises(sqlgen.Unsupported):
        warehouse.check_types(tree, "bigquery", "a test", {})
    warehouse.check_types(tree, "postgres", "a test", {})


def test_spark_gets_widening_casts_on_results_not_operands():
    tree = exp.Mul(this=exp.Cast(this=exp.column("a"), to=sqlgen.decimal_type(30, 6)),
                   expression=exp.Literal.number(7))
    out = warehouse.adapt(tree, "spark").sql("spark")
    assert out == "CAST(a * CAST(7 AS DECIMAL(1, 0)) AS DECIMAL(30, 6))"
    assert warehouse.adapt(tree, "postgres") is tree
