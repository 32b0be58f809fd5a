"""A division by a fact (`pupils / classes <= 45`) compiles to exact SQL: the quotient is
never divided, comparisons are cross-multiplied with the divisor's sign, and a zero
divisor is the reference's `unknown`. Every outcome is compared with the reference, on
DuckDB, on Spark and through the batch engine that `Policy.evaluate` runs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policydsl
from policydsl.eval import duckdb_engine, warehouse
from tests.sql import harness

POLICY = policydsl.loads("""\
policy classes period 2024 to 2026
fact pupils: integer
fact classes: integer
fact rooms: decimal m2
rule class_size clause S1
  must pupils / classes <= 45
rule room_per_pupil clause S2
  must rooms / pupils >= 1.5 m2
rule nested clause S3
  must (pupils + 5) / classes - pupils / (classes * 2) between -10 and 30
rule ratio_of_ratios clause S4
  must (rooms / 1 m2) / (pupils / classes) > classes / 3
rule negated clause S5
  must -(pupils / classes) != abs(classes / 2 - pupils)
""")


def _record(i: int, pupils, classes, rooms) -> dict[str, str]:
    return {"id": f"R{i:03d}", "pupils": "" if pupils is None else str(pupils),
            "classes": "" if classes is None else str(classes),
            "rooms": "" if rooms is None else str(rooms)}


# On each boundary, one step either side, negative and zero divisors, and missing values.
EDGES = [(450, 10, 675), (451, 10, 676.5), (449, 10, 673.49), (450, -10, 675), (-450, -10, -675),
         (0, 0, 0), (30, 0, 45), (0, 5, 0), (7, 3, 10.5), (7, 3, 10.4999), (None, 4, 1),
         (90, None, 135), (90, 2, None), (1, 1, 1.5), (-1, 1, -1.5), (45, 1, 67.5),
         (10**14, 3, 1.5 * 10**5), (3, 10**14, 0.000001)]
RECORDS = [_record(i, *e) for i, e in enumerate(EDGES)]


@pytest.mark.parametrize("year", [2024, 2026])
def test_duckdb_sql_of_a_division_by_a_fact_gives_the_reference_outcomes(year):
    expected = harness.reference(POLICY, RECORDS, year)
    assert harness.duckdb_run(POLICY, harness.typed_rows(POLICY, RECORDS), year) == expected
    outcomes = {o for _, outs in expected[0] for o in outs}
    assert outcomes == {"pass", "fail", "unknown"}


def test_spark_sql_of_a_division_by_a_fact_gives_the_reference_outcomes(spark):
    rows = harness.typed_rows(POLICY, RECORDS)
    assert harness.spark_run(spark, POLICY, rows, 2025) == harness.reference(POLICY, RECORDS, 2025)


def test_the_batch_engine_judges_a_division_by_a_fact_in_sql_not_in_python(tmp_path):
    path = tmp_path / "schools.csv"
    lines = ["id,pupils,classes,rooms", *(",".join(r.values()) for r in RECORDS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch = duckdb_engine.evaluate(POLICY, str(path), 2024)
    assert batch is not None  # None would mean the policy fell back to the Python path
    batch.close()
    got = [(r.id, tuple(o.outcome for o in r.outcomes)) for r in POLICY.evaluate(path, 2024).records]
    assert got == harness.reference(POLICY, RECORDS, 2024)[0]


def test_a_quotient_by_a_fact_is_compared_without_dividing():
    sql = warehouse.statements(POLICY, 2024, "trino", "facts").records
    assert "/" not in sql


def test_a_quotient_by_a_fact_outside_arithmetic_and_comparisons_is_refused_with_the_rule():
    policy = policydsl.loads("""\
policy p period 2024 to 2026
fact pupils: integer
fact classes: integer
rule capped clause S1
  must min(pupils / classes, 40) <= 30
""")
    with pytest.raises(warehouse.Unsupported, match=r"rule `capped`: `pupils / classes`"):
        warehouse.statements(policy, 2024, "duckdb", "facts")


values = st.one_of(st.none(), st.integers(-60, 60))


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(st.tuples(values, values, st.one_of(st.none(), st.decimals(-100, 100, places=2))),
                min_size=1, max_size=12))
def test_duckdb_sql_of_divisions_by_facts_agrees_with_the_reference_on_any_signs_and_zeros(triples):
    records = [_record(i, p, c, None if r is None else Decimal(r)) for i, (p, c, r) in enumerate(triples)]
    rows = harness.typed_rows(POLICY, records)
    assert harness.duckdb_run(POLICY, rows, 2024) == harness.reference(POLICY, records, 2024)
