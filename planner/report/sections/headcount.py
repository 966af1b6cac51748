"""5. Headcount and cost: people per role and tier, where the money goes, cost to serve per tier."""

from __future__ import annotations

from planner.report import charts, words
from planner.report import format as fmt
from planner.report.blocks import figure, make_row, make_table, ratio, total_of
from planner.report.view import PlanView


def build(p: PlanView) -> dict:
    cur = p.cur
    rows = []
    for r in p.headcount:
        rows.append(make_row(r.get("role"), r.get("tier"), r.get("staffing"), fmt.people(r.get("people")),
                         fmt.count(r.get("hours_needed")), fmt.count(r.get("hours_capacity")),
                         fmt.percent(r.get("utilisation"), 0), r.get("set_by") or fmt.DASH, fmt.amount(r.get("cost"))))
    rows.append(make_row("Total", "", "", fmt.people(total_of(r.get("people") for r in p.headcount)), fmt.count(total_of(r.get("hours_needed") for r in p.headcount)),
                     fmt.count(total_of(r.get("hours_capacity") for r in p.headcount)), "", "", fmt.amount(total_of(r.get("cost") for r in p.headcount)), total=True))
    hc_table = make_table(
        f"People per role and tier ({cur} per year)",
        [("Role", False), ("Tier", False), ("Staffing", False), ("People", True), ("Hours needed", True),
         ("Hours available", True), ("Busy", True), ("Set by", False), ("Cost", True)],
        rows,
        widths=[17, 11, 10, 8, 11, 11, 8, 12, 12],
        note="Hours needed include support queues. Set by: whether the workload or the coverage ratio (accounts per person) decides the number.",
    )
    people = p.people()
    roles = [r.name for r in p.inputs.roles if any(k[0] == r.name and v > 0 for k, v in people.items())]
    fte = [[people.get((role, t), 0.0) for t in p.tiers] for role in roles]
    shared = [sum(v for k, v in people.items() if k[0] == role and k[1] not in p.tiers) for role in roles]
    svg = charts.headcount_by_role_and_tier(roles, p.tiers, fte, shared)

    cb = p.opt.cost_breakdown
    crows = []
    if cb is not None:
        crows = [make_row(f"People: {role}", fmt.amount(v), fmt.percent(ratio(v, cb.total))) for role, v in cb.people_by_role.items() if v]
        crows.append(make_row("Direct service costs", fmt.amount(cb.direct_services), fmt.percent(ratio(cb.direct_services, cb.total))))
        crows.append(make_row("Automated services", fmt.amount(cb.automated), fmt.percent(ratio(cb.automated, cb.total))))
        crows.append(make_row("Total cost", fmt.amount(p.total_cost), fmt.percent(ratio(p.total_cost, cb.total)), total=True))
        crows.append(make_row("Budget", fmt.amount(p.budget), fmt.percent(p.budget_used) + " used" if p.budget_used is not None else ""))
    cost_table = make_table(
        f"Where the money goes ({cur} per year)",
        [("Item", False), ("Cost", True), ("Share", True)],
        crows,
        widths=[50, 25, 25],
        note=words.support_reconciliation(cb, cur),
    )

    costs = p.tier_costs()
    trows = []
    for t in p.inputs.tiers:
        c = costs[t.name]
        share = ratio(c["cost"], p.arr.get(t.name))
        over = t.max_cost_share is not None and share is not None and share > t.max_cost_share + 1e-9
        trows.append(make_row(t.name, fmt.count(p.accounts.get(t.name, 0)), fmt.amount(p.arr.get(t.name)), fmt.amount(c["cost"]),
                          fmt.amount(ratio(c["cost"], p.accounts.get(t.name))), fmt.percent(share),
                          fmt.percent(t.max_cost_share, 0) if t.max_cost_share is not None else fmt.DASH,
                          fmt.amount(c["asv"]), fmt.amount(c["impact"]), flags=[False] * 5 + [over, False, False, False]))
    tier_table = make_table(
        f"Cost to serve and value per tier at the {p.interval_word} intervals ({cur} per year)",
        [("Tier", False), ("Accounts", True), ("ARR", True), ("Cost to serve", True), ("Per account", True), ("% of ARR", True),
         ("Guardrail", True), ("Assessed Service Value", True), ("Expected ARR impact", True)],
        trows,
        widths=[12, 9, 13, 12, 10, 9, 10, 13, 12],
        note=(
            "Cost to serve prices people's time at the hourly rate, plus direct costs. Rounding to whole people, spare capacity and "
            "support queues are in the role table above, so the tiers add up to less than the total cost. Guardrail: the most a tier's "
            "CS cost may be as a share of its ARR."
        ),
    )
    return {
        "headcount_text": (
            "Named roles are hired for one tier and carry a book of accounts; pooled roles are shared by every tier. The plan hires the "
            "fewest whole people that cover both the hours the services and support queues need and the coverage ratio. "
            "A person costs the loaded annual cost on the Roles sheet."
        ),
        "headcount_table": hc_table,
        "cost_table": cost_table,
        "tier_cost_table": tier_table,
        "_chart_headcount": figure("fig-headcount", svg, "Figure 3. People by role, split by the tier they serve; pooled people in grey."),
    }
