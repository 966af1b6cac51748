"""1. Executive summary: whether the plan fits, what it costs and buys, and what would make a plan possible."""

from __future__ import annotations

from planner.optimization.result import Status
from planner.report import format as fmt
from planner.report import words
from planner.report.blocks import and_list, budget_source, make_row, make_table, plural, ratio, sentence, solver_label, total_of
from planner.report.view import PlanView
from planner.schema import PlanningMode


def build(p: PlanView) -> dict:
    cur, opt, diag = p.cur, p.opt, p.diagnosis
    totals = p.val.totals
    solver = solver_label(opt.solver)
    details: list[str] = []
    ways_out: list[str] = []
    ways_intro = ""
    people = total_of(r.get("people") for r in p.headcount)
    if p.feasible:
        headline = f"The plan fits the budget: {fmt.money(p.total_cost, cur)} of {fmt.money(p.budget, cur)} ({fmt.of_budget(p.budget_used)})."
        if opt.proven_optimal:
            details.append(f"{solver} proved this plan optimal.")
        elif opt.gap is not None:
            details.append(f"{solver} stopped at its time limit with the best plan it had found, within {fmt.percent(opt.gap, 2)} of the best possible.")
        else:
            details.append(f"{solver} stopped at its time limit with the best plan it had found; it is not proven optimal.")
    elif p.status == Status.INFEASIBLE and diag is not None:
        smallest = diag.smallest_budget
        shortfall = diag.budget_shortfall
        conflicts = diag.conflicts
        headline = f"No plan meets every requirement within the budget of {fmt.money(p.budget, cur)}."
        if smallest is not None:
            headline += f" The smallest budget that works is {fmt.money(smallest, cur)}"
            headline += f", {fmt.money(shortfall, cur)} more." if shortfall is not None else "."
        elif any(c.group != "budget" for c in conflicts):
            headline += " No budget alone makes it possible: a requirement has to change."
        if conflicts and not diag.only_the_budget:
            details.append("These requirements cannot all be met together: "
                           + "; ".join(words.requirement_text(c, cur) for c in conflicts) + ".")
        elif not conflicts:
            summary = words.diagnosis_summary(diag, cur)
            if summary:
                details.append(sentence(summary))
        slas = [words.unreachable_sla_text(x) for x in diag.unreachable_slas]
        if slas:
            details.append("No number of support agents meets these SLAs: " + "; ".join(slas) + ".")
        if p.has_plan:
            details.append(f"The figures below are the cheapest plan that meets every requirement. {_cost_parts(p, people)}")
        else:
            details.append("No intervals or headcount are planned; the tables below show the negotiated service levels and the tiering.")
        if diag.extra_headcount_total:
            extra = [f"{fmt.count(n)} {k}" for k, n in (diag.extra_headcount or {}).items()]
            ways_out.append(
                f"Keep the budget and fund {plural(diag.extra_headcount_total, 'more person', 'more people')} from elsewhere: "
                f"{and_list(extra)}."
            )
        elif shortfall and diag.extra_headcount is None:
            details.append("Extra people alone cannot close the gap at this budget: direct costs or guardrails stand in the way.")
        if p.mode == PlanningMode.MIN_COST and shortfall:
            ways_out.append("Run in max_value mode, where intervals may move between their minimum and maximum, to see what to give "
                            "up to stay within the budget.")
        for r in diag.relaxations:
            ways_out.append(sentence(words.relaxation_text(r, cur)))
        if diag.undecided:
            details.append("Some checks hit the solver's time limit, so this explanation may be incomplete.")
        if smallest is not None:
            ways_intro = "Another way to make a plan possible:" if len(ways_out) == 1 else "Other ways to make a plan possible (any one of them is enough):"
        else:
            ways_intro = "What would make a plan possible:" if len(ways_out) == 1 else "Any one of these would make a plan possible:"
    else:
        headline = f"No plan: the solver stopped ({p.status or 'no status'})."
        details.append(f"{solver} found no plan within the time limit of {fmt.quantity(opt.time_limit, 0)} seconds. Raise the limit or try the other solver.")

    n_tiers = len(p.tiers)
    kpis = [
        {"label": "Annual CS budget", "value": fmt.money(p.budget, cur), "note": budget_source(p.inputs)},
        {"label": "Planned cost", "value": fmt.money(p.total_cost, cur), "note": fmt.of_budget(p.budget_used) if p.budget_used is not None else "no plan"},
        {"label": "Expected ARR impact", "value": fmt.money(p.value, cur), "note": "retention and expansion the services buy"},
        {"label": "Assessed Service Value", "value": fmt.money(p.asv, cur), "note": f"service time and direct cost + {fmt.percent(p.margin, 0)} margin"},
        {"label": "People", "value": fmt.people(people) if p.has_plan else fmt.DASH, "note": "whole people, all roles"},
        {"label": "Accounts", "value": fmt.count(totals.accounts), "note": f"{fmt.money(totals.arr, cur)} ARR in {n_tiers} tiers"},
    ]
    text = f"{fmt.count(totals.accounts)} accounts holding {fmt.money(totals.arr, cur)} of ARR are placed in {n_tiers} tiers. "
    if p.has_plan:
        text += (
            f"{'Serving them as planned' if p.feasible else 'The cheapest plan that meets every requirement'} costs {fmt.money(p.total_cost, cur)} a year, "
            f"{fmt.of_budget(p.budget_used)} and {fmt.percent(ratio(p.total_cost, totals.arr))} of ARR, with "
            f"{plural(round(people), 'person', 'people')}. The services are expected to protect or add {fmt.money(p.value, cur)} of ARR."
        )
        if p.asv is not None:
            own = p.asv / (1 + p.margin) if p.margin > -1 else None
            text += (
                f" Their Assessed Service Value is {fmt.money(p.asv, cur)}: the services' own time and direct cost "
                f"({fmt.money(own, cur)}) plus the {fmt.percent(p.margin, 0)} margin. It leaves out support staffing and the spare "
                f"hours of people hired whole or for coverage, which the {fmt.money(p.total_cost, cur)} includes."
            )
    else:
        text += "The services and commitments as they stand cannot be delivered; what would make a plan possible is listed above."
    trade = [sentence(words.trade_off_text(t, cur)) for t in opt.trade_offs[:3]]
    return {
        "status": {"feasible": p.feasible, "headline": headline, "details": details, "ways_out": ways_out, "ways_intro": ways_intro},
        "kpis": kpis,
        "summary_text": text,
        "people": _people_table(p),
        "trade_offs": trade,
        "trade_offs_heading": TRADE_OFF_HEADINGS.get(len(trade), "Trade-offs to decide on"),
        "no_trade_offs": (
            "No trade-offs were computed: there is no plan to vary." if not p.has_plan
            else "The sensitivity analysis found no limit whose change would move the plan materially."
        ),
    }


TRADE_OFF_HEADINGS = {1: "The trade-off to decide on", 2: "Two trade-offs to decide on", 3: "Three trade-offs to decide on"}


def _cost_parts(p: PlanView, people: float) -> str:
    """"It costs X: N people at Y (support queues take Z of that) and W of direct service costs." from the cost breakdown."""
    cur = p.cur
    b = p.opt.cost_breakdown
    parts = []
    if b is not None and b.people:
        part = f"{plural(round(people), 'person', 'people')} at {fmt.money(b.people, cur)}"
        if b.support:
            part += f" (support queues take {fmt.money(b.support, cur)} of that)"
        parts.append(part)
    if b is not None and b.direct_services:
        parts.append(f"{fmt.money(b.direct_services, cur)} of direct service costs")
    if b is not None and b.automated:
        parts.append(f"{fmt.money(b.automated, cur)} of automated programmes")
    head = f"It costs {fmt.money(p.total_cost, cur)}"
    return f"{head}: {and_list(parts)}." if parts else f"{head}."


def _people_table(p: PlanView) -> dict:
    people = p.people()
    roles = [r.name for r in p.inputs.roles if any(k[0] == r.name and v > 0 for k, v in people.items())]
    shared = any(k[1] not in p.tiers and v > 0 for k, v in people.items())
    cols = [("Role", False)] + [(t, True) for t in p.tiers] + ([("Shared", True)] if shared else []) + [("Total", True)]

    def cell(v: float) -> str:
        return fmt.people(v) if v else fmt.DASH

    rows = []
    for role in roles:
        vals = [people.get((role, t), 0.0) for t in p.tiers]
        pool = sum(v for k, v in people.items() if k[0] == role and k[1] not in p.tiers)
        rows.append(make_row(role, *[cell(v) for v in vals], *([cell(pool)] if shared else []), fmt.people(sum(vals) + pool)))
    tier_tot = [sum(people.get((r, t), 0.0) for r in roles) for t in p.tiers]
    pool_tot = sum(v for k, v in people.items() if k[1] not in p.tiers)
    rows.append(make_row("Total", *[fmt.people(v) for v in tier_tot], *([fmt.people(pool_tot)] if shared else []),
                     fmt.people(sum(tier_tot) + pool_tot), total=True))
    note = "Named roles are hired per tier; pooled roles (Shared) serve every tier." if shared else ""
    if not p.has_plan:
        note = "No headcount is planned because no plan meets the requirements."
    return make_table("People by role and tier", cols, rows, note=note)
