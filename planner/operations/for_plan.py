"""The operating figures of one plan: :func:`plan_operations` turns PlanInputs and the plan's tiers into an OperationsReport.

Everything the report needs comes from the workbook: the Operations sheet
(business hours, time zone, the day the figures are taken at, the outreach
thresholds), each tier's play, each SLA row's clock, the accounts' outcome
columns and the ticket export read with ``--tickets``. When the workbook holds
no operating data at all (no outcome column and no tickets), there is nothing
to report and the answer is None.

The day the figures are taken at is the Operations sheet's "Figures as of";
blank, it is the latest day the data shows (the last ticket opened, the last
activity). That keeps reruns of the same files identical: the figures never
depend on the day the plan is run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from planner.inputs import PlanInputs
from planner.operations.calendar import BusinessCalendar
from planner.operations.operations import OperationsReport, operations_report
from planner.operations.outreach import OutreachRules, default_plays
from planner.optimization.staffing import support_queues


def has_operating_data(inputs: PlanInputs) -> bool:
    """Tickets or at least one outcome column: something happened that the figures can show."""
    return inputs.tickets is not None or (inputs.outcomes is not None and bool(inputs.outcomes.columns))


def figures_day(inputs: PlanInputs) -> dt.date | None:
    """The day the figures are taken at: the Operations sheet's, else the latest ticket or activity day (local)."""
    ops = inputs.operations
    if ops.figures_as_of is not None:
        return ops.figures_as_of
    days: list[dt.date] = []
    if inputs.tickets is not None and len(inputs.tickets):
        created = pd.to_datetime(inputs.tickets["created_at"], utc=True).dropna()
        if len(created):
            days.append(created.max().tz_convert(ops.time_zone).date())
    if inputs.outcomes is not None and "last_active" in inputs.outcomes.frame.columns:
        last = inputs.outcomes.frame["last_active"].dropna()
        if len(last):
            days.append(pd.Timestamp(last.max()).date())
    return max(days) if days else None


def calendar_of(inputs: PlanInputs) -> BusinessCalendar:
    ops = inputs.operations
    return BusinessCalendar(weekdays=tuple(ops.business_days), start_hour=float(ops.business_start),
                            end_hour=float(ops.business_end), timezone=ops.time_zone)


def rules_of(inputs: PlanInputs) -> OutreachRules:
    ops = inputs.operations
    return OutreachRules(usage_drop=ops.usage_drop, seat_use_below=ops.seat_use_below, seats_shrinking=ops.seats_shrinking,
                         inactive_days=round(ops.inactive_days), health_drop=ops.health_drop,
                         sla_breaches=round(ops.sla_breaches))


def plays_of(inputs: PlanInputs) -> dict[str, str]:
    """Each tier's play: the Tiers sheet's Play, blank ones by engagement model."""
    plays = default_plays(inputs.tiers)
    plays.update({t.name: t.play for t in inputs.tiers if t.play})
    return plays


def period_tiers(inputs: PlanInputs, tiers: pd.Series) -> pd.Series:
    """The tier each account had while the figures happened: its previous tier (the one its helpdesk SLA and
    touch model followed), else, for a new account or an old tier name, the plan's tier. Aligned with the accounts."""
    names = {t.name for t in inputs.tiers}
    plan = pd.Series(np.asarray(tiers.astype(object)), dtype=object)
    if "previous_tier" not in inputs.accounts.columns:
        return plan
    previous = pd.Series(inputs.accounts["previous_tier"].to_numpy(dtype=object), dtype=object)
    return previous.where(previous.isin(names), plan)


def plan_operations(inputs: PlanInputs, tiers: pd.Series, accounts_per_tier: Mapping[str, int]) -> OperationsReport | None:
    """Segment metrics, SLA attainment and outreach for the plan (None without operating data or a day to take them at).

    ``tiers``: the plan's tier per account, aligned with ``inputs.accounts`` (new accounts, without a previous tier,
    count in it). ``accounts_per_tier``: the plan's accounts per tier, which the planned staffing is sized for.
    """
    if not has_operating_data(inputs):
        return None
    day = figures_day(inputs)
    if day is None:
        return None
    accounts = inputs.accounts.reset_index(drop=True).copy()
    accounts["tier"] = np.asarray(tiers.astype(object))
    business = {(s.tier, s.severity.value): s.business_hours for s in inputs.slas}
    return operations_report(
        accounts, inputs.tiers, inputs.slas, inputs.tickets, rules_of(inputs), calendar_of(inputs), day,
        finance=inputs.finance, business_hours=business, plays=plays_of(inputs),
        period_days=float(inputs.operations.review_days),
        accounts_per_tier=dict(accounts_per_tier), planned_queues=support_queues(inputs, accounts_per_tier),
        outcomes=inputs.outcomes,
    )
