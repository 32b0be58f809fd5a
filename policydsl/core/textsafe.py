"""Text from policies and records made safe to show: one helper for every human-facing output.

A policy string may hold `\\u001b` escapes and a CSV id may hold raw control characters
or line breaks. Written as they are, they retitle a terminal, clear the screen, forge
a line of a log, or reorder what a reader sees (bidi controls, "Trojan Source").
Every text, Markdown and HTML writer passes such text through `visible`, which
spells each of those characters as the `\\uXXXX` escape a drafter would write, so
the reader sees that it is there and nothing acts on it.
"""

from __future__ import annotations

import html
import re

# C0 controls (line breaks and tabs included: every use is one line of a report or a
# table cell), DEL and C1; bidi embeddings, overrides, isolates and marks; zero-width
# characters and the byte-order mark; the line and paragraph separators; and every other
# format character (Unicode category Cf: the soft hyphen, invisible operators, the tag
# characters that can carry hidden text). Spaces, the ideographic one included, are shown.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
                     "\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\u2028\u2029"
                     "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
                     "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")
_MARKDOWN = re.compile(r"([\\`*|<>\[\]])")


def _escape(m: re.Match) -> str:
    code = ord(m.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # beyond the BMP: a surrogate pair, as a policy string writes it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def visible(text: object) -> str:
    """`text` with every control, bidi and zero-width character written as `\\uXXXX`."""
    return _UNSAFE.sub(_escape, str(text))


def visible_lines(text: object) -> str:
    """As `visible`, but keeping line breaks: for multi-line blocks such as quoted source."""
    return "\n".join(visible(line) for line in str(text).split("\n"))


def markdown(text: object) -> str:
    """Inline Markdown: `visible`, then every character Markdown or inline HTML would act
    on escaped with a backslash, so no text can open a tag, a link or a table cell.

    Code spans (`` `x >= 5` ``, as explanations write them) stay code spans: nothing is
    interpreted inside one, so only `|` (a table cell break even there) is escaped.
    A stray backtick is escaped like any other special character."""
    parts = visible(text).split("`")
    out = []
    for i, part in enumerate(parts):
        inside = i % 2 == 1 and i < len(parts) - 1
        if inside:
            out.append("`" + part.replace("|", "\\|") + "`")
        else:
            out.append(_MARKDOWN.sub(r"\\\1", part) + ("\\`" if i % 2 == 1 else ""))
    return "".join(out)


def markdown_code(text: object, info: str = "") -> str:
    """A fenced code block holding `text` verbatim (made visible): the fence is longer
    than any run of backticks inside, so the text cannot close it."""
    body = visible_lines(text)
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def html_text(text: object) -> str:
    """HTML text or attribute value: `visible`, then HTML-escaped (quotes included)."""
    return html.escape(visible(text), quote=True)
