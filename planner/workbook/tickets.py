"""The helpdesk's ticket export: reading CSV/Parquet files into one canonical tickets table.

:func:`read_tickets` reads a file, :func:`clean_tickets` a table already in
memory (a test, the demo, a sheet); both return :class:`Tickets`.

Columns recognised
------------------
Headers are compared ignoring case, spaces and punctuation ("Created at",
"created_at", "CREATED-AT"). Zendesk, Freshdesk and Zammad names are known:

==========================  ===========================================================================
canonical column            headers (first found wins, in this order)
==========================  ===========================================================================
``ticket_id``               Ticket ID, ID, Ticket number, Number, ...
``account_id``              Account ID, Account, Organization external ID, Organization, Company Name,
                            Customer, organization_id, company_id, ...
``created_at``              Created at, Created, Created time, Created date, created_at, Opened at, ...
``first_response_at``       First response at, First reply at, Initial response time, first_response_at, ...
``resolved_at``             Solved at, Resolved at, Resolved time, close_at, Closed at, Closed time, ...
``priority``                Priority, priority_id, Severity, Urgency
``channel``                 Channel, Via, via_id, Source, create_article_type_id
``first_response_minutes``  First reply time in minutes, First response minutes, ... (calendar time)
``first_response_business_minutes``  First reply time in minutes within business hours; Freshdesk's
                            "First response time (in hrs)"; Zammad's first_response_in_min
``resolution_minutes``      Full resolution time in minutes, Resolution time in minutes, ...
``resolution_business_minutes``  Full resolution time in minutes within business hours; Freshdesk's
                            "Resolution time (in hrs)"; Zammad's close_in_min
==========================  ===========================================================================

"First response time", "First reply time" and "Resolution time" without a
unit are read as timestamps when their cells are timestamps and as minutes
when they are durations. Freshdesk's ``(in hrs)`` columns count business
hours and Zammad's ``*_in_min`` fields count the SLA calendar's business
minutes; both are kept apart from calendar time. When an export gives the
first reply or the resolution only as minutes (Zendesk's CSV does), its
timestamp is the creation time plus those calendar minutes.

Values
------
- Timestamps: see :mod:`planner.workbook.timeparse`. Times without a zone are
  wall-clock times in ``timezone`` (UTC by default: Zendesk's CSV uses the
  account's own time zone, so pass it). Output is ``datetime64[ns, UTC]``.
- Durations: minutes, hours or ``HH:MM:SS``; a blank is missing, never 0.
- Priority: low/normal/high/urgent, Freshdesk's Medium (= Normal), Zammad's
  "2 normal", ids 1-4 (Low, Normal, High, Urgent), P1-P4, Sev1-Sev4,
  critical (= Urgent). A blank priority is Normal (noted).
- Channel: one of the SLAs sheet's channels. A chat or messaging conversation
  is Chat, a call is Phone, everything else (email, web form, API, social,
  voicemail) is Email/ticket. Ids follow the header's helpdesk: Zendesk
  ``via_id`` (29 chat; 34, 35, 45, 46 calls), Freshdesk ``source`` (3 phone,
  7 chat), Zammad ``create_article_type_id`` (3 chat, 5 phone).

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

CSV files may be UTF-8 (with or without a byte-order mark), UTF-16 (Excel's
"Unicode Text", tab-separated) or Latin-1/Windows-1252; the separator is
found from the header line (comma, semicolon, tab or bar). Only the columns
used are converted, so memory follows the columns used, not the file.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from planner import schema
from planner.errors import Problem, UserInputError
from planner.workbook.accounts import MAX_ROW_PROBLEMS, FileLocator, Locator, plural, report_rows_capped, show_value
from planner.workbook.timeparse import NAT, NS_PER_MINUTE, parse_durations, parse_instants, text_cells

PRIORITIES: tuple[str, ...] = schema.SEVERITIES  # ("Urgent", "High", "Normal", "Low")
CHANNELS: tuple[str, ...] = schema.CHANNELS  # ("Chat", "Phone", "Email/ticket")
EMAIL = "Email/ticket"

TIME_COLUMNS = ("created_at", "first_response_at", "resolved_at")
DURATION_COLUMNS = (
    "first_response_minutes",
    "first_response_business_minutes",
    "resolution_minutes",
    "resolution_business_minutes",
)
CANONICAL_COLUMNS = ("ticket_id", "account_id", "created_at", "first_response_at", "resolved_at", "priority", "channel")
REQUIRED = ("ticket_id", "account_id", "created_at")

PRIORITY_DTYPE = pd.CategoricalDtype(list(PRIORITIES))
CHANNEL_DTYPE = pd.CategoricalDtype(list(CHANNELS))

_LABELS = {
    "ticket_id": "ticket id",
    "account_id": "account (organization or company)",
    "created_at": "creation time",
}

_ALIASES: dict[str, tuple[str, ...]] = {
    "ticket_id": ("ticketid", "id", "ticketnumber", "number", "ticketno", "ticket", "caseid", "casenumber", "requestid"),
    "account_id": (
        "accountid", "crmaccountid", "account", "accountnumber", "organizationexternalid", "organisationexternalid",
        "organization", "organisation", "organizationname", "organisationname", "companyname", "company", "customer",
        "customername", "organizationid", "organisationid", "orgid", "companyid", "customerid",
    ),
    "created_at": (
        "createdat", "created", "createdtime", "createddate", "createdon", "creationdate", "creationtime", "datecreated",
        "createdatutc", "openedat", "opened", "dateopened", "submittedat", "requestedat",
    ),
    "first_response_at": (
        "firstresponseat", "firstrespondedat", "firstreplyat", "firstrepliedat", "initialresponsetime", "initialresponseat",
        "firstresponsedate", "firstreplydate", "firstresponsetimestamp", "firstreplytimestamp",
    ),
    "resolved_at": (
        "solvedat", "resolvedat", "resolvedtime", "resolveddate", "solveddate", "solvedtime", "resolvedon", "dateresolved",
        "resolutiondate", "closeat", "closedat", "closedtime", "closeddate", "closedon", "dateclosed",
    ),
    "priority": ("priority", "priorityid", "priorityname", "severity", "ticketpriority", "urgency", "prio"),
    "channel": ("channel", "via", "viaid", "source", "sourceid", "ticketsource", "createarticletypeid", "createarticletype", "origin"),
}

# duration headers: key -> (canonical column, unit of a plain number)
_DURATIONS: dict[str, tuple[str, str]] = {}
for _k, _u in (("firstreplytimeinminutes", "minutes"), ("firstresponsetimeinminutes", "minutes"), ("firstreplyminutes", "minutes"),
               ("firstresponseminutes", "minutes"), ("firstreplytimeminutes", "minutes"), ("firstresponsetimeminutes", "minutes"),
               ("firstreplytimecalendarminutes", "minutes"), ("firstreplytimeinhours", "hours"),
               ("firstresponsetimeinhours", "hours"), ("firstresponsehours", "hours"), ("firstreplytimeinseconds", "seconds"),
               ("firstresponsetimeinseconds", "seconds")):
    _DURATIONS[_k] = ("first_response_minutes", _u)
for _k, _u in (("firstreplytimeinminuteswithinbusinesshours", "minutes"), ("firstresponsetimeinminuteswithinbusinesshours", "minutes"),
               ("firstreplytimebusinessminutes", "minutes"), ("firstresponsebusinessminutes", "minutes"),
               ("firstresponsetimebusinessminutes", "minutes"), ("firstresponsetimeinhrs", "hours"),
               ("firstresponseinmin", "minutes"), ("firstresponsetimeinbusinesshours", "hours")):
    _DURATIONS[_k] = ("first_response_business_minutes", _u)
for _k, _u in (("fullresolutiontimeinminutes", "minutes"), ("resolutiontimeinminutes", "minutes"), ("fullresolutionminutes", "minutes"),
               ("resolutionminutes", "minutes"), ("resolutiontimeminutes", "minutes"), ("firstresolutiontimeinminutes", "minutes"),
               ("resolutiontimeinhours", "hours"), ("resolutionhours", "hours")):
    _DURATIONS[_k] = ("resolution_minutes", _u)
for _k, _u in (("fullresolutiontimeinminuteswithinbusinesshours", "minutes"),
               ("resolutiontimeinminuteswithinbusinesshours", "minutes"),
               ("firstresolutiontimeinminuteswithinbusinesshours", "minutes"), ("resolutionbusinessminutes", "minutes"),
               ("resolutiontimeinhrs", "hours"), ("closeinmin", "minutes")):
    _DURATIONS[_k] = ("resolution_business_minutes", _u)

# names that may hold a timestamp or a duration: the cells decide
_EITHER = {"firstresponsetime": "first_response", "firstreplytime": "first_response", "resolutiontime": "resolution"}

_PRIORITY_WORDS = {
    "Urgent": ("urgent", "critical", "emergency", "blocker", "highest", "p1", "sev1", "severity1", "s1", "4urgent"),
    "High": ("high", "major", "p2", "sev2", "severity2", "s2", "3high"),
    "Normal": ("normal", "medium", "moderate", "standard", "p3", "sev3", "severity3", "s3", "2normal"),
    "Low": ("low", "minor", "lowest", "trivial", "p4", "sev4", "severity4", "s4", "1low"),
}
_PRIORITY_IDS = {1: "Low", 2: "Normal", 3: "High", 4: "Urgent"}  # Freshdesk priority, Zammad priority_id

_CHANNEL_IDS = {
    "zendesk": {29: "Chat", 34: "Phone", 35: "Phone", 45: "Phone", 46: "Phone"},
    "freshdesk": {3: "Phone", 7: "Chat"},
    "zammad": {3: "Chat", 5: "Phone"},
}
_CHANNEL_ID_SOURCE = {"via": "zendesk", "viaid": "zendesk", "source": "freshdesk", "sourceid": "freshdesk",
                      "ticketsource": "freshdesk", "createarticletypeid": "zammad", "createarticletype": "zammad"}


def header_key(text: object) -> str:
    """A header as compared: lower case, letters and digits only ("First reply time (in hrs)" -> "firstreplytimeinhrs")."""
    return re.sub(r"[^a-z0-9]", "", str(text).lower()) if text is not None else ""


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


# ----------------------------------------------------------------- header matching


def match_ticket_columns(headers) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str]]]:
    """Map raw headers to canonical columns.

    Returns ({canonical: (raw header, how)}, [(repeated header, first header)]);
    ``how`` is "text" for id/account/priority/channel, "time" for timestamps,
    a unit ("minutes", "hours", "seconds") for durations, or "either:<family>"
    for a header whose cells decide.
    """
    best: dict[str, tuple[int, str, str]] = {}
    seen: dict[str, str] = {}
    repeats: list[tuple[str, str]] = []
    for h in headers:
        k = header_key(h)
        if not k:
            continue
        if k in seen:
            repeats.append((h, seen[k]))
            continue
        seen[k] = h
        for canon, aliases in _ALIASES.items():
            if k in aliases:
                rank = aliases.index(k)
                how = "time" if canon in TIME_COLUMNS else "text"
                if canon not in best or rank < best[canon][0]:
                    best[canon] = (rank, h, how)
        if k in _DURATIONS:
            canon, unit = _DURATIONS[k]
            rank = list(_DURATIONS).index(k)
            if canon not in best or rank < best[canon][0]:
                best[canon] = (rank, h, unit)
        if k in _EITHER:
            key = "either:" + _EITHER[k]
            if key not in best:
                best[key] = (0, h, key)
    return {c: (h, how) for c, (_, h, how) in best.items()}, repeats


# ----------------------------------------------------------------- reading files


def read_tickets(path: Path | str, *, timezone: str = "UTC", dayfirst: bool | None = None) -> Tickets:
    """Read a CSV or Parquet ticket export (see the module docstring).

    ``timezone``: the IANA zone of times written without one (Zendesk's CSV
    writes the account's zone). ``dayfirst``: how to read ``03/04/2026`` when
    the column does not show it (default month-first, noted).
    """
    path = Path(path)
    name = path.name
    if not path.exists():
        raise UserInputError(Problem(str(path), "tickets file not found", "check the path of the ticket export"))
    if path.is_dir():
        raise UserInputError(Problem(str(path), "is a folder, not a ticket export", "give a .csv or .parquet file"))
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        headers, columns, n = _read_parquet(path)
        where: Locator = FileLocator(name, first=1, unit="record")
    elif suffix in (".csv", ".txt", ".tsv"):
        headers, columns, n = _read_csv(path)
        where = FileLocator(name)
    elif suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        raise UserInputError(Problem(name, "is a workbook, not a CSV or Parquet file", "export the tickets from the helpdesk as CSV"))
    else:
        raise UserInputError(Problem(name, f"is not a CSV or Parquet file (it ends in {suffix or 'nothing'})",
                                     "the ticket export must be a .csv or .parquet file"))
    return _clean(headers, columns, n, where, timezone=timezone, dayfirst=dayfirst, source=name)


def clean_tickets(raw: pd.DataFrame, where: Locator | None = None, *, timezone: str = "UTC", dayfirst: bool | None = None,
                  source: str = "tickets") -> Tickets:
    """Clean a ticket table already in memory (headers as the helpdesk writes them, or canonical names)."""
    raw = raw.reset_index(drop=True)
    where = where or FileLocator(source)
    headers = [str(c) for c in raw.columns]
    columns = {h: raw.iloc[:, j] for j, h in enumerate(headers)}
    return _clean(headers, columns, len(raw), where, timezone=timezone, dayfirst=dayfirst, source=source)


def _needed(headers) -> set[str]:
    found, _ = match_ticket_columns(headers)
    return {h for h, _ in found.values()}


def _read_parquet(path: Path):
    import pyarrow.parquet as pq

    try:
        names = pq.ParquetFile(path).schema_arrow.names
        needed = _needed(names)
        table = pq.read_table(path, columns=[c for c in names if c in needed])
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise UserInputError(Problem(path.name, "cannot be read as a Parquet file", _short(exc))) from None
    columns = {c: table.column(c) for c in table.column_names}
    return list(names), columns, table.num_rows


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _decode(data: bytes, name: str) -> bytes:
    """The file's bytes as UTF-8 (UTF-8 with or without BOM, UTF-16 with or without BOM, else Windows-1252/Latin-1)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:]
    encoding = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        head = data[:4000]
        if len(head) >= 4 and head.count(b"\x00") > len(head) // 4:
            encoding = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
    if encoding:
        try:
            return data.decode(encoding).encode("utf-8")
        except UnicodeDecodeError as exc:
            raise UserInputError(Problem(name, "looks like UTF-16 text but cannot be decoded", _short(exc))) from None
    return data  # UTF-8 as far as anyone knows: the CSV reader checks every value, and _read_csv falls back


def _from_windows(data: bytes) -> bytes:
    """Windows-1252 (Excel's "CSV" on a Western Windows) or Latin-1 bytes as UTF-8."""
    try:
        return data.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1").encode("utf-8")


def _read_csv(path: Path):
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserInputError(Problem(name, "cannot be opened", exc.strerror or _short(exc))) from None
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UserInputError(Problem(name, "is a workbook saved with a .csv name, not a CSV file",
                                     "export the tickets as CSV (comma-separated values)"))
    data = _decode(data, name)
    if not re.search(rb"\S", data):
        raise UserInputError(Problem(name, "is empty", "a ticket export with a header row and one row per ticket"))
    try:
        return _read_csv_bytes(name, data)
    except _NotUtf8:
        return _read_csv_bytes(name, _from_windows(data))


class _NotUtf8(Exception):
    pass


def _read_csv_bytes(name: str, data: bytes):
    import pyarrow.csv as pacsv

    end = data.find(b"\n")
    try:
        first_line = (data if end < 0 else data[:end]).decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        raise _NotUtf8 from None
    delimiter = max((",", ";", "\t", "|"), key=lambda d: len(re.sub(r'"[^"]*"', "", first_line).split(d)))
    try:
        headers = next(csv.reader([first_line], delimiter=delimiter))
    except (csv.Error, StopIteration) as exc:
        raise UserInputError(Problem(name, "cannot be read as CSV", _short(exc))) from None
    needed = _needed(headers)
    names = [f"c{j}" for j in range(len(headers))]
    include = [names[j] for j, h in enumerate(headers) if h in needed]
    invalid: list[tuple[int | None, int, int]] = []

    def skip(row) -> str:
        invalid.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    def read(threads: bool):
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=threads),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, invalid_row_handler=skip),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in names}, include_columns=include,
                                                 null_values=[""], strings_can_be_null=True),
        )

    try:
        table = read(True)
        if invalid:
            invalid.clear()
            table = read(False)  # one thread: pyarrow then knows the line numbers
    except Exception as exc:  # pyarrow.ArrowInvalid mostly; a user's file must never end in a traceback
        if "utf8" in str(exc).lower() or "utf-8" in str(exc).lower():
            raise _NotUtf8 from None
        raise UserInputError(Problem(name, "cannot be read as CSV", _short(exc))) from None
    if invalid:
        problems = []
        for number, expected, actual in invalid[:MAX_ROW_PROBLEMS]:
            where = f"{name} row {number}" if number else name
            problems.append(Problem(where, f"has {plural(actual, 'value')} but the header has {plural(expected, 'column')}",
                                    "check for an unquoted separator or a missing value in this row"))
        if len(invalid) > MAX_ROW_PROBLEMS:
            problems.append(Problem(name, f"... and {len(invalid) - MAX_ROW_PROBLEMS:,} more rows with the same problem"))
        raise UserInputError(problems)
    by_name = dict(zip(names, headers))
    columns = {by_name[c]: table.column(c) for c in table.column_names}  # chunked as read: nothing is copied
    return headers, columns, table.num_rows


# ----------------------------------------------------------------- cleaning


def _series(col) -> pd.Series:
    if isinstance(col, pd.Series):
        return col.reset_index(drop=True)
    return pd.Series(col.to_pandas()).reset_index(drop=True)


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
    idv, id_blank = _texts(columns[h])
    blank = np.flatnonzero(id_blank)
    report_rows_capped(notes, where, h, blank, lambda i: f"{_label(h)} is blank", "the ticket is left out")
    keep[blank] = False
    first_row = _first_rows(idv)
    dup_idx = np.flatnonzero(~id_blank & (first_row != np.arange(n)))
    if len(dup_idx):
        report_rows_capped(notes, where, h, dup_idx, lambda i: f'{_label(h)} "{idv[i].as_py()}" appears again',
                           lambda i: f"first on {where.row_label(int(first_row[i]))}; this row is left out",
                           "the first row of each ticket is kept")
        keep[dup_idx] = False
    out["ticket_id"] = idv

    # -- account: required
    h = found["account_id"][0]
    acc, acc_blank = _texts(columns[h])
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
        pri, blank, unknown = _priorities(columns[h])
        blank &= keep
        unknown &= keep
        if blank.any():
            notes.append(Problem(where.cells(np.flatnonzero(blank), h), f"{_label(h)} is blank on {plural(int(blank.sum()), 'ticket')}",
                                 "counted as Normal"))
        raw = _series(columns[h])
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
        chan, blank, unknown_ids = _channels(columns[h], _CHANNEL_ID_SOURCE.get(header_key(h)))
        blank &= keep
        unknown_ids &= keep
        if blank.any():
            notes.append(Problem(where.cells(np.flatnonzero(blank), h), f"{_label(h)} is blank on {plural(int(blank.sum()), 'ticket')}",
                                 "counted as Email/ticket"))
        if unknown_ids.any():
            raw = _series(columns[h])
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


def _texts(col) -> tuple[pa.ChunkedArray, np.ndarray]:
    """A text column as trimmed Arrow strings (numbers as their digits: 501, not 501.0) and its blank mask."""
    arr = col if isinstance(col, (pa.Array, pa.ChunkedArray)) else text_cells(_series(col))
    if isinstance(arr, pa.Array):
        arr = pa.chunked_array([arr])
    t = arr.type
    if pa.types.is_floating(t):
        values = np.asarray(pc.fill_null(arr, np.nan).to_numpy(), dtype=float)
        whole = np.isfinite(values) & (values == np.floor(values))
        if whole[~np.isnan(values)].all():
            arr = pc.cast(pa.chunked_array([pa.array(np.where(np.isnan(values), 0, values).astype(np.int64),
                                                     mask=np.isnan(values))]), pa.int64())
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    text = pc.utf8_trim_whitespace(arr)
    blank = np.asarray(pc.is_null(text)) | np.asarray(pc.fill_null(pc.equal(text, ""), True))
    return text, blank


def _first_rows(values: pa.ChunkedArray) -> np.ndarray:
    """For each row, the first row holding the same value (itself when it is the first); blanks point to themselves."""
    rows = np.arange(len(values))
    if not len(values):
        return rows
    missing = np.asarray(pc.is_null(values))
    try:  # helpdesk ids are mostly whole numbers: hash integers, not text
        as_int = pc.cast(values, pa.int64())
        if not bool(pc.all(pc.fill_null(pc.equal(pc.cast(as_int, pa.string()), values), True)).as_py()):
            raise ValueError  # "007" is not 7
        codes, _ = pd.factorize(np.asarray(pc.fill_null(as_int, 0)))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        codes, _ = pd.factorize(pd.Series(values.to_pandas()))
    codes = np.where(missing, -1, codes).astype(np.int64)
    first = np.full(int(codes.max()) + 2, -1, np.int64)
    order = rows[::-1]
    first[codes[order]] = order  # the last write wins: the smallest row of each code
    return np.where(codes < 0, rows, first[codes])


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


def _distinct(col) -> tuple[list, np.ndarray, np.ndarray]:
    """(distinct values, index of each row's value or -1 for null, null mask) of a low-cardinality column."""
    arr = col if isinstance(col, (pa.Array, pa.ChunkedArray)) else (
        text_cells(_series(col)) if _series(col).dtype == object else pa.array(_series(col), from_pandas=True))
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    values = pc.unique(arr).drop_null()
    idx = np.asarray(pc.fill_null(pc.index_in(arr, value_set=values), -1)).astype(np.int64)
    return values.to_pylist(), idx, idx < 0


def _priorities(col) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Priority codes (index into PRIORITIES), blank mask, unknown mask."""
    values, idx, _null = _distinct(col)
    words = {w: p for p, ws in _PRIORITY_WORDS.items() for w in ws}
    codes = np.empty(len(values) + 1, np.int8)
    status = np.zeros(len(values) + 1, np.int8)  # 0 ok, 1 blank, 2 unknown
    for j, v in enumerate(values):
        name = _priority_of(v, words)
        if name == "":
            status[j] = 1
            codes[j] = PRIORITIES.index("Normal")
        elif name is None:
            status[j] = 2
            codes[j] = PRIORITIES.index("Normal")
        else:
            codes[j] = PRIORITIES.index(name)
    codes[-1], status[-1] = PRIORITIES.index("Normal"), 1
    return codes[idx], status[idx] == 1, status[idx] == 2


def _priority_of(v, words: dict) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return _PRIORITY_IDS.get(int(v)) if float(v) == int(v) else None
    k = header_key(v)
    if k in ("", "none", "null", "na", "nan"):
        return ""
    if k.isdigit():
        return _PRIORITY_IDS.get(int(k))
    return words.get(k) or words.get(re.sub(r"^\d+", "", k))


def _channels(col, helpdesk: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Channel codes (index into CHANNELS), blank mask, mask of numeric codes not known as chat or phone."""
    values, idx, _null = _distinct(col)
    table = _CHANNEL_IDS.get(helpdesk or "", {})
    codes = np.empty(len(values) + 1, np.int8)
    status = np.zeros(len(values) + 1, np.int8)  # 0 ok, 1 blank, 2 unknown id
    email = CHANNELS.index(EMAIL)
    for j, v in enumerate(values):
        if isinstance(v, (float, np.floating)) and not np.isnan(v) and float(v) == int(v):
            v = int(v)
        k = header_key(v)
        if v is None or k in ("", "none", "null", "na", "nan"):
            codes[j], status[j] = email, 1
            continue
        if k.isdigit() or isinstance(v, (int, np.integer)):
            name = table.get(int(k))
            codes[j] = CHANNELS.index(name) if name else email
            status[j] = 0 if (name or (table and int(k) in _KNOWN_TICKET_IDS.get(helpdesk or "", ()))) else 2
            continue
        codes[j] = CHANNELS.index(_channel_of_word(k))
    codes[-1], status[-1] = email, 1
    return codes[idx], status[idx] == 1, status[idx] == 2


# numeric channel codes documented as ticket channels (not unknown, just not live)
_KNOWN_TICKET_IDS = {
    "zendesk": (0, 4, 5, 8, 15, 16, 17, 19, 20, 21, 23, 24, 26, 27, 30, 31, 33, 36, 37, 38, 39, 40, 41, 44),
    "freshdesk": (1, 2, 9, 10),
    "zammad": (1, 2, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14),
}


def _channel_of_word(k: str) -> str:
    if "voicemail" in k:
        return EMAIL
    if any(w in k for w in ("chat", "messaging", "whatsapp", "messenger")):
        return "Chat"
    if any(w in k for w in ("phone", "voice", "call", "talk", "telephon")):
        return "Phone"
    return EMAIL
