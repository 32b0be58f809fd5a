"""The per-record rules of the Chifeng policy and of `policies/staffing.pol`, written by
hand as a careful developer would without policydsl: exact `Fraction` arithmetic on
validated values, every fact assumed present, no explanations. Baselines for
`bench_per_record.py`, checked there against the compiled verdicts.

Outcomes are the names in `policydsl.eval.results.OUTCOMES`.
"""

from __future__ import annotations

import math
from fractions import Fraction

P, F, EX, NA, UNK = "pass", "fail", "exempted", "not_applicable", "unknown"
INCOME_SHARE = {2023: Fraction(7, 10), 2024: Fraction(85, 100), 2025: Fraction(1)}
SPACE_PER_HOUSEHOLD = Fraction(20, 100)  # 20 m2 per 100 households


def chifeng(r: dict, ex: dict, year: int) -> tuple[str, ...]:
    """The 20 per-record rules of `policies/chifeng_2023.pol`."""
    y25 = year == 2025
    households = r["households"]
    return (
        (P if r["harmonious_standard_met"] else F) if r["key_community"] else NA,
        P if r["has_party_org"] and r["has_residents_committee"] else F,
        P if r["has_own_office"] else F,
        P if r["staff_avg_income"] >= INCOME_SHARE[year] * r["local_avg_wage_prev_year"] else F,
        P if r["operating_funds"] >= 10000 else F,
        P if r["pay_in_budget"] else F,
        (P if r["one_stop_center"] else F) if r["key_community"] else NA,
        (EX if "C12" in ex else (P if r["one_stop_center_m2"] >= 50 else F)) if r["one_stop_center"] else NA,
        (P if r["one_stop_center"] else F) if y25 else NA,
        (P if r["staff_trained"] >= r["staff_count"] else F) if year == 2023 else NA,
        (P if r["staff_trained"] >= r["staff_count"] else F) if year >= 2024 else NA,
        (P if r["activity_funds"] > 0 else F) if year >= 2024 else NA,
        (P if r["operating_funds"] >= r["operating_funds_prev_year"] else F) if y25 else NA,
        EX if "C21" in ex else (P if 1000 <= households <= 2000 else F),
        (P if r["service_space_m2"] >= SPACE_PER_HOUSEHOLD * households or r["service_space_fund_paid"] else F)
        if r["new_build"] else NA,
        P if not r["service_space_misused"] else F,
        ((P if r["retirees_managed"] >= Fraction(95, 100) * r["retirees"] else F) if r["retirees"] > 0 else NA)
        if y25 else NA,
        (P if r["culture_room"] and r["health_station"] else F) if y25 else NA,
        (P if r["party_orgs_co_building"] >= Fraction(9, 10) * r["party_orgs_total"] else F)
        if r["party_orgs_total"] > 0 else NA,
        EX if "C27" in ex else (P if r["staff_count"] >= households / 400 else F),
    )


WAGE_SHARE = {2024: Fraction(110, 100), 2025: Fraction(120, 100), 2026: Fraction(130, 100)}
LICENSED_ZONES = frozenset({"urban", "suburban"})
SPACE_RATE = Fraction(30, 100)  # 30 m2 per 100 households
TRAINED_SHARE = Fraction(80, 100)


def staffing(r: dict, ex: dict, year: int) -> tuple[str, ...]:
    """The 10 per-record rules of `benchmarks/policies/staffing.pol`."""
    h, workers, residents, area = r["households"], r["workers"], r["residents"], r["floor_area"]
    if h < 300:
        space = 80
    elif h <= 1999:
        space = SPACE_RATE * h
    else:
        space = 600
    volunteers = r.get("volunteers")
    return (
        P if workers >= math.ceil(h / 400) else F,
        P if r["social_workers"] >= min(max(math.ceil(residents / 10), 1), 6) else F,
        P if area >= space else F,
        P if r["budget"] >= min(h * 50, 120000) else F,
        P if r["wage"] >= WAGE_SHARE[year] * r["min_wage"] else F,
        (P if r["trained"] >= math.floor(workers * TRAINED_SHARE) else F) if year >= 2025 else NA,
        EX if "S7" in ex else (P if 300 <= h <= 3000 else F),
        (P if r["licensed"] and not r["suspended"] else F) if r["zone"] in LICENSED_ZONES else NA,
        (P if area >= (400 if r["new_build"] else 300) else F) if r["new_build"] or h > 2000 else NA,
        UNK if volunteers is None else (P if volunteers >= math.floor(residents / 50) else F),
    )
