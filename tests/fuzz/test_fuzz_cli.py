"""The command line over arbitrary arguments and hostile files: whatever is typed,
every command answers with a result or an error message and an exit code of 0, 1 or 2,
never a traceback or a hang."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from policydsl.cli import COMMANDS

from .harness import RIVERSIDE, RIVERSIDE_CSV, fuzz_settings, problems, run_cli

# Files an argument may name: good ones, and each kind of bad one.
FILES = {
    "policy": RIVERSIDE.read_bytes(),
    "data.csv": RIVERSIDE_CSV.encode(),
    "data.json": b'[{"id": "h1", "beds": 3}, {"id": ["x"]}]',
    "data.jsonl": b'[{"id": "h1"}]\n',
    "empty.csv": b"",
    "header.csv": b"id,beds\n",
    "bom.csv": b"\xef\xbb\xbfid,beds\r\nh1,3\r\n",
    "quotes.csv": b'id,beds\n"h1,3\nh2,4\n"h3,5\nh4,6\n',
    "gbk.csv": "id,district\nh1,梅园\n".encode("gb18030"),
    "nul.csv": b"id,beds\nh1\x00,3\n",
    "binary.pol": bytes(range(256)),
    "ansi.pol": b'policy p\n  title "\\u001b]0;x\\u0007"\n  period 2023 to 2025\n',
    "latin1.pol": "policy pé\n  period 2023 to 2025\n".encode("latin-1"),
    "examples.json": b'{"examples": [{"name": 5}]}',
}
PATHS = [*FILES, "missing.pol", ".", "/dev/null"]
VALUES = ["2031", "2023", "0", "-1", "99999999999999999999", "2023-2025", "2031-2023", "x", "", "all",
          "json", "text", "markdown", "html", "jsonl", "xlsx", "parquet", "csv", "duckdb", "compiled",
          "reference", "nope", "zh", "en", "gb18030", "utf-16", "no-such-codec", "beds", "spark",
          "2031=data.csv", "HEAD:policy", "--", "-", "\x1b[2J", "é", 'x";y', "home=t", "a.b.c.d"]
OPTIONS = ["--facts", "--year", "--years", "--format", "--output", "--engine", "--encoding", "--show",
           "--lang", "--by", "--data-format", "--ids", "--quiet", "--check", "--diff", "--timeout",
           "--dialect", "--table", "--help", "--version"]

words = st.one_of(st.sampled_from(PATHS), st.sampled_from(VALUES), st.sampled_from(OPTIONS),
                  st.text(max_size=6))


@fuzz_settings(ci_examples=60, share=15)
@example("check", [""])  # found by a long run: an empty file name read as the current folder
@example("render", ["policy", "--format"])  # an option without its value, last
@example("check", ["policy", "--format", "json", "policy"])  # found by a long run: a file after an option was refused
@example("check", ["\x00"])  # found by a long run: a NUL byte in a file name was an internal error
@example("sql", ["policy", "--year", "2031", "--table", 'x";y'])  # a table name that does not tokenize
@given(st.sampled_from(sorted(COMMANDS)), st.lists(words, max_size=8))
def test_any_arguments_give_a_result_or_an_error_message(command: str, args: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, data in FILES.items():
            (folder / name).write_bytes(data)
        argv = [command, *[str(folder / a) if a in FILES or a == "missing.pol" else a for a in args]]
        if command == "lsp" or "--output" in argv and command != "eval":
            return  # the server reads standard input until it closes
        # run inside the folder: `.`, a relative --output or `fmt` of a folder must never
        # touch the files of the project the tests run from
        try:
            rc, out, err = run_cli(argv, cwd=folder)
        except SystemExit as exit_:  # a command that exits as a process would
            rc, out, err = (exit_.code if isinstance(exit_.code, int) else 2), "", ""
        found = problems(argv, rc, out, err)
        assert not found, f"{found} from `policydsl {' '.join(argv)}`: {err[-2000:]}"
