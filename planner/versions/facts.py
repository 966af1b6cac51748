"""The figures of a plan that versions and scenarios are compared on, read from a plan or from its plan.json.

:class:`PlanFacts` holds what a CFO compares between two plans: fit, cost, budget used, expected ARR impact, Assessed
Service Value, people per role and tier, the chosen intervals, support agents, the budget's shadow price, and the tiers
(accounts and cut-offs). :func:`facts_of` reads them off the typed optimisation result (and segmentation), and
:func:`facts_from_plan_json` off a plan.json document, so a plan computed now and one written last month compare alike.
Pure computation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from planner.optimization import OptimizationResult
from planner.segmentation import Segmentation

FITTING = ("optimal", "feasible, not proven optimal")
NO_PLAN = "none"


@dataclass(frozen=True)
class PlanFacts:
    status: str
    fits: bool
    has_plan: bool
    mode: str
    currency: str
    budget: float
    total_cost: float | None
    budget_used: float | None
    value: float | None  # expected ARR impact
    assessed_service_value: float | None
    people: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (role, tier or "All tiers") -> people
    intervals: Mapping[tuple[str, str], float | None] = field(default_factory=dict)  # (service, tier) -> chosen per year
    support: Mapping[tuple[str, str], float] = field(default_factory=dict)  # (tier, channel) -> agents needed
    accounts: Mapping[str, int] = field(default_factory=dict)  # tier -> accounts
    cutoffs: Mapping[str, float] = field(default_factory=dict)  # tier -> lowest score of the tier
    budget_marginal: float | None = None  # LP shadow price of the budget (value per extra unit of money; 0 in min_cost)
    budget_step: float | None = None  # the re-solved budget step (money)
    budget_step_gain: float | None = None  # expected impact that step buys, re-solved

    @property
    def people_total(self) -> int | None:
        return sum(self.people.values()) if self.has_plan else None


def _num(v: object) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) or math.isinf(x) else x


def _records(table: pd.DataFrame | Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    if isinstance(table, pd.DataFrame):
        return [{str(k): v for k, v in r.items()} for r in table.to_dict(orient="records")]
    return list(table)


def _people(rows: list[Mapping[str, Any]], has_plan: bool) -> dict[tuple[str, str], int]:
    if not has_plan:
        return {}
    out: dict[tuple[str, str], int] = {}
    for r in rows:
        n = _num(r.get("people"))
        out[(str(r["role"]), str(r["tier"]))] = round(n) if n is not None else 0
    return out


def _intervals(rows: list[Mapping[str, Any]]) -> dict[tuple[str, str], float | None]:
    return {(str(r["service"]), str(r["tier"])): _num(r.get("chosen")) for r in rows}


def _support(rows: list[Mapping[str, Any]]) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for r in rows:
        key = (str(r["tier"]), str(r["channel"]))
        out[key] = out.get(key, 0.0) + (_num(r.get("agents_needed")) or 0.0)
    return out


def _budget_row(rows: list[Mapping[str, Any]]) -> Mapping[str, Any]:
    return next((r for r in rows if r.get("kind") == "budget"), {})


def facts_of(opt: OptimizationResult, segmentation: Segmentation | None = None,
             tier_stats: pd.DataFrame | None = None) -> PlanFacts:
    """The facts of a plan computed now (accounts per tier from its segmentation, or the tier counts it was planned for)."""
    has_plan = opt.has_plan
    budget = _budget_row(_records(opt.shadow_prices))
    if segmentation is not None:
        accounts = {str(t): int(n) for t, n in zip(segmentation.bands["tier"], segmentation.bands["accounts"])}
        cutoffs = {str(k): float(v) for k, v in segmentation.cutoffs.items()}
    else:
        stats = tier_stats if tier_stats is not None else pd.DataFrame(columns=["tier", "accounts"])
        accounts = {str(t): int(n) for t, n in zip(stats["tier"], stats["accounts"])}
        cutoffs = {}
    return PlanFacts(
        status=str(opt.status), fits=opt.fits, has_plan=has_plan, mode=str(opt.mode), currency=opt.currency, budget=float(opt.budget),
        total_cost=opt.total_cost, budget_used=opt.budget_used_share, value=opt.value,
        assessed_service_value=opt.assessed_service_value,
        people=_people(_records(opt.headcount), has_plan), intervals=_intervals(_records(opt.intervals)),
        support=_support(_records(opt.support)), accounts=accounts, cutoffs=cutoffs,
        budget_marginal=_num(budget.get("marginal")), budget_step=_num(budget.get("step")), budget_step_gain=_num(budget.get("step_gain")),
    )


def facts_from_plan_json(doc: Mapping[str, Any]) -> PlanFacts:
    """The facts of a plan as its plan.json records them."""
    opt = doc["optimization"]
    seg = doc.get("segmentation", {})
    has_plan = opt.get("plan_kind") != NO_PLAN
    status = str(opt.get("status"))
    budget = _budget_row(opt.get("shadow_prices", []))
    return PlanFacts(
        status=status, fits=status in FITTING and bool(opt.get("within_budget")), has_plan=has_plan, mode=str(opt.get("mode")),
        currency=str(opt.get("currency") or doc.get("currency", "")), budget=float(opt["budget"]),
        total_cost=_num(opt.get("total_cost")), budget_used=_num(opt.get("budget_used_share")), value=_num(opt.get("value")),
        assessed_service_value=_num(opt.get("assessed_service_value")),
        people=_people(opt.get("headcount", []), has_plan), intervals=_intervals(opt.get("intervals", [])),
        support=_support(opt.get("support", [])),
        accounts={str(k): int(v) for k, v in (seg.get("counts") or {}).items()},
        cutoffs={str(k): float(v) for k, v in (seg.get("cutoffs") or {}).items()},
        budget_marginal=_num(budget.get("marginal")), budget_step=_num(budget.get("step")), budget_step_gain=_num(budget.get("step_gain")),
    )


def tier_stats_from_plan_json(doc: Mapping[str, Any]) -> pd.DataFrame:
    """The accounts and ARR per tier a plan.json's plan was made for (what the optimizer reads of the segmentation)."""
    seg = doc.get("segmentation", {})
    tiers = list(seg.get("tiers") or (seg.get("counts") or {}).keys())
    counts, arr = seg.get("counts") or {}, seg.get("arr") or {}
    return pd.DataFrame({"tier": tiers, "accounts": [int(counts.get(t, 0)) for t in tiers], "arr": [float(arr.get(t, 0.0)) for t in tiers]})


__all__ = ["PlanFacts", "facts_from_plan_json", "facts_of", "tier_stats_from_plan_json"]
