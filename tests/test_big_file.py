"""A 100,000-record file with 1% bad records: every record comes out, with its errors,
and the summary counts them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import policydsl

POLICY = """\
policy big
period 2030 to 2032
unit bed, beds
set districts = {"North", "South"}
fact district: text in districts
fact beds: integer bed >= 0
fact residents: integer person >= 0
rule room "no more residents than beds"
  clause R1
  must residents <= beds * 1 person per bed
target share_full "half of homes have residents"
  clause T1
  for each district
  must share(residents >= 1 person) >= 50%
"""

N = 100_000


def _write(path: Path) -> tuple[set[str], set[str]]:
    """Records r0..r99999; every 100th is bad (a negative count, a word for a number,
    an unknown district or a missing field, in turn); every 7th fails the rule."""
    bad, failing = set(), set()
    lines = ["id,district,beds,residents"]
    kinds = ["-3", "many", "district", "missing"]
    for i in range(N):
        rid, district, beds, residents = f"r{i}", ("North", "South")[i % 2], "10", "5"
        if i % 100 == 42:
            kind = kinds[(i // 100) % 4]
            bad.add(rid)
            if kind == "district":
                district = "Atlantis"
            elif kind == "missing":
                beds = ""
            else:
                beds = kind
        elif i % 7 == 0:
            residents = "15"
            failing.add(rid)
        lines.append(f"{rid},{district},{beds},{residents}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return bad, failing


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> tuple[Path, set[str], set[str], dict]:
    data = tmp_path_factory.mktemp("big") / "big.csv"
    bad, failing = _write(data)
    return data, bad, failing, policydsl.loads(POLICY).evaluate(data, 2031).to_json()


def test_every_one_of_100000_records_comes_out_with_its_errors(big) -> None:
    _data, bad, failing, out = big
    records = out["records"]
    assert len(records) == N
    assert [r["id"] for r in records] == [f"r{i}" for i in range(N)]
    with_errors = {r["id"] for r in records if r["errors"]}
    assert with_errors == bad
    assert len(bad) == N // 100
    assert out["summary"]["records"] == N
    assert out["summary"]["records_with_errors"] == len(bad)
    outcomes = {r["id"]: r["outcomes"][0]["outcome"] for r in records}
    assert {rid for rid, o in outcomes.items() if o == "fail"} == failing
    assert {rid for rid, o in outcomes.items() if o == "unknown"} == {
        rid for rid in bad if int(rid[1:]) // 100 % 4 != 2}  # an unknown district does not stop `room`
    json.dumps(out)  # the whole result serialises


@pytest.mark.parametrize("engine", ["duckdb", "compiled"])  # the engines that stream
def test_fast_engine_gives_the_same_json_on_100000_records_in_chunks(big, engine: str) -> None:
    # 100,000 records span more than one chunk of a streaming engine: the result must
    # be exactly the reference's, evaluated whole.
    data, _bad, _failing, reference = big
    policy = policydsl.loads(POLICY)
    try:
        policy.engine(engine)
    except (ValueError, ImportError) as e:
        pytest.skip(f"engine `{engine}` is not available: {e}")
    assert policy.evaluate(data, 2031, engine=engine).to_json() == reference
