"""One scenario applied to the typed inputs: pure computation, no I/O.

:func:`apply_scenario` returns the inputs with each change of the scenario in place and recorded as an
:class:`~planner.inputs.Override` (source ``"scenario NAME"``, the row's key and the Scenarios cell that asked for
it), so the report, plan.json and the comparison can say what the scenario changed and where. The values arrive
already read as their column declares (planner/workbook/sheets/scenarios.py parses them with the sheet's own cell
parser); what is left to check here is what only shows once a row holds the new value next to its other values:
:func:`scenario_problems` names the Scenarios cell whose change breaks a rule of the sheet (minimum <= negotiated <=
maximum, band min <= band max, bands that cover everything, a book of accounts for a Named role, hours for a role that
costs money, at least one scoring weight).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any, TypeVar

from planner.errors import Problem
from planner.inputs import SLA, Change, Interval, Override, PlanInputs, Role, Scenario, ScoringRule, Service, Tier
from planner.schema import BandBasis, Direction, Staffing, TargetUnit

SCENARIO_SOURCE = "scenario "
#: What segmentation reads: a scenario changing one of these is segmented again; the others reuse the baseline's tiers.
SEGMENTATION_SHEETS = frozenset({"Tiers", "Scoring"})
SEGMENTATION_SETTINGS = frozenset({"retier_margin", "strategic_tier"})

#: The column keys of each sheet a scenario may change, and the typed field each one sets.
FIELDS: dict[str, dict[str, str]] = {
    "Tiers": {"engagement": "engagement", "band_basis": "band_basis", "band_min": "band_min", "band_max": "band_max",
              "max_cost_share": "max_cost_share", "description": "description"},
    "Roles": {"staffing": "staffing", "loaded_cost": "loaded_cost", "productive_hours": "productive_hours",
              "max_accounts": "max_accounts"},
    "Services": {"definition": "definition", "direct_cost": "direct_cost", "mandatory": "mandatory", "impact": "impact",
                 "decay": "decay", "keep_order": "keep_order"},
    "Intervals": {"role": "role", "hours": "hours", "minimum": "minimum", "negotiated": "negotiated", "maximum": "maximum"},
    "SLAs": {"target": "target_seconds", "target_unit": "target_seconds", "tickets": "tickets_per_account_month",
             "handle_minutes": "handle_minutes", "service_level": "service_level", "role": "role"},
    "Scoring": {"weight": "weight", "direction": "direction"},
}

T = TypeVar("T")


def scenario_source(name: str) -> str:
    """The source an override of this scenario carries ("scenario CFO budget")."""
    return SCENARIO_SOURCE + name


def changes_segmentation(scenario: Scenario) -> bool:
    """Whether the scenario changes what segmentation reads (tiers, bands, scoring, the re-tiering margin, the strategic tier)."""
    return any(c.sheet in SEGMENTATION_SHEETS or (c.sheet == "Finance" and c.key in SEGMENTATION_SETTINGS) for c in scenario.changes)


def row_key(sheet: str, row: Tier | Role | Service | Interval | SLA | ScoringRule) -> tuple[str, ...]:
    """The key a row has in PlanInputs.refs (and in a Change)."""
    if isinstance(row, Interval):
        return (row.service, row.tier)
    if isinstance(row, SLA):
        return (row.tier, str(row.severity), str(row.channel))
    if isinstance(row, ScoringRule):
        return (str(row.pillar), row.header or row.column)
    return (row.name,)


def _same_key(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return len(a) == len(b) and all(x.casefold() == y.casefold() for x, y in zip(a, b))


def _target_number(sla: SLA) -> float:
    unit = sla.target_unit or TargetUnit.SECONDS
    return sla.target_seconds / unit.seconds


def _sheet_value(row: object, sheet: str, key: str) -> object:
    """The workbook's value of a cell, as the reader typed it."""
    if isinstance(row, SLA) and key == "target":
        return _target_number(row)
    if isinstance(row, SLA) and key == "target_unit":
        return row.target_unit or TargetUnit.SECONDS
    if isinstance(row, ScoringRule) and key == "direction":
        return Direction.HIGHER if row.direction > 0 else Direction.LOWER
    return getattr(row, FIELDS[sheet][key])


def _new_row(row: T, sheet: str, changes: list[Change], services: dict[str, Service]) -> T:
    """A row with its changes in place (SLA targets in the unit of the row or of the change)."""
    values: dict[str, Any] = {}
    if isinstance(row, SLA):
        number, unit = _target_number(row), row.target_unit or TargetUnit.SECONDS
        for c in changes:
            if c.key == "target" and isinstance(c.value, float):
                number = c.value
            elif c.key == "target_unit" and isinstance(c.value, TargetUnit):
                unit = c.value
            elif c.key not in ("target", "target_unit"):
                values[FIELDS[sheet][c.key]] = c.value
        if any(c.key in ("target", "target_unit") for c in changes):
            values["target_seconds"] = number * unit.seconds
            values["target_unit"] = unit
        return replace(row, **values)
    for c in changes:
        value = c.value
        if isinstance(row, ScoringRule) and c.key == "direction" and isinstance(value, Direction):
            value = value.sign
        elif isinstance(row, Interval) and c.key == "role" and value is None:
            value = services[row.service].role  # a blank cell delivers the catalog's role
        elif c.key in ("description", "definition") and value is None:
            value = ""
        values[FIELDS[sheet][c.key]] = value
    return replace(row, **values)  # type: ignore[type-var]


def _apply_rows(rows: Iterable[T], sheet: str, changes: list[Change], services: dict[str, Service],
                overrides: list[Override], source: str) -> tuple[T, ...]:
    out: list[T] = []
    for row in rows:
        key = row_key(sheet, row)  # type: ignore[arg-type]
        mine = [c for c in changes if _same_key(c.row, key)]
        if mine:
            overrides.extend(Override(sheet, c.key, c.label, _sheet_value(row, sheet, c.key), c.value, source, key, c.where)
                             for c in mine)
            row = _new_row(row, sheet, mine, services)
        out.append(row)
    return tuple(out)


def apply_scenario(inputs: PlanInputs, scenario: Scenario) -> PlanInputs:
    """The inputs with the scenario's changes in place, each recorded in ``overrides`` (source "scenario NAME").

    Pure: the inputs given are not changed. Applying the scenario the inputs already are is a no-op; the inputs of
    another scenario are not a baseline, so that is an error of the caller (ValueError).
    """
    if inputs.scenario is not None:
        if inputs.scenario.casefold() == scenario.name.casefold():
            return inputs
        raise ValueError(f"the inputs are scenario {inputs.scenario!r} already; apply {scenario.name!r} to the baseline")
    source = scenario_source(scenario.name)
    by_sheet: dict[str, list[Change]] = {}
    for c in scenario.changes:
        by_sheet.setdefault(c.sheet, []).append(c)
    overrides: list[Override] = list(inputs.overrides)
    services = {s.name: s for s in inputs.services}
    finance = inputs.finance
    fin_changes = by_sheet.get("Finance", [])
    if fin_changes:
        overrides.extend(Override("Finance", c.key, c.label, getattr(finance, c.key), c.value, source, (), c.where) for c in fin_changes)
        fin_values: dict[str, Any] = {c.key: c.value for c in fin_changes}
        finance = replace(finance, **fin_values)
    tiers = _apply_rows(inputs.tiers, "Tiers", by_sheet.get("Tiers", []), services, overrides, source)
    roles = _apply_rows(inputs.roles, "Roles", by_sheet.get("Roles", []), services, overrides, source)
    new_services = _apply_rows(inputs.services, "Services", by_sheet.get("Services", []), services, overrides, source)
    intervals = _apply_rows(inputs.intervals, "Intervals", by_sheet.get("Intervals", []), services, overrides, source)
    slas = _apply_rows(inputs.slas, "SLAs", by_sheet.get("SLAs", []), services, overrides, source)
    scoring = _apply_rows(inputs.scoring, "Scoring", by_sheet.get("Scoring", []), services, overrides, source)
    order = {c.where: i for i, c in enumerate(scenario.changes)}
    mine = sorted(overrides[len(inputs.overrides):], key=lambda o: order.get(o.where, len(order)))  # as the Scenarios sheet lists them
    return replace(inputs, tiers=tiers, roles=roles, services=new_services, intervals=intervals, slas=slas, scoring=scoring,
                   finance=finance, overrides=(*inputs.overrides, *mine), scenario=scenario.name)


# ------------------------------------------------------------------ the rules a changed row must keep


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.10g}"


def _pct(v: float) -> str:
    return f"{v * 100:.10g}%"


def scenario_problems(inputs: PlanInputs, scenario: Scenario) -> list[Problem]:
    """What the scenario's changes break, each on the Scenarios cell of the change that did it (empty: the scenario is usable)."""
    changed = apply_scenario(inputs, scenario)
    where: dict[tuple[str, tuple[str, ...]], dict[str, str]] = {}
    for c in scenario.changes:
        where.setdefault((c.sheet, tuple(x.casefold() for x in c.row)), {})[c.key] = c.where
    name = scenario.name
    problems: list[Problem] = []

    def cell(sheet: str, key: tuple[str, ...], columns: tuple[str, ...]) -> str | None:
        mine = where.get((sheet, tuple(x.casefold() for x in key)), {})
        found = [mine[c] for c in columns if c in mine]
        return found[0] if found else None

    def add(at: str | None, message: str, expected: str) -> None:
        if at is not None:
            problems.append(Problem(at, f'in scenario "{name}", {message}', expected))

    for iv in changed.intervals:
        key = (iv.service, iv.tier)
        row = f"{iv.service} in {iv.tier}"
        if iv.minimum > iv.negotiated:
            add(cell("Intervals", key, ("negotiated", "minimum")), f"{row}: minimum {_fmt(iv.minimum)} is greater than negotiated {_fmt(iv.negotiated)}",
                "minimum <= negotiated <= maximum: change the other value in the same scenario too")
        elif iv.negotiated > iv.maximum:
            add(cell("Intervals", key, ("negotiated", "maximum")), f"{row}: negotiated {_fmt(iv.negotiated)} is greater than maximum {_fmt(iv.maximum)}",
                "minimum <= negotiated <= maximum: change the other value in the same scenario too")
    for t in changed.tiers:
        if t.band_min > t.band_max:
            add(cell("Tiers", (t.name,), ("band_min", "band_max")), f"{t.name}: band min {_pct(t.band_min)} is greater than band max {_pct(t.band_max)}",
                "band min <= band max: change the other value in the same scenario too")
    band_cells = [c.where for c in scenario.changes if c.sheet == "Tiers" and c.key in ("band_min", "band_max", "band_basis")]
    if band_cells:
        bases = {t.band_basis for t in changed.tiers}
        for basis in BandBasis:
            group = [t for t in changed.tiers if t.band_basis == basis]
            if not group:
                continue
            what = "ARR" if basis == BandBasis.ARR else "account-count"
            low, high = sum(t.band_min for t in group), sum(t.band_max for t in group)
            if low > 1 + 1e-9:
                add(band_cells[0], f"the {what} band minimums add up to {_pct(round(low, 10))}", "together they can be at most 100%")
            if len(bases) == 1 and high < 1 - 1e-9:
                add(band_cells[0], f"the {what} band maximums add up to {_pct(round(high, 10))}", "together they must cover 100%")
    for r in changed.roles:
        if r.staffing == Staffing.NAMED and r.max_accounts is None:
            add(cell("Roles", (r.name,), ("staffing", "max_accounts")), f'Named role "{r.name}" has no Max accounts per person',
                "a Named role carries a book of accounts: give Max accounts per person in the same scenario")
        if r.staffing in (Staffing.NAMED, Staffing.POOLED) and r.loaded_cost > 0 and r.productive_hours == 0:
            add(cell("Roles", (r.name,), ("productive_hours", "staffing", "loaded_cost")),
                f'role "{r.name}" costs {_fmt(r.loaded_cost)} a year but has 0 productive hours',
                "Productive hours per year must be more than 0 unless the role is Automated")
    weights = [s.weight for s in changed.scoring]
    weight_cells = [c.where for c in scenario.changes if c.sheet == "Scoring" and c.key == "weight"]
    if weight_cells and weights and all(w == 0 for w in weights):
        add(weight_cells[0], "every scoring weight is 0", "give at least one signal a weight above 0")
    return problems


__all__ = ["FIELDS", "SCENARIO_SOURCE", "SEGMENTATION_SETTINGS", "SEGMENTATION_SHEETS", "apply_scenario", "changes_segmentation",
           "row_key", "scenario_problems", "scenario_source"]
