"""The fast ingestion paths give exactly what the plain paths give: values and messages."""

from __future__ import annotations

import io
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policydsl
from policydsl.data.convert import MISSING, SLOW, FieldSpec, convert_field, converter
from policydsl.data.read import FieldError, RawRecord, read_records
from policydsl.eval.validate import EXEMPTIONS_FIELD, Record, Validator
from tests.strategies import policy_and_records

SPECS = [
    FieldSpec("n", "integer"),
    FieldSpec("d", "decimal"),
    FieldSpec("w", "integer", scale=Fraction(1, 100)),
    FieldSpec("m", "decimal", scale=Fraction(10_000), optional=True),
    FieldSpec("b", "bool"),
    FieldSpec("t", "text"),
    FieldSpec("e", "enum", ("none", "city", " spaced ", "national")),
]

# Text near the fast path's edges: signs, dots, exponents, separators, other digits.
_PIECES = ["0", "7", "12", "007", "-", "+", ".", "..", "e3", "E-2", "_", ",", " ", "\t",
           "١", "²", "nan", "inf", "true", "是", "city", " spaced ", "1" * 60]
raw_texts = st.lists(st.sampled_from(_PIECES), max_size=5).map("".join)
raw_values = st.one_of(
    raw_texts,
    st.integers(min_value=-(10**101), max_value=10**101),
    st.booleans(),
    st.none(),
    st.decimals(allow_nan=True, allow_infinity=True, places=3),
    st.floats(allow_nan=False, allow_infinity=False),
    st.just([1]),
)


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(SPECS), raw_values)
def test_fast_converter_gives_the_plain_value_or_defers(spec: FieldSpec, raw: object) -> None:
    fast = converter(spec)(raw)
    if fast is SLOW:
        return
    value, problem = convert_field(spec, raw)
    assert problem is None
    assert fast == value and type(fast) is type(value)


@pytest.mark.parametrize(
    ("spec", "raw", "value"),
    [
        (SPECS[0], "1524", Fraction(1524)),
        (SPECS[0], "-0", Fraction(0)),
        (SPECS[1], "63648.42", Fraction(6364842, 100)),
        (SPECS[1], "+0.50", Fraction(1, 2)),
        (SPECS[2], "3", Fraction(3, 100)),
        (SPECS[3], "1.5", Fraction(15_000)),
        (SPECS[4], "false", False),
        (SPECS[5], " 永盛社区 ", "永盛社区"),
        (SPECS[6], "city", 1),
    ],
)
def test_typical_values_take_the_fast_path(spec: FieldSpec, raw: str, value: object) -> None:
    assert converter(spec)(raw) == value


@pytest.mark.parametrize("raw", ["", "  ", "12.0", "1e3", ".5", "5.", "1,000", "١٢", "1_0", "--1"])
def test_unusual_text_is_left_to_the_plain_conversion(raw: str) -> None:
    assert converter(SPECS[0])(raw) is SLOW


def _plain_validate(validator: Validator, raw: RawRecord) -> Record:
    """What `Validator.validate` did before it was made fast: convert, then interpret."""
    errors = list(raw.errors)
    values: dict[str, object] = {}
    for fact, spec in validator.specs:
        value, problem = convert_field(spec, raw.fields.get(fact.name))
        if problem is not None:
            errors.append(FieldError(fact.name, problem))
        if value is not MISSING:
            values[fact.name] = value
    validator._constraints(values, errors)
    exemptions = validator._exemptions(raw.fields.get(EXEMPTIONS_FIELD), errors)
    return Record(raw.id, raw.index, values, exemptions, tuple(errors))


@settings(max_examples=60, deadline=None)
@given(policy_and_records())
def test_validation_matches_converting_and_interpreting_each_field(case) -> None:
    policy = policydsl.loads(case.policy.text)
    validator = Validator(policy.ir)
    for i, record in enumerate(case.records):
        raw = RawRecord(i, None, str(i), dict(record), ())
        assert validator.validate(raw) == _plain_validate(validator, raw)


CHIFENG = "policies/chifeng_2023.pol"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"staff_count": "3", "staff_trained": "4"}, ["staff_trained"]),
        ({"staff_count": "-1", "staff_trained": "0"}, ["staff_count"]),
        ({"staff_count": "-1", "staff_trained": "4"}, ["staff_count"]),
        ({"retirees": "2", "retirees_managed": "2.5"}, ["retirees_managed"]),
        ({"service_space_m2": "-0.01", EXEMPTIONS_FIELD: '{"C99": "x"}'},
         ["service_space_m2", EXEMPTIONS_FIELD]),
    ],
)
def test_constraint_failures_read_as_before(fields: dict, errors: list[str]) -> None:
    policy = policydsl.load(CHIFENG)
    validator = Validator(policy.ir)
    raw = RawRecord(0, 2, "r", fields, ())
    got = validator.validate(raw)
    assert got == _plain_validate(validator, raw)
    assert [e.field for e in got.errors if e.field in errors] == errors


def test_csv_with_a_repeated_or_unnamed_column_keeps_the_first_value() -> None:
    data = b"id,a,,a,b\nr1,1,x,2,3\nr2,4\n"
    first, second = read_records(io.BytesIO(data), "csv")
    assert first.fields == {"id": "r1", "a": "1", "b": "3"}
    assert second.fields == {"id": "r2", "a": "4"}


def test_csv_with_a_plain_header_zips_cells_in_order() -> None:
    data = b"id,a,b\r\nr1,1,2\r\nr2,3\rr3,5,6\n"
    records = list(read_records(io.BytesIO(data), "csv"))
    assert [r.fields for r in records] == [
        {"id": "r1", "a": "1", "b": "2"}, {"id": "r2", "a": "3"}, {"id": "r3", "a": "5", "b": "6"}]
