"""Replaying a result: re-read the policy and data it names, check their digests,
evaluate again, and compare every verdict.

The result is the JSON or JSON Lines output of `policydsl eval`, which carries a
`provenance` block (`policydsl.provenance`). Paths are tried as recorded, relative to
the result file's folder and then to the working directory, unless given explicitly.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import attrs

from ..provenance import file_digest, records_digest
from ..textsafe import visible
from ..version import __version__

# Exit codes: reproduced; not reproduced (a digest or a verdict differs); unusable input.
SAME, DIFFERENT, UNUSABLE = 0, 1, 2
SHOWN = 20  # differing verdicts listed before "and N more"


class ReplayError(Exception):
    """The result, the policy or the data cannot be used; the message says which and why."""


@attrs.frozen
class Replay:
    """What a replay found: digests that differ, verdicts that differ, and notes."""

    policy_path: str
    data_paths: tuple[str, ...]
    digests: tuple[str, ...]  # one line per digest that differs
    verdicts: tuple[str, ...]  # one line per verdict that differs (records, then targets)
    notes: tuple[str, ...] = ()
    records: int = 0
    targets: int = 0

    @property
    def reproduced(self) -> bool:
        return not self.digests and not self.verdicts

    @property
    def exit_code(self) -> int:
        return SAME if self.reproduced else DIFFERENT

    def text(self) -> str:
        lines = [f"policy: {self.policy_path}"] + [f"data: {p}" for p in self.data_paths]
        lines += [f"note: {n}" for n in self.notes]
        lines += [f"changed: {d}" for d in self.digests]
        shown = self.verdicts[:SHOWN]
        lines += [f"different: {v}" for v in shown]
        if len(self.verdicts) > SHOWN:
            lines.append(f"different: … and {len(self.verdicts) - SHOWN} more")
        if self.reproduced:
            lines.append(f"reproduced: {self.records} record(s) and {self.targets} target result(s), "
                         "every verdict identical")
        else:
            what = []
            if self.digests:
                what.append(f"{len(self.digests)} digest(s) differ")
            if self.verdicts:
                what.append(f"{len(self.verdicts)} verdict(s) differ")
            lines.append("not reproduced: " + ", ".join(what))
        # Ids and paths come from files: one report line each, nothing that acts on a terminal.
        return "\n".join(visible(line) for line in lines) + "\n"


def read_result(path: str | os.PathLike[str]) -> dict:
    """The result document: `provenance`, `year`, `records` and `targets`, from JSON or JSON Lines."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ReplayError(f"cannot read the result `{path}`: {e}") from None
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        doc = _from_lines(text, path)
    if not isinstance(doc.get("provenance"), dict):
        raise ReplayError(f"`{path}` has no `provenance` block: it was not written by `policydsl eval` "
                          "with --format json or jsonl")
    if not isinstance(doc.get("records"), list) or not isinstance(doc.get("targets"), list):
        raise ReplayError(f"`{path}` has no `records` and `targets` lists")
    return doc


def _from_lines(text: str, path) -> dict:
    doc: dict = {"records": [], "targets": []}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise ReplayError(f"`{path}` line {n} is neither a JSON document nor a JSON Lines record") from None
        if not isinstance(obj, dict):
            raise ReplayError(f"`{path}` line {n} is not a JSON object")
        if "record" in obj:
            doc["records"].append(obj["record"])
        elif "target" in obj:
            doc["targets"].append(obj["target"])
        elif "policy" in obj:
            doc.update({k: v for k, v in obj.items() if k in ("policy", "provenance", "year")})
    return doc


def locate(recorded: str | None, given: str | None, result: Path, what: str) -> str:
    """The file to read: the one given, or the recorded path relative to the result, then the cwd."""
    if given is not None:
        if not os.path.isfile(given):
            raise ReplayError(f"cannot read the {what} `{given}`: no such file")
        return given
    if not recorded:
        raise ReplayError(f"the result names no {what} file; give one with --{'policy' if what == 'policy' else 'facts'}")
    candidates = [Path(recorded)] if os.path.isabs(recorded) else [result.parent / recorded, Path(recorded)]
    for c in candidates:
        if c.is_file():
            return str(c)
    raise ReplayError(f"the {what} file `{recorded}` named by the result is not there "
                      f"(looked in {', '.join(str(c) for c in candidates)})")


def replay(result_path: str | os.PathLike[str], *, policy: str | None = None, facts: str | None = None,
           engine: str | None = None) -> Replay:
    """Re-evaluate a result; raises `ReplayError` when something cannot be used."""
    from ..diagnostics import PolicyError
    from ..loader import read_source
    from ..policy import Policy

    result = Path(result_path)
    doc = read_result(result)
    prov = doc["provenance"]
    recorded_policy = prov.get("policy") or {}
    policy_path = locate(recorded_policy.get("path"), policy, result, "policy")
    try:
        loaded = Policy.from_source(read_source(policy_path))
    except PolicyError as e:
        raise ReplayError(f"the policy `{policy_path}` does not check:\n"
                          + "\n".join(d.render() for d in e.diagnostics)) from None
    digests: list[str] = []
    notes: list[str] = []
    want = recorded_policy.get("sha256")
    if want and file_digest(policy_path) != want:
        digests.append(f"policy file `{policy_path}`: sha256 recorded {want}, now {file_digest(policy_path)}")
    want = recorded_policy.get("fingerprint")
    if want and loaded.fingerprint != want:
        digests.append(f"policy fingerprint (its meaning) recorded {want}, now {loaded.fingerprint}")
    inputs = prov.get("data") or []
    if len(inputs) != 1:
        raise ReplayError(f"the result names {len(inputs)} data inputs; replay reads exactly one")
    entry = inputs[0]
    data_path = locate(entry.get("path"), facts, result, "data")
    fmt = entry.get("format") if entry.get("format") in ("csv", "json", "jsonl") else None
    want = entry.get("sha256")
    if entry.get("path") is None:  # in-memory records: compare their canonical form
        from ..data.read import DataError, read_records

        try:
            now = records_digest(r.fields for r in read_records(data_path, fmt))
        except DataError as e:
            raise ReplayError(str(e)) from None
    else:
        now = file_digest(data_path)
    if want and now != want:
        digests.append(f"data file `{data_path}`: sha256 recorded {want}, now {now}")
    if prov.get("tool") != f"policydsl {__version__}":
        notes.append(f"recorded with {prov.get('tool')}, replayed with policydsl {__version__}")
    engine = engine or _engine(loaded, prov.get("engine"), notes)
    years = prov.get("years") or ([doc["year"]] if isinstance(doc.get("year"), int) else [])
    if len(years) != 1:
        raise ReplayError(f"the result names {len(years)} years; an eval result has exactly one")
    from ..data.read import DataError

    try:
        evaluation = loaded.evaluate(data_path, years[0], engine=engine, format=fmt)
    except (DataError, ValueError) as e:  # unreadable data, a year outside the period, an unknown engine
        raise ReplayError(str(e)) from None
    verdicts = compare_records(doc["records"], [r.to_json() for r in evaluation.records])
    verdicts += compare_targets(doc["targets"], [t.to_json() for t in evaluation.targets])
    return Replay(policy_path, (data_path,), tuple(digests), tuple(verdicts), tuple(notes),
                  len(evaluation.records), len(evaluation.targets))


def _engine(policy, recorded: object, notes: list[str]) -> str:
    if isinstance(recorded, str):
        try:
            policy.engine(recorded)
            return recorded
        except ValueError:
            notes.append(f"engine `{recorded}` is not available; replayed with the reference engine")
    return "reference"


def compare_records(recorded: list, now: list) -> list[str]:
    """One line per record whose id, errors or outcomes differ; records are matched by position
    (input order), since ids may repeat in bad data."""
    out: list[str] = []
    for i, (a, b) in enumerate(zip(recorded, now, strict=False)):
        if a == b:
            continue
        rid = b.get("id") if isinstance(b, dict) else None
        where = f"record #{i + 1} `{rid}`"
        if not isinstance(a, dict) or a.get("id") != rid:
            out.append(f"{where}: recorded as `{a.get('id') if isinstance(a, dict) else a}`")
            continue
        old = {o.get("rule"): o for o in a.get("outcomes", []) if isinstance(o, dict)}
        new = {o["rule"]: o for o in b["outcomes"]}
        for rule in dict.fromkeys([*old, *new]):
            x, y = old.get(rule), new.get(rule)
            if x == y:
                continue
            if x is None or y is None:
                out.append(f"{where}, rule `{rule}`: {'only in the result' if y is None else 'not in the result'}")
            elif x.get("outcome") != y["outcome"]:
                out.append(f"{where}, rule `{rule}`: recorded {x.get('outcome')}, now {y['outcome']}")
            else:
                out.append(f"{where}, rule `{rule}`: same outcome, explanation differs")
        if a.get("errors") != b["errors"]:
            out.append(f"{where}: errors differ")
    if len(recorded) != len(now):
        out.append(f"the result has {len(recorded)} records, the data gives {len(now)}")
    return out


def compare_targets(recorded: list, now: list) -> list[str]:
    def key(t) -> tuple:
        return (t.get("rule"), t.get("group")) if isinstance(t, dict) else (None, None)

    old = {key(t): t for t in recorded}
    new = {key(t): t for t in now}
    out = []
    for k in dict.fromkeys([*old, *new]):
        x, y = old.get(k), new.get(k)
        if x == y:
            continue
        name = f"target `{k[0]}`" + (f" ({k[1]})" if k[1] is not None else "")
        if x is None or y is None:
            out.append(f"{name}: {'only in the result' if y is None else 'not in the result'}")
        else:
            out.append(f"{name}: recorded {x.get('outcome')} at {x.get('value')}, now {y['outcome']} at {y['value']}")
    return out
