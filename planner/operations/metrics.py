"""Segment metrics per tier and per engagement model: response times, renewals, churn, retention, expansion.

What is measured (support-ops reference, section C; the definitions are in the modules named):

- first response and resolution times per tier and severity
  (planner.operations.response_times);
- retention: logo churn, GRR, NRR, expansion, renewals (planner.operations.retention);
- tickets per account and month.

Every figure carries its counts so a small tier is not over-read; a metric
whose columns are missing is None and listed in ``off`` with the columns
that would switch it on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.inputs import SLA, Tier
from planner.operations.measuring import BusinessHours, MetricOff, Period
from planner.operations.response_times import SeverityTimes, TicketArrays, clock_and_unit, segment_times
from planner.operations.retention import RetentionFigures, account_retention, metrics_off, retention_figures
from planner.operations.ticketdata import TicketView
from planner.workbook.outcomes import Outcomes

SEVERITIES = ("Urgent", "High", "Normal", "Low")
TOTAL = "All tiers"


@dataclass(frozen=True)
class SegmentFigures:
    segment: str  # tier name, engagement model, or TOTAL
    kind: str  # "tier" | "engagement" | "total"
    tiers: tuple[str, ...]
    accounts: int
    tickets: int
    tickets_per_account_month: float | None
    times: tuple[SeverityTimes, ...]  # one per severity seen or planned, then "All"
    retention: RetentionFigures


@dataclass(frozen=True)
class SegmentMetrics:
    tiers: tuple[SegmentFigures, ...]
    engagement: tuple[SegmentFigures, ...]
    total: SegmentFigures
    period: Period
    off: tuple[MetricOff, ...]


def segment_metrics(
    accounts: pd.DataFrame,
    tier_of: pd.Series,
    tiers: Sequence[Tier],
    slas: Sequence[SLA],
    outcomes: Outcomes,
    view: TicketView | None,
    period: Period,
    *,
    business_hours: BusinessHours = False,
    units: Mapping[tuple[str, str], str] | None = None,
) -> SegmentMetrics:
    """Metrics per tier, per engagement model and in total (see the module docstring).

    ``tier_of``: the tier of each account (aligned with ``accounts``; None or
    NaN for accounts in no tier, which count in the total only). ``view``: the
    tickets joined to accounts (:func:`planner.operations.ticketdata.ticket_view`),
    or None when there is no ticket export. ``business_hours``: whether each
    (tier, severity) SLA counts business hours (True/False for all).
    ``units``: the unit per (tier, severity), default from the target.
    """
    off = metrics_off(outcomes)
    table = account_retention(accounts, outcomes, period)
    tier_names = tuple(t.name for t in tiers)
    tier_arr = pd.Series(tier_of).reset_index(drop=True).astype(object).to_numpy()
    sla_map: dict[tuple[str, str], SLA] = {(s.tier, s.severity): s for s in slas}
    planned = {s.severity for s in slas}
    frame = view.frame if view is not None else None
    seen: set[str] = set()
    if frame is not None and len(frame):
        codes = np.unique(np.asarray(frame["priority"].cat.codes))
        seen = {frame["priority"].cat.categories[c] for c in codes if c >= 0}
    severities = tuple(s for s in SEVERITIES if s in planned or s in seen)
    arrays = TicketArrays.of(frame, severities) if frame is not None else None
    models = list(dict.fromkeys(t.engagement for t in tiers))
    groupings: list[tuple[str, list[tuple[str, tuple[str, ...]]]]] = [
        ("tier", [(t, (t,)) for t in tier_names]),
        ("engagement", [(m, tuple(t.name for t in tiers if t.engagement == m)) for m in models]),
        ("total", [(TOTAL, tier_names)]),
    ]
    result = {}
    known: dict[tuple[str, ...], tuple[SeverityTimes, ...]] = {}  # a segment of the same tiers has the same times
    for kind, segments in groupings:
        times: list[tuple[SeverityTimes, ...]] = [()] * len(segments)
        counts = [0] * len(segments)
        if arrays is not None:
            todo = [(i, members) for i, (_, members) in enumerate(segments) if members not in known]
            seg_of_tier = np.full(len(tier_names), -1, np.int64)
            for j, (_, members) in enumerate(todo):
                for m in members:
                    seg_of_tier[tier_names.index(m)] = j
            clocks = [[clock_and_unit(sla_map, members, sev, business_hours, units) for sev in severities] for _, members in todo]
            for (_, members), row in zip(todo, segment_times(arrays, seg_of_tier, len(todo), severities, clocks) if todo else []):
                known[members] = row
            times = [known[members] for _, members in segments]
            counts = [row[-1].tickets for row in times]
        figures = []
        for i, (name, members) in enumerate(segments):
            mask = np.ones(len(accounts), bool) if kind == "total" else np.isin(tier_arr, np.array(members, dtype=object))
            n_acc = int(mask.sum())
            rate = counts[i] / n_acc / period.months if arrays is not None and n_acc and period.months > 0 else None
            figures.append(SegmentFigures(name, kind, members, n_acc, int(counts[i]), rate, times[i],
                                          retention_figures(table.loc[mask], off)))
        result[kind] = tuple(figures)
    return SegmentMetrics(result["tier"], result["engagement"], result["total"][0], period, off)
