"""The Pilots sheet: one row per pilot, read into planner.pilots.definition.Pilot with every problem naming its cell."""

from __future__ import annotations

import re

import pandas as pd

from planner import schema
from planner.errors import Problem, UserInputError
from planner.pilots.definition import Pilot, check_pilots, id_set, keep_known_accounts, make_pilot, resolve_accounts
from planner.schema import PilotBaseline, PilotOutcome, PilotSides
from planner.workbook.cells import INVALID, Names, Sink, Table, check_unique, parse_table, resolve

SHEET = schema.PILOTS

# the sheet's words -> the pilot definition's codes
OUTCOME_CODES = {
    PilotOutcome.RENEWAL: "renewal", PilotOutcome.CHURN: "churn", PilotOutcome.EXPANSION: "expansion_arr",
    PilotOutcome.RESOLUTION: "resolution_time", PilotOutcome.USAGE: "usage_change",
}
SIDES_CODES = {PilotSides.TWO_SIDED: "two-sided", PilotSides.BETTER: "one-sided better", PilotSides.WORSE: "one-sided worse"}
BASELINE_CODES = {PilotBaseline.REST_OF_TIER: "rest_of_tier", PilotBaseline.MATCHED: "matched"}
_RULE = re.compile(r"(<=|>=|!=|=|<|>|\bin\b|\band\b|\bor\b|\bnot\b)", re.I)


def is_rule(text: str) -> bool:
    """Whether the Accounts cell holds a rule on account columns (it has an operator) rather than a list of ids."""
    return bool(_RULE.search(text))


def read_pilots(t: Table | None, scenario_names: tuple[str, ...], sink: Sink, tier_names: Names | None = None) -> list[Pilot]:
    """The Pilots rows as Pilots; ``tier_names`` (the Tiers sheet's) resolve the Served as column."""
    if t is None:
        return []
    cols = parse_table(t, sink)
    if tier_names is not None and "served_as" in cols:
        cols["served_as"] = resolve(t, "served_as", cols["served_as"], {n: n for n in tier_names.typed}, schema.TIERS.name,
                                    tier_names, sink)
    check_unique(t, "name", cols["name"], "pilot", sink)
    out: list[Pilot] = []
    for i, r in enumerate(t.rows):
        row = {k: v[i] for k, v in cols.items()}
        if any(v is INVALID for v in row.values()):
            continue
        accounts = str(row["accounts"])
        change = str(row["change"])
        kind = "scenario" if change.strip().casefold() in {n.casefold() for n in scenario_names} else "touch_model"
        try:
            out.append(make_pilot(
                row["name"], start=row["start"], end=row["end"], outcome=OUTCOME_CODES[row["outcome"]], change=change,
                change_kind=kind, account_rule=accounts if is_rule(accounts) else None,
                account_ids=None if is_rule(accounts) else accounts,
                sided=SIDES_CODES[row.get("sides") or PilotSides.TWO_SIDED], baseline=BASELINE_CODES[row["baseline"]],
                where=t.cell(r, "name"), served_as=row.get("served_as"), extra_cost=row.get("extra_cost"),
            ))
        except UserInputError as exc:
            sink.by_sheet[SHEET.name].extend(exc.problems)
    return out


def finish_pilots(pilots: list[Pilot], accounts: pd.DataFrame | None, sink: Sink) -> tuple[Pilot, ...]:
    """The pilots whose accounts resolve against the accounts table; the problems across pilots reported."""
    if not pilots or accounts is None:
        return tuple(pilots)
    members: dict[str, tuple[str, ...]] = {}
    problems: list[Problem] = []
    known = id_set(accounts["account_id"])
    kept: list[Pilot] = []
    for pilot in pilots:  # ids another export does not hold are a note, not a stop: the plan goes on
        held, note = keep_known_accounts(pilot, known)
        if note is not None:
            sink.notes.append(note)
        if held is not None:
            kept.append(held)
    pilots = kept
    for pilot in pilots:
        try:
            members[pilot.name] = resolve_accounts(pilot, accounts)
        except UserInputError as exc:
            problems.extend(exc.problems)
    problems.extend(check_pilots(pilots, members, known))
    sink.by_sheet[SHEET.name].extend(problems)
    return tuple(pilots)


def pilot_row(pilot: Pilot) -> dict:
    """The Pilots sheet row a pilot was read from (the inverse of :func:`read_pilots`; for rebuilding a workbook)."""
    from planner.pilots.kinds import Sided

    outcome = next(word for word, code in OUTCOME_CODES.items() if code == pilot.outcome.value)
    baseline = next(word for word, code in BASELINE_CODES.items() if code == pilot.baseline.value)
    if pilot.sided is Sided.TWO_SIDED:
        sides = PilotSides.TWO_SIDED
    else:
        better = (pilot.sided is Sided.GREATER) == pilot.spec.higher_is_better
        sides = PilotSides.BETTER if better else PilotSides.WORSE
    accounts = pilot.accounts.text if hasattr(pilot.accounts, "text") else ", ".join(pilot.accounts)
    return {"name": pilot.name, "accounts": accounts, "change": pilot.change.description,
            "served_as": pilot.change.served_as, "extra_cost": pilot.change.extra_cost, "start": pilot.start,
            "end": pilot.end, "outcome": outcome.value, "sides": sides.value, "baseline": baseline.value}
