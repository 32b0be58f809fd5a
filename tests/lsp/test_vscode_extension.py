"""The VS Code extension: it starts the server with the settings the server reads."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXT = ROOT / "editors" / "vscode"


def test_the_extension_declares_its_entry_point_and_the_settings_the_server_reads():
    package = json.loads((EXT / "package.json").read_text(encoding="utf-8"))
    assert package["main"] == "./extension.js" and package["activationEvents"] == ["onLanguage:pol"]
    settings = set(package["contributes"]["configuration"]["properties"])
    server_doc = (ROOT / "policydsl" / "lsp" / "server.py").read_text(encoding="utf-8")
    for name in ("year", "dataFile", "analysis", "analysisTimeout"):
        assert f"policydsl.{name}" in settings
        assert f"`{name}`" in server_doc  # documented in the server
        assert f'self.settings.get("{name}"' in server_doc or f'ls.settings.get("{name}"' in server_doc
    assert package["contributes"]["configuration"]["properties"]["policydsl.server.command"]["default"] == [
        "policydsl", "lsp"]


def test_the_extension_falls_back_to_highlighting_without_a_server():
    source = (EXT / "extension.js").read_text(encoding="utf-8")
    assert re.search(r"if \(!serverWorks\(command\)\) \{[^}]*highlighting only[^}]*return;", source, re.S)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_extension_is_valid_javascript():
    assert subprocess.run(["node", "--check", str(EXT / "extension.js")]).returncode == 0
