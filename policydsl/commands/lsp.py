"""`policydsl lsp`: the language server for editors, over standard input and output."""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stdio", action="store_true", help="talk over standard input and output (the default)")


def run(args) -> int:
    try:
        from policydsl.lsp.server import main
    except ImportError as e:
        print(f"policydsl lsp: the language server needs pygls ({e.name or e}); "
              "install it with `pip install 'policydsl[lsp]'`", file=sys.stderr)
        return 2
    return main()
