"""Sentences about the operations figures, for the report, the outreach file and the CLI.

The computation (:mod:`planner.operations`) returns numbers and facts; this
module turns them into words, so nothing ever parses a number back out of a
sentence.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planner.schema import ACCOUNT_OUTCOMES

RULE_LABELS = {
    "usage_drop": "Usage drop",
    "seat_use": "Low seat use",
    "seats_shrinking": "Seats shrinking",
    "inactive": "No recent activity",
    "health_drop": "Health score falling",
    "sla_breaches": "Repeated SLA breaches",
}

COLUMN_LABELS = {**{c.key: c.header for c in ACCOUNT_OUTCOMES}, "tickets": "a ticket export"}

METRIC_LABELS = {
    "logo_churn": "Logo churn",
    "grr": "Gross revenue retention",
    "nrr": "Net revenue retention",
    "expansion_rate": "Expansion rate",
    "logo_renewal": "Logo renewal rate",
    "dollar_renewal": "Dollar renewal rate",
    "time_to_first_expansion": "Time to first expansion",
}


def _num(v: float) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "?"
    return f"{v:,.0f}" if float(v) == int(v) else f"{v:,.1f}"


def _pct(v: float) -> str:
    return f"{v * 100:.0f}%" if v is not None and math.isfinite(v) else "?"


def rule_label(rule: str) -> str:
    return RULE_LABELS.get(rule, rule)


def reason_text(rule: str, observed: float, threshold: float) -> str:
    """The reason an account was flagged, in plain words."""
    if rule == "usage_drop":
        return f"Usage fell {_pct(observed)} against the prior period (the rule flags a fall of {_pct(threshold)} or more)."
    if rule == "seat_use":
        return f"Only {_pct(observed)} of licensed seats are active (the rule flags less than {_pct(threshold)})."
    if rule == "seats_shrinking":
        return f"Licensed seats fell from {_num(threshold)} to {_num(observed)} against a period ago."
    if rule == "inactive":
        return f"No activity for {_num(observed)} days (the rule flags {_num(threshold)} days or more)."
    if rule == "health_drop":
        return f"The health score fell {_num(observed)} points against a period ago (the rule flags {_num(threshold)} or more)."
    if rule == "sla_breaches":
        n = _num(observed)
        return f"{n} first response{'' if n == '1' else 's'} missed the SLA target in the period (the rule flags {_num(threshold)} or more)."
    return f"{rule}: {_num(observed)} against {_num(threshold)}."


def reason_texts(flags: pd.DataFrame) -> list[str]:
    """:func:`reason_text` for every row of an outreach flags table.

    The columns are taken out as Python lists first: iterating a pandas column of Arrow text makes a scalar per
    value and costs more than the sentences (165,000 flags of 1,000,000 accounts: 3 s against 0.5 s).
    """
    rules = flags["rule"].to_numpy(dtype=object).tolist()
    observed = flags["observed"].to_numpy(dtype=float, na_value=np.nan).tolist()
    threshold = flags["threshold"].to_numpy(dtype=float, na_value=np.nan).tolist()
    return [reason_text(r, o, t) for r, o, t in zip(rules, observed, threshold)]


def off_text(off) -> str:
    """Why a metric or rule is not computed (a :class:`~planner.operations.measuring.MetricOff`)."""
    cols = [COLUMN_LABELS.get(c, c) for c in off.needs]
    if cols == [COLUMN_LABELS["tickets"]]:
        missing = "there is no ticket export"
    elif len(cols) == 1:
        missing = f"the accounts have no {cols[0]} column"
    elif off.any_of:
        missing = "the accounts have none of the columns " + ", ".join(cols)
    else:
        missing = "the accounts lack the columns " + " and ".join(cols)
    if off.metric.startswith("outreach:"):
        return f'The outreach rule "{rule_label(off.metric.split(":", 1)[1])}" is not applied: {missing}.'
    return f"{METRIC_LABELS.get(off.metric, off.metric)} is not computed: {missing}."


def note_text(note) -> str:
    """A sentence for an :class:`~planner.operations.operations.OperationsNote`."""
    n = note.count
    ex = f" (e.g. {', '.join(note.examples)})" if note.examples else ""
    tickets = f"{n:,} ticket{'s' if n != 1 else ''}"
    if note.code == "unknown_accounts":
        return f"{tickets} name an account the CRM export does not list{ex}: left out of every figure."
    if note.code == "untiered_accounts":
        return f"{tickets} belong to accounts without a tier: left out of the per-tier figures."
    if note.code == "outside_window":
        return f"{tickets} were created outside the period measured: left out."
    if note.code == "no_sla":
        return f"{tickets} have a tier and severity the SLAs sheet has no row for{ex}: left out of the SLA attainment."
    if note.code == "no_tickets":
        return "No ticket export was given: response times, SLA attainment and the SLA-breach outreach rule are not computed."
    if note.code == "accounts_without_tier":
        return f"{n:,} account{'s' if n != 1 else ''} have no tier: they count in the totals only."
    return f"{note.code}: {n:,}{ex}"


def staffing_text(check) -> str:
    """Whether the plan's staffing of one queue would have met the volume seen (a
    :class:`~planner.operations.attainment.StaffingCheck`)."""
    seen = f"{check.observed_tickets_per_month:,.0f} tickets a month seen against {check.planned_tickets_per_month:,.0f} planned"
    if not check.planned_tickets_per_month and not check.planned_hours_per_year:
        return (f"Not in the plan: the SLAs sheet has no {check.tier} {check.channel} queue, yet "
                f"{check.observed_tickets_per_month:,.0f} tickets a month came in on it.")
    if not check.achievable:
        return f"No number of agents meets the targets at the volume seen ({seen}): the targets or the handle time need a look."
    if check.live:
        if check.enough:
            return f"Enough: {check.planned_agents} agent(s) on shift planned, {check.needed_agents} needed ({seen})."
        return f"Short: {check.needed_agents} agent(s) on shift needed, {check.planned_agents} planned ({seen})."
    if check.enough:
        return f"Enough: {check.planned_hours_per_year:,.0f} hours a year planned, {check.needed_hours_per_year:,.0f} needed ({seen})."
    return f"Short: {check.needed_hours_per_year:,.0f} hours a year needed, {check.planned_hours_per_year:,.0f} planned ({seen})."
