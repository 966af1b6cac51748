"""The SLAs sheet: per tier and severity, the channel, the first-response target and the volume it must absorb."""

from __future__ import annotations

from dataclasses import dataclass, field

from planner import schema
from planner.inputs import SLA, Role, Tier
from planner.workbook.cells import INVALID, Names, Sink, Table, check_row_count, parse_table, resolve

SHEET = schema.SLAS


@dataclass
class SLAsRead:
    slas: list[SLA] = field(default_factory=list)
    refs: dict = field(default_factory=dict)


def read_slas(t: Table | None, tiers: list[Tier], tier_names: Names, roles: dict[str, Role], role_names: Names, sink: Sink) -> SLAsRead:
    if t is None:
        return SLAsRead()
    cols = parse_table(t, sink)
    typed_tiers = {n: n for n in tier_names.typed}
    if typed_tiers:
        cols["tier"] = resolve(t, "tier", cols["tier"], typed_tiers, schema.TIERS.name, tier_names, sink)
    cols["role"] = resolve(t, "role", cols["role"], role_names.known(list(roles)), schema.ROLES.name, role_names, sink)
    check_row_count(t, "SLA row", "SLA rows", sink)
    out: list[SLA] = []
    refs: dict = {}
    first: dict[tuple, int] = {}
    for i, r in enumerate(t.rows):
        row = {k: v[i] for k, v in cols.items()}
        key = (row["tier"], row["severity"], row["channel"])
        if all(isinstance(x, str) for x in key):
            k = tuple(x.casefold() for x in key)
            if k in first:
                sink.add(SHEET.name, t.cell(r, "tier"), f'tier "{key[0]}", severity {key[1]}, channel {key[2]} appears again',
                         f"first on row {first[k] + 1}; one row per tier, severity and channel")
                continue
            first[k] = r
        if any(v is INVALID for v in row.values()) or row["role"] not in roles:
            continue
        out.append(SLA(tier=row["tier"], severity=row["severity"], channel=row["channel"],
                       target_seconds=row["target"] * row["target_unit"].seconds,
                       tickets_per_account_month=row["tickets"], handle_minutes=row["handle_minutes"],
                       service_level=row["service_level"], role=row["role"], target_unit=row["target_unit"]))
        refs.update(t.refs(r, tuple(str(x) for x in key)))
    # A tier without SLA rows is legitimate (a purely digital tier) but gets no support staffing: planner.validation warns.
    return SLAsRead(out, refs)
