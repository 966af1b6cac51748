"""Data validation of the input cells: drop-downs over the tier, role and service lists, choices, dates and number ranges.

Drop-downs use defined names over whole table columns (``TierList`` is ``=TiersTable[Tier]``):
data validation cannot use structured references directly, a name can, and the name grows with
the table. Every rule carries the column's help as its input prompt.
"""

from __future__ import annotations

import datetime as _dt

from planner import schema

#: Defined names over whole table columns, used by drop-downs: name -> (sheet, column key).
LIST_NAMES = {
    "TierList": (schema.TIERS, "name"),
    "RoleList": (schema.ROLES, "name"),
    "ServiceList": (schema.SERVICES, "name"),
}
_REF_LIST = {"Tiers": "TierList", "Roles": "RoleList", "Services": "ServiceList"}
#: Name over the Accounts header row, used by the Scoring sheet's "Account column" drop-down.
ACCOUNT_COLUMN_LIST = "AccountColumnList"


def rule(column: schema.Column | schema.Setting, header: str, present: list[str]) -> dict | None:
    """Data validation options for one input column or setting (None: just a prompt); ``present``: the sheets written."""
    prompt = clip(column.help + (f" Unit: {column.unit}." if column.unit else ""), 255)
    base = {"input_title": clip(header, 32), "input_message": prompt, "ignore_blank": True}
    ref, strict = column.ref, True
    if isinstance(column, schema.Column) and column.key == "previous_tier":
        # old tier names are allowed (the account is then treated as new): warn, do not refuse
        ref, strict = "Tiers", False
    if ref in _REF_LIST:
        if ref not in present:
            return {"validate": "any", **base}
        return {
            "validate": "list",
            "source": f"={_REF_LIST[ref]}",
            "error_type": "stop" if strict else "warning",
            "error_title": clip(f"Unknown {ref[:-1].lower()}", 32),
            "error_message": f"Choose a name listed on the {ref} sheet."
            + ("" if strict else " A tier that no longer exists makes the account count as new."),
            **base,
        }
    if column.kind in (schema.CHOICE, schema.BOOL) and column.choices:
        return {
            "validate": "list",
            "source": list(column.choices),
            "error_title": clip(f"Not a valid {header.lower()}", 32),
            "error_message": "Choose one of: " + ", ".join(column.choices) + ".",
            **base,
        }
    if column.kind == schema.DATE:
        return {
            "validate": "date", "criteria": "between",
            "minimum": _dt.datetime(2000, 1, 1), "maximum": _dt.datetime(2100, 12, 31),
            "error_title": clip(f"Not a date: {header.lower()}", 32),
            "error_message": "Type a date, e.g. 2026-06-30.",
            **base,
        }
    if column.kind in (schema.NUMBER, schema.CURRENCY, schema.PERCENT, schema.INTEGER):
        kind = "integer" if column.kind == schema.INTEGER else "decimal"
        lo, hi = column.minimum, column.maximum
        if lo is not None and hi is not None:
            bounds = {"criteria": "between", "minimum": lo, "maximum": hi}
            text = f"from {_show(lo, column.kind)} to {_show(hi, column.kind)}"
        elif lo is not None:
            bounds = {"criteria": ">=", "value": lo}
            text = f"at least {_show(lo, column.kind)}"
        elif hi is not None:
            bounds = {"criteria": "<=", "value": hi}
            text = f"at most {_show(hi, column.kind)}"
        else:
            return {"validate": "any", **base}
        return {
            "validate": kind,
            **bounds,
            "error_title": clip(f"{header}: out of range", 32),
            "error_message": clip(f"Enter a {'whole ' if kind == 'integer' else ''}number {text}.", 255),
            **base,
        }
    return {"validate": "any", **base}


def account_column_rule(header: str, help_text: str) -> dict:
    """The Scoring sheet's "Account column" drop-down: a header of the Accounts sheet, warned about when it is not one."""
    return {
        "validate": "list",
        "source": f"={ACCOUNT_COLUMN_LIST}",
        "error_type": "warning",
        "error_title": "Not an Accounts column",
        "error_message": "This header is not on the Accounts sheet. Check the spelling, or add the column there.",
        "input_title": clip(header, 32),
        "input_message": clip(help_text, 255),
        "ignore_blank": True,
    }


def clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 3].rstrip() + "..."


def _show(value: float, kind: str) -> str:
    if kind == schema.PERCENT:
        return f"{value:.0%}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
