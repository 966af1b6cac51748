"""4. Service matrix: occurrences per tier, cost per occurrence and Assessed Service Value per account."""

from __future__ import annotations

from planner.report import charts
from planner.report import format as fmt
from planner.report.blocks import chart_symbol, figure, make_row, make_table, plural
from planner.report.view import PlanView


def build(p: PlanView) -> dict:
    cur = p.cur
    mult = 1.0 + p.margin
    n = len(p.tiers)
    mrows = []
    for s in p.inputs.services:
        cells = []
        for t in p.tiers:
            iv = p.inputs.interval(s.name, t)
            if iv is None:
                cells.append(fmt.DASH)
                continue
            x = p.planned(s.name, t)
            assert x is not None  # the interval exists, so there is at least its negotiated figure
            mark = "" if abs(x - iv.negotiated) < 1e-9 else (" \u2191" if x > iv.negotiated else " \u2193")
            cells.append(fmt.quantity(x) + mark)
        mrows.append(make_row(s.name, *cells))
    legend = " (\u2191 / \u2193: above / below the negotiated interval)" if p.has_plan else " (negotiated: no plan was found)"
    matrix = make_table(
        f"Occurrences per account per year{legend}",
        [("Service", False)] + [(t, True) for t in p.tiers],
        mrows,
        widths=[34] + [round(66 / n, 2)] * n,
        compact=n > 4,
    )
    tables = []
    costs = p.tier_costs()
    for t in p.tiers:
        rows = []
        tot_cost = tot_asv = 0.0
        for iv in (i for i in p.inputs.intervals if i.tier == t):
            x = p.planned(iv.service, t)
            per_occ = p.cost_per_occurrence(iv.service, t)
            annual = per_occ * x if per_occ is not None and x is not None else None
            asv = annual * mult if annual is not None else None
            tot_cost += annual or 0.0
            tot_asv += asv or 0.0
            rows.append(make_row(iv.service, iv.role, fmt.quantity(iv.negotiated), fmt.quantity(x), fmt.quantity(iv.hours),
                             fmt.amount(per_occ), fmt.amount(annual), fmt.amount(asv)))
        rows.append(make_row("Total per account", "", "", "", "", "", fmt.amount(tot_cost), fmt.amount(tot_asv), total=True))
        tables.append(
            make_table(
                f"{t}: services per account ({cur} per year; {plural(p.accounts.get(t, 0), 'account')})",
                [("Service", False), ("Delivered by", False), ("Negotiated per year", True),
                 ("Planned per year" if p.has_plan else "Used per year", True), ("Hours per occurrence", True),
                 ("Cost per occurrence", True), ("Annual cost per account", True), ("Assessed Service Value", True)],
                rows,
                widths=[25, 14, 9, 9, 9, 10, 12, 12],
                note=f"People-time per account: {fmt.quantity(costs[t]['hours_per_account'], 1)} hours a year.",
            )
        )
    svg = charts.cost_vs_value_by_tier(p.tiers, [costs[t]["cost"] for t in p.tiers], [costs[t]["asv"] for t in p.tiers], chart_symbol(cur))
    return {
        "services_text": (
            f"How often each tier receives each service, what one occurrence costs and what a year of it is worth per account. "
            f"Cost per occurrence is the hours times the delivering role's hourly rate (loaded annual cost divided by productive hours), "
            f"plus any direct cost. Assessed Service Value is the annual cost times (1 + the {fmt.percent(p.margin, 0)} profit margin)."
        ),
        "interval_matrix": matrix,
        "service_tables": tables,
        "_chart_cost_value": figure(
            "fig-cost-value", svg,
            f"Figure 2. Cost to serve and Assessed Service Value per tier, all accounts of the tier, at the {p.interval_word} intervals.",
        ),
    }
