"""Text from policies, records and result files made safe to print: it cannot act on a
terminal or forge a line of a report."""

from __future__ import annotations

import unicodedata


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with control, format (bidi) and other non-printable characters written as
    escapes (`\\x1b`, `\\u202e`); newlines too unless `keep_newlines`."""
    out = []
    for c in text:
        if (keep_newlines and c == "\n") or (c.isprintable() and unicodedata.category(c) != "Cf"):
            out.append(c)
        else:
            out.append(c.encode("unicode_escape").decode("ascii"))
    return "".join(out)
