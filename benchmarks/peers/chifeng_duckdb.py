"""The Chifeng plan judged by a hand-written DuckDB script, as a data engineer would write
it without policydsl: exact DECIMAL columns, integer thresholds cross-multiplied, no
explanations. Prints outcome counts per rule and every target verdict as JSON, for
`benchmarks/bench_batch.py` to time and to compare with `policydsl eval`.

    python benchmarks/peers/chifeng_duckdb.py DATA.csv|DATA.parquet YEAR
"""

from __future__ import annotations

import json
import sys

import duckdb

DECIMALS = ["service_space_m2", "one_stop_center_m2", "staff_avg_income", "local_avg_wage_prev_year",
            "operating_funds", "operating_funds_prev_year", "activity_funds"]
INTEGERS = ["households", "staff_count", "staff_trained", "leaders", "leaders_college",
            "party_orgs_total", "party_orgs_co_building", "retirees", "retirees_managed"]
BOOLS = ["key_community", "new_build", "has_party_org", "party_org_five_good", "has_residents_committee",
         "harmonious_standard_met", "has_own_office", "service_space_fund_paid", "service_space_misused",
         "one_stop_center", "culture_room", "health_station", "pay_in_budget"]
INCOME = {2023: (70, 100), 2024: (85, 100), 2025: (1, 1)}
SPACE_SHARE = {2023: 40, 2024: 60, 2025: 80}
HARMONIOUS = {2024: 30, 2025: 60}
FIVE_GOOD = {2024: 70, 2025: 90}
LEVELS = {"none": 0, "city": 1, "autonomous_region": 2, "national": 3}
REGIONS = ["红山区", "元宝山区", "松山区", "阿鲁科尔沁旗", "巴林左旗", "巴林右旗", "林西县", "克什克腾旗",
           "翁牛特旗", "喀喇沁旗", "宁城县", "敖汉旗"]
CITY = ["红山区", "松山区", "元宝山区"]


def rules(year: int) -> list[tuple[str, str]]:
    """(rule name, CASE giving pass / fail / exempted / not_applicable)."""
    num, den = INCOME[year]
    y25, from24 = year == 2025, year >= 2024

    def when(cond: str, rule: str) -> str:
        return rule if cond else "'not_applicable'"

    def ok(cond: str) -> str:
        return f"CASE WHEN {cond} THEN 'pass' ELSE 'fail' END"

    def ex(clause: str) -> str:
        return f"coalesce(json_exists(exemptions, '$.{clause}'), false)"

    return [
        ("key_communities_standard", f"CASE WHEN key_community THEN {ok('harmonious_standard_met')} ELSE 'not_applicable' END"),
        ("organisation_coverage", ok("has_party_org AND has_residents_committee")),
        ("own_office", ok("has_own_office")),
        ("worker_income", ok(f"staff_avg_income * {den} >= local_avg_wage_prev_year * {num}")),
        ("operating_funds_floor", ok("operating_funds >= 10000")),
        ("pay_in_budget", ok("pay_in_budget")),
        ("key_one_stop", f"CASE WHEN key_community THEN {ok('one_stop_center')} ELSE 'not_applicable' END"),
        ("one_stop_size", f"CASE WHEN NOT one_stop_center THEN 'not_applicable' WHEN {ex('C12')} THEN 'exempted' "
                          f"ELSE {ok('one_stop_center_m2 >= 50')} END"),
        ("every_one_stop", when(y25, ok("one_stop_center"))),
        ("staff_training_first_year", when(year == 2023, ok("staff_trained >= staff_count"))),
        ("staff_training", when(from24, ok("staff_trained >= staff_count"))),
        ("activity_funds", when(from24, ok("activity_funds > 0"))),
        ("funds_growth", when(y25, ok("operating_funds >= operating_funds_prev_year"))),
        ("community_size", f"CASE WHEN {ex('C21')} THEN 'exempted' ELSE {ok('households BETWEEN 1000 AND 2000')} END"),
        ("new_build_service_space", f"CASE WHEN new_build THEN "
                                    f"{ok('service_space_m2 * 5 >= households OR service_space_fund_paid')} "
                                    "ELSE 'not_applicable' END"),
        ("service_space_use", ok("NOT service_space_misused")),
        ("retiree_management", when(y25, f"CASE WHEN retirees > 0 THEN {ok('retirees_managed * 100 >= retirees * 95')} "
                                         "ELSE 'not_applicable' END")),
        ("culture_and_health", when(y25, ok("culture_room AND health_station"))),
        ("co_building", f"CASE WHEN party_orgs_total > 0 THEN {ok('party_orgs_co_building * 10 >= party_orgs_total * 9')} "
                        "ELSE 'not_applicable' END"),
        ("staffing", f"CASE WHEN {ex('C27')} THEN 'exempted' ELSE {ok('staff_count * 400 >= households')} END"),
    ]


def targets(con, year: int) -> list[tuple[str, str | None, str]]:
    out = []

    def share(name: str, cond: str, pct: int, where: str = "true") -> None:
        ok, n = con.execute(f"SELECT count(*) FILTER (WHERE {cond}), count(*) FROM t WHERE {where}").fetchone()
        out.append((name, None, "pass" if ok * 100 >= pct * n else "fail"))

    def per_region(name: str, cond: str, regions: list[str], active: bool) -> None:
        counts = dict(con.execute(f"SELECT region, count(*) FILTER (WHERE {cond}) FROM t GROUP BY region").fetchall())
        for r in regions:
            out.append((name, r, ("pass" if counts.get(r, 0) >= 1 else "fail") if active else "not_applicable"))

    per_region("autonomous_region_demo", "demo_level IN ('autonomous_region', 'national')", REGIONS, year == 2025)
    per_region("national_demo", "demo_level = 'national'", CITY, year == 2025)
    (keys,) = con.execute("SELECT count(*) FILTER (WHERE key_community) FROM t").fetchone()
    out.append(("key_communities_selected", None, "pass" if keys == 26 else "fail"))
    share("service_space_share", "service_space_m2 >= 200", SPACE_SHARE[year])
    if year == 2024:
        share("one_stop_share", "one_stop_center", 30)
    else:
        out.append(("one_stop_share", None, "not_applicable"))
    if year in HARMONIOUS:
        share("harmonious_share", "harmonious_standard_met", HARMONIOUS[year])
        share("five_good_share", "party_org_five_good", FIVE_GOOD[year], where="has_party_org")
    else:
        out += [("harmonious_share", None, "not_applicable"), ("five_good_share", None, "not_applicable")]
    if year == 2025:
        college, leaders = con.execute("SELECT sum(leaders_college), sum(leaders) FROM t").fetchone()
        out.append(("leaders_education", None, "pass" if college * 100 >= leaders * 80 else "fail"))
    else:
        out.append(("leaders_education", None, "not_applicable"))
    return out


def source(path: str, text_columns: str) -> str:
    """The records of a CSV or Parquet file with exact typed columns (`text_columns`: the
    other columns a Parquet read keeps)."""
    types = {c: "DECIMAL(18, 2)" for c in DECIMALS} | {c: "INTEGER" for c in INTEGERS} | {
        c: "BOOLEAN" for c in BOOLS}
    if path.endswith(".parquet"):
        cols = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in types.items())
        return f"SELECT {text_columns}, {cols} FROM read_parquet('{path}')"
    spec = ", ".join(f"'{c}': '{t}'" for c, t in types.items())
    return f"SELECT * FROM read_csv('{path}', header = true, types = {{{spec}}})"


def main() -> None:
    path, year = sys.argv[1], int(sys.argv[2])
    con = duckdb.connect()
    con.execute(f"CREATE TEMP TABLE t AS {source(path, 'id, region, demo_level, exemptions')}")
    cases = rules(year)
    sql = "SELECT " + ", ".join(f"{case} AS \"{name}\"" for name, case in cases) + " FROM t"
    counts = {}
    for name, _ in cases:
        rows = con.execute(f"SELECT \"{name}\", count(*) FROM ({sql}) GROUP BY 1").fetchall()
        counts[name] = dict(rows)
    print(json.dumps({"rules": counts, "targets": targets(con, year)}, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main()
