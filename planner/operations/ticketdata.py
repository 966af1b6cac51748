"""Tickets joined to accounts and tiers, and their response and resolution times on both clocks.

Shared by the segment metrics and the SLA attainment, so a ticket's tier and
its first-response time are worked out once.

Which account a ticket belongs to: its account value is matched to the CRM's
account ids exactly, then ignoring case and surrounding spaces, then to
account names (ignoring case) where the name belongs to one account only
(Zendesk's CSV exports the organization's name). Tickets of accounts the CRM
does not list are left out of every figure and counted.

Times: calendar minutes are the export's own (``first_response_minutes``,
``resolution_minutes``) when it gives them, otherwise the difference of the
timestamps. Business minutes are the export's own business-hour columns when
it gives them (measured on the helpdesk's own schedule), otherwise counted on
the :class:`~planner.operations.calendar.BusinessCalendar` given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.operations.calendar import BusinessCalendar, business_minutes_between, calendar_minutes_between

CALENDAR = "calendar"
BUSINESS = "business"


def as_of_instant(as_of, timezone: str = "UTC") -> pd.Timestamp:
    """The moment the figures are taken at, in UTC.

    A date means the end of that day in ``timezone`` (the next local midnight);
    a naive datetime is UTC; an aware one is converted.
    """
    if isinstance(as_of, dt.date) and not isinstance(as_of, dt.datetime):
        return (pd.Timestamp(as_of) + pd.Timedelta(days=1)).tz_localize(timezone).tz_convert("UTC")
    ts = pd.Timestamp(as_of)
    if ts.tzinfo is None:
        return ts.tz_localize("UTC")
    return ts.tz_convert("UTC")


def as_of_date(as_of, timezone: str = "UTC") -> np.datetime64:
    """The calendar date of ``as_of`` (a date stays itself; a time gives its local date in ``timezone``)."""
    if isinstance(as_of, dt.date) and not isinstance(as_of, dt.datetime):
        return np.datetime64(as_of, "D")
    ts = as_of_instant(as_of, timezone).tz_convert(timezone)
    return np.datetime64(ts.date(), "D")


def match_accounts(ticket_accounts: pd.Series, account_ids: pd.Series, names: pd.Series | None = None) -> np.ndarray:
    """Position in the accounts of each ticket's account (see the module docstring); -1 where unknown."""
    codes, uniques = pd.factorize(pd.Series(ticket_accounts).astype("str"), use_na_sentinel=True)
    uniq = pd.Index(uniques.astype(str))
    ids = pd.Index(pd.Series(account_ids).astype("str").to_numpy(dtype=object))
    pos = ids.get_indexer(uniq) if ids.is_unique else _first_positions(ids, uniq)
    todo = pos < 0
    if todo.any():
        folded_ids = pd.Index(pd.Series(ids.to_numpy(dtype=object)).str.strip().str.casefold())
        folded = pd.Index(pd.Series(uniq[todo].to_numpy(dtype=object)).str.strip().str.casefold())
        pos[todo] = _unique_lookup(folded_ids, folded)
        todo = pos < 0
    if todo.any() and names is not None:
        folded_names = pd.Index(pd.Series(names).astype("str").str.strip().str.casefold().to_numpy(dtype=object))
        folded = pd.Index(pd.Series(uniq[todo].to_numpy(dtype=object)).str.strip().str.casefold())
        pos[todo] = _unique_lookup(folded_names, folded)
    out = np.full(len(codes), -1, np.int64)
    ok = codes >= 0
    out[ok] = pos[codes[ok]]
    return out


def _first_positions(index: pd.Index, keys: pd.Index) -> np.ndarray:
    first = pd.Series(np.arange(len(index)), index=index)
    first = first[~first.index.duplicated(keep="first")]
    hit = pd.Index(first.index).get_indexer(keys)
    return np.where(hit >= 0, first.to_numpy()[np.maximum(hit, 0)], -1).astype(np.int64)


def _unique_lookup(index: pd.Index, keys: pd.Index) -> np.ndarray:
    """Positions of keys in index where the key occurs exactly once there; -1 otherwise."""
    counts = index.value_counts()
    single = counts[counts == 1].index
    keep = pd.Series(np.arange(len(index)), index=index)
    keep = keep[keep.index.isin(single)]
    if not len(keep):
        return np.full(len(keys), -1, np.int64)
    hit = pd.Index(keep.index).get_indexer(keys)
    return np.where(hit >= 0, keep.to_numpy()[np.maximum(hit, 0)], -1).astype(np.int64)


@dataclass(frozen=True)
class TicketView:
    """Tickets with their account position, tier and times; ``frame`` keeps only tickets of known accounts in tiers.

    ``frame`` columns: the canonical ticket columns, ``account_pos`` (int,
    position in the accounts), ``tier`` (str), ``first_response_calendar``,
    ``first_response_business``, ``resolution_calendar``,
    ``resolution_business`` (float minutes, NaN when missing).
    """

    frame: pd.DataFrame = field(repr=False)
    unknown_account_tickets: int
    unknown_account_examples: tuple[str, ...]
    untiered_tickets: int
    outside_window_tickets: int


def ticket_view(tickets: pd.DataFrame, accounts: pd.DataFrame, tier_of: pd.Series, calendar: BusinessCalendar,
                start: pd.Timestamp | None, end: pd.Timestamp) -> TicketView:
    """Join tickets to accounts (by ``account_id``, see :func:`match_accounts`) and tiers, keep those
    created in ``[start, end)`` (``start`` None: no lower bound), and work out their times."""
    names = accounts["name"] if "name" in accounts.columns else None
    pos = match_accounts(tickets["account_id"], accounts["account_id"], names)
    unknown = pos < 0
    examples = tuple(pd.unique(tickets.loc[unknown, "account_id"].astype(str))[:5]) if unknown.any() else ()
    tiers = pd.Series(tier_of).reset_index(drop=True).astype(object)
    tier = np.where(unknown, None, tiers.to_numpy(dtype=object)[np.maximum(pos, 0)])
    untiered = ~unknown & pd.isna(tier)
    created = tickets["created_at"]
    in_window = (created < end).to_numpy().copy()
    if start is not None:
        in_window &= (created >= start).to_numpy()
    in_window &= created.notna().to_numpy()
    keep = ~unknown & ~untiered & in_window
    outside = int((~unknown & ~untiered & ~in_window).sum())
    frame = tickets.loc[keep].reset_index(drop=True)
    frame["account_pos"] = pos[keep]
    frame["tier"] = pd.Series(tier[keep], dtype=object).astype(str).to_numpy()
    fr_cal = calendar_minutes_between(frame["created_at"], frame["first_response_at"])
    res_cal = calendar_minutes_between(frame["created_at"], frame["resolved_at"])
    if "first_response_minutes" in frame.columns:
        given = frame["first_response_minutes"].to_numpy(dtype=float)
        fr_cal = np.where(np.isnan(given), fr_cal, given)
    if "resolution_minutes" in frame.columns:
        given = frame["resolution_minutes"].to_numpy(dtype=float)
        res_cal = np.where(np.isnan(given), res_cal, given)
    fr_bus = business_minutes_between(frame["created_at"], frame["first_response_at"], calendar)
    res_bus = business_minutes_between(frame["created_at"], frame["resolved_at"], calendar)
    if "first_response_business_minutes" in frame.columns:
        given = frame["first_response_business_minutes"].to_numpy(dtype=float)
        fr_bus = np.where(np.isnan(given), fr_bus, given)
    if "resolution_business_minutes" in frame.columns:
        given = frame["resolution_business_minutes"].to_numpy(dtype=float)
        res_bus = np.where(np.isnan(given), res_bus, given)
    frame["first_response_calendar"] = fr_cal
    frame["first_response_business"] = fr_bus
    frame["resolution_calendar"] = res_cal
    frame["resolution_business"] = res_bus
    return TicketView(frame, int(unknown.sum()), examples, int(untiered.sum()), outside)
