"""Planned scenarios side by side: the typed comparison the report, the sheet, the JSON and the terminal show.

:func:`comparison` takes the baseline's plan and each scenario's (planner.scenarios.run) and keeps, per scenario, what
it changes against the baseline (its overrides, with the workbook's value and the cell) and the figures of its plan
(planner.versions.facts.PlanFacts). Rows a reader compares along are collected once: every changed cell, every role
and tier with people in some scenario, the intervals that differ from the baseline's anywhere, every support queue,
every tier. Pure computation; the sentences are written in planner/report/scenario_words.py.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass

from planner.inputs import Override
from planner.scenarios.apply import SCENARIO_SOURCE
from planner.scenarios.run import VariantPlan
from planner.schema import BASELINE
from planner.versions.facts import PlanFacts, facts_of
from planner.versions.normalise import fingerprint

CHANGE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class ScenarioColumn:
    """One scenario (or the baseline) of the comparison."""

    name: str
    note: str
    changes: tuple[Override, ...]  # what it changes against the baseline (empty for the baseline)
    facts: PlanFacts
    resegmented: bool  # its tiers were computed again (it changes what segmentation reads)
    fingerprint: str

    @property
    def is_baseline(self) -> bool:
        return self.name == BASELINE


@dataclass(frozen=True)
class ChangeRow:
    """A cell some scenario changes: the workbook's value and each scenario's (None where a scenario leaves it)."""

    sheet: str
    row: tuple[str, ...]
    key: str
    label: str
    cell: str | None  # where the workbook holds it ("Intervals!E12")
    baseline: object
    values: tuple[object | None, ...]  # per column of the comparison, the baseline's first (always None)
    changed: tuple[bool, ...]


@dataclass(frozen=True)
class Comparison:
    currency: str
    mode: str
    fiscal_year: int
    as_of: _dt.date | None
    source: str
    tiers: tuple[str, ...]
    columns: tuple[ScenarioColumn, ...]  # the baseline first
    changes: tuple[ChangeRow, ...]
    people_rows: tuple[tuple[str, str], ...]  # (role, tier) with people in some column
    interval_rows: tuple[tuple[str, str], ...]  # (service, tier) whose chosen interval differs from the baseline's somewhere
    support_rows: tuple[tuple[str, str], ...]  # (tier, channel)

    @property
    def baseline(self) -> ScenarioColumn:
        return self.columns[0]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _scenario_changes(plan: VariantPlan) -> tuple[Override, ...]:
    return tuple(o for o in plan.inputs.overrides if o.source.startswith(SCENARIO_SOURCE))


def _differs(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return abs(a - b) > CHANGE_TOLERANCE * max(1.0, abs(a), abs(b))


def _ordered(keys: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(dict.fromkeys(keys))


def comparison(plans: Sequence[VariantPlan]) -> Comparison:
    """The comparison of planned variants, the first being the baseline."""
    if not plans:
        raise ValueError("nothing to compare")
    base = plans[0]
    columns: list[ScenarioColumn] = []
    for p in plans:
        facts = facts_of(p.optimization, p.segmentation)
        note = next((s.note for s in p.inputs.scenarios if s.name == p.name), "")
        columns.append(ScenarioColumn(p.name, note, _scenario_changes(p), facts, p.resegmented, fingerprint(p.inputs)))
    # every changed cell, in the order the scenarios name them
    cells: dict[tuple[str, tuple[str, ...], str], Override] = {}
    for c in columns:
        for o in c.changes:
            cells.setdefault((o.sheet, tuple(x.casefold() for x in o.row), o.key), o)
    change_rows = []
    for (sheet, _row, key), first in cells.items():
        values: list[object | None] = []
        changed: list[bool] = []
        for c in columns:
            hit = next((o for o in c.changes if (o.sheet, tuple(x.casefold() for x in o.row), o.key) == (sheet, _row, key)), None)
            values.append(hit.value if hit is not None else None)
            changed.append(hit is not None)
        change_rows.append(ChangeRow(sheet, first.row, key, first.label, base.inputs.refs.get(sheet, first.row, key),
                                     first.sheet_value, tuple(values), tuple(changed)))
    people = _ordered([k for c in columns for k, n in c.facts.people.items() if n])
    base_intervals = columns[0].facts.intervals
    intervals = _ordered([k for c in columns[1:] for k, v in c.facts.intervals.items()
                          if _differs(v, base_intervals.get(k)) or k not in base_intervals])
    support = _ordered([k for c in columns for k in c.facts.support])
    tiers = tuple(dict.fromkeys(t.name for p in plans for t in p.inputs.tiers))
    return Comparison(
        currency=base.inputs.finance.currency, mode=str(base.inputs.finance.planning_mode), fiscal_year=base.inputs.finance.fiscal_year,
        as_of=base.inputs.finance.as_of,
        source=base.inputs.source, tiers=tiers, columns=tuple(columns), changes=tuple(change_rows), people_rows=people,
        interval_rows=intervals, support_rows=support,
    )


__all__ = ["ChangeRow", "Comparison", "ScenarioColumn", "comparison"]
