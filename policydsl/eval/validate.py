"""Raw records to typed records, checked against a policy's fact declarations.

A bad field becomes an error naming the record and the field, and the field is
left out of the record, so rules that need it are `unknown`; nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fractions import Fraction

import attrs

from ..core import ir
from ..data.convert import MISSING, SLOW, FieldSpec, convert_field, converter, parse_exemptions
from ..data.read import FieldError, RawRecord
from .reference import evaluate
from .values import Unknown, show

EXEMPTIONS_FIELD = "exemptions"


@attrs.frozen
class Record:
    """A record ready to evaluate: `values` holds only the facts that are present and valid."""

    id: str
    index: int
    values: dict[str, object]
    exemptions: dict[str, str]
    errors: tuple[FieldError, ...]


def field_spec(fact: ir.FactDef) -> FieldSpec:
    scale = fact.type.scale if isinstance(fact.type, ir.Num) else Fraction(1)
    members = fact.type.members if isinstance(fact.type, ir.Enum) else ()
    return FieldSpec(fact.name, fact.kind, members, scale, fact.optional)


class Validator:
    """Prepared once per policy; `validate` is called per record."""

    def __init__(self, policy: ir.Policy):
        self.policy = policy
        self.specs = [(f, field_spec(f)) for f in policy.facts]
        exemptible: set[str] = set()
        cited: dict[str, set[str]] = {}
        for rule in policy.all_rules:
            for clause in rule.clauses:
                cited.setdefault(clause, set()).add(rule.modality)
                if rule.modality == "in_principle":
                    exemptible.add(clause)
        self.exemptible = exemptible
        self.cited = cited
        # A rule may be exempted by name: a clause encoded by two rules can have one exempted.
        self.rule_modality = {rule.name: rule.modality for rule in policy.rules}
        self.year = policy.meta.period[0]
        # Chosen once: one converter per fact, and every constraint compiled together.
        self._fields = [(f.name, converter(spec), spec) for f, spec in self.specs]
        self._checks = [(f, c) for f, _ in self.specs for c in f.constraints]
        self._failing = _compile_constraints(policy.facts, self._checks, self.year)

    def validate(self, raw: RawRecord) -> Record:
        errors = list(raw.errors)
        values: dict[str, object] = {}
        get = raw.fields.get
        for name, conv, spec in self._fields:
            field = get(name)
            value = conv(field)
            if value is SLOW:
                value, problem = convert_field(spec, field)
                if problem is not None:
                    errors.append(FieldError(name, problem))
                if value is MISSING:
                    continue
            values[name] = value
        if self._failing is None:
            self._constraints(values, errors)
        else:
            failing = self._failing(values)
            if failing:
                self._report(values, errors, [self._checks[i] for i in failing])
        exemptions = self.exemptions(get(EXEMPTIONS_FIELD), errors)
        return Record(raw.id, raw.index, values, exemptions, tuple(errors))

    def exemptions(self, field: object, errors: list[FieldError]) -> dict[str, str]:
        """The exemptions a record's `exemptions` field grants (none when it is empty);
        each one it may not grant is appended to `errors`."""
        if field is None or field == "":
            return {}
        return self._exemptions(field, errors)

    def _report(self, values: dict[str, object], errors: list[FieldError],
                failing: list[tuple[ir.FactDef, ir.Expr]]) -> None:
        for fact, check in failing:
            errors.append(FieldError(fact.name, _constraint_message(fact, check, values, self.year)))
        for fact, _ in failing:
            values.pop(fact.name, None)

    def _constraints(self, values: dict[str, object], errors: list[FieldError]) -> None:
        # Checked against the values as read, then bad fields are removed together, so one
        # bad field cannot hide or cause a complaint about another.
        bad: list[str] = []
        for fact, _ in self.specs:
            if fact.name not in values:
                continue
            for check in fact.constraints:
                ok = evaluate(check, values, self.year)
                if ok is False:
                    errors.append(FieldError(fact.name, _constraint_message(fact, check, values, self.year)))
                    bad.append(fact.name)
                    break
        for name in bad:
            values.pop(name, None)

    def _exemptions(self, raw: object, errors: list[FieldError]) -> dict[str, str]:
        parsed, problem = parse_exemptions(raw)
        if problem is not None:
            errors.append(FieldError(EXEMPTIONS_FIELD, problem))
            return {}
        kept = {}
        for clause, reason in parsed.items():
            if clause in self.exemptible or self.rule_modality.get(clause) == "in_principle":
                kept[clause] = reason
            elif clause in self.rule_modality and clause not in self.cited:
                errors.append(FieldError(
                    EXEMPTIONS_FIELD,
                    f"exemption from rule `{clause}` is not allowed: it is a "
                    f"{self.rule_modality[clause].replace('_', ' ')} rule, and only in-principle "
                    "rules can be exempted"))
            elif clause not in self.cited:
                errors.append(FieldError(EXEMPTIONS_FIELD, f"exemption names `{clause}`, which no rule cites"))
            else:
                kinds = " and ".join(sorted(m.replace("_", " ") for m in self.cited[clause]))
                errors.append(FieldError(
                    EXEMPTIONS_FIELD,
                    f"exemption from `{clause}` is not allowed: it is a {kinds} clause, and only "
                    "in-principle clauses can be exempted"))
        return kept

    def validate_all(self, raws: Iterable[RawRecord]) -> Iterator[Record]:
        for raw in raws:
            yield self.validate(raw)


def _constraint_message(fact: ir.FactDef, check: ir.Expr, values, year) -> str:
    got = show(values[fact.name], fact.type)
    if isinstance(check, ir.Member):
        where = f"`{check.set_name}`" if check.set_name else "the declared values"
        return f"`{fact.name}` is `{got}`, not one of {where}"
    if isinstance(check, ir.Cmp):
        bound = evaluate(check.right, values, year)
        shown = show(bound, fact.type) if not isinstance(bound, Unknown) else "unknown"
        rhs = check.right.text
        detail = f" ({rhs} is {shown})" if not isinstance(check.right, ir.Const) else ""
        word = {">=": "less than", ">": "not more than", "<=": "more than", "<": "not less than",
                "=": "different from", "!=": "equal to"}[check.op]
        return f"`{fact.name}` is {got}, {word} {shown if not detail else '`' + rhs + '`'}{detail}"
    return f"`{fact.name}` is {got}, which breaks its declaration"


def _compile_constraints(facts, checks, year):
    """One generated function giving the indexes (into `checks`) of the failing checks.

    As `Validator._constraints`: a fact's checks run only when the fact is present, in
    order, up to its first failure. The expressions go through the code generator
    (`eval.codegen`), which gives the reference's values; None (use the interpreter)
    if a constraint cannot be compiled.
    """
    if not checks:
        return lambda values: ()
    from .codegen import ExprGen, Source, build

    try:
        src = Source()
        gen = ExprGen(src, year)
        src.begin(fast=False)
        start = 0
        for fact in facts:
            count = len(fact.constraints)
            if not count:
                continue
            src.emit(f"if {src.const(fact.name)} in env:")
            depth = src.depth = src.depth + 1
            for i in range(start, start + count):
                t = gen(checks[i][1])
                src.emit(f"if {t} is False: bad.append({i})")
                src.emit("else:")
                src.depth += 1
            src.emit("pass")
            src.depth = depth - 1
            start += count
        fetch = [f"    {local} = env.get({src.const(name)}, U)" for name, local in src.facts.items()]
        lines = ["def failing(env):", "    bad = []", *fetch, *src.lines, "    return bad"]
        failing, _source = build(src, lines, "failing", "<policydsl fact constraints>")
        return failing
    except Exception:  # noqa: BLE001 - any construct the generator lacks: interpret instead
        return None
