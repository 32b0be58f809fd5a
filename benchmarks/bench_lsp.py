"""Latency of the language server, through the protocol.

Starts `policydsl lsp` as an editor would, opens policies/chifeng_2023.pol and makes
edits, timing from each `didChange` to the diagnostics it produces, after each edit
a hover and a completion to their answers, and a completion asked right after a change
(before its diagnostics, as an editor asks while the drafter types):

- fast: the first publication for the new version (syntax, names, types and units,
  limits); the goal is under 100 ms;
- analysis: the second publication, with the consistency findings; the goal is
  under 1 s. Two kinds of edit: one that keeps the meaning (a comment: the worker
  answers from its cache) and one that changes a threshold (the solver runs);
- keystrokes during an analysis: a hover request and another edit's fast
  diagnostics, sent while the solver is busy, must not wait for it.

Then the same fast path, hover and completion on a big policy: the generated one at
the declared limits (1,990 rules, `benchmarks/big_policy.py`), with the analysis off.

Baselines measured in the same run: `check_source` in this process (the work the
fast path does) on each policy, and the `policydsl check` command a drafter runs today.

    python benchmarks/bench_lsp.py [--edits 50] [--big-edits 10]
"""

from __future__ import annotations

import argparse
import contextlib
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
        self.backlog: list[tuple[float, dict]] = []
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
        """The first message, in arrival order, that `match` accepts. Messages it does not
        accept are kept for a later wait: a server may publish before it answers."""
        for i, (at, msg) in enumerate(self.backlog):
            if match(msg):
                del self.backlog[i]
                return at, msg
        deadline = time.perf_counter() + timeout
        while True:
            at, msg = self.messages.get(timeout=max(0.01, deadline - time.perf_counter()))
            if match(msg):
                return at, msg
            self.backlog.append((at, msg))

    def close(self) -> None:
        rid = self.request("shutdown", None)
        self.wait(lambda m: m.get("id") == rid)
        self.notify("exit", None)
        self.proc.wait(10)


def _published(version: int):
    return lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == version


def _at(text: str, needle: str, column: int) -> dict:
    """The protocol position `column` characters into the first line holding `needle`."""
    offset = text.index(needle)
    line_start = text.rfind("\n", 0, offset) + 1
    return {"line": text.count("\n", 0, offset), "character": offset - line_start + column}


def ms(xs) -> str:
    xs = [x for x in xs if x is not None]
    if not xs:
        return "no answer"
    p90 = statistics.quantiles(xs, n=10, method="inclusive")[-1] if len(xs) > 1 else xs[0]
    return (f"median {statistics.median(xs) * 1000:7.1f} ms, p90 {p90 * 1000:7.1f} ms, "
            f"max {max(xs) * 1000:7.1f} ms (n={len(xs)})")


class Session:
    """One open document: edits timed to their diagnostics, requests timed to their answers."""

    def __init__(self, client: Client, uri: str, text: str, analysis: bool) -> None:
        self.client, self.uri, self.analysis, self.version = client, uri, analysis, 1
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "pol", "version": 1,
                                                                "text": text}})
        client.wait(_published(1), timeout=120)
        if analysis:
            client.wait(_published(1), timeout=120)  # the first analysis: solver imported, cache filled

    def edit(self, new_text: str) -> tuple[float, float | None]:
        """Seconds from the change to its fast diagnostics, and to its analysis (None if off)."""
        self.version += 1
        t = time.perf_counter()
        self.client.notify("textDocument/didChange", {"textDocument": {"uri": self.uri, "version": self.version},
                                                      "contentChanges": [{"text": new_text}]})
        fast_at, _ = self.client.wait(_published(self.version), timeout=120)
        if not self.analysis:
            return fast_at - t, None
        try:
            slow_at, _ = self.client.wait(_published(self.version), timeout=90)
        except queue.Empty:
            return fast_at - t, None
        return fast_at - t, slow_at - t

    def type_and_complete(self, new_text: str, position: dict) -> float:
        """Seconds to a completion asked right after a change, before its diagnostics (as
        an editor asks while the drafter types); then waits for those diagnostics."""
        self.version += 1
        self.client.notify("textDocument/didChange", {"textDocument": {"uri": self.uri, "version": self.version},
                                                      "contentChanges": [{"text": new_text}]})
        took, answer = self.ask("textDocument/completion", position)
        assert answer["result"]["items"], "no completion offered"
        self.client.wait(_published(self.version), timeout=120)
        if self.analysis:
            with contextlib.suppress(queue.Empty):
                self.client.wait(_published(self.version), timeout=90)
        return took

    def ask(self, method: str, position: dict) -> tuple[float, dict]:
        t = time.perf_counter()
        rid = self.client.request(method, {"textDocument": {"uri": self.uri}, "position": position})
        at, msg = self.client.wait(lambda m: m.get("id") == rid)
        return at - t, msg


def chifeng(client: Client, edits: int) -> dict[str, list]:
    text = POLICY.read_text(encoding="utf-8")
    session = Session(client, POLICY.as_uri(), text, analysis=True)
    anchor = "one_stop_center_m2 >= 50 m2"
    out: dict[str, list] = {k: [] for k in ("fast", "comment", "meaning", "hover", "completion", "typing",
                                            "hover_during", "fast_during")}
    for k in range(edits):
        f, a = session.edit(text.replace("# ---- 三 key tasks", f"# ---- 三 key tasks (edit {k})"))
        out["fast"].append(f)
        out["comment"].append(a)
        out["hover"].append(session.ask("textDocument/hover", _at(text, anchor, 4))[0])
        took, answer = session.ask("textDocument/completion", _at(text, anchor, 8))
        assert answer["result"]["items"], "no completion offered"
        out["completion"].append(took)
    for k in range(5):
        typing = text.replace(anchor, f"one_stop_center_m2 >= {51 + k} m2 and one_st")
        out["typing"].append(session.type_and_complete(typing, _at(typing, "and one_st", 10)))
    for k in range(edits):  # as many threshold edits as comment edits: the analysis is the goal
        f, a = session.edit(text.replace(anchor, f"one_stop_center_m2 >= {51 + k} m2"))
        out["fast"].append(f)
        out["meaning"].append(a)
    # ---- keystrokes while the solver runs ----
    for k in range(5):
        session.version += 1
        client.notify("textDocument/didChange", {"textDocument": {"uri": session.uri, "version": session.version},
                                                 "contentChanges": [{"text": text.replace(anchor, f"one_stop_center_m2 >= {70 + k} m2")}]})
        client.wait(_published(session.version))
        time.sleep(0.6)  # past the pause: the solver is now working on this version
        out["hover_during"].append(session.ask("textDocument/hover", _at(text, anchor, 4))[0])
        out["fast_during"].append(session.edit(text.replace(anchor, f"one_stop_center_m2 >= {80 + k} m2"))[0])
    return out


def big(client: Client, edits: int) -> tuple[dict[str, list], str]:
    """The generated policy at the declared limits (1,990 rules), analysis off: the fast path only."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from big_policy import many_rules

    text = many_rules()
    session = Session(client, (ROOT / "benchmarks" / "big.pol").as_uri(), text, analysis=False)
    anchor = "rule r1000 "
    out: dict[str, list] = {"fast": [], "hover": [], "completion": [], "typing": [], "during_parse": []}
    for k in range(edits):
        out["fast"].append(session.edit(text.replace(anchor, f"# edit {k}\n{anchor}"))[0])
        out["hover"].append(session.ask("textDocument/hover", _at(text, "rooms >= 1001", 2))[0])
        took, answer = session.ask("textDocument/completion", _at(text, "rooms >= 1001", 3))
        assert answer["result"]["items"], "no completion offered"
        out["completion"].append(took)
    for k in range(edits):
        typing = text.replace("rooms >= 1001", f"rooms >= {2001 + k} and roo")
        out["typing"].append(session.type_and_complete(typing, _at(typing, "and roo", 7)))
    for k in range(edits):  # a completion while the server parses the new text
        session.version += 1
        changed = text.replace(anchor, f"# parse {k}\n{anchor}")
        client.notify("textDocument/didChange", {"textDocument": {"uri": session.uri, "version": session.version},
                                                 "contentChanges": [{"text": changed}]})
        time.sleep(0.3)  # past the pause: the parse has begun
        out["during_parse"].append(session.ask("textDocument/completion", _at(changed, "rooms >= 1001", 3))[0])
        client.wait(_published(session.version), timeout=120)
    return out, f"{len(text):,} characters, {text.count(chr(10)):,} lines"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--big-edits", type=int, default=10)
    parser.add_argument("--big-only", action="store_true", help="only the big policy (and its baseline)")
    args = parser.parse_args()
    text = POLICY.read_text(encoding="utf-8")

    # ---- baselines ----
    sys.path.insert(0, str(ROOT))
    from policydsl.core.source import Source
    from policydsl.loader import check_source

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
    c = None if args.big_only else chifeng(client, args.edits)
    client.notify("workspace/didChangeConfiguration", {"settings": {"policydsl": {"analysis": False}}})
    b, shape = big(client, args.big_edits)
    client.close()

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from big_policy import many_rules

    big_text = many_rules()
    big_in_process = []
    for _ in range(3):
        t = time.perf_counter()
        check_source(Source("big.pol", big_text))
        big_in_process.append(time.perf_counter() - t)

    if c is not None:
        base = statistics.median(in_process)
        print("Chifeng policy")
        print(f"  baseline check_source in process:      {ms(in_process)}")
        print(f"  baseline `policydsl check` command:    {ms(cli)}")
        print(f"  fast diagnostics after an edit:        {ms(c['fast'])}  "
              f"ratio to check_source {statistics.median(c['fast']) / base:.2f}x")
        print(f"  hover:                                 {ms(c['hover'])}")
        print(f"  completion:                            {ms(c['completion'])}")
        print(f"  completion right after a change:       {ms(c['typing'])}")
        print(f"  analysis after a comment edit (cache): {ms(c['comment'])}")
        print(f"  analysis after a threshold edit:       {ms(c['meaning'])}  "
              f"ratio to the CLI {statistics.median([x for x in c['meaning'] if x]) / statistics.median(cli):.2f}x")
        print(f"  hover while the solver runs:           {ms(c['hover_during'])}")
        print(f"  fast diagnostics while it runs:        {ms(c['fast_during'])}")
    print(f"Big policy ({shape}; analysis off)")
    print(f"  baseline check_source in process:      {ms(big_in_process)}")
    print(f"  fast diagnostics after an edit:        {ms(b['fast'])}  "
          f"ratio to check_source {statistics.median(b['fast']) / statistics.median(big_in_process):.2f}x")
    print(f"  hover:                                 {ms(b['hover'])}")
    print(f"  completion:                            {ms(b['completion'])}")
    print(f"  completion right after a change:       {ms(b['typing'])}")
    print(f"  completion during the parse:           {ms(b['during_parse'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
