"""The formulas of the input sheets' FORMULA columns (hourly rates, costs, Assessed Service Value), by sheet and column.

Each is built from the table headers as written (a content may rename them), with structured
references and classic functions only, so Excel and LibreOffice 7.4 compute it and rows added
to a table pick it up.
"""

from __future__ import annotations

from collections.abc import Callable

from planner import schema

Header = Callable[[schema.Sheet, str], str]


def _this(sheet: schema.Sheet, key: str, h: Header) -> str:
    return f"{sheet.table}[[#This Row],[{h(sheet, key)}]]"


def _col(sheet: schema.Sheet, key: str, h: Header) -> str:
    return f"{sheet.table}[{h(sheet, key)}]"


def _roles_hourly_rate(h: Header) -> str:
    R = schema.ROLES
    hours, cost = _this(R, "productive_hours", h), _this(R, "loaded_cost", h)
    return f"=IF({hours}>0,{cost}/{hours},0)"


def _intervals_hourly_rate(h: Header) -> str:
    I, S, R = schema.INTERVALS, schema.SERVICES, schema.ROLES
    own = _this(I, "role", h)
    catalog = f"INDEX({_col(S, 'role', h)},MATCH({_this(I, 'service', h)},{_col(S, 'name', h)},0))"
    return f"=INDEX({_col(R, 'hourly_rate', h)},MATCH(IF({own}<>\"\",{own},{catalog}),{_col(R, 'name', h)},0))"


def _intervals_cost_per_occurrence(h: Header) -> str:
    I, S = schema.INTERVALS, schema.SERVICES
    direct = f"INDEX({_col(S, 'direct_cost', h)},MATCH({_this(I, 'service', h)},{_col(S, 'name', h)},0))"
    return f"={_this(I, 'hours', h)}*{_this(I, 'hourly_rate', h)}+{direct}"


def _intervals_annual_cost(h: Header) -> str:
    I = schema.INTERVALS
    return f"={_this(I, 'cost_per_occurrence', h)}*{_this(I, 'negotiated', h)}"


def _intervals_asv(h: Header) -> str:
    I = schema.INTERVALS
    return f"={_this(I, 'annual_cost', h)}*(1+{schema.FINANCE.setting('margin').name})"


#: The formula of every FORMULA column, by (sheet name, column key).
COLUMN_FORMULAS: dict[tuple[str, str], Callable[[Header], str]] = {
    (schema.ROLES.name, "hourly_rate"): _roles_hourly_rate,
    (schema.INTERVALS.name, "hourly_rate"): _intervals_hourly_rate,
    (schema.INTERVALS.name, "cost_per_occurrence"): _intervals_cost_per_occurrence,
    (schema.INTERVALS.name, "annual_cost"): _intervals_annual_cost,
    (schema.INTERVALS.name, "asv"): _intervals_asv,
}
