"""Provenance of a result: what exactly produced it, so it can be reproduced.

Every output of `policydsl eval` (JSON, JSON Lines, Parquet, HTML and workbook)
carries the block `provenance(policy, inputs, years, engine)` returns: the policy's
fingerprint and the sha256 of its file, the sha256 of each input file (or of a
canonical form of in-memory records), the years, the tool version and the engine.
`policydsl replay` reads it back (`policydsl.audit.replay`).

A report (HTML, workbook) holds counts, not every verdict, so beside the block it
carries `verdict_summary` of each year: every rule's outcome counts and every target's
verdict and value, which is what a replay of a report compares. It is embedded as one
JSON text (`embedded`): in the page's `<meta name="policydsl-provenance">`, in the
workbook's last sheet after the marker cell `policydsl-provenance`, in the Parquet
files' key-value metadata under the same key.

Nothing in it depends on the clock, the machine or the hash seed, so the same inputs
give the same block, byte for byte. Record order is part of an input: a file with
the same records in another order has another digest.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction

FORMAT = 1  # bumped when the block's shape changes
_BLOCK = 1 << 20


def file_digest(path: str | os.PathLike[str]) -> str:
    """`sha256:` and the hex digest of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            h.update(block)
    return "sha256:" + h.hexdigest()


def json_value(value: object) -> object:
    """A JSON value for a record field, exact: decimals and fractions as text."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}" if value.denominator != 1 else str(value.numerator)
    if isinstance(value, Decimal | float):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return str(value)


def canonical_records(records: Iterable[Mapping[str, object]]) -> bytes:
    """In-memory records as one canonical byte string: one JSON object a line, keys
    sorted, exact numbers as text, in the given order (order is part of the input)."""
    lines = [json.dumps(json_value(dict(r)), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
             for r in records]
    return ("\n".join(lines) + "\n" if lines else "").encode("utf-8")


def records_digest(records: Iterable[Mapping[str, object]]) -> str:
    return "sha256:" + hashlib.sha256(canonical_records(records)).hexdigest()


def input_entry(source: object, format: str | None = None) -> dict:
    """One input: a file path (digest of its bytes) or a sequence of mappings."""
    if isinstance(source, str | os.PathLike):
        return {"path": os.fspath(source), "format": format, "sha256": file_digest(source)}
    records = list(source)  # type: ignore[call-overload]
    return {"path": None, "format": "records", "records": len(records), "sha256": records_digest(records)}


def input_entries(sources: Iterable[tuple[int, object]], format: str | None = None) -> list[dict]:
    """The inputs of `(year, source)` pairs: one entry when every year reads the same
    source, else one per year, each naming its year."""
    pairs = list(sources)
    if len({id(s) if not isinstance(s, str | os.PathLike) else os.fspath(s) for _, s in pairs}) <= 1:
        return [input_entry(pairs[0][1], format)] if pairs else []
    return [{**input_entry(source, format), "year": year} for year, source in pairs]


def provenance(policy, inputs: Iterable[object], years: Iterable[int], engine: str, *,
               data_format: str | None = None) -> dict:
    """The provenance block of a result.

    `policy` is a `policydsl.Policy` (its source file is digested when it was loaded
    from one); `inputs` are data file paths, sequences of mappings, or entries made by
    `input_entries` (for one file per year); `years` the
    years evaluated; `engine` the evaluator's name.
    """
    from .core.version import __version__

    source = policy.ir.source
    path = source.name if source is not None else None
    policy_block: dict[str, object] = {"name": policy.name, "version": policy.version,
                                       "fingerprint": policy.fingerprint, "path": None, "sha256": None}
    if path is not None and os.path.isfile(path):
        policy_block["path"] = path
        policy_block["sha256"] = file_digest(path)
    elif source is not None:
        policy_block["sha256"] = "sha256:" + hashlib.sha256(source.text.encode("utf-8")).hexdigest()
    return {
        "format": FORMAT,
        "policy": policy_block,
        "data": [x if isinstance(x, dict) else input_entry(x, data_format) for x in inputs],
        "years": sorted({int(y) for y in years}),
        **_dates(years),
        "tool": f"policydsl {__version__}",
        "engine": engine,
    }


def _dates(years: Iterable[int]) -> dict:
    """The days judged, when a day was asked for (`--date`) rather than a year."""
    days = sorted({y.date.isoformat() for y in years if getattr(y, "date", None) is not None})
    return {"dates": days} if days else {}


EMBEDDED = "policydsl-provenance"  # the key (meta name, marker cell, Parquet metadata) of `embedded`


def verdict_summary(year: int, rule_counts: Mapping[str, Mapping[str, int]], targets: Iterable) -> dict:
    """What a report states about one year, to compare on replay: each rule's outcome
    counts (zero counts left out) and each target's verdict and exact value."""
    from .eval.values import exact_text

    return {"year": year,
            "rules": {rule: {o: n for o, n in sorted(counts.items()) if n}
                      for rule, counts in sorted(rule_counts.items())},
            "targets": [{"rule": t.rule, "group": t.group, "outcome": t.outcome,
                         "value": exact_text(t.value) if t.value is not None else None}
                        for t in targets]}


def embedded(block: dict, verdicts: list[dict] | None = None) -> str:
    """The provenance (and a report's verdict summaries) as one ASCII JSON text, safe to
    put in an HTML attribute once escaped, in a cell, or in Parquet metadata."""
    doc = {"provenance": block} if verdicts is None else {"provenance": block, "verdicts": verdicts}
    return json.dumps(doc, ensure_ascii=True, sort_keys=True, separators=(",", ":"))


__all__ = ["EMBEDDED", "canonical_records", "embedded", "file_digest", "input_entries", "input_entry",
           "provenance", "records_digest", "verdict_summary"]
