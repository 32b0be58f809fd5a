"""The analysis worker (findings, cancellation, time limit) and protocol positions."""

from __future__ import annotations

import threading
from pathlib import Path

from lsprotocol import types

from policydsl.analysis.checks import analyse
from policydsl.core.source import Source
from policydsl.loader import check_source
from policydsl.lsp.positions import LineIndex
from policydsl.lsp.worker import AnalysisWorker

ROOT = Path(__file__).resolve().parents[2]
CHIFENG = ROOT / "policies" / "chifeng_2023.pol"


def test_the_worker_finds_what_check_finds_with_ranges_of_the_text_it_was_given():
    text = CHIFENG.read_text(encoding="utf-8")
    checked, _ = check_source(Source("c.pol", text))
    expected = [(d.code, d.message, d.span.start) for d in analyse(checked)]
    worker = AnalysisWorker(timeout_s=120)
    try:
        first = worker.run("c.pol", text)
        assert [(f["code"], f["message"], f["start"]) for f in first] == expected
        shifted = "# one more line\n" + text  # same meaning: answered from the cache, ranges moved
        again = worker.run("c.pol", shifted)
        assert [(f["code"], f["message"], f["start"] - 16) for f in again] == expected
    finally:
        worker.close()


def test_a_newer_text_cancels_the_running_analysis():
    text = CHIFENG.read_text(encoding="utf-8").replace(">= 50 m2", ">= 51 m2")
    worker = AnalysisWorker(timeout_s=120)
    results = []
    try:
        runner = threading.Thread(target=lambda: results.append(worker.run("c.pol", text)))
        runner.start()
        threading.Event().wait(0.3)
        worker.cancel()
        runner.join(30)
        assert not runner.is_alive() and results == [None]
    finally:
        worker.close()


def test_an_analysis_over_its_time_is_stopped():
    worker = AnalysisWorker(timeout_s=0.05)
    try:
        assert worker.run("c.pol", CHIFENG.read_text(encoding="utf-8")) is None
    finally:
        worker.close()


def test_positions_count_utf16_code_units_so_a_character_beyond_the_bmp_counts_two():
    text = "a\n中𠀀b\n"
    index = LineIndex(text)
    b = text.index("b")
    assert index.position(b) == types.Position(line=1, character=3)
    assert index.offset(types.Position(line=1, character=3)) == b
    assert index.offset(types.Position(line=1, character=1)) == text.index("𠀀")
    assert index.offset(types.Position(line=9, character=0)) == len(text)


def test_a_bug_in_a_stage_becomes_a_diagnostic_not_a_dead_server(monkeypatch):
    from policydsl.checker import typecheck
    from policydsl.lsp.document import Document

    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(typecheck.TypeChecker, "run", broken)
    doc = Document("c.pol", CHIFENG.read_text(encoding="utf-8"))
    (d,) = doc.diagnostics
    assert d.code == "E9000" and "RuntimeError: boom" in d.message
    assert doc.module is None and doc.hover(10) is None


def test_completion_offers_types_after_a_fact_name_and_units_first_after_a_number():
    from policydsl.lsp.document import Document

    text = CHIFENG.read_text(encoding="utf-8")
    doc = Document("c.pol", text)
    after_colon = text.index("fact households: ") + len("fact households: ")
    assert [label for label, _, _ in doc.completions(after_colon)] == ["integer", "decimal", "bool", "text", "enum"]
    after_number = text.index("one_stop_center_m2 >= 50") + len("one_stop_center_m2 >= 50 ")
    kinds = [kind for _, kind, _ in doc.completions(after_number)]
    assert kinds[0] == "unit" and kinds.index("fact") > kinds.index("unit")
    elsewhere = text.index("must has_own_office") + 5
    assert doc.completions(elsewhere)[0][1] == "fact"
    assert doc.completions(text.index('"社区名称"') + 2) == []  # inside a string


def test_a_name_is_found_as_a_whole_word_not_inside_a_keyword_or_a_longer_name():
    from policydsl.lsp.document import Document

    text = ("policy p\n  period 2024 to 2025\nfact fa: integer\nfact a: integer\n"
            "fact 面积: decimal m2\nrule r\n  must a + fa >= 1\nrule r2\n  must 面积 >= 1 m2\n")
    doc = Document("p.pol", text)
    a = doc.symbols[("value", "a")]
    assert text[a.span.start - 5:a.span.end] == "fact a"  # not the `a` of `fact`, nor of `fa`
    assert [text[s.start - 2:s.end] for s in doc.references(a)] == ["t a", "t a"]
    area = doc.symbols[("value", "面积")]
    assert [text[s.start:s.end] for s in doc.references(area)] == ["面积", "面积"]


def test_completion_in_a_text_that_does_not_parse_offers_the_names_of_the_last_that_did():
    from policydsl.lsp.document import Document

    text = CHIFENG.read_text(encoding="utf-8")
    typing = text.replace("one_stop_center_m2 >= 50 m2", "one_stop_center_m2 >= ")
    doc = Document("c.pol", typing)
    assert doc.module is None  # `>=` with nothing after it
    at = typing.index("one_stop_center_m2 >= ") + len("one_stop_center_m2 >= ")
    facts = [label for label, kind, _ in doc.completions(at, Document("c.pol", text)) if kind == "fact"]
    assert "one_stop_center_m2" in facts and "households" in facts
    assert doc.completions(typing.index('"社区名称"') + 2, Document("c.pol", text)) == []  # a string still


def test_completion_after_a_date_fact_offers_the_periodic_duty_keyword():
    from policydsl.lsp.document import Document

    text = "policy p period 2024 to 2026\nfact last: date\nrule r clause C1 must last \n"
    doc = Document("c.pol", text)
    assert ("every", "keyword", "keyword") in doc.completions(len(text) - 1)
    zh = "政策 p 期限 2024年至2026年\n事实 last: 日期\n规则 r 条款 C1 必须 last \n"
    assert ("每", "keyword", "keyword") in Document("c.pol", zh).completions(len(zh) - 1)
