"""Re-analysis after an edit gives exactly the findings of analysing the new text whole."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from policydsl.analysis.checks import findings
from policydsl.analysis.incremental import Memo
from policydsl.analysis.witness import replay
from policydsl.core.source import Source
from policydsl.loader import check_source

ROOT = Path(__file__).parent.parent.parent
POLICIES = sorted([ROOT / "policies" / "chifeng_2023.pol", *(ROOT / "tests" / "fixtures").glob("*.pol"),
                   *(ROOT / "tests" / "fixtures" / "analysis").glob("*.pol")])
NUMBER = re.compile(r"(?<![\w.])\d+(?![\w.])")


def _checked(text: str):
    checked, _ = check_source(Source("edited.pol", text))
    return checked


def _shown(policy, found) -> list[tuple]:
    """What a diagnostic says: code, message, help, ranges, labels, and whether it has a
    witness. Which witness the solver picks may depend on the questions asked before in
    the same encoding, so its values are compared by replaying it, not by equality."""
    out = []
    for f in found:
        d = f.diagnostic(policy)
        assert f.witness is None or replay(policy, f.witness)
        help_text = (d.help or "").split("witness: ")[0]
        out.append((d.code, d.severity, d.message, help_text, f.witness is not None,
                    d.span.start if d.span else None, d.span.end if d.span else None,
                    [(x.span.start, x.span.end, x.message) for x in d.labels]))
    return out


def _edit(rng: random.Random, text: str) -> str:
    """`text` with one number changed (a threshold, a schedule entry, a year, a clause
    number) or a comment line added above a declaration (everything below moves)."""
    numbers = list(NUMBER.finditer(text))
    if rng.random() < 0.3 or not numbers:
        lines = text.split("\n")
        at = rng.randrange(len(lines) + 1)
        return "\n".join([*lines[:at], "# moved", *lines[at:]])
    m = rng.choice(numbers)
    new = str(rng.choice([int(m.group()) + 1, max(0, int(m.group()) - 1), 0, 1, 2]))
    return text[:m.start()] + new + text[m.end():]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_analysis_after_random_edits_with_kept_units_equals_the_whole_analysis_of_the_new_text(path, seed):
    rng = random.Random(f"{path.name}{seed}")
    text = path.read_text(encoding="utf-8")
    memo = Memo()
    first = _checked(text)
    assert first is not None
    findings(first, memo=memo)
    memo.finish()
    compared = 0
    for _ in range(40):  # each edit reads the units kept from the one before
        edited = _edit(rng, text)
        policy = _checked(edited)
        if policy is None:  # an edit the checker refuses: the next one starts from the last good text
            continue
        text = edited
        again = findings(policy, memo=memo)
        memo.finish()
        assert _shown(policy, again) == _shown(policy, findings(policy))
        compared += 1
        if compared == 2:
            break
    assert compared


def test_an_edit_of_one_threshold_reruns_only_the_units_that_read_that_rule():
    text = (ROOT / "policies" / "chifeng_2023.pol").read_text(encoding="utf-8")
    memo = Memo()
    findings(_checked(text), memo=memo)
    memo.finish()
    units = memo.misses
    memo.hits = memo.misses = 0
    findings(_checked(text.replace("one_stop_center_m2 >= 50 m2", "one_stop_center_m2 >= 51 m2")), memo=memo)
    # The edited rule's own units, its pairs, the must-rules of each year and the implication
    # questions (which read every rule) run again; the rest is kept.
    assert memo.hits > 0 and memo.misses < units / 4
    memo.finish()
    memo.hits = memo.misses = 0
    findings(_checked(text.replace("one_stop_center_m2 >= 50 m2", "one_stop_center_m2 >= 51 m2")
                      .replace("# ---- 三 key tasks", "# ---- 三 key tasks (edited)")), memo=memo)
    assert memo.misses == 0  # a comment: every unit is kept


def test_a_memo_told_to_stop_abandons_the_analysis_and_keeps_what_it_finished():
    text = (ROOT / "policies" / "chifeng_2023.pol").read_text(encoding="utf-8")
    asked = []
    memo = Memo(should_stop=lambda: len(asked) > 10 or asked.append(1))
    try:
        findings(_checked(text), memo=memo)
    except Exception as e:  # Cancelled
        assert type(e).__name__ == "Cancelled"
    else:
        raise AssertionError("the analysis was not abandoned")
    memo.abandon()
    kept = len(memo.entries)
    assert 0 < kept <= 11  # the units before the twelfth question
