"""The sheets of single settings (Finance, Operations): one row per setting, found by its label wherever it sits, the value beside it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from planner import schema
from planner.errors import cell_ref
from planner.inputs import Finance, OperationsSettings
from planner.workbook.cells import INVALID, Names, Sink, parse_cells
from planner.workbook.text import normalise_header


@dataclass
class SettingsRead:
    sheet: schema.SettingsSheet
    values: dict[str, object]  # setting key -> value, None (blank optional) or INVALID
    cells: dict[str, str] = field(default_factory=dict)  # setting key -> "Finance!B5"


def read_settings(grid: list[list] | None, name: str, sheet: schema.SettingsSheet, sink: Sink) -> SettingsRead | None:
    if grid is None:
        return None
    SHEET = sheet
    labels: dict[str, schema.Setting] = {}
    s: schema.Setting | None  # a setting, or what a label that names none finds
    for s in SHEET.settings:
        labels.setdefault(normalise_header(s.label), s)
        labels.setdefault(normalise_header(s.key), s)
        labels.setdefault(normalise_header(s.name), s)
    value_col = setting_col = None
    header_row = -1
    for r in range(min(schema.HEADER_SEARCH_ROWS, len(grid))):
        heads = {normalise_header(v): c for c, v in enumerate(grid[r]) if isinstance(v, str)}
        if "value" in heads and "setting" in heads:
            value_col, setting_col = heads["value"], heads["setting"]
            header_row = r
            break
    found: dict[str, tuple[int, int]] = {}  # key -> (row, value column)
    start = header_row + 1 if value_col is not None else 0
    for r in range(start, len(grid)):
        row = grid[r]
        cands = [setting_col] if setting_col is not None else range(len(row))
        for c in cands:
            v = row[c] if c < len(row) else None
            if not isinstance(v, str):
                continue
            s = labels.get(normalise_header(v))
            if s is None:
                continue
            vc = value_col if value_col is not None else c + 1
            if s.key in found:
                sink.add(SHEET.name, cell_ref(name, r, c), f'setting "{s.label}" appears again',
                         f"first on row {found[s.key][0] + 1}; one row per setting")
            else:
                found[s.key] = (r, vc)
            break
    values: dict[str, object] = {}
    for s in SHEET.settings:
        if s.key not in found:
            if s.required:
                sink.add(SHEET.name, name, f'setting "{s.label}" is missing', f'a row "{s.label}" with its value in the Value column')
                values[s.key] = INVALID
            else:
                values[s.key] = None
            continue
        r, c = found[s.key]
        raw = grid[r][c] if c < len(grid[r]) else None
        v = parse_cells(SHEET.name, [raw], s, [cell_ref(name, r, c)], sink)[0]
        if s.key == "currency" and isinstance(v, str):
            if not re.fullmatch(r"[A-Za-z]{3}", v):
                sink.add(SHEET.name, cell_ref(name, r, c), f'"{v}" is not a currency code',
                         "Currency expects a three-letter ISO code such as USD, EUR or GBP")
                v = INVALID
            else:
                v = v.upper()
        values[s.key] = v
    return SettingsRead(sheet, values, {k: cell_ref(name, r, c) for k, (r, c) in found.items()})


def finish_finance(read: SettingsRead | None, tiers: Names, sink: Sink) -> Finance | None:
    """The Finance settings once the tiers are known (Strategic accounts at least names one)."""
    if read is None:
        return None
    values: dict[str, Any] = dict(read.values)  # each checked against its Setting: typed as Finance/OperationsSettings expect
    st = values.get("strategic_tier")
    if isinstance(st, str):
        lookup = {n.casefold(): n for n in tiers.typed}
        if lookup and st.casefold() not in lookup:
            sink.add(read.sheet.name, read.cells["strategic_tier"], f'tier "{st}" is not on the Tiers sheet', "one of " + ", ".join(tiers.typed))
            values["strategic_tier"] = INVALID
        elif lookup:
            values["strategic_tier"] = lookup[st.casefold()]
    if any(v is INVALID for v in values.values()):
        return None
    return Finance(**{k: v for k, v in values.items() if v is not None})


def settings_refs(read: SettingsRead | None) -> dict[tuple[str, tuple[str, ...], str], str]:
    return {} if read is None else {(read.sheet.name, (), k): ref for k, ref in read.cells.items()}


_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_DAY_WORDS = {"monday": "mon", "tuesday": "tue", "tues": "tue", "wednesday": "wed", "thursday": "thu", "thur": "thu", "thurs": "thu",
              "friday": "fri", "saturday": "sat", "sunday": "sun"}


def days_text(days: tuple[int, ...]) -> str:
    """Weekday numbers as the Business days cell writes them: (0, 1, 2, 3, 4) -> "Mon-Fri", (0, 2) -> "Mon, Wed"."""
    names = [n.capitalize() for n in _DAYS]
    days = tuple(sorted(set(days)))
    if len(days) > 2 and days == tuple(range(days[0], days[-1] + 1)):
        return f"{names[days[0]]}-{names[days[-1]]}"
    return ", ".join(names[d] for d in days)


def business_days(text: str) -> tuple[int, ...] | None:
    """"Mon-Fri", "Mon, Tue, Thu", "Sun-Thu", "Monday to Friday" -> weekday numbers (Monday 0); None when not readable."""
    words = re.findall(r"[a-z]+|-|,", text.lower().replace(" to ", "-"))
    days: list[int] = []
    i = 0
    names = list(words)
    while i < len(names):
        w = _DAY_WORDS.get(names[i], names[i][:3] if names[i] not in (",", "-") else names[i])
        if w in (",",):
            i += 1
            continue
        if w not in _DAYS:
            return None
        if i + 2 < len(names) and names[i + 1] == "-":
            end = _DAY_WORDS.get(names[i + 2], names[i + 2][:3])
            if end not in _DAYS:
                return None
            a, b = _DAYS[w], _DAYS[end]
            span = range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]
            days.extend(span)
            i += 3
            continue
        days.append(_DAYS[w])
        i += 1
    return tuple(sorted(set(days))) or None


def finish_operations(read: SettingsRead | None, sink: Sink) -> OperationsSettings:
    """The Operations settings (defaults when the sheet is absent), the days and the time zone checked."""
    if read is None:
        return OperationsSettings()
    values: dict[str, Any] = dict(read.values)  # each checked against its Setting: typed as Finance/OperationsSettings expect
    name = read.sheet.name
    days = values.get("business_days")
    if isinstance(days, str):
        parsed = business_days(days)
        if parsed is None:
            sink.add(name, read.cells["business_days"], f'"{days}" is not a list of days', "Business days expects days such as Mon-Fri or Mon, Tue, Thu")
            values["business_days"] = INVALID
        else:
            values["business_days"] = parsed
    zone = values.get("time_zone")
    if isinstance(zone, str):
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(zone)
        except Exception:  # ZoneInfoNotFoundError, ValueError for odd text
            sink.add(name, read.cells["time_zone"], f'"{zone}" is not a time zone', "Time zone expects an IANA name such as UTC, Europe/London or America/New_York")
            values["time_zone"] = INVALID
    start, end = values.get("business_start"), values.get("business_end")
    if isinstance(start, float) and isinstance(end, float) and start >= end:
        sink.add(name, read.cells["business_end"], f"business hours end at {end:g}, not after they start at {start:g}", "an end hour after the start hour")
        values["business_end"] = INVALID
    if any(v is INVALID for v in values.values()):
        return OperationsSettings()
    return OperationsSettings(**{k: v for k, v in values.items() if v is not None})
