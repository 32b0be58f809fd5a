"""Hypothesis strategies for random ASTs, for the formatter's round-trip properties.

`modules()` builds any syntactically valid module (names need not resolve);
`typed_policies()` builds policies the checker accepts, so their fingerprints
can be compared.
"""

from __future__ import annotations

import attrs
from hypothesis import strategies as st

from policydsl import ast

# Names and units that are neither keywords nor contain one, in both scripts.
NAMES = ("a", "b", "area", "households", "x1", "has_office", "level_2", "面积", "户数", "区域", "工资水平")
UNITS = ("m2", "households", "yuan", "year", "km", "平方米", "户", "万元", "千米", "元", "年", "人")
FUNCS = ("min", "max", "count", "share", "sum", "floor")

names = st.sampled_from(NAMES)
units = st.sampled_from(UNITS)
number_texts = st.from_regex(r"[0-9]{1,5}(\.[0-9]{1,3})?", fullmatch=True)
years = st.integers(2000, 2099)
strings = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


def _leaves() -> st.SearchStrategy[ast.Expr]:
    return st.one_of(
        st.builds(ast.Number, number_texts, st.none() | units),
        st.builds(ast.Percent, number_texts),
        st.builds(ast.Bool, st.booleans()),
        st.builds(ast.String, strings),
        st.builds(ast.Name, names),
    )


set_values = st.one_of(st.builds(ast.String, strings), st.builds(ast.Number, number_texts),
                       st.builds(ast.Name, names))
set_literals = st.builds(ast.SetLiteral, st.lists(set_values, max_size=4).map(tuple))
set_refs = st.one_of(st.builds(ast.Name, names), set_literals)


def _extend(sub: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    def bracket(kind: str):
        low = sub if kind in ("above", "from", "range") else st.none()
        high = sub if kind in ("below", "range") else st.none()
        return st.builds(ast.Bracket, st.just(kind), low, high, sub)

    brackets = st.sampled_from(("below", "above", "from", "range", "else")).flatmap(bracket)
    return st.one_of(
        st.builds(ast.Neg, sub),
        st.builds(ast.Binary, st.sampled_from(("+", "-", "*", "/", "of")), sub, sub),
        st.builds(ast.Per, sub, st.none() | number_texts, units),
        st.builds(ast.Compare, st.sampled_from((">=", ">", "<=", "<", "=", "!=")), sub, sub),
        st.builds(ast.Between, sub, sub, sub),
        st.builds(ast.InSet, sub, set_refs, st.booleans()),
        st.builds(ast.BoolOp, st.sampled_from(("and", "or")), sub, sub),
        st.builds(ast.Not, sub),
        st.builds(ast.If, sub, sub, sub),
        st.builds(ast.Call, st.sampled_from(FUNCS), st.lists(sub, max_size=3).map(tuple)),
        st.builds(ast.Schedule, st.lists(st.builds(ast.ScheduleEntry, years, sub), min_size=1,
                                         max_size=3).map(tuple)),
        st.builds(ast.Lookup, sub, st.lists(brackets, min_size=1, max_size=3).map(tuple)),
    )


exprs = st.recursive(_leaves(), _extend, max_leaves=12)

unit_exprs = st.builds(ast.UnitExpr, st.tuples(units), st.lists(units, max_size=2).map(tuple))
fact_types = st.one_of(
    st.builds(ast.FactType, st.sampled_from(("bool", "text"))),
    st.builds(ast.FactType, st.sampled_from(("integer", "decimal")), st.none() | unit_exprs),
    st.builds(ast.FactType, st.just("enum"), st.none(), st.lists(names, min_size=2, max_size=4).map(tuple)),
)
constraints = st.one_of(
    st.builds(ast.FactConstraint, st.just("cmp"), st.sampled_from((">=", "<=", ">", "<", "=")), exprs),
    st.builds(ast.FactConstraint, st.just("in"), st.none(), set_refs),
    st.builds(ast.FactConstraint, st.just("optional")),
)
clause_refs = st.lists(st.builds(ast.ClauseRef, st.from_regex(r"C[0-9]{2}", fullmatch=True)),
                       max_size=2).map(tuple)
year_ranges = st.one_of(
    years.map(lambda y: ast.Years("in", y, y)),
    st.builds(ast.Years, st.just("from"), years, st.none() | years),
    st.builds(ast.Years, st.just("until"), st.none(), years),
)
modalities = st.sampled_from(("must", "in_principle", "strive"))

decls = st.one_of(
    st.builds(ast.UnitDecl, st.lists(names, min_size=1, max_size=3).map(tuple)),
    st.builds(ast.UnitDecl, st.lists(names, min_size=1, max_size=2).map(tuple),
              st.none() | number_texts, unit_exprs),
    st.builds(ast.SetDecl, names, set_literals),
    st.builds(ast.EntityDecl, names, st.none() | names, st.none() | strings,
              st.lists(names.map(ast.Name), max_size=2, unique=True).map(tuple)),
    st.builds(ast.FactDecl, names, fact_types, st.lists(constraints, max_size=2).map(tuple),
              st.none() | strings),
    st.builds(ast.LetDecl, names, exprs),
    st.builds(ast.RuleDecl, names, st.none() | strings, clause_refs, st.none() | strings,
              st.none() | strings, st.none() | year_ranges, st.none() | exprs,
              st.none() | st.builds(ast.GroupBy, names, st.none() | set_refs),
              st.none() | st.builds(ast.Requirement, modalities, exprs), st.booleans())
    .map(lambda r: r if r.is_target else attrs.evolve(r, group=None)),  # `for each` is for targets
    st.builds(ast.NoteDecl, strings, clause_refs, st.none() | strings),
)
policy_decls = st.builds(ast.PolicyDecl, names | strings, st.none() | strings, st.none() | strings,
                         st.none() | strings, st.none() | strings,
                         st.none() | st.tuples(years, years))


@st.composite
def modules(draw) -> ast.Module:
    """Any module the grammar can write (names need not be declared)."""
    head = draw(st.lists(policy_decls, max_size=1))
    return ast.Module(tuple(head + draw(st.lists(decls, min_size=1, max_size=4))))


# ---- well-typed policies -----------------------------------------------------------

TYPED_HEADER = """
policy p
  period 2023 to 2025
set regions = {"红山区", "松山区"}
fact region: text in regions
fact key: bool
fact ok: bool
fact area: decimal m2 >= 0
fact households: integer household >= 0
fact staff: integer person >= 0
fact income: decimal yuan per year
fact wage: decimal yuan per year
fact level: enum none < city < national
"""


def _area_quantity(draw) -> ast.Expr:
    n = draw(number_texts)
    return draw(st.sampled_from((ast.Number(n, "m2"), ast.Number(n, "平方米"),
                                 ast.Per(ast.Number(n, "平方米"), draw(st.sampled_from(("100", "400"))), "户"))))


@st.composite
def _conditions(draw, depth: int = 2) -> ast.Expr:
    kind = draw(st.sampled_from(("bool", "area", "staff", "income", "level", "region", "between"))
                if depth == 0 else
                st.sampled_from(("bool", "area", "income", "and", "or", "not", "if", "level")))
    op = draw(st.sampled_from((">=", ">", "<=", "<", "=", "!=")))
    if kind == "bool":
        return ast.Name(draw(st.sampled_from(("key", "ok"))))
    if kind == "area":
        return ast.Compare(op, ast.Name("area"), _area_quantity(draw))
    if kind == "staff":
        per = ast.Per(ast.Number("1", "person"), draw(st.sampled_from(("400", "1000"))), "households")
        return ast.Compare(op, ast.Name("staff"), per)
    if kind == "income":
        share = draw(st.one_of(st.builds(ast.Percent, number_texts),
                               st.builds(lambda a, b: ast.Schedule((ast.ScheduleEntry(2023, a),
                                                                    ast.ScheduleEntry(2025, b))),
                                         st.builds(ast.Percent, number_texts),
                                         st.builds(ast.Percent, number_texts))))
        return ast.Compare(op, ast.Name("income"), ast.Binary("of", share, ast.Name("wage")))
    if kind == "level":
        return ast.Compare(op, ast.Name("level"), ast.Name(draw(st.sampled_from(("none", "city", "national")))))
    if kind == "region":
        return ast.InSet(ast.Name("region"), ast.Name("regions"), draw(st.booleans()))
    if kind == "between":
        return ast.Between(ast.Name("households"), ast.Number("1000"), ast.Number("2000", "households"))
    sub = _conditions(depth - 1)
    if kind == "not":
        return ast.Not(draw(sub))
    if kind == "if":
        return ast.If(draw(sub), draw(sub), draw(sub))
    return ast.BoolOp(kind, draw(sub), draw(sub))


@st.composite
def typed_rules(draw) -> list[ast.RuleDecl]:
    """Rules over the facts of TYPED_HEADER that the checker accepts."""
    out = []
    for i in range(draw(st.integers(1, 3))):
        out.append(ast.RuleDecl(
            f"r{i}", draw(st.none() | strings), (ast.ClauseRef(f"C{i:02d}"),),
            years=draw(st.none() | st.sampled_from((ast.Years("in", 2024, 2024), ast.Years("from", 2024, None),
                                                    ast.Years("until", None, 2024)))),
            scope=draw(st.none() | _conditions(0)),
            requirement=ast.Requirement(draw(modalities), draw(_conditions())),
        ))
    return out
