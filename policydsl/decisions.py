"""A decision log for embedders: every evaluation recorded as one JSON line.

    >>> import io, policydsl
    >>> p = policydsl.loads('''
    ... policy demo period 2024 to 2025
    ... fact rooms: decimal m2
    ... rule rooms clause R1 must rooms >= 200 m2
    ... ''')
    >>> sink = io.StringIO()
    >>> log = policydsl.DecisionLog(sink, mask=("name",), clock=lambda: "2024-05-01T00:00:00+00:00")
    >>> p.evaluate_record({"id": "a", "name": "Ms Li", "rooms": "150"}, 2024, log=log).outcomes[0].outcome
    'fail'
    >>> print(sink.getvalue().strip())  # doctest: +NORMALIZE_WHITESPACE
    {"decision": {"time": "2024-05-01T00:00:00+00:00", "policy": {"name": "demo", "version": null,
     "fingerprint": "sha256:..."}, "year": 2024, "id": "a", "outcomes": [{"rule": "rooms", "outcome": "fail"}],
     "errors": [], "masked": ["name"]}, "input": {"id": "a", "rooms": "150"}}

Each line holds the policy's fingerprint, the input record (with the fields the
embedder names masked: removed, and listed under `masked`), the outcomes and the
time. `policydsl diff OLD NEW --facts decisions.jsonl` reads the `input` of every
line as a record, so a later version can be replayed over past decisions. A masked
fact that a rule reads is missing there, and its outcome unknown.
"""

from __future__ import annotations

import datetime
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO

from .provenance import json_value


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


class DecisionLog:
    """A JSON Lines sink of decisions. `target` is a path (appended to) or a text stream.

    `mask` names input fields never written (personal data); `clock` returns the
    time stamp of each line (ISO 8601, UTC by default). Lines are written whole and
    flushed, under a lock, so one log can be shared by threads.
    """

    def __init__(self, target: str | os.PathLike[str] | IO[str], *, mask: Iterable[str] = (),
                 clock: Callable[[], str] = _now):
        self.mask = tuple(mask)
        self._masked = frozenset(self.mask)
        self.clock = clock
        self._lock = threading.Lock()
        if isinstance(target, str | os.PathLike):
            self._out: IO[str] = open(target, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()
            self._owned = True
        else:
            self._out, self._owned = target, False

    def record(self, policy, year: int, record: Mapping[str, object], result) -> None:
        """Log one decision: `result` is the `RecordResult` of `record` under `policy`."""
        masked = sorted(k for k in record if k in self._masked)
        line = {"decision": {"time": self.clock(), "policy": policy.info.to_json(), "year": year,
                             "id": result.id,
                             "outcomes": [{"rule": o.rule, "outcome": o.outcome} for o in result.outcomes],
                             "errors": [{"field": e.field, "message": e.message} for e in result.errors],
                             "masked": masked},
                "input": {str(k): json_value(v) for k, v in record.items() if k not in self._masked}}
        text = json.dumps(line, ensure_ascii=False) + "\n"
        with self._lock:
            self._out.write(text)
            self._out.flush()

    def record_all(self, policy, year: int, records: Iterable[Mapping[str, object]], results) -> None:
        for record, result in zip(records, results, strict=True):
            self.record(policy, year, record, result)

    def close(self) -> None:
        if self._owned:
            self._out.close()

    def __enter__(self) -> DecisionLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_decisions(path: str | os.PathLike[str]) -> Iterator[dict]:
    """The lines of a decision log, in order; a line that is not a decision raises ValueError
    naming its number."""
    from .data.read import loads_json

    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = loads_json(line)
            except ValueError:
                raise ValueError(f"{os.fspath(path)}:{n}: not a JSON line of a decision log") from None
            if not isinstance(obj, dict) or not isinstance(obj.get("input"), dict):
                raise ValueError(f"{os.fspath(path)}:{n}: a decision-log line needs an `input` object")
            yield obj


def rereadable(data: object) -> object:
    """`data` in a form that can be read twice (once to evaluate, once to log): paths,
    DataFrames, Arrow tables and sequences as they are, any other iterable as a list."""
    from .data.frames import frame_kind

    if isinstance(data, str | os.PathLike | list | tuple) or frame_kind(data) is not None:
        return data
    return list(data)  # type: ignore[call-overload]


def input_rows(data: object, format: str | None = None) -> Iterator[Mapping[str, object]]:
    """Each input record of `data` as the mapping of fields it was read from, in order."""
    from .data.frames import frame_kind, frame_rows

    if isinstance(data, str | os.PathLike):
        from .eval import duckdb_engine

        if duckdb_engine.is_parquet(data, format):
            yield from duckdb_engine.parquet_rows(data)
            return
        from .data.read import read_records

        for raw in read_records(data, format):
            yield raw.fields
    elif frame_kind(data) is not None:
        yield from frame_rows(data)
    else:
        for r in data:  # type: ignore[attr-defined]
            yield getattr(r, "fields", r)
