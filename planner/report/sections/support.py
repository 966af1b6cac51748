"""6. SLAs and support staffing."""

from __future__ import annotations

from planner.report import format as fmt
from planner.report import words
from planner.report.blocks import make_row, make_table, sentence, total_of
from planner.report.view import PlanView, records


def build(p: PlanView) -> dict:
    srows = [
        make_row(sla.tier, sla.severity, sla.channel, fmt.duration_seconds(sla.target_seconds), fmt.percent(sla.service_level, 0),
             fmt.quantity(sla.tickets_per_account_month, 2), fmt.quantity(sla.handle_minutes, 1), sla.role)
        for sla in p.inputs.slas
    ]
    sla_table = make_table(
        "Support commitments per tier (SLAs sheet)",
        [("Tier", False), ("Severity", False), ("Channel", False), ("First response within", True), ("Answered in time", True),
         ("Tickets per account per month", True), ("Handle time (min)", True), ("Handled by", False)],
        srows,
        widths=[12, 10, 12, 12, 11, 13, 11, 19],
    )
    rows, notes = [], []
    for r in records(p.opt.support):
        live = r.get("rostered_agents") is not None
        rows.append(make_row(r.get("tier"), r.get("channel"), r.get("severity"), r.get("role"), fmt.number(r.get("tickets_per_month"), 1),
                         fmt.number(r.get("agents_needed"), 1) if not live else fmt.count(r.get("agents_needed")),
                         fmt.count(r.get("rostered_agents")) if live else fmt.DASH, fmt.count(r.get("hours_per_year")),
                         fmt.percent(r.get("service_level_target"), 0), fmt.percent(r.get("service_level_achieved"), 1), fmt.amount(r.get("cost"))))
        if r.get("note"):
            notes.append(f"{r.get('tier')}, {r.get('channel')}: {sentence(r['note'])}")
    if rows:
        rows.append(make_row("Total", "", "", "", fmt.number(total_of(r.get("tickets_per_month") for r in records(p.opt.support)), 1),
                             "", "", fmt.count(total_of(r.get("hours_per_year") for r in records(p.opt.support))), "", "",
                             fmt.amount(total_of(r.get("cost") for r in records(p.opt.support))), total=True))
        notes.append(words.support_reconciliation(p.opt.cost_breakdown, p.cur))
    support_table = make_table(
        f"Support staffing that meets the SLAs ({p.cur} per year)",
        [("Tier", False), ("Channel", False), ("Severities", False), ("Role", False), ("Tickets per month", True),
         ("Agents busy", True), ("Rostered", True), ("Hours per year", True), ("Target", True), ("Achieved", True), ("Cost", True)],
        rows,
        widths=[9, 10, 11, 10, 9, 8, 8, 9, 8, 8, 10],
        compact=True,
        note=" ".join(notes),
    )
    f = p.inputs.finance
    return {
        "support_text": (
            f"Chat and phone are live queues, staffed with the Erlang C queueing model over {fmt.quantity(f.live_hours, 0)} open hours a month: "
            f"the fewest agents on shift that answer the target share of contacts in time, with each agent busy at most "
            f"{fmt.percent(f.occupancy_cap, 0)} of the time; they need those agents for every open hour (rostered: with {fmt.percent(f.shrinkage, 0)} "
            "shrinkage, the agents to schedule so that many are available; productive hours already leave that time out). Email and ticket queues "
            "are a backlog: they get the hours to clear the month's volume at that occupancy. Achieved is the share of live contacts answered "
            "within the target at that staffing; the support hours are part of the role's workload in the headcount."
        ),
        "sla_table": sla_table,
        "support_table": support_table,
    }
