"""Plan -> the plain dict the report template renders.

Every section is its own module under planner.report.sections, reading the typed plan
through :class:`planner.report.view.PlanView`; the sentences about the optimizer's findings
come from planner.report.words, the same words plan.json and the result sheets use.

Everything handed to the template is a string or a list/dict of strings,
already formatted; the template lays them out and escapes them. Charts are
SVG strings marked safe (matplotlib escapes their text).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import planner
from planner.report.blocks import solver_label
from planner.report.sections import (
    assumptions,
    engagement,
    frontier,
    gaps,
    headcount,
    method,
    movers,
    operation,
    pilots,
    services,
    since,
    summary,
    support,
    tiers,
    version,
)
from planner.report.view import PlanView

if TYPE_CHECKING:
    from planner.pipeline import Plan

TITLE = "Customer Success tier plan"

SECTIONS = {
    "summary": "Executive summary",
    "tiers": "Tier definitions",
    "engagement": "Engagement model per tier",
    "services": "Service matrix",
    "headcount": "Headcount and cost plan",
    "support": "SLAs and support staffing",
    "frontier": "Budget frontier and shadow prices",
    "movers": "Tier movers and drift",
    "operation": "In operation: what happened in the review period",
    "pilots": "Pilots",
    "gaps": "Data gaps in the CRM export",
    "assumptions": "Assumptions used",
    "method": "How the plan was computed",
}

MODE_LABELS = {
    "min_cost": "planning mode min_cost: the negotiated service at the lowest cost",
    "max_value": "planning mode max_value: the most expected ARR impact within the budget",
}


def build_context(plan: Plan, page_size: str = "A4") -> dict:
    """Everything the template needs, as strings, lists and dicts of strings."""
    p = PlanView(plan)
    inputs = plan.inputs
    ctx: dict = {
        "title": TITLE,
        "fiscal_year": str(inputs.finance.fiscal_year),
        "page_size": page_size if page_size in ("A4", "Letter") else "A4",
        "tool": f"TierPlan {planner.__version__}",
        "source": Path(inputs.source).name if inputs.source else "",
        "mode_label": MODE_LABELS.get(p.mode, str(p.mode)),
        "solver_label": solver_label(p.opt.solver),
        "sections": SECTIONS,
    }
    for section in (version, since, summary, tiers, engagement, services, headcount, support, frontier, movers, operation, pilots,
                    gaps, assumptions):
        ctx.update(section.build(p))
    shown = {k for k in SECTIONS if ctx.get(k, True) is not None}  # the operation and pilots sections need their data
    ctx["toc"] = [(k, v) for k, v in SECTIONS.items() if k != "summary" and k in shown]
    ctx["method"] = method.build(p)
    ctx["footer"] = (
        f"Prepared with {ctx['tool']} from {ctx['source'] or 'the planning workbook'}. Money is in {p.cur} per year unless a column says "
        "otherwise; every figure equals the matching value in plan.json."
    )
    ctx["charts"] = {key: ctx.pop(f"_chart_{key}") for key in ("arr_accounts", "cost_value", "headcount", "frontier", "scores")}
    return ctx
