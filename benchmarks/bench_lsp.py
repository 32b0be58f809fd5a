"""Latency of the language server on the Chifeng policy, through the protocol.

Starts `policydsl lsp` as an editor would, opens policies/chifeng_2023.pol and makes
edits, timing from each `didChange` to the diagnostics it produces:

- fast: the first publication for the new version (syntax, names, types and units,
  limits); the goal is under 100 ms;
- analysis: the second publication, with the consistency findings; the goal is
  under 1 s. Two kinds of edit: one that keeps the meaning (a comment: the worker
  answers from its cache) and one that changes a threshold (the solver runs);
- keystrokes during an analysis: a hover request and another edit's fast
  diagnostics, sent while the solver is busy, must not wait for it.

Baselines measured in the same run: `check_source` in this process (the work the
fast path does) and the `policydsl check` command a drafter runs today.

    python benchmarks/bench_lsp.py [--edits 50]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "policies" / "chifeng_2023.pol"


class Client:
    """A minimal LSP client over the server's stdin and stdout."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-m", "policydsl", "lsp"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.messages: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                ch = out.read(1)
                if not ch:
                    return
                header += ch
            length = int(next(h for h in header.split(b"\r\n") if h.lower().startswith(b"content-length"))
                         .split(b":")[1])
            self.messages.put((time.perf_counter(), json.loads(out.read(length))))

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params: dict) -> int:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        return self.next_id

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    def wait(self, match, timeout: float = 60) -> tuple[float, dict]:
        deadline = time.perf_counter() + timeout
        while True:
            at, msg = self.messages.get(timeout=max(0.01, deadline - time.perf_counter()))
            if match(msg):
                return at, msg

    def close(self) -> None:
        rid = self.request("shutdown", None)
        self.wait(lambda m: m.get("id") == rid)
        self.notify("exit", None)
        self.proc.wait(10)


def _published(version: int):
    return lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == version


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=50)
    args = parser.parse_args()
    text = POLICY.read_text(encoding="utf-8")
    uri = POLICY.as_uri()

    # ---- baselines ----
    sys.path.insert(0, str(ROOT))
    from policydsl.loader import check_source
    from policydsl.source import Source

    check_source(Source("warm.pol", text))
    in_process = []
    for _ in range(10):
        t = time.perf_counter()
        check_source(Source("c.pol", text))
        in_process.append(time.perf_counter() - t)
    cli = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "policydsl", "check", str(POLICY)], capture_output=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
        cli.append(time.perf_counter() - t)

    client = Client()
    client.request("initialize", {"processId": os.getpid(), "rootUri": ROOT.as_uri(), "capabilities": {},
                                  "initializationOptions": {"analysisTimeout": 60}})
    client.wait(lambda m: m.get("id") == 1)
    client.notify("initialized", {})
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "pol", "version": 1,
                                                            "text": text}})
    client.wait(_published(1))
    client.wait(_published(1))  # the first analysis: solver imported, cache filled

    version = 1
    anchor = "one_stop_center_m2 >= 50 m2"

    def edit(new_text: str) -> tuple[float, float | None]:
        nonlocal version
        version += 1
        t = time.perf_counter()
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                 "contentChanges": [{"text": new_text}]})
        fast_at, _ = client.wait(_published(version))
        try:
            slow_at, _ = client.wait(_published(version), timeout=90)
        except queue.Empty:
            slow_at = None
        return fast_at - t, (slow_at - t) if slow_at is not None else None

    fast, comment_analysis, meaning_analysis = [], [], []
    for k in range(args.edits):
        f, a = edit(text.replace("# ---- 三 key tasks", f"# ---- 三 key tasks (edit {k})"))
        fast.append(f)
        comment_analysis.append(a)
    for k in range(max(3, args.edits // 5)):
        f, a = edit(text.replace(anchor, f"one_stop_center_m2 >= {51 + k} m2"))
        fast.append(f)
        meaning_analysis.append(a)

    # ---- keystrokes while the solver runs ----
    hover_during, fast_during = [], []
    for k in range(5):
        version += 1
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                 "contentChanges": [{"text": text.replace(anchor, f"one_stop_center_m2 >= {70 + k} m2")}]})
        client.wait(_published(version))
        time.sleep(0.6)  # past the pause: the solver is now working on this version
        t = time.perf_counter()
        rid = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                     "position": {"line": text[:text.index(anchor)].count("\n"),
                                                                  "character": 12}})
        at, _ = client.wait(lambda m, rid=rid: m.get("id") == rid)
        hover_during.append(at - t)
        f, _ = edit(text.replace(anchor, f"one_stop_center_m2 >= {80 + k} m2"))
        fast_during.append(f)
    client.close()

    def ms(xs):
        xs = [x for x in xs if x is not None]
        return f"median {statistics.median(xs) * 1000:7.1f} ms, max {max(xs) * 1000:7.1f} ms (n={len(xs)})"

    base = statistics.median(in_process)
    print(f"baseline check_source in process:      {ms(in_process)}")
    print(f"baseline `policydsl check` command:     {ms(cli)}")
    print(f"fast diagnostics after an edit:        {ms(fast)}  "
          f"ratio to check_source {statistics.median(fast) / base:.2f}x")
    print(f"analysis after a comment edit (cache): {ms(comment_analysis)}")
    print(f"analysis after a threshold edit:       {ms(meaning_analysis)}  "
          f"ratio to the CLI {statistics.median(meaning_analysis) / statistics.median(cli):.2f}x")
    print(f"hover while the solver runs:           {ms(hover_during)}")
    print(f"fast diagnostics while it runs:        {ms(fast_during)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
