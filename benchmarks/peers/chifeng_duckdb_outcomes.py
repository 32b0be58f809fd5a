"""Every outcome of the Chifeng plan written to Parquet by a hand-written DuckDB script, as
a data engineer would write it without policydsl: the rules of `chifeng_duckdb.py` (exact
DECIMAL columns, thresholds cross-multiplied), one row per record and rule (id, rule,
clauses, modality, outcome) in input order, as `policydsl eval --format parquet` writes
them. It writes no explanation and no errors column: those texts are policydsl's alone.
`benchmarks/bench_batch.py` times it against `--format parquet` and compares the count
of every (rule, outcome) and the order of the rows.

    python benchmarks/peers/chifeng_duckdb_outcomes.py DATA.csv|DATA.parquet YEAR OUT.parquet
"""

from __future__ import annotations

import sys

import duckdb
from chifeng_duckdb import rules, source

# what the policy file says of each rule, copied by hand as a script would hold it
CLAUSES = {"key_communities_standard": "C04", "organisation_coverage": "C05", "own_office": "C06",
           "worker_income": "C08", "operating_funds_floor": "C09", "pay_in_budget": "C10", "key_one_stop": "C11",
           "one_stop_size": "C12", "every_one_stop": "C14", "staff_training_first_year": "C17",
           "staff_training": "C17", "activity_funds": "C19", "funds_growth": "C20", "community_size": "C21",
           "new_build_service_space": "C22", "service_space_use": "C23", "retiree_management": "C24",
           "culture_and_health": "C25", "co_building": "C26", "staffing": "C27"}
MODALITY = {"one_stop_size": "in_principle", "community_size": "in_principle", "staffing": "in_principle",
            "staff_training_first_year": "strive", "co_building": "strive"}


def main() -> None:
    path, year, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    # one struct per rule, unnested: a scan and a projection, so DuckDB keeps input order
    items = ", ".join(f"{{'rule': '{name}', 'clauses': ['{CLAUSES[name]}'], "
                      f"'modality': '{MODALITY.get(name, 'must')}', 'outcome': {case}}}"
                      for name, case in rules(year))
    records = source(path, "id, exemptions")
    duckdb.connect().execute(f"COPY (SELECT id, unnest([{items}], recursive := true) FROM ({records})) "
                             f"TO '{out}' (FORMAT parquet)")


if __name__ == "__main__":
    main()
