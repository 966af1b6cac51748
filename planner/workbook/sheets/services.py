"""The Services sheet: the catalog of what the Customer Success team provides."""

from __future__ import annotations

from dataclasses import dataclass, field

from planner import schema
from planner.inputs import Role, Service
from planner.workbook.cells import INVALID, Names, Sink, Table, check_unique, parse_table, resolve

SHEET = schema.SERVICES


@dataclass
class ServicesRead:
    services: dict[str, Service] = field(default_factory=dict)
    names: Names = field(default_factory=Names)
    refs: dict = field(default_factory=dict)


def read_services(t: Table | None, roles: dict[str, Role], role_names: Names, sink: Sink) -> ServicesRead:
    if t is None:
        return ServicesRead()
    cols = parse_table(t, sink)
    check_unique(t, "name", cols["name"], "service", sink)
    if not t.rows:
        sink.add(SHEET.name, t.name, "the service catalog is empty", "list at least one service")
    cols["role"] = resolve(t, "role", cols["role"], role_names.known(list(roles)), schema.ROLES.name, role_names, sink)
    out: dict[str, Service] = {}
    refs: dict = {}
    for i, r in enumerate(t.rows):
        row = {k: v[i] for k, v in cols.items()}
        if any(v is INVALID for v in row.values()) or row["role"] not in roles:
            continue
        if row["name"].casefold() in {n.casefold() for n in out}:
            continue
        out[row["name"]] = Service(name=row["name"], definition=row.get("definition") or "", role=row["role"],
                                   direct_cost=row["direct_cost"], mandatory=row["mandatory"], impact=row["impact"],
                                   decay=row["decay"], keep_order=row["keep_order"])
        refs.update(t.refs(r, (row["name"],)))
    typed = tuple(dict.fromkeys(v for v in cols["name"] if isinstance(v, str)))
    return ServicesRead(out, Names(typed, parsed=True), refs)
