"""Replaying a result: re-read the policy and data it names, check their digests,
evaluate again, and compare every verdict.

The result is any output of `policydsl eval` but text: JSON, JSON Lines and Parquet
hold every verdict, and each is compared record by record; an HTML page or a workbook
holds each year's outcome counts per rule and each target's verdict (its embedded
`verdict_summary`), and those are compared, for every year it covers. Each carries a
`provenance` block (`policydsl.provenance`). Paths are tried as recorded, relative to
the result file's folder and then to the working directory, unless given explicitly.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import attrs

from ..core.textsafe import visible
from ..core.version import __version__
from ..provenance import EMBEDDED, file_digest, records_digest
from .render import counted

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
            lines.append(f"reproduced: {counted(self.records, 'record')} and "
                         f"{counted(self.targets, 'target result')}, every verdict identical")
        else:
            what = []
            if self.digests:
                what.append(f"{counted(len(self.digests), 'digest')} differ{'s' if len(self.digests) == 1 else ''}")
            if self.verdicts:
                what.append(f"{counted(len(self.verdicts), 'verdict')} differ{'s' if len(self.verdicts) == 1 else ''}")
            lines.append("not reproduced: " + ", ".join(what))
        # Ids and paths come from files: one report line each, nothing that acts on a terminal.
        return "\n".join(visible(line) for line in lines) + "\n"


def read_result(path: str | os.PathLike[str]) -> dict:
    """The result document: `provenance`, and either `year`, `records` and `targets` (JSON,
    JSON Lines, Parquet) or `verdicts`, one summary per year (HTML, workbook)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise ReplayError(f"cannot read the result `{path}`: {e.strerror or e}") from None
    except ValueError:  # only a NUL byte, which no file name can hold
        raise ReplayError(f"cannot read the result `{path}`: a file name cannot hold a NUL byte") from None
    if raw.startswith(b"PAR1"):
        doc = _from_parquet(path)
    elif raw.startswith(b"PK\x03\x04"):
        doc = _embedded(_workbook_text(raw, path), path)
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ReplayError(f"cannot read the result `{path}`: {e}") from None
        if text.lstrip()[:15].lower() == "<!doctype html>":
            doc = _embedded(_page_text(text, path), path)
        else:
            try:
                doc = json.loads(text)
            except ValueError:
                doc = None
            if not isinstance(doc, dict):
                doc = _from_lines(text, path)
    if not isinstance(doc.get("provenance"), dict):
        raise ReplayError(f"`{path}` has no `provenance` block: it was not written by `policydsl eval` "
                          "with --format json, jsonl, parquet, html or xlsx")
    if isinstance(doc.get("verdicts"), list):
        return doc
    if not isinstance(doc.get("records"), list) or not isinstance(doc.get("targets"), list):
        raise ReplayError(f"`{path}` has no `records` and `targets` lists")
    return doc


def _embedded(text: str | None, path) -> dict:
    if text is None:
        return {}
    try:
        doc = json.loads(text)
    except ValueError:
        raise ReplayError(f"`{path}`: its embedded `{EMBEDDED}` is not JSON") from None
    return doc if isinstance(doc, dict) else {}


def _page_text(text: str, path) -> str | None:
    """The embedded JSON of an HTML report: `<meta name="policydsl-provenance" content="…">`."""
    import html
    import re

    found = re.search(rf'<meta name="{EMBEDDED}" content="([^"]*)">', text)
    return html.unescape(found.group(1)) if found else None


def _workbook_text(raw: bytes, path) -> str | None:
    """The embedded JSON of a workbook: the cells after the marker cell `policydsl-provenance`
    in its last sheet, joined. Read with the standard library (a workbook is zipped XML)."""
    import io
    import zipfile
    from xml.etree import ElementTree

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            book = ElementTree.fromstring(z.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            targets = {r.get("Id"): r.get("Target") for r in rels}
            sheets = book.findall("m:sheets/m:sheet", ns)
            if not sheets:
                return None
            target = targets[sheets[-1].get(rel)].lstrip("/")
            sheet = ElementTree.fromstring(z.read(target if target.startswith("xl/") else "xl/" + target))
            shared = ([("".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")))
                       for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml"))]
                      if "xl/sharedStrings.xml" in z.namelist() else [])
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as e:
        raise ReplayError(f"cannot read the workbook `{path}`: {e}") from None

    def value(cell) -> str:
        v = cell.find("m:v", ns)
        if cell.get("t") == "s" and v is not None:
            try:
                return shared[int(v.text or "")]
            except (ValueError, IndexError):
                raise ReplayError(f"cannot read the workbook `{path}`: a cell names a string it does not hold") from None
        inline = cell.find("m:is/m:t", ns)
        return inline.text or "" if inline is not None else (v.text or "" if v is not None else "")

    parts = []
    for row in sheet.iter(f"{{{ns['m']}}}row"):
        cells = row.findall("m:c", ns)
        if len(cells) >= 2 and value(cells[0]) == EMBEDDED:
            parts.append(value(cells[1]))
    return "".join(parts) or None


def _from_parquet(path) -> dict:
    """Records and targets of a Parquet result, in the shape `compare_records` and
    `compare_targets` read (outcomes by rule; target values exact)."""
    from ..eval.duckdb_engine import ParquetWriter

    try:
        meta, rows, targets = ParquetWriter.read(path)
        doc = _embedded(meta.get(EMBEDDED), path)
        several = any(isinstance(d, dict) and "entity" in d for d in (doc.get("provenance") or {}).get("data") or [])
        if several:  # a policy with several entities: each row leads with its entity
            from ..eval.entity_parquet import EntityParquetWriter

            meta, rows, targets = EntityParquetWriter.read(path)
        else:
            rows = [(None, *row) for row in rows]
            targets = [(None, *t) for t in targets]
    except OSError as e:
        raise ReplayError(str(e)) from None
    records: list[dict] = []
    for entity, rid, rule, _clauses, _modality, outcome, _explanation, errors in rows:
        # A record's rows are consecutive; a repeated id starts a new record at a rule seen again.
        if (not records or records[-1]["id"] != rid or records[-1].get("entity") != entity
                or rule in records[-1]["_rules"]):
            records.append({**({"entity": entity} if several else {}), "id": rid, "outcomes": [],
                            "errors": errors or "", "_rules": set()})
        if rule:
            records[-1]["outcomes"].append({"rule": rule, "outcome": outcome})
            records[-1]["_rules"].add(rule)
    for r in records:
        del r["_rules"]
    doc["records"] = records
    doc["targets"] = [{**({"entity": t[0]} if several else {}), "rule": t[1], "group": t[4], "outcome": t[7],
                       "value": t[5]} for t in targets]
    doc["shape"] = "parquet"
    return doc


def _as_parquet(record: dict) -> dict:
    """A record's JSON reduced to what a Parquet result holds."""
    return {**({"entity": record["entity"]} if "entity" in record else {}), "id": record["id"], "outcomes": [{"rule": o["rule"], "outcome": o["outcome"]} for o in record["outcomes"]],
            "errors": "; ".join(f"{e['field']}: {e['message']}" for e in record["errors"])}


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
            doc.update({k: v for k, v in obj.items() if k in ("policy", "provenance", "year", "date")})
    return doc


def locate(recorded: str | None, given: str | None, result: Path, what: str) -> str:
    """The file to read: the one given, or the recorded path relative to the result, then the cwd."""
    if given is not None:
        if not os.path.isfile(given):
            raise ReplayError(f"cannot read the {what} `{given}`: no such file")
        return given
    if not recorded:
        raise ReplayError(f"the result names no {what} file; give one with --{'policy' if what == 'policy' else 'facts'}")
    candidates = [Path(recorded)] if os.path.isabs(recorded) else list(dict.fromkeys(
        [result.parent / recorded, Path(recorded)]))
    for c in candidates:
        if c.is_file():
            return str(c)
    raise ReplayError(f"the {what} file `{recorded}` named by the result is not there "
                      f"(looked in {', '.join(str(c) for c in candidates)})")


def replay(result_path: str | os.PathLike[str], *, policy: str | None = None,
           facts: str | Sequence[str] | None = None, engine: str | None = None) -> Replay:
    """Re-evaluate a result; raises `ReplayError` when something cannot be used. `facts`
    replaces the data the result names: one path, or `ENTITY=PATH` for any entity of a
    policy with several."""
    from ..core.diagnostics import PolicyError
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
    if loaded.ir.entities:
        return _replay_entities(loaded, doc, result, facts, policy_path, digests, notes, engine)
    if isinstance(facts, list | tuple):
        if len(facts) > 1:
            raise ReplayError("--facts is given once for a result of a policy with one entity")
        facts = facts[0] if facts else None
    inputs = prov.get("data") or []
    if not inputs or (len(inputs) > 1 and facts is not None):
        raise ReplayError(f"the result names {len(inputs)} data inputs; --facts replaces exactly one")
    years = prov.get("years") or ([doc["year"]] if isinstance(doc.get("year"), int) else [])
    if not years or ("verdicts" not in doc and len(years) != 1):
        raise ReplayError(f"the result names {len(years)} years; an eval result of records has exactly one")
    sources: dict[int, tuple[str, str | None]] = {}  # year -> (data path, format)
    for entry in inputs:
        data_path = locate(entry.get("path"), facts, result, "data")
        fmt = entry.get("format") if entry.get("format") in ("csv", "json", "jsonl", "parquet") else None
        _check_data(entry, data_path, fmt, digests)
        for year in ([entry["year"]] if isinstance(entry.get("year"), int) else years):
            sources[year] = (data_path, fmt)
    if prov.get("tool") != f"policydsl {__version__}":
        notes.append(f"recorded with {prov.get('tool')}, replayed with policydsl {__version__}")
    engine = engine or _engine(loaded, prov.get("engine"), notes)
    data_paths = tuple(dict.fromkeys(p for p, _ in sources.values()))
    if "verdicts" in doc:
        verdicts, records, targets = _replay_summaries(loaded, doc["verdicts"], sources, engine)
        return Replay(policy_path, data_paths, tuple(digests), tuple(verdicts), tuple(notes), records, targets)
    from ..data.read import DataError

    data_path, fmt = sources[years[0]]
    days = prov.get("dates") or ([doc["date"]] if isinstance(doc.get("date"), str) else [])
    when: object = years[0]
    if days:  # judged on a day (`--date`): replayed on that day
        import datetime

        try:
            when = datetime.date.fromisoformat(days[0])
        except ValueError:
            raise ReplayError(f"the result names the day `{days[0]}`, which is not YYYY-MM-DD") from None
    try:
        evaluation = loaded.evaluate(data_path, when, engine=engine, format=fmt)
    except (DataError, ValueError) as e:  # unreadable data, a year outside the period, an unknown engine
        raise ReplayError(str(e)) from None
    now = [r.to_json() for r in evaluation.records]
    now_targets = [t.to_json() for t in evaluation.targets]
    if doc.get("shape") == "parquet":
        now = [_as_parquet(r) for r in now]
        now_targets = [{k: t[k] for k in ("rule", "group", "outcome", "value")} for t in now_targets]
    verdicts = compare_records(doc["records"], now)
    verdicts += compare_targets(doc["targets"], now_targets)
    return Replay(policy_path, data_paths, tuple(digests), tuple(verdicts), tuple(notes),
                  len(evaluation.records), len(evaluation.targets))


def _replay_entities(policy, doc: dict, result: Path, facts, policy_path: str, digests: list[str],
                     notes: list[str], engine: str | None) -> Replay:
    """`replay` of a result of a policy with several entities: each entity's data located and
    its digest checked, every entity judged again, and its verdicts compared: records and
    targets matched within their entity, or each entity's counts per year for a report."""
    from ..data.read import DataError
    from ..eval.entities import EntityDataError, evaluate_entities
    from ..provenance import verdict_summary

    prov = doc["provenance"]
    given = _entity_facts(policy, facts)
    sources: dict[str, str] = {}
    formats: set = set()
    for entry in prov.get("data") or []:
        name = entry.get("entity") if isinstance(entry, dict) else None
        if name not in {e.name for e in policy.ir.entities}:
            raise ReplayError(f"policy `{policy.name}` judges several kinds of record, but the result's data "
                              f"input `{entry.get('path') if isinstance(entry, dict) else entry}` names none of them")
        data_path = locate(entry.get("path"), given.pop(name, None), result, "data")
        fmt = entry.get("format") if entry.get("format") in ("csv", "json", "jsonl", "parquet") else None
        _check_data(entry, data_path, fmt, digests)
        sources[name] = data_path
        formats.add(fmt)
    if given:
        raise ReplayError(f"--facts names {', '.join(f'`{n}`' for n in given)}, whose data the result does not name")
    fmt = formats.pop() if len(formats) == 1 else None
    years = prov.get("years") or ([doc["year"]] if isinstance(doc.get("year"), int) else [])
    if not years or ("verdicts" not in doc and len(years) != 1):
        raise ReplayError(f"the result names {len(years)} years; an eval result of records has exactly one")
    when = _days(prov, doc)
    found: dict = {}

    def judged(year: int):
        if year not in found:
            try:
                policy.check_year(year)
                shown = when.get(year, year)
                found[year] = evaluate_entities(policy, sources, policy.ir.meta.judged_year(shown), format=fmt,
                                                engine=engine or "reference", shown_year=shown)
            except (DataError, EntityDataError, ValueError) as e:
                raise ReplayError(str(e)) from None
        return found[year]

    data_paths = tuple(dict.fromkeys(sources.values()))
    if "verdicts" in doc:
        out: list[str] = []
        records = targets = 0
        for summary in doc["verdicts"]:
            year = summary.get("year") if isinstance(summary, dict) else None
            name = summary.get("entity") if isinstance(summary, dict) else None
            if year not in years or name not in sources:
                raise ReplayError(f"the result's verdicts name entity {name!r} in year {year!r}, "
                                  "which its provenance does not")
            ev = judged(year).entities[name]
            counts: dict[str, Counter] = {r.name: Counter() for r in policy.ir.for_entity(name).rules}
            for rec in ev.records:
                for o in rec.outcomes:
                    counts.setdefault(o.rule, Counter())[o.outcome] += 1
            now = verdict_summary(year, counts, ev.targets)
            records += len(ev.records)
            targets += len(now["targets"])
            out += _summary_differences(f"{year}, {name}", summary, now)
        return Replay(policy_path, data_paths, tuple(digests), tuple(out), tuple(notes), records, targets)
    evaluation = judged(years[0]).to_json()
    now, now_targets = evaluation["records"], evaluation["targets"]
    if doc.get("shape") == "parquet":
        now = [_as_parquet(r) for r in now]
        now_targets = [{k: t[k] for k in ("entity", "rule", "group", "outcome", "value")} for t in now_targets]
    verdicts: list[str] = []
    for name in dict.fromkeys([*sources, *(r.get("entity") for r in doc["records"] if isinstance(r, dict))]):
        mine = [r for r in doc["records"] if isinstance(r, dict) and r.get("entity") == name]
        verdicts += [f"{name} {line}" for line in compare_records(mine, [r for r in now if r["entity"] == name])]
        verdicts += [f"{name} {line}" for line in compare_targets(
            [t for t in doc["targets"] if isinstance(t, dict) and t.get("entity") == name],
            [t for t in now_targets if t["entity"] == name])]
    return Replay(policy_path, data_paths, tuple(digests), tuple(verdicts), tuple(notes), len(now), len(now_targets))


def _entity_facts(policy, facts) -> dict[str, str]:
    """`--facts ENTITY=PATH` replacements, by entity name (a plural is accepted too)."""
    if facts is None:
        return {}
    words = {w: e.name for e in policy.ir.entities for w in (e.name, e.plural)}
    out: dict[str, str] = {}
    for f in [facts] if isinstance(facts, str) else facts:
        name, sep, path = f.partition("=")
        if not sep or name not in words:
            raise ReplayError(f"policy `{policy.name}` judges several kinds of record "
                              f"({', '.join(e.name for e in policy.ir.entities)}): give --facts ENTITY=DATA, "
                              f"not `{f}`")
        out[words[name]] = path
    return out


def _days(prov: dict, doc: dict) -> dict:
    """The day judged in each year, for a result judged on a day (`--date`)."""
    import datetime

    from ..core.dates import on

    out = {}
    for text in prov.get("dates") or ([doc["date"]] if isinstance(doc.get("date"), str) else []):
        try:
            day = datetime.date.fromisoformat(text)
        except (TypeError, ValueError):
            raise ReplayError(f"the result names the day `{text}`, which is not YYYY-MM-DD") from None
        out[day.year] = on(day.year, day)
    return out


def _check_data(entry: dict, data_path: str, fmt: str | None, digests: list[str]) -> None:
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
        year = f" (for {entry['year']})" if isinstance(entry.get("year"), int) else ""
        digests.append(f"data file `{data_path}`{year}: sha256 recorded {want}, now {now}")


def _summary_differences(where: str, summary: dict, now: dict) -> list[str]:
    """What differs between a recorded verdict summary and the one computed again: each
    rule's counts, then each target's verdict, every line led by `where`."""
    out = []
    old_rules, new_rules = summary.get("rules") or {}, now["rules"]
    for rule in dict.fromkeys([*old_rules, *new_rules]):
        if old_rules.get(rule) != new_rules.get(rule):
            out.append(f"{where}, rule `{rule}`: recorded {_counts(old_rules.get(rule))}, "
                       f"now {_counts(new_rules.get(rule))}")
    return out + [f"{where}, {line}" for line in compare_targets(summary.get("targets") or [], now["targets"])]


def _replay_summaries(policy, recorded: list, sources: dict, engine: str) -> tuple[list[str], int, int]:
    """Each year of a report evaluated again and its verdict summary compared with the
    recorded one: rule outcome counts, then target verdicts."""
    from ..data.read import DataError
    from ..eval.stream import evaluate_stream
    from ..provenance import verdict_summary

    out: list[str] = []
    records = targets = 0
    for summary in recorded:
        year = summary.get("year") if isinstance(summary, dict) else None
        if year not in sources:
            raise ReplayError(f"the result's verdicts name year {year!r}, which its provenance does not")
        data_path, fmt = sources[year]
        try:
            policy.check_year(year)
            # the driver's counts are all a summary needs: no report collected, none explained
            found = evaluate_stream(policy, data_path, policy.ir.meta.judged_year(year), engine=engine,
                                    format=fmt)
        except (DataError, ValueError) as e:
            raise ReplayError(str(e)) from None
        rule_counts = {rule.name: counts for rule, counts in zip(policy.ir.rules, found.tally.counts, strict=True)}
        now = verdict_summary(year, rule_counts, found.targets)
        records += found.tally.records
        targets += len(now["targets"])
        out += _summary_differences(str(year), summary, now)
    return out, records, targets


def _counts(counts: object) -> str:
    if not isinstance(counts, dict):
        return "no outcomes"
    return ", ".join(f"{n} {o}" for o, n in counts.items()) or "no outcomes"


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
