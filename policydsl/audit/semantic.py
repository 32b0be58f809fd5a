"""Implication both ways, with witnesses: how the meaning of a rule changed in one year.

For a rule, one symbolic record is shared by both versions (same variable names,
one list of text values), and the solver is asked twice: is there a record that
meets OLD and not NEW (NEW is stricter somewhere), and one that meets NEW and not
OLD (looser somewhere)? "Meets" is the outcome `pass` or `not_applicable` with no
exemptions; the records considered are those valid under both versions' fact
declarations. For a target the same is asked of a symbolic population (a few
distinct records, each repeated any number of times).

Every witness is turned into plain records and replayed through the reference
evaluator under both versions before it is returned; a solver that gives up makes
the year `undecided`, never `equivalent`.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from ..core import ir
from ..eval.outcomes import judge_record, judge_target
from ..eval.results import NOT_APPLICABLE, PASS
from .model import (
    EQUIVALENT,
    INCOMPARABLE,
    LOOSER,
    STRICTER,
    UNDECIDED,
    Witness,
    YearVerdict,
)

MEETS = (PASS, NOT_APPLICABLE)
POPULATION_KINDS = 4  # distinct records in a symbolic population
WITNESS_POPULATIONS = (5, 20)  # witness populations of at most these sizes are tried first


@attrs.define
class Side:
    """One version: its public Policy (to validate replayed records) and checked IR."""

    policy: object  # policydsl.Policy
    ir: ir.Policy


def shared_texts(old: ir.Policy, new: ir.Policy) -> list[str]:
    """One index for every text value of either version, then a value neither mentions."""
    from ..analysis.smt import text_constants, text_index

    return text_index(text_constants(old)[:-1] + text_constants(new)[:-1])


def redeclared_facts(old: ir.Policy, new: ir.Policy) -> set[str]:
    """Facts declared with another kind, unit or levels: one record means different things."""
    out = set()
    new_facts = {f.name: f for f in new.facts}
    for f in old.facts:
        g = new_facts.get(f.name)
        if g is None:
            continue
        if f.kind != g.kind or f.type != g.type or isinstance(f.type, ir.Num) and f.type.scale != g.type.scale:
            out.add(f.name)
    return out


def facts_read(*rules: ir.Rule | None) -> set[str]:
    names = set()
    for rule in rules:
        if rule is None:
            continue
        names.update(rule.facts_read())
        if rule.group is not None:
            names.add(rule.group.fact)
    return names


class Comparer:
    """Compares two versions year by year; one instance per pair of policies."""

    def __init__(self, old: Side, new: Side, timeout_ms: int = 5000):
        self.old = old
        self.new = new
        self.timeout_ms = timeout_ms
        self.texts = shared_texts(old.ir, new.ir)
        self.redeclared = redeclared_facts(old.ir, new.ir)

    # ---- per-record rules ---------------------------------------------------------------

    def compare_rule(self, old_rule: ir.Rule, new_rule: ir.Rule, year: int) -> YearVerdict:
        """The class of a matched per-record rule in `year` (both versions in their period)."""
        clash = self._clash(old_rule, new_rule)
        if clash:
            return YearVerdict(year, UNDECIDED, (), clash)

        def meets(enc, rule):
            return enc.satisfied(rule)

        def replay(raw: dict[str, object]) -> Witness | None:
            return self._replay_record(raw, year, [old_rule], [new_rule])

        return self._classify(year, lambda eo, en: (meets(eo, old_rule), meets(en, new_rule)), replay)

    def compare_records(self, year: int) -> YearVerdict:
        """The whole policy for one record: every per-record rule, together."""
        clash = self._clash(*self.old.ir.rules, *self.new.ir.rules)
        if clash:
            return YearVerdict(year, UNDECIDED, (), clash)

        def both(eo, en):
            return eo.satisfies_all(self.old.ir.rules), en.satisfies_all(self.new.ir.rules)

        def replay(raw):
            return self._replay_record(raw, year, self.old.ir.rules, self.new.ir.rules)

        return self._classify(year, both, replay)

    def _clash(self, *rules: ir.Rule | None) -> str:
        from ..core.dates import date_construct, validity_days

        before, after = self.old.ir.meta.validity, self.new.ir.meta.validity
        if validity_days(before) != validity_days(after):
            return "not compared: the policy's days in force changed"
        dated = {r.name: date_construct(r, before) for r in rules if r is not None}
        dated = {name: why for name, why in dated.items() if why is not None}
        if dated:
            names = "; ".join(f"`{n}` has {why}" for n, why in dated.items())
            return f"not compared: {names}, which the solver cannot reason about yet"
        bad = sorted(self.redeclared & facts_read(*rules))
        if not bad:
            return ""
        names = ", ".join(f"`{n}`" for n in bad)
        return f"not compared: {names} declared differently in the two versions"

    def _classify(self, year: int, meets: Callable, replay: Callable) -> YearVerdict:
        from ..analysis.smt import Encoding

        eo = Encoding(self.old.ir, year, "r", self.texts)
        en = Encoding(self.new.ir, year, "r", self.texts)
        try:
            mo, mn = meets(eo, en)
        except Exception as e:  # an expression the encoding does not cover
            return YearVerdict(year, UNDECIDED, (), f"not encoded for the solver: {e}")
        domain = eo.domain() + en.domain()
        grid = [eo.decimals_on_grid() + en.decimals_on_grid()]

        def to_records(model):
            return _merge(eo.witness_to_record(model), en.witness_to_record(model))

        return self._both_ways(year, domain, mo, mn, grid, to_records, replay)

    def _both_ways(self, year: int, domain, mo, mn, prefer, to_records, replay) -> YearVerdict:
        """Does meeting OLD imply meeting NEW (else NEW is stricter), and the reverse?"""
        from ..analysis import smt

        questions = ((STRICTER, smt.counterexample(mo, mn)), (LOOSER, smt.counterexample(mn, mo)))
        found = {}
        for way, question in questions:
            def replayed(records, old_meets=way == STRICTER):
                witness = replay(records)
                return witness if witness is not None and witness.old_meets == old_meets else None

            found[way] = _found(smt.search(domain + [question], prefer, timeout_ms=self.timeout_ms,
                                           prefer_timeout_ms=self.timeout_ms,
                                           to_records=to_records, replay=replayed))
        return verdict(year, found[STRICTER], found[LOOSER])

    def _replay_record(self, raw, year, old_rules, new_rules) -> Witness | None:
        """The witness if the record meets every OLD rule and not every NEW rule, or the reverse."""
        old_env = self._validated(self.old, [raw])
        new_env = self._validated(self.new, [raw])
        if old_env is None or new_env is None:
            return None
        old_out = [judge_record(r, old_env[0], {}, year) for r in old_rules]
        new_out = [judge_record(r, new_env[0], {}, year) for r in new_rules]
        old_ok = all(o.outcome in MEETS for o in old_out)
        new_ok = all(o.outcome in MEETS for o in new_out)
        if old_ok == new_ok:
            return None
        # The facts that decide it: those read by the rules refused under either version.
        refused = [r for r, o in zip(old_rules, old_out, strict=True) if o.outcome not in MEETS]
        refused += [r for r, o in zip(new_rules, new_out, strict=True) if o.outcome not in MEETS]
        return Witness(year, (_merge(old_env[0], new_env[0]),), (_shown(raw),),
                       _summary(old_out), _summary(new_out), _why(old_out), _why(new_out),
                       None, old_ok, new_ok, _ordered_facts(self, refused))

    def _validated(self, side: Side, raws: list[dict[str, object]]) -> list[dict] | None:
        prepared = side.policy.prepare(raws)  # type: ignore[attr-defined]
        if any(r.errors for r in prepared):
            return None
        return [r.values for r in prepared]

    # ---- targets --------------------------------------------------------------------------

    def compare_target(self, old_rule: ir.Rule, new_rule: ir.Rule, year: int) -> YearVerdict:
        """The class of a matched population target in `year`, over symbolic populations."""
        clash = self._clash(old_rule, new_rule)
        if clash:
            return YearVerdict(year, UNDECIDED, (), clash)
        from ..analysis.smt import Population

        po = Population(self.old.ir, year, POPULATION_KINDS, "p", self.texts)
        pn = Population(self.new.ir, year, POPULATION_KINDS, "p", self.texts)
        try:
            mo, mn = po.meets(old_rule), pn.meets(new_rule)
        except Exception as e:
            return YearVerdict(year, UNDECIDED, (), f"not encoded for the solver: {e}")
        domain = po.domain() + pn.domain()
        grid = po.decimals_on_grid() + pn.decimals_on_grid()
        prefer = [grid + [po.size_at_most(size)] for size in WITNESS_POPULATIONS]

        def to_records(model):
            old_recs, new_recs = po.witness(model), pn.witness(model)
            return [_merge(a, b) for a, b in zip(old_recs, new_recs, strict=True)]

        def replay(raws):
            return self._replay_target(raws, year, old_rule, new_rule)

        out = self._both_ways(year, domain, mo, mn, prefer, to_records, replay)
        if out.cls in (EQUIVALENT, STRICTER, LOOSER):
            note = f"proved over populations of up to {POPULATION_KINDS} distinct records, each repeated any number of times"
            out = attrs.evolve(out, note=(out.note + "; " if out.note else "") + note)
        return out

    def _replay_target(self, raws, year, old_rule, new_rule) -> Witness | None:
        old_envs = self._validated(self.old, raws)
        new_envs = self._validated(self.new, raws)
        if old_envs is None or new_envs is None:
            return None
        old_res = judge_target(self.old.ir, old_rule, old_envs, year)
        new_res = judge_target(self.new.ir, new_rule, new_envs, year)
        old_ok = all(r.outcome in MEETS for r in old_res)
        new_ok = all(r.outcome in MEETS for r in new_res)
        if old_ok == new_ok:
            return None
        # Show the group whose outcome differs, when the target is grouped.
        group = None
        pick_old, pick_new = old_res[0], new_res[0]
        for a in old_res:
            for b in new_res:
                if a.group == b.group and (a.outcome in MEETS) != (b.outcome in MEETS):
                    group, pick_old, pick_new = a.group, a, b
        return Witness(year, tuple(_merge(a, b) for a, b in zip(old_envs, new_envs, strict=True)),
                       tuple(_shown(r) for r in raws), pick_old.outcome, pick_new.outcome,
                       pick_old.explanation, pick_new.explanation, group, old_ok, new_ok,
                       _ordered_facts(self, [old_rule, new_rule]))


def _found(answer) -> Witness | None | str:
    """A search's answer as `verdict` takes it: the replayed witness, None, or why undecided."""
    from ..analysis.smt import Sat, Unknown

    if isinstance(answer, Sat):
        return answer.witness
    if isinstance(answer, Unknown):
        return answer.reason
    return None


def verdict(year: int, stricter, looser) -> YearVerdict:
    """Combine the two searches: each is a Witness, None (none exists) or a reason (gave up)."""
    found = tuple(w for w in (stricter, looser) if isinstance(w, Witness))
    gave_up = [w for w in (stricter, looser) if isinstance(w, str)]
    if isinstance(stricter, Witness) and isinstance(looser, Witness):
        return YearVerdict(year, INCOMPARABLE, found)
    if gave_up:
        return YearVerdict(year, UNDECIDED, found, gave_up[0])
    if isinstance(stricter, Witness):
        return YearVerdict(year, STRICTER, found)
    if isinstance(looser, Witness):
        return YearVerdict(year, LOOSER, found)
    return YearVerdict(year, EQUIVALENT)


def _ordered_facts(comparer: Comparer, rules) -> tuple[str, ...]:
    """The facts the rules read, in the order NEW (then OLD) declares them."""
    wanted = facts_read(*rules)
    order = [f.name for f in comparer.new.ir.facts] + [f.name for f in comparer.old.ir.facts]
    return tuple(n for n in dict.fromkeys(order) if n in wanted)


def _merge(a: dict[str, object], b: dict[str, object]) -> dict[str, object]:
    out = dict(a)
    for k, v in b.items():
        out.setdefault(k, v)
    return out


def _shown(raw: dict[str, object]) -> dict[str, str]:
    return {k: str(v) for k, v in raw.items()}


def _summary(outcomes) -> str:
    bad = [o for o in outcomes if o.outcome not in MEETS]
    if len(outcomes) == 1:
        return outcomes[0].outcome
    if not bad:
        return "meets every rule"
    return ", ".join(f"{o.rule}: {o.outcome}" for o in bad)


def _why(outcomes) -> str:
    bad = [o for o in outcomes if o.outcome not in MEETS]
    picked = bad or list(outcomes)
    if len(outcomes) == 1:
        return outcomes[0].explanation
    return "; ".join(f"{o.rule}: {o.explanation}" for o in picked[:3]) if bad else ""
