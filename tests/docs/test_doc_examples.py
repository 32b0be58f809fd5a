"""Every policy example in the docs is checked, and every console example is run.

Fenced blocks in `docs/*.md` and `README.md`:

- ```pol              a whole policy: it must parse and check without errors.
  ```pol pair=NAME    ... and every block with the same pair name (for example the
                      English and the Chinese spelling of one policy) has the same
                      fingerprint, so the two mean exactly the same.
- ```pol-fragment of=FILE   part of a policy: its text must appear in FILE (a checked
                      policy), so a step-by-step fragment cannot drift from the whole.
  ```pol-fragment replaces=FILE   declarations written another way (say, in Chinese
                      keywords): each replaces the declaration of the same kind and
                      name in FILE, and the result must check.
  A fragment that names no FILE fails: every fragment is checked.
- ```pol-error MSG    a policy that must be rejected with a diagnostic containing MSG.
- ```console          lines starting with `$ policydsl` are run from the repository
                      root; each line shown after a command must appear in its output
                      (a line `...` stands for lines left out). `# exit N` after the
                      command line states its exit code.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import attrs
import pytest

import policydsl
from policydsl.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
FENCE = re.compile(r"^```([\w-]+)([^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)


def blocks(kind: str) -> list:
    out = []
    for doc in DOCS:
        if not doc.exists():
            continue
        text = doc.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            if m.group(1) == kind:
                line = text.count("\n", 0, m.start()) + 1
                out.append(pytest.param(m.group(2).strip(), m.group(3), id=f"{doc.name}:{line}"))
    return out


def _load(body: str, name: str) -> policydsl.Policy:
    try:
        return policydsl.loads(body, name)
    except policydsl.PolicyError as e:
        pytest.fail("\n".join(d.render() for d in e.diagnostics))


@pytest.mark.parametrize(("info", "body"), blocks("pol"))
def test_policy_examples_in_the_docs_check(info, body):
    _load(body, "example.pol")


def test_paired_policy_examples_mean_the_same():
    pairs: dict[str, list] = {}
    for param in blocks("pol"):
        info, body = param.values
        m = re.search(r"pair=(\S+)", info)
        if m:
            pairs.setdefault(m.group(1), []).append((param.id, _load(body, "example.pol")))
    assert pairs, "the docs show no English/Chinese pairs"
    for name, members in pairs.items():
        assert len(members) >= 2, f"pair `{name}` has one block ({members[0][0]})"
        prints = {ident: p.fingerprint for ident, p in members}
        assert len(set(prints.values())) == 1, f"pair `{name}` differs: {prints}"


@pytest.mark.parametrize(("info", "body"), blocks("pol-fragment"))
def test_policy_fragments_come_from_the_policy_they_name(info, body):
    m = re.fullmatch(r"(of|replaces)=(\S+)", info)
    assert m is not None, f"a pol-fragment names its policy with of=FILE or replaces=FILE, not {info!r}"
    how, name = m.groups()
    whole = (ROOT / name).read_text(encoding="utf-8")
    if how == "of":
        assert body in whole, f"fragment not found in {name}"
        _load(whole, name)
    else:
        _load(_replaced(whole, body, name), name)


def _replaced(whole: str, fragment: str, name: str) -> str:
    """`whole` with each declaration of `fragment` in place of its namesake."""
    from policydsl.core.source import Source
    from policydsl.documents.fmt import format_module
    from policydsl.loader import parse

    original, _ = parse(Source(name, whole))
    swapped, errors = parse(Source("fragment", fragment))
    assert swapped is not None and not errors, [d.render() for d in errors]
    by_key = {(type(d), getattr(d, "name", None)): d for d in swapped.decls}
    known = {(type(d), getattr(d, "name", None)) for d in original.decls}
    assert set(by_key) <= known, f"the fragment declares what {name} does not: {set(by_key) - known}"
    decls = tuple(by_key.get((type(d), getattr(d, "name", None)), d) for d in original.decls)
    return format_module(attrs.evolve(original, decls=decls), "zh")


def test_the_tutorial_ends_with_its_whole_example_policy():
    policy = (ROOT / "docs" / "examples" / "hillside_libraries.pol").read_text(encoding="utf-8")
    full = [p.values[1] for p in blocks("pol") if p.id.startswith("tutorial.md")]
    assert policy in full


@pytest.mark.parametrize(("info", "body"), blocks("pol-error"))
def test_wrong_policy_examples_in_the_docs_are_rejected_as_the_docs_say(info, body):
    with pytest.raises(policydsl.PolicyError) as err:
        policydsl.loads(body, "example.pol")
    rendered = "\n".join(d.render() for d in err.value.diagnostics)
    assert info, "a ```pol-error block names the message it expects"
    assert info in rendered


def _run(command: str) -> tuple[int, str]:
    argv = shlex.split(command)
    assert argv[0] == "policydsl", f"console examples run policydsl only: {command}"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv[1:])
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize(("info", "body"), blocks("console"))
def test_console_examples_in_the_docs_print_what_they_show(info, body, monkeypatch):
    monkeypatch.chdir(ROOT)
    commands: list[tuple[str, int | None, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            m = re.match(r"\$ (.*?)(?:\s+#\s*exit\s+(\d+))?$", line)
            commands.append((m.group(1), int(m.group(2)) if m.group(2) else None, []))
        elif commands and line.strip():
            commands[-1][2].append(line.rstrip())
    for command, exit_code, expected in commands:
        if not command.startswith("policydsl "):
            continue
        code, output = _run(command)
        if exit_code is not None:
            assert code == exit_code, f"{command}: exit {code}\n{output}"
        lines = [x.rstrip() for x in output.splitlines()]
        at = 0
        for want in expected:
            if want.strip() == "...":
                continue
            try:
                at = lines.index(want, at) + 1
            except ValueError:
                pytest.fail(f"{command}: line not in output (in order): {want!r}\n--- output:\n{output}")


# ---- the keyword table of docs/reference.md, generated from policydsl/core/keywords.py ----------

KEYWORDS_START, KEYWORDS_END = "<!-- keywords:start -->", "<!-- keywords:end -->"


def keyword_table() -> str:
    """The reference's table of keywords: construct, English, Chinese, other spellings."""
    from policydsl.core.keywords import COMPARISONS, KEYWORDS

    rows = ["| construct | English | Chinese | also accepted |", "|---|---|---|---|"]
    for concept, kw in [*KEYWORDS.items(), *COMPARISONS.items()]:
        others = ", ".join(f"`{w}`" for w in (*kw.en_alternatives, *kw.zh_alternatives))
        show = lambda w: f"`{w}`" if w else "—"  # noqa: E731
        rows.append(f"| {concept.replace('_', ' ')} | {show(kw.en)} | {show(kw.zh)} | {others} |"
                    .replace("| != |", r"| \!= |"))
    return "\n".join(rows)


def _reference_with_table(text: str) -> str:
    start = text.index(KEYWORDS_START) + len(KEYWORDS_START)
    end = text.index(KEYWORDS_END)
    return text[:start] + "\n" + keyword_table() + "\n" + text[end:]


def test_the_reference_lists_every_keyword_of_the_language():
    path = ROOT / "docs" / "reference.md"
    text = path.read_text(encoding="utf-8")
    assert text == _reference_with_table(text), \
        "the keyword table is out of date: run `python tests/docs/test_doc_examples.py`"


if __name__ == "__main__":  # rewrite the keyword table of docs/reference.md
    ref = ROOT / "docs" / "reference.md"
    ref.write_text(_reference_with_table(ref.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"updated {ref}")
