"""`policydsl lsp`: the language server over stdio, on pygls.

On each change the fast stages (syntax, names, types and units, limits) run after a
short pause, on a thread beside the event loop, and their diagnostics are published at
once; after a longer pause the consistency analysis runs in a worker process
(`worker.py`) and its findings are published with them, unless the text changed
meanwhile.

Settings (initialization options, or `policydsl` in workspace/didChangeConfiguration):
`year` (the year the code lenses evaluate; default: the current year within the
policy's period), `dataFile` (records to evaluate besides the worked examples,
relative to the workspace root), `analysis` (`true`/`false`), `analysisTimeout`
(seconds, default 10).
"""

from __future__ import annotations

import asyncio
import datetime
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..core.diagnostics import ERROR, WARNING
from .document import Document, completions
from .positions import LineIndex
from .worker import AnalysisWorker

FAST_DELAY_S = 0.03  # let a burst of keystrokes settle before parsing
ANALYSIS_DELAY_S = 0.4  # a pause in typing before the solver starts

_SEVERITY = {ERROR: types.DiagnosticSeverity.Error, WARNING: types.DiagnosticSeverity.Warning}
_COMPLETION_KIND = {
    "fact": types.CompletionItemKind.Field, "let": types.CompletionItemKind.Variable,
    "set": types.CompletionItemKind.Enum, "member": types.CompletionItemKind.EnumMember,
    "level": types.CompletionItemKind.EnumMember, "unit": types.CompletionItemKind.Unit,
    "keyword": types.CompletionItemKind.Keyword,
}


class PolicyServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("policydsl", __version__)
        self.docs: dict[str, Document] = {}
        self.parsed: dict[str, Document] = {}  # the last version of each text that parsed
        self.generation: dict[str, int] = {}
        self.tasks: dict[str, asyncio.Task] = {}
        self.settings: dict[str, Any] = {}
        self.worker = AnalysisWorker()
        self.root: str | None = None
        # Texts are parsed and checked on one thread beside the event loop: a policy at the
        # limits takes seconds, and meanwhile the server keeps reading messages (a newer
        # change, a completion) instead of letting them queue behind the parse.
        self.builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="policydsl-check")
        self.building: dict[str, tuple[str, asyncio.Future]] = {}

    # ---- documents and diagnostics -------------------------------------------

    async def document(self, uri: str) -> Document:
        """The document of the text as it is now: the one already built, or built on the
        checking thread (one build per text, however many requests wait for it)."""
        text = self.workspace.get_text_document(uri).source
        doc = self.docs.get(uri)
        if doc is not None and doc.text == text:
            return doc
        pending = self.building.get(uri)
        if pending is None or pending[0] != text:
            future = asyncio.get_running_loop().run_in_executor(self.builder, Document, _name(uri), text)
            pending = self.building[uri] = (text, future)
        # Shielded: a diagnostics task cancelled by the next keystroke must not cancel a
        # build that a hover is also waiting for.
        doc = await asyncio.shield(pending[1])
        if self.building.get(uri) is pending:
            del self.building[uri]
        if uri in self.workspace.text_documents:  # not closed meanwhile
            self.docs[uri] = doc
            if doc.module is not None:
                self.parsed[uri] = doc
        return doc

    def changed(self, uri: str, delay: float) -> None:
        self.generation[uri] = self.generation.get(uri, 0) + 1
        self.worker.cancel()
        old = self.tasks.pop(uri, None)
        if old is not None:
            old.cancel()
        self.tasks[uri] = asyncio.ensure_future(self._diagnose(uri, self.generation[uri], delay))

    async def _diagnose(self, uri: str, generation: int, delay: float) -> None:
        await asyncio.sleep(delay)
        doc = await self.document(uri)
        if self.generation.get(uri) != generation:
            return  # the text changed during the build: the newer change publishes
        self.publish(uri, doc, [])
        if not self.settings.get("analysis", True) or doc.checked is None:
            return
        await asyncio.sleep(ANALYSIS_DELAY_S)
        if self.generation.get(uri) != generation:
            return
        self.worker.timeout_s = float(self.settings.get("analysisTimeout", 10))
        found = await asyncio.to_thread(self.worker.run, doc.source.name, doc.text)
        if found is None or self.generation.get(uri) != generation:
            return
        self.publish(uri, doc, found)

    def publish(self, uri: str, doc: Document, findings: list[dict]) -> None:
        index = LineIndex(doc.text)
        out = []
        for d in doc.diagnostics:
            start, end = (d.span.start, d.span.end) if d.span else (0, 0)
            related = [(lab.span.start, lab.span.end, lab.message) for lab in d.labels]
            out.append(_diagnostic(index, uri, d.code, d.severity, d.message, start, end, d.help, related))
        for f in findings:
            out.append(_diagnostic(index, uri, f["code"], f["severity"], f["message"], f["start"], f["end"],
                                   f["help"], f["labels"]))
        version = self.workspace.get_text_document(uri).version
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=out,
                                                                              version=version))

    # ---- code lenses ---------------------------------------------------------

    def year_for(self, doc: Document) -> int | None:
        if doc.checked is None:
            return None
        first, last = doc.checked.meta.period
        year = self.settings.get("year") or datetime.date.today().year
        return min(max(int(year), first), last)

    def lens_counts(self, uri: str, doc: Document, year: int) -> tuple[dict, dict]:
        """Per rule: outcome counts over the worked examples, and over the data file."""
        from ..policy import Policy

        cache_key = (doc.text, year, self.settings.get("dataFile"))
        cached = getattr(doc, "_lens_cache", None)
        if cached is not None and cached[0] == cache_key:
            return cached[1]
        policy = Policy(doc.checked)
        examples: dict[str, dict[str, int]] = {}
        path = _path(uri)
        if path is not None:
            from ..documents.worked_examples import ExamplesError, examples_path, load_examples

            ex_path = examples_path(path)
            if ex_path.exists():
                try:
                    for ex in load_examples(ex_path, policy):
                        _count(examples, policy.evaluate(list(ex.records), year))
                except (ExamplesError, ValueError, OSError):
                    examples = {}
        data: dict[str, dict[str, int]] = {}
        data_file = self.settings.get("dataFile")
        if data_file:
            full = data_file if os.path.isabs(data_file) else os.path.join(self.root or os.getcwd(), data_file)
            try:
                _count(data, policy.evaluate(full, year))
            except Exception as e:  # a bad data file is reported in the lens, not as a crash
                data = {"": {"error": 1, "message": str(e)}}
        doc._lens_cache = (cache_key, (examples, data))
        return examples, data


server = PolicyServer()


@server.feature(types.INITIALIZE)
def initialize(ls: PolicyServer, params: types.InitializeParams) -> None:
    ls.settings.update(params.initialization_options or {})
    if params.root_uri:
        ls.root = to_fs_path(params.root_uri)
    elif params.root_path:
        ls.root = params.root_path
    if ls.settings.get("analysis", True):
        ls.worker.start()


@server.feature(types.SHUTDOWN)
def shutdown(ls: PolicyServer, params: None) -> None:
    ls.worker.close()
    ls.builder.shutdown(wait=False, cancel_futures=True)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
def did_change_configuration(ls: PolicyServer, params: types.DidChangeConfigurationParams) -> None:
    settings = params.settings or {}
    if isinstance(settings, dict):
        ls.settings.update(settings.get("policydsl", settings))
    for uri in list(ls.docs):
        ls.changed(uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: PolicyServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.changed(params.text_document.uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: PolicyServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.changed(params.text_document.uri, FAST_DELAY_S)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: PolicyServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.generation[uri] = ls.generation.get(uri, 0) + 1
    task = ls.tasks.pop(uri, None)
    if task is not None:
        task.cancel()
    ls.docs.pop(uri, None)
    ls.parsed.pop(uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: PolicyServer, params: types.HoverParams) -> types.Hover | None:
    doc = await ls.document(params.text_document.uri)
    index = LineIndex(doc.text)
    found = doc.hover(index.offset(params.position))
    if found is None:
        return None
    span, text = found
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
                       range=index.range(span.start, span.end))


@server.feature(types.TEXT_DOCUMENT_COMPLETION)
async def completion(ls: PolicyServer, params: types.CompletionParams) -> types.CompletionList:
    uri = params.text_document.uri
    text = ls.workspace.get_text_document(uri).source
    # Names from the last version that parsed, not from this keystroke's text: that one
    # is parsed by the diagnostics a moment later, never twice.
    known = ls.parsed.get(uri) or await ls.document(uri)
    offset = LineIndex(text).offset(params.position)
    # The document lists the likeliest first; the sort text keeps that order.
    items = [types.CompletionItem(label=label, kind=_COMPLETION_KIND.get(kind), detail=detail,
                                  sort_text=f"{rank:05d}")
             for rank, (label, kind, detail) in enumerate(completions(text, offset, known))]
    return types.CompletionList(is_incomplete=False, items=items)


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
async def definition(ls: PolicyServer, params: types.DefinitionParams) -> types.Location | None:
    uri = params.text_document.uri
    doc = await ls.document(uri)
    index = LineIndex(doc.text)
    occ = doc.occurrence_at(index.offset(params.position))
    if occ is None:
        return None
    return types.Location(uri=uri, range=index.range(occ.symbol.span.start, occ.symbol.span.end))


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
async def references(ls: PolicyServer, params: types.ReferenceParams) -> list[types.Location]:
    uri = params.text_document.uri
    doc = await ls.document(uri)
    index = LineIndex(doc.text)
    occ = doc.occurrence_at(index.offset(params.position))
    if occ is None:
        return []
    spans = doc.references(occ.symbol)
    if not params.context.include_declaration:
        spans = [s for s in spans if s != occ.symbol.span]
    return [types.Location(uri=uri, range=index.range(s.start, s.end)) for s in spans]


@server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
async def prepare_rename(ls: PolicyServer, params: types.PrepareRenameParams) -> types.Range | None:
    doc = await ls.document(params.text_document.uri)
    index = LineIndex(doc.text)
    occ = doc.occurrence_at(index.offset(params.position))
    if occ is None or isinstance(doc.rename(occ.span.start, occ.symbol.name), str):
        return None
    return index.range(occ.span.start, occ.span.end)


@server.feature(types.TEXT_DOCUMENT_RENAME)
async def rename(ls: PolicyServer, params: types.RenameParams) -> types.WorkspaceEdit:
    uri = params.text_document.uri
    doc = await ls.document(uri)
    index = LineIndex(doc.text)
    edits = doc.rename(index.offset(params.position), params.new_name)
    if isinstance(edits, str):
        raise ValueError(edits)  # pygls answers with an error response carrying the message
    return types.WorkspaceEdit(changes={uri: [types.TextEdit(range=index.range(s.start, s.end), new_text=t)
                                              for s, t in edits]})


@server.feature(types.TEXT_DOCUMENT_FORMATTING)
async def formatting(ls: PolicyServer, params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
    from ..core.diagnostics import PolicyError
    from ..documents.fmt import FormatError, format_text

    doc = await ls.document(params.text_document.uri)
    try:
        out = await asyncio.get_running_loop().run_in_executor(ls.builder, format_text, doc.source)
    except (PolicyError, FormatError):
        return None  # the diagnostics already say why
    if out == doc.text:
        return []
    index = LineIndex(doc.text)
    return [types.TextEdit(range=index.range(0, len(doc.text)), new_text=out)]


@server.feature(types.TEXT_DOCUMENT_CODE_LENS)
async def code_lens(ls: PolicyServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    uri = params.text_document.uri
    doc = await ls.document(uri)
    year = ls.year_for(doc)
    if year is None:
        return []
    # In a thread: a large data file takes a while, and the editor keeps being answered meanwhile.
    examples, data = await asyncio.to_thread(ls.lens_counts, uri, doc, year)
    index = LineIndex(doc.text)
    lenses = []
    for sym in doc.rules():
        parts = [f"{year} examples: {_summary(examples.get(sym.name))}"]
        if ls.settings.get("dataFile"):
            parts.append(f"data: {_summary(data.get(sym.name) or data.get(''))}")
        lenses.append(types.CodeLens(
            range=index.range(sym.span.start, sym.span.end),
            command=types.Command(title="evaluate on examples — " + " | ".join(parts),
                                  command="policydsl.evaluate", arguments=[uri, sym.name, year])))
    return lenses


@server.command("policydsl.evaluate")
async def evaluate_command(ls: PolicyServer, *args) -> str:
    uri, rule = str(args[0]), str(args[1])
    year = int(args[2]) if len(args) > 2 and args[2] is not None else None
    doc = await ls.document(uri)
    year = year or ls.year_for(doc)
    if year is None:
        return "the policy has errors"
    examples, data = await asyncio.to_thread(ls.lens_counts, uri, doc, year)
    text = f"`{rule}` in {year}: examples {_summary(examples.get(rule))}"
    if ls.settings.get("dataFile"):
        text += f"; data {_summary(data.get(rule) or data.get(''))}"
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=text))
    return text


@server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
async def inlay_hint(ls: PolicyServer, params: types.InlayHintParams) -> list[types.InlayHint]:
    doc = await ls.document(params.text_document.uri)
    index = LineIndex(doc.text)
    return [types.InlayHint(position=index.position(h.offset), label=h.label, kind=types.InlayHintKind.Parameter,
                            padding_left=True) for h in doc.inlay_hints()]


# ---- helpers -------------------------------------------------------------------


def _diagnostic(index: LineIndex, uri: str, code: str, severity: str, message: str, start: int, end: int,
                help_: str | None, related: list) -> types.Diagnostic:
    text = message + (f"\nhelp: {help_}" if help_ else "")
    return types.Diagnostic(
        range=index.range(start, end), message=text, code=code, source="policydsl",
        severity=_SEVERITY.get(severity, types.DiagnosticSeverity.Information),
        related_information=[types.DiagnosticRelatedInformation(
            location=types.Location(uri=uri, range=index.range(s, e)), message=m) for s, e, m in related] or None)


def _count(into: dict[str, dict[str, int]], evaluation) -> None:
    for record in evaluation.records:
        for o in record.outcomes:
            bucket = into.setdefault(o.rule, {})
            bucket[o.outcome] = bucket.get(o.outcome, 0) + 1
    for t in evaluation.targets:
        bucket = into.setdefault(t.rule, {})
        bucket[t.outcome] = bucket.get(t.outcome, 0) + 1


def _summary(counts: dict[str, int] | None) -> str:
    if not counts:
        return "none"
    if "error" in counts and "message" in counts:
        return "cannot read: " + str(counts["message"])[:80]
    passed, failed = counts.get("pass", 0), counts.get("fail", 0)
    other = sum(v for k, v in counts.items() if k not in ("pass", "fail"))
    return f"{passed} pass, {failed} fail" + (f", {other} other" if other else "")


def _name(uri: str) -> str:
    path = _path(uri)
    return str(path) if path is not None else uri


def _path(uri: str) -> Path | None:
    fs = to_fs_path(uri)
    return Path(fs) if fs else None


def main() -> int:
    server.start_io()
    return 0
