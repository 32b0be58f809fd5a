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
    """(name, DuckDB type) of the typed table of `policy` (a `Policy` or one entity's IR)."""
    kinds = {"integer": "BIGINT", "decimal": DECIMAL_TYPE, "bool": "BOOLEAN", "text": "VARCHAR",
             "enum": "VARCHAR", "date": "DATE"}
    facts = getattr(policy, "ir", policy).facts
    return [("id", "VARCHAR"), *((f.name, kinds[f.kind]) for f in facts), ("exemptions", "VARCHAR")]


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
        for fact, v in zip(getattr(policy, "ir", policy).facts, row[1:], strict=False):
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

    facts = getattr(policy, "ir", policy).facts
    kinds = {"integer": T.LongType(), "decimal": T.DecimalType(38, 10), "bool": T.BooleanType(),
             "text": T.StringType(), "enum": T.StringType(), "date": T.DateType()}
    schema = T.StructType([T.StructField("id", T.StringType()),
                           *(T.StructField(f.name, kinds[f.kind]) for f in facts),
                           T.StructField("exemptions", T.StringType())])
    return spark.createDataFrame(rows, schema)


def spark_run(spark, policy, rows: list[tuple], year: int) -> tuple[list[tuple], list[dict]]:
    from policydsl.spark import evaluate

    result = evaluate(policy, spark_frame(spark, policy, rows), year)
    collected = sorted(result.records.collect(), key=lambda r: [x for x, *_ in rows].index(r[0]))
    return from_codes(result.statements, collected), [t.to_json() for t in result.targets]


# ---- several entities -------------------------------------------------------------------


def entity_rows(policy, data: dict[str, list[dict]]) -> dict[str, list[tuple]]:
    """Each entity's typed rows: its records validated by its own facts, as the reference
    validates them."""
    from policydsl.data.mappings import records_from_mappings
    from policydsl.eval.validate import Validator

    out = {}
    for e in policy.ir.entities:
        part = policy.ir.for_entity(e.name)
        validate = Validator(part).validate
        rows = []
        for raw in records_from_mappings(data[e.name]):
            rec = validate(raw)
            values = [_declared(f, rec.values.get(f.name)) for f in part.facts]
            rows.append((rec.id, *values, ",".join(rec.exemptions) if rec.exemptions else None))
        out[e.name] = rows
    return out


def entity_reference(policy, data, year: int) -> tuple[dict[str, list[tuple]], list[dict]]:
    """Per entity, sorted (id, outcome per rule, the error on the link to the parent or
    None), and every target's JSON, sorted, by the reference."""
    ev = policy.evaluate(data, year, engine="reference")
    per = {}
    for e in policy.ir.entities:
        rows = []
        for r in ev.entities[e.name].records:
            link = next((f"{err.field}: {err.message}" for err in r.errors
                         if e.key is not None and err.field == e.key), None)
            rows.append((r.id, tuple(o.outcome for o in r.outcomes), link))
        per[e.name] = sorted(rows, key=repr)
    return per, sorted((t.to_json() for t in ev.targets), key=repr)


def entity_run(policy, st: warehouse.EntityStatements, query, year: int) -> tuple[dict[str, list[tuple]], list[dict]]:
    """As `entity_reference`, from the generated statements, `query(sql)` giving the rows."""
    per, targets = {}, []
    for name, s in st.entities.items():
        rows = [(row[0], tuple(warehouse.outcome_name(c) for c in row[2:]), row[1]) for row in query(s.records)]
        per[name] = sorted(rows, key=repr)
        totals = [(t, [tuple(r) for r in query(t.sql)] if t.sql else []) for t in s.targets]
        ids = [r[0] for r in query(s.parent_ids)] if s.parent_ids else []
        targets += [t.to_json() for t in warehouse.target_results(policy, year, totals, entity=name, parent_ids=ids)]
    return per, sorted(targets, key=repr)


def entity_duckdb_run(policy, rows: dict[str, list[tuple]], year: int):
    """The generated duckdb-dialect SQL over one typed DuckDB table per entity."""
    import duckdb

    con = duckdb.connect()
    try:
        for e in policy.ir.entities:
            cols = columns(policy.ir.for_entity(e.name))
            con.execute(f'CREATE TABLE "{e.plural}" (' + ", ".join(f'"{n}" {t}' for n, t in cols) + ")")
            if rows[e.name]:
                con.executemany(f'INSERT INTO "{e.plural}" VALUES ({", ".join("?" * len(cols))})', rows[e.name])
        st = warehouse.statements(policy, year, "duckdb")
        return entity_run(policy, st, lambda sql: con.execute(sql).fetchall(), year)
    finally:
        con.close()


def entity_spark_run(spark, policy, rows: dict[str, list[tuple]], year: int):
    from policydsl.spark import evaluate

    frames = {e.name: spark_frame(spark, policy.ir.for_entity(e.name), rows[e.name]) for e in policy.ir.entities}
    result = evaluate(policy, frames, year)
    per = {}
    for name, ev in result.entities.items():
        per[name] = sorted(((r[0], tuple(warehouse.outcome_name(c) for c in r[2:]), r[1])
                            for r in ev.records.collect()), key=repr)
    return per, sorted((t.to_json() for t in result.targets), key=repr)
