"""The Accounts sheet (or the CSV/Parquet export given in its place): the raw table and where its cells are, then cleaned."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import schema
from planner.errors import cell_ref, col_letter
from planner.inputs import Tier
from planner.workbook.accounts import clean_accounts
from planner.workbook.cells import Names, Sink, blank, find_header
from planner.workbook.locators import FileLocator, Locator, SheetLocator
from planner.workbook.text import normalise_header

SHEET = schema.ACCOUNTS


def accounts_name(raw_file: pd.DataFrame | None) -> str:
    """How messages name where the accounts come from."""
    return raw_file.attrs.get("source", "the accounts file") if raw_file is not None else "the Accounts sheet"


def read_accounts(grid: list[list] | None, name: str, raw_file: pd.DataFrame | None, tiers: list[Tier], scoring_columns: list[str],
                  sink: Sink, tier_names: Names | None = None) -> pd.DataFrame | None:
    """The cleaned accounts table (None when a problem stops the run), from the sheet's grid or the export given instead.

    ``tier_names``: every name typed on the Tiers sheet; a locked or previous tier is matched against those, so a
    tier row dropped for a bad cell (reported there) does not make every account that names it wrong as well."""
    if raw_file is not None:
        source = raw_file.attrs.get("source", "accounts file")
        where: Locator = FileLocator(source, first=1, unit="record") if raw_file.attrs.get("kind") == "parquet" else FileLocator(source)
        raw = raw_file
    else:
        if grid is None:
            return None
        got = _raw_from_grid(grid, name, sink)
        if got is None:
            return None
        raw, where = got
    known = [t.name for t in tiers] if tier_names is None else list(tier_names.known([t.name for t in tiers]))
    frame, problems, notes = clean_accounts(raw, where, known, scoring_columns=scoring_columns)
    sink.by_sheet[SHEET.name].extend(problems)
    sink.notes.extend(notes)
    return None if problems else frame


def _raw_from_grid(grid: list[list], name: str, sink: Sink) -> tuple[pd.DataFrame, SheetLocator] | None:
    header_row, _cols = find_header(name, grid, SHEET, sink)
    if header_row is None:
        return None
    header = grid[header_row]
    headers: dict[str, int] = {}
    seen: dict[str, int] = {}
    for c, v in enumerate(header):
        if blank(v) or not isinstance(v, (str, int, float)):
            continue
        text = str(v).strip()
        k = normalise_header(text)
        if not k:
            continue
        if k in seen:
            sink.add(SHEET.name, cell_ref(name, header_row, c), f'column "{text}" appears twice (first in column {col_letter(seen[k])})',
                     "keep one column per header")
            continue
        seen[k] = c
        headers[text] = c
    body = grid[header_row + 1:]
    width = len(header)
    if not body:
        block = np.empty((0, width), dtype=object)
    else:
        block = np.array(body, dtype=object)
        if block.ndim != 2:
            block = np.array([list(r) + [None] * (width - len(r)) for r in body], dtype=object)
    use = list(headers.values())
    sub = block[:, use] if len(use) else block[:, :0]
    sub[sub == ""] = None  # calamine's empty cell; a blank is None from here on
    filled = ~pd.isna(sub)
    keep = np.flatnonzero(filled.any(axis=1)) if sub.shape[1] else np.array([], int)
    if len(keep) < len(sub):
        sub = sub[keep]
    raw = pd.DataFrame({h: pd.Series(sub[:, j], dtype=object) for j, h in enumerate(headers)})
    return raw, SheetLocator(name, header_row + 1, keep + header_row + 2, dict(headers))
