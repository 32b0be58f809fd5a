"""Raw records to typed records, checked against a policy's fact declarations.

A bad field becomes an error naming the record and the field, and the field is
left out of the record, so rules that need it are `unknown`; nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fractions import Fraction

import attrs

from .. import ir
from ..eval.reference import evaluate
from ..eval.values import Unknown, show
from .convert import MISSING, FieldSpec, convert_field, parse_exemptions
from .read import FieldError, RawRecord

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
        self.year = policy.meta.period[0]

    def validate(self, raw: RawRecord) -> Record:
        errors = list(raw.errors)
        values: dict[str, object] = {}
        for fact, spec in self.specs:
            value, problem = convert_field(spec, raw.fields.get(fact.name))
            if problem is not None:
                errors.append(FieldError(fact.name, problem))
            if value is not MISSING:
                values[fact.name] = value
        self._constraints(values, errors)
        exemptions = self._exemptions(raw.fields.get(EXEMPTIONS_FIELD), errors)
        return Record(raw.id, raw.index, values, exemptions, tuple(errors))

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
            if clause in self.exemptible:
                kept[clause] = reason
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
