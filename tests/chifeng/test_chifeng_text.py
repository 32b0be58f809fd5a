"""The policy's text against the plan: quotes are the plan's own sentences (with the
restorations of reading-notes.md), the whole plan is covered, and docs/chifeng.md's
clause table matches the policy file line for line.
"""

from __future__ import annotations

import re

from chifeng_records import DOC, POLICY, ROOT
from clause_table import table

PLAN = ROOT / "docs" / "chifeng" / "source-plan.txt"

# reading-notes.md: what the copy's rewriter swapped, longest first so that compounds
# are restored before their parts.
RESTORE = [
    ("友好小区基本原则", "和谐社区基本标准"), ("1000户至2023户", "1000户至2000户"),
    ("布署规定", "部署要求"), ("专题推进", "专项推进"), ("实行方案", "实施方案"), ("所有处理", "全部解决"),
    ("目旳", "目标"), ("小区", "社区"), ("友好", "和谐"), ("旳", "的"), ("经典", "典型"), ("组员", "成员"),
    ("创立", "创建"), ("到达", "达到"), ("平米", "平方米"),
]


def restored_plan() -> str:
    """The plan as one string: page-break numbers and whitespace dropped, words restored."""
    pages = [re.sub(r"^\d+、", "", line) for line in PLAN.read_text(encoding="utf-8").splitlines()]
    text = re.sub(r"\s+", "", "".join(pages))
    for old, new in RESTORE:
        text = text.replace(old, new)
    return text


def test_every_rule_quotes_the_plan(chifeng):
    plan = restored_plan()
    for rule in chifeng.rules + chifeng.targets:
        assert rule.quote, f"`{rule.name}` has no quote"
        assert rule.quote in plan, f"`{rule.name}` quotes text the plan does not have: {rule.quote}"


def test_restoration_is_needed_and_sufficient():
    """The household range is quoted as restored; the copy's own text has 2023 there."""
    assert "1000户至2023户" in PLAN.read_text(encoding="utf-8")
    assert "1000户至2000户" in restored_plan()


def test_notes_cover_every_section_of_the_plan(chifeng):
    sections = {n.section.split()[0] for n in chifeng.ir.notes if n.section}
    sections |= {part.strip().split()[0] for r in chifeng.rules + chifeng.targets for part in r.section.split(";")}
    expected = {"二(一)", "二(二)", "三(一)1", "三(一)2", "三(一)3", "三(二)1", "三(二)2", "三(三)1", "三(三)2",
                "三(四)1", "三(四)2", "三(五)1", "三(五)2", "三(六)1", "三(六)2",
                "四(一)", "四(二)", "四(三)", "四(四)", "四(五)", "四(六)"}
    assert expected <= sections, sorted(expected - sections)


def test_modality_conflicts_are_explained_in_comments():
    text = POLICY.read_text(encoding="utf-8")
    for clause_rule in ("rule every_one_stop", "rule staff_training_first_year"):
        before = text[:text.index(clause_rule)].rstrip().splitlines()
        comment = []
        for line in reversed(before):
            if not line.startswith("#"):
                break
            comment.append(line)
        assert any("Modality conflict" in line for line in comment), clause_rule
        assert any("Reading" in line for line in comment), clause_rule


def test_doc_clause_table_matches_the_policy_file():
    doc = DOC.read_text(encoding="utf-8")
    assert table() in doc, "docs/chifeng.md is stale: paste the output of `python tests/chifeng/clause_table.py`"


def test_doc_table_lines_point_at_the_rules():
    lines = POLICY.read_text(encoding="utf-8").splitlines()
    rows = re.findall(r"^\| (C\d\d) \| `(\w+)` \| (rule|target) \|.*\[(\d+)\]", DOC.read_text(encoding="utf-8"), re.M)
    assert {r[0] for r in rows} == {f"C{i:02d}" for i in range(1, 28)}
    for clause, name, kind, line in rows:
        assert lines[int(line) - 1].startswith(f"{kind} {name} "), (clause, name, line)
