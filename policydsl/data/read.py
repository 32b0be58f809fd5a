"""Read data records from CSV, JSON arrays or JSON Lines, without interpreting values.

Every input record becomes exactly one `RawRecord`, in order, even when it is broken:
structural problems travel with the record as `FieldError`s so the caller can report
them per record and still evaluate the others. Only a file that cannot be read at all
raises `DataError`.
"""

from __future__ import annotations

import codecs
import csv
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import attrs

ROW = "<row>"
FORMATS = ("csv", "json", "jsonl")
SAMPLE_SIZE = 64 * 1024  # bytes used to detect the encoding and guess the format
_BOM = codecs.BOM_UTF8
_EXTENSIONS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_ENCODING_NAMES = {"utf-8": "UTF-8", "gb18030": "GB18030"}


@attrs.frozen
class FieldError:
    field: str  # field name, or "<row>" / "<file>" / "id" for structural problems
    message: str


@attrs.frozen
class RawRecord:
    index: int
    line: int | None
    id: str
    fields: dict[str, object]
    errors: tuple[FieldError, ...]


@attrs.frozen
class JsonConstant:
    """A `NaN` / `Infinity` literal from JSON: kept as a marker so conversion rejects it."""

    text: str


class DataError(Exception):
    """A whole data file cannot be read (missing, not a JSON array, unknown encoding)."""


class _JsonObject(dict):
    """A JSON object that remembers keys written more than once (the first value wins)."""

    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, Any]]) -> _JsonObject:
    obj = _JsonObject()
    dups = []
    for key, value in pairs:
        if key in obj:
            dups.append(key)
        else:
            obj[key] = value
    if dups:
        obj.duplicates = tuple(dups)
    return obj


def _parse_int(text: str) -> int | Decimal:
    # Very long integers stay Decimal: int() refuses > 4300 digits, and conversion
    # rejects long numbers with a per-field message instead of failing the file.
    return int(text) if len(text) <= 100 else Decimal(text)


def loads_json(text: str) -> Any:
    """Parse JSON exactly: decimals as `Decimal`, NaN/Infinity as `JsonConstant`."""
    return json.loads(
        text,
        parse_float=Decimal,
        parse_int=_parse_int,
        parse_constant=JsonConstant,
        object_pairs_hook=_object_pairs,
    )


def show_value(value: object, limit: int = 40) -> str:
    """A value as it would be written in the data, one line, cut to `limit` characters."""
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, JsonConstant):
        text = value.text
    elif isinstance(value, int) and value.bit_length() > 1000:
        text = "a number with hundreds of digits"  # str() of huge ints is slow or refused
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    text = "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode() for c in text[: limit + 1]
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool) or value is None:
        return f"`{show_value(value)}`"
    return "a number"


# -- bytes and text ---------------------------------------------------------------


class _Decoder:
    """Decode one line at a time in the encoding detected from the file's first bytes.

    Lines are split on b"\\n" before decoding; that byte never occurs inside a UTF-8 or
    GB18030 multi-byte character, so splitting first is safe for both.
    """

    def __init__(self, name: str, head: bytes, at_eof: bool):
        self.encoding = _detect(name, head, at_eof)  # None while only ASCII was seen
        self.bad_lines = 0  # lines that had undecodable bytes (replaced by U+FFFD)

    @property
    def label(self) -> str:
        return _ENCODING_NAMES.get(self.encoding or "utf-8", "UTF-8")

    def decode(self, raw: bytes) -> str:
        if self.encoding is None:
            if raw.isascii():
                return raw.decode("ascii")
            # First non-ASCII line beyond the sample decides, with the same preference.
            self.encoding = next((e for e in ("utf-8", "gb18030") if _decodes(raw, e)), "utf-8")
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError:
            self.bad_lines += 1
            return raw.decode(self.encoding, "replace")


def _decodes(data: bytes, encoding: str, final: bool = True) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def _detect(name: str, head: bytes, at_eof: bool) -> str | None:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError(f"cannot read `{name}`: it is UTF-16 text; save it as UTF-8")
    if head.startswith(b"PK\x03\x04"):
        raise DataError(f"cannot read `{name}`: it is a zip or Excel file; export it as CSV")
    if b"\x00" in head:
        raise DataError(f"cannot read `{name}`: it is a binary file, not text")
    if head.isascii():
        return None
    for encoding in ("utf-8", "gb18030"):
        # Not final unless at EOF: the sample may end inside a multi-byte character.
        if _decodes(head, encoding, final=at_eof):
            return encoding
    raise DataError(f"cannot read `{name}`: it is neither UTF-8 nor GB18030 text")


def _byte_lines(head: bytes, stream: IO[bytes], name: str) -> Iterator[bytes]:
    """The lines of `head` followed by the rest of `stream`, each with its line ending."""
    carry = b""
    for source in (iter(_split_lf(head)), iter(stream.readline, b"")):
        try:
            for chunk in source:
                if not chunk.endswith(b"\n"):
                    carry += chunk
                    continue
                yield carry + chunk
                carry = b""
        except OSError as err:
            raise DataError(f"cannot read `{name}`: {_os_reason(err)}") from err
    if carry:
        yield carry


def _split_lf(data: bytes) -> list[bytes]:
    # Not bytes.splitlines: it also splits on a lone "\r", which readline() does not.
    parts = data.split(b"\n")
    return [p + b"\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _os_reason(err: OSError) -> str:
    reason = err.strerror or str(err)
    return reason[:1].lower() + reason[1:]


# -- opening and dispatch -----------------------------------------------------------


def read_records(
    source: str | os.PathLike[str] | IO[bytes],
    format: str | None = None,
    *,
    id_field: str = "id",
) -> Iterator[RawRecord]:
    """Records of a data file, lazily for CSV and JSON Lines.

    Opening, encoding detection and (for a JSON array) parsing happen now, so a file
    that cannot be read raises `DataError` at the call; records come as you iterate.
    """
    if format not in (None, *FORMATS):
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    name, stream, owned = _open(source)
    try:
        head = _read_head(stream, name)
        at_eof = len(head) < SAMPLE_SIZE
        if head.startswith(_BOM):
            head = head[len(_BOM) :]
        fmt = format or _guess_format(name, head)
        if fmt == "json":
            rows: Iterable[_Row] = _json_rows(name, head + _read_rest(stream, name))
            if owned:
                stream.close()
            return _records(rows, id_field, None)
        decoder = _Decoder(name, head, at_eof)
        lines = _byte_lines(head, stream, name)
        rows = _csv_rows(name, lines, decoder) if fmt == "csv" else _jsonl_rows(lines, decoder)
    except BaseException:
        if owned:
            stream.close()
        raise
    return _records(rows, id_field, stream.close if owned else None)


def _open(source: str | os.PathLike[str] | IO[bytes]) -> tuple[str, IO[bytes], bool]:
    if isinstance(source, str | os.PathLike):
        name = os.fspath(source)
        try:
            return name, open(name, "rb"), True  # noqa: SIM115 - closed by the record generator
        except FileNotFoundError as err:
            raise DataError(f"cannot read `{name}`: file not found") from err
        except OSError as err:
            raise DataError(f"cannot read `{name}`: {_os_reason(err)}") from err
    name = getattr(source, "name", None)
    return (str(name) if isinstance(name, str | os.PathLike) else "<input>"), source, False


def _read_head(stream: IO[bytes], name: str) -> bytes:
    parts: list[bytes] = []
    size = 0
    try:
        while size < SAMPLE_SIZE:
            part = stream.read(SAMPLE_SIZE - size)
            if not part:
                break
            if not isinstance(part, bytes):
                raise TypeError("read_records needs a path or a binary file object")
            parts.append(part)
            size += len(part)
    except OSError as err:
        raise DataError(f"cannot read `{name}`: {_os_reason(err)}") from err
    return b"".join(parts)


def _read_rest(stream: IO[bytes], name: str) -> bytes:
    try:
        return stream.read()
    except OSError as err:
        raise DataError(f"cannot read `{name}`: {_os_reason(err)}") from err


def _guess_format(name: str, head: bytes) -> str:
    fmt = _EXTENSIONS.get(Path(name).suffix.lower())
    if fmt:
        return fmt
    first = head.lstrip()[:1]
    return {b"[": "json", b"{": "jsonl"}.get(first, "csv")


# -- per-format rows: (line, fields or None when not an object, errors) --------------

_Row = tuple[int | None, dict[str, object] | None, list[FieldError]]


def _records(
    rows: Iterable[_Row], id_field: str, close: Callable[[], None] | None
) -> Iterator[RawRecord]:
    seen: dict[str, int] = {}  # id -> index of its first record
    try:
        for index, (line, fields, errors) in enumerate(rows):
            rid = None
            if fields is not None:
                rid, problem = record_id(fields.get(id_field), id_field)
                if problem:
                    errors.append(FieldError(id_field, problem))
            if rid is None:
                rid = f"#{index + 1}"
            elif rid in seen:
                first = seen[rid] + 1
                errors.append(
                    FieldError(id_field, f"duplicate record id `{rid}` (first at record {first})")
                )
            else:
                seen[rid] = index
            yield RawRecord(index, line, rid, fields if fields is not None else {}, tuple(errors))
    finally:
        if close is not None:
            close()


def record_id(value: object, id_field: str) -> tuple[str | None, str | None]:
    if isinstance(value, str) and value.strip():
        return value.strip(), None
    if value is None or isinstance(value, str):
        return None, f"record has no `{id_field}`"
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return show_value(value, limit=100), None
    return None, f"`{id_field}` must be text or a number, got `{show_value(value)}`"


_LONE_CR = re.compile(r"(?<=\r)(?!\n)")


def _csv_rows(name: str, lines: Iterator[bytes], decoder: _Decoder) -> Iterator[_Row]:
    from ..limits import current

    csv.field_size_limit(current().field_chars)  # a longer field is a row error, not a crash
    # A lone "\r" ends a line too (old Mac files, cells pasted from other programs):
    # unsplit, csv refuses the line and the records on either side of it merge into one.
    source = _LineSource(_csv_text(lines, decoder))
    reader = csv.reader(source)
    header: list[str] | None = None
    simple = False  # see below, once the header is read
    header_errors: list[FieldError] = []
    columns: dict[str, int] = {}  # name -> first column index
    unnamed: list[int] = []
    while True:
        source.mark()
        start = source.line_num + 1
        bad_before = decoder.bad_lines
        recovered: FieldError | None = None
        try:
            cells = list(map(str.strip, next(reader)))
        except StopIteration:
            return
        except csv.Error as err:
            if header is None:
                raise DataError(f"cannot read the header of `{name}`: {err}") from err
            if len(source.taken) <= 1:
                yield start, None, [FieldError(ROW, f"line {start} cannot be read as CSV: {err}")]
                continue
            cells, recovered = _reopen(source, start, reader_error=str(err))
            reader = csv.reader(source)
        else:
            if len(source.taken) > 1 and sum(line.count('"') for line in source.taken) % 2:
                cells, recovered = _reopen(source, start)
                reader = csv.reader(source)
        if not any(cells):
            continue  # blank lines (or rows of empty cells) are not records
        errors: list[FieldError] = [recovered] if recovered else []
        if decoder.bad_lines != bad_before:
            errors.append(
                FieldError(ROW, f"line {start} has bytes that are not valid {decoder.label}")
            )
        if header is None:
            header = cells
            header_errors, columns, unnamed = _read_header(cells)
            # Every column named once, in order: a row's fields are the header zipped
            # with its cells (zip stops at the shorter, as the index test below does).
            simple = list(columns) == header
            if errors:  # undecodable header bytes make every column name suspect
                raise DataError(f"cannot read the header of `{name}`: {errors[0].message}")
            continue
        fields: dict[str, object] = (dict(zip(header, cells, strict=False)) if simple else
                                     {n: cells[i] for n, i in columns.items() if i < len(cells)})
        errors[:0] = header_errors
        width = len(header)
        # Extra cells that are all empty (trailing commas) carry nothing to misread.
        if len(cells) < width or any(cells[width:]):
            errors.append(
                FieldError(
                    ROW, f"line {start} has {len(cells)} values but the header has {width} columns"
                )
            )
        for i in unnamed:
            if i < len(cells) and cells[i]:
                errors.append(
                    FieldError(
                        ROW,
                        f"column {i + 1} has no name in the header, "
                        f"so its value `{show_value(cells[i])}` is ignored",
                    )
                )
        yield start, fields, errors


class _LineSource:
    """The lines fed to csv.reader, remembering those of the current row so that a quote
    left open can be undone: its lines are given back and read again."""

    def __init__(self, lines: Iterator[str]):
        self._lines = lines
        self._back: list[str] = []
        self.taken: list[str] = []
        self.line_num = 0

    def __iter__(self) -> _LineSource:
        return self

    def __next__(self) -> str:
        line = self._back.pop() if self._back else next(self._lines)
        self.line_num += 1
        self.taken.append(line)
        return line

    def mark(self) -> None:
        self.taken = []

    def give_back(self, lines: list[str]) -> None:
        self._back.extend(reversed(lines))
        self.line_num -= len(lines)


def _reopen(source: _LineSource, start: int, reader_error: str | None = None):
    """A row whose quote is never closed swallowed the lines after it: read its first line
    alone, its quote as plain text, and give the other lines back to be read as rows."""
    first, rest = source.taken[0], source.taken[1:]
    source.give_back(rest)
    cells = [c.strip() for c in next(csv.reader([first], quoting=csv.QUOTE_NONE), [])]
    why = f" ({reader_error})" if reader_error else ""
    return cells, FieldError(ROW, f"line {start} opens a quote that is never closed{why}; "
                                  "the quote is read as text and the next lines as rows")


def _csv_text(lines: Iterator[bytes], decoder: _Decoder) -> Iterator[str]:
    """Decoded lines, each lone "\r" ending a line too (the regex only where one occurs)."""
    decode, split = decoder.decode, _LONE_CR.split
    for raw in lines:
        text = decode(raw)
        if "\r" in text and text.count("\r") != text.count("\r\n"):
            yield from (p for p in split(text) if p)
        elif text:
            yield text


def _read_header(cells: list[str]) -> tuple[list[FieldError], dict[str, int], list[int]]:
    positions: dict[str, list[int]] = {}
    unnamed = []
    for i, cell in enumerate(cells):
        if cell:
            positions.setdefault(cell, []).append(i)
        else:
            unnamed.append(i)
    errors = []
    for col, where in positions.items():
        if len(where) > 1:
            numbers = [str(i + 1) for i in where]
            times = "twice" if len(where) == 2 else f"{len(where)} times"
            listed = ", ".join(numbers[:-1]) + " and " + numbers[-1]
            errors.append(
                FieldError(col, f"column `{col}` appears {times} in the header (columns {listed})")
            )
    return errors, {col: where[0] for col, where in positions.items()}, unnamed


def _object_fields(obj: dict[str, Any]) -> tuple[dict[str, object], list[FieldError]]:
    errors = [
        FieldError(key, f"field `{key}` appears more than once in the record; the first is used")
        for key in getattr(obj, "duplicates", ())
    ]
    return dict(obj), errors


def _jsonl_rows(lines: Iterator[bytes], decoder: _Decoder) -> Iterator[_Row]:
    for lineno, raw in enumerate(lines, start=1):
        bad_before = decoder.bad_lines
        text = decoder.decode(raw)
        if not text.strip():
            continue
        try:
            value = loads_json(text)
        except json.JSONDecodeError as err:
            reason = f"{err.msg[:1].lower()}{err.msg[1:]} at column {err.colno}"
            yield lineno, None, [FieldError(ROW, f"line {lineno} is not a JSON object: {reason}")]
            continue
        except (ValueError, RecursionError):
            reason = "it is nested too deeply or has a number too long to read"
            yield lineno, None, [FieldError(ROW, f"line {lineno} is not a JSON object: {reason}")]
            continue
        if not isinstance(value, dict):
            kind = _kind(value)
            yield (
                lineno,
                None,
                [FieldError(ROW, f"line {lineno} is not a JSON object: it is {kind}")],
            )
            continue
        fields, errors = _object_fields(value)
        if decoder.bad_lines != bad_before:
            errors.insert(
                0, FieldError(ROW, f"line {lineno} has bytes that are not valid {decoder.label}")
            )
        yield lineno, fields, errors


def _json_rows(name: str, data: bytes) -> Iterator[_Row]:
    text = _decode_whole(name, data)
    if not text.strip():
        return iter(())
    try:
        value = loads_json(text)
    except json.JSONDecodeError as err:
        reason = f"{err.msg[:1].lower()}{err.msg[1:]} at line {err.lineno}, column {err.colno}"
        raise DataError(f"`{name}` is not valid JSON: {reason}") from err
    except (ValueError, RecursionError) as err:
        raise DataError(f"`{name}` is not valid JSON: it is nested too deeply") from err
    if not isinstance(value, list):
        kind = "an object" if isinstance(value, dict) else _kind(value)
        raise DataError(f"`{name}` must hold a JSON array of records, but it holds {kind}")
    return _json_elements(value)


def _json_elements(items: list[Any]) -> Iterator[_Row]:
    for i, item in enumerate(items):
        if isinstance(item, dict):
            yield None, *_object_fields(item)
        else:
            message = f"record {i + 1} is not a JSON object: it is {_kind(item)}"
            yield None, None, [FieldError(ROW, message)]


def _decode_whole(name: str, data: bytes) -> str:
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    # Same refusals (UTF-16, zip, binary) as for the line formats.
    _detect(name, data[:SAMPLE_SIZE], at_eof=len(data) <= SAMPLE_SIZE)
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataError(f"cannot read `{name}`: it is neither UTF-8 nor GB18030 text")
