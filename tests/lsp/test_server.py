"""The language server through the protocol: diagnostics as the text changes, hover,
completion, definition, references, rename, formatting, code lenses, inlay hints —
on the Chifeng policy and on a policy written with Chinese keywords."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

ROOT = Path(__file__).resolve().parents[2]
CHIFENG = ROOT / "policies" / "chifeng_2023.pol"
ZH = Path(__file__).parent / "zh_policy.pol"

pytestmark = pytest.mark.asyncio(loop_scope="module")  # the server of conftest.py, shared by the module


def _open(client: LanguageClient, path: Path, text: str | None = None) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8") if text is None else text
    uri = path.as_uri()
    client.diagnostics.pop(uri, None)  # an earlier test's diagnostics for the same file do not count
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="pol", version=1, text=text)))
    return uri, text


def _change(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


async def _diagnostics(client: LanguageClient, uri: str, until=lambda ds: True, timeout: float = 30):
    """The diagnostics published for `uri` once `until` holds of them."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        ds = client.diagnostics.get(uri)
        if ds is not None and until(ds):
            return ds
        if loop.time() > deadline:
            raise AssertionError(f"no diagnostics matching for {uri}: {ds}")


def _pos(text: str, needle: str, delta: int = 0, nth: int = 0) -> types.Position:
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    at += delta
    line = text.count("\n", 0, at)
    return types.Position(line=line, character=at - (text.rfind("\n", 0, at) + 1))


async def test_errors_come_with_their_ranges_and_go_when_fixed(client: LanguageClient, tmp_path):
    broken = "policy p\n  period 2023 to 2025\nfact x: integr\nfact y: integer\nrule r\n  clause C1\n  must y >= z\n"
    uri, _ = _open(client, tmp_path / "p.pol", broken)
    ds = await _diagnostics(client, uri, lambda ds: len(ds) > 0)
    (d,) = ds
    assert d.code == "E0001" and d.severity == types.DiagnosticSeverity.Error
    assert d.range == types.Range(start=types.Position(line=2, character=8), end=types.Position(line=2, character=14))
    assert "expected `bool`" in d.message
    fixed_syntax = broken.replace("integr", "integer")
    _change(client, uri, fixed_syntax, 2)
    ds = await _diagnostics(client, uri, lambda ds: any("`z`" in d.message for d in ds))
    (d,) = [d for d in ds if d.severity == types.DiagnosticSeverity.Error]
    assert d.range.start == types.Position(line=6, character=12)
    assert "unknown name `z`" in d.message
    _change(client, uri, fixed_syntax.replace(">= z", ">= x"), 3)
    await _diagnostics(client, uri, lambda ds: not any(d.severity == types.DiagnosticSeverity.Error for d in ds))


async def test_the_consistency_analysis_follows_the_fast_diagnostics(client: LanguageClient):
    uri, text = _open(client, CHIFENG)
    # The analysis' one finding on the Chifeng policy: C17 is strive in 2023, must later.
    ds = await _diagnostics(client, uri, lambda ds: any("C17" in d.message for d in ds), timeout=60)
    assert {d.severity for d in ds} == {types.DiagnosticSeverity.Warning}
    (c17,) = [d for d in ds if "C17" in d.message]
    assert c17.range.start.line == text[:text.index("rule staff_training_first_year")].count("\n")
    assert not any("is used by no rule" in d.message for d in ds)  # `name` labels the records


async def test_hover_on_a_fact_a_rule_a_quantity_and_a_schedule(client: LanguageClient):
    uri, text = _open(client, CHIFENG)

    async def hover(pos):
        h = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=pos))
        return h.contents.value

    fact = await hover(_pos(text, "service_space_m2 >=", 3))
    assert "**fact** `service_space_m2`" in fact and "a quantity in m2" in fact and "constraints: `` >= 0 ``" in fact
    rule = await hover(_pos(text, "rule one_stop_size", 7))
    assert "clauses: C12" in rule and "modality: in principle" in rule and "in force: 2023–2025" in rule
    assert "\n> " in rule  # the plan's sentence, quoted
    schedule = await hover(_pos(text, "[2024: 70%", 1))
    assert "| 2024 | 70% |" in schedule and "| 2025 | 90% |" in schedule
    quantity = await hover(_pos(text, ">= 1万元 per year", 4))
    assert "= 10000 yuan (in base units)" in quantity


async def test_completion_offers_facts_units_members_levels_and_keywords(client: LanguageClient):
    uri, text = _open(client, CHIFENG)
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=_pos(text, "must", 0, nth=3)))
    labels = {i.label: i for i in result.items}
    assert labels["households"].kind == types.CompletionItemKind.Field
    assert {"m2", "平方米", "户", "元"} <= set(labels)
    assert "national" in labels and labels["national"].kind == types.CompletionItemKind.EnumMember
    assert {"must", "where", "strive"} <= set(labels) and "必须" not in labels
    assert any(label.startswith('"') for label, item in labels.items()
               if item.kind == types.CompletionItemKind.EnumMember)  # a set's members, quoted


async def test_completion_while_the_text_does_not_parse_still_offers_the_facts(client: LanguageClient, tmp_path):
    uri, text = _open(client, tmp_path / "typing.pol", CHIFENG.read_text(encoding="utf-8"))
    await _diagnostics(client, uri)
    typing = text.replace("one_stop_center_m2 >= 50 m2", "one_stop_center_m2 >= ")
    _change(client, uri, typing, 2)
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=_pos(typing, "one_stop_center_m2 >= ", 22)))
    labels = {i.label: i for i in result.items}
    assert labels["households"].kind == types.CompletionItemKind.Field


async def test_definition_references_and_rename_of_a_fact(client: LanguageClient):
    uri, text = _open(client, CHIFENG)
    use = _pos(text, "staff_trained", 2, nth=1)
    loc = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=use))
    assert loc.range.start == _pos(text, "fact staff_trained", 5)
    refs = await client.text_document_references_async(types.ReferenceParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=use,
        context=types.ReferenceContext(include_declaration=True)))
    assert len(refs) == text.count("staff_trained")
    edit = await client.text_document_rename_async(types.RenameParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=use, new_name="trained_staff"))
    edits = edit.changes[uri]
    assert len(edits) == text.count("staff_trained") and {e.new_text for e in edits} == {"trained_staff"}


async def test_formatting_returns_the_canonical_text(client: LanguageClient):
    canonical = CHIFENG.read_text(encoding="utf-8")
    uri, _ = _open(client, CHIFENG, canonical.replace("\nrule ", "\nrule    "))
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        options=types.FormattingOptions(tab_size=2, insert_spaces=True)))
    (edit,) = edits
    assert edit.new_text == canonical and edit.range.start == types.Position(line=0, character=0)


async def test_code_lens_counts_examples_and_the_data_file_for_the_chosen_year(client: LanguageClient):
    uri, text = _open(client, CHIFENG)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert len(lenses) == 28  # 20 rules and 8 targets
    by_line = {lens.range.start.line: lens.command for lens in lenses}
    own_office = by_line[_pos(text, "rule own_office").line]
    assert own_office.title.startswith("evaluate on examples — 2024 examples: ")
    assert " pass, " in own_office.title and "| data: " in own_office.title
    assert list(own_office.arguments) == [uri, "own_office", 2024]
    text_back = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="policydsl.evaluate", arguments=own_office.arguments))
    assert text_back.startswith("`own_office` in 2024: examples ")


async def test_inlay_hints_show_each_years_value_of_a_schedule(client: LanguageClient):
    uri, text = _open(client, ZH)
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=99, character=0))))
    (hint,) = hints
    assert hint.label.strip() == "2030: 1名 · 2031: 1名 · 2032: 2名"  # 2031 holds the 2030 entry
    assert hint.position == _pos(text, "2名]", 3)


async def test_a_chinese_keyword_policy_gets_chinese_keywords_diagnostics_hover_and_rename(client: LanguageClient):
    uri, text = _open(client, ZH, ZH.read_text(encoding="utf-8").replace("床位数 不少于", "床位 数 不少于"))
    ds = await _diagnostics(client, uri, lambda ds: len(ds) > 0)
    assert ds[0].severity == types.DiagnosticSeverity.Error and ds[0].range.start.line == _pos(text, "床位 数").line
    _change(client, uri, ZH.read_text(encoding="utf-8"), 2)
    await _diagnostics(client, uri, lambda ds: not ds)
    text = ZH.read_text(encoding="utf-8")
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=_pos(text, "必须 床位数")))
    labels = {i.label for i in result.items}
    assert {"必须", "不低于", "适用于", "床位数", "良好", "床位"} <= labels and "must" not in labels
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=_pos(text, "必须 床位数", 4)))
    assert "**fact** `床位数`" in h.contents.value
    edit = await client.text_document_rename_async(types.RenameParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=_pos(text, "规则 养老床位", 4),
        new_name="养老床位配置"))
    (only,) = edit.changes[uri]
    assert only.range.start == _pos(text, "养老床位 \"") and only.new_text == "养老床位配置"
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        options=types.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert list(edits) == []  # already canonical, with its Chinese words kept
    _change(client, uri, text.replace("\n规则 护理人员", "\n\n\n规则   护理人员"), 3)
    (edit,) = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        options=types.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert edit.new_text == text
