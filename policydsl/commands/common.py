"""Helpers shared by subcommands: loading with diagnostics, writing output safely."""

from __future__ import annotations

import sys

from ..diagnostics import Diagnostic, PolicyError


def print_diagnostics(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...], stream=None) -> None:
    stream = stream or sys.stderr
    for d in diagnostics:
        print(d.render(), file=stream)


def load_or_report(path: str):
    """The loaded Policy, or None after printing its diagnostics to stderr."""
    import policydsl

    try:
        policy = policydsl.load(path)
    except PolicyError as e:
        print_diagnostics(e.diagnostics)
        errors = sum(d.is_error for d in e.diagnostics)
        print(f"{path}: {errors} error{'s' if errors != 1 else ''}", file=sys.stderr)
        return None
    print_diagnostics(policy.load_warnings)
    return policy
