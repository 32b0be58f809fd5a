"""A quote that is never closed must not swallow the records after it."""

from __future__ import annotations

import io

from policydsl.core.limits import Limits, using
from policydsl.data import read_records


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


def test_two_open_quotes_do_not_pair_up_across_the_rows_between_them():
    rows = read('id,name,n\na,"x,1\nb,y,2\nc,z,3\nd,"w,4\ne,v,5\n')
    assert [r.id for r in rows] == ["a", "b", "c", "d", "e"]
    assert [r.line for r in rows] == [2, 3, 4, 5, 6]
    assert [bool(r.errors) for r in rows] == [True, False, False, True, False]
    assert rows[3].errors[0].message.startswith("line 5 opens a quote that is never closed")


def test_a_quote_closed_inside_a_cell_on_a_later_line_is_not_a_multiline_field():
    rows = read('id,note\na,"x\nb,"y\n')
    assert [r.id for r in rows] == ["a", "b"]
    assert all("never closed" in r.errors[0].message for r in rows)


def test_multiline_fields_with_commas_and_doubled_quotes_stay_whole():
    rows = read('id,note,n\na,"one, two\nsay ""hi"", then\nend",1\nb,"x\n\ny",2\n')
    assert [(r.id, r.fields["note"], r.fields["n"], r.errors) for r in rows] == [
        ("a", 'one, two\nsay "hi", then\nend', "1", ()), ("b", "x\n\ny", "2", ())]
    assert [r.line for r in rows] == [2, 5]


def test_rows_swallowed_between_two_quotes_that_close_properly_are_given_back():
    # The inner lines have the header's width: they are records, not text of a field.
    rows = read('id,a,b\nr1,"x,1\nr2,y,2\nr3,z",3\n')
    assert [r.id for r in rows] == ["r1", "r2", "r3"]
    assert "never closed" in rows[0].errors[0].message


def test_blanks_after_a_closing_quote_and_quotes_inside_cells_are_not_broken_quotes():
    rows = read('id,note,n\na,"x" ,1\nb,12" screen,2\nc,"two\nlines" ,3\n')
    assert [(r.id, r.fields["note"], r.errors) for r in rows] == [
        ("a", "x", ()), ("b", '12" screen', ()), ("c", "two\nlines", ())]


def test_an_open_quote_paired_with_a_quote_alone_in_a_later_cell_is_found():
    # The second quote looks like a proper close (`",`), but the line it is on reads
    # as a whole record once quotes are taken as text.
    rows = read('id,a,b,c\nr0,x,"y,z\nr1,x,",w\n')
    assert [r.id for r in rows] == ["r0", "r1"]
    assert all("never closed" in r.errors[0].message for r in rows)
