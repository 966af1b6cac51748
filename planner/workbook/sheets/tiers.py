"""The Tiers sheet: two to six tiers, highest touch first, each with an engagement model and a band."""

from __future__ import annotations

from dataclasses import dataclass, field

from planner import schema
from planner.inputs import Tier
from planner.schema import BandBasis
from planner.workbook.cells import INVALID, Names, Sink, Table, check_row_count, check_unique, parse_table
from planner.workbook.text import fmt_percent

SHEET = schema.TIERS


@dataclass
class TiersRead:
    tiers: list[Tier] = field(default_factory=list)
    names: Names = field(default_factory=Names)
    refs: dict = field(default_factory=dict)


def read_tiers(t: Table | None, sink: Sink) -> TiersRead:
    if t is None:
        return TiersRead()
    cols = parse_table(t, sink)
    names = cols["name"]
    check_unique(t, "name", names, "tier", sink)
    ok_count = check_row_count(t, "tier", "tiers", sink)
    out: list[Tier] = []
    refs: dict = {}
    valid = True
    for i, r in enumerate(t.rows):
        row = {k: v[i] for k, v in cols.items()}
        lo, hi = row["band_min"], row["band_max"]
        if isinstance(lo, float) and isinstance(hi, float) and lo > hi:
            sink.add(SHEET.name, t.cell(r, "band_min"), f"band min {fmt_percent(lo)} is greater than band max {fmt_percent(hi)}",
                     "band min <= band max")
            valid = False
            continue
        if any(v is INVALID for v in row.values()):
            valid = False
            continue
        if row["name"].casefold() in {x.name.casefold() for x in out}:
            valid = False
            continue
        out.append(Tier(name=row["name"], rank=len(out), engagement=row["engagement"], band_basis=row["band_basis"],
                        band_min=row["band_min"], band_max=row["band_max"], max_cost_share=row.get("max_cost_share"),
                        description=row.get("description") or "", play=row.get("play") or ""))
        refs.update(t.refs(r, (row["name"],)))
    if valid and ok_count and out:
        _check_bands(t, out, sink)
    return TiersRead(out, Names(tuple(n for n in names if isinstance(n, str)), parsed=True), refs)


def _check_bands(t: Table, tiers: list[Tier], sink: Sink) -> None:
    """The bands of one basis must be able to hold everything: minimums at most 100%, maximums at least 100%."""
    bases = {tr.band_basis for tr in tiers}
    for basis in BandBasis:
        group = [tr for tr in tiers if tr.band_basis == basis]
        if not group:
            continue
        what = "ARR" if basis == BandBasis.ARR else "account-count"
        whole = "ARR" if basis == BandBasis.ARR else "accounts"
        total_min = sum(tr.band_min for tr in group)
        total_max = sum(tr.band_max for tr in group)
        if total_min > 1 + 1e-9:
            sink.add(SHEET.name, t.name, f"the {what} band minimums add up to {fmt_percent(round(total_min, 10))}",
                     "together they can be at most 100%")
        if len(bases) == 1 and total_max < 1 - 1e-9:
            sink.add(SHEET.name, t.name, f"the {what} band maximums add up to {fmt_percent(round(total_max, 10))}",
                     f"together they must cover 100% of {whole}")
