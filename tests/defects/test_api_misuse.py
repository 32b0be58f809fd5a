"""Issue #14, item 19: values and records given through the Python API."""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import pytest

import policydsl
import policydsl.data
from policydsl.data.mappings import records_from_mappings
from policydsl.policy import YearError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "chifeng"))
from chifeng_records import BASELINE  # noqa: E402

POLICY = policydsl.load(ROOT / "policies" / "chifeng_2023.pol")


def field_errors(record: dict, field: str) -> list[str]:
    result = POLICY.evaluate_record(record, 2025)
    return [e.message for e in result.errors if e.field == field]


def test_numpy_scalars_are_read_as_the_numbers_and_booleans_they_hold() -> None:
    np = pytest.importorskip("numpy")
    plain = POLICY.evaluate_record(dict(BASELINE, households=1500, has_own_office=True), 2025)
    for field, value in (("households", np.int64(1500)), ("households", np.float64(1500.0)),
                         ("households", np.uint16(1500)), ("has_own_office", np.bool_(True))):
        other = {"households": 1500, "has_own_office": True}
        result = POLICY.evaluate_record(dict(BASELINE, **dict(other, **{field: value})), 2025)
        assert result.errors == ()
        assert [o.outcome for o in result.outcomes] == [o.outcome for o in plain.outcomes]
    assert field_errors(dict(BASELINE, households=np.float64(1500.5)), "households") == [
        "`households` must be a whole number, got `1500.5`"]


def test_pandas_missing_markers_mean_missing() -> None:
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    for missing in (pd.NA, pd.NaT, float("nan"), np.float64("nan"), None):
        assert field_errors(dict(BASELINE, households=missing), "households") == ["`households` is missing"]


def test_a_refused_value_of_an_unusual_type_names_the_type() -> None:
    assert field_errors(dict(BASELINE, households=object()), "households")[0].endswith(
        "(a builtins.object)")
    assert field_errors(dict(BASELINE, households=b"12"), "households") == [
        "`households` must be a number, got `b'12'` (a builtins.bytes)"]


def test_a_huge_fraction_is_a_field_error() -> None:
    assert field_errors(dict(BASELINE, households=Fraction(10**5000)), "households") == [
        "`households` has too many digits (at most 100), got `a number with hundreds of digits`"]


def test_api_records_follow_the_id_rules_of_files() -> None:
    records = [dict(BASELINE, id="A"), dict(BASELINE, id="A"), dict(BASELINE, id=["x"]), dict(BASELINE, id="  ")]
    ev = POLICY.evaluate(records, 2025, engine="compiled")
    assert [(r.id, [e.message for e in r.errors if e.field == "id"]) for r in ev.records] == [
        ("A", []), ("A", ["duplicate record id `A` (first at record 1)"]),
        ("#3", ['`id` must be text or a number, got `["x"]`']), ("#4", ["record has no `id`"])]


def test_items_that_are_not_mappings_are_records_with_an_error() -> None:
    ev = POLICY.evaluate([None, 5, dict(BASELINE, id="ok")], 2025, engine="compiled")
    assert [(r.id, r.errors[0].message) for r in ev.records[:2]] == [
        ("#1", "record 1 is not a mapping of field names to values: it is `None`"),
        ("#2", "record 2 is not a mapping of field names to values: it is an int")]
    assert ev.records[2].id == "ok"


def test_records_from_mappings_numbers_records_from_start_and_passes_raw_records_through() -> None:
    (first,) = records_from_mappings([{"x": 1}], start=9)
    assert (first.index, first.id) == (9, "#10")
    again = list(records_from_mappings([first, {"id": "b"}]))
    assert again[0] is first and again[1].id == "b"


def test_a_year_given_as_text_is_a_clear_error() -> None:
    with pytest.raises(YearError, match=r"^the year must be a whole number such as 2023, got '2024' \(a str\)$"):
        POLICY.check_year("2024")  # type: ignore[arg-type]
    with pytest.raises(YearError, match="got True"):
        POLICY.check_year(True)


def test_records_given_through_the_api_get_the_errors_the_same_file_gets() -> None:
    path = HERE / "api_misuse" / "dup.csv"
    from_file = [(r.id, r.errors) for r in policydsl.data.read_records(path)]
    rows = [dict(r.fields) for r in policydsl.data.read_records(path)]
    assert [(r.id, r.errors) for r in records_from_mappings(rows)] == from_file
    assert [e.message for _, errors in from_file for e in errors] == [
        "duplicate record id `A` (first at record 1)", "duplicate record id `A` (first at record 1)"]
