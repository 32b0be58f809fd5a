"""Reading records: encodings, CSV structure, JSON / JSON Lines, ids, streaming."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from policydsl.data import DataError, FieldError, JsonConstant, RawRecord, read_records
from policydsl.data.read import CHUNK_SIZE, SAMPLE_SIZE

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"


def read(data: bytes, format: str | None = None, **kw: object) -> list[RawRecord]:
    return list(read_records(io.BytesIO(data), format, **kw))


def messages(record: RawRecord) -> list[str]:
    return [e.message for e in record.errors]


# -- encodings ------------------------------------------------------------------------

CHINESE_CSV = "id,name,region\nC1,红山社区,红山区\nC2,松山社区,松山区\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_chinese_csv_reads_the_same_in_every_supported_encoding(encoding: str) -> None:
    records = read(CHINESE_CSV.encode(encoding))
    assert [r.fields["region"] for r in records] == ["红山区", "松山区"]
    assert [r.errors for r in records] == [(), ()]


def test_utf8_bom_is_not_part_of_the_first_column_name() -> None:
    (record,) = read(b"\xef\xbb\xbfid,households\nC1,12\n")
    assert record.fields == {"id": "C1", "households": "12"}


def test_gb18030_file_with_chinese_only_after_the_sample_is_still_detected() -> None:
    head = "id,name\n" + "".join(f"A{i},ascii\n" for i in range(20_000))  # > 64 KiB of ASCII
    records = read((head + "Z1,红山区\n").encode("gb18030"))
    assert records[-1].fields["name"] == "红山区"
    assert records[-1].errors == ()


def test_gbk_fixture_file_reads_by_path() -> None:
    records = list(read_records(FIXTURES / "communities_gbk.csv"))
    assert records[0].fields["region"] == "红山区"
    assert records[0].line == 2


def test_bytes_in_no_supported_encoding_raise_data_error_naming_the_file() -> None:
    with pytest.raises(DataError, match="neither UTF-8 nor GB18030"):
        read_records(io.BytesIO(b"id,name\n1,\xff\xfe\xff\x80\n"))
    with pytest.raises(DataError, match=r"bad\.csv`: it is neither"):
        read_records(FIXTURES / "bad.csv")


def test_a_bad_byte_after_the_sample_is_an_error_on_that_record_not_a_crash() -> None:
    head = "id,name\nC0,红山区\n" + "".join(f"A{i},x\n" for i in range(10_000))
    records = read(head.encode("utf-8") + b"B1,\xff\xfe\n")
    last = records[-1]
    assert last.fields["name"] == "\ufffd\ufffd"
    assert last.errors == (FieldError("<row>", "line 10003 has bytes that are not valid UTF-8"),)


def test_utf16_and_excel_files_are_refused_with_advice() -> None:
    with pytest.raises(DataError, match="UTF-16 text; save it as UTF-8"):
        read_records(io.BytesIO("id\n1\n".encode("utf-16")))
    with pytest.raises(DataError, match="zip or Excel file; export it as CSV"):
        read_records(io.BytesIO(b"PK\x03\x04rest"))


# -- CSV structure --------------------------------------------------------------------


def test_empty_file_has_no_records() -> None:
    assert read(b"") == []
    assert read(b"", "csv") == []
    assert read(b"\n\n  \n") == []


def test_header_only_csv_has_no_records() -> None:
    assert read(b"id,households\n") == []


def test_csv_values_are_strings_stripped_of_surrounding_whitespace() -> None:
    (record,) = read(b"id , households\n C1 ,  12 \n")
    assert record.fields == {"id": "C1", "households": "12"}


def test_blank_lines_are_skipped_and_line_numbers_count_them() -> None:
    records = read(b"id,x\n\nA,1\n\n\nB,2\n,\n")
    assert [(r.index, r.line, r.id) for r in records] == [(0, 3, "A"), (1, 6, "B")]


def test_quoted_newline_stays_in_the_cell_and_the_next_line_number_is_right() -> None:
    records = read(b'id,name\nA,"two\nlines"\nB,x\n')
    assert records[0].fields["name"] == "two\nlines"
    assert [r.line for r in records] == [2, 4]


def test_crlf_line_endings() -> None:
    records = read(b"id,x\r\nA,1\r\nB,2\r\n")
    assert [r.fields for r in records] == [{"id": "A", "x": "1"}, {"id": "B", "x": "2"}]


def test_row_with_too_few_cells_keeps_what_maps_and_records_a_row_error() -> None:
    (record,) = read(b"id,a,b\nC1,1\n")
    assert record.fields == {"id": "C1", "a": "1"}
    assert record.errors == (
        FieldError("<row>", "line 2 has 2 values but the header has 3 columns"),
    )


def test_row_with_too_many_cells_drops_the_extra_and_records_a_row_error() -> None:
    (record,) = read(b"id,a\nC1,1,2,3\n")
    assert record.fields == {"id": "C1", "a": "1"}
    assert messages(record) == ["line 2 has 4 values but the header has 2 columns"]


def test_trailing_empty_cells_beyond_the_header_are_harmless() -> None:
    (record,) = read(b"id,a\nC1,1,,\n")
    assert record.errors == ()


def test_duplicated_header_column_errors_every_record_and_the_first_wins() -> None:
    records = read(b"id,a,households,b,c,d,households\nC1,1,10,2,3,4,99\nC2,1,20,2,3,4,98\n")
    expected = FieldError(
        "households", "column `households` appears twice in the header (columns 3 and 7)"
    )
    assert [r.fields["households"] for r in records] == ["10", "20"]
    assert all(r.errors == (expected,) for r in records)


def test_column_appearing_three_times_is_counted() -> None:
    (record,) = read(b"id,x,x,x\nC1,1,2,3\n")
    assert messages(record) == ["column `x` appears 3 times in the header (columns 2, 3 and 4)"]


def test_value_under_an_unnamed_column_is_reported_not_silently_lost() -> None:
    (record,) = read(b"id,,a\nC1,stray,1\n")
    assert record.fields == {"id": "C1", "a": "1"}
    assert messages(record) == [
        "column 2 has no name in the header, so its value `stray` is ignored"
    ]


def test_oversized_csv_cell_becomes_an_error_record_and_reading_continues() -> None:
    data = b'id,a\nA,"' + b"x" * 200_000 + b'"\nB,2\n'
    records = read(data)
    assert records[0].id == "#1"
    assert records[0].errors[0].field == "<row>"
    assert "cannot be read as CSV" in records[0].errors[0].message
    assert records[1].fields == {"id": "B", "a": "2"}


# -- ids ------------------------------------------------------------------------------


def test_duplicate_ids_are_flagged_on_later_records_which_are_still_returned() -> None:
    records = read(b"id,x\nA,1\nB,2\nA,3\nA,4\n")
    assert [r.id for r in records] == ["A", "B", "A", "A"]
    assert records[0].errors == ()
    dup = FieldError("id", "duplicate record id `A` (first at record 1)")
    assert records[2].errors == (dup,)
    assert records[3].errors == (dup,)


def test_missing_or_empty_id_gets_a_positional_id_and_an_error() -> None:
    records = read(b"id,x\n,1\nB,2\n")
    assert records[0].id == "#1"
    assert records[0].errors == (FieldError("id", "record has no `id`"),)
    (no_column,) = read(b"x\n1\n")
    assert no_column.id == "#1"


def test_numeric_json_id_becomes_text_and_other_types_are_refused() -> None:
    records = read(b'[{"id": 17}, {"id": 3.50}, {"id": true}]')
    assert [r.id for r in records] == ["17", "3.50", "#3"]
    assert messages(records[2]) == ["`id` must be text or a number, got `true`"]


def test_custom_id_field() -> None:
    (record,) = read(b"code,x\nK9,1\n", id_field="code")
    assert record.id == "K9"


# -- JSON Lines -----------------------------------------------------------------------


def test_jsonl_numbers_are_exact_and_blank_lines_skipped() -> None:
    records = read(b'{"id": "A", "m2": 65743.07, "n": 12}\n\n{"id": "B"}\n', "jsonl")
    assert records[0].fields == {"id": "A", "m2": Decimal("65743.07"), "n": 12}
    assert type(records[0].fields["n"]) is int
    assert [r.line for r in records] == [1, 3]


def test_bad_jsonl_line_is_still_a_record_with_a_row_error() -> None:
    records = read(b'{"id": "A"}\n{"id": "B",\n[1, 2]\n{"id": "D"}\n', "jsonl")
    assert [r.id for r in records] == ["A", "#2", "#3", "D"]
    assert records[1].fields == {}
    assert records[1].errors[0].field == "<row>"
    assert records[1].errors[0].message.startswith("line 2 is not a JSON object: expecting")
    assert messages(records[2]) == ["line 3 is not a JSON object: it is an array"]


def test_jsonl_line_nested_too_deeply_is_a_row_error() -> None:
    (record,) = read(b"[" * 100_000 + b"\n", "jsonl")
    assert record.errors[0].field == "<row>"


def test_nan_and_infinity_become_markers_not_floats() -> None:
    (record,) = read(b'{"id": "A", "a": NaN, "b": Infinity, "c": -Infinity}\n')
    assert record.fields["a"] == JsonConstant("NaN")
    assert record.fields["b"] == JsonConstant("Infinity")
    assert record.fields["c"] == JsonConstant("-Infinity")


def test_key_repeated_in_a_json_record_keeps_the_first_and_says_so() -> None:
    (record,) = read(b'{"id": "A", "n": 1, "n": 2}\n')
    assert record.fields["n"] == 1
    expected = "field `n` appears more than once in the record; the first is used"
    assert record.errors == (FieldError("n", expected),)


def test_huge_json_integer_is_kept_for_conversion_to_reject() -> None:
    (record,) = read(b'{"id": "A", "n": ' + b"9" * 5000 + b"}\n")
    assert record.fields["n"] == Decimal("9" * 5000)


# -- JSON arrays ----------------------------------------------------------------------


def test_json_array_records_have_no_line_and_non_objects_are_error_records() -> None:
    records = read(b'[{"id": "A", "x": 1.10}, 3, "s", null]')
    assert [r.line for r in records] == [None] * 4
    assert records[0].fields["x"] == Decimal("1.10")
    assert messages(records[1]) == ["record 2 is not a JSON object: it is a number"]
    assert messages(records[2]) == ["record 3 is not a JSON object: it is a string"]
    assert messages(records[3]) == ["record 4 is not a JSON object: it is `null`"]


def test_invalid_json_array_is_a_data_error_with_position() -> None:
    with pytest.raises(DataError, match=r"^`<input>` is not valid JSON: .* at line 2, column"):
        read(b'[{"id": 1},\n ]', "json")


def test_json_that_is_not_an_array_is_a_data_error() -> None:
    with pytest.raises(
        DataError, match="must hold a JSON array of records, but it holds an object"
    ):
        read(b'{"id": 1}', "json")


def test_json_nan_in_array() -> None:
    (record,) = read(b'[{"id": "A", "x": NaN}]')
    assert record.fields["x"] == JsonConstant("NaN")


def test_gbk_json_array() -> None:
    (record,) = read('[{"id": "A", "region": "红山区"}]'.encode("gb18030"), "json")
    assert record.fields["region"] == "红山区"


# -- format guessing and opening ------------------------------------------------------


def test_format_is_guessed_from_content_without_an_extension() -> None:
    assert read(b'  [{"id": "A"}]')[0].line is None  # array
    assert read(b'{"id": "A"}\n{"id": "B"}\n')[1].line == 2  # lines
    assert read(b"id\nA\n")[0].fields == {"id": "A"}  # csv


def test_extension_wins_over_content(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(b'{"id": "A"}\n')
    assert [r.id for r in read_records(path)] == ["A"]
    csv_path = tmp_path / "data.csv"
    csv_path.write_bytes(b"[x]\n2\n")  # would be a JSON array by content
    (record,) = list(read_records(str(csv_path)))
    assert record.fields == {"[x]": "2"}


def test_missing_file_is_a_data_error_at_the_call() -> None:
    with pytest.raises(DataError, match=r"^cannot read `.*nope\.csv`: file not found$"):
        read_records("/nonexistent/nope.csv")


def test_unknown_format_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        read_records(io.BytesIO(b""), "xlsx")


def test_fixture_jsonl_and_json_agree() -> None:
    lines = list(read_records(FIXTURES / "communities.jsonl"))
    array = list(read_records(FIXTURES / "communities.json"))
    assert [r.fields for r in lines] == [r.fields for r in array]
    assert all(not r.errors for r in lines)


# -- streaming ------------------------------------------------------------------------


class CountingStream(io.RawIOBase):
    """A generated CSV that counts how many bytes were pulled from it."""

    def __init__(self, rows: int):
        self._lines = (b"id,households\n", *(f"C{i},{i}\n".encode() for i in range(rows)))
        self._gen = iter(self._lines)
        self._buf = b""
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        parts, size = [self._buf], len(self._buf)
        while size < len(buffer):  # joined once: a megabyte read stays linear
            line = next(self._gen, None)
            if line is None:
                break
            parts.append(line)
            size += len(line)
        self._buf = b"".join(parts)
        n = min(len(buffer), len(self._buf))
        buffer[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        self.served += n
        return n


def test_csv_is_read_lazily_from_a_generated_200000_line_stream() -> None:
    stream = CountingStream(200_000)
    records = read_records(io.BufferedReader(stream))
    assert isinstance(records, Iterator)
    first = next(records)
    assert (first.id, first.fields["households"]) == ("C0", "0")
    # The encoding sample and one read-ahead buffer: far less than the ~2.5 MB of the file.
    assert stream.served <= SAMPLE_SIZE + CHUNK_SIZE
    assert sum(1 for _ in records) == 199_999


def test_jsonl_is_read_lazily() -> None:
    def lines():
        for i in range(200_000):
            yield f'{{"id": "C{i}"}}\n'.encode()

    data = io.BufferedReader(io.BytesIO(b"".join(lines())))
    records = read_records(data, "jsonl")
    assert isinstance(records, Iterator)
    assert next(records).id == "C0"
    assert data.tell() <= SAMPLE_SIZE + CHUNK_SIZE  # of about 3 MB


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")
def test_file_opened_by_path_is_closed_when_iteration_ends(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"id\nA\n")
    before = len(list(Path("/proc/self/fd").iterdir()))
    records = read_records(path)
    assert len(list(Path("/proc/self/fd").iterdir())) == before + 1
    assert [r.id for r in records] == ["A"]
    assert len(list(Path("/proc/self/fd").iterdir())) == before


# -- encoding decided on the sample, forced, named ------------------------------------


@pytest.mark.parametrize(("text", "encoding"), [("平山", "gb18030"), ("梅园", "gbk"), ("café", "utf-8"),
                                                ("面积100㎡", "utf-8"), ("红山区", "utf-8")])
def test_short_text_is_read_in_the_encoding_it_was_written_in(text: str, encoding: str) -> None:
    records = read_records(io.BytesIO(f"id,name\nA,{text}\n".encode(encoding)))
    assert [r.fields["name"] for r in records] == [text]
    assert records.encoding == ("UTF-8" if encoding == "utf-8" else "GB18030")


def test_a_stray_byte_on_the_second_line_is_one_row_error() -> None:
    body = "".join(f"C{i},红山区\n" for i in range(50)).encode()
    records = read(b"id,name\nB0,\xffx\n" + body)  # 0xFF is in neither encoding
    assert len(records) == 51
    assert [m for r in records for m in messages(r)] == ["line 2 has bytes that are not valid UTF-8"]


def test_a_file_mostly_in_another_encoding_is_refused_naming_it() -> None:
    data = "id,name\n" + "".join(f"C{i},café crème à la carte\n" for i in range(30))
    with pytest.raises(DataError, match="neither UTF-8 nor GB18030 text; it looks like cp125\\d"):
        read_records(io.BytesIO(data.encode("cp1252")))


def test_forced_encoding_must_exist_and_keep_ascii() -> None:
    assert read(b"id,n\nA,\xe9\n", encoding="latin-1")[0].fields["n"] == "é"
    with pytest.raises(ValueError, match="unknown encoding `klingon`"):
        read_records(io.BytesIO(b"id\nA\n"), encoding="klingon")
    with pytest.raises(ValueError, match="encoding `utf-16` is not supported"):
        read_records(io.BytesIO(b"id\nA\n"), encoding="utf-16")


def test_a_line_longer_than_the_record_limit_refuses_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    import policydsl.data.read as read_module

    monkeypatch.setattr(read_module, "MAX_RECORD_BYTES", 200_000)
    records = read_records(io.BytesIO(b"id,x\nA,1\n" + b"y" * 5_000_000))
    assert next(records).id == "A"
    with pytest.raises(DataError, match="line 3 is longer than"):
        next(records)


# -- JSON arrays, read one element at a time -------------------------------------------


def test_a_json_array_is_parsed_across_chunk_boundaries_exactly() -> None:
    items = [{"id": f"C{i}", "x": f"{i}.{i:07d}", "n": 10**30 + i, "s": "红" * (i % 7)} for i in range(60_000)]
    text = "[" + ",".join(f'{{"id": "{d["id"]}", "x": {d["x"]}, "n": {d["n"]}, "s": "{d["s"]}"}}' for d in items) + "]"
    records = read(text.encode())  # one line of several megabytes
    assert len(records) == 60_000
    assert [(r.fields["x"], r.fields["n"], r.fields["s"]) for r in records[::997]] == [
        (Decimal(d["x"]), d["n"], d["s"]) for d in items[::997]]


def test_a_json_syntax_error_far_into_the_file_names_its_line_and_column() -> None:
    body = ",\n".join(f'{{"id": "C{i}"}}' for i in range(20_000))
    records = read_records(io.BytesIO(("[" + body + ',\n {"id": oops}]').encode()), "json")
    with pytest.raises(DataError, match=r"expecting value at line 20001, column 9$"):
        list(records)


def test_an_unclosed_json_array_is_a_data_error() -> None:
    with pytest.raises(DataError, match="never closed"):
        read(b'[{"id": "A"}', "json")


def test_a_json_array_saved_as_json_lines_is_one_file_error(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_bytes(b'[\n  {"id": "A"},\n  {"id": "B"}\n]\n')
    with pytest.raises(DataError, match=r"is a JSON array, not JSON Lines .*--data-format json"):
        read_records(path)


def test_an_unterminated_string_says_where_once() -> None:
    (record,) = read(b'{"id": "A', "jsonl")
    assert messages(record) == ["line 1 is not a JSON object: unterminated string starting at column 8"]
    with pytest.raises(DataError, match=r"unterminated string starting at line 1, column 9$"):
        read(b'[{"id": "A', "json")


def test_a_number_cut_by_a_piece_boundary_is_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    import policydsl.data.read as read_module

    monkeypatch.setattr(read_module, "CHUNK_SIZE", 1)
    monkeypatch.setattr(read_module, "SAMPLE_SIZE", 1)
    records = read(b'[{"id": "a", "x": 0.0000, "y": -1.5e-3, "z": Infinity}]', "json")
    assert records[0].fields == {"id": "a", "x": Decimal("0.0000"), "y": Decimal("-1.5e-3"),
                                 "z": JsonConstant("Infinity")}
    assert [r.fields for r in read(b"[0.5, 12]", "json")] == [{}, {}]


@pytest.mark.parametrize("piece", [1, 5, CHUNK_SIZE])
def test_a_stray_byte_in_a_json_array_is_an_error_on_its_record(piece: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import policydsl.data.read as read_module

    monkeypatch.setattr(read_module, "CHUNK_SIZE", piece)
    monkeypatch.setattr(read_module, "SAMPLE_SIZE", max(piece, 16))
    items = [f'{{"id": "C{i}", "n": "红山区{"Q" if i == 7 else ""}"}}' for i in range(12)]
    data = ("[" + ", ".join(items) + "]").encode().replace(b"Q", b"\xff")  # one line
    records = read(data, "json")
    assert [(r.id, messages(r)) for r in records if r.errors] == [
        ("C7", ["record 8 has bytes that are not valid UTF-8"])]
    assert records[7].fields["n"] == "红山区\ufffd"


def test_a_line_saved_in_the_other_encoding_keeps_its_text_and_is_an_error_on_its_row() -> None:
    data = "id,a\nr0,红山区\n".encode() + "r1,松山区\n".encode("gb18030") + "r2,红山区\n".encode()
    records = read(data)
    assert [r.fields["a"] for r in records] == ["红山区", "松山区", "红山区"]
    assert [messages(r) for r in records] == [
        [], ["line 3 has bytes that are not valid UTF-8; it is read as GB18030, like a file saved in it"], []]


def test_a_file_half_in_each_encoding_gives_every_record() -> None:
    data = b"id,a\n" + "r0,红山区,红山区\n".encode() + "r1,红山区,红山区\n".encode("gb18030")
    assert [r.id for r in read(data)] == ["r0", "r1"]
