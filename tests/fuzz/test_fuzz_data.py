"""Damaged data files: every command that reads records answers with results or a
clear refusal, never a crash; and when a CSV has no quotes, every non-blank line after
the header is one record in the output, in order."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import given

from .harness import RIVERSIDE, fuzz_settings, problems, run_cli

HEADER = ["id", "district", "public", "beds", "residents", "nurses", "floor_area", "garden_sqft", "budget",
          "spending", "rating", "fire_certified", "评估得分", "exemptions"]
_CELLS = st.one_of(
    st.sampled_from(["", "0", "-1", "1.5", "1e400", "NaN", "Infinity", "true", "是", "North", "two_star", "9" * 200,
                     "１２", "1,000", "  7 ", "\t", '{"R1": "x"}', '{"R99": ""}', "null"]),
    st.text(st.characters(codec="utf-8", exclude_characters='",\n\r'), max_size=12),
)


@st.composite
def csv_files(draw) -> tuple[bytes, int]:
    header = draw(st.permutations(HEADER).map(lambda h: h[: draw(st.integers(1, len(h)))]))
    if draw(st.booleans()):
        header = [*header, draw(st.sampled_from(header))]  # a duplicated column
    rows = draw(st.lists(st.lists(_CELLS, min_size=0, max_size=len(header) + 2), max_size=30))
    lines = [",".join(header)] + [",".join(r) for r in rows]
    text = "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    data = text.encode(encoding, errors="replace")
    records = sum(1 for r in rows if any(c.strip() for c in r))
    return data, records


@fuzz_settings(ci_examples=100)
@given(csv_files())
def test_every_nonblank_csv_line_is_one_record_in_the_output(case: tuple[bytes, int]) -> None:
    data, records = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "records.csv"
        path.write_bytes(data)
        argv = ["eval", str(RIVERSIDE), "--facts", str(path), "--year", "2031", "--format", "json"]
        rc, out, err = run_cli(argv)
        assert not problems(argv, rc, out, err), err
        if rc == 2:  # refused as a whole: only a header that cannot be read, or NUL bytes
            assert "header" in err or "binary file" in err, err
            return
        result = json.loads(out)
        assert len(result["records"]) == records
        assert result["summary"]["records_with_errors"] == sum(1 for r in result["records"] if r["errors"])


@fuzz_settings(ci_examples=60)
@given(st.binary(max_size=2000), st.sampled_from(["csv", "json", "jsonl"]))
def test_arbitrary_bytes_as_data_give_results_or_a_refusal(data: bytes, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"records.{fmt}"
        path.write_bytes(data)
        argv = ["eval", str(RIVERSIDE), "--facts", str(path), "--year", "2031", "--format", "json"]
        rc, out, err = run_cli(argv)
        assert not problems(argv, rc, out, err), err
        assert rc in (0, 1) or err.startswith("policydsl: error: "), err
