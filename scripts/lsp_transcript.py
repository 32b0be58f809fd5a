"""Print a real `policydsl lsp` session as a protocol transcript for docs/editors.md:
initialise, open a policy with an error, receive its diagnostics, hover a fact.

    python scripts/lsp_transcript.py            # print the transcript
    python scripts/lsp_transcript.py --check    # exit 1 if docs/editors.md shows another

Messages the client sends are marked `-->`, the server's `<--`; the server's
capabilities are abbreviated to their names.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_lsp import Client  # noqa: E402  (the benchmark's minimal stdio client)

URI = "file:///home/drafter/riverside.pol"
TEXT = ('policy riverside_care\n  period 2030 to 2032\n\nunit bed, beds, 床位\nfact beds: integer bed >= 0\n'
        'fact floor_area: decimal m2 >= 0\n\nrule space_per_bed "每张床位不少于30平方米"\n  clause R3\n'
        '  from 2031\n  must floor_area >= 30 m2 per bedd\n')


def transcript() -> str:
    client = Client()
    out: list[str] = []

    def show(arrow: str, message: dict) -> None:
        message = {k: v for k, v in message.items() if k != "jsonrpc"}
        result = message.get("result")
        if isinstance(result, dict) and "capabilities" in result:
            result["capabilities"] = sorted(result["capabilities"])
        out.append(f"{arrow} {json.dumps(message, ensure_ascii=False)}")

    def send(message: dict) -> None:
        client.send(message)
        show("-->", message)

    send({"id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None, "capabilities": {},
                                                      "initializationOptions": {"analysis": False}}})
    show("<--", client.wait(lambda m: m.get("id") == 1)[1])
    send({"method": "initialized", "params": {}})
    send({"method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": URI, "languageId": "pol", "version": 1, "text": TEXT}}})
    show("<--", client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")[1])
    send({"id": 2, "method": "textDocument/hover", "params": {"textDocument": {"uri": URI},
                                                              "position": {"line": 10, "character": 9}}})
    show("<--", client.wait(lambda m: m.get("id") == 2)[1])
    client.close()
    return "\n".join(out) + "\n"


def main() -> int:
    text = transcript()
    if "--check" in sys.argv:
        doc = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
        shown = re.search(r"```text transcript\n(.*?)```", doc, re.S)
        if shown is None or shown.group(1) != text:
            print("docs/editors.md does not show the session the server gives now; run "
                  "`python scripts/lsp_transcript.py` and paste its output", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
