"""Cell values of a ticket export read column-wise: ids and accounts as text, priorities, channels.

- Ids and accounts: trimmed text; a whole-number float column reads as its
  digits (501, not 501.0). :func:`first_rows` finds repeated ticket ids.
- Priority: low/normal/high/urgent, Freshdesk's Medium (= Normal), Zammad's
  "2 normal", ids 1-4 (Low, Normal, High, Urgent), P1-P4, Sev1-Sev4,
  critical (= Urgent). A blank priority is Normal (the cleaning notes it).
- Channel: one of the SLAs sheet's channels. A chat or messaging conversation
  is Chat, a call is Phone, everything else (email, web form, API, social,
  voicemail) is Email/ticket. Ids follow the header's helpdesk: Zendesk
  ``via_id`` (29 chat; 34, 35, 45, 46 calls), Freshdesk ``source`` (3 phone,
  7 chat), Zammad ``create_article_type_id`` (3 chat, 5 phone).

Priorities and channels are read from the column's distinct values, so their
cost follows the number of different values, not of rows.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from planner.workbook.column_text import text_cells
from planner.workbook.ticket_columns import CHANNELS, EMAIL, PRIORITIES, header_key

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


def as_series(col) -> pd.Series:
    """A column (pandas or Arrow) as a pandas Series indexed from 0."""
    if isinstance(col, pd.Series):
        return col.reset_index(drop=True)
    return pd.Series(col.to_pandas()).reset_index(drop=True)


def text_values(col) -> tuple[pa.ChunkedArray, np.ndarray]:
    """A text column as trimmed Arrow strings (numbers as their digits: 501, not 501.0) and its blank mask."""
    arr = col if isinstance(col, (pa.Array, pa.ChunkedArray)) else text_cells(as_series(col))
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


def first_rows(values: pa.ChunkedArray) -> np.ndarray:
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



def _distinct(col) -> tuple[list, np.ndarray, np.ndarray]:
    """(distinct values, index of each row's value or -1 for null, null mask) of a low-cardinality column."""
    arr = col if isinstance(col, (pa.Array, pa.ChunkedArray)) else (
        text_cells(as_series(col)) if as_series(col).dtype == object else pa.array(as_series(col), from_pandas=True))
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    values = pc.unique(arr).drop_null()
    idx = np.asarray(pc.fill_null(pc.index_in(arr, value_set=values), -1)).astype(np.int64)
    return values.to_pylist(), idx, idx < 0


def priority_codes(col) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def channel_codes(col, header: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Channel codes (index into CHANNELS), blank mask, mask of numeric codes not known as chat or phone.

    Numeric codes are read in the vocabulary of the helpdesk whose name ``header`` is (Zendesk's via_id, ...).
    """
    helpdesk = _CHANNEL_ID_SOURCE.get(header_key(header))
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
