"""A checked policy as a document for people: Markdown, or one self-contained HTML file.

The document follows the policy file, clause by clause: for each rule or target the
plan's sentence, the rule as written, its schedule as a small table, its modality,
scope and years; then the notes, the policy's metadata and an index of clause ids.
Everything shown comes from the checked IR and the drafter's own source text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import attrs

from ..core import ir, textsafe
from ..core.dates import in_force_text

MODALITY_TEXT = {
    "must": "must — a failure is a violation",
    "in_principle": "in principle — a failure is a deviation, unless the record is exempted",
    "strive": "strive — a failure is a shortfall, reported but not a violation",
}


# ---- the document model, shared by both writers --------------------------------------------


@attrs.frozen
class Entry:
    """One rule or target, ready to print."""

    name: str
    label: str | None
    clauses: tuple[str, ...]
    section: str | None
    quote: str | None
    kind: str  # "rule" or "target"
    modality: str
    requirement: str  # the condition, as the drafter wrote it
    applies_to: str
    years: str
    schedule: tuple[tuple[int, str], ...]  # (year, value in force) for each year in force
    comment: str | None  # the drafter's comment right above the declaration
    anchors: tuple[str, ...] = ()  # clause ids whose first citation this is (link targets)


@attrs.frozen
class Document:
    title: str
    metadata: tuple[tuple[str, str], ...]
    entries: tuple[Entry, ...]
    notes: tuple[ir.Note, ...]
    index: tuple[tuple[str, tuple[str, ...]], ...]  # clause id -> names of rules citing it


def build(policy: ir.Policy) -> Document:
    """The document for a checked policy (an `ir.Policy`, or a `policydsl.Policy`)."""
    policy = getattr(policy, "ir", policy)
    source_text = policy.source.text if policy.source is not None else ""
    rules = sorted(policy.all_rules, key=lambda r: (r.span.start, r.name))
    entries = []
    index: dict[str, list[str]] = {}
    for r in rules:
        e = _entry(policy, r, source_text)
        entries.append(attrs.evolve(e, anchors=tuple(c for c in e.clauses if c not in index)))
        for c in e.clauses:
            index.setdefault(c, []).append(e.name)
    for n in policy.notes:
        for c in n.clauses:
            index.setdefault(c, [])
    meta = policy.meta
    first, last = meta.period
    metadata = [("name", meta.name)]
    metadata += [(k, v) for k, v in (("title", meta.title), ("original title", meta.original),
                                     ("version", meta.version), ("issued by", meta.issuer)) if v]
    metadata += [("period", meta.period_text)]
    metadata += validity_items(meta.validity)
    metadata += [("judges", _judges(policy))]
    if policy.label_facts:
        metadata += [("records labelled by", ", ".join(policy.label_facts))]
    metadata += [
                 ("rules", str(len(policy.rules))), ("targets", str(len(policy.targets))),
                 ("notes", str(len(policy.notes)))]
    return Document(meta.title or meta.name, tuple(metadata), tuple(entries), tuple(policy.notes),
                    tuple((c, tuple(index[c])) for c in sorted(index, key=clause_sort_key)))


def clause_sort_key(clause: str) -> tuple:
    """`C2` before `C10`: digits compare as numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.findall(r"\d+|\D+", clause))


def validity_items(v: ir.Validity | None) -> list[tuple[str, str]]:
    """A policy's validity and supersession, as (label, value) lines for a reader."""
    if v is None:
        return []
    items = []
    if v.start is not None or v.end is not None:
        items.append(("in force", in_force_text(v)))
    items += [("amended on", d.isoformat()) for d in v.amended]
    if v.repealed is not None:
        items.append(("repealed on", v.repealed.isoformat()))
    if v.superseded_by is not None:
        items.append(("superseded by", v.superseded_by))
    return items


def _entry(policy: ir.Policy, rule: ir.Rule, source_text: str) -> Entry:
    first, last = rule.years
    years = f"{first}" if first == last else f"{first}–{last}"
    if rule.in_force is not None:  # days, not whole years
        years = in_force_text(rule.in_force)
    if rule.due is not None:
        years += f"; due on `{rule.due.text}`"
    return Entry(
        name=rule.name, label=rule.label, clauses=rule.clauses, section=rule.section,
        quote=rule.quote, kind="target" if rule.is_target else "rule", modality=rule.modality,
        requirement=rule.condition.text, applies_to=_applies_to(policy, rule), years=years,
        schedule=_schedule(rule), comment=_comment_above(source_text, rule.span.start))


def _judges(policy: ir.Policy) -> str:
    """The kinds of record judged: one, or each entity and what it is a part of."""
    if not policy.entities:
        return policy.entity_plural
    return "; ".join(e.plural + (f" (each part of a {e.parent}, by `{e.key}`)" if e.parent else "")
                     for e in policy.entities)


def _applies_to(policy: ir.Policy, rule: ir.Rule) -> str:
    if rule.entity:  # a policy with several entities: the one this rule judges
        policy = policy.for_entity(rule.entity)
    plural = policy.entity_plural
    if rule.is_target:
        text = f"all {plural} together"
        if rule.scope is not None:
            text = f"all {plural} where {rule.scope.text}, together"
        if rule.group is not None:
            text += f", for each {rule.group.fact}"
            if rule.group.values is not None:
                text += " (" + ", ".join(str(v) for v in rule.group.values) + ")"
        return text
    if rule.scope is None:
        return f"every {policy.entity}"
    return f"every {policy.entity} where {rule.scope.text}"


def _schedule(rule: ir.Rule) -> tuple[tuple[int, str], ...]:
    """The value in force for each year the rule is in force, for rules with a schedule."""
    scheds = [e for part in (rule.scope, rule.condition) if part is not None
              for e in ir.walk(part) if isinstance(e, ir.Sched)]
    if len(scheds) != 1:  # none, or several: the requirement text already shows them
        return ()
    first, last = rule.years
    held = [(year, ir.schedule_entry(scheds[0], year)) for year in range(first, last + 1)]
    return tuple((year, "not yet in force" if v is None else v.text) for year, v in held)


def _comment_above(text: str, start: int) -> str | None:
    """The block of `#` lines directly above a declaration (no blank line between)."""
    lines = text[:start].split("\n")[:-1]
    block: list[str] = []
    while lines and lines[-1].lstrip().startswith("#"):
        block.append(lines.pop().lstrip()[1:].strip())
    return " ".join(reversed(block)) or None


def anchor(name: str) -> str:
    """A fragment id that survives any Unicode name."""
    return "r-" + re.sub(r"[^\w-]", "-", name)


# ---- Markdown -------------------------------------------------------------------------------


def to_markdown(policy) -> str:
    """The policy as Markdown (GitHub-flavoured tables)."""
    return "".join(_markdown(build(policy)))


def _md(text: str) -> str:
    """Inline Markdown text: special characters escaped, line breaks folded (a newline
    inside a title would end its heading)."""
    return textsafe.markdown(" ".join(text.splitlines()))


def _markdown(doc: Document) -> Iterator[str]:
    yield f"# {_md(doc.title)}\n\n"
    yield "Clauses: " + ", ".join(f"[{_md(c)}](#clause-{c})" for c, _ in doc.index) + "\n\n"
    yield "## Rules and targets\n\n"
    for e in doc.entries:
        ids = ", ".join(e.clauses) or "no clause"
        yield f'<a id="{anchor(e.name)}"></a>\n'
        for c in e.anchors:
            yield f'<a id="clause-{c}"></a>\n'
        yield f"### {_md(ids)} · `{e.name}`" + (f" — {_md(e.label)}" if e.label else "") + "\n\n"
        if e.quote:
            yield f"> {_md(e.quote)}\n\n"
        yield textsafe.markdown_code(f"{e.modality.replace('_', ' ')} {e.requirement}", "pol") + "\n\n"
        yield "| | |\n|---|---|\n"
        yield f"| kind | {e.kind} |\n| modality | {_md(MODALITY_TEXT[e.modality])} |\n"
        yield f"| applies to | {_md(e.applies_to)} |\n| in force | {e.years} |\n"
        if e.section:
            yield f"| section | {_md(e.section)} |\n"
        yield "\n"
        if e.schedule:
            yield "| year | " + " | ".join(str(y) for y, _ in e.schedule) + " |\n"
            yield "|---|" + "---|" * len(e.schedule) + "\n"
            yield "| required | " + " | ".join(_md(v) for _, v in e.schedule) + " |\n\n"
        if e.comment:
            yield f"*Drafting note:* {_md(e.comment)}\n\n"
    if doc.notes:
        yield "## Notes\n\n"
        for n in doc.notes:
            where = ", ".join(x for x in (", ".join(n.clauses), n.section) if x)
            yield f"- {_md(n.text)}" + (f" ({_md(where)})" if where else "") + "\n"
        yield "\n"
    yield "## About this policy\n\n| | |\n|---|---|\n"
    for k, v in doc.metadata:
        yield f"| {k} | {_md(v)} |\n"
    yield "\n## Index of clauses\n\n| clause | encoded by |\n|---|---|\n"
    for c, names in doc.index:
        links = ", ".join(f"[`{n}`](#{anchor(n)})" for n in names) or "a note"
        yield f"| {_md(c)} | {links} |\n"


# ---- HTML -----------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",
 "WenQuanYi Micro Hei",sans-serif;
 max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f;line-height:1.5}
h1{font-size:1.6rem}h2{border-bottom:1px solid #ccc;margin-top:2.5rem}
nav.clauses a{display:inline-block;margin:.1rem .2rem;padding:.05rem .4rem;border:1px solid #99a;
 border-radius:.3rem;text-decoration:none;font-family:ui-monospace,monospace}
section.entry{border:1px solid #ddd;border-radius:.4rem;padding:.3rem 1rem 1rem;margin:1rem 0}
section.entry h3{margin:.6rem 0}.cid{font-family:ui-monospace,monospace;background:#eef;
 padding:.05rem .4rem;border-radius:.3rem;margin-right:.3rem}
blockquote{margin:.5rem 0;padding:.3rem .8rem;border-left:4px solid #c33;background:#fdf6f6}
pre{background:#f4f4f6;padding:.5rem .8rem;border-radius:.3rem;white-space:pre-wrap}
table{border-collapse:collapse;margin:.4rem 0}td,th{border:1px solid #ccc;padding:.15rem .6rem;
 text-align:left;vertical-align:top}th{background:#f4f4f6}
.must{color:#a11}.in_principle{color:#a60}.strive{color:#166}.note{color:#555;font-style:italic}
"""


def to_html(policy) -> str:
    """The policy as one HTML file: styles inline, no scripts, no external references."""
    return "".join(_html(build(policy)))


def _h(text: object) -> str:
    return textsafe.html_text(text)


def _html(doc: Document) -> Iterator[str]:
    yield ('<!DOCTYPE html>\n<html lang="zh-Hans">\n<head>\n<meta charset="utf-8">\n'
           '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
           f"<title>{_h(doc.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n")
    yield f"<h1>{_h(doc.title)}</h1>\n"
    yield '<nav class="clauses">' + "".join(
        f'<a href="#clause-{_h(c)}">{_h(c)}</a>' for c, _ in doc.index) + "</nav>\n"
    yield "<h2>Rules and targets</h2>\n"
    for e in doc.entries:
        yield f'<section class="entry" id="{_h(anchor(e.name))}">\n'
        yield "".join(f'<span id="clause-{_h(c)}"></span>' for c in e.anchors)
        yield ("<h3>" + "".join(f'<span class="cid">{_h(c)}</span>' for c in e.clauses)
               + f"<code>{_h(e.name)}</code>" + (f" — {_h(e.label)}" if e.label else "") + "</h3>\n")
        if e.quote:
            yield f"<blockquote>{_h(e.quote)}</blockquote>\n"
        yield (f'<pre><span class="{e.modality}">{_h(e.modality.replace("_", " "))}</span> '
               f"{_h(e.requirement)}</pre>\n<table>\n")
        rows = [("kind", e.kind), ("modality", MODALITY_TEXT[e.modality]),
                ("applies to", e.applies_to), ("in force", e.years)]
        if e.section:
            rows.append(("section", e.section))
        yield "".join(f"<tr><th>{_h(k)}</th><td>{_h(v)}</td></tr>\n" for k, v in rows)
        yield "</table>\n"
        if e.schedule:
            yield ('<table class="schedule">\n<tr><th>year</th>'
                   + "".join(f"<th>{y}</th>" for y, _ in e.schedule) + "</tr>\n<tr><th>required</th>"
                   + "".join(f"<td>{_h(v)}</td>" for _, v in e.schedule) + "</tr>\n</table>\n")
        if e.comment:
            yield f'<p class="note">Drafting note: {_h(e.comment)}</p>\n'
        yield "</section>\n"
    if doc.notes:
        yield "<h2>Notes</h2>\n<ul>\n"
        for n in doc.notes:
            where = ", ".join(x for x in (", ".join(n.clauses), n.section) if x)
            yield f"<li>{_h(n.text)}" + (f" ({_h(where)})" if where else "") + "</li>\n"
        yield "</ul>\n"
    yield "<h2>About this policy</h2>\n<table>\n"
    yield "".join(f"<tr><th>{_h(k)}</th><td>{_h(v)}</td></tr>\n" for k, v in doc.metadata)
    yield "</table>\n<h2>Index of clauses</h2>\n<table>\n<tr><th>clause</th><th>encoded by</th></tr>\n"
    for c, names in doc.index:
        links = ", ".join(f'<a href="#{_h(anchor(n))}"><code>{_h(n)}</code></a>' for n in names)
        yield f"<tr><td>{_h(c)}</td><td>{links or 'a note'}</td></tr>\n"
    yield "</table>\n</body>\n</html>\n"


FORMATS = {"html": to_html, "markdown": to_markdown}


def render(policy, format: str = "html") -> str:
    """The policy as a document in `format` (`html` or `markdown`)."""
    try:
        writer = FORMATS[format]
    except KeyError:
        raise ValueError(f"unknown format `{format}`; formats: {', '.join(FORMATS)}") from None
    return writer(policy)
