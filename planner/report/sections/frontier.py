"""7. Budget frontier, shadow prices and the limits that bind."""

from __future__ import annotations

from collections.abc import Mapping

from planner.report import charts, words
from planner.report import format as fmt
from planner.report.blocks import budget_source, chart_symbol, figure, make_row, make_table
from planner.report.view import PlanView, records
from planner.schema import PlanningMode

BINDING_SHOWN = 12
FITS_WORDS: dict[object, str] = {True: "Yes", False: "No"}  # a blank cell (None) shows a dash


def build(p: PlanView) -> dict:
    cur = p.cur
    pts = sorted(records(p.opt.frontier), key=lambda r: r.get("budget") or 0.0)
    smallest = p.diagnosis.smallest_budget if p.diagnosis is not None else None
    shadow = words.shadow_rows(p.opt)
    svg = charts.budget_frontier(
        [r.get("budget") for r in pts], [r.get("value") for r in pts],
        p.budget, p.total_cost if p.has_plan else None, p.value if p.has_plan else None,
        chart_symbol(cur), "Expected ARR impact", smallest,
    )
    frows = [
        make_row(fmt.percent(r.get("budget_share"), 0), fmt.amount(r.get("budget")), r.get("status") or "", fmt.amount(r.get("value")),
             fmt.amount(r.get("cost")), fmt.percent(r.get("budget_used_share")),
             FITS_WORDS.get(r.get("negotiated_plan_fits"), fmt.DASH))
        for r in pts
    ]
    ftable = make_table(
        f"Budget frontier ({cur} per year)",
        [("Share of budget", True), ("Budget", True), ("Result", False), ("Expected ARR impact", True), ("Cost", True),
         ("Budget used", True), ("Negotiated plan fits", False)],
        frows,
        widths=[10, 15, 20, 16, 15, 11, 13],
        row_header=False,
    )
    shrows = []
    for r in shadow:
        shrows.append(make_row(r.get("constraint"), _marginal(r), _step(r, cur), fmt.amount(r.get("step_gain")), r.get("meaning") or ""))
    gain = "value gained" if p.mode == PlanningMode.MAX_VALUE else "cost saved"
    stable = make_table(
        "Shadow prices and tested changes",
        [("Limit", False), ("Shadow price", True), ("Change tested", True), (f"Re-solved: {gain}", True), ("What it means", False)],
        shrows,
        widths=[23, 12, 13, 13, 39],
        compact=True,
    )
    binding = [words.binding_text(b, cur) for b in p.opt.binding]
    brows = [make_row(constraint, detail) for constraint, _kind, detail in binding[:BINDING_SHOWN]]
    btable = make_table(
        f"Limits that hold the plan back ({min(len(binding), BINDING_SHOWN)} of {len(binding)})",
        [("Limit", False), ("Why it binds", False)],
        brows,
        widths=[32, 68],
        compact=True,
        note="The full list is on the Sensitivity sheet of tier_plan_results.xlsx." if len(binding) > BINDING_SHOWN else "",
    )
    return {
        "frontier_text": (
            f"The plan was re-solved for the most expected ARR impact at budgets from 60% to 140% of the budget ({budget_source(p.inputs)}). "
            "The curve shows what each extra dollar buys and where spending more stops paying; where it is missing, no plan meets the "
            "requirements at that budget. The diamond is this plan, at what it costs."
        ),
        "frontier_table": ftable,
        "shadow_text": (
            "A shadow price is what one more unit of a limit (a dollar of budget, an hour of a role) is worth to the plan, read from the "
            "linear relaxation of the model. Because people are hired whole, each limit was also tested by re-solving the whole plan with a "
            "realistic change, such as one more person; that gain is the one to act on."
        ),
        "shadow_table": stable if any(r.get("marginal") is not None or r.get("step_gain") is not None
                                      for r in shadow) else None,
        "binding_table": btable,
        "_chart_frontier": figure("fig-frontier", svg, "Figure 4. Budget frontier: the most expected ARR impact a plan can reach at each budget."),
    }


def _marginal(r: Mapping) -> str:
    m = r.get("marginal")
    if m is None:
        return fmt.DASH
    per = r.get("per") or ""
    return f"{fmt.number(m, 3 if per == 'dollar' else 2)} per {per}" if per else fmt.number(m, 3)


def _step(r: Mapping, cur: str) -> str:
    size, unit = r.get("step"), r.get("step_unit")
    if size is None:
        return fmt.DASH
    if unit == "money":
        return f"+{fmt.money(size, cur)}"
    if unit == "person":
        return f"+{fmt.quantity(size)} person"
    return f"{fmt.quantity(size)} {unit or ''}".strip()
