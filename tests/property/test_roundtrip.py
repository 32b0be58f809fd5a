"""Formatter round-trip properties over random ASTs."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

import policydsl
from policydsl.core import ast
from policydsl.core.source import Source
from policydsl.documents.fmt import format_module
from policydsl.loader import parse
from tests.strategies import TYPED_HEADER, modules, typed_rules

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse(text: str) -> ast.Module:
    module, diagnostics = parse(Source("generated.pol", text))
    errors = [d for d in diagnostics if d.is_error]  # a warning (an escaped bidi control) is fine
    assert module is not None and not errors, "\n".join(d.render() for d in errors) + "\n" + text
    return module


@SETTINGS
@given(modules())
def test_format_then_parse_is_identity(module):
    for lang in ("en", "zh"):
        assert _parse(format_module(module, lang)) == module


@SETTINGS
@given(modules())
def test_format_is_idempotent(module):
    for lang in ("en", "zh"):
        once = format_module(module, lang)
        assert format_module(_parse(once), lang, once) == once


@settings(max_examples=60, deadline=None)
@given(typed_rules())
def test_english_and_chinese_renderings_have_the_same_fingerprint(rules):
    header = _parse(TYPED_HEADER)
    module = ast.Module(header.decls + tuple(rules))
    english = policydsl.loads(format_module(module, "en"))
    chinese = policydsl.loads(format_module(module, "zh"))
    assert english.fingerprint == chinese.fingerprint
