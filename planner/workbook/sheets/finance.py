"""The Finance sheet: one row per setting, found by its label wherever it sits, the value beside it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from planner import schema
from planner.errors import cell_ref
from planner.inputs import Finance
from planner.workbook.cells import INVALID, Names, Sink, parse_cells
from planner.workbook.text import normalise_header

SHEET = schema.FINANCE


@dataclass
class FinanceRead:
    values: dict[str, object]  # setting key -> value, None (blank optional) or INVALID
    cells: dict[str, str] = field(default_factory=dict)  # setting key -> "Finance!B5"


def read_finance(grid: list[list] | None, name: str, sink: Sink) -> FinanceRead | None:
    if grid is None:
        return None
    labels: dict[str, schema.Setting] = {}
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
    return FinanceRead(values, {k: cell_ref(name, r, c) for k, (r, c) in found.items()})


def finish_finance(read: FinanceRead | None, tiers: Names, sink: Sink) -> Finance | None:
    """The Finance settings once the tiers are known (Strategic accounts at least names one)."""
    if read is None:
        return None
    values = dict(read.values)
    st = values.get("strategic_tier")
    if isinstance(st, str):
        lookup = {n.casefold(): n for n in tiers.typed}
        if lookup and st.casefold() not in lookup:
            sink.add(SHEET.name, read.cells["strategic_tier"], f'tier "{st}" is not on the Tiers sheet', "one of " + ", ".join(tiers.typed))
            values["strategic_tier"] = INVALID
        elif lookup:
            values["strategic_tier"] = lookup[st.casefold()]
    if any(v is INVALID for v in values.values()):
        return None
    return Finance(**{k: v for k, v in values.items() if v is not None})


def finance_refs(read: FinanceRead | None) -> dict[tuple[str, tuple[str, ...], str], str]:
    return {} if read is None else {(SHEET.name, (), k): ref for k, ref in read.cells.items()}
