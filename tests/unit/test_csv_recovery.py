"""A quote that is never closed must not swallow the records after it."""

from __future__ import annotations

import io

from policydsl.data import read_records
from policydsl.limits import Limits, using


def read(text: str):
    return list(read_records(io.BytesIO(text.encode()), "csv"))


def test_quote_open_at_end_of_file_gives_back_the_following_rows():
    rows = read('id,name\na,x\nb,"y\nc,z\nd,w\n')
    assert [r.id for r in rows] == ["a", "b", "c", "d"]
    assert rows[1].fields["name"] == '"y'
    assert [e.message for e in rows[1].errors] == [
        "line 3 opens a quote that is never closed; the quote is read as text and the next lines as rows"]
    assert all(not r.errors for r in rows[2:])
    assert [r.line for r in rows] == [2, 3, 4, 5]


def test_a_closed_multiline_quote_is_still_one_field():
    rows = read('id,note\na,"two\nlines"\nb,z\n')
    assert [r.id for r in rows] == ["a", "b"]
    assert rows[0].fields["note"] == "two\nlines"
    assert rows[0].errors == ()


def test_quote_that_overruns_the_field_limit_is_recovered_too():
    body = "".join(f"r{i},v\n" for i in range(2000))
    with using(Limits(field_chars=1000)):
        rows = read('id,name\na,"x\n' + body)
    assert len(rows) == 2001
    assert rows[0].id == "a" and "never closed" in rows[0].errors[0].message
    assert [r.id for r in rows[1:]] == [f"r{i}" for i in range(2000)]
