"""docs/editors.md shows the protocol session the server really gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_transcript_in_the_editors_guide_is_what_the_server_says():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "lsp_transcript.py"), "--check"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
