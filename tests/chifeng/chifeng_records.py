"""Records for testing the Chifeng policy: a compliant baseline and small populations.

`community(**changes)` is a community that meets every Chifeng rule in every year of
the plan (2023–2025), with `changes` applied, so a test states only what matters.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "policies" / "chifeng_2023.pol"
SAMPLE = ROOT / "examples" / "chifeng_communities.csv"
DOC = ROOT / "docs" / "chifeng.md"
YEARS = (2023, 2024, 2025)

REGIONS = ("红山区", "元宝山区", "松山区", "阿鲁科尔沁旗", "巴林左旗", "巴林右旗",
           "林西县", "克什克腾旗", "翁牛特旗", "喀喇沁旗", "宁城县", "敖汉旗")
CITY_DISTRICTS = ("红山区", "松山区", "元宝山区")

# Compliant with margin everywhere: 1500 households need 300 m2 (C22) and 3.75
# workers (C27); the income is above the full wage (C08 in 2025); funds grow (C20).
BASELINE: dict[str, object] = {
    "id": "T-001", "name": "测试社区", "region": "红山区",
    "key_community": True, "new_build": True, "households": 1500,
    "has_party_org": True, "party_org_five_good": True, "has_residents_committee": True,
    "harmonious_standard_met": True, "demo_level": "national", "has_own_office": True,
    "service_space_m2": "400.00", "service_space_fund_paid": False, "service_space_misused": False,
    "one_stop_center": True, "one_stop_center_m2": "80.00",
    "culture_room": True, "health_station": True,
    "staff_count": 4, "staff_trained": 4,
    "staff_avg_income": "70000.00", "local_avg_wage_prev_year": "65743.07",
    "pay_in_budget": True,
    "operating_funds": "12000.00", "operating_funds_prev_year": "11000.00", "activity_funds": "500.00",
    "leaders": 5, "leaders_college": 4,
    "party_orgs_total": 10, "party_orgs_co_building": 10,
    "retirees": 20, "retirees_managed": 20,
}


def community(**changes: object) -> dict[str, object]:
    """The compliant baseline community with `changes` applied."""
    unknown = set(changes) - set(BASELINE) - {"exemptions"}
    assert not unknown, f"not a Chifeng fact: {sorted(unknown)}"
    return {**BASELINE, **changes}


def communities(n: int, prefix: str = "T", **changes: object) -> list[dict[str, object]]:
    """`n` baseline communities with distinct ids (`T-001`, `T-002`, …) and `changes` applied."""
    return [community(**{**changes, "id": f"{prefix}-{i + 1:03d}"}) for i in range(n)]


def mixed(*parts: tuple[int, dict[str, object]]) -> list[dict[str, object]]:
    """A population of `(count, changes)` parts, ids numbered across parts."""
    out: list[dict[str, object]] = []
    for count, changes in parts:
        for _ in range(count):
            out.append(community(**{**changes, "id": f"T-{len(out) + 1:03d}"}))
    return out
