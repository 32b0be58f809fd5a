"""Lark tree to AST. Malformed-but-parsable pieces (a year that is not a whole
number, an enum written with `>`) become diagnostics here."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import attrs
import lark

from ..core import ast, keywords
from ..core.diagnostics import ERROR, WARNING, Diagnostic
from ..core.limits import current as current_limits
from ..core.source import Source, Span

MAX_DIGITS = 40  # the default; `limits.current().digits` is in force


def _span(item) -> Span:
    if isinstance(item, lark.Token):
        return Span(item.start_pos or 0, item.end_pos or 0)
    meta = item.meta
    if getattr(meta, "empty", True):
        return Span(0, 0)
    return Span(meta.start_pos, meta.end_pos)


def modality_of(word: str) -> str:
    return keywords.modality(word)


def cmp_of(word: str) -> str:
    return keywords.comparison(word)


_RATE = re.compile(r"每[ \t]*(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万亿]+)?[ \t]*(.+)", re.S)
_NUMERAL_PREFIX = re.compile("[" + "".join(sorted(keywords.CN_NUMERAL_CHARS)) + "]+")
_NUMERAL_HELP = "write it in digits (`1200`) or as it is said in full (`一千二百`, `一百零五`)"


# How a duplicated rule attribute is named in a message, by language.
_ATTR_WORDS = {keywords.EN: {"requirement": "requirement", "years": "years"},
               keywords.ZH: {"requirement": "requirement (`必须`/`原则上`/`力争`)", "years": "years (`在`/`自`/`截至`)"}}
_ATTR_CONCEPT = {"section": "section", "quote": "quote", "scope": "where", "group": "for_each",
                 "due": "due", "entity": "on"}
_VALIDITY = ("in_force", "amended", "repealed", "superseded")


class Lowerer:
    def __init__(self, source: Source):
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self.max_digits = current_limits().digits  # read once: it reads the environment

    def error(self, span: Span, message: str, help: str | None = None, code: str = "E0002") -> None:
        self.diagnostics.append(Diagnostic(code, ERROR, message, span, self.source, help=help))

    # ---- entry ---------------------------------------------------------------

    def module(self, tree: lark.Tree, comments: list[lark.Token]) -> ast.Module:
        from .parse import paused_gc

        self.declared_names = _declared_names(tree)
        with paused_gc():
            decls = tuple(d for d in (self.decl(c) for c in tree.children) if d is not None)
        notes = tuple(ast.Comment(str(c)[1:].strip(), _span(c)) for c in comments)
        module = ast.Module(decls, notes, Span(0, len(self.source.text)))
        self.check_glued_names(module)
        return module

    def lang_at(self, span: Span) -> str:
        """The language of the keyword that starts `span` (an attribute starts with its keyword)."""
        text = self.source.text
        if span.start < len(text) and keywords.is_cjk(text[span.start]):
            return keywords.ZH
        return keywords.EN

    def check_glued_names(self, module: ast.Module) -> None:
        """Report an undeclared name that swallowed a Chinese keyword (`户数不少于1000户`)."""
        declared: set[str] = set()
        for d in module.decls:
            if isinstance(d, ast.FactDecl):
                declared.add(d.name)
                declared.update(d.type.members)
            elif isinstance(d, ast.LetDecl | ast.SetDecl):
                declared.add(d.name)
        for name in _expression_names(module):
            word = keywords.glued_keyword(name.name)
            if word is None or name.name in declared:
                continue
            before, _, after = name.name.partition(word)
            self.error(name.span, f"`{name.name}` is not declared; it contains the keyword `{word}`",
                       help=f"put a space on each side of a keyword next to a name: "
                            f"`{' '.join(p for p in (before, word, after) if p)}`", code="E0006")

    def decl(self, t: lark.Tree):
        return getattr(self, "d_" + t.data)(t)

    # ---- declarations --------------------------------------------------------

    def d_policy_decl(self, t):
        name_tok, *attrs_ = t.children
        fields: dict = {}
        for a in attrs_:
            key = a.data.removeprefix("meta_")
            if key in fields:
                word = keywords.spelling(key, self.lang_at(_span(a)))
                self.error(_span(a), f"`{word}` is given twice in the policy header")
            if key in _VALIDITY:
                fields["validity"] = self.validity(fields.get("validity"), key, a)
                continue
            if key == "period":
                years = [self.year(c) for c in a.children]
                fields["period"] = (years[0], years[1] if len(years) > 1 else None)
            else:
                fields[key] = self.string(a.children[0])
        name = self.string(name_tok) if name_tok.type == "STRING" else str(name_tok)
        return ast.PolicyDecl(name=name, span=_span(t), **fields)

    def d_unit_decl(self, t):
        names, value = [], None
        for c in t.children:
            if isinstance(c, lark.Token):
                names.append(str(c))
            elif c is not None:
                value = c
        if value is None:
            return ast.UnitDecl(tuple(names), span=_span(t))
        number, uexpr = value.children
        factor = self.number_text(number) if number is not None else None
        return ast.UnitDecl(tuple(names), factor, self.unit_expr(uexpr), _span(t))

    def unit_expr(self, t) -> ast.UnitExpr:
        names = [str(c) for c in t.children]
        return ast.UnitExpr(tuple(names[:1]), tuple(names[1:]), _span(t))

    def d_set_decl(self, t):
        name, lit = t.children
        return ast.SetDecl(str(name), self.set_literal(lit), _span(t))

    def set_literal(self, t) -> ast.SetLiteral:
        values = []
        for c in t.children:
            if c is None:
                continue
            if c.type == "STRING":
                values.append(ast.String(self.string(c), _span(c)))
            elif c.type == "NUMBER":
                values.append(ast.Number(self.number_text(c), None, _span(c)))
            else:
                values.append(ast.Name(str(c), _span(c)))
        return ast.SetLiteral(tuple(values), _span(t))

    def d_entity_decl(self, t):
        name, plural, parent, label, *labels = t.children
        of = key = None
        if parent is not None:
            of, key = (ast.Name(str(n), _span(n)) for n in parent.children)
        return ast.EntityDecl(str(name), str(plural) if plural else None,
                              self.string(label) if label else None,
                              tuple(ast.Name(str(n), _span(n)) for n in labels if n is not None), _span(t),
                              of, key)

    def d_fact_decl(self, t):
        name, ftype, *rest = t.children
        label = rest.pop() if rest and (rest[-1] is None or isinstance(rest[-1], lark.Token)) else None
        constraints = tuple(self.constraint(c) for c in rest)
        return ast.FactDecl(str(name), self.fact_type(ftype), constraints,
                            self.string(label) if label else None, _span(t))

    def fact_type(self, t) -> ast.FactType:
        kind = t.data.removeprefix("type_")
        if kind in ("integer", "decimal"):
            unit = t.children[1]
            return ast.FactType(kind, self.unit_expr(unit) if unit is not None else None, (), _span(t))
        if kind == "enum":
            members = [str(t.children[1])]
            for op, member in zip(t.children[2::2], t.children[3::2], strict=True):
                if str(op) != "<":
                    self.error(_span(op), f"enum members are listed in increasing order with `<`, not `{op}`",
                               help="write `enum low < middle < high`")
                members.append(str(member))
            return ast.FactType("enum", None, tuple(members), _span(t))
        return ast.FactType(kind, None, (), _span(t))

    def constraint(self, t) -> ast.FactConstraint:
        if t.data == "constraint_optional":
            return ast.FactConstraint("optional", span=_span(t))
        if t.data == "constraint_in":
            return ast.FactConstraint("in", None, self.set_ref(t.children[0]), _span(t))
        op, value = t.children
        return ast.FactConstraint("cmp", cmp_of(op), self.expr(value), _span(t))

    def d_let_decl(self, t):
        name, value = t.children
        return ast.LetDecl(str(name), self.expr(value), _span(t))

    def d_rule_decl(self, t, is_target: bool = False):
        name, label, *attrs_ = t.children
        fields: dict = {}
        clauses: list[ast.ClauseRef] = []
        for a in attrs_:
            kind = a.data
            if kind == "clause_attr":
                clauses.extend(ast.ClauseRef(str(c), _span(c)) for c in a.children)
                continue
            key = {"section_attr": "section", "quote_attr": "quote", "scope_attr": "scope",
                   "group_attr": "group", "requirement": "requirement", "due_attr": "due",
                   "on_attr": "entity"}.get(kind, "years")
            if key in fields:
                # Name the construct in the language of the keyword the drafter wrote.
                lang = self.lang_at(_span(a))
                what = _ATTR_WORDS[lang].get(key) or f"`{keywords.spelling(_ATTR_CONCEPT[key], lang)}`"
                and_ = keywords.spelling("and", lang)
                self.error(_span(a), f"rule `{name}` has more than one {what}",
                           help=f"combine conditions with `{and_}`" if key in ("scope", "requirement") else None)
                continue
            fields[key] = getattr(self, "a_" + kind)(a)
        return ast.RuleDecl(str(name), self.string(label) if label else None, tuple(clauses),
                            is_target=is_target, span=_span(t), **fields)

    def d_target_decl(self, t):
        return self.d_rule_decl(t, is_target=True)

    def d_note_decl(self, t):
        text, *attrs_ = t.children
        clauses, section = [], None
        for a in attrs_:
            if a.data == "clause_attr":
                clauses.extend(ast.ClauseRef(str(c), _span(c)) for c in a.children)
            else:
                section = self.string(a.children[0])
        return ast.NoteDecl(self.string(text), tuple(clauses), section, _span(t))

    def a_section_attr(self, a):
        return self.string(a.children[0])

    a_quote_attr = a_section_attr

    def a_scope_attr(self, a):
        return self.expr(a.children[0])

    def a_group_attr(self, a):
        fact, within = a.children
        return ast.GroupBy(str(fact), self.set_ref(within) if within is not None else None, _span(a))

    def a_on_attr(self, a):
        (name,) = a.children
        return ast.Name(str(name), _span(name))

    def a_requirement(self, a):
        word, cond = a.children
        return ast.Requirement(modality_of(str(word)), self.expr(cond), _span(a))

    def a_years_in(self, a):
        year = self.year(a.children[1])
        return ast.Years("in", year, year, _span(a))

    def a_years_from(self, a):
        start, end = a.children
        return ast.Years("from", self.year(start), self.year(end) if end is not None else None, _span(a))

    def a_years_until(self, a):
        return ast.Years("until", None, self.year(a.children[0]), _span(a))

    # ---- dates (policydsl/core/dates.py) ------------------------------------------

    def date(self, tok: lark.Token) -> ast.DateLit:
        from ..core.dates import parse_literal

        text = str(tok)
        day = parse_literal(text)
        if day is None:
            self.error(_span(tok), f"`{text}` is not a day of the calendar", code="E0008",
                       help="write a date that exists, as `2024-07-01` or `2024年7月1日`")
            return ast.DateLit("0001-01-01", _span(tok), text)
        return ast.DateLit(day.isoformat(), _span(tok), text)

    def date_range(self, t) -> tuple[ast.DateLit | None, ast.DateLit | None]:
        days = [self.date(c) for c in t.children if isinstance(c, lark.Token)]
        if t.data == "in_force_until":
            return None, days[0]
        return days[0], (days[1] if len(days) > 1 else None)

    def validity(self, v: ast.Validity | None, key: str, a) -> ast.Validity:
        v = v or ast.Validity(span=_span(a))
        span = _span(a)
        twice = {"in_force": v.start is not None or v.end is not None, "repealed": v.repealed is not None,
                 "superseded": v.superseded_by is not None}.get(key, False)
        if twice:
            word = keywords.spelling({"in_force": "in_force", "repealed": "repealed_on",
                                      "superseded": "superseded_by"}[key], self.lang_at(span))
            self.error(span, f"`{word}` is given twice in the policy header")
            return v
        if key == "in_force":
            start, end = self.date_range(a.children[0])
            return attrs.evolve(v, start=start, end=end)
        if key == "amended":
            return attrs.evolve(v, amended=(*v.amended, self.date(a.children[0])))
        if key == "repealed":
            return attrs.evolve(v, repealed=self.date(a.children[0]))
        tok = a.children[0]
        return attrs.evolve(v, superseded_by=self.string(tok) if tok.type == "STRING" else str(tok))

    def a_in_force_attr(self, a):
        start, end = self.date_range(a.children[0])
        keyword = self.source.text[_span(a).start:_span(a.children[0]).start].strip() != ""
        return ast.InForce(start, end, _span(a), keyword)

    def a_due_attr(self, a):
        return self.expr(a.children[0])

    def e_date(self, t):
        return self.date(t.children[0])

    def set_ref(self, t):
        if t.data == "set_name":
            return ast.Name(str(t.children[0]), _span(t))
        return self.set_literal(t)

    # ---- expressions ---------------------------------------------------------

    def expr(self, t) -> ast.Expr:
        # Iterative over left-leaning binary chains so long `a + b + c ...` never hits recursion limits.
        if isinstance(t, lark.Token):
            return ast.Name(str(t), _span(t))
        method = getattr(self, "e_" + t.data)
        return method(t)

    def e_number(self, t):
        tok = t.children[0]
        return ast.Number(self.number_text(tok), None, _span(t))

    def e_quantity(self, t):
        tok, unit = t.children
        return ast.Number(self.number_text(tok), str(unit), _span(t))

    def e_percent(self, t):
        text = str(t.children[0]).rstrip("%").strip()
        return ast.Percent(self.number_text(t.children[0], text), _span(t))

    def e_string(self, t):
        return ast.String(self.string(t.children[0]), _span(t))

    def e_true(self, t):
        return ast.Bool(True, _span(t))

    def e_false(self, t):
        return ast.Bool(False, _span(t))

    def e_ref(self, t):
        tok = t.children[0]
        name = str(tok)
        if name not in self.declared_names and (m := _NUMERAL_PREFIX.match(name)) is not None:
            # `一百户`, `两千`: a Chinese numeral, with the unit written right after it.
            numeral, unit = m.group(0), name[m.end():]
            if not unit[:1].isdigit():
                return self.numeral_number(numeral, unit or None, _span(t))
        return ast.Name(name, _span(t))

    def e_spaced_quantity(self, t):
        # `三万 户`: a numeral, then the unit after a space (so `万` is not read as a unit prefix).
        tok, unit = t.children
        return self.numeral_number(str(tok), str(unit), _span(t))

    def numeral_number(self, numeral: str, unit: str | None, span: Span) -> ast.Number:
        try:
            value = keywords.parse_cn_numeral(numeral)
        except keywords.NumeralError as e:
            self.error(Span(span.start, span.start + len(numeral)),
                       f"`{numeral}` is not a Chinese numeral: {e}", help=_NUMERAL_HELP, code="E0007")
            value = 0
        return ast.Number(str(value), unit, span, numeral=numeral)

    def e_call(self, t):
        func, *args = t.children
        return ast.Call(str(func), tuple(self.expr(a) for a in args if a is not None), _span(t))

    def e_neg(self, t):
        return ast.Neg(self.expr(t.children[0]), _span(t))

    def _binary(self, t, op):
        left, right = t.children[0], t.children[-1]
        return ast.Binary(op, self.expr(left), self.expr(right), _span(t))

    def e_add(self, t):
        return self._binary(t, "+")

    def e_sub(self, t):
        return self._binary(t, "-")

    def e_mul(self, t):
        return self._binary(t, "*")

    def e_div(self, t):
        return self._binary(t, "/")

    def e_of_op(self, t):
        return self._binary(t, "of")

    def e_per_op(self, t):
        left, count, unit = t.children
        return ast.Per(self.expr(left), self.number_text(count) if count is not None else None,
                       str(unit), _span(t))

    def e_per_prefix(self, t):
        count, unit, right = t.children
        return ast.Per(self.expr(right), self.number_text(count) if count is not None else None,
                       str(unit), _span(t))

    def e_per_compact(self, t):
        # `每百户 20平方米`: the count may be written in Chinese numerals.
        tok, right = t.children
        m = _RATE.fullmatch(str(tok))
        assert m is not None  # the lexer admitted it with the same pattern
        count, unit = m.group(1), m.group(2).strip()
        numeral = None
        if count is not None and not count[0].isdigit():
            numeral = count
            try:
                value = keywords.parse_cn_numeral(count)
            except keywords.NumeralError as e:
                self.error(_span(tok), f"`{count}` is not a Chinese numeral: {e}",
                           help=_NUMERAL_HELP + ", e.g. `每 400 户`", code="E0007")
                value = 1
            count = str(value)
        return ast.Per(self.expr(right), self.number_text(tok, count) if count is not None else None,
                       unit, _span(t), count_numeral=numeral)

    def e_compare(self, t):
        about, tolerance, rest = _approx(t.children)
        left, op, right = rest
        return ast.Compare(cmp_of(str(op)), self.expr(left), self.expr(right), _span(t), about,
                           self.expr(tolerance) if tolerance is not None else None)

    def e_between(self, t):
        about, tolerance, rest = _approx(t.children)
        s, lo, hi = rest
        return ast.Between(self.expr(s), self.expr(lo), self.expr(hi), _span(t), about,
                           self.expr(tolerance) if tolerance is not None else None)

    def e_periodic(self, t):
        subject, period = t.children
        every = self.source.text[_span(subject).end:_span(period).start]
        return ast.Periodic(self.expr(subject), self.expr(period), _span(t), chinese="每" in every)

    def e_in_set(self, t, negated=False):
        s, ref = t.children
        return ast.InSet(self.expr(s), self.set_ref(ref), negated, _span(t))

    def e_not_in_set(self, t):
        return self.e_in_set(t, negated=True)

    def e_and_op(self, t):
        return ast.BoolOp("and", self.expr(t.children[0]), self.expr(t.children[1]), _span(t))

    def e_or_op(self, t):
        return ast.BoolOp("or", self.expr(t.children[0]), self.expr(t.children[1]), _span(t))

    def e_not_op(self, t):
        return ast.Not(self.expr(t.children[0]), _span(t))

    def e_if_expr(self, t):
        c, a, b = t.children
        return ast.If(self.expr(c), self.expr(a), self.expr(b), _span(t))

    def e_schedule(self, t):
        entries = []
        for e in t.children:
            year, value = e.children
            entries.append(ast.ScheduleEntry(self.year(year), self.expr(value), _span(e)))
        return ast.Schedule(tuple(entries), _span(t))

    def e_lookup(self, t):
        key, *brackets = t.children
        out = []
        for b in brackets:
            kind = b.data.removeprefix("bracket_")
            if kind == "in":
                ref, value = b.children
                out.append(ast.Bracket("in", None, None, self.expr(value), _span(b), self.set_ref(ref)))
                continue
            parts = [self.expr(c) for c in b.children]
            if kind == "range":
                low, high, value = parts
            elif kind == "below":
                low, high, value = None, parts[0], parts[1]
            elif kind in ("above", "from", "is"):
                low, high, value = parts[0], None, parts[1]
            else:
                low, high, value = None, None, parts[0]
            out.append(ast.Bracket(kind, low, high, value, _span(b)))
        return ast.Lookup(self.expr(key), tuple(out), _span(t))

    # ---- tokens --------------------------------------------------------------

    def number_text(self, tok: lark.Token, text: str | None = None) -> str:
        text = text if text is not None else str(tok)
        if len(text.replace(".", "")) > (max_digits := self.max_digits):
            self.error(_span(tok), f"number has more than {max_digits} digits", code="E0003")
            return "0"
        try:
            Decimal(text)
        except InvalidOperation:  # pragma: no cover - the lexer only admits decimals
            self.error(_span(tok), f"`{text}` is not a number")
            return "0"
        return text

    def year(self, tok: lark.Token) -> int:
        text = str(tok)
        if not text.isdigit() or len(text) > 4:
            self.error(_span(tok), f"`{text}` is not a year", help="write a year like `2024`",
                       code="E0004")
            return 0
        return int(text)

    def string(self, tok: lark.Token) -> str:
        value, problem = decode_string(str(tok)[1:-1])
        if problem is not None:
            self.error(_span(tok), problem, code="E0005",
                       help="escapes: `\\\\`, `\\\"`, `\\n`, `\\t`, `\\uXXXX`")
        for m in _BIDI_ESCAPE.finditer(str(tok)):
            # The same warning as for a literal control (loader): rendered, it acts as one.
            start = (tok.start_pos or 0) + m.start(1)
            self.diagnostics.append(Diagnostic(
                "W0003", WARNING, f"bidirectional control U+{m.group(1)[2:].upper()} written as "
                f"`{m.group(1)}`: this text may display differently from how it is checked",
                Span(start, start + 6), self.source, help="remove it unless the text needs it"))
        return value


# `\u202e` and the other bidi controls as escapes, not preceded by an escaped backslash.
_BIDI_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*(\\u(?:202[a-eA-E]|206[6-9]))")

# JSON's escapes: the formatter writes strings with json.dumps, so the two agree exactly.
_ESCAPES = {"\\": "\\", '"': '"', "/": "/", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


def decode_string(body: str) -> tuple[str, str | None]:
    """The text of a string literal's body, and a problem if an escape is malformed.
    Our own small decoder: only the escapes the language documents, nothing else."""
    out, i, problem = [], 0, None
    while i < len(body):
        ch = body[i]
        if ch != "\\" or i + 1 >= len(body):
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "u" and len(body) >= i + 6 and all(c in "0123456789abcdefABCDEF" for c in body[i + 2:i + 6]):
            code = int(body[i + 2:i + 6], 16)
            i += 6
            low = body[i + 2:i + 6] if body[i:i + 2] == "\\u" else ""
            if 0xD800 <= code < 0xDC00 and len(low) == 4 and all(c in "0123456789abcdefABCDEF" for c in low) \
                    and 0xDC00 <= int(low, 16) < 0xE000:
                # A surrogate pair, as JSON writes a character beyond the BMP.
                code = 0x10000 + ((code - 0xD800) << 10) + (int(low, 16) - 0xDC00)
                i += 6
            out.append(chr(code))
        else:
            problem = problem or f"unknown escape `\\{nxt}` in a string"
            out.append(nxt)
            i += 2
    return "".join(out), problem


def _approx(children) -> tuple[bool, object, list]:
    """The tolerance word and `within` part of a comparison, and its other children."""
    flat = []
    for c in children:
        if isinstance(c, lark.Tree) and c.data == "approx":
            flat.extend(c.children)
        elif not (isinstance(c, lark.Tree) and c.data == "range_to"):
            flat.append(c)
    about = any(isinstance(c, lark.Token) and c.type == "ABOUT" for c in flat)
    tolerance = next((c.children[0] for c in flat if isinstance(c, lark.Tree) and c.data == "tolerance"), None)
    rest = [c for c in flat if not (isinstance(c, lark.Token) and c.type == "ABOUT")
            and not (isinstance(c, lark.Tree) and c.data == "tolerance")]
    return about, tolerance, rest


def _declared_names(tree: lark.Tree) -> frozenset[str]:
    """Names a policy declares (facts, levels, lets, sets, units): never read as numerals."""
    out: set[str] = set()
    for d in tree.children:
        if not isinstance(d, lark.Tree):
            continue
        if d.data in ("fact_decl", "let_decl", "set_decl"):
            out.add(str(d.children[0]))
            if d.data == "fact_decl" and isinstance(d.children[1], lark.Tree) \
                    and d.children[1].data == "type_enum":
                out.update(str(c) for c in d.children[1].children if c.type == "NAME")
        elif d.data == "unit_decl":
            out.update(str(c) for c in d.children if isinstance(c, lark.Token))
    return frozenset(out)


def _expression_names(module: ast.Module):
    """Every `Name` read as a value in the module's expressions (not set names, not units)."""
    stack: list[object] = list(module.decls)
    while stack:
        x = stack.pop()
        if isinstance(x, ast.Name):
            yield x
        elif isinstance(x, ast.InSet):
            stack.append(x.subject)
            if isinstance(x.set, ast.SetLiteral):
                stack.append(x.set)
        elif isinstance(x, ast.GroupBy | ast.UnitExpr | ast.FactType):
            continue
        elif isinstance(x, tuple):
            stack.extend(x)
        else:
            stack.extend(getattr(x, name) for name in _node_fields(type(x)))


_NODE_FIELDS: dict[type, tuple[str, ...]] = {}


def _node_fields(cls: type) -> tuple[str, ...]:
    """The fields of an AST node class but its span (none for a string or a number);
    looked up once per class, as the walk visits every node of a big policy."""
    if cls not in _NODE_FIELDS:
        _NODE_FIELDS[cls] = tuple(f.name for f in attrs.fields(cls) if f.name != "span") if attrs.has(cls) else ()
    return _NODE_FIELDS[cls]
