"""Segment metrics per tier and per engagement model: response times, renewals, churn, retention, expansion.

Definitions (support-ops reference, section C):

- **First response / resolution time**: median and 90th percentile per tier
  and severity, on the clock the SLA uses (business or calendar hours) and in
  the unit its target is written in; with the number of tickets measured and
  the number without a time (no first response yet, not resolved). Percentiles
  interpolate linearly between the ordered values (numpy's default, Excel's
  PERCENTILE.INC). Tickets count in the period they were created in.
- **Logo churn** = churned accounts ÷ accounts at the start of the period.
- **GRR** = (start ARR − contraction − churned ARR) ÷ start ARR, never above 100%.
- **NRR** = (start ARR + expansion − contraction − churned ARR) ÷ start ARR.
  Both leave out accounts that were not customers at the start.
- **Expansion rate** = the sum of increases among accounts whose ARR grew ÷ start ARR;
  **time to first expansion** = median days from customer-since to first expansion.
- **Logo renewal** = accounts renewed ÷ accounts up for renewal in the period;
  **dollar renewal** = their ARR renewed at the pre-renewal price, without
  expansion (start − contraction) ÷ their ARR up for renewal.

Where the numbers come from, per account (:func:`account_retention`):

- start ARR: the ``arr_start`` column when there is one (blank: not a customer
  at the start). Otherwise ``arr`` less this period's expansion plus its
  contraction; for a churned account, ``arr`` itself (what it paid when it left).
- expansion and contraction: from ``arr - arr_start`` when ``arr_start`` is
  given; otherwise ``expansion_arr`` (a negative value is contraction) plus
  ``contraction_arr``. Churned accounts neither expand nor contract: their
  start ARR is lost.
- up for renewal: a ``renewal_date`` inside the period; without that column,
  every account whose ``renewed`` cell is filled. The outcome is ``renewed``
  when filled, otherwise not renewed when ``churned`` says Yes and renewed when
  it says No.
- accounts whose ``customer_since`` is inside the period are new: they are
  left out of churn, GRR, NRR and expansion.

Every figure carries its counts so a small tier is not over-read; a metric
whose columns are missing is None and listed in ``off`` with the columns
that would switch it on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.inputs import SLA, Tier
from planner.operations.ticketdata import BUSINESS, CALENDAR, TicketView
from planner.workbook.outcomes import Outcomes

SEVERITIES = ("Urgent", "High", "Normal", "Low")
UNITS = ("seconds", "minutes", "hours")
_MINUTES_PER = {"seconds": 1 / 60, "minutes": 1.0, "hours": 60.0}
DAYS_PER_MONTH = 365 / 12
TOTAL = "All tiers"

BusinessHours = bool | Mapping[tuple[str, str], bool]


@dataclass(frozen=True)
class Period:
    """The period the figures cover: ``[start, end)`` in UTC, and its dates (``start_date`` < d <= ``end_date``)."""

    start: pd.Timestamp
    end: pd.Timestamp
    start_date: np.datetime64
    end_date: np.datetime64

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400.0

    @property
    def months(self) -> float:
        return self.days / DAYS_PER_MONTH


@dataclass(frozen=True)
class MetricOff:
    """A metric that cannot be computed from the data given, and the columns that would switch it on."""

    metric: str
    needs: tuple[str, ...]  # canonical column names (any of them, when ``any_of``)
    any_of: bool = False


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


@dataclass(frozen=True)
class RetentionFigures:
    logos_start: int  # accounts that were customers at the start of the period
    arr_start: float
    churned_logos: int
    churned_arr: float
    contraction_arr: float
    expansion_arr: float
    expanded_logos: int
    new_logos: int  # accounts left out because they became customers during the period
    grr: float | None
    nrr: float | None
    logo_churn: float | None
    expansion_rate: float | None
    up_for_renewal: int  # with a known outcome
    renewed_logos: int
    renewal_unknown: int  # up for renewal, outcome not known: left out
    arr_up_for_renewal: float
    arr_renewed: float
    logo_renewal: float | None
    dollar_renewal: float | None
    first_expansion_count: int
    first_expansion_days_median: float | None


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


# ----------------------------------------------------------------- small pure helpers


def share(numerator: float, denominator: float) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


def grr(start: float, contraction: float, churned: float) -> float | None:
    """(start − contraction − churn) ÷ start, never above 100%."""
    if not start:
        return None
    return min(1.0, (start - contraction - churned) / start)


def nrr(start: float, expansion: float, contraction: float, churned: float) -> float | None:
    return (start + expansion - contraction - churned) / start if start else None


def sla_unit(target_seconds: float) -> str:
    """The unit a target reads best in: hours when it is whole hours, minutes when whole minutes, else seconds."""
    if target_seconds > 0 and _whole(target_seconds / 3600):
        return "hours"
    if target_seconds > 0 and _whole(target_seconds / 60):
        return "minutes"
    return "seconds"


def _whole(x: float) -> bool:
    return abs(x - round(x)) <= 1e-9 * max(1.0, abs(x))


def is_business(business_hours: BusinessHours, tier: str, severity: str) -> bool:
    if isinstance(business_hours, Mapping):
        return bool(business_hours.get((tier, severity), False))
    return bool(business_hours)


class GroupIndex:
    """The rows of each group code 0..n-1 (code -1: in no group), found with one stable integer sort (a radix sort).

    Quantiles are then taken per group with ``np.partition`` (linear time), so no column of a million
    values is ever sorted as a whole.
    """

    def __init__(self, codes: np.ndarray, n_groups: int):
        codes = np.asarray(codes, np.int64)
        rows = np.flatnonzero(codes >= 0)
        c = codes[rows]
        by = np.argsort(c.astype(np.int16) if n_groups < 32_000 else c, kind="stable")
        self.rows = rows[by]
        self.sizes = np.bincount(c, minlength=n_groups)[:n_groups] if n_groups else np.zeros(0, np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.int64) if n_groups else np.zeros(0, np.int64)
        self.n = n_groups

    def members(self, k: int) -> np.ndarray:
        return self.rows[self.starts[k]: self.starts[k] + self.sizes[k]]

    def quantiles(self, values: np.ndarray, qs: Sequence[float] = (0.5, 0.9),
                  pick: np.ndarray | None = None, other: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(counts of non-NaN values, quantiles[n, len(qs)]) per group; where ``pick[k]``, group k takes ``other`` instead."""
        counts = np.zeros(self.n, np.int64)
        out = np.full((self.n, len(qs)), np.nan)
        for k in range(self.n):
            source = values
            if pick is not None and pick[k]:
                assert other is not None  # ``pick`` comes with ``other``
                source = other
            part = source[self.members(k)]  # a copy: partitioned in place below
            m = len(part) - int(np.count_nonzero(np.isnan(part)))
            counts[k] = m
            if not m:
                continue
            spots = []
            for q in qs:
                h = (m - 1) * q
                lo = int(np.floor(h))
                spots.append((h, lo, min(lo + 1, m - 1)))
            part.partition(sorted({i for _, lo, hi in spots for i in (lo, hi)}))  # NaN sort last, beyond rank m - 1
            for j, (h, lo, hi) in enumerate(spots):
                out[k, j] = part[lo] + (h - lo) * (part[hi] - part[lo])
        return counts, out


def grouped_quantiles(groups: np.ndarray, values: np.ndarray, n_groups: int,
                      qs: Sequence[float] = (0.5, 0.9)) -> tuple[np.ndarray, np.ndarray]:
    """(counts, quantiles[n_groups, len(qs)]) of ``values`` per group code 0..n_groups-1 (-1: in no group), NaN skipped.

    Linear interpolation between order statistics (numpy's default percentile, Excel's PERCENTILE.INC).
    """
    return GroupIndex(groups, n_groups).quantiles(np.asarray(values, np.float64), qs)


# ----------------------------------------------------------------- per account


def account_retention(accounts: pd.DataFrame, outcomes: Outcomes, period: Period) -> pd.DataFrame:
    """Per account: ``start_arr``, ``in_cohort``, ``new``, ``churned``, ``expansion``, ``contraction``,
    ``up_for_renewal``, ``renewal_outcome`` (1 renewed, 0 not, NaN unknown) and
    ``days_to_first_expansion`` (NaN when unknown); see the module docstring."""
    o = outcomes.frame
    n = len(accounts)
    arr = accounts["arr"].to_numpy(dtype=float) if "arr" in accounts.columns else np.zeros(n)
    churned = np.zeros(n, bool)
    if "churned" in o.columns:
        churned = o["churned"].fillna(False).to_numpy(dtype=bool)
    if "arr_start" in o.columns:
        start = o["arr_start"].to_numpy(dtype=float)
        change = arr - start
        expansion = np.where(change > 0, change, 0.0)
        contraction = np.where(change < 0, -change, 0.0)
    else:
        net = o["expansion_arr"].fillna(0.0).to_numpy(dtype=float) if "expansion_arr" in o.columns else np.zeros(n)
        extra = o["contraction_arr"].fillna(0.0).to_numpy(dtype=float) if "contraction_arr" in o.columns else np.zeros(n)
        expansion = np.maximum(net, 0.0)
        contraction = np.maximum(-net, 0.0) + extra
        start = np.where(churned, arr, arr - expansion + contraction)
    expansion = np.where(churned, 0.0, expansion)
    contraction = np.where(churned, 0.0, contraction)
    new = np.zeros(n, bool)
    if "customer_since" in o.columns:
        since = o["customer_since"].to_numpy(dtype="datetime64[D]")
        new = ~np.isnat(since) & (since > period.start_date)
    with np.errstate(invalid="ignore"):
        in_cohort = ~new & ~np.isnan(start) & (start > 0)
    if "renewal_date" in o.columns:
        rd = o["renewal_date"].to_numpy(dtype="datetime64[D]")
        up = ~np.isnat(rd) & (rd > period.start_date) & (rd <= period.end_date)
    elif "renewed" in o.columns:
        up = o["renewed"].notna().to_numpy()
    else:
        up = np.zeros(n, bool)
    outcome = np.full(n, np.nan)
    if "churned" in o.columns:
        flag = o["churned"]
        known = flag.notna().to_numpy()
        outcome[known] = np.where(flag[known].to_numpy(dtype=bool), 0.0, 1.0)
    if "renewed" in o.columns:
        r = o["renewed"]
        known = r.notna().to_numpy()
        outcome[known] = r[known].to_numpy(dtype=bool).astype(float)
    days = np.full(n, np.nan)
    if "first_expansion_date" in o.columns and "customer_since" in o.columns:
        fe = o["first_expansion_date"].to_numpy(dtype="datetime64[D]")
        cs = o["customer_since"].to_numpy(dtype="datetime64[D]")
        ok = ~np.isnat(fe) & ~np.isnat(cs) & (fe >= cs)
        days[ok] = (fe[ok] - cs[ok]).astype(np.int64).astype(float)
    return pd.DataFrame({
        "start_arr": np.where(in_cohort, start, np.nan),
        "in_cohort": in_cohort,
        "new": new,
        "churned": churned & in_cohort,
        "expansion": np.where(in_cohort, expansion, 0.0),
        "contraction": np.where(in_cohort, contraction, 0.0),
        "up_for_renewal": up,
        "renewal_outcome": np.where(up, outcome, np.nan),
        "days_to_first_expansion": days,
    })


def metrics_off(outcomes: Outcomes) -> tuple[MetricOff, ...]:
    """The retention metrics the outcome columns found cannot support."""
    has = outcomes.has
    off = []
    if not has("churned"):
        off += [MetricOff("logo_churn", ("churned",)), MetricOff("grr", ("churned",)), MetricOff("nrr", ("churned",))]
    change = has("arr_start") or has("expansion_arr") or has("contraction_arr")
    if not change:
        if has("churned"):
            off += [MetricOff("grr", ("arr_start", "expansion_arr", "contraction_arr"), True),
                    MetricOff("nrr", ("arr_start", "expansion_arr", "contraction_arr"), True)]
        off.append(MetricOff("expansion_rate", ("arr_start", "expansion_arr"), True))
    if not (has("renewal_date") or has("renewed")):
        off += [MetricOff("logo_renewal", ("renewal_date", "renewed"), True), MetricOff("dollar_renewal", ("renewal_date", "renewed"), True)]
    elif not (has("renewed") or has("churned")):
        off += [MetricOff("logo_renewal", ("renewed", "churned"), True), MetricOff("dollar_renewal", ("renewed", "churned"), True)]
    if not has("first_expansion_date", "customer_since"):
        off.append(MetricOff("time_to_first_expansion", tuple(c for c in ("first_expansion_date", "customer_since") if not has(c))))
    return tuple(off)


def retention_figures(table: pd.DataFrame, off: Sequence[MetricOff] = ()) -> RetentionFigures:
    """Sum a group of accounts of :func:`account_retention` into the section C figures."""
    gone = {m.metric for m in off}
    cohort = table["in_cohort"].to_numpy(dtype=bool)
    start = float(np.nansum(table["start_arr"].to_numpy(dtype=float)[cohort]))
    churned = table["churned"].to_numpy(dtype=bool) & cohort
    churned_arr = float(np.nansum(table["start_arr"].to_numpy(dtype=float)[churned]))
    contraction = float(table["contraction"].to_numpy(dtype=float)[cohort].sum())
    expansion_each = table["expansion"].to_numpy(dtype=float)[cohort]
    expansion = float(expansion_each.sum())
    up = table["up_for_renewal"].to_numpy(dtype=bool)
    outcome = table["renewal_outcome"].to_numpy(dtype=float)
    known = up & ~np.isnan(outcome)
    renewed = known & (outcome == 1.0)
    start_all = table["start_arr"].to_numpy(dtype=float)
    start_up = np.where(np.isnan(start_all), 0.0, start_all)
    arr_up = float(start_up[known].sum())
    arr_renewed = float((start_up - table["contraction"].to_numpy(dtype=float))[renewed].clip(min=0).sum())
    days = table["days_to_first_expansion"].to_numpy(dtype=float)
    days = days[~np.isnan(days)]
    logos = int(cohort.sum())
    return RetentionFigures(
        logos_start=logos,
        arr_start=start,
        churned_logos=int(churned.sum()),
        churned_arr=churned_arr,
        contraction_arr=contraction,
        expansion_arr=expansion,
        expanded_logos=int((expansion_each > 0).sum()),
        new_logos=int(table["new"].to_numpy(dtype=bool).sum()),
        grr=None if "grr" in gone else grr(start, contraction, churned_arr),
        nrr=None if "nrr" in gone else nrr(start, expansion, contraction, churned_arr),
        logo_churn=None if "logo_churn" in gone else share(int(churned.sum()), logos),
        expansion_rate=None if "expansion_rate" in gone else share(expansion, start),
        up_for_renewal=int(known.sum()),
        renewed_logos=int(renewed.sum()),
        renewal_unknown=int((up & np.isnan(outcome)).sum()),
        arr_up_for_renewal=arr_up,
        arr_renewed=arr_renewed,
        logo_renewal=None if "logo_renewal" in gone else share(int(renewed.sum()), int(known.sum())),
        dollar_renewal=None if "dollar_renewal" in gone else share(arr_renewed, arr_up),
        first_expansion_count=len(days),
        first_expansion_days_median=(float(np.median(days)) if len(days) and "time_to_first_expansion" not in gone else None),
    )


# ----------------------------------------------------------------- response times


def _clock_and_unit(slas: Mapping[tuple[str, str], SLA], tiers: Sequence[str], severity: str, business_hours: BusinessHours,
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


def _duration_stats(count: int, missing: int, q: np.ndarray, unit: str, clock: str) -> DurationStats:
    f = _MINUTES_PER[unit]
    med = None if count == 0 or math.isnan(q[0]) else float(q[0] / f)
    p90 = None if count == 0 or math.isnan(q[1]) else float(q[1] / f)
    return DurationStats(int(count), int(missing), med, p90, unit, clock)


@dataclass(frozen=True)
class _TicketArrays:
    """The ticket columns the response-time figures use."""

    tier: np.ndarray  # tier code per ticket
    severity: np.ndarray  # index into the severities reported, -1 if not reported
    times: dict[tuple[str, str], np.ndarray]  # (metric, clock) -> minutes

    @classmethod
    def of(cls, frame: pd.DataFrame, severities: Sequence[str]) -> _TicketArrays:
        cats = list(frame["priority"].cat.categories)
        lookup = np.array([severities.index(c) if c in severities else -1 for c in cats] + [-1], np.int64)
        sev = lookup[np.asarray(frame["priority"].cat.codes, np.int64)]
        times = {}
        for metric in ("first_response", "resolution"):
            for clock in (CALENDAR, BUSINESS):
                times[(metric, clock)] = frame[f"{metric}_{clock}"].to_numpy(dtype=float)
        return cls(frame["tier_code"].to_numpy(dtype=np.int64), sev, times)


def _segment_times(t: _TicketArrays, seg_of_tier: np.ndarray, n_seg: int, severities: Sequence[str],
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
            rows.append(SeverityTimes(sev, total, _duration_stats(fr_n, total - fr_n, fr_q, unit, clock),
                                      _duration_stats(res_n, total - res_n, res_q, unit, clock)))
        total = int(segments.sizes[s_])
        (fr_n, fr_q), (res_n, res_q) = all_stats["first_response"], all_stats["resolution"]
        rows.append(SeverityTimes("All", total, _duration_stats(fr_n[s_], total - fr_n[s_], fr_q[s_], "hours", CALENDAR),
                                  _duration_stats(res_n[s_], total - res_n[s_], res_q[s_], "hours", CALENDAR)))
        out.append(tuple(rows))
    return out


# ----------------------------------------------------------------- the whole set


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
    arrays = _TicketArrays.of(frame, severities) if frame is not None else None
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
            clocks = [[_clock_and_unit(sla_map, members, sev, business_hours, units) for sev in severities] for _, members in todo]
            for (_, members), row in zip(todo, _segment_times(arrays, seg_of_tier, len(todo), severities, clocks) if todo else []):
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
