"""10. Assumptions: every input the plan was computed from."""

from __future__ import annotations

from planner import schema
from planner.report import format as fmt
from planner.report.blocks import make_row, make_table, setting_text
from planner.report.view import PlanView
from planner.schema import Direction


def build(p: PlanView) -> dict:
    f, cur, inputs = p.inputs.finance, p.cur, p.inputs
    frows = []
    for st in schema.FINANCE.settings:
        v = getattr(f, st.key)
        if v is None:
            text = fmt.DASH
        elif st.kind == schema.CURRENCY:
            text = fmt.money(v, cur)
        elif st.kind == schema.PERCENT:
            text = fmt.percent(v, 1)
        elif isinstance(v, float):
            text = fmt.quantity(v, 2)
        else:
            text = str(v)
        frows.append(make_row(st.label, text, st.unit))
    overrides = [o for o in inputs.overrides if o.sheet == schema.FINANCE.name]
    tables = [
        make_table(
            "Finance and planning settings (Finance sheet)", [("Setting", False), ("Value", True), ("Unit", False)], frows,
            widths=[45, 25, 30],
            note=("Set for this run in place of the sheet: " + "; ".join(
                f"{o.label} {setting_text(o.key, o.value, cur)} ({o.source}; the sheet has {setting_text(o.key, o.sheet_value, cur)})"
                for o in overrides) + ".") if overrides else "",
        ),
        make_table(
            "Tiers (Tiers sheet)",
            [("Tier", False), ("Engagement", False), ("Band basis", False), ("Band min", True), ("Band max", True),
             ("Max CS cost % of ARR", True), ("Description", False)],
            [make_row(t.name, t.engagement, t.band_basis, fmt.percent(t.band_min, 0), fmt.percent(t.band_max, 0),
                  fmt.percent(t.max_cost_share, 0) if t.max_cost_share is not None else fmt.DASH, t.description) for t in inputs.tiers],
            widths=[12, 11, 9, 8, 8, 10, 42],
        ),
        make_table(
            f"Roles (Roles sheet; {cur})",
            [("Role", False), ("Staffing", False), ("Loaded annual cost", True), ("Productive hours", True),
             ("Max accounts per person", True), ("Hourly rate", True)],
            [make_row(r.name, r.staffing, fmt.amount(r.loaded_cost), fmt.quantity(r.productive_hours, 0),
                  fmt.count(r.max_accounts) if r.max_accounts else fmt.DASH, fmt.amount(r.hourly_rate, 2)) for r in inputs.roles],
            widths=[26, 12, 16, 14, 16, 16],
        ),
        make_table(
            f"Service catalog (Services sheet; {cur})",
            [("Service", False), ("Definition", False), ("Delivered by", False), ("Direct cost", True), ("Mandatory", False),
             ("Impact", True), ("Decay", True), ("Keep order", False)],
            [make_row(s.name, s.definition, s.role, fmt.amount(s.direct_cost), "Yes" if s.mandatory else "No",
                  fmt.percent(s.impact, 2), fmt.percent(s.decay, 0), "Yes" if s.keep_order else "No") for s in inputs.services],
            widths=[17, 35, 12, 9, 8, 7, 6, 6],
            compact=True,
            note="Impact: expected retention or expansion effect of the first occurrence, as a share of the account's ARR; each further "
                 "occurrence in a year is worth the decay share of the one before.",
        ),
        make_table(
            "Intervals (Intervals sheet): occurrences per account per year",
            [("Service", False), ("Tier", False), ("Delivered by", False), ("Hours per occurrence", True), ("Minimum", True),
             ("Negotiated", True), ("Maximum", True)],
            [make_row(iv.service, iv.tier, iv.role, fmt.quantity(iv.hours), fmt.quantity(iv.minimum), fmt.quantity(iv.negotiated),
                  fmt.quantity(iv.maximum)) for iv in inputs.intervals],
            widths=[30, 13, 17, 10, 10, 10, 10],
            compact=True,
        ),
        make_table(
            "Scoring rules (Scoring sheet)",
            [("Pillar", False), ("Account column", False), ("Weight", True), ("Direction", False)],
            [make_row(r.pillar, r.header or r.column, fmt.quantity(r.weight), Direction.HIGHER if r.direction > 0 else Direction.LOWER)
             for r in inputs.scoring],
            widths=[28, 32, 12, 28],
        ),
    ]
    return {
        "assumptions_text": (
            "Everything the plan was computed from, as read from the workbook, so each figure can be checked. The support commitments "
            "are in the SLA section."
        ),
        "assumption_tables": tables,
    }
