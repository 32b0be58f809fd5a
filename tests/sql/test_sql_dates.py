"""Dates in the warehouse SQL: date facts read from DATE columns, date literals, the
evaluation date, calendar arithmetic and due days judge exactly as the reference does,
on DuckDB (duckdb dialect over a typed table) and on a local Spark session, for the
waterworks fixture and for random dated records crowded on leap days and month ends;
the text of each dialect is a golden file and parses back."""

from __future__ import annotations

import datetime
import random
from pathlib import Path

import pytest
import sqlglot
from hypothesis import HealthCheck, assume, given, settings

import policydsl
from policydsl.cli import main
from policydsl.core.dates import on, shift, shift_domain
from policydsl.eval import warehouse
from tests.sql import harness
from tests.strategies import Case, policy_and_records

ROOT = Path(__file__).parents[2]
GOLDEN = Path(__file__).parent / "golden"
WATERWORKS = policydsl.load(ROOT / "tests" / "fixtures" / "waterworks.pol")
D = datetime.date

# Arithmetic on every side of the end-of-month rule, and days at the calendar's ends.
CALENDAR = policydsl.loads("""
policy calendar period 2024 to 2026
entity lease, leases
fact signed: date
fact ends: date optional
rule month_end clause C1 must signed + 1 month <= 2024-02-29
rule back clause C2 must signed - 6 months >= 2023-08-31
rule year_on clause C3 must signed + 1 year + 1 day > 2025-02-28
rule recent clause C4 must signed >= eval_date - 18 months
rule ends_later clause C5 must ends >= signed + 30 days
rule window clause C6 must signed between 2024年2月29日 and eval_date
rule due_in_a_year clause C7 due signed + 1 year must ends <= eval_date
target recent_share clause C8 must share(signed >= eval_date - 1 year) >= 50%
""")

# Days the end-of-month rule treats specially, and the two ends of the calendar.
EDGES = [D(2024, 2, 29), D(2024, 2, 28), D(2023, 2, 28), D(2024, 1, 31), D(2024, 3, 31), D(2023, 8, 31),
         D(2024, 8, 31), D(2024, 12, 31), D(2025, 2, 28), D(2025, 3, 1), D(2028, 2, 29), D(1, 1, 1),
         D(9999, 12, 31), D(9999, 12, 1), D(1, 6, 30)]
WHEN = [on(2024, D(2024, 2, 29)), on(2025, D(2025, 2, 28)), on(2025, D(2025, 8, 31)), 2024, 2026]


def _dated_records(seed: int, n: int = 60) -> list[dict]:
    """Leases signed on the edge days or near them, some never ending, some ending at once."""
    rng = random.Random(seed)

    def day() -> D:
        base = rng.choice(EDGES)
        try:
            return base + datetime.timedelta(days=rng.choice([0, 0, 1, -1, 28, -29, 365, -366]))
        except OverflowError:  # past an end of the calendar
            return base

    out = []
    for i in range(n):
        signed = day() if i % 11 else rng.choice(EDGES)
        ends = None if i % 5 == 0 else (signed if i % 7 == 0 else day())
        out.append({"id": f"L{i}", "signed": signed.isoformat(), "ends": "" if ends is None else ends.isoformat()})
    return out


def _waterworks_records() -> list[dict]:
    """Plants whose commissioning and inspection days fall on and around the due days."""
    out = []
    for i, day in enumerate(EDGES[:11] + [D(2023, 12, 31), D(2023, 6, 30), D(2019, 12, 31), D(2016, 12, 31)]):
        out.append({"id": f"p{i}", "name": f"Plant {i}", "commissioned": day.isoformat(),
                    "last_inspection": "" if i % 6 == 0 else (day + datetime.timedelta(days=30 * i)).isoformat(),
                    "handover": "" if i % 4 == 0 else (day + datetime.timedelta(days=365)).isoformat(),
                    "accepted": (day + datetime.timedelta(days=300 + 40 * (i % 3))).isoformat(),
                    "permit": ["true", "false"][i % 2], "reports_filed": str(i % 3),
                    "turbidity": ["0.8", "1.0", "1.3"][i % 3], "backup_plan": ["true", "false"][i // 2 % 2],
                    "exemptions": '{"W6": "to close"}' if i % 9 == 1 else ""})
    return out


@pytest.mark.parametrize("dialect", warehouse.DIALECTS)
def test_waterworks_sql_matches_golden(dialect, capsys, golden):
    assert main(["sql", str(ROOT / "tests" / "fixtures" / "waterworks.pol"), "--date", "2025-08-31",
                 "--dialect", dialect]) == 0
    golden(GOLDEN / f"waterworks_2025-08-31.{dialect}.sql", capsys.readouterr().out)


@pytest.mark.parametrize("dialect", warehouse.DIALECTS)
@pytest.mark.parametrize("policy", [WATERWORKS, CALENDAR], ids=["waterworks", "calendar"])
def test_every_dated_statement_parses_back_in_its_dialect(dialect, policy):
    st = warehouse.statements(policy, on(2025, D(2025, 2, 28)), dialect)
    for sql in [st.records, *(t.sql for t in st.targets if t.sql)]:
        assert sqlglot.parse_one(sql, read=dialect) is not None


@pytest.mark.parametrize("when", WHEN, ids=str)
def test_duckdb_sql_judges_the_waterworks_fixture_as_the_reference(when):
    records = _waterworks_records()
    rows = harness.typed_rows(WATERWORKS, records)
    assert harness.duckdb_run(WATERWORKS, rows, when) == harness.reference(WATERWORKS, records, when)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("when", WHEN, ids=str)
def test_duckdb_sql_judges_leap_days_month_ends_and_the_calendar_s_ends_as_the_reference(seed, when):
    records = _dated_records(seed)
    rows = harness.typed_rows(CALENDAR, records)
    assert harness.duckdb_run(CALENDAR, rows, when) == harness.reference(CALENDAR, records, when)


@pytest.mark.parametrize("when", WHEN[:3], ids=str)
def test_spark_sql_judges_dated_records_as_the_reference(spark, when):
    for policy, records in ((WATERWORKS, _waterworks_records()), (CALENDAR, _dated_records(7))):
        rows = harness.typed_rows(policy, records)
        assert harness.spark_run(spark, policy, rows, when) == harness.reference(policy, records, when)


def test_a_day_past_9999_in_a_column_is_unreadable_and_named_not_misjudged():
    import duckdb

    con = duckdb.connect()
    try:
        con.execute('CREATE TABLE facts ("id" VARCHAR, "signed" DATE, "ends" DATE, "exemptions" VARCHAR)')
        con.execute("INSERT INTO facts VALUES ('far', DATE '10000-01-01', NULL, NULL)")
        st = warehouse.statements(CALENDAR, 2025, "duckdb", "facts")
        (row,) = con.execute(st.records).fetchall()
    finally:
        con.close()
    assert row[1] == "signed: not a day of years 1 to 9999"
    assert set(row[2:]) == {4}  # every rule unknown, as for any value the reference cannot read


def test_the_days_a_shift_may_move_are_exactly_those_whose_result_is_in_the_calendar():
    rng = random.Random(3)
    shifts = [(0, 0), (1, 0), (-1, 0), (24, 1), (-6, -1), (119987, 0), (-119987, 0), (119988, 0), (0, 3652058),
              *((rng.randint(-40, 40), rng.randint(-800, 800)) for _ in range(60))]
    for months, days in shifts:
        domain = shift_domain(months, days)
        probes = EDGES + [D.fromordinal(rng.randint(1, D.max.toordinal())) for _ in range(40)]
        if domain is None:
            assert all(shift(d, months, days) is None for d in probes), (months, days)
            continue
        first, last = domain
        assert shift(first, months, days) is not None and shift(last, months, days) is not None
        assert first == D.min or shift(first - datetime.timedelta(days=1), months, days) is None
        assert last == D.max or shift(last + datetime.timedelta(days=1), months, days) is None
        for d in probes:
            assert (shift(d, months, days) is not None) == (first <= d <= last), (months, days, d)


def _comparable(case: Case):
    """The policy, its typed rows and the day judged (the strategies draw a day)."""
    policy = policydsl.loads(case.policy.text)
    rows = harness.typed_rows(policy, case.records)
    assume(harness.fits(policy, rows))
    when = on(case.year.year, case.year) if isinstance(case.year, D) else case.year
    try:
        warehouse.statements(policy, when, "spark")
    except warehouse.Unsupported:
        assume(False)
    return policy, rows, when


@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(policy_and_records(dates=True))
def test_duckdb_sql_gives_the_reference_outcomes_on_random_dated_policies(case: Case):
    policy, rows, when = _comparable(case)
    assert harness.duckdb_run(policy, rows, when) == harness.reference(policy, case.records, when)


@settings(max_examples=8, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])
@given(case=policy_and_records(max_records=8, dates=True))
def test_spark_sql_gives_the_reference_outcomes_on_random_dated_policies(spark, case: Case):
    policy, rows, when = _comparable(case)
    assert harness.spark_run(spark, policy, rows, when) == harness.reference(policy, case.records, when)
