"""SQL as text, without a SQL builder: the outcome codes SQL returns, the exception for a
construct SQL cannot express exactly, the quoting of names and strings, the column names
of a batch's table, and `BatchPlan`, a batch's queries as text. Light on purpose: a batch
whose plan was kept (`duckdb_engine`) runs on these alone, without importing sqlglot."""

from __future__ import annotations

import attrs

from ..core import ir
from .results import OUTCOMES

CODE = {name: i for i, name in enumerate(OUTCOMES)}  # outcome codes as the SQL returns them
ID = "id"  # the column of record ids


class Unsupported(Exception):
    """A construct this compiler cannot express exactly; the caller evaluates it otherwise."""

    def __init__(self, construct: str, why: str):
        super().__init__(f"{construct}: {why}")
        self.construct = construct
        self.why = why


def literal(text: str) -> str:
    """A string literal of standard SQL (as DuckDB reads it): quotes doubled, nothing else
    escaped."""
    return "'" + text.replace("'", "''") + "'"


def identifier(text: str) -> str:
    """A quoted identifier: double quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


class Layout:
    """Column names of a batch's table: one per fact value, raw cell, rule code."""

    def __init__(self, policy: ir.Policy, columns: list[str]):
        self.facts = list(policy.facts)
        self.present = set(columns)
        self.value = {f.name: f"v{i}" for i, f in enumerate(self.facts)}
        self.raw = {c: f"c{i}" for i, c in enumerate(columns)}
        self.code = [f"r{i}" for i in range(len(policy.rules))]


@attrs.frozen
class BatchPlan:
    """The queries of one batch, as text: what they read is the policy, the year, the
    input's kind, columns and types, and the limits, so one plan serves every input of
    that shape.

    `rec` selects every record's id, flags, values or cells, and codes from `src`;
    `values` are the view `recv`'s value columns over a typed input's cells (none for a
    CSV file, whose values are kept), and `held` those of them over the cells `rec`
    keeps, the columns of `kept` (a Parquet file's other cells stay in the file), for
    the view `rech` that the exemption queries read; `plain_id` is true of an id
    the reader keeps as it stands; each target query is given the parts of its row,
    `(index of the target in TargetStats.targets, its number of columns, its
    denominators)`; `exemption_codes` are the codes of the rules an exemption can touch,
    given the flags `ex.k{i}`."""

    rec: str
    values: tuple[str, ...]
    held: tuple[str, ...]
    kept: tuple[str, ...]
    plain_id: str
    targets: tuple[tuple[str, tuple[tuple[int, int, tuple[int, ...]], ...]], ...]
    exemption_codes: tuple[tuple[int, str], ...]
