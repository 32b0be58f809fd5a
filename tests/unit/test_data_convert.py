"""Converting raw field values: every kind, its accepted forms and its messages."""

from __future__ import annotations

import io
import time
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policydsl.data import (
    MISSING,
    FieldSpec,
    JsonConstant,
    convert_field,
    parse_exemptions,
    read_records,
)

HOUSEHOLDS = FieldSpec("households", "integer")
AREA = FieldSpec("service_space_m2", "decimal")
FLAG = FieldSpec("has_own_office", "bool")
NAME = FieldSpec("name", "text")
LEVEL = FieldSpec("demo_level", "enum", ("none", "city", "autonomous_region", "national"))


def ok(spec: FieldSpec, raw: object) -> object:
    value, error = convert_field(spec, raw)
    assert error is None, error
    return value


def bad(spec: FieldSpec, raw: object) -> str:
    value, error = convert_field(spec, raw)
    assert value is MISSING
    assert error is not None
    return error


# -- missing --------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_missing_required_value_is_an_error(raw: object) -> None:
    assert bad(HOUSEHOLDS, raw) == "`households` is missing"


@pytest.mark.parametrize("raw", [None, ""])
def test_missing_optional_value_is_missing_without_error(raw: object) -> None:
    spec = FieldSpec("households", "integer", optional=True)
    assert convert_field(spec, raw) == (MISSING, None)


def test_missing_repr() -> None:
    assert repr(MISSING) == "MISSING"


# -- bool -----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["true", "TRUE", "Yes", "1", "是", True, 1])
def test_true_spellings(raw: object) -> None:
    assert ok(FLAG, raw) is True


@pytest.mark.parametrize("raw", ["false", "False", "NO", "0", "否", False, 0])
def test_false_spellings(raw: object) -> None:
    assert ok(FLAG, raw) is False


@pytest.mark.parametrize(
    ("raw", "shown"), [("maybe", "maybe"), (2, "2"), (Decimal("1.0"), "1.0"), ("y", "y")]
)
def test_other_bool_values_are_rejected(raw: object, shown: str) -> None:
    assert bad(FLAG, raw) == f"`has_own_office` must be `true` or `false`, got `{shown}`"


# -- integer --------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["12", 12, "12.0", Decimal("12.0"), " +12 ", "1.2e1"])
def test_integer_forms(raw: object) -> None:
    value = ok(HOUSEHOLDS, raw)
    assert value == Fraction(12)
    assert isinstance(value, Fraction)
    assert value.denominator == 1


def test_integer_is_multiplied_by_scale() -> None:
    spec = FieldSpec("households", "integer", scale=Fraction(10_000))
    assert ok(spec, "3") == Fraction(30_000)


@pytest.mark.parametrize(("raw", "shown"), [(Decimal("12.5"), "12.5"), ("12.5", "12.5")])
def test_fractional_integer_is_rejected(raw: object, shown: str) -> None:
    assert bad(HOUSEHOLDS, raw) == f"`households` must be a whole number, got `{shown}`"


def test_non_number_integer_is_rejected() -> None:
    assert bad(HOUSEHOLDS, "abc") == "`households` must be a number, got `abc`"


@pytest.mark.parametrize("raw", [True, False])
def test_bools_are_not_numbers(raw: bool) -> None:
    assert bad(HOUSEHOLDS, raw) == f"`households` must be a number, got `{str(raw).lower()}`"
    assert bad(AREA, raw).startswith("`service_space_m2` must be a number")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("nan", "nan"),
        ("NaN", "NaN"),
        ("inf", "inf"),
        ("-Infinity", "-Infinity"),
        (JsonConstant("NaN"), "NaN"),
        (JsonConstant("Infinity"), "Infinity"),
        (float("inf"), "inf"),
    ],
)
def test_non_finite_numbers_are_rejected(raw: object, shown: str) -> None:
    assert bad(HOUSEHOLDS, raw) == f"`households` must be a finite number, got `{shown}`"
    assert bad(AREA, raw) == f"`service_space_m2` must be a finite number, got `{shown}`"


def test_a_float_nan_in_memory_is_missing_as_pandas_means_it() -> None:
    assert bad(HOUSEHOLDS, float("nan")) == "`households` is missing"


# -- decimal --------------------------------------------------------------------------


def test_decimal_text_is_exact() -> None:
    assert ok(AREA, "65743.07") == Fraction("65743.07")
    assert ok(AREA, "200.00") == Fraction(200)
    assert ok(AREA, "1e3") == Fraction(1000)
    assert ok(AREA, ".5") == Fraction(1, 2)


def test_json_decimal_is_exact_end_to_end() -> None:
    (record,) = read_records(io.BytesIO(b'{"id": "A", "m2": 65743.07}\n'), "jsonl")
    assert ok(AREA, record.fields["m2"]) == Fraction("65743.07")
    assert Fraction(65743.07) != Fraction("65743.07")  # what binary float would have given


def test_python_float_is_read_as_its_shortest_text_not_its_binary_value() -> None:
    assert ok(AREA, 0.1) == Fraction(1, 10)


def test_decimal_scale_converts_units_exactly() -> None:
    spec = FieldSpec("operating_funds", "decimal", scale=Fraction(10_000))  # 万元 -> 元
    assert ok(spec, "1.5") == Fraction(15_000)


def test_thousands_separators_are_rejected_with_a_hint() -> None:
    assert bad(AREA, "1,000.5") == (
        "`service_space_m2` must be written without thousands separators, got `1,000.5`"
    )


@pytest.mark.parametrize("raw", ["1_000", "١٢", "12 m2", "0x10", "--1", "1e", "e3", "."])
def test_non_plain_numbers_are_rejected(raw: str) -> None:
    assert bad(AREA, raw) == f"`service_space_m2` must be a number, got `{raw}`"


def test_bad_value_is_truncated_to_40_characters_in_the_message() -> None:
    message = bad(AREA, "x" * 60)
    shown = message.split("`")[3]
    assert len(shown) == 40
    assert shown.endswith("…")


def test_control_characters_in_a_bad_value_are_escaped() -> None:
    assert bad(AREA, "1\n2") == "`service_space_m2` must be a number, got `1\\n2`"


@pytest.mark.parametrize(
    "raw", ["1" * 101, "1e999999999", Decimal("1e999999999"), "0." + "0" * 99 + "1", 10**200]
)
def test_too_many_digits_are_rejected_quickly(raw: object) -> None:
    start = time.perf_counter()
    message = bad(AREA, raw)
    assert message.startswith("`service_space_m2` has too many digits (at most 100), got `")
    assert time.perf_counter() - start < 0.1


def test_huge_json_integer_from_the_reader_is_rejected() -> None:
    (record,) = read_records(io.BytesIO(b'{"id": "A", "n": ' + b"9" * 5000 + b"}\n"))
    assert "too many digits" in bad(HOUSEHOLDS, record.fields["n"])


def test_hundred_digit_number_is_still_accepted() -> None:
    assert ok(AREA, "9" * 100) == Fraction(10**100 - 1)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None))
def test_decimal_text_converts_exactly(value: Decimal) -> None:
    text = str(value)
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    width = len(digits) + exponent if exponent >= 0 else max(len(digits), -exponent)
    result = convert_field(AREA, text)
    if width > 100 or len(text) > 100:
        assert result[0] is MISSING and "too many digits" in str(result[1])
    else:
        assert result == (Fraction(value), None)
        assert convert_field(AREA, value) == (Fraction(value), None)  # the JSON path


# -- text -----------------------------------------------------------------------------


def test_text_kinds() -> None:
    assert ok(NAME, " 长青社区 ") == "长青社区"
    assert ok(NAME, 150402001) == "150402001"
    assert ok(NAME, Decimal("1.50")) == "1.50"
    assert bad(NAME, True) == "`name` must be text, got `true`"
    assert bad(NAME, {"a": 1}) == '`name` must be text, got `{"a": 1}`'


# -- enum -----------------------------------------------------------------------------


def test_enum_member_becomes_its_ordinal() -> None:
    assert [ok(LEVEL, m) for m in LEVEL.members] == [0, 1, 2, 3]


def test_enum_typo_lists_members_and_suggests_the_closest() -> None:
    assert bad(LEVEL, "natoinal") == (
        "`demo_level` must be one of `none`, `city`, `autonomous_region`, `national`;"
        " got `natoinal` (did you mean `national`?)"
    )


def test_enum_without_a_close_member_has_no_suggestion() -> None:
    assert bad(LEVEL, "zzz").endswith("got `zzz`")


def test_enum_suggests_across_case() -> None:
    assert bad(LEVEL, "NONE").endswith("(did you mean `none`?)")


def test_enum_rejects_a_number() -> None:
    assert bad(LEVEL, 1).endswith("; got `1`")


def test_field_spec_rejects_an_unknown_kind() -> None:
    with pytest.raises(ValueError):
        FieldSpec("x", "float")


# -- exemptions -----------------------------------------------------------------------


def test_exemptions_from_a_json_object_and_from_a_csv_cell() -> None:
    expected = {"C21": "merged village, 3400 households approved"}
    assert parse_exemptions(expected) == (expected, None)
    assert parse_exemptions('{"C21": "merged village, 3400 households approved"}') == (
        expected,
        None,
    )


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_no_exemptions(raw: object) -> None:
    assert parse_exemptions(raw) == ({}, None)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("C21", '`exemptions` must be a JSON object like `{"C21": "reason"}`, got `C21`'),
        ("[1]", '`exemptions` must be a JSON object like `{"C21": "reason"}`, got `[1]`'),
        (["C21"], '`exemptions` must be a JSON object like `{"C21": "reason"}`, got `["C21"]`'),
        ({"C21": 3}, "the reason for exempting `C21` must be non-empty text, got `3`"),
        ({"C21": " "}, "the reason for exempting `C21` must be non-empty text, got ` `"),
        ({"": "x"}, "`exemptions` has an empty clause id"),
        ('{"C21": "a", "C21": "b"}', "clause `C21` appears more than once in `exemptions`"),
    ],
)
def test_bad_exemptions(raw: object, message: str) -> None:
    assert parse_exemptions(raw) == ({}, message)


def test_exemptions_in_the_gbk_fixture_csv() -> None:
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "fixtures" / "data" / "communities_gbk.csv"
    records = list(read_records(path))
    assert parse_exemptions(records[0].fields["exemptions"]) == ({}, None)
    assert parse_exemptions(records[1].fields["exemptions"]) == (
        {"C21": "合并社区，旗政府批准"},
        None,
    )
