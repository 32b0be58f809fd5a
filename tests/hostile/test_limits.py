"""Limits have documented defaults and can be raised by environment or in Python."""

from __future__ import annotations

import pytest

import policydsl
from policydsl.core import limits
from policydsl.core.diagnostics import PolicyError

DEEP = "policy p\nperiod 2023 to 2025\nfact x: integer\nrule r\n  clause C1\n  must " + "-" * 149 + "x >= 1\n"


def _codes(text: str) -> list[str]:
    try:
        policydsl.loads(text)
    except PolicyError as e:
        return [d.code for d in e.diagnostics if d.is_error]
    return []


def test_expression_past_the_default_depth_is_refused_with_a_code() -> None:
    assert _codes(DEEP) == ["E0020"]


def test_environment_variable_raises_the_depth_limit(monkeypatch) -> None:
    monkeypatch.setenv("POLICYDSL_MAX_DEPTH", "200")
    assert limits.current().depth == 200
    assert _codes(DEEP) == []


def test_using_sets_limits_within_a_block_only() -> None:
    with limits.using(limits.Limits(depth=200)):
        assert _codes(DEEP) == []
    assert limits.current() == limits.DEFAULTS


@pytest.mark.parametrize("raw", ["abc", "0", "-5", "1.5", "", "１００"])
def test_malformed_limit_in_environment_is_ignored_with_a_warning(monkeypatch, capsys, raw: str) -> None:
    monkeypatch.setenv("POLICYDSL_MAX_DIGITS", raw)
    monkeypatch.setattr(limits, "_warned", set())
    assert limits.current().digits == limits.DEFAULTS.digits
    assert "POLICYDSL_MAX_DIGITS" in capsys.readouterr().err


def test_definitions_doubling_are_refused_by_size_not_run() -> None:
    lets = "".join(f"let a{i} = a{i - 1} + a{i - 1}\n" for i in range(1, 61))
    text = "policy p\nperiod 2023 to 2025\nfact x: integer\nlet a0 = x\n" + lets + "rule r\n  clause C1\n  must a60 >= 1\n"
    assert set(_codes(text)) == {"E0021"}


def test_definition_cycle_is_left_to_the_checker() -> None:
    text = "policy p\nperiod 2023 to 2025\nfact x: integer\nlet a = b + 1\nlet b = a + 1\nrule r\n  clause C1\n  must a >= 1\n"
    assert "E0020" not in _codes(text) and "E0021" not in _codes(text)
    assert _codes(text)
