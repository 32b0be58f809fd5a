"""Read data records from CSV, JSON arrays or JSON Lines, without interpreting values.

Every input record becomes exactly one `RawRecord`, in order, even when it is broken:
structural problems travel with the record as `FieldError`s so the caller can report
them per record and still evaluate the others. Only a file that cannot be read at all
raises `DataError`.
"""

from __future__ import annotations

import codecs
import collections
import csv
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import attrs

from .shown import JsonConstant, show_value

ROW = "<row>"
FORMATS = ("csv", "json", "jsonl")
SAMPLE_SIZE = 1024 * 1024  # bytes used to decide the encoding and guess the format
CHUNK_SIZE = 64 * 1024  # bytes read at a time past the sample
MAX_RECORD_BYTES = 64 * 1024 * 1024  # one line, or one element of a JSON array: past it, the file is refused
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


def plain_value(value: object) -> object:
    """A numpy scalar as the Python bool, int or float it holds, and pandas' markers of
    a missing value (NA, NaT, NaN) as None; anything else as it is. Recognised by the
    module their type comes from, so neither library is imported."""
    module = type(value).__module__
    if module == "builtins":
        return None if isinstance(value, float) and value != value else value  # NaN: pandas' "missing"
    if module == "numpy":
        kind = getattr(getattr(value, "dtype", None), "kind", "")
        if kind == "b":
            return bool(value)  # type: ignore[call-arg]
        if kind in "iu" and kind:
            return int(value)  # type: ignore[call-overload]
        if kind == "f":
            number = float(value)  # type: ignore[arg-type]
            return None if number != number else number
        if kind in "mM" and kind and str(value) in ("NaT", "nat"):
            return None
        if kind in "US" and kind:
            return str(value) if kind == "U" else value
        return value
    if module.startswith("pandas") and type(value).__name__ in ("NAType", "NaTType"):
        return None
    return value


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
    """Decode one line at a time in the encoding decided from the file's first megabyte.

    Lines are split on b"\\n" before decoding; that byte never occurs inside a UTF-8 or
    GB18030 multi-byte character (a forced encoding must keep it so too), so splitting
    first is safe.
    """

    def __init__(self, name: str, head: bytes, at_eof: bool, forced: str | None = None):
        self.forced = forced is not None
        if forced is not None:
            self.encoding: str | None = _forced_codec(forced)
        else:
            self.encoding = _detect(name, head, at_eof)  # None while only ASCII was seen
        self.bad_lines = 0  # lines not valid in the encoding (read in the other, or with U+FFFD)
        self._read_as: str | None = None  # the other encoding, when the last bad line was valid in it

    @property
    def label(self) -> str:
        name = self.encoding or "utf-8"
        return _ENCODING_NAMES.get(name, name.upper())

    def decode(self, raw: bytes) -> str:
        if self.encoding is None:
            if raw.isascii():
                return raw.decode("ascii")
            # The first non-ASCII line past the sample decides, by the same rules.
            self.encoding = _choose([raw], True)[0]
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError:
            self.bad_lines += 1
            self._read_as = None
            # A line saved in the other encoding (files pasted together) keeps its text;
            # it is still an error on its row.
            if self.forced:
                return raw.decode(self.encoding, "replace")
            text, self._read_as = _decode_line(raw, self.encoding)
            return text

    def bad_line_message(self, line: int) -> str:
        """The row error of a line the last `decode` found not valid in the encoding."""
        message = f"line {line} has bytes that are not valid {self.label}"
        if self._read_as is not None:
            message += f"; it is read as {_ENCODING_NAMES[self._read_as]}, like a file saved in it"
        return message


def _decode_line(raw: bytes, encoding: str) -> tuple[str, str | None]:
    """A line in `encoding`, else in the other candidate (named), else in `encoding`
    with U+FFFD."""
    for candidate in (encoding, *(e for e in _CANDIDATES if e != encoding)):
        try:
            return raw.decode(candidate), (candidate if candidate != encoding else None)
        except UnicodeDecodeError:
            continue
    return raw.decode(encoding, "replace"), None


def _forced_codec(name: str) -> str:
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise ValueError(f"unknown encoding `{name}`") from None
    if "a,\n".encode(codec) != b"a,\n":  # UTF-16 and the like: lines cannot be split on bytes
        raise ValueError(f"encoding `{name}` is not supported: save the file as UTF-8")
    return codec


def _decodes(data: bytes, encoding: str, final: bool = True) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


_CANDIDATES = ("utf-8", "gb18030")
# Non-ASCII characters real data holds: Latin letters, general punctuation, letterlike
# and circled symbols, CJK punctuation, ideographs, compatibility units (㎡), fullwidth
# forms, and ° ² ³ ·. GBK bytes that happen to be valid UTF-8 read as other scripts
# and symbols (梅园 as ÷԰, 平山 as ƽɽ): this is how the two readings are told apart.
_EXPECTED = re.compile(
    "[\u00b0\u00b2\u00b3\u00b7\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u017f\u2010-\u205e"
    "\u2100-\u214f\u2460-\u24ff\u3000-\u303f\u3300-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def _expected_share(text: str) -> float:
    found = len(_NON_ASCII.findall(text))
    return len(_EXPECTED.findall(text)) / found if found else 1.0


def _choose(lines: list[bytes], at_eof: bool) -> tuple[str, int, int]:
    """(encoding, lines it cannot decode, lines with non-ASCII bytes) for these lines.

    The encoding that decodes the most lines wins, so a stray byte anywhere is one bad
    line; when both decode every line, the one whose text looks like real data wins;
    when both fail on as many lines, the one that leaves fewer bytes undecoded (a file
    mostly in GB18030 with a line in UTF-8 fails on a byte or two of each line under
    GB18030, on every character of its GB18030 lines under UTF-8); a tie goes to UTF-8,
    whose multi-byte patterns rarely occur by chance.
    """
    wide = [line for line in lines if not line.isascii()]
    last = len(wide) - 1 if wide and not at_eof and wide[-1] is lines[-1] else -1
    bad = {enc: sum(not _decodes(line, enc, final=i != last) for i, line in enumerate(wide))
           for enc in _CANDIDATES}
    if bad["utf-8"] == bad["gb18030"] == 0:
        sample = b"".join(wide)
        utf8, gb = (sample.decode(e, "replace") for e in _CANDIDATES)
        best = "gb18030" if _expected_share(gb) > _expected_share(utf8) else "utf-8"
    else:
        tied = [e for e in _CANDIDATES if bad[e] == min(bad.values())]
        undecoded = {e: sum(line.decode(e, "replace").count("\ufffd") for line in wide) for e in tied}
        best = min(tied, key=undecoded.__getitem__)  # min keeps the first (UTF-8) on a tie
    return best, bad[best], len(wide)


def _detect(name: str, head: bytes, at_eof: bool) -> str | None:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError(f"cannot read `{name}`: it is UTF-16 text; save it as UTF-8")
    if head.startswith(b"PK\x03\x04"):
        raise DataError(f"cannot read `{name}`: it is a zip or Excel file; export it as CSV")
    if b"\x00" in head:
        raise DataError(f"cannot read `{name}`: it is a binary file, not text")
    if head.isascii():
        return None
    lines = _split_lf(head)
    encoding, bad, _ = _choose(lines, at_eof)
    # A few bad bytes are damage, reported on their records; most non-ASCII characters
    # undecodable (in either encoding) means the file is in some other encoding, which
    # the detector names.
    text = "".join(_decode_line(line, encoding)[0] for line in lines if not line.isascii()) if bad else ""
    if bad and text.count("\ufffd") * 2 > len(_NON_ASCII.findall(text)):
        raise DataError(f"cannot read `{name}`: it is neither UTF-8 nor GB18030 text{_other_encoding(head)}")
    return encoding


def _other_encoding(head: bytes) -> str:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # only the name of the encoding is lost
        return "; save it as UTF-8"
    guess = from_bytes(head[:CHUNK_SIZE]).best()
    if guess is None or guess.encoding in ("utf_8", "gb18030", "ascii"):
        return "; save it as UTF-8"
    name = codecs.lookup(guess.encoding).name
    return f"; it looks like {name}: save it as UTF-8, or read it with `--encoding {name}`"


def _byte_lines(head: bytes, stream: IO[bytes], name: str) -> Iterator[bytes]:
    """The lines of `head` followed by the rest of `stream`, each with its line ending;
    read in bounded pieces, so a file without line breaks cannot fill the memory."""
    carry: list[bytes] = []
    size = 0
    lines = 0
    for source in (iter(_split_lf(head)), iter(lambda: stream.readline(CHUNK_SIZE), b"")):
        try:
            for chunk in source:
                if not chunk.endswith(b"\n"):
                    carry.append(chunk)
                    size += len(chunk)
                    if size > MAX_RECORD_BYTES:
                        raise DataError(f"cannot read `{name}`: line {lines + 1} is longer than "
                                        f"{MAX_RECORD_BYTES // 2**20} MiB; is it a data file?")
                    continue
                lines += 1
                yield b"".join(carry) + chunk if carry else chunk
                carry, size = [], 0
        except OSError as err:
            raise DataError(f"cannot read `{name}`: {_os_reason(err)}") from err
    if carry:
        yield b"".join(carry)


def _split_lf(data: bytes) -> list[bytes]:
    # Not bytes.splitlines: it also splits on a lone "\r", which readline() does not.
    parts = data.split(b"\n")
    return [p + b"\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _os_reason(err: OSError) -> str:
    reason = err.strerror or str(err)
    return reason[:1].lower() + reason[1:]


# -- opening and dispatch -----------------------------------------------------------


class Records(Iterator[RawRecord]):
    """The records of one data file, in order, as an iterator.

    `encoding` names how its bytes were read ("UTF-8", "GB18030", or the encoding
    asked for); a file that was all ASCII in its first megabyte is decided at its
    first other line, so the name is final once the records are read. `format` is
    "csv", "json" or "jsonl"; `columns` is a CSV's header as read.
    """

    def __init__(self, rows: Iterator[RawRecord], decoder: _Decoder, format: str, columns: list[str]):
        self._rows = rows
        self._decoder = decoder
        self.format = format
        self.columns = columns  # a CSV's header as read (see `data.header.check_header`); [] otherwise
        # The first record is read now, so a file that cannot be read at all (not an
        # array, an unreadable header) is refused at the call, before any output.
        try:
            self._first: list[RawRecord] = [next(rows)]
        except StopIteration:
            self._first = []

    @property
    def encoding(self) -> str:
        return self._decoder.label

    def __iter__(self) -> Records:
        return self

    def __next__(self) -> RawRecord:
        if self._first:
            return self._first.pop()
        return next(self._rows)

    def close(self) -> None:
        self._first = []
        close = getattr(self._rows, "close", None)
        if close is not None:
            close()


def read_records(
    source: str | os.PathLike[str] | IO[bytes],
    format: str | None = None,
    *,
    id_field: str = "id",
    encoding: str | None = None,
) -> Records:
    """Records of a data file, read lazily in bounded memory, whatever its size.

    Opening, the encoding (decided on the first megabyte, or `encoding` when given: any
    Python codec name that keeps ASCII as it is) and the first record are read now, so
    a file that cannot be read raises `DataError` at the call; the rest come as you
    iterate (a JSON syntax error further on raises `DataError` there).
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
        decoder = _Decoder(name, head, at_eof, encoding)
        columns: list[str] = []  # a CSV's header, once read
        rows: Iterable[Row]
        if fmt == "json":
            rows = _json_rows(name, _text_chunks(head, stream, name, decoder), lambda: decoder.label)
        else:
            lines = _byte_lines(head, stream, name)
            rows = _csv_rows(name, lines, decoder, columns) if fmt == "csv" else _jsonl_rows(name, lines, decoder)
        return Records(records_of_rows(rows, id_field, stream.close if owned else None), decoder, fmt, columns)
    except BaseException:
        if owned:
            stream.close()
        raise


def _open(source: str | os.PathLike[str] | IO[bytes]) -> tuple[str, IO[bytes], bool]:
    if isinstance(source, str | os.PathLike):
        name = os.fspath(source)
        try:
            return name, open(name, "rb"), True  # noqa: SIM115 - closed by the record generator
        except FileNotFoundError as err:
            raise DataError(f"cannot read `{name}`: file not found") from err
        except OSError as err:
            raise DataError(f"cannot read `{name}`: {_os_reason(err)}") from err
        except ValueError as err:  # only a NUL byte, which no file name can hold
            raise DataError(f"cannot read `{name}`: a file name cannot hold a NUL byte") from err
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


def _guess_format(name: str, head: bytes) -> str:
    fmt = _EXTENSIONS.get(Path(name).suffix.lower())
    if fmt:
        return fmt
    first = head.lstrip()[:1]
    return {b"[": "json", b"{": "jsonl"}.get(first, "csv")


# -- per-format rows: (line, fields or None when not an object, errors) --------------

Row = tuple[int | None, dict[str, object] | None, list[FieldError]]


def records_of_rows(
    rows: Iterable[Row], id_field: str, close: Callable[[], None] | None, start: int = 0
) -> Iterator[RawRecord]:
    seen: dict[str, int] = {}  # id -> index of its first record
    try:
        for index, (line, fields, errors) in enumerate(rows, start):
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
    value = plain_value(value)  # a numpy integer, pandas' NA
    if isinstance(value, str) and value.strip():
        return value.strip(), None
    if value is None or isinstance(value, str):
        return None, f"record has no `{id_field}`"
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return show_value(value, limit=100), None
    return None, f"`{id_field}` must be text or a number, got `{show_value(value)}`"


_QUOTE_BLANKS = re.compile(r'"[ \t]+(?=,|\r?\n|$)')
_LONE_CR = re.compile(r"(?<=\r)(?!\n)")


def _csv_rows(name: str, lines: Iterator[bytes], decoder: _Decoder, columns_out: list[str]) -> Iterator[Row]:
    from ..core.limits import current
    from .header import delimiter_problem

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
            taken = source.taken
            if header is not None and (len(taken) > 1 or '"' in taken[0]) and _broken_quote(taken, len(header)):
                cells, recovered = _reopen(source, start)
                reader = csv.reader(source)
        if not any(cells):
            continue  # blank lines (or rows of empty cells) are not records
        errors: list[FieldError] = [recovered] if recovered else []
        if decoder.bad_lines != bad_before:
            errors.append(
                FieldError(ROW, decoder.bad_line_message(start))
            )
        if header is None:
            header = cells
            columns_out.extend(cells)
            wrong = delimiter_problem(cells)
            if wrong is not None:
                raise DataError(f"cannot read `{name}`: {wrong.message} ({wrong.hint})")
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


def _broken_quote(lines: list[str], width: int) -> bool:
    """Whether the lines of a row hold a quote left open, rather than quoted fields
    (which may hold line breaks).

    A real quoted field opens its quote at the start of a cell and closes it before a
    delimiter or the line end, so a strict reading gives exactly one row; a multi-line
    one holds text, not lines that read as whole records. Two quotes left open pair up
    with each other and break one of these: the closing one sits inside a cell
    (`"a,b` ... `c,"d,e`), or the lines between them have the header's width. A quote
    left open on the last line runs into the end of the file.
    """
    try:
        # Blanks after a closing quote (`"x" ,`) are sloppy, not broken: the lenient
        # reading keeps them in the cell, so the strict one is spared them.
        rows = list(csv.reader((_QUOTE_BLANKS.sub('"', line) for line in lines), strict=True))
    except csv.Error as err:
        return len(lines) > 1 or "end of data" in str(err)
    if len(lines) == 1:
        return False
    if len(rows) != 1 or sum(line.count('"') for line in lines) % 2:
        return True
    if width < 3:  # with one or two columns a line of text can look like a record
        return False
    # Quotes read as text: the pieces a line is cut into by delimiters. The last line of
    # a real multi-line field holds only the rest of its row, fewer than the header's width.
    return any(len(next(csv.reader([line], quoting=csv.QUOTE_NONE), [])) >= width for line in lines[1:])


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


def _jsonl_rows(name: str, lines: Iterator[bytes], decoder: _Decoder) -> Iterator[Row]:
    first = True
    for lineno, raw in enumerate(lines, start=1):
        bad_before = decoder.bad_lines
        text = decoder.decode(raw)
        if not text.strip():
            continue
        if first and _starts_an_array(text):
            # One error for the file, not one per line of a pretty-printed array.
            raise DataError(f"`{name}` is a JSON array, not JSON Lines (one object per line): "
                            "read it with `--data-format json`, or name it `.json`")
        first = False
        try:
            value = loads_json(text)
        except json.JSONDecodeError as err:
            reason = f"{_json_reason(err.msg)} at column {err.colno}"
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
                0, FieldError(ROW, decoder.bad_line_message(lineno))
            )
        yield lineno, fields, errors


def _json_reason(message: str) -> str:
    # json's own wording, lower-cased, without the "at" it ends some messages with
    # ("Unterminated string starting at"), since a position follows.
    return f"{message[:1].lower()}{message[1:]}".removesuffix(" at")


def _starts_an_array(line: str) -> bool:
    # `[` alone or `[{` opens a JSON array of records; a line like `[1, 2]` is one bad
    # line of JSON Lines, reported on its own.
    start = "".join(line.split())[:2]
    return start in ("[", "[{")


def _text_chunks(head: bytes, stream: IO[bytes], name: str,
                 decoder: _Decoder) -> Iterator[tuple[str, Sequence[int]]]:
    """The text of a JSON file in pieces of about `CHUNK_SIZE` bytes, decoded incrementally,
    each with the offsets in it of undecodable bytes (replaced by U+FFFD, and counted
    in `decoder.bad_lines`). While the
    text is ASCII the encoding is open; the first other piece decides it, as for lines."""
    state = None
    pieces = [head[i : i + CHUNK_SIZE] for i in range(0, len(head), CHUNK_SIZE)]
    for source in (iter(pieces), iter(lambda: stream.read(CHUNK_SIZE), b"")):
        try:
            for chunk in source:
                if state is None:
                    if decoder.encoding is None:
                        if chunk.isascii():
                            yield chunk.decode("ascii"), ()
                            continue
                        decoder.encoding = _choose([chunk], False)[0]
                    state = codecs.getincrementaldecoder(decoder.encoding)(_COUNTING)
                _replaced.count = 0
                text = state.decode(chunk)
                decoder.bad_lines += _replaced.count
                yield text, _replacements(text) if _replaced.count else ()
        except OSError as err:
            raise DataError(f"cannot read `{name}`: {_os_reason(err)}") from err
    if state is not None:
        _replaced.count = 0
        text = state.decode(b"", final=True)
        decoder.bad_lines += _replaced.count
        if text:
            yield text, _replacements(text) if _replaced.count else ()


def _replacements(text: str) -> list[int]:
    return [m.start() for m in re.finditer("\ufffd", text)]


# The replacements made by the decode running in this thread (an error handler is
# global and gets no context, so the count is per thread).
_replaced = threading.local()
_COUNTING = "policydsl-count-replace"


def _count_and_replace(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    _replaced.count = getattr(_replaced, "count", 0) + 1
    return "\ufffd", err.end


codecs.register_error(_COUNTING, _count_and_replace)

_WS = re.compile(r"[ \t\n\r]*")
_MARGIN = 32  # characters: longer than any cut-off word (`Infinity`) or number tail (`e-`)
_JSON = json.JSONDecoder(parse_float=Decimal, parse_int=_parse_int, parse_constant=JsonConstant,
                         object_pairs_hook=_object_pairs)


class _JsonText:
    """A window on a JSON text read in pieces: only the part not yet parsed is kept."""

    def __init__(self, name: str, chunks: Iterator[tuple[str, Sequence[int]]]):
        self.name = name
        self._chunks = chunks
        self.text = ""
        self.pos = 0
        self.eof = False
        self._lines_before = 0  # line breaks in the text already dropped
        self._dropped = 0  # characters already dropped
        self._bad: collections.deque[int] = collections.deque()  # offsets in the file of undecodable bytes

    def more(self, at_least: int = 1) -> bool:
        """Read at least `at_least` more characters (or to the end); False at the end."""
        if self.eof:
            return False
        if self.pos > CHUNK_SIZE:
            self._lines_before += self.text.count("\n", 0, self.pos)
            self._dropped += self.pos
            self.text, self.pos = self.text[self.pos :], 0
        added: list[str] = []
        size = 0
        for chunk, bad in self._chunks:
            start = self._dropped + len(self.text) + size
            self._bad.extend(start + b for b in bad)
            added.append(chunk)
            size += len(chunk)
            if size >= at_least:
                break
        else:
            self.eof = True
        self.text += "".join(added)
        return bool(added)

    def skip_blank(self) -> str:
        """The next character that is not white space, "" at the end."""
        while True:
            self.pos = _WS.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text) or not self.more():
                return self.text[self.pos : self.pos + 1]

    def value(self, what: str) -> Any:
        """Parse the value at `pos`, reading more text while it is cut off."""
        while True:
            try:
                value, end = _JSON.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as err:
                if self.eof or not self._cut_off(err):
                    raise self.error(err.msg, err.pos) from None
            except (ValueError, RecursionError):
                raise DataError(f"`{self.name}` is not valid JSON: {what} is nested too deeply") from None
            else:
                # A number may go on past the end of the text read (`0.` of `0.5`):
                # a value ending near it is read again with more text.
                if self.eof or len(self.text) - end >= _MARGIN:
                    self.pos = end
                    return value
            if len(self.text) - self.pos > MAX_RECORD_BYTES:
                raise DataError(f"`{self.name}`: {what} is larger than {MAX_RECORD_BYTES // 2**20} MiB")
            self.more(max(CHUNK_SIZE, len(self.text) - self.pos))  # doubling: linear in all

    def undecodable(self, start: int) -> bool:
        """Whether text from `start` to `pos` (offsets in the current text) had bytes
        that could not be decoded."""
        begin, end = self._dropped + start, self._dropped + self.pos
        found = False
        while self._bad and self._bad[0] < end:
            found = found or self._bad.popleft() >= begin
        return found

    def _cut_off(self, err: json.JSONDecodeError) -> bool:
        # The text ends inside the value: an open string, or the error where only the
        # end of the text (or a cut-off word or number) is.
        return err.msg.startswith("Unterminated string") or len(self.text) - err.pos < _MARGIN

    def error(self, message: str, pos: int) -> DataError:
        line = self._lines_before + self.text.count("\n", 0, pos) + 1
        column = pos - self.text.rfind("\n", 0, pos)
        reason = f"{_json_reason(message)} at line {line}, column {column}"
        return DataError(f"`{self.name}` is not valid JSON: {reason}")


def _json_rows(name: str, chunks: Iterator[tuple[str, Sequence[int]]],
               label: Callable[[], str]) -> Iterator[Row]:
    """The elements of a JSON array, parsed one at a time with the exact decoder;
    `label` names the encoding for a record with undecodable bytes."""
    text = _JsonText(name, chunks)
    first = text.skip_blank()
    if not first:
        return
    if first != "[":
        value = text.value("the file")
        kind = "an object" if isinstance(value, dict) else _kind(value)
        raise DataError(f"`{name}` must hold a JSON array of records, but it holds {kind}")
    text.pos += 1
    if text.skip_blank() == "]":
        text.pos += 1
    else:
        number = 0
        while True:
            number += 1
            if not text.skip_blank():
                raise text.error("The array is never closed", text.pos)
            start = text.pos
            item = text.value(f"record {number}")
            errors = [FieldError(ROW, f"record {number} has bytes that are not valid {label()}")
                      ] if text.undecodable(start) else []
            if isinstance(item, dict):
                fields, more = _object_fields(item)
                yield None, fields, errors + more
            else:
                errors.append(FieldError(ROW, f"record {number} is not a JSON object: it is {_kind(item)}"))
                yield None, None, errors
            after = text.skip_blank()
            if after == "]":
                text.pos += 1
                break
            if after != ",":
                raise text.error("Expecting ',' delimiter" if after else "The array is never closed",
                                 text.pos)
            text.pos += 1
    if text.skip_blank():
        raise text.error("Extra data", text.pos)
