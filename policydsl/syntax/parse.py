"""Text to lark tree; lark's errors become diagnostics.

After a syntax error the parser resumes at the next line that starts a
declaration, so one run reports the errors of every declaration.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

import lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..diagnostics import ERROR, Diagnostic
from ..source import Source, Span

# Words a drafter would recognise for each terminal, for "expected ..." messages.
_TERMINAL_WORDS = {
    "NAME": "a name", "NUMBER": "a number", "STRING": "a quoted string", "PERCENT": "a percentage",
    "CMP": "a comparison (`>=`, `<`, `=` ...)", "MODALITY": "`must`, `in principle` or `strive`",
    "IN_YEAR": "`in YEAR`", "_FOR_EACH": "`for each`", "COLON": "`:`", "COMMA": "`,`",
    "LPAR": "`(`", "RPAR": "`)`", "LSQB": "`[`", "RSQB": "`]`", "LBRACE": "`{`", "RBRACE": "`}`",
    "PLUS": "`+`", "MINUS": "`-`", "STAR": "`*`", "SLASH": "`/`", "_EQ": "`=`", "TRUE": "`true`",
    "FALSE": "`false`", "OPTIONAL": "`optional`",
}
_DECL_KEYWORDS = ("policy", "unit", "set", "entity", "fact", "let", "rule", "target", "note",
                  "政策", "单位", "集合", "对象", "事实", "定义", "规则", "目标", "备注")
_DECL_LINE = re.compile(r"^[ \t]*(?:" + "|".join(_DECL_KEYWORDS) + r")(?!\w)", re.M)
MAX_ERRORS = 50


@functools.cache
def parser() -> lark.Lark:
    grammar = resources.files("policydsl").joinpath("grammar/policy.lark").read_text("utf-8")
    return lark.Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True,
                     maybe_placeholders=True, cache=False)


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
        return (None if diagnostics else tree), diagnostics, comments
    return None, diagnostics, []


def _parse(text: str, comments: list[lark.Token]) -> lark.Tree:
    # lexer_callbacks need a fresh parser per call; comments are few, so re-lex them instead.
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
    if isinstance(err, UnexpectedCharacters):
        offset = err.pos_in_stream
        ch = text[offset] if offset < len(text) else ""
        message = f"unexpected character `{ch}`"
        help_ = _expected(err.allowed)
        if ch in "“”‘’":
            help_ = "use straight double quotes `\"` for strings"
        elif ch in "，：（）【】；":
            help_ = "use the ASCII form of this punctuation"
        span = Span(offset, offset + 1)
    elif isinstance(err, UnexpectedEOF):
        offset = len(text.rstrip())
        message = "unexpected end of file"
        help_ = _expected(err.expected)
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
        help_ = _expected(err.accepts or err.expected)
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


def _expected(allowed) -> str | None:
    found = {_TERMINAL_WORDS.get(t) or _keyword_word(t) for t in (allowed or ())} - {None}
    # Plain words ("a number") first, then keywords and punctuation.
    words = sorted(found, key=lambda w: (w.startswith("`"), w))
    if not words:
        return None
    if len(words) > 6:
        words = words[:6] + ["..."]
    return "expected " + ", ".join(words)


def _keyword_word(terminal: str) -> str | None:
    pattern = parser().get_terminal(terminal).pattern if terminal in _terminal_names() else None
    if pattern is None:
        return None
    m = re.match(r"\(\?:([^|)]+)", pattern.value)
    if m:
        return f"`{m.group(1)}`"
    if pattern.type == "str":
        return f"`{pattern.value}`"
    return None


@functools.cache
def _terminal_names() -> frozenset[str]:
    return frozenset(t.name for t in parser().terminals)
