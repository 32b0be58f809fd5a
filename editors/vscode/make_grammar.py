"""Write `syntaxes/pol.tmLanguage.json` from the keyword table (`policydsl/core/keywords.py`).

Run after changing a keyword:  python editors/vscode/make_grammar.py
A test checks that the committed grammar is what this script writes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from policydsl.core.dates import EVAL_NAMES
from policydsl.core.keywords import COMPARISONS, KEYWORDS
from policydsl.highlight import (
    ATTRIBUTES,
    BUILTINS,
    CONSTANTS,
    DECLARATIONS,
    MODALITIES,
    TYPES,
    WORD_OPERATORS,
)

OUT = Path(__file__).parent / "syntaxes" / "pol.tmLanguage.json"
NAME = r"[^\W\d]\w*"


def words(concepts) -> list[str]:
    return [w for c in concepts if c in KEYWORDS for w in KEYWORDS[c].spellings if w]


def alternation(ws) -> str:
    """Longest first; English words end at a word boundary, Chinese ones before a letter."""
    alts = []
    for w in sorted(set(ws), key=lambda w: (-len(w), w)):
        body = r"[ \t]+".join(map(re.escape, w.split()))
        if w.isascii():
            alts.append(r"(?<!\w)" + body + r"(?!\w)")
        else:  # a Chinese keyword may touch a number: 在2025年, 不少于1000户
            alts.append(r"(?<![^\W\d])" + body + r"(?![^\W\d])")
    return "(?:" + "|".join(alts) + ")"


def grammar() -> dict:
    cmp_words = [w for kw in COMPARISONS.values() for w in kw.spellings if w[0] not in "<>=!≥≤≠"]
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "policydsl",
        "scopeName": "source.pol",
        "fileTypes": ["pol"],
        "patterns": [
            {"name": "comment.line.number-sign.pol", "match": "#.*$"},
            {"name": "string.quoted.double.pol", "match": r'"(?:[^"\\]|\\.)*"'},
            {"match": "(" + alternation(words(["clause"])) + r")[ \t]+(" + NAME + r"(?:[ \t]*,[ \t]*"
                      + NAME + ")*)",
             "captures": {"1": {"name": "keyword.other.clause.pol"},
                          "2": {"name": "entity.name.tag.clause-id.pol"}}},
            {"match": "(" + alternation(words(DECLARATIONS)) + r")[ \t]+(" + NAME + ")",
             "captures": {"1": {"name": "storage.type.declaration.pol"},
                          "2": {"name": "entity.name.function.pol"}}},
            {"name": "storage.type.declaration.pol", "match": alternation(words(DECLARATIONS))},
            {"name": "keyword.control.modality.pol", "match": alternation(words(MODALITIES))},
            {"name": "keyword.operator.comparison.pol", "match": alternation(cmp_words)},
            {"name": "keyword.other.pol", "match": alternation(words(ATTRIBUTES))},
            {"name": "keyword.operator.word.pol", "match": alternation(words(WORD_OPERATORS))},
            {"name": "support.type.pol", "match": alternation(words(TYPES))},
            {"name": "constant.language.pol", "match": alternation(words(CONSTANTS))},
            {"name": "support.function.builtin.pol",
             "match": r"(?<!\w)(?:" + "|".join(BUILTINS) + r")(?=\s*\()"},
            {"name": "constant.other.date.pol",
             "match": r"\d{4}-\d{2}-\d{2}(?![\d-])|\d{4}年\d{1,2}月\d{1,2}日"},
            {"name": "variable.language.eval-date.pol", "match": alternation(EVAL_NAMES)},
            {"name": "constant.numeric.percent.pol", "match": r"\d+(?:\.\d+)?[ \t]*%"},
            {"name": "constant.numeric.pol", "match": r"\d+(?:\.\d+)?"},
            {"name": "keyword.operator.pol", "match": r">=|<=|!=|==|[<>=≥≤≠+\-*/×÷]"},
        ],
    }


def render() -> str:
    return json.dumps(grammar(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
