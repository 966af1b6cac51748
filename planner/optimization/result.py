"""OptimizationResult: the plan as tables, numbers and sentences; JSON and result sheets.

docs/plan-json.md documents every key of :meth:`OptimizationResult.to_dict`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from planner.schema import MONEY_FORMAT, NUMBER_FORMAT, PERCENT_FORMAT

# The words a status can take (docs/model.md explains each)
STATUS_OPTIMAL = "optimal"
STATUS_FEASIBLE = "feasible, not proven optimal"
STATUS_INFEASIBLE = "infeasible"
STATUS_TIME_LIMIT = "time limit, no plan"
STATUS_FAILED = "solver failed, no plan"
STATUSES = (STATUS_OPTIMAL, STATUS_FEASIBLE, STATUS_INFEASIBLE, STATUS_TIME_LIMIT, STATUS_FAILED)

INTERVAL_COLUMNS = [
    "service", "tier", "minimum", "negotiated", "maximum", "chosen", "change", "role", "mandatory",
    "hours_per_account", "cost_per_occurrence", "annual_cost_per_account", "expected_impact",
]
HEADCOUNT_COLUMNS = [
    "role", "tier", "staffing", "people", "hours_needed", "service_hours", "support_hours", "hours_capacity",
    "utilisation", "set_by", "cost",
]
SUPPORT_COLUMNS = [
    "tier", "severity", "channel", "role", "tickets_per_month", "arrival_rate", "handle_minutes", "traffic",
    "agents_needed", "rostered_agents", "hours_per_year", "service_level_target", "service_level_achieved",
    "wait_probability", "binding_severity", "cost", "note",
]
SHADOW_COLUMNS = [
    "constraint", "kind", "per", "marginal", "meaning", "step", "step_unit", "step_gain", "step_status", "step_basis",
]
FRONTIER_COLUMNS = ["budget_share", "budget", "status", "value", "cost", "budget_used_share", "negotiated_plan_fits", "re_solved"]


def _clean(v):
    """JSON-safe scalar: NaN/inf -> None, numpy -> Python."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v


def records(frame: pd.DataFrame) -> list[dict]:
    return [{str(k): _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _deep_clean(obj):
    if isinstance(obj, dict):
        return {str(k): _deep_clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_deep_clean(v) for v in obj]
    if isinstance(obj, pd.DataFrame):
        return records(obj)
    return _clean(obj)


@dataclass
class OptimizationResult:
    """Everything the optimizer decided and why, for writers and the report."""

    status: str
    proven_optimal: bool
    gap: float | None
    solver: str
    mode: str
    budget: float
    time_limit: float
    currency: str
    total_cost: float | None
    cost_breakdown: dict
    value: float | None  # expected ARR impact of the chosen plan
    assessed_service_value: float | None
    budget_used_share: float | None
    within_budget: bool | None
    intervals: pd.DataFrame
    headcount: pd.DataFrame
    support: pd.DataFrame
    shadow_prices: pd.DataFrame
    binding_constraints: list[dict]
    frontier: pd.DataFrame
    infeasibility: dict | None
    trade_offs: list[str]
    notes: list[str] = field(default_factory=list)
    cost_gap: float | None = None
    plan_kind: str = "plan"  # "plan" | "cheapest plan meeting the requirements (over budget)" | "none"
    model_size: dict = field(default_factory=dict)
    solves: list[dict] = field(default_factory=list)

    @property
    def has_plan(self) -> bool:
        return self.plan_kind != "none"

    def to_dict(self) -> dict:
        return _deep_clean(
            {
                "status": self.status,
                "proven_optimal": self.proven_optimal,
                "gap": self.gap,
                "cost_gap": self.cost_gap,
                "solver": self.solver,
                "mode": self.mode,
                "budget": self.budget,
                "time_limit": self.time_limit,
                "currency": self.currency,
                "plan_kind": self.plan_kind,
                "within_budget": self.within_budget,
                "total_cost": self.total_cost,
                "budget_used_share": self.budget_used_share,
                "cost_breakdown": self.cost_breakdown,
                "value": self.value,
                "assessed_service_value": self.assessed_service_value,
                "intervals": records(self.intervals),
                "headcount": records(self.headcount),
                "support": records(self.support),
                "shadow_prices": records(self.shadow_prices),
                "binding_constraints": self.binding_constraints,
                "frontier": records(self.frontier),
                "infeasibility": self.infeasibility,
                "trade_offs": list(self.trade_offs),
                "notes": list(self.notes),
                "model_size": self.model_size,
                "solves": self.solves,
            }
        )

    def result_sheets(self) -> dict:
        """Result sheets "Plan", "Headcount", "Support", "Sensitivity", "Frontier" (see schema.RESULT_SHEETS)."""
        from planner.writers.results import ResultSheet

        cur = self.currency
        headline = self.headline()
        plan = ResultSheet(
            self.intervals,
            title=f"Plan: service intervals per tier ({self.mode}, {self.status})",
            note=headline,
            formats={
                "minimum": NUMBER_FORMAT, "negotiated": NUMBER_FORMAT, "maximum": NUMBER_FORMAT,
                "chosen": NUMBER_FORMAT, "change": NUMBER_FORMAT, "hours_per_account": NUMBER_FORMAT,
            },
        )
        headcount = ResultSheet(
            self.headcount,
            title="Headcount per role and tier",
            note=f"People are whole; cost is loaded annual cost x people ({cur}). Set by: what decides the number (hours or coverage ratio).",
            formats={"people": "0", "hours_needed": "#,##0", "service_hours": "#,##0", "support_hours": "#,##0",
                     "hours_capacity": "#,##0", "utilisation": PERCENT_FORMAT},
        )
        support = ResultSheet(
            self.support,
            title="Support staffing from the SLAs",
            note="Chat and phone by Erlang C (agents on shift for every open hour; rostered: agents to schedule after shrinkage, no extra hours); email/ticket by throughput. Arrival rate per open hour.",
            formats={"arrival_rate": "#,##0.00", "traffic": "#,##0.00", "agents_needed": "#,##0.##",
                     "rostered_agents": "0", "hours_per_year": "#,##0", "service_level_target": PERCENT_FORMAT,
                     "service_level_achieved": PERCENT_FORMAT, "wait_probability": PERCENT_FORMAT,
                     "tickets_per_month": "#,##0.#", "handle_minutes": "#,##0.#"},
        )
        sens_rows = [dict(r) for r in records(self.shadow_prices)]
        for b in self.binding_constraints:
            sens_rows.append({"constraint": b["constraint"], "kind": "binding constraint", "meaning": b["detail"]})
        for i, t in enumerate(self.trade_offs, 1):
            sens_rows.append({"constraint": f"Trade-off {i}", "kind": "trade-off", "meaning": t})
        if self.infeasibility:
            sens_rows.append({"constraint": "Why infeasible", "kind": "infeasibility", "meaning": self.infeasibility.get("summary", "")})
            for c in self.infeasibility.get("conflicts", []):
                sens_rows.append({"constraint": c["description"], "kind": "conflicting requirement", "meaning": ""})
            for r in self.infeasibility.get("relaxations", []):
                sens_rows.append({"constraint": r["requirement"], "kind": "way out", "meaning": r["description"]})
        sens = pd.DataFrame(sens_rows, columns=SHADOW_COLUMNS)
        sensitivity = ResultSheet(
            sens,
            title="Sensitivity: shadow prices, binding constraints, trade-offs",
            note=("Marginal: from the LP relaxation, per extra dollar or hour; "
                  + ("value gained (expected ARR impact)." if self.mode == "max_value" else "cost saved.")
                  + " Step: the whole plan re-solved with that one change."),
            formats={"marginal": "#,##0.0000", "step": "#,##0.##", "step_gain": MONEY_FORMAT},
        )
        frontier = ResultSheet(
            self.frontier,
            title="Budget frontier: best expected impact at each budget (max_value)",
            note=f"Budgets from 60% to 140% of {self.budget:,.0f} {cur}.",
            formats={"budget_share": PERCENT_FORMAT, "budget_used_share": PERCENT_FORMAT},
        )
        return {"Plan": plan, "Headcount": headcount, "Support": support, "Sensitivity": sensitivity, "Frontier": frontier}

    def headline(self) -> str:
        cur = self.currency
        if self.plan_kind == "none":
            return f"Status: {self.status}. " + ((self.infeasibility or {}).get("summary") or "")
        parts = [f"Status: {self.status}."]
        if self.total_cost is not None:
            parts.append(f"Cost {self.total_cost:,.0f} {cur} of a {self.budget:,.0f} budget ({self.budget_used_share:.1%}).")
        if self.value is not None:
            parts.append(f"Expected ARR impact {self.value:,.0f} {cur}.")
        if self.gap is not None and not self.proven_optimal:
            parts.append(f"Not proven optimal: gap {self.gap:.2%}.")
        return " ".join(parts)
