"""The support model in operation: one entry point from accounts, tiers, SLAs and tickets to the figures plan.json carries.

:func:`operations_report` joins the pieces: the outcome columns of the
accounts (:mod:`.outcomes`), the tickets joined to accounts and tiers
(:mod:`.ticketdata`), the segment metrics (:mod:`.metrics`), the SLA
attainment and staffing check (:mod:`.attainment`) and the outreach flags
(:mod:`.outreach`). It reads no file and does not look at the clock: the
moment the figures are taken at is ``as_of``.

Which tier an account is counted in: the accounts column ``tier_column``
(``previous_tier`` by default: the tier the account had while the tickets and
renewals happened, i.e. the tier its helpdesk SLA followed); where that is
blank (a new account), ``fallback_tier_column`` (``tier``, the segmentation's
tier, when the caller has merged it in). Accounts with neither count in the
totals only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from planner.errors import Problem
from planner.inputs import SLA, Finance, Tier
from planner.operations.attainment import SlaAttainment, StaffingAssumptions, sla_attainment
from planner.operations.calendar import BusinessCalendar
from planner.operations.measuring import BusinessHours, Period
from planner.operations.metrics import SegmentMetrics, segment_metrics
from planner.operations.outreach import OutreachReport, OutreachRules, outreach_flags
from planner.operations.ticketdata import as_of_date, as_of_instant, ticket_view
from planner.optimization.staffing import SupportQueue
from planner.workbook.outcomes import Outcomes, find_outcomes


@dataclass(frozen=True)
class OperationsNote:
    """A fact about the data the figures were made from (a sentence: :func:`planner.report.operations_words.note_text`)."""

    code: str  # unknown_accounts | untiered_accounts | outside_window | no_sla | no_tickets | accounts_without_tier
    count: int
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class OperationsReport:
    segment_metrics: SegmentMetrics
    sla_attainment: SlaAttainment | None  # None without a ticket export
    outreach: OutreachReport
    notes: tuple[OperationsNote, ...]
    outcome_problems: tuple[Problem, ...]  # row messages about unreadable outcome cells
    as_of: pd.Timestamp  # UTC: the moment the figures are taken at
    as_of_date: dt.date  # its calendar date (the due date of outreach tasks)
    tier_column: str


class TicketSource(Protocol):
    """What the ticket reader hands over (planner.workbook.tickets.Tickets): the canonical frame."""

    @property
    def frame(self) -> pd.DataFrame: ...


def operations_report(
    accounts: pd.DataFrame,
    tiers: Sequence[Tier],
    slas: Sequence[SLA],
    tickets: TicketSource | pd.DataFrame | None,
    rules: OutreachRules | None = None,
    calendar: BusinessCalendar | None = None,
    as_of: dt.date | None = None,
    *,
    finance: Finance | None = None,
    staffing: StaffingAssumptions | None = None,
    business_hours: BusinessHours = False,
    units: Mapping[tuple[str, str], str] | None = None,
    plays: Mapping[str, str] | None = None,
    period_days: float = 365.0,
    tier_column: str = "previous_tier",
    fallback_tier_column: str | None = "tier",
    accounts_per_tier: Mapping[str, int] | None = None,
    planned_queues: Sequence[SupportQueue] | None = None,
    outcomes: Outcomes | None = None,
    worst: int = 10,
) -> OperationsReport:
    """Segment metrics, SLA attainment and outreach flags as of ``as_of`` (required).

    ``accounts``: ``PlanInputs.accounts`` (with the outcome columns under their
    own headers), plus ``tier_column``. ``tickets``: a
    :class:`planner.workbook.tickets.Tickets`, its canonical frame, or None.
    ``calendar``: business hours (default Monday-Friday 9-17 UTC). ``as_of``:
    a date (its end, in the calendar's zone) or a datetime. The period is the
    ``period_days`` before ``as_of``. Staffing parameters come from
    ``staffing``, else ``finance``, else the Finance sheet's defaults; the
    plan's staffing is ``planned_queues`` when given, else the SLAs sheet's
    expected volume for ``accounts_per_tier`` (default: the accounts per tier).
    ``outcomes``: parsed outcome columns (default: :func:`find_outcomes` on ``accounts``).
    """
    if as_of is None:
        raise ValueError("as_of is required: the figures are taken as of a date the caller names")
    calendar = calendar or BusinessCalendar()
    rules = rules or OutreachRules()
    if staffing is None:
        staffing = StaffingAssumptions.from_finance(finance) if finance is not None else StaffingAssumptions()
    accounts = accounts.reset_index(drop=True)
    end = as_of_instant(as_of, calendar.timezone)
    end_day = as_of_date(as_of, calendar.timezone)
    start = end - pd.Timedelta(days=period_days)
    period = Period(start, end, end_day - np.timedelta64(round(period_days), "D"), end_day)
    outcomes = outcomes if outcomes is not None else find_outcomes(accounts)
    tier_names = {t.name for t in tiers}
    tier_of = pd.Series([None] * len(accounts), dtype=object)
    for col in (tier_column, fallback_tier_column):
        if col and col in accounts.columns:
            raw_tier = accounts[col].astype(object)
            tier_of = tier_of.where(tier_of.notna(), raw_tier.where(raw_tier.isin(tier_names), None))
    notes: list[OperationsNote] = []
    untiered_accounts = int(tier_of.isna().sum())
    if untiered_accounts:
        notes.append(OperationsNote("accounts_without_tier", untiered_accounts))
    frame = tickets if tickets is None or isinstance(tickets, pd.DataFrame) else tickets.frame
    view = None
    if frame is not None:
        view = ticket_view(frame, accounts, tier_of, [t.name for t in tiers], calendar, start, end)
        if view.unknown_account_tickets:
            notes.append(OperationsNote("unknown_accounts", view.unknown_account_tickets, view.unknown_account_examples))
        if view.untiered_tickets:
            notes.append(OperationsNote("untiered_accounts", view.untiered_tickets))
        if view.outside_window_tickets:
            notes.append(OperationsNote("outside_window", view.outside_window_tickets))
    else:
        notes.append(OperationsNote("no_tickets", 0))
    metrics = segment_metrics(accounts, tier_of, tiers, slas, outcomes, view, period, business_hours=business_hours, units=units)
    attainment = None
    breaches = None
    if view is not None:
        per_tier = accounts_per_tier if accounts_per_tier is not None else {
            t: int((tier_of == t).sum()) for t in (x.name for x in tiers)}
        attainment = sla_attainment(view, slas, calendar, end, period, business_hours=business_hours, units=units,
                                    staffing=staffing, accounts_per_tier=per_tier, planned_queues=planned_queues, worst=worst)
        breaches = attainment.breaches_by_account
        if attainment.tickets_without_sla:
            total = sum(n for _, _, n in attainment.tickets_without_sla)
            examples = tuple(f"{t} {s}" for t, s, _ in attainment.tickets_without_sla[:5])
            notes.append(OperationsNote("no_sla", total, examples))
    outreach = outreach_flags(accounts, tier_of, tiers, outcomes, rules, end_day, breaches_by_account=breaches, plays=plays)
    return OperationsReport(metrics, attainment, outreach, tuple(notes), outcomes.problems, end,
                            pd.Timestamp(end_day).date(), tier_column)
