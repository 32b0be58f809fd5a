"""Hypothesis strategies built from a policy, for testing systems that apply it.

The solver finds a record (or population) with the property asked for; hypothesis
varies it by drawing preferred values for some facts, which the solver keeps
whenever the property allows. Every example is a plain mapping of field to text,
ready for `Policy.evaluate_record` (records) or `Policy.evaluate` (populations).

    >>> from hypothesis import given
    >>> import policydsl, policydsl.testing as pt
    >>> policy = policydsl.load("policies/chifeng_2023.pol")        # doctest: +SKIP
    >>> @given(pt.violating_records(policy, 2024, "worker_income"))  # doctest: +SKIP
    ... def test_my_system_flags_low_income(record):
    ...     assert my_system.flags(record) == {"worker_income"}

Requires `hypothesis` (a test dependency) and the z3 solver (through `analysis/smt.py`).
A strategy whose property no record can have raises `Unsatisfiable` when it is drawn from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from hypothesis import strategies as st

from .core import ir
from .policy import Policy

__all__ = ["Unsatisfiable", "compliant_records", "violating_records", "boundary_records",
           "populations", "compliant_populations"]


PREFER_TIMEOUT_MS = 500
# The last, unconstrained question may take its time: a strategy that gives up fails the
# caller's test, and on a busy machine a population question can pass the 5 s of `check`.
TIMEOUT_MS = 30_000


class Unsatisfiable(Exception):
    """No record or population has the property (or the solver could not find one in time)."""


def _ir(policy: Policy | ir.Policy) -> ir.Policy:
    p = policy.ir if isinstance(policy, Policy) else policy
    if p.entities:  # the solver sees one record, or one population, of one kind
        raise ValueError(f"policy `{p.meta.name}` judges several kinds of record; these strategies "
                         "draw records of a policy with one")
    return p


def _rule(p: ir.Policy, name: str) -> ir.Rule:
    for r in p.all_rules:
        if r.name == name:
            return r
    raise KeyError(f"no rule or target named `{name}`")


def _check_year(p: ir.Policy, year: int) -> None:
    Policy(p).check_year(year)


@st.composite
def _hints(draw, p: ir.Policy) -> list[tuple[str, object]]:
    """Preferred values for a few facts, in canonical units (what hypothesis varies)."""
    from fractions import Fraction

    out = []
    for fact in p.facts:
        if not draw(st.booleans()):
            continue
        if fact.kind == "bool":
            out.append((fact.name, draw(st.booleans())))
        elif fact.kind == "enum":
            out.append((fact.name, draw(st.integers(0, len(fact.type.members) - 1))))
        elif fact.kind == "integer":
            out.append((fact.name, draw(st.integers(0, 5000)) * fact.type.scale))
        elif fact.kind == "decimal":
            cents = draw(st.integers(0, 10**7))
            out.append((fact.name, Fraction(cents, 100) * fact.type.scale))
        elif fact.kind == "text" and fact.allowed:
            out.append((fact.name, draw(st.sampled_from(sorted(fact.allowed)))))
    return out


def _hint_constraints(enc, hints: Sequence[tuple[str, object]]) -> list:
    return [c for name, value in hints for c in enc.has_value(name, value)]


def _preferences(hinted: Sequence[list], grid: list) -> list[list]:
    """Each hinted variant with round decimals, then without; then round decimals alone."""
    out: list[list] = []
    for extra in hinted:
        out += [extra + grid, extra] if extra else []
    return out + [grid]


def _record_strategy(policy, year: int, question: Callable) -> st.SearchStrategy:
    p = _ir(policy)
    _check_year(p, year)

    @st.composite
    def draw_record(draw):
        from .analysis import smt

        enc = smt.Encoding(p, year, "r")
        hints = draw(_hints(p))
        # Hypothesis varies the example through hinted values, kept whenever the property allows.
        hinted = [_hint_constraints(enc, kept) for kept in (hints, hints[: len(hints) // 2])]
        answer = smt.search(enc.domain() + question(enc), _preferences(hinted, enc.decimals_on_grid()),
                            timeout_ms=TIMEOUT_MS, prefer_timeout_ms=PREFER_TIMEOUT_MS)
        if isinstance(answer, smt.Sat):
            return enc.witness_to_record(answer.witness, f"example-{draw(st.integers(1, 10**6))}")
        raise Unsatisfiable(_why(answer, "record"))

    return draw_record()


def compliant_records(policy: Policy | ir.Policy, year: int,
                      rules: Iterable[str] | None = None) -> st.SearchStrategy:
    """Records that pass or are out of scope of every named rule (default: every per-record rule)."""
    p = _ir(policy)
    chosen = [_rule(p, n) for n in rules] if rules is not None else list(p.rules)
    return _record_strategy(p, year, lambda enc: [enc.satisfied(r) for r in chosen])


def violating_records(policy: Policy | ir.Policy, year: int, rule: str) -> st.SearchStrategy:
    """Records that fail `rule` and comply with every other per-record rule."""
    p = _ir(policy)
    target = _rule(p, rule)
    others = [r for r in p.rules if r is not target]
    return _record_strategy(p, year, lambda enc: [enc.violated(target)]
                            + [enc.satisfied(r) for r in others])


def boundary_records(policy: Policy | ir.Policy, year: int, rule: str) -> st.SearchStrategy:
    """Records in scope of `rule` that pass it with no margin: some comparison in it is tight."""
    p = _ir(policy)
    target = _rule(p, rule)

    def question(enc):
        return [enc.passes(target), enc.on_boundary(target.condition)]

    return _record_strategy(p, year, question)


def populations(policy: Policy | ir.Policy, year: int, target: str, meets: bool = True,
                compliant: bool = True, max_size: int = 60) -> st.SearchStrategy:
    """Populations (lists of records) that meet `target` (or miss it, with `meets=False`).

    With `compliant`, every record complies with every per-record must-rule.
    """
    p = _ir(policy)
    t = _rule(p, target)
    return _population_strategy(p, year, [t], lambda pop: [pop.passes(t) if meets else pop.misses(t)],
                                compliant, max_size)


def compliant_populations(policy: Policy | ir.Policy, year: int, max_size: int = 60
                          ) -> st.SearchStrategy:
    """Populations meeting every must-target of `year`, made of records complying with every rule."""
    p = _ir(policy)
    targets = [t for t in p.targets if t.modality == "must"]
    return _population_strategy(p, year, targets, lambda pop: [pop.passes(t) for t in targets],
                                True, max_size, all_rules=True)


def _population_strategy(p: ir.Policy, year: int, targets: Sequence[ir.Rule], question: Callable,
                         compliant: bool, max_size: int, all_rules: bool = False):
    _check_year(p, year)

    @st.composite
    def draw_population(draw):
        from .analysis import smt

        groups = max((len(t.group.values or ()) for t in targets if t.group is not None), default=0)
        pop = smt.Population(p, year, 3 + groups, "p", linear=True)
        asked = question(pop)
        if compliant:
            rules = [r for r in p.rules if all_rules or r.modality == "must"]
            asked.append(pop.every_record(lambda rec: rec.satisfies_all(rules)))
        constraints = pop.domain() + pop.pin_groups(targets) + asked
        hints = draw(_hints(p))
        size = draw(st.integers(1, max_size))
        # Preferences are tried briefly: they vary the example, they are not required.
        hinted = [_hint_constraints(pop.records[-1], hints) + [pop.size_at_most(size)],
                  [pop.size_at_most(max_size)]]
        answer = smt.search(constraints, _preferences(hinted, pop.decimals_on_grid()),
                            timeout_ms=TIMEOUT_MS, prefer_timeout_ms=PREFER_TIMEOUT_MS)
        if isinstance(answer, smt.Sat):
            return pop.witness(answer.witness)
        raise Unsatisfiable(_why(answer, "population"))

    return draw_population()


def _why(answer, what: str) -> str:
    """The message of `Unsatisfiable`: proved impossible, or not found in time."""
    from .analysis import smt

    if isinstance(answer, smt.Unsat):
        return f"no {what} has the requested property"
    return f"the solver found no {what} with the requested property in time ({answer.reason})"
