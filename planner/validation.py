"""Warnings: valid input that will not do what the negotiation means, found before it is too late.

A problem stops the run (planner.errors.UserInputError, exit 2); a note states an assumption the run
made (a blank account name shown as its id); a **warning** (planner.errors.InputWarning) is input the
plan accepts but that will surprise the people negotiating on it. ``tierplan validate`` lists them (exit
0), ``tierplan plan`` counts them, and the report's data-gaps section and plan.json list them. Each names
the workbook cells it concerns. The rules:

``keep_order``
    A service with "Keep tier order" whose negotiated intervals put a higher tier below a lower one, among
    the tiers that offer it (a maximum above 0, as the model reads it): the plan will not deliver what
    was negotiated there (min_cost raises the higher tier, max_value keeps the order among its choices).
``outside_table``
    Values typed below an input sheet's Excel table or beside it: TierPlan reads the cells under each
    header wherever they are, while the workbook's formulas (drop-downs, the Summary and its helper
    sheets) read the tables only, so one counts a row or a column the other does not.
``no_sla``
    A tier without SLA rows: its accounts get no support staffing in the plan.
``coverage``
    A coverage ratio that adds a whole person for a handful of accounts: at the negotiated intervals the
    book of accounts, not the hours, sets a pool's headcount, and its last person covers less than
    ``SMALL_BOOK_SHARE`` of a book.

Pure computation over the typed inputs, the grids and the tables' ranges; no I/O. Sentences are plain
facts about the workbook, written here as the reader's problems are.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import pairwise

import pandas as pd

from planner import schema
from planner.errors import InputWarning, cell_ref, col_letter
from planner.inputs import PlanInputs
from planner.workbook.table_extents import TableExtent
from planner.workbook.text import normalise_header, plural

KEEP_ORDER = "keep_order"
OUTSIDE_TABLE = "outside_table"
NO_SLA = "no_sla"
COVERAGE = "coverage"

#: A pool's last person is worth a warning when the coverage ratio adds them for fewer than this share of a book.
SMALL_BOOK_SHARE = 0.20


def input_warnings(inputs: PlanInputs, tier_stats: pd.DataFrame | None = None, extents: Sequence[TableExtent] = (),
                   grids: Mapping[str, list[list]] | None = None) -> tuple[InputWarning, ...]:
    """Every warning on the inputs, sheet by sheet in workbook order.

    ``tier_stats`` (tier, accounts, arr: segmentation's) sizes the coverage check; without it that rule is
    skipped. ``extents`` and ``grids`` (the tables' ranges and the sheets' cells, from the file) feed the
    outside-the-table rule; without them it is skipped (the Excel button reads no table ranges).
    """
    found: list[InputWarning] = []
    if extents and grids:
        found += outside_table_warnings(extents, grids)
    found += keep_order_warnings(inputs, tier_stats)
    if tier_stats is not None:
        found += coverage_warnings(inputs, tier_stats)
    found += sla_warnings(inputs)
    order = {n: i for i, n in enumerate(schema.SHEET_ORDER)}
    return tuple(sorted(found, key=lambda w: order.get(_sheet_of(w.where), len(order))))


def with_warnings(inputs: PlanInputs, extents: Sequence[TableExtent] = (), grids: Mapping[str, list[list]] | None = None) -> PlanInputs:
    """The inputs with their warnings attached; the tiers' accounts for the coverage rule come from segmentation."""
    import dataclasses

    from planner.segmentation import segment

    stats = segment(inputs).tier_stats() if len(inputs.accounts) else None
    return dataclasses.replace(inputs, warnings=input_warnings(inputs, stats, extents, grids))


def _sheet_of(where: str) -> str:
    return where.partition("!")[0].strip("'")


# ------------------------------------------------------------------ keep tier order


def keep_order_warnings(inputs: PlanInputs, tier_stats: pd.DataFrame | None = None) -> list[InputWarning]:
    """One warning per service whose negotiated intervals break its own "Keep tier order"."""
    from planner.optimization.model import prepare

    data = prepare(inputs, _stats(inputs, tier_stats))
    cells = {c.index: c for c in data.cells}
    groups: dict[str, list] = {}
    for service, hi, lo in data.order_pairs:
        group = groups.setdefault(service, [cells[hi]])
        group.append(cells[lo])
    refs = inputs.refs
    out = []
    for service, group in groups.items():
        broken = [(a, b) for a, b in pairwise(group) if a.negotiated < b.negotiated - 1e-9]
        if not broken:
            continue
        # what min_cost delivers: each tier raised to the largest interval below it (docs/model.md, keep tier order)
        raised, running = {}, 0.0
        for c in reversed(group):
            running = max(running, float(c.floor("min_cost")))
            raised[c.tier] = running
        cells_ = [r for c in group for r in refs.of(schema.INTERVALS.name, (c.service, c.tier), "negotiated")]
        rule = refs.of(schema.SERVICES.name, (service,), "keep_order")
        where = ", ".join(cells_) or schema.INTERVALS.name
        values = ", ".join(_n(c.negotiated) for c in group)
        tiers = ", ".join(c.tier for c in group)
        below = "; ".join(f"{a.tier} ({_n(a.negotiated)}) below {b.tier} ({_n(b.negotiated)})" for a, b in broken)
        lifts = ", ".join(f"{c.tier} to {_n(raised[c.tier])}" for c in group if raised[c.tier] > c.negotiated + 1e-9)
        over = [c.tier for c in group if raised[c.tier] > c.cap + 1e-9]
        then = (f"min_cost raises {lifts}" + (f", above the maximum of {', '.join(over)}, so no plan fits" if over else "")
                + "; negotiate the higher tiers at least as high, or set Keep tier order to No")
        out.append(InputWarning(
            where,
            f"{service} is negotiated {values} a year in {tiers}, against its Keep tier order"
            + (f" ({rule[0]})" if rule else "") + f": {below}",
            then, kind=KEEP_ORDER, cells=tuple(cells_) + tuple(rule)))
    return out


def _n(x: float) -> str:
    return f"{x:g}"


# ------------------------------------------------------------------ support


def sla_warnings(inputs: PlanInputs) -> list[InputWarning]:
    """A tier without SLA rows gets no support staffing: say so, naming the tier's row."""
    named = {s.tier.casefold() for s in inputs.slas}
    out = []
    for tier in inputs.tiers:
        if tier.name.casefold() in named:
            continue
        cell = inputs.refs.get(schema.TIERS.name, (tier.name,), "name")
        where = f"{cell}, {schema.SLAS.name}" if cell else schema.SLAS.name
        out.append(InputWarning(where, f"no support commitments for {tier.name}",
                                "its accounts get no support staffing in the plan; add rows for each severity on the SLAs sheet "
                                "if they should", kind=NO_SLA, cells=(cell,) if cell else ()))
    return out


# ------------------------------------------------------------------ coverage ratios


def coverage_warnings(inputs: PlanInputs, tier_stats: pd.DataFrame) -> list[InputWarning]:
    """Pools whose coverage ratio, not their hours, adds a last person who covers less than a fifth of a book."""
    from planner.optimization.model import prepare

    data = prepare(inputs, _stats(inputs, tier_stats))
    x = _negotiated_plan(data)
    out = []
    for u in data.units:
        if not u.has_coverage:
            continue
        covered = data.covered_accounts(u, x)
        if covered <= 0:
            continue
        hours = sum(c.load_per_occurrence * x[c.index] for c in data.cells_of(u)) + data.unit_support_hours(u)
        by_hours = math.ceil(hours / u.productive_hours - 1e-9) if u.productive_hours > 0 and hours > 1e-9 else 0
        limit = u.coverage_limit
        by_cover = math.ceil(covered / limit - 1e-9)
        last = covered - (by_cover - 1) * limit
        if by_cover <= max(by_hours, 1) or last >= SMALL_BOOK_SHARE * limit - 1e-9:
            continue
        cell = inputs.refs.get(schema.ROLES.name, (u.role,), "max_accounts")
        where = cell or schema.ROLES.name
        pool = f"{u.tier}'s {covered:,} accounts" if u.tier else f"the {covered:,} accounts of the tiers it serves"
        fewer = math.ceil(covered / (by_cover - 1) - 1e-9)
        out.append(InputWarning(
            where,
            f"{u.role} covers at most {_n(limit)} accounts per person, so {pool} need "
            f"{plural(by_cover, 'person', 'people')}, while their hours at the negotiated intervals need {by_hours}: the last "
            f"person covers {_n(last)} accounts ({last / limit:.0%} of a book) and costs {u.loaded_cost:,.0f} "
            f"{inputs.finance.currency} a year",
            f"a ratio of {fewer} would cover them with {by_cover - 1}; or keep the extra person on purpose",
            kind=COVERAGE, cells=(cell,) if cell else ()))
    return out


def _negotiated_plan(data) -> dict[int, float]:
    """The intervals min_cost delivers: the negotiated ones on their step, raised to keep tier order (docs/model.md)."""
    x = {c.index: float(c.floor("min_cost")) for c in data.cells}
    cells = {c.index: c for c in data.cells}
    for _service, hi, lo in reversed(data.order_pairs):
        if cells[hi].tier_rank < cells[lo].tier_rank:
            x[hi] = max(x[hi], x[lo])
    return x


def _stats(inputs: PlanInputs, tier_stats: pd.DataFrame | None) -> pd.DataFrame:
    if tier_stats is not None:
        return tier_stats
    return pd.DataFrame({"tier": list(inputs.tier_names), "accounts": [0] * len(inputs.tiers), "arr": [0.0] * len(inputs.tiers)})


# ------------------------------------------------------------------ values outside the tables


def outside_table_warnings(extents: Sequence[TableExtent], grids: Mapping[str, list[list]]) -> list[InputWarning]:
    """Values below or beside an input sheet's Excel table: who reads them (TierPlan or the formulas) differs."""
    by_sheet = {str(n).strip().lower(): (str(n), g) for n, g in grids.items()}
    settings: dict[str, schema.SettingsSheet] = {s.name: s for s in schema.SETTINGS_SHEETS}
    out = []
    for sheet in schema.READ_SHEETS:
        got = by_sheet.get(sheet.lower())
        if got is None:
            continue
        name, grid = got
        spec = settings.get(sheet) or schema.sheet_by_name(sheet)
        table_name = spec.table
        tables = [e for e in extents if e.sheet.strip().lower() == sheet.lower() and e.name.lower() == table_name.lower()]
        if len(tables) != 1:
            continue
        out += _outside(name, grid, tables[0], spec)
    return out


def _known_headers(spec) -> set[str]:
    if isinstance(spec, schema.SettingsSheet):
        return {normalise_header(h) for h in spec.headers}
    return {normalise_header(c.header) for c in spec.input_columns} | {normalise_header(c.key) for c in spec.input_columns}


def _filled(v: object) -> bool:
    if v is None:
        return False
    if isinstance(v, str):
        return bool(v.strip())
    return not (isinstance(v, float) and math.isnan(v))


def _outside(name: str, grid: list[list], t: TableExtent, spec) -> list[InputWarning]:
    header = grid[t.first_row] if t.first_row < len(grid) else []
    accounts = spec is schema.ACCOUNTS
    known = _known_headers(spec)

    def read_by_tierplan(c: int) -> bool:
        """Whether TierPlan reads the cells under column c (its header is one the reader looks for)."""
        h = header[c] if c < len(header) else None
        if not _filled(h):
            return False
        return accounts or normalise_header(str(h)) in known

    below_rows, below_cols, beside_rows, beside_cols = [], set(), set(), set()
    for r in range(t.first_row, len(grid)):
        row = grid[r]
        if r > t.last_row:
            filled = [c for c, v in enumerate(row) if _filled(v)]
            if filled:
                below_rows.append(r)
                below_cols.update(filled)
            continue
        if len(row) > t.last_col + 1 or t.first_col > 0:
            for c, v in enumerate(row):
                if (c < t.first_col or c > t.last_col) and _filled(v):
                    beside_rows.add(r)
                    beside_cols.add(c)
    out = []
    table = f"the table {t.name} ({t.ref})"
    fix = "extend the table over them (drag its corner, or Table Design > Resize Table) or delete them"
    if below_rows:
        where = _range(name, below_rows[0], min(below_cols), below_rows[-1], max(below_cols))
        n = plural(len(below_rows), "row")
        if any(read_by_tierplan(c) for c in below_cols):
            who = ("TierPlan reads them as accounts, but the Summary and its Placement sheet do not" if accounts else
                   "TierPlan reads them, but the workbook's formulas (drop-downs, the Summary) do not")
        else:
            who = "neither TierPlan nor the workbook's formulas read them"
        out.append(InputWarning(where, f"{n} typed below {table}: {who}", fix, kind=OUTSIDE_TABLE, cells=(where,)))
    if beside_cols:
        rows = sorted(beside_rows)
        where = _range(name, rows[0], min(beside_cols), rows[-1], max(beside_cols))
        cols = sorted(beside_cols)
        read = [c for c in cols if read_by_tierplan(c)]
        what = plural(len(cols), "column")
        if read:
            heads = ", ".join(f'{col_letter(c)} "{str(header[c]).strip()}"' for c in read)
            who = (f"TierPlan reads {heads}, but the workbook's formulas (the Summary, its helper sheets) do not: the sheet and "
                   "the plan will not count the same")
        else:
            who = "neither TierPlan nor the workbook's formulas read them"
        out.append(InputWarning(where, f"values in {what} beside {table}: {who}", fix, kind=OUTSIDE_TABLE, cells=(where,)))
    return out


def _range(name: str, r0: int, c0: int, r1: int, c1: int) -> str:
    first = cell_ref(name, r0, c0)
    return first if (r0, c0) == (r1, c1) else f"{first}:{col_letter(c1)}{r1 + 1}"
