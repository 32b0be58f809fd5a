"""The Chifeng per-record rules written by hand, as a developer without policydsl would:
float arithmetic, no unknowns, no explanations. Baselines for `bench.py`, not references.

Outcomes are codes into `policydsl.eval.results.OUTCOMES`: 0 pass, 1 fail, 2 exempted, 3 n/a.
"""

from __future__ import annotations

import numpy as np

P, F, EX, NA = 0, 1, 2, 3
INCOME_SHARE = {2023: 0.70, 2024: 0.85, 2025: 1.00}


def judge(r: dict, ex: dict, year: int) -> tuple[int, ...]:
    """All 20 per-record rules for one record (a dict of floats and bools)."""
    y25 = year == 2025
    return (
        (P if r["harmonious_standard_met"] else F) if r["key_community"] else NA,
        P if r["has_party_org"] and r["has_residents_committee"] else F,
        P if r["has_own_office"] else F,
        P if r["staff_avg_income"] >= INCOME_SHARE[year] * r["local_avg_wage_prev_year"] else F,
        P if r["operating_funds"] >= 10000 else F,
        P if r["pay_in_budget"] else F,
        (P if r["one_stop_center"] else F) if r["key_community"] else NA,
        (EX if "C12" in ex else (P if r["one_stop_center_m2"] >= 50 else F))
        if r["one_stop_center"] else NA,
        (P if r["one_stop_center"] else F) if y25 else NA,
        (P if r["staff_trained"] >= r["staff_count"] else F) if year == 2023 else NA,
        (P if r["staff_trained"] >= r["staff_count"] else F) if year >= 2024 else NA,
        (P if r["activity_funds"] > 0 else F) if year >= 2024 else NA,
        (P if r["operating_funds"] >= r["operating_funds_prev_year"] else F) if y25 else NA,
        EX if "C21" in ex else (P if 1000 <= r["households"] <= 2000 else F),
        (P if r["service_space_m2"] >= 0.2 * r["households"] or r["service_space_fund_paid"] else F)
        if r["new_build"] else NA,
        P if not r["service_space_misused"] else F,
        ((P if r["retirees_managed"] >= 0.95 * r["retirees"] else F) if r["retirees"] > 0 else NA)
        if y25 else NA,
        (P if r["culture_room"] and r["health_station"] else F) if y25 else NA,
        (P if r["party_orgs_co_building"] >= 0.9 * r["party_orgs_total"] else F)
        if r["party_orgs_total"] > 0 else NA,
        EX if "C27" in ex else (P if r["staff_count"] >= r["households"] / 400 else F),
    )


def judge_columns(c: dict, ex: dict, year: int) -> np.ndarray:
    """The same rules over columns (float64 / bool arrays); one row per record."""
    w = np.where
    n = len(c["households"])
    na = np.full(n, NA, dtype=np.int8)
    y25 = year == 2025
    cols = [
        w(c["key_community"], w(c["harmonious_standard_met"], P, F), NA),
        w(c["has_party_org"] & c["has_residents_committee"], P, F),
        w(c["has_own_office"], P, F),
        w(c["staff_avg_income"] >= INCOME_SHARE[year] * c["local_avg_wage_prev_year"], P, F),
        w(c["operating_funds"] >= 10000, P, F),
        w(c["pay_in_budget"], P, F),
        w(c["key_community"], w(c["one_stop_center"], P, F), NA),
        w(c["one_stop_center"], w(ex["C12"], EX, w(c["one_stop_center_m2"] >= 50, P, F)), NA),
        w(c["one_stop_center"], P, F) if y25 else na,
        w(c["staff_trained"] >= c["staff_count"], P, F) if year == 2023 else na,
        w(c["staff_trained"] >= c["staff_count"], P, F) if year >= 2024 else na,
        w(c["activity_funds"] > 0, P, F) if year >= 2024 else na,
        w(c["operating_funds"] >= c["operating_funds_prev_year"], P, F) if y25 else na,
        w(ex["C21"], EX, w((c["households"] >= 1000) & (c["households"] <= 2000), P, F)),
        w(c["new_build"], w((c["service_space_m2"] >= 0.2 * c["households"])
                            | c["service_space_fund_paid"], P, F), NA),
        w(c["service_space_misused"], F, P),
        w(c["retirees"] > 0, w(c["retirees_managed"] >= 0.95 * c["retirees"], P, F), NA) if y25 else na,
        w(c["culture_room"] & c["health_station"], P, F) if y25 else na,
        w(c["party_orgs_total"] > 0, w(c["party_orgs_co_building"] >= 0.9 * c["party_orgs_total"], P, F), NA),
        w(ex["C27"], EX, w(c["staff_count"] >= c["households"] / 400, P, F)),
    ]
    return np.stack([np.broadcast_to(x, (n,)) for x in cols], axis=1).astype(np.int8)
