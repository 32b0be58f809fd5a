"""The lexer that shares one scanner between parser states (syntax/parse.py) finds the
tokens and errors lark's own contextual lexer finds, and still shares: it rests on lark
internals (`_plugins`, `ContextualLexer.root_lexer`, `BasicLexer.match`), so a lark
release that changes them fails here."""

from __future__ import annotations

import random
from pathlib import Path

import lark
import pytest

from policydsl.syntax import parse

ROOT = Path(__file__).resolve().parents[2]
POLICIES = sorted(p for d in ("policies", "examples", "docs", "benchmarks", "tests") for p in (ROOT / d).rglob("*.pol"))


def _larks_own() -> lark.Lark:
    with parse._lean_positions():
        return lark.Lark(parse.grammar_text(), parser="lalr", lexer="contextual", propagate_positions=True,
                         maybe_placeholders=True, cache=True)


def _outcome(parser: lark.Lark, text: str) -> list | tuple:
    """The tokens and node spans of the tree, or what the error says."""
    try:
        tree = parser.parse(text)
    except lark.exceptions.UnexpectedInput as e:
        token = getattr(e, "token", None)
        return (type(e).__name__, e.pos_in_stream, sorted(getattr(e, "allowed", None) or e.expected or ()),
                None if token is None else (token.type, str(token)))
    out, stack = [], [tree]
    while stack:  # not recursive: some policies nest deep
        node = stack.pop()
        if isinstance(node, lark.Tree):
            meta = node.meta
            out.append((node.data, None if meta.empty else (meta.start_pos, meta.end_pos)))
            stack.extend(node.children)
        elif isinstance(node, lark.Token):
            out.append((node.type, str(node), node.start_pos, node.end_pos))
        else:
            out.append(node)
    return out


def _texts() -> list[str]:
    """Every policy of the repository, and damaged copies of the small ones (words
    inserted, text cut or repeated), for the error paths."""
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in POLICIES]
    small = [t for t in texts if len(t) < 20_000]
    words = sorted({w for t in small for w in t.split()})
    rnd = random.Random(2023)
    for _ in range(400):
        t = rnd.choice(small)
        at, kind = rnd.randrange(len(t) + 1), rnd.randrange(3)
        if kind == 0:
            t = t[:at] + rnd.choice(words) + rnd.choice(("", " ")) + t[at:]
        elif kind == 1:
            t = t[:at] + t[at + rnd.randrange(1, 30):]
        else:
            start = rnd.randrange(len(t) + 1)
            t = t[:at] + t[start:start + rnd.randrange(1, 40)] + t[at:]
        texts.append(t)
    return texts


@pytest.mark.parametrize("borrowed", [parse.BORROWED_TOKENS, 3])
def test_the_shared_scanner_finds_what_lark_finds(monkeypatch, borrowed):
    monkeypatch.setattr(parse, "BORROWED_TOKENS", borrowed)  # 3: states build their own early
    ours, larks = parse.parser.__wrapped__(), _larks_own()
    assert type(ours.parser.lexer) is parse._SharedScannerLexer
    assert type(larks.parser.lexer) is lark.lexer.ContextualLexer
    texts = _texts()
    assert len(POLICIES) > 100
    for text in texts:
        assert _outcome(ours, text) == _outcome(larks, text), text[:300]


def test_every_state_orders_its_terminals_as_the_whole_list():
    # What makes the shared scanner's first match the state's own, when the state accepts it.
    lexer = parse.parser.__wrapped__().parser.lexer
    rank = {t.name: i for i, t in enumerate(lexer.root_lexer.terminals)}
    for state in lexer.lexers.values():
        ranks = [rank[t.name] for t in state.terminals]
        assert ranks == sorted(ranks)


def test_loading_the_chifeng_policy_builds_few_scanners():
    parser = parse.parser.__wrapped__()
    states = {id(s): s for s in parser.parser.lexer.lexers.values()}.values()
    assert all(s.whole is parser.parser.lexer.root_lexer for s in states)
    parser.parse((ROOT / "policies" / "chifeng_2023.pol").read_text(encoding="utf-8"))
    met = [s for s in states if s.borrowed or s._scanner is not None]  # lark's name for a built scanner
    own = [s for s in met if s._scanner is not None]
    # lark alone builds one for each state met; here 2 find a terminal they do not
    # accept, 7 lex more than BORROWED_TOKENS
    assert len(met) == 59 and len(own) <= 12, len(own)
