"""The differential strategies under the fuzz budget: every fast engine gives the
reference's results on random policies and records (text literals absent from the data,
integers across the int32/int64 edges, control characters in ids and text, scopes
holding schedules; see `tests/strategies.py`). The property tests run a fixed number of
examples; here the long profile draws thousands, each policy with up to `BATCH` records
(a comparison costs mostly its policy, so many records share one)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given

import policydsl
from tests.property.agreement import disagreements
from tests.property.test_duckdb_agrees import DAMAGE, results, write_csv
from tests.strategies import Case, policy_and_records

from .harness import fuzz_settings, tally_comparison

BATCH = 60


@fuzz_settings(ci_examples=30, share=2)
@given(policy_and_records(max_records=BATCH))
def test_compiled_engine_on_every_path_gives_the_reference_results(case: Case) -> None:
    tally_comparison(len(case.records))
    assert disagreements(case) == []


@fuzz_settings(ci_examples=10, share=2)
@given(policy_and_records(max_records=BATCH, damage=DAMAGE))
def test_duckdb_engine_gives_the_reference_results_whichever_path_judges_a_record(case: Case) -> None:
    # Unlike the property test, a population DuckDB hands to the compiled engine is kept:
    # the answer a user gets must be the reference's either way.
    tally_comparison(len(case.records))
    policy = policydsl.loads(case.policy.text)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(case, Path(tmp) / "records.csv")
        assert results(policy, path, case.year, "duckdb") == results(policy, path, case.year, "reference")
