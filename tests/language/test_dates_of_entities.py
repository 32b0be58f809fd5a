"""Days in force and due days hold for every entity of a policy with several: a part's
rule in force from a day inside the year, and a parent's duty over its parts that falls
due a year after a date fact of the parent."""

from __future__ import annotations

import datetime

import pytest

import policydsl

TEXT = """\
policy committees period 2024 to 2026
entity committee, committees
fact members: integer >= 0
fact founded: date
entity group, groups part of committee by committee_id
fact committee_id: text
fact size: integer >= 0
rule groups_sized clause M1
  in force from 2025-07-01
  must size between 5 and 15
rule enough_groups clause M2
  due founded + 1 years
  must count(groups) >= 2
"""
POLICY = policydsl.loads(TEXT)
COMMITTEES = [{"id": "c1", "members": "10", "founded": "2024-03-01"},
              {"id": "c2", "members": "5", "founded": "2025-06-01"}]
GROUPS = [{"id": "g1", "committee_id": "c1", "size": "5"}, {"id": "g2", "committee_id": "c1", "size": "20"},
          {"id": "g3", "committee_id": "c2", "size": "7"}]


def _outcomes(day: datetime.date) -> dict[str, tuple[str, ...]]:
    result = POLICY.evaluate({"committee": COMMITTEES, "group": GROUPS}, day)
    return {r.id: tuple(o.outcome for o in r.outcomes) for r in result.records}


@pytest.mark.parametrize(("day", "expected"), [
    # the groups' rule is not yet in force; c2's duty is not yet due
    (datetime.date(2025, 6, 30), {"c1": ("pass",), "c2": ("not_applicable",),
                                  "g1": ("not_applicable",), "g2": ("not_applicable",),
                                  "g3": ("not_applicable",)}),
    (datetime.date(2025, 7, 1), {"c1": ("pass",), "c2": ("not_applicable",),
                                 "g1": ("pass",), "g2": ("fail",), "g3": ("pass",)}),
    # c2 was founded on 2025-06-01: due on 2026-06-01, with one group only
    (datetime.date(2026, 5, 31), {"c1": ("pass",), "c2": ("not_applicable",),
                                  "g1": ("pass",), "g2": ("fail",), "g3": ("pass",)}),
    (datetime.date(2026, 6, 1), {"c1": ("pass",), "c2": ("fail",),
                                 "g1": ("pass",), "g2": ("fail",), "g3": ("pass",)}),
])
def test_days_in_force_and_due_days_hold_for_each_entity(day, expected):
    assert _outcomes(day) == expected


def test_eval_judges_a_day_for_a_policy_with_several_entities(tmp_path, capsys):
    from policydsl.cli import main

    policy = tmp_path / "committees.pol"
    policy.write_text(TEXT, encoding="utf-8")
    files = {}
    for name, rows in (("committee", COMMITTEES), ("group", GROUPS)):
        path = tmp_path / f"{name}.csv"
        fields = list(rows[0])
        path.write_text("\n".join([",".join(fields), *(",".join(r[f] for f in fields) for r in rows)]) + "\n",
                        encoding="utf-8")
        files[name] = path
    args = ["eval", str(policy), "--facts", f"committee={files['committee']}",
            "--facts", f"group={files['group']}", "--lang", "en"]
    assert main([*args, "--date", "2026-05-31"]) == 1  # g2 fails; c2 not yet due
    out = capsys.readouterr().out
    assert "2026-05-31" in out and "c2  violation" not in out
    assert main([*args, "--date", "2026-06-01"]) == 1
    assert "c2  violation: `count(groups)` is 1, needs at least 2" in capsys.readouterr().out
