"""The canonical text of a policy: AST (plus its comments) to source.

Layout: a declaration's header on one line and each rule attribute on its own
line, indented two spaces; one space between tokens; a blank line between declarations (runs of
one-line declarations of one kind stay together as written); sets wrapped and
lookups laid out as aligned tables. Comments are kept and attached by position
to the declaration or attribute that follows them (or, when written after code
on the same line, to that line). The output parses to an equal AST, so it has
the same meaning and fingerprint; formatting it again changes nothing.

The drafter's words are kept: given the source text, a keyword synonym
(`不少于` beside the canonical `不低于`, `at least` beside `>=`), the `年` after a
year, and a rate's count in Chinese numerals (`每千人`) are written as they were;
units and numbers are kept by the AST itself. Only when a keyword language is
forced does a word of the other language become that language's canonical one.
"""

from __future__ import annotations

import json
import re
import unicodedata

import attrs

from ..core import ast
from ..core.keywords import COMPARISONS, EN, KEYWORDS, ZH, Keyword, is_cjk, language_of
from ..core.source import Span

WIDTH = 88  # display columns (a CJK character counts two) before a set wraps
LINE_WIDTH = 100  # display columns before a line's schedules go one entry a line
INDENT = "  "

_NAME = re.compile(r"[^\W\d]\w*")
_COMPACT_KINDS = (ast.UnitDecl, ast.SetDecl, ast.EntityDecl, ast.FactDecl, ast.LetDecl, ast.NoteDecl)
_CN_NUMERAL_CHARS = frozenset("零一二两三四五六七八九十百千万亿")

# Precedence levels, loosest first; an operand printed below the level its
# position needs is parenthesised.
IF, OR, AND, NOT, CMP, SUM, PROD, UNARY, ATOM = range(9)


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def format_module(module: ast.Module, lang: str = EN, text: str | None = None, *,
                  per_declaration: bool = False) -> str:
    """The canonical text of `module` with keywords in `lang` (`en` or `zh`).

    `text`, the source the module was parsed from, lets comments keep their
    lines and blank lines and the drafter's words keep their spelling; without
    it comments are placed by span alone. With `per_declaration`, each
    declaration keeps the keyword language it is written in (`lang` is then
    only the fallback) and symbols such as `>=` stay in either language.
    """
    return _Printer(lang, text, forced=not per_declaration).module(module)


def detect_language(module: ast.Module, text: str) -> str:
    """The keyword language most declarations of `text` are written in."""
    zh = sum(1 for d in module.decls if d.span.start < len(text) and is_cjk(text[d.span.start]))
    return ZH if zh * 2 > len(module.decls) else EN


# ---- comments ------------------------------------------------------------------


@attrs.define
class _Placement:
    leading: dict[int, list[ast.Comment]] = attrs.Factory(dict)  # decl index -> comments
    before_attr: dict[tuple[int, int], list[ast.Comment]] = attrs.Factory(dict)  # (decl, anchor start)
    trailing: dict[tuple[int, int], list[ast.Comment]] = attrs.Factory(dict)  # (decl, anchor start)
    at_end: list[ast.Comment] = attrs.Factory(list)


def _anchors(d: ast.Decl) -> list[int]:
    """Start offsets of the lines of a declaration that comments can attach to."""
    starts = [d.span.start]
    if isinstance(d, ast.RuleDecl):
        parts = [d.clauses[0] if d.clauses else None, d.years, d.scope, d.due, d.group, d.requirement]
        starts += [p.span.start for p in parts if p is not None and p.span != ast.Span(0, 0)]
    return starts


def _place_comments(module: ast.Module, text: str | None) -> _Placement:
    out = _Placement()
    decls = module.decls
    for c in module.comments:
        p = c.span.start
        line_start = text.rfind("\n", 0, p) + 1 if text is not None else p
        trailing = text is not None and text[line_start:p].strip() != ""
        i = next((k for k, d in enumerate(decls) if p < d.span.end), None)
        if trailing:
            # The line the comment ends: the last anchor at or before it.
            best = None
            for k, d in enumerate(decls):
                for a in _anchors(d):
                    if a <= p and (best is None or a >= best[1]):
                        best = (k, a)
            if best is not None:
                out.trailing.setdefault(best, []).append(c)
                continue
        if i is None:
            out.at_end.append(c)
        elif p < decls[i].span.start:
            out.leading.setdefault(i, []).append(c)
        else:
            anchors = _anchors(decls[i])[1:]
            later = [a for a in anchors if a > p]
            if later:
                out.before_attr.setdefault((i, min(later)), []).append(c)
            elif anchors:
                out.before_attr.setdefault((i, max(anchors)), []).append(c)
            else:
                out.leading.setdefault(i, []).append(c)
    return out


# ---- the printer -----------------------------------------------------------------


class _Printer:
    def __init__(self, lang: str, text: str | None, forced: bool = True):
        self.lang = self.default_lang = lang
        self.text = text
        self.forced = forced
        self.break_schedules = False

    def attribute(self, head: str, e: ast.Expr) -> str:
        """`head` then an expression; schedules go one entry a line when the line is too long."""
        line = head + self.expr(e, IF, len(INDENT) if head.startswith(INDENT) else 0)
        if display_width(line.split("\n")[0]) > LINE_WIDTH and not self.break_schedules:
            self.break_schedules = True
            try:
                line = head + self.expr(e, IF, len(INDENT) if head.startswith(INDENT) else 0)
            finally:
                self.break_schedules = False
        return line

    def kw(self, concept: str) -> str:
        return KEYWORDS[concept].spelling(self.lang)

    # ---- the drafter's words -------------------------------------------------

    def written(self, keyword: Keyword, lo: int | None, hi: int | None) -> str:
        """The spelling of `keyword` the source has between offsets `lo` and `hi` (nothing
        else but brackets and spaces there), when it may stand in the output; else the
        canonical spelling."""
        canonical = keyword.spelling(self.lang)
        if self.text is None or lo is None or hi is None or not 0 <= lo <= hi <= len(self.text):
            return canonical
        # Between two operands only the keyword, brackets, a comment or (after a fact's
        # first constraint) a comma can stand.
        gap = " ".join(re.sub(r"#[^\n]*|[(),]", " ", self.text[lo:hi]).split())
        return gap if gap in keyword.spellings and self._may_keep(gap) else canonical

    def written_at(self, keyword: Keyword, offset: int | None) -> str:
        """The spelling of `keyword` the source has at `offset`, when it may stand in the output."""
        canonical = keyword.spelling(self.lang)
        if self.text is None or offset is None or not 0 <= offset <= len(self.text):
            return canonical
        for spelling in sorted((w for w in keyword.spellings if w), key=len, reverse=True):
            end = offset + len(spelling)
            if self.text.startswith(spelling, offset) and (
                    is_cjk(spelling[-1]) or end >= len(self.text) or not self.text[end].isalnum()):
                return spelling if self._may_keep(spelling) else canonical
        return canonical

    def attribute_offset(self, d: ast.Decl, keyword: Keyword) -> int | None:
        """Where a header attribute written with one of `keyword`'s spellings starts in `d`."""
        if self.text is None:
            return None
        words = "|".join(re.escape(w) for w in sorted(keyword.spellings, key=len, reverse=True) if w)
        m = re.compile(r"^[ \t]*(?=(?:" + words + "))", re.M).search(self.text, d.span.start, d.span.end)
        return m.end() if m else None

    def _may_keep(self, spelling: str) -> bool:
        if not any(ch.isalpha() for ch in spelling):  # `>=`, `≥`: the same in either language
            return not self.forced or self.lang == EN
        return language_of(spelling) == self.lang

    def year_mark(self, offset: int | None) -> str:
        """`年` (or `年起` ...) as written right after the year at `offset`, if anything."""
        if self.text is None or offset is None:
            return ""
        m = re.compile(r"\d+[ \t]*(年[起止底]?)?").match(self.text, offset)
        return m.group(1) if m and m.group(1) and (self.lang == ZH or not self.forced) else ""

    # ---- module layout -------------------------------------------------------

    def module(self, module: ast.Module) -> str:
        placement = _place_comments(module, self.text)
        out: list[str] = []
        prev: ast.Decl | None = None
        for i, d in enumerate(module.decls):
            if not self.forced:
                self.lang = self._language_of(d)
            if prev is not None and self._blank_between(prev, d):
                out.append("")
            out.extend(self._comment_block(placement.leading.get(i, []), "", d.span.start))
            out.extend(self._decl_lines(i, d, placement))
            prev = d
        if placement.at_end:
            if out:
                out.append("")
            out.extend(self._comment_block(placement.at_end, "", None))
        return "\n".join(line.rstrip() for line in out) + "\n" if out else ""

    def _language_of(self, d: ast.Decl) -> str:
        if self.text is None or not 0 <= d.span.start < len(self.text):
            return self.default_lang
        return ZH if is_cjk(self.text[d.span.start]) else EN

    def _blank_between(self, a: ast.Decl, b: ast.Decl) -> bool:
        if type(a) is not type(b) or not isinstance(a, _COMPACT_KINDS):
            return True
        # One-line declarations of one kind stay grouped as the drafter grouped them.
        return self.text is not None and _has_blank_line(self.text, a.span.end, b.span.start)

    def _comment_block(self, comments: list[ast.Comment], indent: str, next_start: int | None) -> list[str]:
        lines: list[str] = []
        for k, c in enumerate(comments):
            if k and self.text is not None and _has_blank_line(self.text, comments[k - 1].span.end, c.span.start):
                lines.append("")
            lines.append(indent + self.comment(c))
        if (comments and next_start is not None and self.text is not None and not indent
                and _has_blank_line(self.text, comments[-1].span.end, next_start)):
            lines.append("")
        return lines

    def comment(self, c: ast.Comment) -> str:
        """A comment as written (its text after `#` is the drafter's), else rebuilt from its text."""
        if self.text is not None and self.text[c.span.start:c.span.start + 1] == "#":
            return self.text[c.span.start:c.span.end].rstrip()
        return f"# {c.text}" if c.text else "#"

    def _decl_lines(self, i: int, d: ast.Decl, placement: _Placement) -> list[str]:
        """The lines of one declaration, with its attribute and trailing comments."""
        parts = self.decl(d)  # [(anchor start or None, text)]
        lines: list[str] = []
        for anchor, text in parts:
            if anchor is not None:
                lines.extend(self._comment_block(placement.before_attr.get((i, anchor), []), INDENT, None))
            first, *rest = text.split("\n")
            for c in placement.trailing.get((i, anchor), []) if anchor is not None else []:
                first += "  " + self.comment(c)
            lines.append(first)
            lines.extend(rest)
        return lines

    # ---- declarations --------------------------------------------------------

    def decl(self, d: ast.Decl) -> list[tuple[int | None, str]]:
        """The lines of `d`, by the method named after its class."""
        write = getattr(self, "_" + type(d).__name__, None)
        if write is None:  # pragma: no cover - every declaration is handled (tests/unit/test_dispatch.py)
            raise TypeError(f"cannot format {type(d).__name__}")
        return write(d)

    def _PolicyDecl(self, d: ast.PolicyDecl) -> list[tuple[int | None, str]]:
        lines = [(d.span.start, f"{self.kw('policy')} {self.name_or_string(d.name)}")]
        for key in ("title", "original", "version", "issuer"):
            value = getattr(d, key)
            if value is not None:
                word = self.kw(key)
                if key == "issuer":
                    word = self.written_at(KEYWORDS[key], self.attribute_offset(d, KEYWORDS[key]))
                lines.append((None, f"{INDENT}{word} {string(value)}"))
        if d.period is not None and d.period[1] is None:
            start = d.period[0]
            if self.lang == ZH:
                lines.append((None, f"{INDENT}{self.kw('period')} {self.kw('from')}{start}年"))
            else:
                lines.append((None, f"{INDENT}{self.kw('period')} {self.kw('from')} {start}"))
        elif d.period is not None:
            start, end = d.period
            if self.lang == ZH:
                lines.append((None, f"{INDENT}{self.kw('period')} {start}年{self.kw('to')}{end}年"))
            else:
                lines.append((None, f"{INDENT}{self.kw('period')} {start} {self.kw('to')} {end}"))
        if d.validity is not None:
            lines += [(None, INDENT + line) for line in self.validity(d.validity)]
        return lines

    # ---- dates ---------------------------------------------------------------

    def date_range(self, start: ast.DateLit | None, end: ast.DateLit | None) -> str:
        """`from 2024-07-01 until 2025-12-31`; in Chinese `自2024年7月1日起`, `截至2025年12月31日`."""
        zh = self.lang == ZH
        parts = []
        if start is not None:
            parts.append(f"{self.kw('from')}{'' if zh else ' '}{date_text(start)}{'起' if zh and end is None else ''}")
        if end is not None:
            parts.append(f"{self.kw('until')}{'' if zh else ' '}{date_text(end)}")
        return " ".join(parts)

    def in_force(self, y: ast.InForce) -> str:
        written = self.kw("in_force") + " " if y.keyword else ""
        return written + self.date_range(y.start, y.end)

    def validity(self, v: ast.Validity) -> list[str]:
        sep = "" if self.lang == ZH else " "
        lines = []
        if v.start is not None or v.end is not None:
            lines.append(f"{self.kw('in_force')} {self.date_range(v.start, v.end)}")
        lines += [f"{self.kw('amended_on')}{sep}{date_text(a)}" for a in v.amended]
        if v.repealed is not None:
            lines.append(f"{self.kw('repealed_on')}{sep}{date_text(v.repealed)}")
        if v.superseded_by is not None:
            lines.append(f"{self.kw('superseded_by')} {self.name_or_string(v.superseded_by)}")
        return lines

    def _UnitDecl(self, d: ast.UnitDecl) -> list[tuple[int | None, str]]:
        line = f"{self.kw('unit')} {', '.join(d.names)}"
        if d.base is not None:
            factor = f"{d.factor} " if d.factor is not None else ""
            line += f" = {factor}{self.unit_expr(d.base)}"
        return [(d.span.start, line)]

    def _SetDecl(self, d: ast.SetDecl) -> list[tuple[int | None, str]]:
        head = f"{self.kw('set')} {d.name} = "
        return [(d.span.start, head + self.set_literal(d.values, display_width(head)))]

    def _EntityDecl(self, d: ast.EntityDecl) -> list[tuple[int | None, str]]:
        line = f"{self.kw('entity')} {d.name}"
        if d.plural is not None:
            line += f", {d.plural}"
        if d.parent is not None and d.key is not None:
            line += f" {self.kw('part_of')} {d.parent.name} {self.kw('by')} {d.key.name}"
        if d.label is not None:
            line += f" {string(d.label)}"
        if d.labelled_by:
            line += f" {self.kw('labelled_by')} " + ", ".join(n.name for n in d.labelled_by)
        return [(d.span.start, line)]

    def _FactDecl(self, d: ast.FactDecl) -> list[tuple[int | None, str]]:
        line = f"{self.kw('fact')} {d.name}: {self.fact_type(d.type)}"
        for k, c in enumerate(d.constraints):
            # After `enum a < b` a bare comparison would read as one more member.
            comma = k or (d.type.kind == "enum" and c.kind == "cmp")
            line += ("," if comma else "") + " " + self.constraint(c)
        if d.label is not None:
            line += f" {string(d.label)}"
        return [(d.span.start, line)]

    def _LetDecl(self, d: ast.LetDecl) -> list[tuple[int | None, str]]:
        head = f"{self.kw('let')} {d.name} = "
        return [(d.span.start, self.attribute(head, d.value))]

    def _RuleDecl(self, d: ast.RuleDecl) -> list[tuple[int | None, str]]:
        head = f"{self.kw('target' if d.is_target else 'rule')} {d.name}"
        if d.label is not None:
            head += f" {string(d.label)}"
        lines: list[tuple[int | None, str]] = [(d.span.start, head)]
        if d.clauses:
            lines.append((d.clauses[0].span.start, f"{INDENT}{self.clauses(d.clauses)}"))
        if d.section is not None:
            lines.append((None, f"{INDENT}{self.kw('section')} {string(d.section)}"))
        if d.quote is not None:
            lines.append((None, f"{INDENT}{self.kw('quote')} {string(d.quote)}"))
        if d.entity is not None:
            lines.append((d.entity.span.start, f"{INDENT}{self.kw('on')} {d.entity.name}"))
        if d.years is not None:
            years = self.in_force(d.years) if isinstance(d.years, ast.InForce) else self.years(d.years)
            lines.append((d.years.span.start, INDENT + years))
        if d.scope is not None:
            head = f"{INDENT}{self.kw('where')} "
            lines.append((d.scope.span.start, self.attribute(head, d.scope)))
        if d.due is not None:
            lines.append((d.due.span.start, self.attribute(f"{INDENT}{self.kw('due')} ", d.due)))
        if d.group is not None:
            word = self.written_at(KEYWORDS["for_each"], d.group.span.start)
            line = f"{INDENT}{word} {d.group.fact}"
            if d.group.within is not None:
                line += f" {self.kw('in')} {self.set_ref(d.group.within)}"
            lines.append((d.group.span.start, line))
        if d.requirement is not None:
            head = f"{INDENT}{self.kw(d.requirement.modality)} "
            lines.append((d.requirement.span.start, self.attribute(head, d.requirement.condition)))
        return lines

    def _NoteDecl(self, d: ast.NoteDecl) -> list[tuple[int | None, str]]:
        line = f"{self.kw('note')} {string(d.text)}"
        if d.clauses:
            line += " " + self.clauses(d.clauses)
        if d.section is not None:
            line += f" {self.kw('section')} {string(d.section)}"
        return [(d.span.start, line)]

    # ---- declaration parts ---------------------------------------------------

    def clauses(self, refs: tuple[ast.ClauseRef, ...]) -> str:
        return f"{self.kw('clause')} " + ", ".join(r.id for r in refs)

    def years(self, y: ast.Years) -> str:
        if self.lang == ZH:
            marks = self._year_marks(y.span)
            if y.kind == "in":
                return f"{self.kw('in_year')}{y.start}{marks[0] or '年'}"
            if y.kind == "until":
                return f"{self.kw('until')}{y.end}{marks[0] or '年'}"
            from_word, to_word = self._years_words(y)
            start = f"{from_word}{y.start}"
            if y.end is None:
                return f"{start}{marks[0] or '年起'}"
            return f"{start}{marks[0] or '年'}{to_word}{y.end}{marks[1] or '年'}"
        if y.kind == "in":
            return f"{self.kw('in_year')} {y.start}"
        if y.kind == "until":
            return f"{self.kw('until')} {y.end}"
        if y.end is None:
            return f"{self.kw('from')} {y.start}"
        return f"{self.kw('from')} {y.start} {self.kw('to')} {y.end}"

    def _years_words(self, y: ast.Years) -> tuple[str, str]:
        """The words for "from" and "to" of a years attribute as written (`从`, `到` ...)."""
        if self.text is None or y.span == Span(0, 0):
            return self.kw("from"), self.kw("to")
        parts = re.split(r"\d+[ \t]*(?:年[起止底]?)?", self.text[y.span.start:y.span.end])
        def pick(concept: str, written: str) -> str:
            word = " ".join(written.split())
            return word if word in KEYWORDS[concept].spellings and self._may_keep(word) else self.kw(concept)
        return pick("from", parts[0]), pick("to", parts[1] if len(parts) > 2 else "")

    def _year_marks(self, span: Span) -> tuple[str, str]:
        """The `年`, `年起`, `年底` ... after the first and second year of a years attribute."""
        if self.text is None or span == Span(0, 0):
            return "", ""
        found = [m.group(1) or "" for m in re.finditer(r"\d+[ \t]*(年[起止底]?)?", self.text[span.start:span.end])]
        return (found + ["", ""])[0], (found + ["", ""])[1]

    def unit_expr(self, u: ast.UnitExpr) -> str:
        sep = "/" if self.lang == ZH else f" {self.kw('per')} "
        return sep.join((*u.num, *u.den))

    def fact_type(self, t: ast.FactType) -> str:
        if t.kind == "enum":
            return f"{self.kw('enum')} " + " < ".join(t.members)
        out = self.kw(t.kind)
        if t.unit is not None:
            out += " " + self.unit_expr(t.unit)
        return out

    def constraint(self, c: ast.FactConstraint) -> str:
        if c.kind == "optional":
            return self.kw("optional")
        if c.kind == "in":
            assert isinstance(c.value, ast.Name | ast.SetLiteral)
            return f"{self.kw('in')} {self.set_ref(c.value)}"
        assert c.op is not None and c.value is not None
        op = self.written(COMPARISONS[c.op], c.span.start, c.value.span.start)
        return f"{op} {self.expr(c.value, SUM, 0)}"

    def set_ref(self, ref: ast.Name | ast.SetLiteral) -> str:
        return ref.name if isinstance(ref, ast.Name) else self.set_literal(ref, None)

    def set_literal(self, lit: ast.SetLiteral, column: int | None) -> str:
        """`{a, b}`; from a known column, wrapped to WIDTH with items aligned after `{`."""
        items = [self.expr(v, ATOM, 0) for v in lit.values]
        one_line = "{" + ", ".join(items) + "}"
        if column is None or column + display_width(one_line) <= WIDTH or len(items) < 2:
            return one_line
        pad = " " * (column + 1)
        lines, current = [], "{" + items[0]
        width = column + display_width(current)
        for item in items[1:]:
            piece = ", " + item
            if width + display_width(piece) + 2 > WIDTH:  # room for "," or "}"
                lines.append(current + ",")
                current, width = pad + item, display_width(pad + item)
            else:
                current, width = current + piece, width + display_width(piece)
        lines.append(current + "}")
        return "\n".join(lines)

    def name_or_string(self, name: str) -> str:
        return name if _is_plain_name(name) else string(name)

    # ---- expressions ---------------------------------------------------------

    def expr(self, e: ast.Expr, need: int, indent: int) -> str:
        """`e` as text where the grammar needs precedence `need`; `indent` is the
        indentation of the line it starts on (for multi-line tables)."""
        level, text = self._expr(e, indent)
        return f"({text})" if level < need else text

    def _expr(self, e: ast.Expr, indent: int) -> tuple[int, str]:
        """(the precedence level of `e`, its text), by the method named after its class."""
        write = getattr(self, "_" + type(e).__name__, None)
        if write is None:  # pragma: no cover - every node is handled (tests/unit/test_dispatch.py)
            raise TypeError(f"cannot format {type(e).__name__}")
        return write(e, indent)

    def _Number(self, e: ast.Number, indent: int) -> tuple[int, str]:
        if e.unit is None:
            return ATOM, e.text
        return ATOM, f"{e.text}{'' if is_cjk(e.unit[0]) else ' '}{e.unit}"

    def _Percent(self, e: ast.Percent, indent: int) -> tuple[int, str]:
        return ATOM, f"{e.text}%"

    def _DateLit(self, e: ast.DateLit, indent: int) -> tuple[int, str]:
        return ATOM, date_text(e)

    def _Bool(self, e: ast.Bool, indent: int) -> tuple[int, str]:
        return ATOM, self.written(KEYWORDS["true" if e.value else "false"], e.span.start, e.span.end)

    def _String(self, e: ast.String, indent: int) -> tuple[int, str]:
        return ATOM, string(e.value)

    def _Name(self, e: ast.Name, indent: int) -> tuple[int, str]:
        return ATOM, e.name

    def _SetLiteral(self, e: ast.SetLiteral, indent: int) -> tuple[int, str]:
        return ATOM, self.set_literal(e, None)

    def _Call(self, e: ast.Call, indent: int) -> tuple[int, str]:
        return ATOM, f"{e.func}(" + ", ".join(self.expr(a, IF, indent) for a in e.args) + ")"

    def _Neg(self, e: ast.Neg, indent: int) -> tuple[int, str]:
        return UNARY, "-" + self.expr(e.operand, UNARY, indent)

    def _Binary(self, e: ast.Binary, indent: int) -> tuple[int, str]:
        level = SUM if e.op in ("+", "-") else PROD
        sym = self.kw("of") if e.op == "of" else e.op
        return level, f"{self.expr(e.left, level, indent)} {sym} {self.expr(e.right, level + 1, indent)}"

    def _Compare(self, e: ast.Compare, indent: int) -> tuple[int, str]:
        left, right = e.left, e.right
        sym = self.written(COMPARISONS[e.op], left.span.end, right.span.start)
        about = f"{self.kw('about')} " if e.about else ""
        return CMP, (f"{self.expr(left, SUM, indent)} {sym} {about}{self.expr(right, SUM, indent)}"
                     + self._within(e, indent))

    def _Between(self, e: ast.Between, indent: int) -> tuple[int, str]:
        kw, s, low, high = self.kw, e.subject, e.low, e.high
        joint = self.written(KEYWORDS["between_and" if self.lang == ZH else "and"], low.span.end, high.span.start)
        about = f"{kw('about')} " if e.about else ""
        text = (f"{self.expr(s, SUM, indent)} {kw('between')} {about}{self.expr(low, SUM, indent)} "
                f"{joint} {self.expr(high, SUM, indent)}")
        return CMP, text + (f" {kw('between_end')}" if self.lang == ZH else "") + self._within(e, indent)

    def _Periodic(self, e: ast.Periodic, indent: int) -> tuple[int, str]:
        # `每2年` runs on; `every 2 years` is spaced. A bare unit stays bare (`every year`).
        s, period = e.subject, e.period
        every = self.written(KEYWORDS["every"], s.span.end, period.span.start)
        zh = language_of(every) == ZH
        if isinstance(period, ast.Name):
            written = period.name
        elif isinstance(period, ast.Number) and period.numeral and zh:  # `每两年` as written
            written = f"{period.numeral}{period.unit or ''}"
        else:
            written = self.expr(period, SUM, indent)
        return CMP, f"{self.expr(s, SUM, indent)} {every}{'' if zh else ' '}{written}"

    def _InSet(self, e: ast.InSet, indent: int) -> tuple[int, str]:
        kw = self.kw
        if not e.negated:
            op = kw("in")
        else:
            op = kw("not_in") if self.lang == ZH else f"{kw('not')} {kw('in')}"
        return CMP, f"{self.expr(e.subject, SUM, indent)} {op} {self.set_ref(e.set)}"

    def _BoolOp(self, e: ast.BoolOp, indent: int) -> tuple[int, str]:
        left, right = e.left, e.right
        level = OR if e.op == "or" else AND
        word = self.written(KEYWORDS[e.op], left.span.end, right.span.start)
        return level, f"{self.expr(left, level, indent)} {word} {self.expr(right, level + 1, indent)}"

    def _Not(self, e: ast.Not, indent: int) -> tuple[int, str]:
        return NOT, f"{self.kw('not')} {self.expr(e.operand, NOT, indent)}"

    def _If(self, e: ast.If, indent: int) -> tuple[int, str]:
        kw, c, a, b = self.kw, e.cond, e.then, e.else_
        then = self.written(KEYWORDS["then"], c.span.end, a.span.start)
        return IF, (f"{kw('if')} {self.expr(c, IF, indent)} {then} {self.expr(a, IF, indent)} "
                    f"{kw('else')} {self.expr(b, IF, indent)}")

    def _within(self, e: ast.Compare | ast.Between, indent: int) -> str:
        if e.tolerance is None:
            return ""
        return f" {self.kw('within')} {self.expr(e.tolerance, SUM, indent)}"

    def _Per(self, e: ast.Per, indent: int) -> tuple[int, str]:
        count = f"{e.count} " if e.count is not None else ""
        if self.lang == EN:
            return PROD, f"{self.expr(e.left, PROD, indent)} {self.kw('per')} {count}{e.unit}"
        # Chinese word order: `每百户20平方米` is "20 m2 per 100 households".
        operand = self.expr(e.left, UNARY, indent)
        written = self._rate_count(e)
        if written is not None and operand[:1].isdigit():
            return UNARY, f"{self.kw('per')}{written}{e.unit}{operand}"  # `每千人40学位`, as the plan writes it
        if is_cjk(e.unit[0]) and operand[:1].isdigit():
            if e.count is None and e.unit[0] in _CN_NUMERAL_CHARS:
                # `每千米 2元` would read 千 as a count; brackets keep the unit whole.
                return UNARY, f"{self.kw('per')} {e.unit} ({operand})"
            return UNARY, f"{self.kw('per')}{e.count or ''}{e.unit} {operand}"
        if e.count is None and operand[:1].isdigit() and e.unit[0] in _CN_NUMERAL_CHARS:
            operand = f"({operand})"
        return UNARY, f"{self.kw('per')} {count}{e.unit} {operand}"

    def _rate_count(self, e: ast.Per) -> str | None:
        """The count of a compact rate when the source writes it in Chinese numerals (`每千人`)."""
        if self.text is None or e.count is None or e.span == Span(0, 0) or not is_cjk(e.unit[0]):
            return None
        m = re.compile(r"每[ \t]*([零一二两三四五六七八九十百千万亿]+)[ \t]*" + re.escape(e.unit)).match(
            self.text, e.span.start)
        if m is None:
            return None
        from ..core.keywords import cn_numeral

        return m.group(1) if e.count in (m.group(1), str(cn_numeral(m.group(1)))) else None

    def _Schedule(self, e: ast.Schedule, indent: int) -> tuple[int, str]:
        entries = [f"{x.year}{self.year_mark(x.span.start if x.span != Span(0, 0) else None)}: "
                   f"{self.expr(x.value, IF, indent + 2)}" for x in e.entries]
        one_line = "[" + ", ".join(entries) + "]"
        if "\n" not in one_line and not self.break_schedules:
            return ATOM, one_line
        pad = " " * (indent + 2)
        return ATOM, "[\n" + ",\n".join(pad + x for x in entries) + "\n" + " " * indent + "]"

    def _Lookup(self, e: ast.Lookup, indent: int) -> tuple[int, str]:
        """A lookup is a table: one bracket a line, values aligned."""
        heads = []
        for b in e.brackets:
            low = self.expr(b.low, SUM, indent + 2) if b.low is not None else ""
            high = self.expr(b.high, SUM, indent + 2) if b.high is not None else ""
            head = {"below": f"{self.kw('below')} {high}", "above": f"{self.kw('above')} {low}",
                    "from": f"{self.kw('from')} {low}", "range": f"{low} {self.kw('to')} {high}",
                    "is": low, "else": self.kw("else"),
                    "in": f"{self.kw('in')} {self.set_ref(b.set)}" if b.set is not None else ""}[b.kind]
            heads.append(head + ":")
        column = max(display_width(h) for h in heads)
        pad = " " * (indent + 2)
        rows = [pad + h + " " * (column - display_width(h) + 1) + self.expr(b.value, IF, indent + 2)
                for h, b in zip(heads, e.brackets, strict=True)]
        key = self.expr(e.key, UNARY, indent)
        return ATOM, f"{self.kw('lookup')} {key} {{\n" + ",\n".join(rows) + "\n" + " " * indent + "}"


def date_text(d: ast.DateLit) -> str:
    """A date as the drafter wrote it (`2024年7月1日` stays so), else in ISO form."""
    return d.text or d.iso


def string(value: str) -> str:
    """A string literal that reads back as `value`. Invisible characters (controls,
    bidi overrides and isolates, zero-width and soft hyphens, unusual spaces) are
    written as `\\uXXXX` escapes: a raw one would make the line read differently
    from what it says, and would turn a file that checks clean into one with warnings."""
    text = json.dumps(value, ensure_ascii=False)
    if text.isprintable():  # exactly the characters without a visible glyph are not printable
        return text
    return "".join(_escape(c) if not c.isprintable() and c != "\u3000" else c for c in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # beyond the BMP: a surrogate pair, as JSON writes it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _is_plain_name(name: str) -> bool:
    if not _NAME.fullmatch(name):
        return False
    return all(name not in kw.spellings for kw in KEYWORDS.values())


def _has_blank_line(text: str, start: int, end: int) -> bool:
    return re.search(r"\n[ \t]*\r?\n", text[start:end]) is not None


class FormatError(Exception):
    """The formatted text would not read back as the same policy (a formatter bug)."""


def format_text(source, lang: str | None = None) -> str:
    """Format a `Source`: parse it, print it canonically, and prove the result parses back equal.

    Raises `PolicyError` when the source has errors (nothing is formatted then),
    `FormatError` when the output would not mean the same.
    """
    from ..core.diagnostics import PolicyError, has_errors
    from ..core.source import Source
    from ..loader import parse

    module, diagnostics = parse(source)
    if module is None or has_errors(diagnostics):
        raise PolicyError(diagnostics)
    out = format_module(module, lang or detect_language(module, source.text), source.text,
                        per_declaration=lang is None)
    again, more = parse(Source(source.name, out))
    if again != module or has_errors(more):
        raise FormatError("the formatted text does not parse to the same policy; the file is left as it is")
    return out
