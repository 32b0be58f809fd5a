"""DataFrames and Arrow objects as plain rows, for the Python reader path.

The batch engine hands these objects to DuckDB as they are; when a population has to
be read record by record instead (the reference engine, or a column DuckDB cannot
read exactly), this gives each row as a mapping of column to value. pandas, polars
and pyarrow are found by the type of the object passed, never imported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping


def frame_kind(data: object) -> str | None:
    """`pandas DataFrame`, `polars DataFrame`, `pyarrow Table`, … or None."""
    module = type(data).__module__.split(".")[0]
    name = type(data).__name__
    if module in ("pandas", "polars") and name == "DataFrame":
        return f"{module} {name}"
    if module == "pyarrow" and name in ("Table", "RecordBatch", "RecordBatchReader"):
        return f"pyarrow {name}"
    return None


def frame_rows(data: object) -> Iterator[Mapping[str, object]]:
    """The rows of a DataFrame or Arrow object, one mapping each, in order; pandas'
    missing markers (NaN, NA, NaT) become None."""
    kind = frame_kind(data)
    if kind == "pandas DataFrame":
        columns = [str(c) for c in data.columns]
        for row in data.itertuples(index=False, name=None):
            yield {c: _pandas_value(v) for c, v in zip(columns, row, strict=True)}
    elif kind == "polars DataFrame":
        yield from data.iter_rows(named=True)
    elif kind == "pyarrow RecordBatchReader":
        for batch in data:
            yield from batch.to_pylist()
    elif kind is not None:
        yield from data.to_pylist()
    else:
        raise TypeError(f"not a DataFrame or Arrow table: {type(data).__name__}")


def _pandas_value(v: object) -> object:
    if v is None:
        return None
    try:
        if v != v:  # NaN and NaT are not equal to themselves
            return None
    except (TypeError, ValueError):  # pandas.NA refuses comparison
        return None
    if type(v).__name__ == "NAType":
        return None
    return v


def as_rows(data: object) -> Iterable:
    """`data` itself when it already iterates over records, else its rows."""
    return frame_rows(data) if frame_kind(data) is not None else data
