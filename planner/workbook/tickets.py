"""The helpdesk's ticket export as one canonical tickets table: :class:`Tickets`, and the rules for bad rows.

:func:`read_tickets` reads a CSV or Parquet file (planner.workbook.ticket_files),
:func:`clean_tickets` a table already in memory (a test, the demo, a sheet);
both return :class:`Tickets`. Which headers name which column is
planner.workbook.ticket_columns; how ids, priorities and channels are read is
planner.workbook.ticket_values.

Values
------
- Timestamps: see :mod:`planner.workbook.timeparse`. Times without a zone are
  wall-clock times in ``timezone`` (UTC by default: Zendesk's CSV uses the
  account's own time zone, so pass it). Output is ``datetime64[ns, UTC]``.
  When an export gives the first reply or the resolution only as minutes
  (Zendesk's CSV does), its timestamp is the creation time plus those
  calendar minutes.
- Durations: see :mod:`planner.workbook.durations`: minutes, hours or ``HH:MM:SS``; a blank is missing, never 0.
- Priority and channel: see planner.workbook.ticket_values. A blank priority
  is Normal, a blank channel Email/ticket (both noted).

Bad rows
--------
A row without a ticket id, an account or a readable creation time, a
repeated ticket id (the first is kept) or an unknown priority is left out;
an unreadable or impossible first response, resolution or duration (before
the ticket was created, negative) becomes missing and the ticket is kept.
Each kind of problem is listed per row for the first ``MAX_ROW_PROBLEMS``
rows, then as one "... and N more" line, and all of them are notes: the run
goes on. The file is unusable (``UserInputError`` naming it) when it cannot
be read, lacks an id, account or creation column, or keeps no ticket at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from planner.errors import Problem, UserInputError
from planner.workbook.civil_time import NAT, NS_PER_MINUTE
from planner.workbook.durations import parse_durations
from planner.workbook.locators import FileLocator, Locator, report_rows_capped
from planner.workbook.text import plural, show_value
from planner.workbook.ticket_columns import (
    CHANNEL_DTYPE,
    CHANNELS,
    DURATION_COLUMNS,
    EMAIL,
    PRIORITIES,
    PRIORITY_DTYPE,
    REQUIRED,
    match_ticket_columns,
)
from planner.workbook.ticket_files import read_ticket_file
from planner.workbook.ticket_values import as_series, channel_codes, first_rows, priority_codes, text_values
from planner.workbook.timeparse import parse_instants

_LABELS = {
    "ticket_id": "ticket id",
    "account_id": "account (organization or company)",
    "created_at": "creation time",
}


@dataclass(frozen=True)
class Tickets:
    """A ticket export, cleaned.

    ``frame`` holds one row per ticket kept, in file order, with the canonical
    columns: ``ticket_id``, ``account_id`` (str); ``created_at``,
    ``first_response_at``, ``resolved_at`` (datetime64[ns, UTC], NaT when
    missing); ``priority`` (categorical: Urgent, High, Normal, Low);
    ``channel`` (categorical: Chat, Phone, Email/ticket); and, when the export
    gives them, ``first_response_minutes``, ``first_response_business_minutes``,
    ``resolution_minutes``, ``resolution_business_minutes`` (float, NaN when
    missing). ``positions[i]`` is the 0-based data row of ``frame`` row i in the
    file, and ``locator`` names it in messages (``tickets.csv row 17``).
    """

    frame: pd.DataFrame = field(repr=False)
    source: str
    columns: dict  # canonical column -> header as found
    notes: tuple[Problem, ...]  # row messages and facts; none of them stopped the run
    rows_read: int
    positions: np.ndarray = field(repr=False)
    locator: Locator | None = field(repr=False, default=None)

    @property
    def rows_left_out(self) -> int:
        return self.rows_read - len(self.frame)


def read_tickets(path: Path | str, *, timezone: str = "UTC", dayfirst: bool | None = None) -> Tickets:
    """Read a CSV or Parquet ticket export (see the module docstring).

    ``timezone``: the IANA zone of times written without one (Zendesk's CSV
    writes the account's zone). ``dayfirst``: how to read ``03/04/2026`` when
    the column does not show it (default month-first, noted).
    """
    headers, columns, n, where = read_ticket_file(Path(path))
    return _clean(headers, columns, n, where, timezone=timezone, dayfirst=dayfirst, source=Path(path).name)


def clean_tickets(raw: pd.DataFrame, where: Locator | None = None, *, timezone: str = "UTC", dayfirst: bool | None = None,
                  source: str = "tickets") -> Tickets:
    """Clean a ticket table already in memory (headers as the helpdesk writes them, or canonical names)."""
    raw = raw.reset_index(drop=True)
    where = where or FileLocator(source)
    headers = [str(c) for c in raw.columns]
    columns = {h: raw.iloc[:, j] for j, h in enumerate(headers)}
    return _clean(headers, columns, len(raw), where, timezone=timezone, dayfirst=dayfirst, source=source)


def _label(header: str) -> str:
    return str(header).strip()


def _clean(headers, columns: dict, n: int, where: Locator, *, timezone: str, dayfirst: bool | None, source: str) -> Tickets:
    found, repeats = match_ticket_columns(headers)
    notes: list[Problem] = []
    for h, first in repeats:
        if any(h == used for used, _ in found.values()) or any(first == used for used, _ in found.values()):
            notes.append(Problem(where.header_where(), f'column "{_label(h)}" appears twice', f'the first, "{_label(first)}", is used'))
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        wanted = {"ticket_id": "Ticket ID / ID / id", "account_id": "Organization / Company Name / organization_id / Account ID",
                  "created_at": "Created at / Created time / created_at"}
        raise UserInputError([Problem(where.header_where(), f"no {_LABELS[c]} column", f"a column such as {wanted[c]}") for c in missing])

    keep = np.ones(n, bool)
    out: dict[str, object] = {}

    # -- ticket id: required and unique (the first of repeated ids is kept)
    h = found["ticket_id"][0]
    idv, id_blank = text_values(columns[h])
    blank = np.flatnonzero(id_blank)
    report_rows_capped(notes, where, h, blank, lambda i: f"{_label(h)} is blank", "the ticket is left out")
    keep[blank] = False
    first_row = first_rows(idv)
    dup_idx = np.flatnonzero(~id_blank & (first_row != np.arange(n)))
    if len(dup_idx):
        report_rows_capped(notes, where, h, dup_idx, lambda i: f'{_label(h)} "{idv[i].as_py()}" appears again',
                           lambda i: f"first on {where.row_label(int(first_row[i]))}; this row is left out",
                           "the first row of each ticket is kept")
        keep[dup_idx] = False
    out["ticket_id"] = idv

    # -- account: required
    h = found["account_id"][0]
    acc, acc_blank = text_values(columns[h])
    blank = np.flatnonzero(acc_blank)
    report_rows_capped(notes, where, h, blank, lambda i: f"{_label(h)} is blank", "the ticket is left out: it names no account")
    keep[blank] = False
    out["account_id"] = acc

    # -- created: required
    h = found["created_at"][0]
    created = parse_instants(columns[h], timezone=timezone, dayfirst=dayfirst)
    _time_notes(notes, where, h, created, timezone)
    report_rows_capped(notes, where, h, np.flatnonzero(created.blank), lambda i: f"{_label(h)} is blank",
                       "the ticket is left out: it has no creation time")
    bad = np.flatnonzero(created.bad)
    report_rows_capped(notes, where, h, bad, lambda i: f"{_label(h)} {show_value(created.cell(i))} is not a date and time",
                       "the ticket is left out; write times as 2026-03-17 14:05 or 2026-03-17T14:05:00Z")
    keep[created.blank | created.bad] = False
    created_ns = created.values.view(np.int64)

    # -- priority
    if "priority" in found:
        h = found["priority"][0]
        pri, blank, unknown = priority_codes(columns[h])
        blank &= keep
        unknown &= keep
        if blank.any():
            notes.append(Problem(where.cells(np.flatnonzero(blank), h), f"{_label(h)} is blank on {plural(int(blank.sum()), 'ticket')}",
                                 "counted as Normal"))
        raw = as_series(columns[h])
        report_rows_capped(notes, where, h, np.flatnonzero(unknown), lambda i: f"{_label(h)} {show_value(raw.iat[i])} is not a priority",
                           "the ticket is left out; priorities are Urgent, High, Normal, Low (or low/normal/high/urgent, 1-4)")
        keep[unknown] = False
    else:
        pri = np.full(n, PRIORITIES.index("Normal"), np.int8)
        notes.append(Problem(where.header_where(), "no priority column", "every ticket is counted as Normal"))

    # -- durations the export gives directly
    durations: dict[str, np.ndarray] = {}
    for canon in DURATION_COLUMNS:
        if canon in found:
            h, unit = found[canon]
            durations[canon] = _durations(notes, where, h, columns[h], unit, keep)

    # -- first response and resolution timestamps (or durations, for the ambiguous names)
    times: dict[str, np.ndarray] = {}
    for canon, family, minutes_col in (("first_response_at", "first_response", "first_response_minutes"),
                                       ("resolved_at", "resolution", "resolution_minutes")):
        header = found.get(canon, (None,))[0]
        either = found.get("either:" + family, (None,))[0]
        if header is None and either is not None:
            inst = parse_instants(columns[either], timezone=timezone, dayfirst=dayfirst)
            dur = parse_durations(columns[either], unit="minutes")
            if int(dur.bad.sum() + dur.negative.sum()) < int(inst.bad.sum()):
                if minutes_col not in durations:
                    durations[minutes_col] = _durations(notes, where, either, columns[either], "minutes", keep)
                    found[minutes_col] = (either, "minutes")
                continue
            header = either
            found[canon] = (either, "time")
        if header is None:
            continue
        inst = parse_instants(columns[header], timezone=timezone, dayfirst=dayfirst)
        _time_notes(notes, where, header, inst, timezone)
        ns = inst.values.view(np.int64).copy()
        report_rows_capped(notes, where, header, np.flatnonzero(inst.bad & keep),
                           lambda i: f"{_label(header)} {show_value(inst.cell(i))} is not a date and time",
                           "treated as missing; the ticket is kept")
        early = np.flatnonzero((ns != NAT) & (created_ns != NAT) & (ns < created_ns) & keep)
        report_rows_capped(notes, where, header, early, lambda i: f"{_label(header)} is before the ticket was created",
                           "treated as missing; the ticket is kept")
        ns[early] = NAT
        times[canon] = ns

    # a timestamp the export gives only as calendar minutes after creation
    for canon, minutes_col in (("first_response_at", "first_response_minutes"), ("resolved_at", "resolution_minutes")):
        if minutes_col in durations:
            ns = times.get(canon, np.full(n, NAT, np.int64))
            mins = durations[minutes_col]
            fill = (ns == NAT) & (created_ns != NAT) & ~np.isnan(mins)
            ns[fill] = created_ns[fill] + np.round(mins[fill] * NS_PER_MINUTE).astype(np.int64)
            times[canon] = ns

    # -- channel
    if "channel" in found:
        h = found["channel"][0]
        chan, blank, unknown_ids = channel_codes(columns[h], h)
        blank &= keep
        unknown_ids &= keep
        if blank.any():
            notes.append(Problem(where.cells(np.flatnonzero(blank), h), f"{_label(h)} is blank on {plural(int(blank.sum()), 'ticket')}",
                                 "counted as Email/ticket"))
        if unknown_ids.any():
            raw = as_series(columns[h])
            codes = sorted({str(v) for v in raw[unknown_ids].astype(str).unique()})[:5]
            notes.append(Problem(where.cells(np.flatnonzero(unknown_ids), h),
                                 f"{_label(h)} holds channel codes this export's helpdesk does not name as chat or phone on "
                                 f"{plural(int(unknown_ids.sum()), 'ticket')} ({', '.join(codes)})", "counted as Email/ticket"))
    else:
        chan = np.full(n, CHANNELS.index(EMAIL), np.int8)
        notes.append(Problem(where.header_where(), "no channel column", "every ticket is counted as Email/ticket"))

    positions = np.flatnonzero(keep)
    take = (lambda a: a) if keep.all() else (lambda a: a[keep])
    mask = None if keep.all() else pa.array(keep)
    frame = pd.DataFrame({
        "ticket_id": _text(out["ticket_id"], mask),
        "account_id": _text(out["account_id"], mask),
        "created_at": _utc(take(created_ns)),
        "first_response_at": _utc(take(times.get("first_response_at", np.full(n, NAT, np.int64)))),
        "resolved_at": _utc(take(times.get("resolved_at", np.full(n, NAT, np.int64)))),
        "priority": pd.Categorical.from_codes(take(pri), dtype=PRIORITY_DTYPE),
        "channel": pd.Categorical.from_codes(take(chan), dtype=CHANNEL_DTYPE),
    })
    for canon in DURATION_COLUMNS:
        if canon in durations:
            frame[canon] = take(durations[canon])
    if n and len(frame) == 0:
        raise UserInputError([Problem(where.source, "no ticket could be read: every row is left out", "see the problems above")] + notes)
    left_out = n - len(frame)
    if left_out:
        notes.append(Problem(where.source, f"{plural(left_out, 'row')} of {n:,} left out", "the problems listed above say why"))
    if n == 0:
        notes.append(Problem(where.source, "lists no tickets", "ticket metrics and SLA attainment have nothing to measure"))
    return Tickets(frame, source, {c: h for c, (h, _) in found.items() if not c.startswith("either:")}, tuple(notes), n,
                   positions, where)



def _text(values: pa.ChunkedArray, mask: pa.Array | None) -> pd.Series:
    kept = values if mask is None else pc.filter(values, mask)
    return pd.Series(kept.to_pandas()).reset_index(drop=True).astype("str")


def _utc(ns: np.ndarray) -> pd.Series:
    return pd.Series(pd.DatetimeIndex(np.asarray(ns, np.int64).view("datetime64[ns]")).tz_localize("UTC"))


def _time_notes(notes: list[Problem], where: Locator, h: str, inst, timezone: str) -> None:
    """Facts about how a time column was read: times without a zone, repeated or skipped wall-clock hours, day/month order."""
    naive = np.flatnonzero(inst.naive)
    if len(naive):
        notes.append(Problem(where.column(h), f"{plural(len(naive), 'time')} written without a time zone",
                             f"read as {timezone} wall-clock time"))
    if inst.repeated.any():
        idx = np.flatnonzero(inst.repeated)
        notes.append(Problem(where.cells(idx, h), f"{plural(len(idx), 'time')} in the hour repeated when clocks went back in {timezone}",
                             "read as the first of the two"))
    if inst.skipped.any():
        idx = np.flatnonzero(inst.skipped)
        notes.append(Problem(where.cells(idx, h), f"{plural(len(idx), 'time')} in the hour skipped when clocks went forward in {timezone}",
                             "read with the offset before the change"))
    if inst.order and not inst.order_decided:
        if inst.order == "mixed":
            notes.append(Problem(where.column(h), "dates are written both day-first and month-first",
                                 "each date is read the only way it can be; dates that could be either are read month/day"))
        else:
            notes.append(Problem(where.column(h), "nothing shows whether dates like 03/04/2026 are day/month or month/day",
                                 f"read as {inst.order}; pass dayfirst to read them the other way"))


def _durations(notes: list[Problem], where: Locator, h: str, col, unit: str, keep: np.ndarray) -> np.ndarray:
    d = parse_durations(col, unit=unit)
    report_rows_capped(notes, where, h, np.flatnonzero(d.bad & keep),
                       lambda i: f"{_label(h)} {show_value(d.cell(i))} is not a duration",
                       f"treated as missing; write {unit}, or HH:MM:SS")
    report_rows_capped(notes, where, h, np.flatnonzero(d.negative & keep), lambda i: f"{_label(h)} {show_value(d.cell(i))} is negative",
                       "treated as missing")
    return d.values

