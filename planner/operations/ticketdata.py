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
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from planner import schema
from planner.arrays import IntArray
from planner.operations.calendar import BusinessCalendar, BusinessClock, calendar_minutes_between

CALENDAR = "calendar"
BUSINESS = "business"


def as_of_instant(as_of: dt.date, timezone: str = "UTC") -> pd.Timestamp:
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


def as_of_date(as_of: dt.date, timezone: str = "UTC") -> np.datetime64:
    """The calendar date of ``as_of`` (a date stays itself; a time gives its local date in ``timezone``)."""
    if isinstance(as_of, dt.date) and not isinstance(as_of, dt.datetime):
        return np.datetime64(as_of, "D")
    ts = as_of_instant(as_of, timezone).tz_convert(timezone)
    return np.datetime64(ts.date(), "D")


def _arrow_text(values: pd.Series | pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    if isinstance(values, pd.Series):
        arr = pa.array(values, type=pa.string(), from_pandas=True) if values.dtype != object else \
            pa.array(values.astype("str").to_numpy(dtype=object, na_value=None),  # type: ignore[call-overload]  # pandas takes na_value=None; its stubs do not
                     type=pa.string(), from_pandas=True)
    else:
        arr = pa.array(values, type=pa.string(), from_pandas=True)
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def _fold(arr: pa.Array) -> pa.Array:
    return pc.utf8_lower(pc.utf8_trim_whitespace(arr))


def match_accounts(ticket_accounts: pd.Series, account_ids: pd.Series, names: pd.Series | None = None) -> IntArray:
    """Position in the accounts of each ticket's account (see the module docstring); -1 where unknown.

    Works on the distinct account values of the tickets (a few per account), with Arrow's hash lookups.
    """
    tickets = _arrow_text(ticket_accounts)
    uniq = pc.unique(tickets).drop_null()
    codes = np.asarray(pc.fill_null(pc.index_in(tickets, value_set=uniq), -1)).astype(np.int64)
    ids = _arrow_text(account_ids).combine_chunks()
    pos = np.asarray(pc.fill_null(pc.index_in(uniq, value_set=ids), -1)).astype(np.int64)
    todo = pos < 0
    if todo.any():
        pos[todo] = _unique_lookup(_fold(ids), _fold(pc.filter(uniq, pa.array(todo))))
        todo = pos < 0
    if todo.any() and names is not None:
        pos[todo] = _unique_lookup(_fold(_arrow_text(names).combine_chunks()), _fold(pc.filter(uniq, pa.array(todo))))
    return np.where(codes >= 0, pos[np.maximum(codes, 0)], -1)


def _unique_lookup(index: pa.Array, keys: pa.Array) -> IntArray:
    """Positions of keys in index where the key occurs exactly once there; -1 otherwise (a name two accounts share says nothing)."""
    hit = np.asarray(pc.fill_null(pc.index_in(keys, value_set=index), -1)).astype(np.int64)
    if not (hit >= 0).any():
        return hit
    counts = pc.value_counts(index)
    repeated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    shared = np.asarray(pc.fill_null(pc.is_in(keys, value_set=repeated), False))
    return np.where(shared, -1, hit)


def _prefer(frame: pd.DataFrame, column: str, computed: np.ndarray) -> np.ndarray:
    """The export's own minutes where it gives them, the computed ones elsewhere."""
    if column not in frame.columns:
        return computed
    given = frame[column].to_numpy(dtype=float)
    return np.where(np.isnan(given), computed, given)


def _filter_rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The rows where ``keep``, column by column (Arrow text is filtered by Arrow, not taken row by row)."""
    if keep.all():
        return frame.reset_index(drop=True).copy()
    mask = pa.array(keep)
    out = {}
    for c in frame.columns:
        col = frame[c]
        if isinstance(col.dtype, pd.StringDtype) and getattr(col.dtype, "storage", "") == "pyarrow":
            out[c] = pd.Series(pc.filter(pa.array(col), mask).to_pandas(), dtype=col.dtype)
        else:
            out[c] = col.to_numpy()[keep] if not isinstance(col.dtype, (pd.CategoricalDtype, pd.DatetimeTZDtype)) else \
                col[keep].reset_index(drop=True)
    return pd.DataFrame(out)


@dataclass(frozen=True)
class TicketView:
    """Tickets with their account position, tier and times; ``frame`` keeps only tickets of known accounts in tiers.

    ``frame`` columns: the canonical ticket columns, ``account_pos`` (int,
    position in the accounts), ``tier`` (categorical over the tiers' names),
    ``tier_code`` (int, index of the tier), ``first_response_calendar``,
    ``first_response_business``, ``resolution_calendar``,
    ``resolution_business`` (float minutes, NaN when missing), ``created_business_mark``
    (the creation time on ``clock``, so business time waited so far is ``clock.minutes(now) - mark``).
    """

    frame: pd.DataFrame = field(repr=False)
    unknown_account_tickets: int
    unknown_account_examples: tuple[str, ...]
    untiered_tickets: int
    outside_window_tickets: int
    clock: BusinessClock | None = field(default=None, repr=False)  # business minutes since its origin; covers ``end``


def ticket_view(tickets: pd.DataFrame, accounts: pd.DataFrame, tier_of: pd.Series, tier_names: Iterable[str], calendar: BusinessCalendar,
                start: pd.Timestamp | None, end: pd.Timestamp) -> TicketView:
    """Join tickets to accounts (by ``account_id``, see :func:`match_accounts`) and tiers (``tier_of``: each
    account's tier name or None; ``tier_names``: the tiers in order), keep those created in ``[start, end)``
    (``start`` None: no lower bound), and work out their times."""
    tier_names = tuple(tier_names)
    names = accounts["name"] if "name" in accounts.columns else None
    pos = match_accounts(tickets["account_id"], accounts["account_id"], names)
    unknown = pos < 0
    examples = tuple(pd.unique(tickets.loc[unknown, "account_id"].astype(str))[:5]) if unknown.any() else ()
    account_tier = pd.Categorical(pd.Series(tier_of).reset_index(drop=True).astype(object), categories=list(tier_names)).codes
    tier_code = np.where(unknown, -1, np.asarray(account_tier, np.int64)[np.maximum(pos, 0)]) if len(account_tier) else \
        np.full(len(pos), -1, np.int64)
    untiered = ~unknown & (tier_code < 0)
    created = tickets["created_at"]
    in_window = (created < end).to_numpy().copy()
    if start is not None:
        in_window &= (created >= start).to_numpy()
    in_window &= created.notna().to_numpy()
    keep = ~unknown & ~untiered & in_window
    outside = int((~unknown & ~untiered & ~in_window).sum())
    frame = _filter_rows(tickets, keep)
    for col, cats in (("priority", schema.SEVERITIES), ("channel", schema.CHANNELS)):
        if not (isinstance(frame[col].dtype, pd.CategoricalDtype) and tuple(frame[col].cat.categories) == tuple(cats)):
            frame[col] = pd.Categorical(frame[col].astype(object), categories=list(cats))
    frame["account_pos"] = pos[keep]
    frame["tier_code"] = tier_code[keep]
    frame["tier"] = pd.Categorical.from_codes(tier_code[keep], categories=pd.Index(list(tier_names)))
    clock = BusinessClock.covering(calendar, frame["created_at"], frame["first_response_at"], frame["resolved_at"],
                                   pd.Series([end]))
    created_mark = clock.minutes(frame["created_at"])
    for metric, at, given in (("first_response", "first_response_at", "first_response"), ("resolution", "resolved_at", "resolution")):
        calendar_minutes = calendar_minutes_between(frame["created_at"], frame[at])
        business_minutes = clock.minutes(frame[at]) - created_mark
        frame[f"{metric}_calendar"] = _prefer(frame, f"{given}_minutes", calendar_minutes)
        frame[f"{metric}_business"] = _prefer(frame, f"{given}_business_minutes", business_minutes)
    frame["created_business_mark"] = created_mark
    return TicketView(frame, int(unknown.sum()), examples, int(untiered.sum()), outside, clock)
