"""Cost and Assessed Service Value, the arithmetic of the source process (steps 2-4).

Reading of "x profit margin": the margin is applied as a mark-up on cost,
so Assessed Service Value = annual cost x (1 + margin). A 30% margin makes a
service that costs 1,000 a year worth 1,300. The template's formulas use the
same reading (see planner.workbook.template), and a LibreOffice recalculation
test holds the two to 1e-9.

Per service and tier:
    hourly rate           = loaded annual cost / productive hours of the delivering role (0 if no hours)
    cost per occurrence   = hours per occurrence x hourly rate + direct cost per occurrence
    annual cost / account = cost per occurrence x occurrences per year
    ASV / account         = annual cost / account x (1 + margin)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from planner.inputs import PlanInputs

MARGIN_READING = "Assessed Service Value = annual cost x (1 + profit margin)"


def value_multiplier(margin: float) -> float:
    """The factor that turns annual cost into Assessed Service Value."""
    return 1.0 + margin


def service_matrix(inputs: PlanInputs, intervals: Mapping[tuple[str, str], float] | None = None) -> pd.DataFrame:
    """One row per (service, tier) with the cost and value columns.

    ``intervals`` overrides the occurrences per year (e.g. the optimizer's
    chosen intervals); by default the negotiated ones are used.
    """
    roles = {r.name: r for r in inputs.roles}
    services = {s.name: s for s in inputs.services}
    mult = value_multiplier(inputs.finance.margin)
    rows = []
    for iv in inputs.intervals:
        rate = roles[iv.role].hourly_rate
        direct = services[iv.service].direct_cost
        per_occ = iv.hours * rate + direct
        per_year = iv.negotiated if intervals is None else float(intervals[(iv.service, iv.tier)])
        annual = per_occ * per_year
        rows.append(
            {
                "service": iv.service,
                "tier": iv.tier,
                "role": iv.role,
                "hours": iv.hours,
                "hourly_rate": rate,
                "direct_cost": direct,
                "cost_per_occurrence": per_occ,
                "per_year": per_year,
                "annual_cost_per_account": annual,
                "asv_per_account": annual * mult,
                "hours_per_account": iv.hours * per_year,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "service", "tier", "role", "hours", "hourly_rate", "direct_cost", "cost_per_occurrence",
            "per_year", "annual_cost_per_account", "asv_per_account", "hours_per_account",
        ],
    )


def tier_summary(
    inputs: PlanInputs,
    tier_of_account: pd.Series | None = None,
    intervals: Mapping[tuple[str, str], float] | None = None,
) -> pd.DataFrame:
    """Per tier: accounts, ARR, annual cost per account, cost to serve, value, CS cost % of ARR.

    ``tier_of_account`` is aligned with ``inputs.accounts`` (e.g. the
    segmentation's tiers, which the workbook's Summary sheet counts). Without
    it, each account's previous tier is used.
    """
    tiers = list(inputs.tier_names)
    if tier_of_account is None:
        tier_of_account = inputs.accounts["previous_tier"]
    arr = inputs.accounts["arr"].astype(float)
    frame = pd.DataFrame({"tier": tier_of_account.to_numpy(), "arr": arr.to_numpy()})
    grouped = frame.groupby("tier", sort=False)["arr"].agg(["count", "sum"])
    matrix = service_matrix(inputs, intervals)
    per_account = matrix.groupby("tier", sort=False)[["annual_cost_per_account", "asv_per_account", "hours_per_account"]].sum()
    rows = []
    for name in tiers:
        n = int(grouped["count"].get(name, 0))
        tier_arr = float(grouped["sum"].get(name, 0.0))
        cost_pa = float(per_account["annual_cost_per_account"].get(name, 0.0))
        asv_pa = float(per_account["asv_per_account"].get(name, 0.0))
        cost = cost_pa * n
        rows.append(
            {
                "tier": name,
                "accounts": n,
                "arr": tier_arr,
                "annual_cost_per_account": cost_pa,
                "asv_per_account": asv_pa,
                "hours_per_account": float(per_account["hours_per_account"].get(name, 0.0)),
                "cost_to_serve": cost,
                "assessed_value": asv_pa * n,
                "cost_share_of_arr": cost / tier_arr if tier_arr > 0 else None,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class ValuationTotals:
    accounts: int
    arr: float
    cost_to_serve: float
    assessed_value: float
    cost_share_of_arr: float | None
    budget_used_share: float | None


@dataclass(frozen=True)
class Valuation:
    """Cost and Assessed Service Value at the negotiated intervals: per service and tier, per tier, in total."""

    currency: str
    margin: float
    value_multiplier: float
    budget: float
    services: pd.DataFrame  # service_matrix
    tiers: pd.DataFrame  # tier_summary
    totals: ValuationTotals


def valuation(inputs: PlanInputs, tier_of_account: pd.Series | None = None) -> Valuation:
    """The service matrix, the tier summary and totals (accounts by ``tier_of_account``, else by previous tier)."""
    matrix = service_matrix(inputs)
    tiers = tier_summary(inputs, tier_of_account)
    total_cost = float(tiers["cost_to_serve"].sum())
    total_arr = float(tiers["arr"].sum())
    budget = inputs.finance.budget
    return Valuation(
        currency=inputs.finance.currency,
        margin=inputs.finance.margin,
        value_multiplier=value_multiplier(inputs.finance.margin),
        budget=budget,
        services=matrix,
        tiers=tiers,
        totals=ValuationTotals(
            accounts=int(tiers["accounts"].sum()),
            arr=total_arr,
            cost_to_serve=total_cost,
            assessed_value=float(tiers["assessed_value"].sum()),
            cost_share_of_arr=total_cost / total_arr if total_arr > 0 else None,
            budget_used_share=total_cost / budget if budget else None,
        ),
    )
