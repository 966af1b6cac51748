"""The sentences and cell texts of the scenario comparison and of the plan diff, in one place.

The comparison (planner.scenarios.compare) and the diff (planner.versions.diff) return facts; the terminal, the HTML
pages, scenarios.json, diff.json and the comparison sheet all take their words from here, so they say the same thing.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from enum import Enum
from typing import TYPE_CHECKING

from planner import schema
from planner.report import format as fmt

if TYPE_CHECKING:
    from planner.versions.diff import InputChange

DASH = fmt.DASH


def _kind(sheet: str, key: str) -> str:
    try:
        if sheet == schema.FINANCE.name:
            return schema.FINANCE.setting(key).kind
        return schema.sheet_by_name(sheet).column(key).kind
    except KeyError:
        return schema.TEXT


def value_text(sheet: str, key: str, value: object, currency: str = "") -> str:
    """A workbook value as the sheet would show it: 5,000,000 / 30% / 4 / Yes / Digital / 2026-11-22 / blank."""
    if value is None:
        return "blank"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        kind = _kind(sheet, key)
        if kind == schema.PERCENT:
            return fmt.quantity(float(value) * 100, 4) + "%"
        if kind == schema.CURRENCY:
            return fmt.money(value, currency) if currency else fmt.amount(value)
        if kind == schema.INTEGER:
            return f"{int(value)}"
        return fmt.quantity(value, 4)
    return str(value)


def row_label(sheet: str, row: tuple[str, ...] | list[str]) -> str:
    """How a row is named in a sentence: "Intervals, Health check in Tier 2", "Roles, Mid-market CSM", "Finance"."""
    row = tuple(row)
    if not row:
        return sheet
    if sheet == "Intervals" and len(row) == 2:
        return f"{sheet}, {row[0]} in {row[1]}"
    if sheet == "SLAs" and len(row) == 3:
        return f"{sheet}, {row[0]} {row[1]} by {row[2]}"
    return f"{sheet}, {' / '.join(row)}"


def change_label(sheet: str, row: tuple[str, ...] | list[str], label: str, with_sheet: bool = True) -> str:
    """ "Intervals, Health check in Tier 2: Minimum per year"; without the sheet (after its cell) "Health check in Tier 2, Minimum per year" """
    if with_sheet:
        return f"{row_label(sheet, row)}: {label}"
    named = row_label(sheet, row)
    rest = named[len(sheet) + 2:] if named.startswith(sheet + ", ") else ""
    return f"{rest}, {label}" if rest else label


def change_text(sheet: str, row: tuple[str, ...] | list[str], label: str, old: object, new: object, currency: str,
                cell: str | None = None, key: str = "") -> str:
    """ "Intervals!E33 (Intervals, Health check in Tier 2: Minimum per year) 0 -> 1" """
    at = f"{cell} " if cell else ""
    return f"{at}({change_label(sheet, row, label)}): {value_text(sheet, key, old, currency)} \u2192 {value_text(sheet, key, new, currency)}"


def signed_money(delta: float | None, currency: str) -> str:
    if delta is None:
        return DASH
    if round(delta) == 0:
        return fmt.money(0, currency)
    return ("+" if delta > 0 else "\u2212") + fmt.money(abs(delta), currency)


def signed_count(delta: float | None) -> str:
    if delta is None:
        return DASH
    if round(delta, 6) == 0:
        return "0"
    return ("+" if delta > 0 else "\u2212") + fmt.quantity(abs(delta), 2)


def signed_points(delta: float | None) -> str:
    """A change of a share in percentage points: +3.2 pts."""
    if delta is None:
        return DASH
    pts = delta * 100
    if round(pts, 1) == 0:
        return "0 pts"
    return ("+" if pts > 0 else "\u2212") + f"{abs(pts):.1f} pts"


def fit_word(fits: bool, has_plan: bool) -> str:
    if fits:
        return "fits"
    return "over budget" if has_plan else "no plan"


def budget_price_text(marginal: float | None, mode: str, currency: str) -> str:
    """The LP shadow price of the budget in words."""
    if mode == schema.PlanningMode.MIN_COST:
        return "does not bind (min_cost plans the negotiated package)"
    if marginal is None:
        return DASH
    return f"{fmt.number(marginal, 2)} of expected impact per extra {fmt.symbol(currency).strip() or currency} (LP)"


__all__ = ["budget_price_text", "change_label", "change_text", "fit_word", "row_label", "signed_count", "signed_money", "signed_points",
           "value_text"]


# ------------------------------------------------------------------ the plan diff

PLAN_LABELS = {
    "fit": "Fit", "status": "Status", "budget": "Budget", "total_cost": "Total cost", "budget_used": "Budget used",
    "value": "Expected ARR impact", "assessed_service_value": "Assessed Service Value",
}


def plan_item_label(what: str, item: tuple[str, ...] | list[str]) -> str:
    """ "Mid-market CSM (Tier 2) people", "Health check in Tier 2 per year", "Chat agents (Tier 2)", "Total cost" """
    item = tuple(item)
    if what == "people":
        return f"{item[0]} ({item[1]}) people"
    if what == "interval":
        return f"{item[0]} in {item[1]}, per year"
    if what == "support":
        return f"{item[1]} support agents ({item[0]})"
    return PLAN_LABELS.get(what, what)


def plan_value_text(what: str, value: object, currency: str) -> str:
    if value is None:
        return "none" if what in ("people", "interval") else DASH
    if what == "fit":
        return "fits" if value else "does not fit"
    if what == "status":
        return str(value)
    if what in ("budget", "total_cost", "value", "assessed_service_value"):
        return fmt.money(value, currency)
    if what == "budget_used":
        return fmt.percent(value, 1)
    if what == "people":
        return fmt.count(value)
    if what == "support":
        return fmt.number(value, 1)
    return fmt.quantity(value, 2)


def plan_delta_text(what: str, old: object, new: object, currency: str) -> str:
    if not isinstance(old, (int, float)) or not isinstance(new, (int, float)) or isinstance(old, bool) or what in ("fit", "status"):
        return ""
    if what in ("budget", "total_cost", "value", "assessed_service_value"):
        return signed_money(float(new) - float(old), currency)
    if what == "budget_used":
        return signed_points(float(new) - float(old))
    return signed_count(float(new) - float(old))


def input_change_text(c: InputChange, currency: str) -> str:
    """One input that changed, for the terminal and the page: cell, what it is, old -> new, and who set it."""
    sheet, row, key = c.sheet, tuple(c.row), c.key
    where = c.new_cell or c.old_cell
    if c.kind == "added":
        return f"{row_label(sheet, row)}: row added" + (f" ({where})" if where else "")
    if c.kind == "removed":
        return f"{row_label(sheet, row)}: row removed" + (f" (was {where})" if where else "")
    moved = f" (was {c.old_cell})" if c.old_cell and c.new_cell and c.old_cell != c.new_cell else ""
    text = (f"{where}{moved} " if where else "") + f"{change_label(sheet, row, c.label, with_sheet=not where)}: "
    text += f"{value_text(sheet, key, c.old, currency)} \u2192 {value_text(sheet, key, c.new, currency)}"
    return text + (f" ({c.source})" if c.source else "")


def short_change(c: InputChange, currency: str) -> str:
    """An input change as a cause: "Finance!B5 Annual CS budget $5,400,000 -> $5,000,000"."""
    if c.kind != "changed":
        return input_change_text(c, currency)
    where = c.new_cell or c.old_cell
    head = f"{where} {change_label(c.sheet, c.row, c.label, with_sheet=False)}" if where else change_label(c.sheet, c.row, c.label)
    return head + f" {value_text(c.sheet, c.key, c.old, currency)} \u2192 {value_text(c.sheet, c.key, c.new, currency)}"


def cause_text(causes: tuple[int, ...] | None, changes: Sequence[InputChange], currency: str) -> str:
    """Why a plan figure changed: the one input change that alone explains it, several that each do, or several together."""
    if causes is None:
        return ""
    if not causes:
        return "several changes together"
    names = [short_change(changes[i], currency) if i < len(changes) else "the accounts" for i in causes]
    if len(names) == 1:
        return "because of " + names[0]
    return "each of these alone explains it: " + "; ".join(names)
