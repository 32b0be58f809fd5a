"""The report in the format asked for, written where asked: the one entry point the
command line (and any other driver) uses."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence

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
        with into_place(path) as partial:
            write_workbook(policy, years, options, partial, provenance, os.path.basename(path))
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
        with into_place(path) as partial, open(partial, "w", encoding="utf-8") as f:
            f.write(text)


@contextlib.contextmanager
def into_place(path: str) -> Iterator[str]:
    """A file beside `path` to write, renamed to `path` when the block ends without an
    error (and removed when it fails), so no half-written report ever has the name asked
    for. It gets the permissions a new file would get (`mkstemp` makes it private)."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, partial = tempfile.mkstemp(prefix=".policydsl-", dir=folder)
    os.close(fd)
    try:
        yield partial
        os.chmod(partial, new_file_mode())
        os.replace(partial, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)


def new_file_mode() -> int:
    """The permissions `open(path, "w")` gives a new file under the process's umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


class Output:
    """Standard output, or a file written beside its destination and renamed into place
    when complete, so a failed run never leaves half a report under the name asked for."""

    def __init__(self, path: str | None, binary: bool = False):
        self.target = path
        self.binary = binary
        self.stream = sys.stdout
        self.path: str | None = None
        self._abandoned = False

    def __enter__(self) -> Output:
        if self.target is not None:
            folder = os.path.dirname(os.path.abspath(self.target))
            fd, self.path = tempfile.mkstemp(prefix=".policydsl-", dir=folder)
            if self.binary:
                os.close(fd)
            else:
                self.stream = open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115
        return self

    def abandon(self) -> None:
        self._abandoned = True

    def __exit__(self, kind, exc, tb) -> None:
        if self.path is None:
            return
        if self.stream is not sys.stdout:
            self.stream.close()
        if kind is None and not self._abandoned:
            os.chmod(self.path, new_file_mode())  # as a new file, not mkstemp's private one
            os.replace(self.path, self.target)
            if self.binary:
                root, ext = os.path.splitext(self.path)
                with contextlib.suppress(FileNotFoundError):
                    dest_root, dest_ext = os.path.splitext(self.target)
                    os.chmod(f"{root}.targets{ext or '.parquet'}", new_file_mode())
                    os.replace(f"{root}.targets{ext or '.parquet'}", f"{dest_root}.targets{dest_ext or '.parquet'}")
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
