"""Re-analysis after an edit: each unit of a check is kept by what it reads.

A unit is one check applied to one rule, one pair of rules or one year. Its key holds
everything the unit reads, as checked IR (values without spans, compared in order, so
nothing that could change a solver's answer or a witness is normalised away): the
policy's context (period, entity, fact declarations, the text constants the encoding
enumerates) and the rules involved. A unit whose key was seen in the previous analysis
gives back the findings it gave then, with the rules of the new text (spans move when
lines are added above); every other unit runs. What a unit could not decide (note
A0001, a timeout) is not kept: the next analysis asks again.

Only the latest analysis is kept: the entries a run did not read are dropped after it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import attrs

from ..core import ir


class Cancelled(Exception):
    """A newer text is waiting: the analysis under way is abandoned (what it finished is kept)."""


@attrs.define
class Memo:
    """The results of analysis units by their keys, from one analysis to the next.

    `should_stop` is asked before each unit: when it says yes the analysis raises
    `Cancelled`, keeping the units it finished.
    """

    should_stop: Callable[[], bool] = lambda: False
    entries: dict[Hashable, Any] = attrs.field(factory=dict)
    used: dict[Hashable, Any] = attrs.field(factory=dict)
    contexts: dict[Hashable, int] = attrs.field(factory=dict)
    hits: int = 0
    misses: int = 0

    def context(self, value: Hashable) -> int:
        """A small number standing for `value`: the context is compared once per analysis,
        not once per unit."""
        if value not in self.contexts and len(self.contexts) >= 8:
            self.contexts, self.entries = {}, {}  # old contexts are not coming back
        return self.contexts.setdefault(value, len(self.contexts))

    def get(self, key: Hashable) -> Any | None:
        if self.should_stop():
            raise Cancelled()
        value = self.entries.get(key)
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        self.used[key] = value
        return value

    def put(self, key: Hashable, value: Any) -> None:
        self.used[key] = value

    def finish(self) -> None:
        """The analysis is complete: what it read is what the next one may reuse."""
        self.entries, self.used = self.used, {}

    def abandon(self) -> None:
        """A cancelled analysis: its finished units join the kept ones."""
        self.entries.update(self.used)
        self.used = {}


def rebind(finding: Any, policy: ir.Policy) -> Any:
    """`finding`, found on an equal part of another text, with the rules of `policy` (by
    name: a name is part of what each unit read), so its ranges are those of the new text."""
    rules = {r.name: r for r in policy.all_rules}
    return attrs.evolve(finding, rules=tuple(rules.get(r.name, r) for r in finding.rules))
