"""File-level mistakes found in a CSV header: one message, not one per record."""

from __future__ import annotations

import io

import pytest

from policydsl.data import DataError, HeaderProblem, check_header, read_records

FACTS = ["rooms", "households", "has_office"]


@pytest.mark.parametrize(("delimiter", "name"), [(";", "`;`"), ("\t", "a tab"), ("|", "`|`")])
def test_a_header_of_one_column_that_another_delimiter_splits_is_one_error(delimiter: str, name: str) -> None:
    header = delimiter.join(["id", "rooms", "households"])
    (problem,) = check_header([header], FACTS)
    assert problem.severity == "error"
    shown = header.replace("\t", "\\t")
    assert problem.message == f"the header has one column `{shown}`: is the delimiter {name}?"
    data = (header + "\n" + delimiter.join(["a", "1", "2"]) + "\n").encode()
    with pytest.raises(DataError, match=f"the header has one column .*is the delimiter {name}"):
        read_records(io.BytesIO(data), "csv")


def test_a_near_miss_of_a_fact_name_is_a_warning_naming_the_column() -> None:
    problems = check_header(["id", "housholds", "Rooms", "notes", "exemptions"], FACTS)
    assert [(p.severity, p.column, p.message) for p in problems] == [
        ("warning", "housholds", "column `housholds` is not a fact of the policy — did you mean `households`?"),
        ("warning", "Rooms", "column `Rooms` is not a fact of the policy — did you mean `rooms`?")]


def test_a_header_that_names_every_fact_has_no_problem() -> None:
    assert check_header(["id", *FACTS, "exemptions"], FACTS) == []
    assert check_header(["id", "households", "household"], FACTS) == []  # the fact is there


def test_columns_of_a_csv_are_on_the_records() -> None:
    records = read_records(io.BytesIO(b"id,housholds\na,1\n"), "csv")
    assert records.columns == ["id", "housholds"]
    assert check_header(records.columns, FACTS) == [HeaderProblem(
        "warning", "housholds", "column `housholds` is not a fact of the policy — did you mean `households`?",
        "rename the column to `households`; until then `households` is missing in every record")]
