"""What the template declares about its sheets beyond planner.schema: protection, frozen columns, number formats."""

from __future__ import annotations

from planner import schema

#: What a user may still do on a protected sheet (schema.PROTECTED_SHEETS says which sheets are protected).
PROTECT_OPTIONS = {
    "format_cells": True,
    "format_columns": True,
    "format_rows": True,
    "insert_rows": True,
    "sort": True,
    "autofilter": True,
    "select_locked_cells": True,
    "select_unlocked_cells": True,
}

#: Columns frozen at the left of each sheet (rows above the data are always frozen).
FROZEN_COLUMNS = {
    schema.TIERS.name: 1,
    schema.SERVICES.name: 1,
    schema.ROLES.name: 1,
    schema.INTERVALS.name: 2,
    schema.SLAS.name: 2,
    schema.ACCOUNTS.name: 2,
}

DEFAULT_NUMBER_FORMATS = {
    schema.CURRENCY: schema.MONEY_FORMAT,
    schema.PERCENT: schema.PERCENT_FORMAT,
    schema.NUMBER: "General",
    schema.INTEGER: "0",
    schema.TEXT: "@",
    schema.CHOICE: "General",
    schema.BOOL: "General",
    schema.FORMULA: schema.MONEY_FORMAT,
    schema.DATE: "yyyy-mm-dd",
    schema.VALUE: "General",
}


def number_format(column: schema.Column) -> str:
    """Excel number format of a column: its declared one, else the default for its kind."""
    return column.number_format or DEFAULT_NUMBER_FORMATS[column.kind]


def signal_number_format(header: str) -> str:
    """Number format of an Accounts signal column, from its header ("... %" is a percentage)."""
    return schema.PERCENT_FORMAT if header.strip().endswith("%") else "General"
