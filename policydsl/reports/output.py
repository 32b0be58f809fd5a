"""The report in the format asked for, written where asked: the one entry point the
command line (and any other driver) uses."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence

from .model import ReportOptions, YearReport, evaluate_years

FORMATS = ("text", "html", "xlsx")


def evaluate(policy, sources: Sequence[tuple[int, object]], options: ReportOptions,
             progress: Callable[[int], None] | None = None) -> list[YearReport]:
    return evaluate_years(policy, sources, options, progress)


def write(policy, years: Sequence[YearReport], options: ReportOptions, fmt: str = "text",
          path: str | None = None, provenance: dict | None = None) -> None:
    """Write the report of `years` as `fmt` to `path` (stdout for text and HTML without one).
    HTML and workbooks carry `provenance` (`policydsl.provenance.provenance`) when given."""
    if fmt == "xlsx":
        from .workbook import write_workbook

        if path is None:
            raise ValueError("a workbook is written to a file: give --output PATH")
        write_workbook(policy, years, options, path, provenance)
        return
    if fmt == "html":
        from .html import render_html

        text = render_html(policy, years, options, provenance, os.path.basename(path or "report.html"))
    else:
        from .text import render_text

        text = render_text(policy, years, options)
    if path is None:
        sys.stdout.write(text)
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
