"""Generate examples/chifeng_communities.csv: synthetic community records for Chifeng.

Every value written by this script is invented. The records are not real Chifeng
data; they are a plausible population (about 300 urban communities in the 12
regions of Chifeng) shaped to exercise every clause C01-C27 of the Chifeng plan
(see docs/chifeng/clauses.md): every clause passes for some records and
fails for others, and some records sit exactly on each numeric threshold.

The field names, order and units follow the record schema (facts.md). The script
uses only the standard library and a fixed random seed, so two runs write
byte-identical files:

    python examples/make_chifeng_data.py

A short summary of the population shares and the boundary records goes to stderr.
"""

from __future__ import annotations

import csv
import json
import math
import random
import sys
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

SEED = 20230101
OUT = Path(__file__).resolve().parent / "chifeng_communities.csv"

FIELDS = [
    "id",
    "name",
    "region",
    "key_community",
    "new_build",
    "households",
    "has_party_org",
    "party_org_five_good",
    "has_residents_committee",
    "harmonious_standard_met",
    "demo_level",
    "has_own_office",
    "service_space_m2",
    "service_space_fund_paid",
    "service_space_misused",
    "one_stop_center",
    "one_stop_center_m2",
    "culture_room",
    "health_station",
    "staff_count",
    "staff_trained",
    "staff_avg_income",
    "local_avg_wage_prev_year",
    "pay_in_budget",
    "operating_funds",
    "operating_funds_prev_year",
    "activity_funds",
    "leaders",
    "leaders_college",
    "party_orgs_total",
    "party_orgs_co_building",
    "retirees",
    "retirees_managed",
    "exemptions",
]

# region, id code, number of communities, local average urban wage of the previous
# year (yuan; one figure per region, as published per banner/county/district).
REGIONS = [
    ("红山区", "HS", 80, "79860.00"),
    ("松山区", "SS", 75, "78240.00"),
    ("元宝山区", "YBS", 50, "76520.00"),
    ("喀喇沁旗", "KLQ", 25, "60000.00"),
    ("宁城县", "NC", 14, "65743.10"),
    ("林西县", "LX", 10, "63180.00"),
    ("巴林左旗", "BLZ", 10, "64250.00"),
    ("翁牛特旗", "WNT", 10, "62890.00"),
    ("敖汉旗", "AH", 8, "61730.00"),
    ("巴林右旗", "BLY", 6, "66470.00"),
    ("克什克腾旗", "KSK", 6, "67120.00"),
    ("阿鲁科尔沁旗", "ALK", 6, "63540.00"),
]
CITY_DISTRICTS = ("红山区", "松山区", "元宝山区")
# key communities per region (26 in all, mostly in the 4 key regions)
KEY_PER_REGION = {"HS": 9, "SS": 8, "YBS": 5, "KLQ": 2, "NC": 1, "LX": 1}
# regions left without an autonomous-region-level (or national) demonstration community (C01 fails)
NO_AR_DEMO = ("KSK", "ALK")
# national demonstration communities per city district (C02: 元宝山区 has none)
NATIONAL = {"HS": 2, "SS": 1}

# citywide targets (counts out of 300 records)
TARGET_SPACE_200 = 186  # 0.62: C07 passes 2023 (40%) and 2024 (60%), fails 2025 (80%)
TARGET_ONE_STOP = 99  # 0.33: C13 passes 2024 (30%); C14 (every community, 2025) fails
TARGET_HARMONIOUS = 135  # 0.45: C15 passes 2024 (30%), falls short 2025 (60%)
TARGET_FIVE_GOOD = Decimal("0.80")  # among has_party_org: C16 passes 2024 (70%), fails 2025 (90%)
TARGET_LEADERS_COLLEGE = Decimal("0.78")  # C18 2025 (80%) fails, but close

CENT = Decimal("0.01")

FIRST = "长新东西南北富兴和安康福民华建光明永丰清锦昌文惠春阳平荣盛祥乐佳景红松桥钢园学"
SECOND = "青华城桥苑园山河和安宁兴盛泰丰源林湖馨街晖阳康乐福惠平润苑西北南东"

rng = random.Random(SEED)


def money(value: Decimal | str | int | float) -> Decimal:
    """Round to two decimals (half up), as written in the CSV."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def rand_money(low: int, high: int, step: int = 1) -> Decimal:
    """A random amount of whole `step` units in [low, high]."""
    return money(rng.randrange(low, high + 1, step))


def rand_cents(low: str, high: str) -> Decimal:
    """A random amount with cents in [low, high]."""
    lo, hi = int(Decimal(low) * 100), int(Decimal(high) * 100)
    return money(Decimal(rng.randint(lo, hi)) / 100)


def make_names(count: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        a, b = rng.choice(FIRST), rng.choice(SECOND)
        if a == b:
            continue
        name = f"{a}{b}社区"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def base_record(rid: str, name: str, region: str, wage: Decimal, rural: bool) -> dict:
    """A plausible, mostly compliant record; boundary and failure cases are set later."""
    r = rng.random()
    if r < (0.10 if rural else 0.04):
        households = rng.randint(560, 980)
    elif r > 0.97:
        households = rng.randint(2050, 2900)
    else:
        households = rng.randint(1010, 1990)
    if households % 400 == 0:  # keep exact C27 boundaries to the listed records
        households += 7
    need_staff = math.ceil(households / 400)
    staff = need_staff + rng.choice((0, 0, 1, 1, 1, 2))
    if staff * 400 == households:
        staff += 1

    # worker income as a share of the local wage, away from 70 / 85 / 100 %
    u = rng.random()
    if u < 0.72:
        ratio = rng.randint(1005, 1200)
    elif u < 0.90:
        ratio = rng.randint(855, 995)
    elif u < 0.97:
        ratio = rng.randint(705, 845)
    else:
        ratio = rng.randint(600, 695)
    income = money(wage * ratio / 1000)

    funds = rand_money(12000, 60000, 500)
    prev = money((funds * rng.randint(80, 97) / 100 / 100).to_integral_value() * 100)

    orgs_total = 0 if rural and rng.random() < 0.15 else rng.randint(3, 30)
    orgs_co = orgs_total - rng.randint(0, orgs_total // 10)
    if orgs_total and orgs_co * 10 == orgs_total * 9:
        orgs_co += 1

    retirees = 0 if rng.random() < 0.05 else rng.randint(30, 650)
    managed = retirees - rng.randint(0, retirees // 20)
    if retirees and managed * 100 == retirees * 95:
        managed += 1

    leaders = rng.randint(5, 9)
    new_build = rng.random() < (0.05 if rural else 0.14)
    if new_build:
        space = money(Decimal(households) * Decimal("0.2") + rng.randint(5, 90))
    elif rng.random() < 0.62:
        space = rand_cents("200.50", "420.00")
    else:
        space = rand_cents("60.00", "198.00")

    return {
        "id": rid,
        "name": name,
        "region": region,
        "key_community": False,
        "new_build": new_build,
        "households": households,
        "has_party_org": True,
        "party_org_five_good": rng.random() < 0.8,
        "has_residents_committee": True,
        "harmonious_standard_met": rng.random() < 0.4,
        "demo_level": "none",
        "has_own_office": True,
        "service_space_m2": space,
        "service_space_fund_paid": False,
        "service_space_misused": False,
        "one_stop_center": False,
        "one_stop_center_m2": money(0),
        "culture_room": rng.random() < 0.95,
        "health_station": rng.random() < 0.92,
        "staff_count": staff,
        "staff_trained": staff,
        "staff_avg_income": income,
        "local_avg_wage_prev_year": wage,
        "pay_in_budget": True,
        "operating_funds": funds,
        "operating_funds_prev_year": prev,
        "activity_funds": rand_money(3000, 20000, 500),
        "leaders": leaders,
        "leaders_college": leaders,
        "party_orgs_total": orgs_total,
        "party_orgs_co_building": orgs_co,
        "retirees": retirees,
        "retirees_managed": managed,
        "exemptions": {},
    }


# --- boundary records: exactly on (or just beside) each numeric threshold -------------
# (record id, fields to set, clause, what it shows). These fields are locked: the
# share adjustments below never touch them.
BOUNDARY: list[tuple[str, dict, str, str]] = [
    # C07: service_space_m2 >= 200
    ("CF-HS-004", {"service_space_m2": "200.00"}, "C07", "200.00 m2, exactly 200 (meets)"),
    ("CF-SS-011", {"service_space_m2": "200.00"}, "C07", "200.00 m2, exactly 200 (meets)"),
    ("CF-NC-002", {"service_space_m2": "200.00"}, "C07", "200.00 m2, exactly 200 (meets)"),
    ("CF-YBS-007", {"service_space_m2": "199.99"}, "C07", "199.99 m2, just below"),
    # C08: income >= 70 / 85 / 100 % of local wage (KLQ wage 60000.00, NC wage 65743.10)
    ("CF-KLQ-003", {"staff_avg_income": "42000.00"}, "C08", "70% of 60000.00 exactly"),
    ("CF-KLQ-005", {"staff_avg_income": "51000.00"}, "C08", "85% of 60000.00 exactly"),
    ("CF-KLQ-008", {"staff_avg_income": "60000.00"}, "C08", "100% of 60000.00 exactly"),
    ("CF-KLQ-010", {"staff_avg_income": "41999.99"}, "C08", "one cent below 70% of 60000.00"),
    ("CF-NC-004", {"staff_avg_income": "46020.17"}, "C08", "70% of 65743.10 exactly"),
    ("CF-NC-006", {"staff_avg_income": "46020.16"}, "C08", "one cent below 70% of 65743.10"),
    (
        "CF-NC-007",
        {"staff_avg_income": "55881.64"},
        "C08",
        "just above 85% of 65743.10 (55881.635)",
    ),
    (
        "CF-NC-009",
        {"staff_avg_income": "55881.63"},
        "C08",
        "just below 85% of 65743.10 (55881.635)",
    ),
    ("CF-NC-010", {"staff_avg_income": "65743.10"}, "C08", "100% of 65743.10 exactly"),
    # C09: operating_funds >= 10000 ; C20: operating_funds >= previous year
    (
        "CF-LX-002",
        {"operating_funds": "10000.00", "operating_funds_prev_year": "10000.00"},
        "C09 C20",
        "10000.00 yuan, exactly 10000, equal to previous year",
    ),
    (
        "CF-WNT-003",
        {"operating_funds": "10000.00", "operating_funds_prev_year": "9500.00"},
        "C09",
        "10000.00 yuan, exactly 10000",
    ),
    (
        "CF-BLZ-004",
        {"operating_funds": "9999.99", "operating_funds_prev_year": "9800.00"},
        "C09",
        "9999.99 yuan, one cent below",
    ),
    (
        "CF-HS-020",
        {"operating_funds": "30000.00", "operating_funds_prev_year": "30000.00"},
        "C20",
        "30000.00 = previous year",
    ),
    (
        "CF-SS-035",
        {"operating_funds": "24500.00", "operating_funds_prev_year": "24500.00"},
        "C20",
        "24500.00 = previous year",
    ),
    (
        "CF-YBS-025",
        {"operating_funds": "21999.99", "operating_funds_prev_year": "22000.00"},
        "C20",
        "one cent below previous year",
    ),
    # C12: one_stop_center_m2 >= 50 (in principle)
    (
        "CF-HS-010",
        {"one_stop_center": True, "one_stop_center_m2": "50.00"},
        "C12",
        "50.00 m2, exactly 50",
    ),
    (
        "CF-SS-020",
        {"one_stop_center": True, "one_stop_center_m2": "49.99"},
        "C12",
        "49.99 m2, just below",
    ),
    (
        "CF-AH-002",
        {
            "one_stop_center": True,
            "one_stop_center_m2": "36.00",
            "exemptions": {
                "C12": "centre shares the street office hall, 36 m2 approved by the banner civil-affairs bureau"
            },
        },
        "C12",
        "36.00 m2, below, with a C12 exemption",
    ),
    # C19: activity_funds > 0
    ("CF-BLY-002", {"activity_funds": "0.00"}, "C19", "0.00 yuan (fails)"),
    ("CF-YBS-015", {"activity_funds": "0.00"}, "C19", "0.00 yuan (fails)"),
    ("CF-HS-040", {"activity_funds": "0.00"}, "C19", "0.00 yuan (fails)"),
    ("CF-SS-045", {"activity_funds": "0.01"}, "C19", "0.01 yuan, the smallest amount above 0"),
    # C21: 1000 <= households <= 2000 (in principle); C27: staff_count >= households / 400
    (
        "CF-HS-012",
        {"households": 1000, "staff_count": 3, "staff_trained": 3},
        "C21 C27",
        "1000 households (meets C21); 3 workers for 2.5 needed (meets C27)",
    ),
    (
        "CF-SS-014",
        {"households": 2000, "staff_count": 5, "staff_trained": 5},
        "C21 C27",
        "2000 households (meets C21); 5 workers, exactly 2000/400",
    ),
    (
        "CF-YBS-009",
        {"households": 999, "staff_count": 3, "staff_trained": 3},
        "C21",
        "999 households, just below",
    ),
    (
        "CF-HS-033",
        {"households": 2001, "staff_count": 6, "staff_trained": 6},
        "C21",
        "2001 households, just above",
    ),
    (
        "CF-WNT-005",
        {
            "households": 3400,
            "staff_count": 9,
            "staff_trained": 9,
            "exemptions": {
                "C21": "merged village, 3400 households approved by the banner government"
            },
        },
        "C21",
        "3400 households with a C21 exemption",
    ),
    (
        "CF-SS-040",
        {
            "households": 2600,
            "staff_count": 7,
            "staff_trained": 7,
            "exemptions": {
                "C21": "split into two communities in 2025, approved by the district government"
            },
        },
        "C21",
        "2600 households with a C21 exemption",
    ),
    (
        "CF-SS-018",
        {"households": 1000, "staff_count": 2, "staff_trained": 2},
        "C27",
        "1000 households, 2 workers (needs 2.5: fails)",
    ),
    (
        "CF-YBS-013",
        {"households": 1200, "staff_count": 3, "staff_trained": 3},
        "C27",
        "1200 households, 3 workers, exactly 1200/400",
    ),
    (
        "CF-SS-025",
        {"households": 1600, "staff_count": 4, "staff_trained": 4},
        "C27",
        "1600 households, 4 workers, exactly 1600/400",
    ),
    (
        "CF-HS-025",
        {"households": 1201, "staff_count": 3, "staff_trained": 3},
        "C27",
        "1201 households, 3 workers (needs 3.0025: fails)",
    ),
    (
        "CF-BLZ-006",
        {
            "households": 1800,
            "staff_count": 3,
            "staff_trained": 3,
            "exemptions": {
                "C27": "two posts vacant, open recruitment approved by the banner civil-affairs bureau"
            },
        },
        "C27",
        "1800 households, 3 workers (needs 4.5) with a C27 exemption",
    ),
    # C22: new builds need 20 m2 per 100 households, or the fund paid
    (
        "CF-HS-015",
        {
            "new_build": True,
            "households": 1001,
            "service_space_m2": "200.20",
            "staff_count": 3,
            "staff_trained": 3,
        },
        "C22",
        "new build, 1001 households, 200.20 m2 exactly",
    ),
    (
        "CF-SS-016",
        {
            "new_build": True,
            "households": 1500,
            "service_space_m2": "300.00",
            "staff_count": 4,
            "staff_trained": 4,
        },
        "C22",
        "new build, 1500 households, 300.00 m2 exactly",
    ),
    (
        "CF-SS-030",
        {
            "new_build": True,
            "households": 1234,
            "service_space_m2": "246.80",
            "staff_count": 4,
            "staff_trained": 4,
        },
        "C22",
        "new build, 1234 households, 246.80 m2 exactly",
    ),
    (
        "CF-YBS-011",
        {
            "new_build": True,
            "households": 1500,
            "service_space_m2": "299.99",
            "staff_count": 4,
            "staff_trained": 4,
        },
        "C22",
        "new build, 1500 households, 299.99 m2 (one hundredth short)",
    ),
    (
        "CF-HS-016",
        {
            "new_build": True,
            "households": 1001,
            "service_space_m2": "200.19",
            "staff_count": 3,
            "staff_trained": 3,
        },
        "C22",
        "new build, 1001 households, 200.19 m2 (one hundredth short)",
    ),
    (
        "CF-KLQ-012",
        {
            "new_build": True,
            "households": 620,
            "service_space_m2": "80.00",
            "service_space_fund_paid": True,
            "staff_count": 2,
            "staff_trained": 2,
        },
        "C22",
        "small new build, 620 households, 80.00 m2, fund paid instead (meets)",
    ),
    (
        "CF-NC-011",
        {
            "new_build": True,
            "households": 880,
            "service_space_m2": "150.00",
            "service_space_fund_paid": True,
            "staff_count": 3,
            "staff_trained": 3,
        },
        "C22",
        "small new build, 880 households, 150.00 m2, fund paid instead (meets)",
    ),
    # C24: retirees_managed / retirees >= 95%
    ("CF-HS-018", {"retirees": 20, "retirees_managed": 19}, "C24", "19 of 20, exactly 95%"),
    ("CF-YBS-020", {"retirees": 400, "retirees_managed": 380}, "C24", "380 of 400, exactly 95%"),
    ("CF-SS-022", {"retirees": 20, "retirees_managed": 18}, "C24", "18 of 20, 90% (fails)"),
    ("CF-KLQ-015", {"retirees": 400, "retirees_managed": 379}, "C24", "379 of 400, just below 95%"),
    # C26: party_orgs_co_building / party_orgs_total >= 90% (strive)
    (
        "CF-HS-021",
        {"party_orgs_total": 10, "party_orgs_co_building": 9},
        "C26",
        "9 of 10, exactly 90%",
    ),
    (
        "CF-SS-028",
        {"party_orgs_total": 20, "party_orgs_co_building": 18},
        "C26",
        "18 of 20, exactly 90%",
    ),
    (
        "CF-YBS-017",
        {"party_orgs_total": 10, "party_orgs_co_building": 8},
        "C26",
        "8 of 10, 80% (falls short)",
    ),
    (
        "CF-LX-004",
        {"party_orgs_total": 0, "party_orgs_co_building": 0},
        "C26",
        "no Party organisations in the area (not applicable)",
    ),
    # C17: staff_trained >= staff_count
    ("CF-HS-030", {"staff_count": 6, "staff_trained": 6}, "C17", "6 of 6 trained (meets)"),
    ("CF-SS-033", {"staff_count": 5, "staff_trained": 4}, "C17", "4 of 5 trained (fails)"),
]

# per-record failures of boolean must-clauses (a few each, spread over regions)
BOOL_FAILS: list[tuple[str, dict, str]] = [
    ("CF-ALK-003", {"has_party_org": False, "party_org_five_good": False}, "C05"),
    ("CF-SS-050", {"has_party_org": False, "party_org_five_good": False}, "C05"),
    ("CF-KSK-002", {"has_residents_committee": False}, "C05"),
    ("CF-HS-055", {"has_own_office": False}, "C06"),
    ("CF-WNT-007", {"has_own_office": False}, "C06"),
    ("CF-YBS-033", {"has_own_office": False}, "C06"),
    ("CF-HS-062", {"pay_in_budget": False}, "C10"),
    ("CF-AH-005", {"pay_in_budget": False}, "C10"),
    ("CF-SS-061", {"pay_in_budget": False}, "C10"),
    ("CF-HS-047", {"service_space_misused": True}, "C23"),
    ("CF-SS-057", {"service_space_misused": True}, "C23"),
    ("CF-NC-013", {"service_space_misused": True}, "C23"),
]


def build() -> list[dict]:
    records: list[dict] = []
    names = make_names(sum(n for _, _, n, _ in REGIONS))
    for region, code, n, wage in REGIONS:
        rural = region not in CITY_DISTRICTS
        for i in range(1, n + 1):
            rid = f"CF-{code}-{i:03d}"
            records.append(base_record(rid, names[len(records)], region, Decimal(wage), rural))
    by_id = {r["id"]: r for r in records}
    locked: dict[str, set[str]] = {r["id"]: set() for r in records}

    def lock(rid: str, *fields: str) -> None:
        locked[rid].update(fields)

    # key communities (C03), chosen away from the boundary records of C12
    for region, code, _, _ in REGIONS:
        k = KEY_PER_REGION.get(code, 0)
        pool = [r for r in records if r["region"] == region]
        for r in rng.sample(pool, k):
            r["key_community"] = True
    keys = [r for r in records if r["key_community"]]

    # demonstration titles (C01, C02): prefer key communities
    for region, code, _, _ in REGIONS:
        members = [r for r in records if r["region"] == region]
        ordered = sorted(members, key=lambda r: (not r["key_community"], rng.random()))
        n_nat = NATIONAL.get(code, 0)
        n_ar = (
            0 if code in NO_AR_DEMO else (3 if code in ("HS", "SS") else 2 if code == "YBS" else 1)
        )
        for r in ordered[:n_nat]:
            r["demo_level"] = "national"
        for r in ordered[n_nat : n_nat + n_ar]:
            r["demo_level"] = "autonomous_region"
        n_city = max(1, round(len(members) * 0.12))
        for r in rng.sample(ordered[n_nat + n_ar :], n_city):
            r["demo_level"] = "city"

    # key communities meet the standard and have a one-stop centre, but one each does not
    for r in keys:
        r["harmonious_standard_met"] = True
        r["one_stop_center"] = True
    boundary_ids = {rid for rid, *_ in BOUNDARY} | {rid for rid, *_ in BOOL_FAILS}
    fail_c04, fail_c11 = rng.sample(
        [r for r in keys if r["demo_level"] == "none" and r["id"] not in boundary_ids], 2
    )
    fail_c04["harmonious_standard_met"] = False
    fail_c11["one_stop_center"] = False
    lock(fail_c04["id"], "harmonious_standard_met")
    lock(fail_c11["id"], "one_stop_center")
    for r in records:
        if r["demo_level"] != "none":
            r["harmonious_standard_met"] = True

    # boundary records and boolean failures
    for rid, fields, _, _ in BOUNDARY:
        rec = by_id[rid]
        if "new_build" not in fields:  # keep C22 out of the other clauses' boundary records
            rec["new_build"] = False
            lock(rid, "new_build")
        for f, v in fields.items():
            if f in ("exemptions",):
                rec[f] = dict(v)
            elif isinstance(v, str):
                rec[f] = money(v)
            else:
                rec[f] = v
            lock(rid, f)
    for rid, fields, _ in BOOL_FAILS:
        for f, v in fields.items():
            by_id[rid][f] = v
            lock(rid, f)

    # a few more per-record failures, spread at random over unlocked records
    free = [r for r in records if not locked[r["id"]]]
    for r in rng.sample(free, 14):  # C17: not everyone trained this year
        r["staff_trained"] = r["staff_count"] - rng.choice((1, 1, 2))
        lock(r["id"], "staff_trained")
    free = [r for r in records if not locked[r["id"]]]
    for r in rng.sample(free, 12):  # C20: funds fell
        r["operating_funds_prev_year"] = money(r["operating_funds"] + rng.randrange(500, 4001, 500))
        lock(r["id"], "operating_funds_prev_year")
    free = [r for r in records if not locked[r["id"]] and r["retirees"] >= 40]
    for r in rng.sample(free, 10):  # C24: below 95 %
        r["retirees_managed"] = r["retirees"] * 95 // 100 - rng.randint(1, 12)
        lock(r["id"], "retirees_managed")
    free = [r for r in records if not locked[r["id"]] and r["party_orgs_total"] >= 5]
    for r in rng.sample(free, 15):  # C26: below 90 % (strive)
        r["party_orgs_co_building"] = r["party_orgs_total"] * 9 // 10 - rng.randint(1, 2)
        lock(r["id"], "party_orgs_co_building")

    # --- citywide shares, adjusted to exact targets without touching locked fields ---
    def adjust(flag_on, set_on, set_off, target: int, can_on, can_off) -> None:
        on = sum(1 for r in records if flag_on(r))
        if on < target:
            pool = [r for r in records if not flag_on(r) and can_on(r)]
            for r in rng.sample(pool, target - on):
                set_on(r)
        elif on > target:
            pool = [r for r in records if flag_on(r) and can_off(r)]
            for r in rng.sample(pool, on - target):
                set_off(r)

    def free_of(r: dict, *fields: str) -> bool:
        return not locked[r["id"]].intersection(fields)

    # C07: service_space_m2 >= 200; new builds keep their 20 m2 per 100 households
    def space_on(r: dict) -> None:
        r["service_space_m2"] = rand_cents("200.50", "380.00")

    def space_off(r: dict) -> None:
        r["service_space_m2"] = rand_cents("70.00", "198.00")

    adjust(
        lambda r: r["service_space_m2"] >= 200,
        space_on,
        space_off,
        TARGET_SPACE_200,
        lambda r: free_of(r, "service_space_m2") and not r["new_build"],
        lambda r: free_of(r, "service_space_m2") and not r["new_build"],
    )

    # C13 / C14: one-stop centres (key communities keep theirs)
    def center_on(r: dict) -> None:
        r["one_stop_center"] = True

    def center_off(r: dict) -> None:
        r["one_stop_center"] = False

    adjust(
        lambda r: r["one_stop_center"],
        center_on,
        center_off,
        TARGET_ONE_STOP,
        lambda r: free_of(r, "one_stop_center"),
        lambda r: free_of(r, "one_stop_center") and not r["key_community"],
    )
    for r in records:
        if not r["one_stop_center"]:
            r["one_stop_center_m2"] = money(0)
        elif "one_stop_center_m2" not in locked[r["id"]]:
            r["one_stop_center_m2"] = money(rng.randint(60, 220))

    # C15: harmonious standard (key and demonstration communities keep it)
    def harm_on(r: dict) -> None:
        r["harmonious_standard_met"] = True

    def harm_off(r: dict) -> None:
        r["harmonious_standard_met"] = False

    adjust(
        lambda r: r["harmonious_standard_met"],
        harm_on,
        harm_off,
        TARGET_HARMONIOUS,
        lambda r: free_of(r, "harmonious_standard_met"),
        lambda r: (
            free_of(r, "harmonious_standard_met")
            and not r["key_community"]
            and r["demo_level"] == "none"
        ),
    )

    # C16: "five good" share among communities with a Party organisation
    for r in records:
        if not r["has_party_org"]:
            r["party_org_five_good"] = False
    with_org = [r for r in records if r["has_party_org"]]
    target_five = int((TARGET_FIVE_GOOD * len(with_org)).to_integral_value(ROUND_HALF_UP))

    def five_on(r: dict) -> None:
        r["party_org_five_good"] = True

    def five_off(r: dict) -> None:
        r["party_org_five_good"] = False

    adjust(
        lambda r: r["party_org_five_good"],
        five_on,
        five_off,
        target_five,
        lambda r: r["has_party_org"],
        lambda r: not r["key_community"] and r["demo_level"] == "none",
    )

    # C18: ratio of sums leaders_college / leaders
    for r in records:
        r["leaders_college"] = r["leaders"] - rng.choice((0, 1, 1, 2, 2, 3))
    total_leaders = sum(r["leaders"] for r in records)
    target_college = int((TARGET_LEADERS_COLLEGE * total_leaders).to_integral_value(ROUND_HALF_UP))
    while (diff := target_college - sum(r["leaders_college"] for r in records)) != 0:
        r = rng.choice(records)
        if diff > 0 and r["leaders_college"] < r["leaders"]:
            r["leaders_college"] += 1
        elif diff < 0 and r["leaders_college"] > 1:
            r["leaders_college"] -= 1

    return records


def check(records: list[dict]) -> None:
    """Schema constraints of facts.md; the script stops rather than write bad data."""
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)), "duplicate id"
    assert sum(r["key_community"] for r in records) == 26
    for r in records:
        for whole, part in (
            ("staff_count", "staff_trained"),
            ("leaders", "leaders_college"),
            ("party_orgs_total", "party_orgs_co_building"),
            ("retirees", "retirees_managed"),
        ):
            assert 0 <= r[part] <= r[whole], (r["id"], part)
        assert r["households"] >= 0
        for f in FIELDS:
            if isinstance(r[f], Decimal):
                assert r[f] >= 0 and r[f] == r[f].quantize(CENT), (r["id"], f)
        if not r["one_stop_center"]:
            assert r["one_stop_center_m2"] == 0, r["id"]
        if r["service_space_fund_paid"]:
            assert r["new_build"], r["id"]
        assert r["demo_level"] in ("none", "city", "autonomous_region", "national")
        assert set(r["exemptions"]) <= {"C12", "C21", "C27"}, r["id"]


def cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    return str(value)


def write(records: list[dict]) -> None:
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(FIELDS)
        for r in records:
            w.writerow([cell(r[f]) for f in FIELDS])


def summary(records: list[dict]) -> None:
    n = len(records)

    def share(count: int, total: int) -> str:
        return f"{count}/{total} = {count / total:.4f}"

    err = sys.stderr
    print(f"wrote {OUT.name}: {n} records", file=err)
    per_region = Counter(r["region"] for r in records)
    print("records per region: " + ", ".join(f"{k} {v}" for k, v in per_region.items()), file=err)
    print(f"key communities (C03): {sum(r['key_community'] for r in records)}", file=err)
    print(
        f"service_space_m2 >= 200 (C07): {share(sum(r['service_space_m2'] >= 200 for r in records), n)}",
        file=err,
    )
    print(
        f"one_stop_center (C13/C14): {share(sum(r['one_stop_center'] for r in records), n)}",
        file=err,
    )
    print(
        f"harmonious_standard_met (C15): {share(sum(r['harmonious_standard_met'] for r in records), n)}",
        file=err,
    )
    with_org = [r for r in records if r["has_party_org"]]
    print(
        f"five good among has_party_org (C16): {share(sum(r['party_org_five_good'] for r in with_org), len(with_org))}",
        file=err,
    )
    print(
        "leaders_college / leaders (C18): "
        + share(sum(r["leaders_college"] for r in records), sum(r["leaders"] for r in records)),
        file=err,
    )
    high = {"autonomous_region", "national"}
    missing = [
        reg
        for reg, *_ in REGIONS
        if not any(r["region"] == reg and r["demo_level"] in high for r in records)
    ]
    print(
        f"regions without an autonomous_region+ demonstration community (C01): {', '.join(missing)}",
        file=err,
    )
    nat = Counter(r["region"] for r in records if r["demo_level"] == "national")
    print(
        "national demonstration communities (C02): "
        + ", ".join(f"{d} {nat.get(d, 0)}" for d in CITY_DISTRICTS),
        file=err,
    )
    key_fail = [r["id"] for r in records if r["key_community"] and not r["harmonious_standard_met"]]
    print(f"key communities below the harmonious standard (C04): {', '.join(key_fail)}", file=err)
    key_fail = [r["id"] for r in records if r["key_community"] and not r["one_stop_center"]]
    print(f"key communities without a one-stop centre (C11): {', '.join(key_fail)}", file=err)
    print("boundary records:", file=err)
    for rid, _, clause, what in BOUNDARY:
        print(f"  {clause:8} {rid:11} {what}", file=err)


def main() -> None:
    records = build()
    check(records)
    write(records)
    summary(records)


if __name__ == "__main__":
    main()
