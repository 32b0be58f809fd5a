"""A real `policydsl lsp` process, spoken to over stdio by pytest-lsp's client."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = Path(__file__).resolve().parents[2]


# One server for the module's tests: each test opens its own documents (see `_open`).
@pytest_lsp.fixture(scope="module", config=ClientServerConfig(
    server_command=[sys.executable, "-m", "policydsl", "lsp"],
    server_env={**os.environ, "PYTHONPATH": str(ROOT)}))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=ROOT.as_uri(),
        initialization_options={"year": 2024, "dataFile": "examples/chifeng_communities.csv",
                                "analysisTimeout": 60}))
    yield
    await lsp_client.shutdown_session()
