"""3. Engagement model per tier: what each tier experiences and who serves it."""

from __future__ import annotations

from planner.report import format as fmt
from planner.report.blocks import make_row, make_table
from planner.report.view import PlanView
from planner.schema import Staffing

ENGAGEMENT_MEANING = {
    "High touch": "A named CSM owns the relationship, backed by technical specialists and an executive sponsor; business reviews are proactive and planned.",
    "Mid touch": "CSMs are shared across a pool of accounts and use playbooks and content tailored to the segment; people step in at key moments.",
    "Low touch": "Onboarding, health alerts and check-ins are automated; customers succeed through self-service, digital programmes and the community, and support answers on request.",
}


def build(p: PlanView) -> dict:
    people = p.people()
    costs = p.tier_costs()
    rows = []
    for t in p.inputs.tiers:
        named = []
        for r in p.inputs.roles:
            n = people.get((r.name, t.name), 0)
            if n and r.staffing == Staffing.NAMED:
                named.append(f"{r.name}: {fmt.people(n)}" + (f" (up to {fmt.count(r.max_accounts)} accounts each)" if r.max_accounts else ""))
        ivs = [iv for iv in p.inputs.intervals if iv.tier == t.name]
        delivered = sum(1 for iv in ivs if (p.planned(iv.service, t.name) or 0) > 0)
        rows.append(
            make_row(t.name, t.engagement, ENGAGEMENT_MEANING.get(t.engagement, ""),
                 "; ".join(named) if named else "None: pooled or automated",
                 f"{delivered} of {len(ivs)}", fmt.quantity(costs[t.name]["hours_per_account"], 1))
        )
    return {
        "engagement_text": (
            "The engagement model says how a tier is served. High touch accounts get named people; mid touch accounts share a pool of CSMs; "
            f"low touch accounts are served mostly through automation and self-service. The hours are people-time per account per year at the "
            f"{p.interval_word} intervals."
        ),
        "engagement_table": make_table(
            "Engagement model per tier",
            [("Tier", False), ("Model", False), ("What the customer experiences", False), ("Named people", False),
             ("Services delivered", True), ("Hours per account", True)],
            rows,
            widths=[11, 10, 37, 22, 10, 10],
        ),
    }
