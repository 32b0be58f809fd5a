"""The batch engine: a population evaluated by DuckDB, exactly. The one module that imports duckdb.

DuckDB reads the input itself (CSV, Parquet, or a DataFrame / Arrow object handed
over without a copy) into one relation of raw cells. One query, from the batch's plan
(`batch_sql`: built once for a policy, year and shape of input, and kept on disk), then
turns the cells into exact typed values, decides for each record whether it is
*clean* — every cell in the plain form whose value SQL reads exactly as
`data.convert` does, no fact constraint broken, no exemption — and computes the
outcome code of every rule for the clean records. The rest (a malformed number, a
missing fact, an exemption, a broken constraint: the records whose outcome or
error message needs the full validator) go through the Python validator and the
compiled engine, and their codes are written back, so every record of the input
has its codes in one table, in input order.

A file DuckDB cannot be trusted to split into records exactly as our own reader
does (not UTF-8, a lone carriage return, a quoted field over several lines, blank
lines, a row of the wrong width, an odd header) is not read here at all:
`open_population` answers None and the caller uses the streaming Python path, so
no line is ever lost or merged.

Explanations are not computed here: `records_at` gives back the `Record`s of the
rows a sink shows, and the reference explains them.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import pickle
import stat
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import attrs

from ..core import disk_cache, ir
from ..data.frames import frame_kind
from ..data.read import DataError, FieldError, RawRecord, record_id
from .compiled import CompiledEngine
from .engine import ENGINES
from .population import TargetStats
from .results import OUTCOMES
from .sqltext import CODE, ID, BatchPlan, Layout, Unsupported, identifier, literal
from .validate import EXEMPTIONS_FIELD, Record, Validator

_WEIGHT = {"must": 100, "in_principle": 10, "strive": 1}
CHUNK = 20_000
LOOKUP, LOOKUPS = 1_000, 5  # rows fetched by number in one query, and queries before one scan is cheaper


def _duckdb():
    import duckdb

    return duckdb


_DATABASE = None  # one in-memory database per process; each batch has its own connection


def _connect():
    """A connection of its own (its temporary tables are its own) to the process's
    in-memory database: opening a database costs far more than a connection to it."""
    global _DATABASE
    if _DATABASE is None:
        # No automatic checkpoint: the database lives in memory and only for this process,
        # and the first commit of an UPDATE after a million-row table was built checkpointed
        # it (2 s of a 2.5 s Parquet run, setting the codes of 13,000 exemption records).
        _DATABASE = _duckdb().connect(config={"preserve_insertion_order": True,
                                              "checkpoint_threshold": "1TB"})
    return _DATABASE.cursor()


PLANS_KEPT = 64  # plans on disk (`core.disk_cache`); the Chifeng policy's is about 20 KB
_PLAN = ".plan"


def _canonical(policy: ir.Policy) -> bytes:
    """The IR as bytes that depend on its values alone: a pickle without its memo, which
    would otherwise record which equal objects happen to be one (a checked IR and the
    same IR unpickled share different strings)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(policy)
    return out.getvalue()


def _plan(policy: ir.Policy, pop: Population, year, stats: TargetStats, lean: bool = False) -> BatchPlan:
    """The queries of a batch: the plan kept for this policy, year, shape of input and
    limits, or one built (`batch_sql`, which imports sqlglot) and kept. Unsupported when
    the policy holds a construct SQL cannot express exactly (nothing is kept then)."""
    from ..core.limits import current

    limits = current()
    key = None
    if disk_cache.folder() is not None:
        key = disk_cache.digest(_canonical(policy), repr((pop.kind, pop.file_rows is None, lean, pop.columns,
                                                          pop.types, year, attrs.astuple(limits))))
        kept = disk_cache.read(key, _PLAN)
        if isinstance(kept, BatchPlan):
            return kept
    from . import batch_sql

    plan = batch_sql.build(policy, pop.kind, pop.columns, pop.types, year, limits.field_chars, stats.targets,
                           keep_cells=pop.file_rows is None, lean=lean)
    if key is not None:
        disk_cache.write(key, _PLAN, plan, PLANS_KEPT)
    return plan


# ---- reading ------------------------------------------------------------------------


STEP = 1 << 16  # bytes between two entries of a CSV file's line index


def _csv_shape(path: str) -> tuple[list[str], int, list[tuple[int, int]]] | None:
    """The header, the number of records and a line index (where the file is at every
    `STEP` bytes, and how many lines end before) of a CSV file that is plainly one record a
    line: no lone carriage return, no NUL byte, no blank line in a one-column file, and
    a header of distinct, non-empty, unpadded names without quotes. None for anything
    else, and for anything but a regular file (a device such as /dev/zero or a pipe
    never ends or cannot be read twice; our reader reads it in bounded pieces).

    What this scan leaves to DuckDB is caught by it afterwards: its strict reader refuses
    bytes that are not UTF-8 (the batch then falls back to our reader), and its record
    count must equal the line count here, which a quoted field spanning lines or a blank
    line it skips breaks. The scan is a few single-byte searches and one count per block
    (multi-byte searches such as `\n\n` cost three times a whole pass of the file)."""
    lines = 0
    index: list[tuple[int, int]] = []  # (offset, line ends before it) every STEP bytes
    at = 0
    tail = b""  # the end of the previous block, so line ends across blocks are seen
    ascii_only = True
    header: list[str] | None = None
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as f:
            while block := f.read(1 << 22):
                if b"\x00" in block:
                    return None
                ascii_only = ascii_only and block.isascii()
                if header is None:
                    header = _csv_header(block.split(b"\n", 1)[0])
                    if header is None:
                        return None
                if b"\r" in block or tail.endswith(b"\r"):
                    data = tail + block
                    if data.count(b"\r") - data.count(b"\r\n") - data.endswith(b"\r"):
                        return None  # a lone carriage return: our reader ends a line there
                if len(header) == 1:  # DuckDB reads a blank line there as a record, not a gap
                    data = tail + block
                    if b"\n\n" in data or b"\n\r\n" in data:
                        return None
                for start in range(0, len(block), STEP):
                    index.append((at + start, lines))
                    lines += block.count(b"\n", start, start + STEP)
                at += len(block)
                tail = (tail + block[-2:])[-2:]
    except (OSError, ValueError):  # ValueError: a NUL byte in the name, which our reader reports
        return None
    if header is None or tail.endswith(b"\r"):
        return None
    if not tail.endswith(b"\n"):
        lines += 1
    if not ascii_only and not _reader_says_utf8(path):
        return None  # text that is valid UTF-8 yet more likely GB18030: our reader decides
    return header, lines - 1, index


def _csv_head(path: str) -> list[str] | None:
    """The header of a regular file, as `_csv_shape` reads it, without reading on."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as f:
            first = f.readline(1 << 22)
    except (OSError, ValueError):
        return None
    return _csv_header(first.split(b"\n", 1)[0])


def _in_background(work: Callable, *args) -> Callable[[], object]:
    """`work(*args)` started on a thread of its own; the returned function waits for its
    result (or raises what it raised)."""
    import threading

    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["result"] = work(*args)
        except BaseException as err:  # handed to the caller, who waits for it
            box["error"] = err

    thread = threading.Thread(target=run, name="policydsl-csv-scan", daemon=True)
    thread.start()

    def result() -> object:
        thread.join()
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["result"]

    return result


def _csv_header(line: bytes) -> list[str] | None:
    """The names of a header line DuckDB splits as our reader does, else None."""
    try:
        text = line.decode("utf-8").removeprefix("\ufeff").removesuffix("\r")
        header = next(csv.reader([text]), [])  # a carriage return left inside is a csv.Error
    except (UnicodeDecodeError, csv.Error):
        return None
    if ('"' in text or not header or len(set(header)) != len(header)
            or any(not c or c != c.strip() for c in header)):
        return None
    return header


def _reader_says_utf8(path: str) -> bool:
    from ..data.read import DataError, read_records

    try:
        records = read_records(path, "csv")
    except DataError:
        return False
    try:
        return records.encoding == "UTF-8"
    finally:
        records.close()


class Population:
    """An input held by DuckDB as the relation `src`: its columns, kind and size."""

    def __init__(self, con, columns: list[str], kind: str, rows: int | None, name: str):
        self.con = con
        self.columns = columns
        self.kind = kind  # "csv" (cells are text, stripped by the reader) or "typed"
        self.rows = rows
        self.name = name
        self.types: dict[str, str] = {}  # column -> DuckDB type ("VARCHAR" throughout for a CSV file)
        # a relation of the input's rows numbered as read (`file_row_number`), from which a
        # few rows are fetched by number: one Parquet file; None for other inputs
        self.file_rows: str | None = None
        # a CSV file: its scan by `_csv_shape` (the header and the number of records, or
        # None when only our reader can read it), waited for when the batch needs it
        self.shape: Callable[[], object] | None = None
        self.line_index: list[tuple[int, int]] = []  # from the scan: see `_csv_shape`


def open_population(data, format: str | None = None) -> Population | None:
    """`data` as a DuckDB relation, or None when only the Python reader can read it exactly."""
    if isinstance(data, str | os.PathLike):
        path = os.fspath(data)
        if is_parquet(path, format):
            pop = _opened(f"read_parquet({literal(path)})", "typed", None, path)
            if os.path.isfile(path):  # one file (a pattern numbers each file's rows from 0)
                pop.file_rows = f"read_parquet({literal(path)}, file_row_number = true)"
            return pop
        if (format or "csv") != "csv" or Path(path).suffix.lower() not in (".csv", ""):
            return None
        header = _csv_head(path)
        if header is None:
            return None
        # the scan of the whole file runs beside DuckDB's reading of it; the batch waits
        # for its verdict before it counts anything (`Batch.run`)
        shape = _in_background(_csv_shape, path)
        columns = ", ".join(f"{literal(c)}: 'VARCHAR'" for c in header)
        read = (f"read_csv({literal(path)}, header = true, strict_mode = true, quote = '\"', "
                f"escape = '\"', delim = ',', nullstr = '', allow_quoted_nulls = true, auto_detect = false, "
                f"columns = {{{columns}}})")
        try:
            pop = _opened(read, "csv", None, path)
        except DataError:
            if shape() is None:
                return None  # a file for our reader, which says what is wrong with it
            raise
        pop.shape = shape
        return pop
    kind = frame_kind(data)
    if kind is None:
        return None
    return _opened("src_frame", "typed", None, f"<{kind}>", frame=data)


def _opened(relation: str, kind: str, rows: int | None, name: str, frame=None) -> Population:
    con = _connect()
    try:
        if frame is not None:
            con.register("src_frame", frame)
        con.execute(f"CREATE TEMP VIEW src AS SELECT * FROM {relation}")
        described = con.execute("SELECT * FROM src LIMIT 0").description
    except _duckdb().Error as err:
        con.close()
        raise DataError(f"cannot read `{name}`: {str(err).splitlines()[0]}") from err
    pop = Population(con, [d[0] for d in described], kind, rows, name)
    pop.types = {d[0]: str(d[1]).upper() for d in described}
    return pop


def is_parquet(data, format: str | None = None) -> bool:
    if format is not None:
        return format == "parquet"
    return isinstance(data, str | os.PathLike) and Path(data).suffix.lower() in (".parquet", ".pq")


def parquet_rows(path) -> Iterator[dict[str, object]]:
    """The rows of a Parquet file as mappings, for the record-by-record path."""
    con = _connect()
    try:
        cur = con.execute(f"SELECT * FROM read_parquet({literal(os.fspath(path))})")
        names = [d[0] for d in cur.description]
        while batch := cur.fetchmany(CHUNK):
            for row in batch:
                yield dict(zip(names, row, strict=True))
    finally:
        con.close()


@attrs.frozen
class Summary:
    """A batch's outcome counts per rule, its number of records with errors, and the rows a
    report lists: per rule those failing or unknown, those with an exemption granted, those
    with errors (each in input order), and the offenders `(row, score)`, worst first."""

    counts: list[Counter]
    errors: int
    failing: list[list[int]]
    exempted: list[int]
    error_rows: list[int]
    offenders: list[tuple[int, int]]


class Batch:
    """A policy evaluated by DuckDB over one population in one year."""

    def __init__(self, policy, pop: Population, year: int, lean: bool = False):
        self.policy = policy
        # a CSV batch whose caller reads only counts and the records it shows keeps the
        # values of the targets' and exemptions' facts alone (`batch_sql.build`), and reads
        # a shown record again from its line of the file
        self.lean = lean and pop.kind == "csv"
        self.ir: ir.Policy = policy.ir
        self.pop = pop
        self.con = pop.con
        self.year = year
        self.layout = Layout(self.ir, pop.columns)
        self.validator: Validator = policy._validator
        self._id_errors: dict[int, list[FieldError]] = {}
        self.plain_ids = False  # every record's id is its `__id` cell unchanged (`_ids`)
        self.stats = TargetStats(self.ir, year)

    # -- building ------------------------------------------------------------------------

    def run(self) -> None:
        """Build the table of every record's values and codes; Unsupported when the
        policy holds a construct SQL cannot express exactly (the caller falls back)."""
        pop = self.pop
        self.plan = plan = _plan(self.ir, pop, self.year, self.stats, self.lean)
        # the columns whose cells `rec` does not keep: they stay in the input file
        kept = set(plan.kept)
        self.elsewhere = [c for c in self.layout.raw if c not in kept] if pop.kind != "csv" else []
        self.con.execute(f"CREATE TEMP TABLE rec AS {plan.rec}")
        # `recv`: every record's values; `rech`: the values of the cells `rec` holds, which
        # the exemption queries read (all of them, unless cells stay in a file)
        values = "".join(", " + v for v in plan.values)
        if self.elsewhere:  # row by row beside the table: its rows are the file's, in order
            self.con.execute(f"CREATE TEMP VIEW recv AS SELECT rec.rowid AS rowid, rec.*, s.*{values} "
                             f"FROM rec POSITIONAL JOIN (SELECT {self._cell_list()} FROM src) AS s")
        else:
            self.con.execute(f"CREATE TEMP VIEW recv AS SELECT rowid AS rowid, *{values} FROM rec")
        held = "".join(", " + v for v in plan.held)
        self.con.execute(f"CREATE TEMP VIEW rech AS SELECT rowid AS rowid, *{held} FROM rec")
        # one scan: the size, a field too long, and whether every id is the reader's as it stands
        long = "bool_or(__long)" if pop.kind == "csv" else "false"
        self.size, too_long, plain_ids = self.con.execute(
            f"SELECT count(*), {long}, count(__id) = count(*) AND count(DISTINCT __id) = count(*) "
            f"AND coalesce(bool_and({plan.plain_id}), true) FROM rec").fetchone()
        if pop.shape is not None:
            shape = pop.shape()
            if shape is None or shape[0] != pop.columns:
                raise Unsupported("the input", "a file our reader reads")  # our reader decides
            _, pop.rows, pop.line_index = shape
        if pop.rows is not None and self.size != pop.rows:
            raise Unsupported("the input", "a record spans several lines")  # our reader decides
        if too_long:
            raise Unsupported("the input", "a field longer than the reader takes")  # our reader decides
        self._ids(plain_ids)
        self._python_rows()
        if EXEMPTIONS_FIELD in self.layout.present:
            self._exemption_rows()
        for query, parts in plan.targets:
            self._run_targets(query, parts)

    def _ids(self, plain: bool) -> None:
        """The reader's id rules: a missing id is named by position, a duplicate reported
        (`plain`: every id is present, distinct and unpadded)."""
        if plain:
            # every id is the reader's as it stands: text, or a CSV cell (no number to show)
            self.plain_ids = self.pop.kind == "csv" or self.con.execute(
                f"SELECT typeof({identifier(ID)}) = 'VARCHAR' FROM src LIMIT 1").fetchone() in (None, (True,))
            return
        seen: dict[str, int] = {}
        cur = self.con.execute("SELECT rowid, __id FROM rec ORDER BY rowid")
        while batch := cur.fetchmany(CHUNK):
            for row, rid in batch:
                value, problem = record_id(rid if rid is not None else "", ID)
                if problem:
                    self._id_errors[row] = [FieldError(ID, problem)]
                elif value in seen:
                    self._id_errors[row] = [FieldError(
                        ID, f"duplicate record id `{value}` (first at record {seen[value] + 1})")]
                else:
                    seen[value] = row
        if self._id_errors:
            self._load_rows("id_err", ["r"], ["BIGINT"], [[r] for r in self._id_errors])
            self.con.execute("UPDATE rec SET __errors = true WHERE rowid IN (SELECT r FROM id_err)")

    def record_id(self, row: int, rid) -> str:
        value, _ = record_id(rid if rid is not None else "", ID)
        return value if value is not None else f"#{row + 1}"

    def _raw(self, row: int, rid, cells: Sequence[object]) -> RawRecord:
        fields: dict[str, object] = {}
        for column, cell in zip(self.layout.raw, cells, strict=True):
            if self.pop.kind == "csv":
                cell = "" if cell is None else cell.strip()
            fields[column] = cell
        line = row + 2 if self.pop.kind == "csv" else None
        return RawRecord(row, line, self.record_id(row, rid), fields,
                         tuple(self._id_errors.get(row, ())))

    def _raw_sql(self) -> tuple[str, int]:
        """The raw cells in `rec` as a select list, and its number of columns: one list
        for a CSV file, the typed columns themselves otherwise."""
        if self.pop.kind == "csv":
            return "__raw", 1
        return ", ".join(f'"{a}"' for a in self.layout.raw.values()), len(self.layout.raw)

    def _cells(self, selected: Sequence[object]) -> Sequence[object]:
        """The raw cells from what `_raw_sql` selected."""
        return selected[0] if self.pop.kind == "csv" else selected

    def _cell_list(self) -> str:
        return ", ".join(f"{identifier(c)} AS {self.layout.raw[c]}" for c in self.elsewhere)

    def _at(self, rows: Sequence[int]) -> str:
        """`recv` restricted to `rows` (at most `LOOKUP`), as a relation: the rows of a
        Parquet file are fetched by number (a scan of the file beside the table would read
        all of it)."""
        listed = ", ".join(map(str, rows)) or "NULL"
        if not self.elsewhere:
            return f"(SELECT * FROM recv WHERE rowid IN ({listed}))"
        values = "".join(", " + v for v in self.plan.values)
        return (f"(SELECT rec.rowid AS rowid, rec.*, s.* EXCLUDE (__row){values} FROM rec JOIN "
                f"(SELECT file_row_number AS __row, {self._cell_list()} FROM {self.pop.file_rows} "
                f"WHERE file_row_number IN ({listed})) AS s ON rec.rowid = s.__row WHERE rec.rowid IN ({listed}))")

    def _rows_where(self, condition: str, columns: str) -> Iterator[Sequence[tuple]]:
        """`columns` of `recv` where `condition` holds (on `rec`'s own columns), in input
        order, a chunk at a time: by number when the rows are few and the cells are in a
        Parquet file, else by one scan."""
        if self.elsewhere:
            rows = [r for (r,) in self.con.execute(f"SELECT rowid FROM rec WHERE {condition} ORDER BY rowid"
                                                   ).fetchall()]
            if len(rows) <= LOOKUPS * LOOKUP:
                for chunk in _chunks(rows, LOOKUP):
                    yield self.con.execute(f"SELECT {columns} FROM {self._at(chunk)} ORDER BY rowid").fetchall()
                return
        cur = self.con.execute(f"SELECT {columns} FROM recv WHERE {condition} ORDER BY rowid")
        while batch := cur.fetchmany(CHUNK):
            yield batch

    def _python_rows(self) -> None:
        """Validate and judge in Python the records SQL could not read exactly."""
        raw_cols, _ = self._raw_sql()
        program = None
        updates: list[list[object]] = []
        for batch in self._rows_where("NOT __sql", f"rowid, __id, {raw_cols}"):
            program = program or CompiledEngine(self.ir).program(self.year)
            records = [self.validator.validate(self._raw(r[0], r[1], self._cells(r[2:]))) for r in batch]
            for rec in records:
                codes = [CODE[v] for v in program.verdicts(rec.values, rec.exemptions)]
                updates.append([rec.index, bool(rec.errors), *codes])
            self.stats.add_records(program, records)
        self.python_rows = len(updates)
        if not updates:
            return
        n = len(self.layout.code)
        columns = ["r", "e"] + [f"x{i}" for i in range(n)]
        self._load_rows("py", columns, ["BIGINT", "BOOLEAN"] + ["TINYINT"] * n, updates)
        sets = ", ".join(["__errors = rec.__errors OR py.e"]
                         + [f"{c} = py.x{i}" for i, c in enumerate(self.layout.code)])
        self.con.execute(f"UPDATE rec SET {sets} FROM py WHERE rec.rowid = py.r")

    def _exemption_rows(self) -> None:
        """The records whose values SQL read exactly but which name exemptions: the
        validator reads the exemptions alone (what each grants, or why it may not), and
        SQL judges the record with them. A text cell is read once for all the records
        that hold it (a table of distinct cells, joined back); a cell of another type (a
        Parquet map, a list) record by record, as it is no key."""
        rules = [(i, rule) for i, rule in enumerate(self.ir.rules) if rule.exemption_keys]
        flags = [f"k{i}" for i, _ in rules]
        cell = self._exemptions_cell()
        named = "__sql AND NOT __clean"
        memo: dict[object, tuple[bool, dict[str, str]]] = {}
        if self.pop.kind == "csv" or self.pop.types.get(EXEMPTIONS_FIELD) == "VARCHAR":
            cells = [c for (c,) in self.con.execute(f"SELECT DISTINCT {cell} FROM rech WHERE {named}").fetchall()]
            if not cells:
                return
            read = [self._read_exemptions(c, memo) for c in cells]
            columns = [cells, [wrong for wrong, _ in read]] + [
                [any(k in granted for k in rule.exemption_keys) for _, granted in read] for _, rule in rules]
            # the cells as parameters: a text is handed over exactly as it is
            self.con.execute("CREATE OR REPLACE TEMP TABLE exd AS SELECT "
                             + ", ".join(f"unnest(${j + 1}) AS {name}" for j, name in enumerate(["cell", "e", *flags])),
                             columns)
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE ex AS SELECT rec.rowid AS r, exd.e AS e"
                             f"{''.join(f', exd.{f} AS {f}' for f in flags)} FROM rech AS rec JOIN exd ON exd.cell = {cell} "
                             f"WHERE {named}")
        else:
            rows: list[list[object]] = []
            cur = self.con.execute(f"SELECT rowid, {cell} FROM rech WHERE {named} ORDER BY rowid")
            while batch := cur.fetchmany(CHUNK):
                for row, value in batch:
                    wrong, granted = self._read_exemptions(value, memo)
                    rows.append([row, wrong, *(any(k in granted for k in rule.exemption_keys) for _, rule in rules)])
            if not rows:
                return
            self._load_rows("ex", ["r", "e", *flags], ["BIGINT", "BOOLEAN"] + ["BOOLEAN"] * len(flags), rows)
        # codes computed by a scan, then set as plain values: an UPDATE whose expressions
        # read the table's own columns fetches each row's values one by one (30× slower)
        # (only the rules an exemption can touch: the others were judged with the record)
        codes = [f"{code} AS x{i}" for i, code in self.plan.exemption_codes]
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE exc AS SELECT rec.rowid AS r, rec.__errors OR ex.e AS e"
                         f"{''.join(', ' + c for c in codes)} FROM rech AS rec JOIN ex ON rec.rowid = ex.r")
        sets = ["__errors = exc.e"] + [f"{self.layout.code[i]} = exc.x{i}" for i, _ in rules]
        self.con.execute(f"UPDATE rec SET {', '.join(sets)} FROM exc WHERE rec.rowid = exc.r")

    def _load_rows(self, table: str, columns: list[str], types: list[str], rows: list[list]) -> None:
        load_rows(self.con, table, columns, types, rows)

    # -- targets -----------------------------------------------------------------------------

    def _run_targets(self, query: str, parts: Sequence[tuple[int, int, Sequence[int]]]) -> None:
        """One query of the plan's targets: each target's columns of each row given to it."""
        rows = self.con.execute(query).fetchall()
        at = 1
        for index, n, dens in parts:
            t, active = self.stats.targets[index], n > 0
            t.add_rows([(r[0], *r[at:at + n]) for r in rows] if active else rows, dens, active)
            at += n

    # -- reading results back --------------------------------------------------------------

    def summary(self, show: int | None) -> Summary:
        """What a report counts and lists: each rule's outcome counts and the records with
        errors, and the first `show` rows of each list (all of them for None). The counts
        are one small map per rule in one scan: several times faster than a filtered count
        per rule and outcome, and its cost does not depend on how many combinations of
        outcomes the records hold (a `GROUP BY` of every code halved it where they hold 54,
        and took 13 times as long where every record held its own). A list is a query of
        its own: one that reads rows in order stops at `show` (an aggregate of the first
        rows of every list costs as much as the counts)."""
        codes = self.layout.code
        fail, unknown, exempted = CODE["fail"], CODE["unknown"], CODE["exempted"]
        *maps, errors = self.con.execute(
            f"SELECT {''.join(f'histogram({c}), ' for c in codes)}count(*) FILTER (WHERE __errors) FROM rec").fetchone()
        counts = [Counter({OUTCOMES[code]: n for code, n in (m or {}).items() if n}) for m in maps]
        if show is not None and show <= 0:
            return Summary(counts, errors, [[] for _ in codes], [], [], [])
        any_exempted = " OR ".join(f"{c} = {exempted}" for c in codes) or "false"
        return Summary(counts, errors, [self.rows_where(f"{c} IN ({fail}, {unknown})", show) for c in codes],
                       self.rows_where(any_exempted, show), self.rows_where("__errors", show), self.offenders(show))

    def rows_where(self, condition: str, limit: int | None, order: str = "rowid") -> list[int]:
        lim = "" if limit is None else f" LIMIT {int(limit)}"
        return [r[0] for r in self.con.execute(
            f"SELECT rowid FROM rec WHERE {condition} ORDER BY {order}{lim}").fetchall()]

    def count_where(self, condition: str) -> int:
        return self.con.execute(f"SELECT count(*) FILTER (WHERE {condition}) FROM rec").fetchone()[0]

    def offenders(self, limit: int | None) -> list[tuple[int, int]]:
        terms = [f"{_WEIGHT[r.modality]} * ({c} = {CODE['fail']})::INTEGER"
                 for r, c in zip(self.ir.rules, self.layout.code, strict=True)]
        if not terms:
            return []
        score = " + ".join(terms)
        return self.con.execute(
            f"SELECT rowid, score FROM (SELECT rowid, {score} AS score FROM rec) WHERE score > 0 "
            f"ORDER BY score DESC, rowid{'' if limit is None else f' LIMIT {int(limit)}'}").fetchall()

    def codes_of(self, rows: Sequence[int]) -> dict[int, tuple[str, ...]]:
        if not rows:
            return {}
        cols = ", ".join(self.layout.code) or "NULL"
        out = {}
        for chunk in _chunks(sorted(set(rows)), 1000):
            for r in self.con.execute(f"SELECT rowid, {cols} FROM rec WHERE rowid IN ({', '.join(map(str, chunk))})"
                                      ).fetchall():
                out[r[0]] = tuple(OUTCOMES[c] for c in r[1:1 + len(self.layout.code)])
        return out

    def records_at(self, rows: Sequence[int]) -> dict[int, Record]:
        """The validated records of the given rows, as the Python validator gives them."""
        out: dict[int, Record] = {}
        if not rows:
            return out
        if self.lean:
            return self._records_from_lines(sorted(set(rows)))
        lay = self.layout
        values = [lay.value[f.name] for f in self.ir.facts]
        raw, _ = self._raw_sql()
        cols = ", ".join(["rowid", "__id", "__sql", *values, raw])
        for chunk in _chunks(sorted(set(rows)), LOOKUP):
            q = f"SELECT {cols} FROM {self._at(chunk)} ORDER BY rowid"
            for r in self.con.execute(q).fetchall():
                out[r[0]] = self._record(r[0], r[1], r[2], r[3:3 + len(values)], self._cells(r[3 + len(values):]))
        return out

    def _records_from_lines(self, rows: list[int]) -> dict[int, Record]:
        """The records of `rows` of a CSV file, validated from their lines (a batch that
        ran `run` read one record a line, as the scan counted: record `r` is line `r + 1`
        after the header), found through the line index, then split as our reader splits."""
        import bisect

        starts = [ends for _, ends in self.pop.line_index]
        ids: dict[int, object] = {}
        for chunk in _chunks(rows, LOOKUP):
            ids.update(self.con.execute(f"SELECT rowid, __id FROM rec WHERE rowid IN ({', '.join(map(str, chunk))})"
                                        ).fetchall())
        out: dict[int, Record] = {}
        with open(self.pop.name, "rb") as f:
            for row in rows:
                line = row + 1
                # the last entry with fewer line ends before it: the line starts at or after it
                offset, ends = self.pop.line_index[bisect.bisect_left(starts, line) - 1]
                f.seek(offset)
                data = b""
                while data.count(b"\n") < line - ends + 1:
                    more = f.read(STEP)
                    if not more:
                        break
                    data += more
                text = data.split(b"\n")[line - ends].decode("utf-8").removesuffix("\r")
                cells = next(csv.reader([text]), [])
                out[row] = self.validator.validate(self._raw(row, ids.get(row), cells))
        return out

    def iter_records(self) -> Iterator[tuple[Record, tuple[str, ...]]]:
        """Every record with its outcome names, in input order, a chunk at a time."""
        if self.lean:
            raise RuntimeError("a lean batch keeps the values of every record for no reader")
        lay = self.layout
        values = [lay.value[f.name] for f in self.ir.facts]
        raw, nr = self._raw_sql()
        cols = ", ".join(["rowid", "__id", "__sql", *values, raw, *lay.code])
        cur = self.con.execute(f"SELECT {cols} FROM recv ORDER BY rowid")
        nv = len(values)
        while batch := cur.fetchmany(CHUNK):
            for r in batch:
                rec = self._record(r[0], r[1], r[2], r[3:3 + nv], self._cells(r[3 + nv:3 + nv + nr]))
                yield rec, tuple(OUTCOMES[c] for c in r[3 + nv + nr:])

    def _record(self, row: int, rid, by_sql: bool, vals: Sequence[object], cells: Sequence[object] | None
                ) -> Record:
        """The record of a row as the validator gives it. When SQL read its values exactly
        (`__sql`), the validator reads only its exemptions, if it has any (its raw cells
        are kept only then)."""
        if not by_sql:
            return self.validator.validate(self._raw(row, rid, cells))
        errors = list(self._id_errors.get(row, ()))
        exemptions: dict[str, str] = {}
        if cells is not None and EXEMPTIONS_FIELD in self.layout.raw:
            cell = cells[list(self.layout.raw).index(EXEMPTIONS_FIELD)]
            if self.pop.kind == "csv" and cell is not None:
                cell = cell.strip()
            exemptions = self.validator.exemptions(cell, errors)
        return Record(self.record_id(row, rid), row, self._values(self.ir.facts, vals), exemptions, tuple(errors))

    @staticmethod
    def _values(facts: Sequence[ir.FactDef], vals: Sequence[object]) -> dict[str, object]:
        """Typed SQL values as the validator gives them: numbers exact, in base units."""
        values: dict[str, object] = {}
        for fact, v in zip(facts, vals, strict=True):
            if v is None:
                continue
            if fact.kind in ("integer", "decimal"):
                scale = fact.type.scale if isinstance(fact.type, ir.Num) else 1
                v = Fraction(v) * scale
            values[fact.name] = v
        return values

    # -- every outcome, explained in bulk ------------------------------------------------------

    def explained(self, explainer: CompiledEngine, passes: bool,
                  errors: Callable[[Sequence[FieldError]], str | None]) -> str | None:
        """A query of every record in input order: `__row`, `__id`, each rule's code `r{i}`
        and explanation key `k{i}` (NULL for a pass unless `passes`), and `__err` (the
        record's errors as `errors` words them, NULL for none); the temporary table
        `explanation (rule, k, t)` holds the text of each key. None when ids need the
        reader's rewriting (the caller goes record by record).

        An explanation is the reference's (`explainer.outcome`), worked out once per rule
        for each distinct combination of outcome and the values the rule reads among the
        records whose values SQL read (None if two combinations share a key), and for a
        rule an exemption can touch, of the record's exemptions cell too; the few records
        validated in Python, or with errors, are explained one by one. Texts are joined
        to rows only as they are written, so no row holds them all."""
        if not self.plain_ids or not self.ir.rules or self.lean:
            return None
        lay = self.layout
        present = {f.name: f for f in self.ir.facts}
        texts: list[list[object]] = []  # rule, key, text
        picks = []
        # the exemptions cell of a record that names any (NULL for the others: `__clean`)
        cell = self._exemptions_cell() if EXEMPTIONS_FIELD in lay.present else None
        memo: dict[object, tuple[bool, dict[str, str]]] = {}
        for i, rule in enumerate(self.ir.rules):
            facts = [present[name] for name in explainer.facts_read(i) if name in present]
            keys = [lay.value[f.name] for f in facts]
            code = lay.code[i]
            # What an outcome depends on: its code and the values the rule reads, and for a
            # rule an exemption can touch, the exemptions cell (read as the validator reads
            # it, once per distinct cell). The key is a hash of them, computed where each row
            # is written (a join per rule would cost more); checked to be unique.
            read = [code, *keys] + ([cell] if rule.exemption_keys and cell is not None else [])
            key = f"(hash({', '.join(read)}) >> 1)::BIGINT"
            judged = "__sql" if passes else f"__sql AND {code} <> {CODE['pass']}"
            seen: set[int] = set()
            cur = self.con.execute(f"SELECT DISTINCT {key}, {', '.join(read)} FROM recv WHERE {judged} "
                                   "AND NOT __errors")
            while batch := cur.fetchmany(CHUNK):
                for k, _, *vals in batch:
                    if k in seen:
                        return None  # two outcomes with one key: the caller goes record by record
                    seen.add(k)
                    exemptions: dict[str, str] = {}
                    if len(vals) > len(facts):  # the exemptions cell
                        exemptions = self._read_exemptions(vals.pop(), memo)[1]
                    o = explainer.outcome(i, self._values(facts, vals), exemptions, self.year)
                    texts.append([i, k, o.explanation])
            picks.append(f"CASE WHEN px.r IS NOT NULL THEN px.k{i} WHEN {judged} THEN {key} END AS k{i}")
        # the records validated in Python, or with errors: their own explanations (negative keys)
        n = len(lay.code)
        rows = []
        own: dict[tuple[int, str], int] = {}
        for chunk in _chunks(self.rows_where("NOT __sql OR __errors", None), CHUNK):
            records, names = self.records_at(chunk), self.codes_of(chunk)
            for row in chunk:
                rec = records[row]
                ks: list[int | None] = []
                for i, name in enumerate(names[row]):
                    if name == "pass" and not passes:
                        ks.append(None)
                        continue
                    text = explainer.outcome(i, rec.values, rec.exemptions, self.year).explanation
                    k = own.get((i, text))
                    if k is None:
                        k = own[(i, text)] = -1 - len(own)
                        texts.append([i, k, text])
                    ks.append(k)
                rows.append([row, errors(rec.errors), *ks])
        self._load_rows("px", ["r", "err", *(f"k{i}" for i in range(n))],
                        ["BIGINT", "VARCHAR"] + ["BIGINT"] * n, rows)
        self._load_rows("explanation", ["rule", "k", "t"], ["INTEGER", "BIGINT", "VARCHAR"], texts)
        codes = ", ".join(f"rec.{c}" for c in lay.code)
        return (f"SELECT rec.rowid AS __row, rec.__id, {codes}, {', '.join(picks)}, px.err AS __err "
                f"FROM recv AS rec LEFT JOIN px ON px.r = rec.rowid")

    def _exemptions_cell(self) -> str:
        """The exemptions cell in `rec`: NULL for a record without exemptions."""
        if self.pop.kind == "csv":
            return f"__raw[{list(self.layout.raw).index(EXEMPTIONS_FIELD) + 1}]"
        return self.layout.raw[EXEMPTIONS_FIELD]

    def _read_exemptions(self, cell, memo: dict[object, tuple[bool, dict[str, str]]]
                         ) -> tuple[bool, dict[str, str]]:
        """Whether an exemptions cell names one it may not grant, and the exemptions it
        grants, as the validator reads them: once per distinct cell (records share cells;
        one of a nested type, a Parquet map, is read each time, as it is no key)."""
        try:
            hit = memo.get(cell)
        except TypeError:
            hit = None
        if hit is None:
            errors: list[FieldError] = []
            granted = self.validator.exemptions(cell.strip() if self.pop.kind == "csv" and cell is not None
                                                else cell, errors)
            hit = (bool(errors), granted)
            with contextlib.suppress(TypeError):
                memo[cell] = hit
        return hit

    def explained_records(self, explainer: CompiledEngine, errors: Callable[[Sequence[FieldError]], str | None]
                          ) -> tuple[dict[tuple[int, int], str], Iterator[tuple]] | None:
        """Every record's outcomes explained (passes too), for writers that word each record
        themselves: the texts by (rule, key), and rows `(id, codes, keys, errors)` in input
        order (see `explained`). None when the caller must go record by record."""
        query = self.explained(explainer, True, errors)
        if query is None:
            return None
        texts = {(r, k): t for r, k, t in self.con.execute("SELECT rule, k, t FROM explanation").fetchall()}
        n = len(self.layout.code)

        def rows() -> Iterator[tuple]:
            with _in_order(self.con):
                cur = self.con.execute(query)
                while batch := cur.fetchmany(CHUNK):
                    for r in batch:
                        yield r[1], r[2:2 + n], r[2 + n:2 + 2 * n], r[2 + 2 * n]

        return texts, rows()

    def close(self) -> None:
        self.con.close()


@contextlib.contextmanager
def _in_order(con) -> Iterator[None]:
    """Rows of `Batch.explained` stay in input order only when every join probes with the
    records (the optimizer would build on them when they are few) and on one thread (in
    DuckDB 2.0 a join followed by an unnest interleaves the threads' chunks, even with
    `preserve_insertion_order`); sorting instead would hold every row at once."""
    threads, disabled = con.execute(
        "SELECT current_setting('threads'), current_setting('disabled_optimizers')").fetchone()
    try:
        con.execute("SET threads = 1")
        con.execute("SET disabled_optimizers = 'build_side_probe_side,join_order'")
        yield
    finally:
        con.execute(f"SET threads = {int(threads)}")
        con.execute(f"SET disabled_optimizers = {literal(disabled)}")


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


# ---- Parquet output -------------------------------------------------------------------


class ParquetWriter:
    """`--format parquet`: one row per record and rule (id, rule, clauses, modality, outcome,
    explanation where not pass), and the targets in a second file beside it
    (`NAME.targets.parquet`). Rows go to a CSV file first; DuckDB types and compresses them."""

    RECORD_COLUMNS = {"id": "VARCHAR", "rule": "VARCHAR", "clauses": "VARCHAR", "modality": "VARCHAR",
                      "outcome": "VARCHAR", "explanation": "VARCHAR", "errors": "VARCHAR"}
    TARGET_COLUMNS = {"rule": "VARCHAR", "clauses": "VARCHAR", "modality": "VARCHAR", "group": "VARCHAR",
                      "value": "VARCHAR", "required": "VARCHAR", "outcome": "VARCHAR",
                      "explanation": "VARCHAR"}

    def __init__(self, path: str | os.PathLike[str], info, year: int, provenance: str | None = None):
        import tempfile

        self.path = os.fspath(path)
        self.info, self.year = info, year
        # Both files carry the provenance (the JSON text of `policydsl.provenance.embedded`)
        # in their key-value metadata, for `policydsl replay`.
        self._metadata = "" if provenance is None else (
            f", KV_METADATA {{{literal('policydsl-provenance')}: {literal(provenance)}}}")
        self._tmp = tempfile.TemporaryDirectory(prefix="policydsl-")
        self._rows = os.path.join(self._tmp.name, "records.csv")
        self._file = open(self._rows, "w", newline="", encoding="utf-8")  # noqa: SIM115
        self._csv = csv.writer(self._file)
        self._written = False  # the records were written from a batch (`batch`)

    def record(self, r) -> None:
        errors = _errors_text(r.errors)
        for o in r.outcomes:
            explanation = None if o.outcome == "pass" else o.explanation
            self._csv.writerow([r.id, o.rule, ",".join(o.clauses), o.modality, o.outcome,
                                _nullable(explanation), _nullable(errors)])
        if not r.outcomes:
            self._csv.writerow([r.id, "", "", "", "", "\\N", _nullable(errors)])

    def batch(self, batch: Batch, explainer: CompiledEngine) -> bool:
        """Write every outcome of a DuckDB batch in one query (explanations in bulk); False
        when the batch must be written record by record instead."""
        query = batch.explained(explainer, False, _errors_text)
        if query is None:
            return False
        rules = batch.ir.rules
        # The columns of few values are ENUMs: DuckDB writes an ENUM as the same Parquet
        # strings (UTF8, dictionary-encoded) as VARCHAR, but from its codes, where it would
        # hash each of the 20,000,000 strings of a million records; the write takes half
        # the time (6 s to 3 s at 1,000,000 records of 20 rules).
        def enum(values) -> str:
            return "ENUM(" + ", ".join(literal(v) for v in dict.fromkeys(values)) + ")"

        all_clauses = sorted({c for rule in rules for c in rule.clauses})
        clause_type = f"{enum(all_clauses)}[]" if all_clauses else "VARCHAR[]"
        rule_type, modality_type = enum(r.name for r in rules), enum(r.modality for r in rules)
        names = "([" + ", ".join(literal(o) for o in OUTCOMES) + f"]::{enum(OUTCOMES)}[])"

        def item(i: int, rule: ir.Rule) -> str:
            clauses = ("[" + ", ".join(literal(c) for c in rule.clauses) + f"]::{clause_type}" if rule.clauses
                       else f"NULL::{clause_type}")
            return (f"{{'i': {i}, 'rule': {literal(rule.name)}::{rule_type}, 'clauses': {clauses}, 'modality': "
                    f"{literal(rule.modality)}::{modality_type}, 'outcome': {names}[r{i} + 1], 'k': k{i}}}")

        items = ", ".join(item(i, rule) for i, rule in enumerate(rules))
        select = ("SELECT __id AS id, u.rule AS rule, u.clauses AS clauses, u.modality AS modality, "
                  "u.outcome AS outcome, x.t AS explanation, __err AS errors "
                  f"FROM (SELECT __id, __err, unnest([{items}]) AS u FROM ({query})) "
                  "LEFT JOIN explanation x ON x.rule = u.i AND x.k = u.k")
        try:
            with _in_order(batch.con):
                batch.con.execute(f"COPY ({select}) TO {literal(self._records_path())} "
                                  f"(FORMAT parquet{self._metadata})")
        except _duckdb().Error as err:
            raise OSError(f"cannot write `{self.path}`: {str(err).splitlines()[0]}") from err
        self._written = True
        return True

    def _records_path(self) -> str:
        return os.path.join(self._tmp.name, "records.parquet")

    @staticmethod
    def _target_row(t) -> list[str]:
        from .values import exact_text

        return [t.rule, ",".join(t.clauses), t.modality, _nullable(t.group),
                _nullable(None if t.value is None else exact_text(t.value)),
                _nullable(None if t.required is None else exact_text(t.required)), t.outcome, t.explanation]

    def finish(self, result) -> None:
        self._file.close()
        targets = os.path.join(self._tmp.name, "targets.csv")
        with open(targets, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            for t in result.targets:
                w.writerow(self._target_row(t))
        con = _connect()
        try:
            if self._written:  # `batch` wrote the records, with the metadata, already
                os.replace(self._records_path(), self.path)
            else:
                self._copy(con, self._rows, self.RECORD_COLUMNS, self.path, self._metadata)
            root, ext = os.path.splitext(self.path)
            self._copy(con, targets, self.TARGET_COLUMNS, f"{root}.targets{ext or '.parquet'}", self._metadata)
        finally:
            con.close()
            self._tmp.cleanup()

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> tuple[dict[str, str], list[tuple], list[tuple]]:
        """What a writer wrote: the key-value metadata, the record rows and the target rows
        (columns as in RECORD_COLUMNS and TARGET_COLUMNS, clauses joined by commas), in order.
        OSError when either file cannot be read as such."""
        path = os.fspath(path)
        root, ext = os.path.splitext(path)
        con = _connect()
        try:
            meta = con.execute(f"SELECT key, value FROM parquet_kv_metadata({literal(path)})").fetchall()
            tables = []
            for file, columns in ((path, cls.RECORD_COLUMNS), (f"{root}.targets{ext or '.parquet'}",
                                                               cls.TARGET_COLUMNS)):
                select = ", ".join("array_to_string(clauses, ',')" if c == "clauses" else identifier(c)
                                   for c in columns)
                tables.append(con.execute(f"SELECT {select} FROM read_parquet({literal(file)})").fetchall())
        except _duckdb().Error as err:
            raise OSError(f"cannot read `{path}` as a result: {str(err).splitlines()[0]}") from err
        finally:
            con.close()
        decoded = {bytes(k).decode("utf-8", "replace"): bytes(v).decode("utf-8", "replace") for k, v in meta}
        return decoded, tables[0], tables[1]

    @staticmethod
    def _copy(con, source: str, columns: dict[str, str], dest: str, metadata: str = "") -> None:
        spec = ", ".join(f"{literal(c)}: {literal(t)}" for c, t in columns.items())
        select = ", ".join(f"nullif(string_split({identifier(c)}, ','), [''])::VARCHAR[] AS clauses"
                           if c == "clauses" else identifier(c) for c in columns)
        try:
            con.execute(
                f"COPY (SELECT {select} FROM read_csv({literal(source)}, header = false, "
                f"quote = '\"', escape = '\"', nullstr = '\\N', auto_detect = false, columns = {{{spec}}})) "
                f"TO {literal(dest)} (FORMAT parquet{metadata})")
        except _duckdb().Error as err:
            raise OSError(f"cannot write `{dest}`: {str(err).splitlines()[0]}") from err


def _errors_text(errors: Sequence[FieldError]) -> str | None:
    return "; ".join(f"{e.field}: {e.message}" for e in errors) or None


def _nullable(value: str | None) -> str:
    return "\\N" if value is None else value


class DuckDBEngine(CompiledEngine):
    """The engine behind `--engine duckdb`: populations (files, DataFrames) are judged by
    DuckDB through `evaluate_stream`; one record at a time, it is the compiled engine."""

    name = "duckdb"


ENGINES["duckdb"] = DuckDBEngine


# ---- for the evaluation of several entities (`entities_sql`) ---------------------------


def connection():
    """A connection of its own to the process's database; the caller closes it."""
    return _connect()


def load_rows(con, table: str, columns: list[str], types: list[str], rows: list[list]) -> None:
    """A temporary table of plain values, handed over as a CSV file (DuckDB reads one far
    faster than it inserts rows one by one). None is NULL; an empty text is not allowed
    (our reader never gives one: an empty cell is a missing value)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="policydsl-") as tmp:
        path = os.path.join(tmp, f"{table}.csv")
        with open(path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)  # a text's own line ends are quoted
        spec = ", ".join(f"'{c}': '{t}'" for c, t in zip(columns, types, strict=True))
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM read_csv("
                    f"{literal(path)}, header = false, delim = ',', quote = '\"', escape = '\"', new_line = '\\n', "
                    f"auto_detect = false, columns = {{{spec}}})")


def database_error() -> type[Exception]:
    """The exception DuckDB raises for a query it cannot run."""
    return _duckdb().Error


def evaluate(policy, data, year: int, format: str | None = None, lean: bool = False) -> Batch | None:
    """The batch of `data` in `year`, or None when the Python path must read it. `lean`:
    the caller reads the counts and lists (`summary`) and the records it shows
    (`records_at`) only, not every record's values (`iter_records`, `explained`)."""
    pop = open_population(data, format)
    if pop is None:
        return None
    batch = Batch(policy, pop, year, lean)
    try:
        batch.run()
    except Unsupported:
        batch.close()
        return None
    except _duckdb().Error:
        if pop.kind != "csv":
            raise
        batch.close()  # a row DuckDB will not split as our reader does: our reader decides
        return None
    return batch
