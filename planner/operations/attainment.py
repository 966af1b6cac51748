"""SLA attainment per tier and severity, the worst breaches, and whether the planned staffing met the observed volume.

Attainment (support-ops reference, section C) = achieved ÷ (achieved + breached)
per SLA row, where a ticket's first response is

- **achieved** when it came within the row's first-response target
  (``SLA.target_seconds``; a response exactly at the target is in time);
- **breached** when it came later, or when the ticket is still waiting at
  ``as_of`` and already past the target (breaches are counted as of
  ``as_of``; a response recorded after ``as_of`` does not count yet);
- **pending** (left out) when the ticket is still waiting and not yet due;
- **not recorded** (left out, counted) when the ticket was resolved without a
  first response in the export: the export cannot say whether one was due.

Time runs on the SLA's clock: calendar hours by default, business hours for
the rows ``business_hours`` names (the Operations sheet will say which). The
result is compared with the row's service-level target.

Staffing check: the tickets that arrived in the window, per tier, severity and
channel, become arrival rates (per month, and per live hour for chat and
phone); the same models that staffed the plan (:mod:`planner.optimization.staffing`:
Erlang C for live channels, throughput for tickets) give the agents (live) or
hours (tickets) that volume needed, against what the plan provides for the
SLAs sheet's expected volume (or the plan's own queues when given).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd

from planner.inputs import SLA, Finance
from planner.operations.calendar import BusinessCalendar, business_minutes_between, calendar_minutes_between
from planner.operations.measuring import BusinessHours, Period, is_business, sla_unit
from planner.operations.ticketdata import BUSINESS, CALENDAR, TicketView
from planner.optimization.staffing import SupportQueue, queue_groups, staff_queue

PENDING, ACHIEVED, BREACHED, NOT_RECORDED = 0, 1, 2, 3


@dataclass(frozen=True)
class StaffingAssumptions:
    """The Finance sheet's support parameters the staffing models use."""

    live_hours: float = 220.0  # live support hours per month
    shrinkage: float = 0.30
    occupancy_cap: float = 0.85

    @classmethod
    def from_finance(cls, finance: Finance) -> StaffingAssumptions:
        return cls(finance.live_hours, finance.shrinkage, finance.occupancy_cap)


@dataclass(frozen=True)
class AttainmentCell:
    tier: str
    severity: str
    channel: str  # the SLA row's channel
    target_seconds: float
    unit: str  # the unit the target reads in
    clock: str  # "calendar" | "business"
    service_level: float  # the target share
    achieved: int
    breached: int
    breached_open: int  # of the breached: still waiting at as_of
    pending: int  # waiting, not yet due: left out
    not_recorded: int  # resolved without a recorded first response: left out
    attainment: float | None  # achieved / (achieved + breached)
    meets_target: bool | None
    gap: float | None  # attainment - service_level

    @property
    def measured(self) -> int:
        return self.achieved + self.breached


@dataclass(frozen=True)
class Breach:
    ticket_id: str
    account_id: str
    tier: str
    severity: str
    channel: str  # the ticket's channel
    created_at: str  # ISO 8601, UTC
    target_minutes: float
    elapsed_minutes: float  # to the first response, or to as_of while waiting
    late_minutes: float
    open: bool  # still waiting for a first response at as_of
    clock: str


@dataclass(frozen=True)
class StaffingCheck:
    tier: str
    channel: str
    role: str
    live: bool
    severities: tuple[str, ...]
    observed_tickets_per_month: float
    planned_tickets_per_month: float
    planned_agents: int | None  # live queues: agents on shift the plan provides
    needed_agents: int | None  # live queues: agents on shift the observed volume needed (None: no number reaches the targets)
    planned_rostered: int | None
    needed_rostered: int | None
    planned_hours_per_year: float
    needed_hours_per_year: float
    enough: bool  # the plan covers the observed volume
    achievable: bool  # some number of agents meets the targets at the observed volume


@dataclass(frozen=True)
class SlaAttainment:
    cells: tuple[AttainmentCell, ...]
    worst_breaches: tuple[Breach, ...]
    staffing: tuple[StaffingCheck, ...]
    window_days: float
    tickets_without_sla: tuple[tuple[str, str, int], ...]  # (tier, severity, tickets) with no SLA row: left out
    breaches_by_account: pd.Series = field(repr=False)  # account position -> breached tickets in the window


def attainment_share(achieved: int, breached: int) -> float | None:
    """achieved ÷ (achieved + breached); None when nothing was measured."""
    total = achieved + breached
    return achieved / total if total else None


def first_response_status(elapsed: np.ndarray, target: np.ndarray, responded: np.ndarray, resolved: np.ndarray,
                          waiting: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Status codes (PENDING, ACHIEVED, BREACHED, NOT_RECORDED) and minutes late (NaN unless breached).

    ``elapsed``: minutes to the first response (used where ``responded``);
    ``waiting``: minutes from creation to as_of (used for open tickets);
    ``target``: minutes; ``resolved``: resolved by as_of.
    """
    status = np.full(len(elapsed), PENDING, np.int8)
    late = np.full(len(elapsed), np.nan)
    r = responded
    status[r & (elapsed <= target)] = ACHIEVED
    over = r & (elapsed > target)
    status[over] = BREACHED
    late[over] = elapsed[over] - target[over]
    open_ = ~r & ~resolved
    due = open_ & (waiting > target)
    status[due] = BREACHED
    late[due] = waiting[due] - target[due]
    status[~r & resolved] = NOT_RECORDED
    return status, late


def sla_attainment(
    view: TicketView,
    slas: Sequence[SLA],
    calendar: BusinessCalendar,
    as_of: pd.Timestamp,
    period: Period,
    *,
    business_hours: BusinessHours = False,
    units: Mapping[tuple[str, str], str] | None = None,
    staffing: StaffingAssumptions = StaffingAssumptions(),
    accounts_per_tier: Mapping[str, int] | None = None,
    planned_queues: Sequence[SupportQueue] | None = None,
    worst: int = 10,
) -> SlaAttainment:
    """Attainment per SLA row, the ``worst`` breaches and the staffing check (see the module docstring).

    ``view``: tickets joined to accounts, created in ``period``. ``as_of``: a
    UTC timestamp. ``accounts_per_tier``: the accounts the plan staffs each
    tier for (ignored when ``planned_queues`` gives the plan's queues).
    """
    f = view.frame
    n = len(f)
    sla_map = {(s.tier, s.severity): s for s in slas}
    keys = list(sla_map)
    key_index = {k: i for i, k in enumerate(keys)}
    tier_cats = list(f["tier"].cat.categories)
    sev_cats = list(f["priority"].cat.categories)
    tier_codes = np.asarray(f["tier"].cat.codes, np.int64)
    sev_codes = np.asarray(f["priority"].cat.codes, np.int64)
    table = np.full((len(tier_cats) + 1, len(sev_cats) + 1), -1, np.int64)  # the last row and column: missing
    for (t, sv), i in key_index.items():
        if t in tier_cats and sv in sev_cats:
            table[tier_cats.index(t), sev_cats.index(sv)] = i
    code = table[tier_codes, sev_codes] if n else np.zeros(0, np.int64)
    tier_name = np.array(tier_cats + [""], dtype=object)
    sev_name = np.array(sev_cats + [""], dtype=object)
    target_min = np.array([sla_map[k].target_seconds / 60.0 for k in keys] + [np.nan])[code]
    business = np.array([is_business(business_hours, *k) for k in keys] + [False])[code]

    fr_at = f["first_response_at"]
    responded = (fr_at.notna() & (fr_at <= as_of)).to_numpy().copy() if n else np.zeros(0, bool)
    resolved = (f["resolved_at"].notna() & (f["resolved_at"] <= as_of)).to_numpy().copy() if n else np.zeros(0, bool)
    # a response only known as minutes (no timestamp) counts as responded
    elapsed = np.where(business, f["first_response_business"].to_numpy(dtype=float), f["first_response_calendar"].to_numpy(dtype=float))
    responded |= ~np.isnan(elapsed) & fr_at.isna().to_numpy()
    waiting = np.full(n, np.nan)
    if n:
        open_ = ~responded & ~resolved
        if open_.any():
            opened = f["created_at"][open_]
            now = np.full(int(open_.sum()), pd.Timestamp(as_of).as_unit("ns").value, np.int64).view("datetime64[ns]")
            w_cal = calendar_minutes_between(opened, now)
            if view.clock is not None and "created_business_mark" in f.columns:
                w_bus = view.clock.minutes(now[:1])[0] - f["created_business_mark"].to_numpy()[open_]
            else:
                w_bus = business_minutes_between(opened, now, calendar)
            waiting[open_] = np.where(business[open_], w_bus, w_cal)
    status, late = first_response_status(np.nan_to_num(elapsed, nan=np.inf), target_min, responded, resolved, waiting)
    has_sla = code >= 0
    status = np.where(has_sla, status, -1)

    k = len(keys)
    counts = np.zeros((k, 4), np.int64)
    if n:
        np.add.at(counts, (code[has_sla], status[has_sla]), 1)
    open_breach = np.bincount(code[has_sla & (status == BREACHED) & ~responded], minlength=k)[:k] if n else np.zeros(k, np.int64)
    cells = []
    for i, key in enumerate(keys):
        s = sla_map[key]
        a, b = int(counts[i, ACHIEVED]), int(counts[i, BREACHED])
        share = attainment_share(a, b)
        cells.append(AttainmentCell(
            s.tier, s.severity, s.channel, s.target_seconds, (units or {}).get(key) or sla_unit(s.target_seconds),
            BUSINESS if is_business(business_hours, *key) else CALENDAR, s.service_level, a, b, int(open_breach[i]),
            int(counts[i, PENDING]), int(counts[i, NOT_RECORDED]), share,
            None if share is None else share >= s.service_level - 1e-12,
            None if share is None else share - s.service_level,
        ))

    # the worst breaches, latest first (ties by ticket id, so the list is the same every run)
    breached = np.flatnonzero(status == BREACHED)
    worst_rows: list[Breach] = []
    if len(breached) and worst > 0:
        lates = late[breached]
        if len(breached) > worst:  # only the breaches at least as late as the worst-th latest can make the list
            cut = np.partition(lates, len(lates) - worst)[len(lates) - worst]
            breached, lates = breached[lates >= cut], lates[lates >= cut]
        ids = f["ticket_id"].iloc[breached].astype(str).to_numpy(dtype=object)
        sub = pd.DataFrame({"i": breached, "late": lates, "id": ids})
        sub = sub.sort_values(["late", "id"], ascending=[False, True], kind="mergesort").head(worst)
        for i in sub["i"].to_numpy():
            el = waiting[i] if not responded[i] else elapsed[i]
            worst_rows.append(Breach(  # created_at is a datetime64[ns, UTC] column: its cells are Timestamps
                str(f["ticket_id"].iat[i]), str(f["account_id"].iat[i]), str(tier_name[tier_codes[i]]), str(sev_name[sev_codes[i]]),
                str(f["channel"].iat[i]),
                cast(pd.Timestamp, f["created_at"].iat[i]).isoformat(), float(target_min[i]), float(el), float(late[i]), bool(not responded[i]),
                BUSINESS if business[i] else CALENDAR,
            ))
    without = []
    if n and (~has_sla).any():
        combo = tier_codes[~has_sla] * (len(sev_cats) + 1) + sev_codes[~has_sla]
        values, counts_ = np.unique(combo, return_counts=True)
        without = [(str(tier_name[v // (len(sev_cats) + 1)]), str(sev_name[v % (len(sev_cats) + 1)]), int(c))
                   for v, c in zip(values, counts_)]
    by_account = (pd.Series(f["account_pos"].to_numpy()[status == BREACHED]).value_counts().sort_index()
                  if n else pd.Series([], dtype=np.int64))
    checks = staffing_check(f, slas, period, staffing, accounts_per_tier or {}, planned_queues)
    return SlaAttainment(tuple(cells), tuple(worst_rows), checks, period.days, tuple(without), by_account)


def _first_seen_counts(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct codes in the order they first occur, and how often each occurs."""
    values, first, counts = np.unique(codes, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    return values[order], counts[order]


def staffing_check(
    frame: pd.DataFrame,
    slas: Sequence[SLA],
    period: Period,
    assumptions: StaffingAssumptions,
    accounts_per_tier: Mapping[str, int],
    planned_queues: Sequence[SupportQueue] | None = None,
) -> tuple[StaffingCheck, ...]:
    """Agents (live) or hours (tickets) the observed arrivals needed, per queue, against the plan's."""
    months = period.months
    sla_map = {(s.tier, s.severity): s for s in slas}
    observed_rows: list[SLA] = []
    if len(frame) and months > 0:
        tiers_ = list(frame["tier"].cat.categories)
        sevs_ = list(frame["priority"].cat.categories)
        chans_ = list(frame["channel"].cat.categories)
        tc = np.asarray(frame["tier"].cat.codes, np.int64)
        sc = np.asarray(frame["priority"].cat.codes, np.int64)
        cc = np.asarray(frame["channel"].cat.codes, np.int64)
        ok = (tc >= 0) & (sc >= 0) & (cc >= 0)
        combo = (tc[ok] * len(sevs_) + sc[ok]) * len(chans_) + cc[ok]
        first_seen, counts = _first_seen_counts(combo)
        vol = []
        for v, count in zip(first_seen, counts):
            t_, rest = divmod(int(v), len(sevs_) * len(chans_))
            s_, c_ = divmod(rest, len(chans_))
            vol.append(((tiers_[t_], sevs_[s_], chans_[c_]), int(count)))
        for (t, s, ch), count in vol:
            base = sla_map.get((t, s))
            if base is None:
                continue  # no SLA row: not staffed for, reported by the attainment
            observed_rows.append(dataclasses.replace(base, channel=ch, tickets_per_account_month=count / months))
    kw = dict(live_hours=assumptions.live_hours, shrinkage=assumptions.shrinkage, occupancy_cap=assumptions.occupancy_cap)
    needed = {key: staff_queue(rows, 1, **kw) for key, rows in queue_groups(observed_rows).items()}
    if planned_queues is not None:
        planned = {(q.tier, q.channel, q.role): q for q in planned_queues}
    else:
        planned = {key: staff_queue(rows, int(accounts_per_tier.get(key[0], 0)), **kw) for key, rows in queue_groups(slas).items()}
    out = []
    for key in list(dict.fromkeys(list(planned) + list(needed))):
        p = planned.get(key)
        q = needed.get(key)
        first = p or q
        assert first is not None  # the key is planned, needed or both
        live = first.live
        severities = tuple(dict.fromkeys((p.severities if p else ()) + (q.severities if q else ())))
        p_agents = p.agents_on_shift if p else 0
        q_agents = q.agents_on_shift if q else 0
        p_hours = p.hours_per_year if p else 0.0
        q_hours = q.hours_per_year if q else 0.0
        achievable = q.achievable if q else True
        if live:
            enough = achievable and (p is not None and p.achievable) and (q_agents or 0) <= (p_agents or 0)
        else:
            enough = q_hours <= p_hours + 1e-9
        out.append(StaffingCheck(
            key[0], key[1], key[2], live, severities,
            q.tickets_per_month if q else 0.0, p.tickets_per_month if p else 0.0,
            p_agents if live else None, q_agents if live else None,
            (p.rostered_agents if p else 0) if live else None, (q.rostered_agents if q else 0) if live else None,
            p_hours, q_hours, bool(enough), bool(achievable),
        ))
    return tuple(out)
