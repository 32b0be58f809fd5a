"""What the language server knows about one open `.pol` text, without the protocol.

Everything here works on character offsets into the text; `positions.py` turns
them into the protocol's line and UTF-16 column. The fast stages (syntax, names,
types and units, limits) run on every change; the consistency analysis does not
run here (see `worker.py`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from fractions import Fraction

import attrs

from ..core import ast, ir
from ..core.diagnostics import ERROR, Diagnostic
from ..core.keywords import COMPARISONS, EN, KEYWORDS, ZH, is_cjk
from ..core.source import Source, Span

FACT, LET, SET, UNIT, RULE, TARGET, ENTITY = "fact", "let", "set", "unit", "rule", "target", "entity"
RENAMABLE = frozenset({FACT, LET, SET, RULE, TARGET})
_VALUE_KINDS = (FACT, LET, SET)

_WORD = re.compile(r"[^\W\d]\w*")
_DIGITS = re.compile(r"\d+")
_RATE_PREFIX = re.compile(r"^每[零一二两三四五六七八九十百千万亿]*")
_MASK = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#[^\n]*')
_PLAIN_NAME = re.compile(r"[^\W\d]\w*")
_FACT_TYPE_POSITION = re.compile(r"^\s*(?:fact|事实)\s+[^\W\d]\w*\s*:\s*[^\W\d]*$")
_KIND_ORDER = {FACT: 0, LET: 1, SET: 2, "member": 3, "level": 3, UNIT: 4, "keyword": 5}
_AFTER_NUMBER = re.compile(r"\d[ \t]*[^\W\d]*$")


@attrs.frozen
class Symbol:
    name: str
    kind: str
    span: Span  # where its name is written in its declaration
    decl: object  # the AST declaration


@attrs.frozen
class Occurrence:
    span: Span
    symbol: Symbol


@attrs.frozen
class Hint:
    offset: int
    label: str


class Document:
    """One version of a text, parsed and checked; symbols and occurrences indexed."""

    def __init__(self, name: str, text: str):
        from ..loader import run

        self.source = Source(name, text)
        self.text = text
        forms: dict[str, object] = {}
        try:
            # The stages of `loader.check_source`, keeping the AST that hover and rename need.
            checked, diagnostics = run(self.source, "parse", "typecheck", forms=forms)
        except Exception as e:  # a bug must not take the editor's server down: say so on line 1
            checked, forms = None, {}
            diagnostics = [Diagnostic("E9000", ERROR, f"internal error in policydsl: {type(e).__name__}: {e}",
                                      Span(0, 0), self.source, help="this is a bug in policydsl; please report it")]
        self.module: ast.Module | None = forms.get("lower")  # type: ignore[assignment]
        self.checked: ir.Policy | None = checked  # type: ignore[assignment]
        self._resolved = forms.get("resolve")  # the declarations a literal is read against
        self.diagnostics: list[Diagnostic] = list(diagnostics)

    @functools.cached_property
    def _checker(self):
        """A type checker over the resolved declarations, for reading a literal as the
        checker does (a quantity's hover); built on the first such hover, not on every change."""
        if self._resolved is None:
            return None
        from ..checker.typecheck import TypeChecker

        return TypeChecker(self._resolved)

    # ---- the index (built on first use: diagnostics do not wait for it) -----------

    @functools.cached_property
    def symbols(self) -> dict[tuple[str, str], Symbol]:
        """(namespace, name) -> symbol; namespaces: `value` (facts, definitions, sets), `unit`, `rule`."""
        self._index()
        return self._symbols

    @functools.cached_property
    def occurrences(self) -> list[Occurrence]:
        self._index()
        return self._occurrences

    def _index(self) -> None:
        if hasattr(self, "_symbols"):
            return
        self._symbols: dict[tuple[str, str], Symbol] = {}
        self._occurrences: list[Occurrence] = []
        if self.module is not None:
            self._build_index(self.module)

    def _build_index(self, module: ast.Module) -> None:
        masked = _MASK.sub(lambda m: " " * len(m.group()), self.text)
        declared_at: dict[int, Symbol] = {}
        for d in module.decls:
            for sym in self._declared(d, masked):
                namespace = UNIT if sym.kind == UNIT else ("rule" if sym.kind in (RULE, TARGET) else "value")
                self._symbols.setdefault((namespace, sym.name), sym)
                declared_at[sym.span.start] = sym
        value_names = {n.span.start for n in _names(module)}
        for start, word in _words(masked):
            span = Span(start, start + len(word))
            sym = declared_at.get(start)
            if sym is None and start in value_names:
                sym = self._symbols.get(("value", word))
            if sym is None:
                sym = self._symbols.get((UNIT, word)) or self._symbols.get(("value", word))
            if sym is not None and sym.name == word:
                self._occurrences.append(Occurrence(span, sym))

    def _declared(self, d: ast.Decl, masked: str) -> Iterator[Symbol]:
        kinds = {ast.FactDecl: FACT, ast.LetDecl: LET, ast.SetDecl: SET, ast.EntityDecl: ENTITY}
        if isinstance(d, ast.UnitDecl):
            at = d.span.start
            for name in d.names:
                span = _find_word(masked, name, at, d.span.end)
                if span is not None:
                    at = span.end
                    yield Symbol(name, UNIT, span, d)
            return
        if isinstance(d, ast.RuleDecl):
            kind = TARGET if d.is_target else RULE
        elif type(d) in kinds:
            kind = kinds[type(d)]
        else:
            return
        span = _find_word(masked, d.name, d.span.start, d.span.end)
        if span is not None:
            yield Symbol(d.name, kind, span, d)
        if isinstance(d, ast.EntityDecl) and d.plural and d.plural != d.name and span is not None:
            plural = _find_word(masked, d.plural, span.end, d.span.end)  # `count(groups)` names it
            if plural is not None:
                yield Symbol(d.plural, kind, plural, d)

    def occurrence_at(self, offset: int) -> Occurrence | None:
        for occ in self.occurrences:
            if occ.span.start <= offset <= occ.span.end:
                return occ
        return None

    def references(self, symbol: Symbol) -> list[Span]:
        return [o.span for o in self.occurrences if o.symbol == symbol]

    @property
    def language(self) -> str:
        from ..documents.fmt import detect_language

        return detect_language(self.module, self.text) if self.module is not None else EN

    # ---- rename ------------------------------------------------------------

    def rename(self, offset: int, new_name: str) -> list[tuple[Span, str]] | str:
        """The edits that rename the symbol at `offset`, or why it cannot be renamed."""
        occ = self.occurrence_at(offset)
        if occ is None or occ.symbol.kind not in RENAMABLE:
            return "only a fact, definition, set, rule or target can be renamed"
        if not _PLAIN_NAME.fullmatch(new_name) or any(new_name in k.spellings for k in KEYWORDS.values()):
            return f"`{new_name}` is not a name (a letter first, then letters, digits or `_`; not a keyword)"
        namespace = "rule" if occ.symbol.kind in (RULE, TARGET) else "value"
        if (namespace, new_name) in self.symbols and new_name != occ.symbol.name:
            return f"`{new_name}` is already declared"
        return [(span, new_name) for span in self.references(occ.symbol)]

    # ---- hover -------------------------------------------------------------

    def hover(self, offset: int) -> tuple[Span, str] | None:
        """Markdown about what is at `offset`: a symbol, a quantity or a schedule."""
        occ = self.occurrence_at(offset)
        if occ is not None:
            text = self._symbol_hover(occ.symbol)
            if text:
                return occ.span, text
        for node in self._nodes_at(offset):
            if isinstance(node, ast.Number | ast.Per | ast.Percent):
                text = self._quantity_hover(node)
                if text:
                    return node.span, text
            if isinstance(node, ast.Schedule):
                rows = self.schedule_years(node)
                if rows:
                    table = "\n".join(f"| {y} | {_md(v)} |" for y, v in rows)
                    return node.span, "**schedule**: the value in force each year\n\n| year | value |\n|---|---|\n" + table
        return None

    def _symbol_hover(self, sym: Symbol) -> str | None:
        c = self.checked
        if sym.kind == FACT:
            d = sym.decl
            out = [f"**fact** `{sym.name}`" + (f" — {_md(d.label)}" if d.label else "")]
            fact = _find(c.facts if c else (), sym.name)
            if fact is not None:
                from ..checker.expressions import type_name

                out.append(f"type: {fact.kind}, {_md(type_name(fact.type))}")
                if fact.optional:
                    out.append("optional: may be missing from a record")
                if isinstance(fact.type, ir.Enum):
                    out.append("levels: " + " < ".join(f"`{m}`" for m in fact.type.members))
            elif d.type.span != Span(0, 0):  # the policy has errors: the type as declared
                out.append(f"type: {_code(self._slice(d.type.span))}")
            cons = [self._slice(k.span) for k in d.constraints if k.kind != "optional"]
            if cons:
                out.append("constraints: " + ", ".join(_code(x) for x in cons))
            return "\n\n".join(out)
        if sym.kind in (RULE, TARGET):
            rule = _find(c.all_rules if c else (), sym.name)
            d = sym.decl
            out = [f"**{sym.kind}** `{sym.name}`" + (f" — {_md(d.label)}" if d.label else "")]
            if rule is not None:
                out.append("clauses: " + (", ".join(rule.clauses) or "none"))
                out.append("modality: " + rule.modality.replace("_", " "))
                first, last = rule.years
                out.append(f"in force: {first}" + (f"–{last}" if last != first else ""))
                if rule.entity:
                    out.append(f"judges: each {rule.entity}")
                if rule.section:
                    out.append(f"section: {_md(rule.section)}")
                if rule.quote:
                    out.append(f"> {_md(rule.quote)}")
            return "\n\n".join(out)
        if sym.kind == LET:
            return f"**definition** `{sym.name}` = {_code(self._slice(sym.decl.value.span))}"
        if sym.kind == SET:
            return f"**set** `{sym.name}` = {_code(self._slice(sym.decl.values.span))}"
        if sym.kind == UNIT:
            d = sym.decl
            what = f"= {d.factor + ' ' if d.factor else ''}{self._slice(d.base.span)}" if d.base else "a counting unit"
            return f"**unit** {', '.join(f'`{n}`' for n in d.names)}: {_md(what)}"
        if sym.kind == ENTITY:
            d = sym.decl
            out = [f"**entity** `{d.name}`" + (f" — {_md(d.label)}" if d.label else "")]
            if d.parent is not None and d.key is not None:
                out.append(f"part of `{d.parent.name}`: each record's `{d.key.name}` holds its "
                           f"{d.parent.name}'s id")
            return "\n\n".join(out)
        return None

    def _quantity_hover(self, node: ast.Number | ast.Per | ast.Percent) -> str | None:
        if self._checker is None:
            return None
        from ..checker.expressions import Ctx
        from ..core.units import describe_dim
        from ..eval.values import exact_text

        errors = len(self._checker.diagnostics)
        try:
            const = self._checker.expr(node, Ctx())  # the checker's own reading of the literal
        finally:
            del self._checker.diagnostics[errors:]
        if not isinstance(const, ir.Const) or not isinstance(const.type, ir.Num):
            return None
        base = describe_dim(const.type.dim) if const.type.dim else ""
        value = exact_text(Fraction(const.value))
        return f"**quantity** {_code(self._slice(node.span))} = {value} {base}".rstrip() + " (in base units)"

    # ---- schedules ---------------------------------------------------------

    def schedules(self) -> list[ast.Schedule]:
        return [n for n in _walk(self.module) if isinstance(n, ast.Schedule)] if self.module else []

    def schedule_years(self, node: ast.Schedule) -> list[tuple[int, str]]:
        """(year, the value as written) for each year of the policy period from the first entry."""
        if not node.entries:
            return []
        period = self.checked.meta.period if self.checked is not None else None
        first = node.entries[0].year
        last = max(period[1] if period else first, node.entries[-1].year)
        out = []
        for year in range(max(first, period[0]) if period else first, last + 1):
            chosen = ir.in_force(((e.year, e) for e in node.entries), year)
            if chosen is not None:
                out.append((year, self._slice(chosen.value.span)))
        return out

    def inlay_hints(self) -> list[Hint]:
        """After each schedule, the value it takes each year (the years it does not name included)."""
        hints = []
        for node in self.schedules():
            rows = self.schedule_years(node)
            if rows:
                hints.append(Hint(node.span.end, " " + " · ".join(f"{y}: {v}" for y, v in rows)))
        return hints

    # ---- completion ----------------------------------------------------------

    def completions(self, offset: int, parsed: Document | None = None) -> list[tuple[str, str, str]]:
        """`completions` at `offset` of this text, with the names of this version, or of
        `parsed` (the last version that parsed) when this one does not parse."""
        return completions(self.text, offset, self if self.module is not None or parsed is None else parsed)

    def _all_completions(self) -> list[tuple[str, str, str]]:
        out: list[tuple[str, str, str]] = []
        c = self.checked
        for (namespace, name), sym in self.symbols.items():
            if namespace == "value":
                detail = sym.kind
                fact = _find(c.facts if c else (), name) if sym.kind == FACT else None
                if fact is not None:
                    from ..checker.expressions import type_name

                    detail = f"fact: {type_name(fact.type)}"
                out.append((name, sym.kind, detail))
        for d in self.module.decls if self.module else ():
            if isinstance(d, ast.SetDecl):
                for v in d.values.values:
                    if isinstance(v, ast.String):
                        out.append((_quote(v.value), "member", f"member of `{d.name}`"))
            if isinstance(d, ast.FactDecl) and d.type.kind == "enum":
                out.extend((m, "level", f"level of `{d.name}`") for m in d.type.members)
        from ..core.units import UnitRegistry

        units = {n for n in UnitRegistry().names()}
        units |= {name for (ns, name) in self.symbols if ns == UNIT}
        out.extend((u, UNIT, "unit") for u in sorted(units))
        lang = self.language
        words = {k.spelling(lang) for k in KEYWORDS.values()} | {k.spelling(lang) for k in COMPARISONS.values()}
        if lang == ZH:
            words |= {w for k in (*KEYWORDS.values(), *COMPARISONS.values()) for w in k.zh_alternatives}
        out.extend((w, "keyword", "keyword") for w in sorted(words) if w and (lang == ZH or not is_cjk(w[0])))
        seen, unique = set(), []
        for item in out:
            if item[0] not in seen:
                seen.add(item[0])
                unique.append(item)
        return sorted(unique, key=lambda item: _KIND_ORDER.get(item[1], 9))

    # ---- helpers -------------------------------------------------------------

    def _slice(self, span: Span) -> str:
        return " ".join(self.text[span.start:span.end].split())

    def _nodes_at(self, offset: int) -> list[object]:
        """AST nodes whose span holds `offset`, innermost first."""
        if self.module is None:
            return []
        found = [n for n in _walk(self.module)
                 if hasattr(n, "span") and n.span.start <= offset <= n.span.end and n.span != Span(0, 0)]
        return sorted(found, key=lambda n: n.span.end - n.span.start)

    def rules(self) -> list[Symbol]:
        return [s for (ns, _), s in self.symbols.items() if ns == "rule"]


def completions(text: str, offset: int, known: Document) -> list[tuple[str, str, str]]:
    """(label, kind, detail) for what may be written at `offset` of `text`, the likeliest
    first: only the types after `fact NAME:`, units first after a number.

    The context is read from `text`, the names from `known`, a version already parsed:
    a text being typed often does not parse (`must area >= `), and parsing a big policy
    again for every completion request would make each keystroke wait for it."""
    if _inside_string_or_comment(text, offset):
        return []
    line = text[text.rfind("\n", 0, offset) + 1:offset]
    if _FACT_TYPE_POSITION.match(line):
        lang = ZH if line.lstrip().startswith("事实") else EN
        return [(KEYWORDS[k].spelling(lang), "keyword", "type") for k in ("integer", "decimal", "bool", "text", "enum")]
    everything = known._all_completions()
    if _AFTER_NUMBER.search(line):
        return [c for c in everything if c[1] == UNIT] + [c for c in everything if c[1] != UNIT]
    return everything


def _walk(root: object) -> Iterator[object]:
    stack = [root]
    while stack:
        x = stack.pop()
        if isinstance(x, tuple):
            stack.extend(x)
        else:
            children = _child_fields(type(x))
            if children is not None:
                yield x
                stack.extend(getattr(x, name) for name in children)


@functools.cache
def _child_fields(cls: type) -> tuple[str, ...] | None:
    """The fields of an AST node class that may hold nodes (None: not a node). Cached: a
    big policy has tens of thousands of nodes and a few dozen classes."""
    if not attrs.has(cls):
        return None
    return tuple(f.name for f in attrs.fields(cls) if f.name not in ("span", "comments"))


def _names(module: ast.Module) -> Iterator[ast.Name]:
    return (n for n in _walk(module) if isinstance(n, ast.Name))


def _words(masked: str) -> Iterator[tuple[int, str]]:
    """Every name-like word; a Chinese run holding digits (`每千人40学位`) is split at them,
    and a rate's `每` + numeral prefix is taken off so its unit is found."""
    for m in _WORD.finditer(masked):
        word, start = m.group(), m.start()
        if word.isascii() or not any(is_cjk(ch) for ch in word):
            yield start, word
            continue
        pos = 0
        for piece in _DIGITS.split(word):
            at = word.index(piece, pos) if piece else pos
            pos = at + len(piece)
            if not piece:
                continue
            yield start + at, piece
            prefix = _RATE_PREFIX.match(piece)
            if prefix and prefix.end() < len(piece):
                yield start + at + prefix.end(), piece[prefix.end():]


def _find_word(masked: str, word: str, start: int, end: int) -> Span | None:
    """The first `word` in `masked[start:end]` not inside a longer word. A plain search, not a
    regular expression per name: a policy declares thousands of names, more than `re` caches."""
    at = masked.find(word, start, end)
    while at >= 0:
        after = at + len(word)
        if not (at > 0 and _is_word_char(masked[at - 1])) and not (after < len(masked) and _is_word_char(masked[after])):
            return Span(at, after)
        at = masked.find(word, at + 1, end)
    return None


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _inside_string_or_comment(text: str, offset: int) -> bool:
    line_start = text.rfind("\n", 0, offset) + 1
    return any(m.start() < offset < m.end() or (m.start() < offset and not m.group().endswith('"'))
               for m in _MASK.finditer(text, line_start, offset))


def _find(items, name: str):
    return next((x for x in items if x.name == name), None)


def _quote(value: str) -> str:
    from ..documents.fmt import string

    return string(value)


def _md(text: str) -> str:
    """Plain text for Markdown: characters that would format or link are escaped, so no
    text from a policy can act in the editor's hover window."""
    return re.sub(r"([\\`*_{}\[\]()<>#+!|~>-])", r"\\\1", text)


def _code(text: str) -> str:
    """Text as a Markdown code span (inside which nothing formats)."""
    return "`` " + text.replace("`", "'") + " ``"
