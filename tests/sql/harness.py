"""Typed tables for the SQL engines, and every outcome as each engine gives it.

A record is validated by the policy itself; its values (in the facts' declared
units) fill a typed table, so the reference and the engines judge the same values."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from policydsl.core import ir
from policydsl.eval import warehouse

DECIMAL_TYPE = "DECIMAL(38, 10)"  # wider than the contract, so the engines' own limits are tested


def columns(policy) -> list[tuple[str, str]]:
    """(name, DuckDB type) of the typed table of `policy`."""
    kinds = {"integer": "BIGINT", "decimal": DECIMAL_TYPE, "bool": "BOOLEAN", "text": "VARCHAR",
             "enum": "VARCHAR", "date": "DATE"}
    return [("id", "VARCHAR"), *((f.name, kinds[f.kind]) for f in policy.ir.facts),
            ("exemptions", "VARCHAR")]


def _declared(fact: ir.FactDef, value):
    if value is None:
        return None
    if fact.kind in ("integer", "decimal"):
        scale = fact.type.scale if isinstance(fact.type, ir.Num) else Fraction(1)
        v = Fraction(value) / scale
        if fact.kind == "integer":
            assert v.denominator == 1
            return int(v)
        return Decimal(v.numerator) / Decimal(v.denominator)
    if fact.kind == "enum":
        return fact.type.members[value] if isinstance(value, int) else value
    return value


def fits(policy, rows: list[tuple]) -> bool:
    """Whether every value is within the exact range the SQL reads (`warehouse` limits)."""
    for row in rows:
        for fact, v in zip(policy.ir.facts, row[1:], strict=False):
            if v is None or fact.kind not in ("integer", "decimal"):
                continue
            whole = warehouse.INT_DIGITS if fact.kind == "integer" else warehouse.DEC_DIGITS - warehouse.DEC_PLACES
            places = 0 if fact.kind == "integer" else warehouse.DEC_PLACES
            if abs(v) >= 10 ** whole or Decimal(v).as_tuple().exponent < -places and (
                    Decimal(v) != Decimal(v).quantize(Decimal(1).scaleb(-places))):
                return False
    return True


def typed_rows(policy, records) -> list[tuple]:
    rows = []
    for rec in policy.prepare(records):
        values = [_declared(f, rec.values.get(f.name)) for f in policy.ir.facts]
        ex = ",".join(rec.exemptions) if rec.exemptions else None
        rows.append((rec.id, *values, ex))
    return rows


def reference(policy, records, year: int) -> tuple[list[tuple], list[dict]]:
    """Per record (id, outcome per rule), and every target's JSON, by the reference."""
    prepared = policy.prepare(records)
    eng = policy.engine("reference")
    per = [(r.id, tuple(o.outcome for o in r.outcomes)) for r in eng.records(prepared, year)]
    return per, [t.to_json() for t in eng.targets(prepared, year)]


def from_codes(st: warehouse.Statements, rows) -> list[tuple]:
    out = []
    for row in rows:
        row = tuple(row)
        out.append((row[0], tuple(warehouse.outcome_name(c) for c in row[2:])))
    return out


def duckdb_run(policy, rows: list[tuple], year: int) -> tuple[list[tuple], list[dict]]:
    """The generated duckdb-dialect SQL over a typed DuckDB table."""
    import duckdb

    con = duckdb.connect()
    try:
        cols = columns(policy)
        con.execute("CREATE TABLE facts (" + ", ".join(f'"{n}" {t}' for n, t in cols) + ")")
        if rows:
            con.executemany(f"INSERT INTO facts VALUES ({', '.join('?' * len(cols))})", rows)
        st = warehouse.statements(policy, year, "duckdb", "facts")
        per = from_codes(st, con.execute(st.records).fetchall())
        totals = [(t, con.execute(t.sql).fetchall() if t.sql else []) for t in st.targets]
        targets = warehouse.target_results(policy, year, totals)
        return per, [t.to_json() for t in targets]
    finally:
        con.close()


def spark_frame(spark, policy, rows: list[tuple]):
    from pyspark.sql import types as T

    kinds = {"integer": T.LongType(), "decimal": T.DecimalType(38, 10), "bool": T.BooleanType(),
             "text": T.StringType(), "enum": T.StringType(), "date": T.DateType()}
    schema = T.StructType([T.StructField("id", T.StringType()),
                           *(T.StructField(f.name, kinds[f.kind]) for f in policy.ir.facts),
                           T.StructField("exemptions", T.StringType())])
    return spark.createDataFrame(rows, schema)


def spark_run(spark, policy, rows: list[tuple], year: int) -> tuple[list[tuple], list[dict]]:
    from policydsl.spark import evaluate

    result = evaluate(policy, spark_frame(spark, policy, rows), year)
    collected = sorted(result.records.collect(), key=lambda r: [x for x, *_ in rows].index(r[0]))
    return from_codes(result.statements, collected), [t.to_json() for t in result.targets]
