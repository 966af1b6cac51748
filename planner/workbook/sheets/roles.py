"""The Roles sheet: who delivers the services, what a year of one person costs, and how they are deployed."""

from __future__ import annotations

from dataclasses import dataclass, field

from planner import schema
from planner.inputs import Role
from planner.schema import Staffing
from planner.workbook.cells import INVALID, Names, Sink, Table, check_row_count, check_unique, parse_table
from planner.workbook.text import fmt_number

SHEET = schema.ROLES


@dataclass
class RolesRead:
    roles: dict[str, Role] = field(default_factory=dict)
    names: Names = field(default_factory=Names)
    refs: dict = field(default_factory=dict)


MIN_PRODUCTIVE_HOURS = 100  # a year's productive hours of one person below this is a typo, not a plan


def read_roles(t: Table | None, sink: Sink) -> RolesRead:
    if t is None:
        return RolesRead()
    cols = parse_table(t, sink)
    check_unique(t, "name", cols["name"], "role", sink)
    check_row_count(t, "role", "roles", sink)
    out: dict[str, Role] = {}
    refs: dict = {}
    for i, r in enumerate(t.rows):
        row = {k: v[i] for k, v in cols.items()}
        name, staffing = row["name"], row["staffing"]
        if staffing == Staffing.NAMED and row.get("max_accounts") is None:
            sink.add(SHEET.name, t.cell(r, "max_accounts"), f'Named role "{name}" has no Max accounts per person',
                     "a Named role carries a book of accounts: how many can one person own?")
            continue
        cost, hours = row["loaded_cost"], row["productive_hours"]
        if staffing in (Staffing.NAMED, Staffing.POOLED) and isinstance(cost, float) and isinstance(hours, float) and cost > 0 and hours == 0:
            sink.add(SHEET.name, t.cell(r, "productive_hours"), f'role "{name}" costs {fmt_number(cost)} a year but has 0 productive hours',
                     "Productive hours per year must be more than 0 unless the role is Automated")
            continue
        if staffing in (Staffing.NAMED, Staffing.POOLED) and isinstance(hours, float) and 0 < hours < MIN_PRODUCTIVE_HOURS:
            # a typo (0.0001, hours per week or per day): the plan would need millions of people and only say "no plan fits"
            sink.add(SHEET.name, t.cell(r, "productive_hours"), f'role "{name}" has {fmt_number(hours)} productive hours per year',
                     f"hours one person gives in a year (typically 1,200 to 1,800); at least {MIN_PRODUCTIVE_HOURS:,} for a staffed role")
            continue
        if any(v is INVALID for v in row.values()):
            continue
        if name.casefold() in {n.casefold() for n in out}:
            continue
        out[name] = Role(name=name, staffing=staffing, loaded_cost=cost, productive_hours=hours, max_accounts=row.get("max_accounts"))
        refs.update(t.refs(r, (name,)))
    typed = tuple(dict.fromkeys(n for n in cols["name"] if isinstance(n, str)))
    return RolesRead(out, Names(typed, parsed=True), refs)
