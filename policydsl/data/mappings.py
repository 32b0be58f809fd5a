"""Records given through the Python API (mappings) as `RawRecord`s, by the id rules of files."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from .read import ROW, FieldError, RawRecord, Row, records_of_rows


def records_from_mappings(items: Iterable[object], *, id_field: str = "id", start: int = 0) -> Iterator[RawRecord]:
    """One `RawRecord` per item, in order, with the checks a data file gets.

    A blank, missing or non-scalar id, a duplicate id, and an item that is not a mapping
    (`None`, a number) are errors on that record, never an exception. `RawRecord`s pass
    through unchanged: their reader checked them already. `start` is the index of the
    first item, for records given in several batches.
    """
    pending: list[RawRecord] = []

    def rows() -> Iterator[Row]:
        for number, item in enumerate(items, start + 1):
            if isinstance(item, RawRecord):
                pending.append(item)
                yield None, None, [_PASS_THROUGH]
            elif isinstance(item, Mapping):
                yield None, dict(item), []
            else:
                name = type(item).__name__
                kind = "`None`" if item is None else f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"
                message = f"record {number} is not a mapping of field names to values: it is {kind}"
                yield None, None, [FieldError(ROW, message)]

    for record in records_of_rows(rows(), id_field, None, start):
        if record.errors and record.errors[0] is _PASS_THROUGH:
            yield pending.pop()
        else:
            yield record


_PASS_THROUGH = FieldError(ROW, "")  # marks a place held for a RawRecord given as it is
