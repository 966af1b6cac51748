"""Edited copies of the demo workbook for the Summary's package formulas (tests/test_summary_package.py).

Each function takes the demo's content and returns an edited copy, as a CFO or CS lead would edit the workbook:
the budget, one role's cost and hours, coverage ratios, intervals, SLA volumes, a fourth tier, a guardrail the
package cannot meet, a keep-tier-order rule across a tier that does not offer the service, and previous tiers that
are TierPlan's own (so the plan keeps the last cut-offs), and one account raised to $9M ARR (an ARR guardrail lifts it).
"""

from __future__ import annotations

import numpy as np

from planner.workbook.defaults import WorkbookContent
from planner.workbook.demo import demo_content


def _interval(c: WorkbookContent, service: str, tier: str) -> dict:
    return next(r for r in c.intervals if r["service"] == service and r["tier"] == tier)


def _role(c: WorkbookContent, name: str) -> dict:
    return next(r for r in c.roles if r["name"] == name)


def budget(c: WorkbookContent) -> WorkbookContent:
    c.finance["budget"] = 6_250_000  # the package (about 5.7M) now fits
    return c


def role_cost_and_hours(c: WorkbookContent) -> WorkbookContent:
    r = _role(c, "Mid-market CSM")
    r["loaded_cost"], r["productive_hours"] = 160_000.0, 1_250.0
    return c


def coverage_ratios(c: WorkbookContent) -> WorkbookContent:
    _role(c, "Enterprise CSM")["max_accounts"] = 10  # Tier 1's 79 accounts: 8 by coverage, 7 by hours
    _role(c, "TAM")["max_accounts"] = 40  # 2 TAMs instead of 4
    _role(c, "Mid-market CSM")["max_accounts"] = 30  # Tier 2's 410 accounts: 14 by coverage, 11 by hours
    _role(c, "Scaled CSM")["max_accounts"] = 600  # a pooled book across the tiers it serves: 1,921 accounts, 4 people
    return c


def intervals(c: WorkbookContent) -> WorkbookContent:
    _interval(c, "Quarterly business review", "Tier 2").update(negotiated=3)  # keep tier order lifts Tier 1 to... 4 stays
    _interval(c, "Quarterly business review", "Tier 1").update(negotiated=2)  # ...Tier 2's 3: Tier 1 is raised to 3
    _interval(c, "Proactive communications", "Tier 1").update(negotiated=6)  # Tier 3's 12 lifts Tier 2 and Tier 1
    _interval(c, "Escalation management", "Tier 3").update(minimum=0, negotiated=0.5, maximum=1)  # every other year
    _interval(c, "Assigned technical resource", "Tier 1").update(negotiated=24)
    _interval(c, "Health check", "Tier 2").update(hours=3.5)
    return c


def sla_volumes(c: WorkbookContent) -> WorkbookContent:
    for row in c.slas:
        if row["tier"] != "Tier 1":
            row["tickets"] = round(row["tickets"] * 3, 4)  # three times the requests in Tiers 2 and 3
    next(r for r in c.slas if r["channel"] == "Phone")["tickets"] = 0.6  # Tier 1 urgent calls six times as often
    next(r for r in c.slas if r["channel"] == "Chat")["tickets"] = 1.5  # Tier 2 urgent chats: several agents on shift
    return c


def _add_tier_4(c: WorkbookContent, band: dict) -> WorkbookContent:
    c.tiers.append({"name": "Tier 4", "engagement": "Low touch", "max_cost_share": 0.08,
                    "description": "The long tail: digital programmes and the support queue.", **band})
    for row in [r for r in c.intervals if r["tier"] == "Tier 3"]:
        new = dict(row, tier="Tier 4")
        new["minimum"] = min(row["minimum"], 1)
        new["negotiated"] = min(row["negotiated"], max(new["minimum"], round(row["negotiated"] / 2)))
        new["maximum"] = max(new["negotiated"], row["maximum"])
        c.intervals.append(new)
    for row in [r for r in c.slas if r["tier"] == "Tier 3"]:
        c.slas.append(dict(row, tier="Tier 4", tickets=round(row["tickets"] * 0.6, 4)))
    return c


def fourth_tier(c: WorkbookContent) -> WorkbookContent:
    # bands of ARR: 10-20%, 30-50%, 15-30%, 10-30% (every tier 54% of the way through its band)
    c.tiers[2].update(band_min=0.15, band_max=0.30, engagement="Mid touch", description="Smaller accounts with a pooled CSM on call.")
    return _add_tier_4(c, {"band_basis": "ARR", "band_min": 0.10, "band_max": 0.30})


def bands_the_standard_cutoffs_miss(c: WorkbookContent) -> WorkbookContent:
    # Tier 4's band is a share of accounts (30-60%) after three ARR bands: the standard cut-offs miss it and the plan
    # moves them; the sheet cannot follow that search and says so
    c.tiers[2].update(band_min=0.20, band_max=0.35, engagement="Mid touch", description="Smaller accounts with a pooled CSM on call.")
    return _add_tier_4(c, {"band_basis": "Accounts", "band_min": 0.30, "band_max": 0.60})


def guardrail(c: WorkbookContent) -> WorkbookContent:
    c.tiers[1]["max_cost_share"] = 0.07  # Tier 2's package costs about 9.7% of its ARR
    c.finance["budget"] = 8_000_000
    return c


def keep_order_gap(c: WorkbookContent) -> WorkbookContent:
    # Tier 2 gets no training (maximum 0) while Tier 3's digital training keeps its minimum 1: read over every tier,
    # keep tier order alone made this infeasible; with the budget raised, the package fits
    _interval(c, "Training", "Tier 2").update(minimum=0, negotiated=0, maximum=0)
    c.finance["budget"] = 7_000_000
    return c


def previous_tiers_from_tierplan(c: WorkbookContent) -> WorkbookContent:
    """Previous tiers and scores as TierPlan's last assessment wrote them: the plan keeps those cut-offs."""
    import tempfile
    from pathlib import Path

    from planner.segmentation import segment
    from planner.workbook.reader import read_inputs
    from planner.workbook.template import write_workbook

    with tempfile.TemporaryDirectory() as folder:
        seg = segment(read_inputs(write_workbook(Path(folder) / "first.xlsx", c)))
    acc = c.accounts.copy()
    acc["previous_tier"] = seg.tiers.astype(object).to_numpy()
    acc["previous_score"] = seg.accounts["score"].to_numpy()
    # a year on, some accounts drifted: a tenth of them lost 4 points of previous score (more than the margin)
    drift = np.random.default_rng(5).random(len(acc)) < 0.1
    acc.loc[drift, "previous_score"] = (acc.loc[drift, "previous_score"] + 4).clip(0, 100)
    c.accounts = acc
    return c


#: The account the ARR guardrail case raises (a Tier 3 account with a previous tier of Tier 3 and no flag or lock).
BIG_ACCOUNT = "ACC-000001"


def arr_guardrail(c: WorkbookContent) -> WorkbookContent:
    """One Tier 3 account raised to $9M ARR, 15% of all ARR: its rank-based score (68.08) sits within the re-tiering
    margin of the Tier 2 cut-off, so by score and hysteresis it stays in Tier 3; Tier 1's guardrail (5% of total ARR)
    puts it in Tier 1, and Tier 2's guardrail ($100,000) would put it no lower than Tier 2."""
    c.accounts.loc[c.accounts["account_id"] == BIG_ACCOUNT, "arr"] = 9_000_000.0
    return c


CASES = {
    "demo": lambda c: c,
    "budget": budget,
    "role_cost_and_hours": role_cost_and_hours,
    "coverage_ratios": coverage_ratios,
    "intervals": intervals,
    "sla_volumes": sla_volumes,
    "fourth_tier": fourth_tier,
    "bands_the_standard_cutoffs_miss": bands_the_standard_cutoffs_miss,
    "guardrail": guardrail,
    "keep_order_gap": keep_order_gap,
    "previous_tiers_from_tierplan": previous_tiers_from_tierplan,
    "arr_guardrail": arr_guardrail,
}


def content(name: str) -> WorkbookContent:
    return CASES[name](demo_content().copy())
