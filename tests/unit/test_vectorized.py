"""The vectorized engine: exact on boundaries, and exact when int64 would overflow."""

from __future__ import annotations

import policydsl
from policydsl.eval.engine import make_engine
from policydsl.eval.vectorized import Columns, Fallback
from policydsl.results import OUTCOMES

POLICY = '''
policy p period 2024 to 2025
fact area: decimal m2
fact homes: integer household
fact zone: text
rule room clause C1 must area >= 20 m2 per 100 households
rule third clause C2 must area * 3 >= 1 m2 or zone = "north"
'''


def _verdicts(text: str, rows: list[dict], year: int = 2024):
    policy = policydsl.loads(text)
    records = policy.prepare(rows)
    codes = make_engine(policy.ir, "vectorized").verdict_rows(records, year)
    ref = make_engine(policy.ir, "reference")
    expected = [tuple(o.outcome for o in ref.record(r, year).outcomes) for r in records]
    return [tuple(OUTCOMES[c] for c in row) for row in codes], expected


def test_rate_boundary_is_exact_where_float_is_not() -> None:
    # 0.1 + 0.2 style: 20 m2 per 100 households of 3 households is exactly 0.6 m2.
    rows = [{"id": "on", "area": "0.6", "homes": "3", "zone": "south"},
            {"id": "below", "area": "0.5999999999999999", "homes": "3", "zone": "south"},
            {"id": "third", "area": "0.3333333333333333", "homes": "1", "zone": "south"}]
    got, expected = _verdicts(POLICY, rows)
    assert got == expected
    assert [g[0] for g in got] == ["pass", "fail", "pass"]
    assert got[2][1] == "fail"  # 3 × 0.3333333333333333 is just under 1


def test_numbers_beyond_int64_are_judged_exactly() -> None:
    rows = [{"id": "big", "area": "9" * 30, "homes": "1", "zone": "x"},
            {"id": "small", "area": "0.000000000000000000001", "homes": "0", "zone": "north"}]
    got, expected = _verdicts(POLICY, rows)
    assert got == expected == [("pass", "pass"), ("pass", "pass")]


def test_columns_refuse_values_that_would_overflow() -> None:
    policy = policydsl.loads(POLICY)
    records = policy.prepare([{"id": "a", "area": "9" * 30, "homes": "1", "zone": "x"}])
    try:
        Columns.from_records(policy.ir, records)
    except Fallback:
        return
    raise AssertionError("a 30-digit value cannot be an int64 numerator")


def test_missing_values_are_unknown_and_text_compares_by_value() -> None:
    rows = [{"id": "a", "homes": "5", "zone": "north"}, {"id": "b", "area": "1", "zone": "east"}]
    got, expected = _verdicts(POLICY, rows)
    assert got == expected == [("unknown", "pass"), ("unknown", "pass")]
