"""In operation: what happened in the review period against what the tiers promise (segment metrics, SLA attainment,
the staffing check, proactive outreach). Only when the workbook holds operating data."""

from __future__ import annotations

from planner.report import charts, operations_words
from planner.report import format as fmt
from planner.report.blocks import figure, make_row, make_table, plural

SMALL_GROUP = 30  # fewer accounts up for renewal than this: the rates are marked as resting on few accounts
WORST_LISTED = 10
FLAGGED_LISTED = 12


def _share(value, n: int | None = None) -> str:
    text = fmt.percent(value, 1)
    if value is None or n is None:
        return text
    return f"{text} (n={fmt.count(n)})" + ("*" if n < SMALL_GROUP else "")


def _time(stats) -> str:
    if stats is None or stats.median is None:
        return fmt.DASH
    unit = {"seconds": "s", "minutes": "min", "hours": "h"}.get(stats.unit, stats.unit)
    return f"{fmt.quantity(stats.median, 1)} / {fmt.quantity(stats.p90, 1)} {unit}"


def _all_times(segment):
    return next((t for t in segment.times if t.severity == "All"), None)


def build(p) -> dict:
    report = p.plan.operations
    if report is None:
        return {"operation": None}
    sm = report.segment_metrics
    att = report.sla_attainment
    out = report.outreach
    cur = p.cur
    tickets = sum(s.tickets for s in sm.tiers)
    intro = (f"What happened from {sm.period.start_date} to {sm.period.end_date} (figures as of {report.as_of_date.isoformat()}), "
             f"for {plural(sm.total.accounts, 'account')}"
             + (f" and {plural(tickets, 'ticket')} from the helpdesk export" if att is not None else "")
             + ". Each account counts in the tier it had during the period (its previous tier; a new account in this plan's), "
               "so the figures judge the service the tiers actually delivered.")

    rows = []
    for s in (*sm.tiers, sm.total):
        r = s.retention
        t = _all_times(s)
        rows.append(make_row(
            s.segment, fmt.count(s.accounts), fmt.number(s.tickets_per_account_month, 2) if att is not None else fmt.DASH,
            _time(t.first_response) if t else fmt.DASH, _time(t.resolution) if t else fmt.DASH,
            _share(r.logo_renewal, r.up_for_renewal), fmt.percent(r.dollar_renewal, 1), fmt.percent(r.logo_churn, 1),
            fmt.percent(r.grr, 1), fmt.percent(r.nrr, 1), fmt.percent(r.expansion_rate, 1),
            total=s.kind == "total"))
    small = any(s.retention.up_for_renewal < SMALL_GROUP and s.retention.logo_renewal is not None for s in sm.tiers)
    off = [operations_words.off_text(m) for m in sm.off]
    metrics_table = make_table(
        "Segment metrics per tier over the review period",
        [("Tier", False), ("Accounts", True), ("Tickets per account a month", True), ("First response, median / p90", True),
         ("Resolution, median / p90", True), ("Logo renewal", True), ("Dollar renewal", True), ("Logo churn", True),
         ("GRR", True), ("NRR", True), ("Expansion", True)],
        rows, widths=[10, 8, 8, 12, 12, 12, 8, 7, 7, 7, 9], compact=True,
        note=" ".join([
            "Times in calendar hours over every severity (the Response times sheet has them per severity, in each SLA's unit "
            "and clock). GRR and NRR: revenue kept and kept plus expansion, of the ARR at the start of the period.",
            *([f"* fewer than {SMALL_GROUP} accounts came up for renewal: read the rate as a rough guide."] if small else []),
            *off,
        ]),
    )
    chart = figure("fig-retention", charts.retention_by_tier(
        [s.segment for s in sm.tiers],
        [("Logo renewal", [s.retention.logo_renewal for s in sm.tiers]),
         ("Gross revenue retention", [s.retention.grr for s in sm.tiers]),
         ("Net revenue retention", [s.retention.nrr for s in sm.tiers])]),
        "Figure 6. Renewal and revenue retention per tier over the review period.")

    heat = None
    staffing: list[str] = []
    breaches = None
    if att is not None:
        severities = []
        for c in att.cells:
            if str(c.severity) not in severities:
                severities.append(str(c.severity))
        cell = {(c.tier, str(c.severity)): c for c in att.cells}
        hrows = []
        for tier in p.tiers:
            cells, classes = [tier], [""]
            for sev in severities:
                c = cell.get((tier, sev))
                if c is None or c.attainment is None:
                    cells.append(fmt.DASH)
                    classes.append("")
                    continue
                cells.append(f"{fmt.percent(c.attainment, 1)} of {fmt.percent(c.service_level, 0)} "
                             f"({fmt.duration_seconds(c.target_seconds)}, n={fmt.count(c.measured)})")
                near = c.gap is not None and c.gap >= -0.02
                classes.append("heat-good" if c.meets_target else "heat-near" if near else "heat-bad")
            hrows.append(make_row(*cells, classes=classes))
        missed = [c for c in att.cells if c.meets_target is False]
        heat = make_table(
            "SLA attainment: first responses within target, against the target level",
            [("Tier", False), *[(s, True) for s in severities]], hrows,
            widths=[13, *[round(87 / max(len(severities), 1), 1)] * len(severities)], compact=True,
            note=("Green: the target level is met; amber: within 2 points of it; red: missed by more. "
                  + (f"{plural(len(missed), 'target')} missed: "
                     + "; ".join(f"{c.tier} {c.severity} {fmt.percent(c.attainment, 1)} against {fmt.percent(c.service_level, 0)}"
                                 for c in missed) + "." if missed else "Every target met.")),
        )
        staffing = [f"{c.tier}, {c.channel}: {operations_words.staffing_text(c)}" for c in att.staffing if not c.enough]
        if att.worst_breaches:
            brows = [make_row(b.ticket_id, b.account_id, b.tier, str(b.severity), b.created_at[:16].replace("T", " "),
                              fmt.duration_seconds(b.target_minutes * 60), fmt.duration_seconds(b.late_minutes * 60),
                              "still waiting" if b.open else "answered late")
                     for b in att.worst_breaches[:WORST_LISTED]]
            breaches = make_table(
                "The first responses that missed their target by the most",
                [("Ticket", False), ("Account", False), ("Tier", False), ("Severity", False), ("Created (UTC)", False),
                 ("Target", True), ("Late by", True), ("Status", False)],
                brows, widths=[11, 13, 9, 9, 17, 10, 11, 20], compact=True)

    flagged_rows = []
    for tier in p.tiers:
        n = out.flagged_by_tier.get(tier, 0)
        in_tier = out.flags[out.flags["tier"] == tier]
        rules = in_tier["rule"].value_counts()
        top = ", ".join(f"{operations_words.rule_label(r)} {fmt.count(k)}" for r, k in rules.items())
        flagged_rows.append(make_row(tier, out.plays.get(tier, ""), fmt.count(n), top or fmt.DASH))
    flagged_table = make_table(
        f"Accounts flagged for proactive outreach as of {report.as_of_date.isoformat()}",
        [("Tier", False), ("Play", False), ("Accounts flagged", True), ("Rules tripped", False)],
        flagged_rows, widths=[12, 30, 12, 46],
        note=(f"{fmt.count(out.flagged_accounts)} of {fmt.count(out.accounts_checked)} accounts; outreach.csv and the Outreach "
              "sheet list every one with the reason, ready to import as tasks."
              + "".join(f" {operations_words.off_text(m)}" for m in out.off)),
    )
    first = out.flags.drop_duplicates("account_id").head(FLAGGED_LISTED)
    reasons = operations_words.reason_texts(first) if len(first) else []
    examples = make_table(
        "The first flagged accounts, highest tier first",
        [("Account", False), ("Tier", False), ("Play", False), ("Why", False)],
        [make_row(f"{a} {n}", t, pl, why) for a, n, t, pl, why in
         zip(first["account_id"], first["name"], first["tier"], first["play"], reasons)],
        widths=[24, 10, 24, 42], compact=True) if len(first) else None
    notes = [operations_words.note_text(n) for n in report.notes] + [str(x) for x in report.outcome_problems[:10]]
    return {"operation": {
        "text": intro,
        "metrics_table": metrics_table,
        "chart": chart,
        "heat": heat,
        "staffing": staffing,
        "staffing_ok": att is not None and not staffing,
        "breaches": breaches,
        "flagged_table": flagged_table,
        "flagged_examples": examples,
        "notes": notes,
        "currency": cur,
    }}
