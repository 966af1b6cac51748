"""The Intervals sheet: one row per service and tier, with who delivers it, its hours and its minimum, negotiated and maximum per year."""

from __future__ import annotations

from dataclasses import dataclass, field

from planner import schema
from planner.inputs import Interval, Role, Service, Tier
from planner.workbook.cells import INVALID, Names, Sink, Table, check_row_count, parse_table, resolve
from planner.workbook.text import fmt_number, plural

SHEET = schema.INTERVALS
ORDER = "minimum <= negotiated <= maximum"


@dataclass
class IntervalsRead:
    intervals: list[Interval] = field(default_factory=list)
    refs: dict = field(default_factory=dict)


def read_intervals(t: Table | None, tiers: list[Tier], tier_names: Names, roles: dict[str, Role], role_names: Names,
                   services: dict[str, Service], service_names: Names, sink: Sink) -> IntervalsRead:
    if t is None:
        return IntervalsRead()
    cols = parse_table(t, sink)
    cols["service"] = resolve(t, "service", cols["service"], service_names.known(list(services)), schema.SERVICES.name, service_names, sink)
    typed_tiers = {n: n for n in tier_names.typed}
    if typed_tiers:
        cols["tier"] = resolve(t, "tier", cols["tier"], typed_tiers, schema.TIERS.name, tier_names, sink)
    if "role" in cols:
        cols["role"] = resolve(t, "role", cols["role"], role_names.known(list(roles)), schema.ROLES.name, role_names, sink)
    if services or not service_names.parsed:
        check_row_count(t, "interval row", "interval rows", sink)
    out: list[Interval] = []
    refs: dict = {}
    first: dict[tuple, int] = {}
    unresolved = False
    for i, r in enumerate(t.rows):
        row = {k: v[i] for k, v in cols.items()}
        s, tr = row["service"], row["tier"]
        unresolved |= not (isinstance(s, str) and isinstance(tr, str))
        if isinstance(s, str) and isinstance(tr, str):
            k = (s.casefold(), tr.casefold())
            if k in first:
                sink.add(SHEET.name, t.cell(r, "service"), f'service "{s}" in tier "{tr}" appears again',
                         f"first on row {first[k] + 1}; one row per service and tier")
                continue
            first[k] = r
        if not _in_order(t, r, row["minimum"], row["negotiated"], row["maximum"], sink) or any(v is INVALID for v in row.values()):
            continue
        if s not in services or tr not in typed_tiers:
            continue
        role = row.get("role") or services[s].role
        if role not in roles:
            continue
        out.append(Interval(service=s, tier=tr, role=role, hours=row["hours"], minimum=row["minimum"],
                            negotiated=row["negotiated"], maximum=row["maximum"]))
        refs.update(t.refs(r, (s, tr)))
    if tiers and services and t.rows and not unresolved:
        _check_coverage(t, [tr.name for tr in tiers], list(services), {(s.casefold(), tr.casefold()) for s, tr in first}, sink)
    return IntervalsRead(out, refs)


def _in_order(t: Table, r: int, mn: object, ng: object, mx: object, sink: Sink) -> bool:
    """minimum <= negotiated <= maximum, each breach reported once on the cell it concerns."""
    ok = True
    if isinstance(mn, float) and isinstance(ng, float) and mn > ng:
        sink.add(SHEET.name, t.cell(r, "negotiated"), f"minimum {fmt_number(mn)} is greater than negotiated {fmt_number(ng)}", ORDER)
        ok = False
    if isinstance(ng, float) and isinstance(mx, float) and ng > mx:
        sink.add(SHEET.name, t.cell(r, "negotiated"), f"negotiated {fmt_number(ng)} is greater than maximum {fmt_number(mx)}", ORDER)
        ok = False
    elif isinstance(mn, float) and isinstance(mx, float) and mn > mx and ok:
        sink.add(SHEET.name, t.cell(r, "minimum"), f"minimum {fmt_number(mn)} is greater than maximum {fmt_number(mx)}", ORDER)
        ok = False
    return ok


def _check_coverage(t: Table, tier_list: list[str], svc_names: list[str], have: set[tuple[str, str]], sink: Sink) -> None:
    """Every service needs a row per tier."""
    for tn in tier_list:
        if not any((s.casefold(), tn.casefold()) in have for s in svc_names):
            sink.add(SHEET.name, t.name, f'tier "{tn}" has no rows',
                     f"add a row for each of the {plural(len(svc_names), 'service')} in tier {tn}; enter 0 per year if it gets none")
    for s in svc_names:
        if not any((s.casefold(), tn.casefold()) in have for tn in tier_list):
            sink.add(SHEET.name, t.name, f'service "{s}" has no rows', "add a row for it in each tier; enter 0 per year where a tier gets none")
    for s in svc_names:
        covered = [tn for tn in tier_list if (s.casefold(), tn.casefold()) in have]
        if not covered:
            continue
        for tn in tier_list:
            if (s.casefold(), tn.casefold()) not in have and any((x.casefold(), tn.casefold()) in have for x in svc_names):
                sink.add(SHEET.name, t.name, f'no row for service "{s}" in tier "{tn}"',
                         "every service needs a row per tier; enter 0 per year if the tier gets none")
