"""Text to lark tree; lark's errors become diagnostics.

After a syntax error the parser resumes at the next line that starts a
declaration, so one run reports the errors of every declaration.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import re
import unicodedata
from collections.abc import Iterator
from importlib import resources

import lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import BasicLexer, ContextualLexer

from ..core import keywords
from ..core.diagnostics import ERROR, Diagnostic
from ..core.limits import current as current_limits
from ..core.limits import help_text as limits_help
from ..core.source import Source, Span

# Words a drafter would recognise for each terminal, for "expected ..." messages.
_TERMINAL_WORDS = {
    "NAME": "a name", "NUMBER": "a number", "CN_NUMERAL": "a number", "STRING": "a quoted string", "PERCENT": "a percentage",
    "CMP": "a comparison (`>=`, `<`, `=` ...)", "MODALITY": "`must`, `in principle` or `strive`",
    "IN_YEAR": "`in YEAR`", "COLON": "`:`", "COMMA": "`,`",
    "LPAR": "`(`", "RPAR": "`)`", "LSQB": "`[`", "RSQB": "`]`", "LBRACE": "`{`", "RBRACE": "`}`",
    "PLUS": "`+`", "MINUS": "`-`", "STAR": "`*`", "SLASH": "`/`", "_EQ": "`=`",
}
# Terminals that only Chinese keywords use: not offered to a drafter writing English.
_ZH_ONLY = frozenset({"ZH_RATE", "_NIAN", "_BETWEEN_END", "_NOT_IN"})
# The same, where the drafter writes Chinese keywords.
_TERMINAL_WORDS_ZH = {
    **_TERMINAL_WORDS,
    "CMP": "a comparison (`不低于`, `小于`, `等于` ...)", "MODALITY": "`必须`, `原则上` or `力争`",
    "IN_YEAR": "`在 YEAR`", "ZH_RATE": "a rate like `每百户`",
}
_DECL_CONCEPTS = ("policy", "unit", "set", "entity", "fact", "let", "rule", "target", "note")
_DECL_KEYWORDS = tuple(w for c in _DECL_CONCEPTS for w in keywords.KEYWORDS[c].spellings)
_DECL_LINE = re.compile(r"^[ \t]*(?:" + "|".join(_DECL_KEYWORDS) + r")(?!\w)", re.M)
_LAST_WORD = re.compile(r"[^\W\d]\w*[ \t]*$")
MAX_ERRORS = 50


def grammar_text() -> str:
    """The grammar as lark reads it, with the keyword pattern filled in."""
    grammar = resources.files("policydsl").joinpath("grammar/policy.lark").read_text("utf-8")
    return grammar.replace("@KEYWORDS@", keyword_pattern())


@functools.cache
def parser() -> lark.Lark:
    grammar = grammar_text()
    # lark keeps the built tables in a cache file keyed by the grammar's hash and its own
    # version, so a process builds them once per grammar instead of at every start.
    with _lean_positions():
        return lark.Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True,
                         maybe_placeholders=True, cache=True,
                         _plugins={"ContextualLexer": _SharedScannerLexer})


# How many matches a state takes from the scanner of every terminal before it builds its
# own: that one tries every terminal, 2.5 µs a match against 0.7 µs for a state's. With
# 64, 50 of the Chifeng policy's 59 states never compile one; with no limit, a 500 KB
# policy parsed 60% slower.
BORROWED_TOKENS = 64


class _StateLexer(BasicLexer):
    """The lexer of one parser state: the first terminal that matches, among those the
    state accepts, in lark's order (priority, then length). It borrows the scanner of
    every terminal until that finds a terminal this state does not accept, or for
    `BORROWED_TOKENS` matches; then it builds its own, as lark always does (one
    alternation of the state's terminals, a third of the time per match)."""

    whole: BasicLexer | None = None  # the lexer of every terminal, while borrowed
    accepted: frozenset[str] = frozenset()
    borrowed = 0

    def match(self, text, pos):
        if self.whole is not None:
            found = self.whole.match(text, pos)
            if found is None:  # no terminal at all: nor one of this state's
                return None
            if found[1] in self.accepted and self.borrowed < BORROWED_TOKENS:
                self.borrowed += 1
                return found
            self.whole = None
        return super().match(text, pos)


class _SharedScannerLexer(ContextualLexer):
    """lark's contextual lexer, compiling far fewer regular expressions.

    lark compiles each state's scanner on the state's first token, about 0.7 ms each: 59
    states, 40 ms of the first load of the Chifeng policy. lark sorts every state's
    terminals in the order of the whole list, so when the first terminal to match among
    all of them is one the state accepts, it is the state's answer too; the scanner of all
    terminals (lark's `root_lexer`, kept for error messages) then serves the states (see
    `_StateLexer`), and Chifeng compiles 9 scanners, not 59. That holds only if no
    terminal is retyped after matching: lark's callbacks (a string terminal inside a
    pattern terminal, or `lexer_callbacks`) depend on the state's terminals, so with any,
    lark's way stays. lark takes the class through `_plugins`, its hook for replacing its
    parts; tests/language/test_lexer.py fails if a lark release changes what this uses.
    """

    BasicLexer = _StateLexer

    def __init__(self, conf, states, always_accept=()):
        super().__init__(conf, states, always_accept)
        whole = self.root_lexer
        if whole.scanner and not whole.callback:  # `scanner` builds it and its callbacks
            for lexer in self.lexers.values():
                lexer.whole = whole
                lexer.accepted = frozenset(t.name for t in lexer.terminals)
                lexer.callback = {}  # as lark's own build of the state's scanner would set


class _Positions:
    """lark's position propagation reduced to what the lowering reads, `start_pos` and
    `end_pos` (lark's own also sets lines and columns, through many `getattr`s: a third
    of the parse of a big policy). The rule is lark's: a node starts where the container
    of its first child with a position starts, and ends where its last one's ends."""

    __slots__ = ("node_builder",)

    def __init__(self, node_builder, node_filter=None):
        self.node_builder = node_builder

    def __call__(self, children):
        res = self.node_builder(children)
        if isinstance(res, lark.Tree):
            start = _edge(children, "container_start_pos", "start_pos")
            if start is None:
                return res
            end = _edge(reversed(children), "container_end_pos", "end_pos")
            meta = res.meta
            if meta.empty:  # else already set: the rule was inlined (`?rule`)
                meta.start_pos, meta.end_pos, meta.empty = start, end, False
            meta.container_start_pos, meta.container_end_pos = start, end
        return res


def _edge(children, container: str, own: str) -> int | None:
    for c in children:
        if isinstance(c, lark.Tree):
            if not c.meta.empty:
                return getattr(c.meta, container)
        elif isinstance(c, lark.Token):
            return getattr(c, own)
    return None


@contextlib.contextmanager
def _lean_positions() -> Iterator[None]:
    """Build the parser with `_Positions` in place of lark's propagation (chosen when the
    parser is built, so only while building it); lark without that hook keeps its own."""
    from lark import parse_tree_builder as builder

    original = getattr(builder, "make_propagate_positions", None)
    if original is None:
        yield
        return
    builder.make_propagate_positions = lambda option: _Positions if option is True else original(option)
    try:
        yield
    finally:
        builder.make_propagate_positions = original


def keyword_pattern() -> str:
    """Every word keyword, as a regular expression (a numeral before one is not its count)."""
    words = [w for kw in (*keywords.KEYWORDS.values(), *keywords.COMPARISONS.values())
             for w in kw.spellings if w and w[0].isalpha()]
    return keywords.word_pattern(words)


def parse_tree(source: Source) -> tuple[lark.Tree | None, list[Diagnostic], list[lark.Token]]:
    """Parse a whole source. Returns the tree (None if any syntax error), diagnostics, comments."""
    text = source.text
    diagnostics: list[Diagnostic] = []
    while len(diagnostics) < MAX_ERRORS:
        comments: list[lark.Token] = []
        try:
            tree = _parse(text, comments)
        except UnexpectedInput as err:
            diag, offset = _diagnose(source, text, err)
            diagnostics.append(diag)
            text = _blank_until_next_decl(text, offset)
            if text is None:
                break
            continue
        if not diagnostics and (too_deep := check_tree_depth(tree, source)) is not None:
            return None, [too_deep], comments  # before anything walks the tree recursively
        return (None if diagnostics else tree), diagnostics, comments
    return None, diagnostics, []


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Parsing and lowering allocate a tree node per token and make no reference cycles:
    the cycle collector only rescans the growing tree (a fifth of the time on a 500 KB file)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _parse(text: str, comments: list[lark.Token]) -> lark.Tree:
    # lexer_callbacks need a fresh parser per call; comments are few, so re-lex them instead.
    with paused_gc():
        tree = parser().parse(text)
    comments.extend(_comment_tokens(text))
    return tree


_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*')


def _comment_tokens(text: str) -> list[lark.Token]:
    out = []
    for m in _COMMENT.finditer(text):
        if m.group(0).startswith("#"):
            out.append(lark.Token("COMMENT", m.group(0), start_pos=m.start(), end_pos=m.end()))
    return out


def _blank_until_next_decl(text: str, offset: int) -> str | None:
    """Replace text up to the next declaration line after `offset` with spaces (keeping offsets)."""
    line_end = text.find("\n", offset)
    if line_end < 0:
        return None
    m = _DECL_LINE.search(text, line_end + 1)
    if m is None:
        return None
    blanked = re.sub(r"[^\n]", " ", text[: m.start()])
    return blanked + text[m.start():]


def _diagnose(source: Source, text: str, err: UnexpectedInput) -> tuple[Diagnostic, int]:
    diag, offset = _diagnose_input(source, text, err)
    glued = _glued_name_before(text, offset)
    if glued is not None:
        diag = Diagnostic(diag.code, diag.severity, diag.message, diag.span, source, help=glued)
    return diag, offset


def _glued_name_before(text: str, offset: int) -> str | None:
    """Advice when the name just before an error swallowed a Chinese keyword (`户数不少于`)."""
    # Only the end of the line before the error: searching from the start of the text is
    # quadratic in the length of a long run of letters (a 100,000-character string took 34 s).
    start = max(text.rfind("\n", 0, offset) + 1, offset - 200)
    m = _LAST_WORD.search(text, start, offset)
    if m is None:
        return None
    name = m.group(0).strip()
    word = keywords.glued_keyword(name)
    if word is None:
        return None
    before, _, after = name.partition(word)
    fixed = " ".join(p for p in (before, word, after) if p)
    return f"`{name}` runs into the keyword `{word}`; put a space on each side of it: `{fixed}`"


def _language_at(text: str, offset: int) -> str:
    """The keyword language of the declaration that contains `offset`."""
    last = None
    for m in _DECL_LINE.finditer(text, 0, offset):
        last = m
    if last is not None and keywords.is_cjk(last.group(0).strip()[:1] or "a"):
        return keywords.ZH
    return keywords.EN


def _diagnose_input(source: Source, text: str, err: UnexpectedInput) -> tuple[Diagnostic, int]:
    lang = _language_at(text, getattr(err, "pos_in_stream", None) or len(text))
    if isinstance(err, UnexpectedCharacters):
        offset = err.pos_in_stream
        ch = text[offset] if offset < len(text) else ""
        message = f"unexpected character `{ch}`"
        help_ = _expected(err.allowed, lang)
        if ch and (not ch.isprintable() or unicodedata.category(ch) == "Cf"):
            # Invisible characters (NUL, zero-width space, bidi overrides) are named, not shown.
            message = f"unexpected invisible character U+{ord(ch):04X}"
            help_ = "delete it; it may have been pasted from another document"
        if ch in "“”‘’":
            help_ = "use straight double quotes `\"` for strings"
        elif ch in "，：（）【】；":
            help_ = "use the ASCII form of this punctuation"
        span = Span(offset, offset + 1)
    elif isinstance(err, UnexpectedEOF):
        offset = len(text.rstrip())
        message = "unexpected end of file"
        help_ = _expected(err.expected, lang)
        span = Span(offset, offset)
    else:
        assert isinstance(err, UnexpectedToken)
        tok = err.token
        if tok.type == "$END":
            offset = len(text.rstrip())
            message = "unexpected end of file"
            span = Span(offset, offset)
        else:
            offset = tok.start_pos or 0
            message = f"unexpected {_describe(tok)}"
            span = Span(offset, tok.end_pos or offset + 1)
        help_ = _expected(err.accepts or err.expected, lang)
    diag = Diagnostic("E0001", ERROR, message, span, source, help=help_)
    return diag, offset


def _describe(tok: lark.Token) -> str:
    if tok.type == "NAME":
        return f"name `{tok}`"
    if tok.type in ("NUMBER", "PERCENT"):
        return f"number `{tok}`"
    if tok.type == "STRING":
        return "string"
    return f"`{tok}`"


def _expected(allowed, lang: str = keywords.EN) -> str | None:
    table = _TERMINAL_WORDS_ZH if lang == keywords.ZH else _TERMINAL_WORDS
    if lang == keywords.EN:
        allowed = [t for t in (allowed or ()) if t not in _ZH_ONLY]
    found = {table.get(t) or _keyword_word(t, lang) for t in (allowed or ())} - {None}
    # Plain words ("a number") first, then keywords and punctuation.
    words = sorted(found, key=lambda w: (w.startswith("`"), w))
    if not words:
        return None
    if len(words) > 6:
        words = words[:6] + ["..."]
    return "expected " + ", ".join(words)


def _keyword_word(terminal: str, lang: str = keywords.EN) -> str | None:
    for kw in keywords.KEYWORDS.values():
        if kw.terminal == terminal and kw.spelling(lang):
            return f"`{kw.spelling(lang)}`"
    return None


# ---- the depth guard --------------------------------------------------------------


def check_tree_depth(tree: lark.Tree, source: Source) -> Diagnostic | None:
    """A diagnostic if the parse tree nests deeper than the limit, before anything
    walks it recursively; iterative, and points at the declaration that holds the
    deepest part."""
    limit = current_limits().depth
    # Lark nests about one tree level per expression level (parentheses are flat);
    # the margin leaves the exact count, with names, to `checker.bounds.check_limits`.
    tree_limit = 2 * limit + 10
    for decl in getattr(tree, "children", ()):
        stack = [(decl, 1)]
        while stack:
            node, depth = stack.pop()
            children = getattr(node, "children", None)
            if not children:
                continue
            if depth > tree_limit:
                return Diagnostic("E0020", ERROR, f"an expression nests more than {limit} levels deep",
                                  _node_span(decl), source, help=limits_help("depth"))
            stack.extend((c, depth + 1) for c in children if c is not None)
    return None


def _node_span(node: object) -> Span | None:
    meta = getattr(node, "meta", None)
    start = getattr(meta, "start_pos", None) if meta is not None and not getattr(meta, "empty", True) else None
    if start is None:
        return None
    return Span(start, getattr(meta, "end_pos", start) or start)
