"""First response and resolution times per segment and severity: median, 90th percentile, tickets measured and not.

Median and 90th percentile per tier and severity, on the clock the SLA uses
(business or calendar hours) and in the unit its target is written in; with
the number of tickets measured and the number without a time (no first
response yet, not resolved). Percentiles interpolate linearly between the
ordered values (numpy's default, Excel's PERCENTILE.INC). Tickets count in
the period they were created in.

A group of tiers whose SLAs disagree on the clock or the unit for a severity is measured in calendar hours; "All"
severities together are always calendar hours.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.inputs import SLA
from planner.operations.measuring import MINUTES_PER, BusinessHours, is_business, sla_unit
from planner.operations.quantiles import GroupIndex
from planner.operations.ticketdata import BUSINESS, CALENDAR


@dataclass(frozen=True)
class DurationStats:
    count: int  # tickets with a measured time
    missing: int  # tickets without one (no first response yet / not resolved)
    median: float | None  # in ``unit``
    p90: float | None
    unit: str  # "seconds" | "minutes" | "hours"
    clock: str  # "calendar" | "business"


@dataclass(frozen=True)
class SeverityTimes:
    severity: str  # a severity, or "All" for every severity together (calendar hours)
    tickets: int
    first_response: DurationStats
    resolution: DurationStats


def clock_and_unit(slas: Mapping[tuple[str, str], SLA], tiers: Sequence[str], severity: str, business_hours: BusinessHours,
                    units: Mapping[tuple[str, str], str] | None) -> tuple[str, str]:
    """The clock and unit of a group of tiers for one severity: the SLA's when all tiers agree, else calendar hours."""
    choices = set()
    for t in tiers:
        sla = slas.get((t, severity))
        if sla is None:
            continue
        unit = (units or {}).get((t, severity)) or sla_unit(sla.target_seconds)
        choices.add((BUSINESS if is_business(business_hours, t, severity) else CALENDAR, unit))
    if len(choices) == 1:
        return choices.pop()
    return CALENDAR, "hours"


def duration_stats(count: int, missing: int, q: np.ndarray, unit: str, clock: str) -> DurationStats:
    f = MINUTES_PER[unit]
    med = None if count == 0 or math.isnan(q[0]) else float(q[0] / f)
    p90 = None if count == 0 or math.isnan(q[1]) else float(q[1] / f)
    return DurationStats(int(count), int(missing), med, p90, unit, clock)


@dataclass(frozen=True)
class TicketArrays:
    """The ticket columns the response-time figures use."""

    tier: np.ndarray  # tier code per ticket
    severity: np.ndarray  # index into the severities reported, -1 if not reported
    times: dict[tuple[str, str], np.ndarray]  # (metric, clock) -> minutes

    @classmethod
    def of(cls, frame: pd.DataFrame, severities: Sequence[str]) -> TicketArrays:
        cats = list(frame["priority"].cat.categories)
        lookup = np.array([severities.index(c) if c in severities else -1 for c in cats] + [-1], np.int64)
        sev = lookup[np.asarray(frame["priority"].cat.codes, np.int64)]
        times = {}
        for metric in ("first_response", "resolution"):
            for clock in (CALENDAR, BUSINESS):
                times[(metric, clock)] = frame[f"{metric}_{clock}"].to_numpy(dtype=float)
        return cls(frame["tier_code"].to_numpy(dtype=np.int64), sev, times)


def segment_times(t: TicketArrays, seg_of_tier: np.ndarray, n_seg: int, severities: Sequence[str],
                   clocks: Sequence[Sequence[tuple[str, str]]]) -> list[tuple[SeverityTimes, ...]]:
    """Response and resolution stats per segment and severity (on each cell's clock), and per segment for all."""
    k = len(severities)
    seg = np.where(t.tier >= 0, seg_of_tier[np.maximum(t.tier, 0)], -1)
    cell = np.where((seg >= 0) & (t.severity >= 0), seg * k + t.severity, -1)
    n = n_seg * k
    business = np.array([clocks[s][j][0] == BUSINESS for s in range(n_seg) for j in range(k)], dtype=bool)
    cells = GroupIndex(cell, n)
    segments = GroupIndex(seg, n_seg)
    stats = {m: cells.quantiles(t.times[(m, CALENDAR)], pick=business, other=t.times[(m, BUSINESS)])
             for m in ("first_response", "resolution")}
    all_stats = {m: segments.quantiles(t.times[(m, CALENDAR)]) for m in ("first_response", "resolution")}
    out = []
    for s_ in range(n_seg):
        rows = []
        for j, sev in enumerate(severities):
            c = s_ * k + j
            clock, unit = clocks[s_][j]
            total = int(cells.sizes[c])
            fr_n, fr_q = stats["first_response"][0][c], stats["first_response"][1][c]
            res_n, res_q = stats["resolution"][0][c], stats["resolution"][1][c]
            rows.append(SeverityTimes(sev, total, duration_stats(fr_n, total - fr_n, fr_q, unit, clock),
                                      duration_stats(res_n, total - res_n, res_q, unit, clock)))
        total = int(segments.sizes[s_])
        (fr_n, fr_q), (res_n, res_q) = all_stats["first_response"], all_stats["resolution"]
        rows.append(SeverityTimes("All", total, duration_stats(fr_n[s_], total - fr_n[s_], fr_q[s_], "hours", CALENDAR),
                                  duration_stats(res_n[s_], total - res_n[s_], res_q[s_], "hours", CALENDAR)))
        out.append(tuple(rows))
    return out
