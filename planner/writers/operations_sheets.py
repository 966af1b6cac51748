"""The result sheets of what happened: segment metrics, response times, SLA attainment, the staffing check, outreach, pilots.

Declared in planner.schema.results (OPERATIONS_SHEETS). They are always written, so a
workbook's set of result sheets does not depend on the data: without a ticket export or
outcome columns a sheet holds no rows and its note says what would fill it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from planner import schema
from planner.operations.operations import OperationsReport
from planner.pilots.costing import PilotCost
from planner.pilots.evaluate import PilotResult
from planner.report import format as fmt
from planner.report import operations_words
from planner.report.pilot_words import OUTCOME_LABELS, TEST_LABELS, describe_cost, describe_pilot, verdict_label
from planner.writers.layout import ResultSheet

NO_DATA = ("No ticket export and no outcome columns on the Accounts sheet: nothing happened that these figures could show. "
           "Add the outcome columns (the Guide lists them) or run with --tickets FILE.")


def _empty(spec: schema.ResultSheetSpec) -> pd.DataFrame:
    return pd.DataFrame(columns=spec.keys())


def segment_metrics_sheet(report: OperationsReport | None, currency: str) -> ResultSheet:
    spec = schema.SEGMENT_METRICS
    title = "Segment metrics: what happened per tier"
    if report is None:
        return ResultSheet.of(spec, _empty(spec), title, NO_DATA)
    sm = report.segment_metrics
    rows = []
    for s in (*sm.tiers, *sm.engagement, sm.total):
        r = s.retention
        rows.append({
            "segment": s.segment, "kind": s.kind, "accounts": s.accounts, "tickets": s.tickets,
            "tickets_per_account_month": s.tickets_per_account_month, "logos_start": r.logos_start,
            "arr_start": r.arr_start, "up_for_renewal": r.up_for_renewal, "logo_renewal": r.logo_renewal,
            "dollar_renewal": r.dollar_renewal, "logo_churn": r.logo_churn, "grr": r.grr, "nrr": r.nrr,
            "expansion_rate": r.expansion_rate, "days_to_first_expansion": r.first_expansion_days_median,
            "new_logos": r.new_logos, "renewal_unknown": r.renewal_unknown,
        })
    off = " ".join(operations_words.off_text(m) for m in sm.off)
    note = (f"{sm.period.start_date} to {sm.period.end_date} ({currency}). Accounts count in the tier they had during the period "
            "(their previous tier; new accounts in the plan's). Retention counts accounts that were customers at the start."
            + (f" {off}" if off else ""))
    return ResultSheet.of(spec, pd.DataFrame(rows, columns=spec.keys()), title, note)


def response_times_sheet(report: OperationsReport | None) -> ResultSheet:
    spec = schema.RESPONSE_TIMES
    title = "Response times per tier and severity"
    if report is None or report.sla_attainment is None:
        note = NO_DATA if report is None else operations_words.note_text(
            next(n for n in report.notes if n.code == "no_tickets"))
        return ResultSheet.of(spec, _empty(spec), title, note)
    sm = report.segment_metrics
    rows = []
    for s in (*sm.tiers, *sm.engagement, sm.total):
        for t in s.times:
            rows.append({
                "segment": s.segment, "kind": s.kind, "severity": t.severity, "tickets": t.tickets,
                "unit": t.first_response.unit, "clock": t.first_response.clock,
                "first_response_median": t.first_response.median, "first_response_p90": t.first_response.p90,
                "first_response_missing": t.first_response.missing, "resolution_median": t.resolution.median,
                "resolution_p90": t.resolution.p90, "unresolved": t.resolution.missing,
            })
    note = ("Median and 90th percentile, in the unit of the tier's SLA target and on its clock (calendar or business hours); "
            "'All' is every severity together.")
    return ResultSheet.of(spec, pd.DataFrame(rows, columns=spec.keys()), title, note)


def sla_attainment_sheet(report: OperationsReport | None) -> ResultSheet:
    spec = schema.SLA_ATTAINMENT
    title = "SLA attainment: first responses within target"
    if report is None or report.sla_attainment is None:
        return ResultSheet.of(spec, _empty(spec), title, NO_DATA if report is None else
                              operations_words.note_text(next(n for n in report.notes if n.code == "no_tickets")))
    rows = [{
        "tier": c.tier, "severity": str(c.severity), "channel": str(c.channel), "target": fmt.duration_seconds(c.target_seconds),
        "clock": c.clock, "target_level": c.service_level, "attained": c.attainment, "meets_target": c.meets_target,
        "gap": c.gap, "achieved": c.achieved, "breached": c.breached, "breached_still_open": c.breached_open,
        "not_yet_due": c.pending, "no_first_response_recorded": c.not_recorded,
    } for c in report.sla_attainment.cells]
    note = ("Attained: tickets answered within the target over tickets answered or overdue. Tickets still waiting but not yet "
            "due, and tickets closed without a recorded first response, are left out and counted.")
    return ResultSheet.of(spec, pd.DataFrame(rows, columns=spec.keys()), title, note)


def staffing_check_sheet(report: OperationsReport | None) -> ResultSheet:
    spec = schema.STAFFING_CHECK
    title = "Staffing check: the plan's support staffing against the volume seen"
    if report is None or report.sla_attainment is None:
        return ResultSheet.of(spec, _empty(spec), title, NO_DATA if report is None else
                              operations_words.note_text(next(n for n in report.notes if n.code == "no_tickets")))
    rows = [{
        "tier": c.tier, "channel": str(c.channel), "role": c.role,
        "observed_tickets_per_month": c.observed_tickets_per_month, "planned_tickets_per_month": c.planned_tickets_per_month,
        "planned_agents": c.planned_agents, "needed_agents": c.needed_agents,
        "planned_hours_per_year": c.planned_hours_per_year, "needed_hours_per_year": c.needed_hours_per_year,
        "enough": c.enough, "verdict": operations_words.staffing_text(c),
    } for c in report.sla_attainment.staffing]
    note = ("Live queues (chat, phone): Erlang C on the observed arrivals, agents on shift; tickets: hours of work. "
            "Planned: what this plan staffs for the SLAs sheet's expected volume.")
    return ResultSheet.of(spec, pd.DataFrame(rows, columns=spec.keys()), title, note)


def outreach_sheet(report: OperationsReport | None) -> ResultSheet:
    spec = schema.OUTREACH
    title = "Proactive outreach: accounts to contact"
    if report is None:
        return ResultSheet.of(spec, _empty(spec), title, NO_DATA)
    out = report.outreach
    flags = out.flags
    table = pd.DataFrame({
        "account_id": flags["account_id"], "name": flags["name"], "tier": flags["tier"], "play": flags["play"],
        "rule": flags["rule"].map(operations_words.rule_label), "reason": operations_words.reason_texts(flags) if len(flags) else [],
        "observed": flags["observed"], "threshold": flags["threshold"], "unit": flags["unit"],
        "due_date": report.as_of_date.isoformat(),
    }, columns=spec.keys())
    off = " ".join(operations_words.off_text(m) for m in out.off)
    note = (f"{out.flagged_accounts:,} of {out.accounts_checked:,} accounts flagged as of {report.as_of_date.isoformat()} "
            "(one row per rule tripped); the same rows are in outreach.csv for import as tasks." + (f" {off}" if off else ""))
    return ResultSheet.of(spec, table, title, note)


def pilot_results_sheet(results: Sequence[PilotResult], problems: Sequence, currency: str,
                        costs: Sequence[PilotCost] = ()) -> ResultSheet:
    spec = schema.PILOT_RESULTS
    title = "Pilots: each against its baseline"
    rows = []
    for r, cost in zip(results, list(costs) + [None] * (len(results) - len(costs))):
        c = r.comparison
        rows.append({
            "pilot": r.pilot.name, "outcome": OUTCOME_LABELS[r.pilot.outcome],
            "compared_with": "matched accounts" if r.pilot.baseline.value == "matched" else "the rest of the tier",
            "tiers": ", ".join(r.tiers), "pilot_accounts": len(r.pilot_accounts), "baseline_accounts": len(r.baseline_accounts),
            "pilot_with_outcome": c.pilot_n, "baseline_with_outcome": c.baseline_n, "pilot_value": c.pilot_value,
            "baseline_value": c.baseline_value, "difference": c.difference, "ci_low": c.ci_low, "ci_high": c.ci_high,
            "test": TEST_LABELS[c.test], "sided": c.sided.value, "p_value": c.p_value, "p_adjusted": c.p_adjusted,
            "detectable_difference": c.detectable_difference, "verdict": verdict_label(c.verdict),
            "extra_cost_per_account": cost.extra_cost_per_account if cost else None,
            "extra_cost": cost.extra_cost if cost else None, "effect_arr": cost.effect_value if cost else None,
            "effect_arr_low": cost.effect_low if cost else None, "effect_arr_high": cost.effect_high if cost else None,
            "arr_per_dollar": cost.value_per_dollar if cost else None,
            "in_words": describe_pilot(r, currency=currency) + " " + describe_cost(cost, r, currency=currency),
        })
    if not results and not problems:
        note = "No pilots on the Pilots sheet."
    else:
        note = ("Rates are shares (0.9 is 90%); amounts in the outcome's unit. 95% confidence interval; p adjusted for "
                "several pilots together (Holm).") + "".join(f" {p}" for p in problems)
    return ResultSheet.of(spec, pd.DataFrame(rows, columns=spec.keys()), title, note)


def operations_sheets(report: OperationsReport | None, pilots: Sequence[PilotResult], pilot_problems: Sequence,
                      currency: str, pilot_costs: Sequence[PilotCost] = ()) -> dict[str, ResultSheet]:
    return {
        schema.SEGMENT_METRICS.name: segment_metrics_sheet(report, currency),
        schema.RESPONSE_TIMES.name: response_times_sheet(report),
        schema.SLA_ATTAINMENT.name: sla_attainment_sheet(report),
        schema.STAFFING_CHECK.name: staffing_check_sheet(report),
        schema.OUTREACH.name: outreach_sheet(report),
        schema.PILOT_RESULTS.name: pilot_results_sheet(pilots, pilot_problems, currency, pilot_costs),
    }
