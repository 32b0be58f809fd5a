"""Syntax highlighting of `.pol` files with Pygments (an optional extra: `pip install policydsl[highlight]`).

The lexer is registered through the `pygments.lexers` entry point, so `pygmentize`,
Sphinx and MkDocs find it by the alias `pol`:

    pygmentize -l pol policies/chifeng_2023.pol

Its keywords come from `policydsl.core.keywords`, so both keyword sets (English and
Chinese) are highlighted, and it stays in step with the grammar. Pygments is
imported only when `PolLexer` is first used, never by `import policydsl`.
"""

from __future__ import annotations

import re

from .core.keywords import COMPARISONS, KEYWORDS, word_pattern

__all__ = ["lexer_class"]  # and `PolLexer`, built on first access

# Groups of keyword concepts (see `policydsl.core.keywords.KEYWORDS`), by the token they get.
DECLARATIONS = ("policy", "unit", "set", "entity", "fact", "let", "rule", "target", "note")
ATTRIBUTES = ("title", "original", "version", "issuer", "period", "clause", "section", "quote",
              "where", "for_each", "in_year", "from", "to", "until", "year_mark", "if", "then",
              "else", "lookup", "below", "above", "labelled_by", "part_of", "by", "on",
              "in_force", "due", "amended_on", "repealed_on", "superseded_by", "date_mark")
MODALITIES = ("must", "in_principle", "strive")
WORD_OPERATORS = ("or", "and", "not", "in", "not_in", "between", "between_and", "between_end",
                  "of", "per", "every", "about", "within")
TYPES = ("optional", "bool", "text", "integer", "decimal", "enum", "date")
CONSTANTS = ("true", "false")
BUILTINS = ("share", "count", "sum", "mean", "min", "max", "floor", "ceil", "abs", "all", "any")


def _words(concepts) -> list[str]:
    return [w for c in concepts if c in KEYWORDS for w in KEYWORDS[c].spellings if w]


def lexer_class():
    """Build the Pygments lexer class (imports pygments)."""
    from pygments.lexer import RegexLexer, bygroups, default
    from pygments.token import (
        Comment,
        Keyword,
        Literal,
        Name,
        Number,
        Operator,
        Punctuation,
        String,
        Whitespace,
    )

    from .core.dates import EVAL_NAMES

    name_re = r"[^\W\d]\w*"
    cmp_words = [w for kw in COMPARISONS.values() for w in kw.spellings if w[0] not in "<>=!≥≤≠"]

    class PolLexer(RegexLexer):
        """Lexer for policydsl policy files (`.pol`), in English and Chinese keywords."""

        name = "policydsl"
        aliases = ["pol", "policydsl"]
        filenames = ["*.pol"]
        mimetypes = ["text/x-policydsl"]
        flags = re.MULTILINE | re.UNICODE

        tokens = {
            "root": [
                (r"\s+", Whitespace),
                (r"#[^\n]*", Comment.Single),
                (r'"(?:[^"\\\n]|\\.)*"', String.Double),
                (word_pattern(_words(["clause"])), Keyword, "clauses"),
                (word_pattern(_words(DECLARATIONS)), Keyword.Declaration, "declname"),
                (word_pattern(_words(MODALITIES)), Keyword.Reserved),
                (word_pattern(cmp_words), Operator.Word),
                (word_pattern(_words(ATTRIBUTES)), Keyword),
                (word_pattern(_words(WORD_OPERATORS)), Operator.Word),
                (word_pattern(_words(TYPES)), Keyword.Type),
                (word_pattern(_words(CONSTANTS)), Keyword.Constant),
                (r"\d{4}-\d{2}-\d{2}(?![\d-])|\d{4}年\d{1,2}月\d{1,2}日", Literal.Date),
                (word_pattern(EVAL_NAMES), Name.Builtin.Pseudo),  # the evaluation date and year
                (r"\d+(?:\.\d+)?[ \t]*%", Number.Float),
                (r"\d+\.\d+", Number.Float),
                (r"\d+", Number.Integer),
                ("(" + "|".join(BUILTINS) + r")(\s*)(\()", bygroups(Name.Builtin, Whitespace, Punctuation)),
                (name_re, Name),
                (r">=|<=|!=|==|[<>=≥≤≠+\-*/×÷]", Operator),
                (r"[\[\]{}(),:]", Punctuation),
                (r".", Name),  # anything else: never an error token in a drafter's file
            ],
            "declname": [
                (r"[ \t]+", Whitespace),
                (name_re, Name.Function, "#pop"),
                default("#pop"),
            ],
            "clauses": [
                (r"[ \t]+", Whitespace),
                (r",", Punctuation),
                (name_re + r"(?=[ \t]*,)", Name.Label),  # more ids follow
                (name_re, Name.Label, "#pop"),
                default("#pop"),
            ],
        }

    PolLexer.__module__ = __name__
    PolLexer.__qualname__ = "PolLexer"
    return PolLexer


_cache: dict[str, type] = {}


def __getattr__(name: str):
    # `PolLexer` is built on first access, so importing this module needs no pygments.
    if name == "PolLexer":
        if name not in _cache:
            _cache[name] = lexer_class()
        return _cache[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
