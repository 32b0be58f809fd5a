"""The compiled evaluator: same results as the reference, and no policy text in its code."""

from __future__ import annotations

from pathlib import Path

import policydsl
from policydsl.data.read import read_records
from policydsl.eval.engine import make_engine

ROOT = Path(__file__).resolve().parents[2]
CHIFENG = ROOT / "policies" / "chifeng_2023.pol"
DATA = ROOT / "examples" / "chifeng_communities.csv"

TRICKY = '''
policy "x\\"); import os; os.system(\\"true" period 2024 to 2025
fact 名称: text
fact area: decimal m2
rule evil_name clause C1 must 名称 = "\\"); raise SystemExit(\\"" or area >= 200.10 m2
'''


def test_compiled_engine_matches_the_reference_on_chifeng_every_year() -> None:
    policy = policydsl.load(CHIFENG)
    records = policy.prepare(read_records(DATA))
    ref, fast = make_engine(policy.ir, "reference"), make_engine(policy.ir, "compiled")
    for year in policy.years:
        assert list(fast.records(records, year)) == list(ref.records(records, year))
        assert fast.targets(records, year) == ref.targets(records, year)


def test_generated_source_holds_no_policy_names_or_literals() -> None:
    policy = policydsl.loads(TRICKY)
    engine = make_engine(policy.ir, "compiled")
    source = engine.program(2024).source
    for text in ("名称", "SystemExit", "import os", "200.10", "C1", "evil_name"):
        assert text not in source
    (rec,) = policy.prepare([{"id": "a", "名称": '"); raise SystemExit("', "area": "1"}])
    assert engine.verdicts(rec.values, rec.exemptions, 2024) == ("pass",)


def test_exact_boundary_passes_and_one_cent_below_fails() -> None:
    policy = policydsl.loads(TRICKY)
    engine = make_engine(policy.ir, "compiled")
    on, below = policy.prepare([{"id": "a", "名称": "x", "area": "200.1"},
                                {"id": "b", "名称": "x", "area": "200.09"}])
    assert engine.verdicts(on.values, {}, 2024) == ("pass",)
    assert engine.verdicts(below.values, {}, 2024) == ("fail",)


def test_a_policy_is_compiled_once_per_year() -> None:
    engine = make_engine(policydsl.loads(TRICKY).ir, "compiled")
    assert engine.program(2024) is engine.program(2024)
    assert engine.program(2025) is not engine.program(2024)
