"""The `policydsl` command. Each subcommand lives in `policydsl/commands/<name>.py`
with `add_arguments(parser)` and `run(args) -> int`; exit codes follow the brief:
0 nothing found, 1 violations or unknowns found, 2 could not process."""

from __future__ import annotations

import argparse
import importlib
import sys

from .core.textsafe import visible  # loaded with the package anyway (diagnostics use it)

# name -> one-line help; the module `policydsl.commands.<name>` does the work.
COMMANDS = {
    "check": "parse, type- and unit-check a policy and analyse its consistency",
    "eval": "evaluate records against a policy for one year",
    "diff": "compare two versions of a policy: which obligations changed, how, with examples",
    "replay": "re-evaluate a result of `eval`: check the digests of its policy and data, compare every verdict",
    "render": "print a policy as a readable document (HTML or Markdown), clause by clause",
    "test": "run a policy's worked examples and report what they do not cover",
    "fmt": "format policies canonically (layout and spacing; the drafter's words kept); --check for CI",
    "lsp": "run the language server for editors (diagnostics, hover, completion, rename ...)",
    "completion": "print a shell completion script: bash, zsh or fish",
    "sql": "print the SQL that judges a typed table on Spark, Trino, PostgreSQL, BigQuery or DuckDB",
}

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only the module of `command` is imported, so startup stays fast and one
    command's trouble cannot break another."""
    parser = argparse.ArgumentParser(prog="policydsl", description="Policy as code for public plans.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_ in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        if name == command:
            module = importlib.import_module(f"policydsl.commands.{name}")
            module.add_arguments(p)
            p.set_defaults(_module=module)
    return parser


def _version() -> str:
    from . import __version__

    return f"policydsl {__version__}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(command if command in COMMANDS else None)
    try:
        args, rest = parser.parse_known_args(argv)
        # argparse takes a command's list of files only before its first option, so the
        # files of `check a.pol --format json b.pol` after it come back unparsed: they
        # join the list, as a user who typed them expects
        listed = getattr(args, "_files", None)
        if rest and listed and all(r == "-" or not r.startswith("-") for r in rest):
            getattr(args, listed).extend(rest)
        elif rest:
            parser.error(f"unrecognized arguments: {visible(' '.join(rest))}")
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 on --help
        return int(e.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        code = args._module.run(args)
        sys.stdout.flush()  # a full disk or a closed pipe shows here, not after exit
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _output_failed("the output was closed before it was complete")
    except OSError as e:
        if getattr(e, "filename", None) is None and e.errno is not None:
            return _output_failed(f"cannot write the output: {e.strerror or e}")
        print(f"policydsl: error: {visible(e.strerror or e)}: {visible(e.filename)}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as e:  # the last line of defence: never a traceback for any input
        print(f"policydsl: internal error: {type(e).__name__}: {visible(e)}", file=sys.stderr)
        print("policydsl: this is a bug in policydsl; please report it with the input that caused it",
              file=sys.stderr)
        return EXIT_ERROR


def _output_failed(why: str) -> int:
    """A report that could not be written whole is a failure, never a silent success."""
    import os

    try:  # nothing more can reach the broken output; keep exit from trying again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    print(f"policydsl: error: {why}", file=sys.stderr)
    return EXIT_ERROR


def entry() -> None:
    sys.exit(main())
