"""The plan as the report's sections read it: the typed Plan, with the few lookups every section needs.

Nothing here computes a figure the plan does not hold: per-tier cost, Assessed Service Value
and impact come from the optimizer's ``tiers`` table, people from its headcount, words from
planner.report.words.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.optimization.result import Status

if TYPE_CHECKING:
    from planner.pipeline import Plan


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows as dicts, blanks (NaN, NA) as None."""
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({str(k): (None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v) for k, v in row.items()})
    return out


class PlanView:
    """Read-only view of a Plan for the report."""

    def __init__(self, plan: Plan):
        self.plan = plan
        inputs, opt, seg = plan.inputs, plan.optimization, plan.segmentation
        self.inputs = inputs
        self.opt = opt
        self.seg = seg
        self.val = plan.valuation
        self.cur = inputs.finance.currency
        self.tiers = list(inputs.tier_names)
        self.mode = opt.mode
        self.status = opt.status
        self.plan_kind = opt.plan_kind
        self.has_plan = opt.has_plan and opt.total_cost is not None
        self.feasible = self.status in (Status.OPTIMAL, Status.FEASIBLE) and self.has_plan
        self.budget = opt.budget
        self.total_cost = opt.total_cost
        self.budget_used = opt.budget_used_share
        self.value = opt.value
        self.asv = opt.assessed_service_value
        self.diagnosis = opt.diagnosis
        self.accounts = {str(t): int(n) for t, n in zip(seg.bands["tier"], seg.bands["accounts"])}
        self.arr = {str(t): float(v) for t, v in zip(seg.bands["tier"], seg.bands["arr"])}
        self.intervals = {(r["service"], r["tier"]): r for r in records(opt.intervals)}
        self.headcount = records(opt.headcount)
        self.margin = inputs.finance.margin
        self._tiers = {r["tier"]: r for r in records(opt.tiers)}

    def planned(self, service: str, tier: str) -> float | None:
        """Occurrences per year the plan delivers; the negotiated ones when there is no plan."""
        r = self.intervals.get((service, tier))
        if r is not None and r.get("chosen") is not None:
            return float(r["chosen"])
        iv = self.inputs.interval(service, tier)
        return iv.negotiated if iv is not None else None

    def cost_per_occurrence(self, service: str, tier: str) -> float | None:
        r = self.intervals.get((service, tier))
        if r is not None and r.get("cost_per_occurrence") is not None:
            return float(r["cost_per_occurrence"])
        match = self.val.services[(self.val.services["service"] == service) & (self.val.services["tier"] == tier)]
        return float(match["cost_per_occurrence"].iloc[0]) if len(match) else None

    @property
    def interval_word(self) -> str:
        return "planned" if self.has_plan else "negotiated"

    def people(self) -> dict[tuple[str, str], float]:
        """(role, tier label) -> people."""
        out: dict[tuple[str, str], float] = defaultdict(float)
        for r in self.headcount:
            out[(r["role"], r["tier"])] += float(r.get("people") or 0)
        return out

    def tier_costs(self) -> dict[str, dict[str, float | None]]:
        """tier -> service cost, ASV, expected impact (None without a plan) and hours per account, of one year at the planned intervals."""
        out = {}
        for t in self.tiers:
            r = self._tiers.get(t, {})
            out[t] = {"cost": r.get("service_cost") or 0.0, "asv": r.get("assessed_value") or 0.0,
                      "impact": r.get("expected_impact") if self.has_plan else None, "hours_per_account": r.get("hours_per_account") or 0.0}
        return out
