"""The Scoring sheet: which account columns feed which pillar, with what weight and in which direction."""

from __future__ import annotations

import pandas as pd

from planner import schema
from planner.inputs import ACCOUNT_FIXED_COLUMNS, ScoringRule
from planner.workbook.accounts import account_column_for
from planner.workbook.cells import INVALID, Sink, Table, check_row_count, parse_table

SHEET = schema.SCORING


def read_scoring_rows(t: Table | None, sink: Sink) -> list[dict]:
    """The rules as parsed rows (their columns are checked against the accounts once those are read)."""
    if t is None:
        return []
    cols = parse_table(t, sink)
    check_row_count(t, "scoring rule", "scoring rules", sink)
    rows = [dict({k: v[i] for k, v in cols.items()}, _row=r) for i, r in enumerate(t.rows)]
    weights = [row["weight"] for row in rows]
    if rows and all(isinstance(w, float) for w in weights) and all(w == 0 for w in weights):
        sink.add(SHEET.name, t.name, "every weight is 0", "give at least one signal a weight above 0")
    return rows


def finish_scoring(t: Table | None, rows: list[dict], accounts: pd.DataFrame | None, accounts_name: str, sink: Sink) -> list[ScoringRule]:
    """The rules whose account column exists and holds numbers."""
    out = []
    resolved: dict[int, str] = {}
    for n, row in enumerate(rows):
        col = row["column"]
        if not isinstance(col, str) or accounts is None or t is None:
            continue
        name = account_column_for(col, accounts.columns)
        if name is None:
            extra = [c for c in accounts.columns if c not in ACCOUNT_FIXED_COLUMNS]
            usable = ["ARR", "Employees", "Previous score", *extra]
            listing = ", ".join(usable[:12]) + (", ..." if len(usable) > 12 else "")
            sink.add(SHEET.name, t.cell(row["_row"], "column"), f'account column "{col}" is not in {accounts_name}',
                     f"Account column expects a number column of {accounts_name}, such as {listing}")
            continue
        if name in schema.ACCOUNT_TEXT_KEYS:
            sink.add(SHEET.name, t.cell(row["_row"], "column"), f'account column "{col}" holds text, not numbers',
                     "a scoring signal must be a number column")
            continue
        resolved[n] = name
    for n, row in enumerate(rows):
        if any(v is INVALID for v in row.values()) or n not in resolved:
            continue
        out.append(ScoringRule(pillar=row["pillar"], column=resolved[n], weight=row["weight"], direction=row["direction"].sign,
                               header=row["column"]))
    return out
