"""Every result sheet of a plan, in the declared order (planner.schema.RESULT_SHEET_SPECS).

The results workbook, the write-back and the Excel button all take their sheets from
:func:`plan_sheets`; the words on them come from planner.report.words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from planner import schema
from planner.optimization import OptimizationResult
from planner.report import format as fmt
from planner.report import words
from planner.schema import PlanningMode
from planner.valuation import Valuation
from planner.writers.layout import ResultSheet
from planner.writers.operations_sheets import operations_sheets
from planner.writers.segmentation_sheets import segmentation_sheets

if TYPE_CHECKING:
    from planner.pipeline import Plan


def plan_sheet(opt: OptimizationResult) -> ResultSheet:
    return ResultSheet.of(schema.PLAN, opt.intervals, f"Plan: service intervals per tier ({opt.mode}, {opt.status})", words.headline(opt))


def headcount_sheet(opt: OptimizationResult) -> ResultSheet:
    note = (f"People are whole; cost is loaded annual cost x people ({opt.currency}). "
            "Set by: what decides the number (hours or coverage ratio).")
    return ResultSheet.of(schema.HEADCOUNT, opt.headcount, "Headcount per role and tier", note)


def support_sheet(opt: OptimizationResult) -> ResultSheet:
    note = ("Chat and phone by Erlang C (agents on shift for every open hour; rostered: agents to schedule after shrinkage, "
            "no extra hours); email/ticket by throughput. Arrival rate per open hour.")
    return ResultSheet.of(schema.SUPPORT, opt.support, "Support staffing from the SLAs", note)


def tier_summary_sheet(valuation: Valuation) -> ResultSheet:
    note = (f"Per tier of this plan's tiering, at the negotiated intervals: service time and direct cost, and Assessed "
            f"Service Value (cost x {valuation.value_multiplier:.2f}); {valuation.currency} per year. The Plan and Headcount "
            "sheets price the plan itself, whole people and support included.")
    return ResultSheet.of(schema.TIER_SUMMARY, valuation.tiers, "Tier summary", note)


def sensitivity_sheet(opt: OptimizationResult) -> ResultSheet:
    cur = opt.currency
    rows = words.shadow_rows(opt)
    for b in opt.binding:
        constraint, _kind, detail = words.binding_text(b, cur)
        rows.append({"constraint": constraint, "kind": "binding constraint", "meaning": detail})
    for i, t in enumerate(opt.trade_offs, 1):
        rows.append({"constraint": f"Trade-off {i}", "kind": "trade-off", "meaning": words.trade_off_text(t, cur)})
    if opt.diagnosis is not None:
        diag = opt.diagnosis
        rows.append({"constraint": "Why infeasible", "kind": "infeasibility", "meaning": words.diagnosis_summary(diag, cur)})
        for c in diag.conflicts:
            rows.append({"constraint": words.requirement_text(c, cur), "kind": "conflicting requirement", "meaning": ""})
        for r in diag.relaxations:
            rows.append({"constraint": r.requirement.group, "kind": "way out", "meaning": words.relaxation_text(r, cur)})
    table = pd.DataFrame(rows, columns=schema.SENSITIVITY.keys())
    gained = "value gained (expected ARR impact)." if opt.mode == PlanningMode.MAX_VALUE else "cost saved."
    note = f"Marginal: from the LP relaxation, per extra dollar or hour; {gained} Step: the whole plan re-solved with that one change."
    return ResultSheet.of(schema.SENSITIVITY, table, "Sensitivity: shadow prices, binding constraints, trade-offs", note)


def frontier_sheet(opt: OptimizationResult) -> ResultSheet:
    note = f"Budgets from 60% to 140% of {fmt.money(opt.budget, opt.currency)}."
    return ResultSheet.of(schema.FRONTIER, opt.frontier, "Budget frontier: best expected impact at each budget (max_value)", note)


def optimization_sheets(opt: OptimizationResult) -> dict[str, ResultSheet]:
    """The optimizer's result sheets: Plan, Headcount, Support, Sensitivity, Frontier."""
    return {
        schema.PLAN.name: plan_sheet(opt),
        schema.HEADCOUNT.name: headcount_sheet(opt),
        schema.SUPPORT.name: support_sheet(opt),
        schema.SENSITIVITY.name: sensitivity_sheet(opt),
        schema.FRONTIER.name: frontier_sheet(opt),
    }


def plan_sheets(plan: Plan) -> dict[str, ResultSheet]:
    """Every declared result sheet of a plan, in the declared order."""
    sheets = {
        **optimization_sheets(plan.optimization),
        schema.TIER_SUMMARY.name: tier_summary_sheet(plan.valuation),
        **segmentation_sheets(plan.segmentation),
        **operations_sheets(plan.operations, plan.pilots, plan.pilot_problems, plan.inputs.finance.currency, plan.pilot_costs),
    }
    return {name: sheets[name] for name in schema.RESULT_SHEETS}
