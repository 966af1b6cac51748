"""The Scenarios sheet: named what-ifs, one row per changed cell, read as typed changes.

Each row names a sheet, the row on it (by the columns that name rows there: Service and Tier on Intervals, Role on
Roles, Tier, Severity and Channel on SLAs, ...), the column it changes (as its header reads, or the Finance setting's
label) and the new value. The new value is read with the changed column's own declaration and the same cell parser as
that sheet (planner.workbook.cells.parse_cells), so a scenario's "lots" in a Negotiated per year cell gets the message
the Intervals sheet would give, on the Scenarios cell. Problems found here: a sheet a scenario cannot change, a row
named incompletely or not on its sheet, a column that is a formula, names the row or is not read, a value of the wrong
kind or out of range, a scenario changing the same cell twice, a scenario called like the baseline. The rules a
changed row must still keep next to its other values are checked once the inputs are read
(planner.scenarios.apply.scenario_problems).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from planner import schema
from planner.inputs import SLA, Change, Interval, Role, Scenario, Service, Tier
from planner.scenarios.apply import FIELDS
from planner.workbook.cells import ENTITY, INVALID, Names, Sink, Table, blank, parse_cells
from planner.workbook.text import normalise_header

SHEET = schema.SCENARIOS

#: What to change instead of a formula column, by (sheet, column key).
FORMULA_INPUTS = {
    ("Roles", "hourly_rate"): "Loaded annual cost or Productive hours per year",
    ("Intervals", "hourly_rate"): "Delivered by, or the role's Loaded annual cost or Productive hours per year on Roles",
    ("Intervals", "cost_per_occurrence"): "Hours per occurrence, the role's cost on Roles or the service's Direct cost per occurrence on Services",
    ("Intervals", "annual_cost"): "Negotiated per year, Hours per occurrence or the costs it is computed from",
    ("Intervals", "asv"): "Negotiated per year, the costs it is computed from or Profit margin on Finance",
}
#: Input columns the plan does not read, or reads through another sheet: why a scenario cannot change them.
NOT_CHANGEABLE = {
    ("Scoring", "note"): ("is a note: the plan does not read it", "change Weight or Direction"),
    ("Services", "role"): ("is the default for the Intervals rows whose Delivered by is blank",
                           "change Delivered by on Intervals, for each tier that should change"),
}
#: Sheets a user may think of that a scenario does not change, and why.
OTHER_SHEETS = {
    "accounts": ("the Accounts sheet is the CRM export, not an assumption", "scenarios change Finance, Tiers, Roles, Services, Intervals, SLAs or Scoring"),
    "summary": ("the Summary sheet holds formulas only", "change the inputs it is computed from"),
    "guide": ("the Guide sheet holds no inputs", "scenarios change Finance, Tiers, Roles, Services, Intervals, SLAs or Scoring"),
    "scenarios": ("a scenario cannot change the Scenarios sheet", "scenarios change Finance, Tiers, Roles, Services, Intervals, SLAs or Scoring"),
}


@dataclass
class ScenarioContext:
    """The baseline as read so far: the rows a scenario may name, and which sheets were read without a problem."""

    tiers: list[Tier] = field(default_factory=list)
    tier_names: Names = field(default_factory=Names)
    roles: dict[str, Role] = field(default_factory=dict)
    role_names: Names = field(default_factory=Names)
    services: dict[str, Service] = field(default_factory=dict)
    service_names: Names = field(default_factory=Names)
    intervals: list[Interval] = field(default_factory=list)
    slas: list[SLA] = field(default_factory=list)
    scoring: list[tuple[str, str]] = field(default_factory=list)  # (pillar, account column as typed)
    clean: frozenset[str] = frozenset()  # sheets read without a problem: rows are looked up only there


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _row_text(sheet: str, key: tuple[str, ...]) -> str:
    return sheet if not key else f"{sheet} {' / '.join(key)}"


def _columns_of(sheet_name: str) -> list[schema.Column | schema.Setting]:
    if sheet_name == schema.FINANCE.name:
        return list(schema.FINANCE.settings)
    return list(schema.sheet_by_name(sheet_name).columns)


def _find_column(sheet_name: str, text: str) -> schema.Column | schema.Setting | None:
    wanted = normalise_header(text)
    for c in _columns_of(sheet_name):
        names = [c.key] + ([c.header] if isinstance(c, schema.Column) else [c.label, c.name])
        if wanted in {normalise_header(n) for n in names}:
            return c
    return None


def _changeable(sheet_name: str) -> list[str]:
    if sheet_name == schema.FINANCE.name:
        return [s.label for s in schema.FINANCE.settings]
    sheet = schema.sheet_by_name(sheet_name)
    return [sheet.column(k).header for k in FIELDS[sheet_name]]


def read_scenarios(t: Table | None, base: ScenarioContext, sink: Sink) -> tuple[Scenario, ...]:
    """The scenarios of the sheet, in the order their names first appear; every problem goes into ``sink``."""
    if t is None or not t.rows:
        return ()
    n = len(t.rows)

    def cells(key: str) -> list[str]:
        return [t.cell(r, key) for r in t.rows]

    def parsed(key: str) -> list[object]:
        if key not in t.cols:
            return [None] * n
        return parse_cells(SHEET.name, t.values(key), SHEET.column(key), cells(key), sink)

    names = parsed("scenario")
    raw_sheets = t.values("sheet")
    sheets: list[object] = []
    for i, raw in enumerate(raw_sheets):
        other = OTHER_SHEETS.get(normalise_header(raw)) if isinstance(raw, str) else None
        if other is not None:
            sink.add(SHEET.name, t.cell(t.rows[i], "sheet"), *other)
            sheets.append(INVALID)
        else:
            sheets.append(parse_cells(SHEET.name, [raw], SHEET.column("sheet"), [t.cell(t.rows[i], "sheet")], sink)[0])
    keys = {k: parsed(k) for k in schema.SCENARIO_KEY_COLUMNS}
    columns = parsed("column")
    notes = parsed("note")
    raw_values = t.values("value")

    groups: dict[str, tuple[str, list[Change]]] = {}
    first_note: dict[str, str] = {}
    seen: dict[tuple[str, str, tuple[str, ...], str], int] = {}
    for i, r in enumerate(t.rows):
        name, sheet_name, column_text = names[i], sheets[i], columns[i]
        if isinstance(name, str) and name.strip().casefold() == schema.BASELINE.casefold():
            sink.add(SHEET.name, t.cell(r, "scenario"), f'"{name}" is the name of the workbook as it stands',
                     "give the scenario another name; the baseline needs no rows")
            name = INVALID
        if not isinstance(sheet_name, str):
            continue
        row = _row_key(t, r, i, sheet_name, keys, base, sink)
        spec = _column(t, r, sheet_name, column_text, sink)
        if row is None or spec is None:
            continue
        value = _value(t, r, sheet_name, spec, raw_values[i], base, sink)
        if value is INVALID or not isinstance(name, str):
            continue
        dup = (name.casefold(), sheet_name, tuple(x.casefold() for x in row), spec.key)
        label = spec.header if isinstance(spec, schema.Column) else spec.label
        if dup in seen:
            sink.add(SHEET.name, t.cell(r, "column"), f'scenario "{name}" changes {_row_text(sheet_name, row)} {label} again',
                     f"first on row {seen[dup] + 1}; one change per cell in a scenario")
            continue
        seen[dup] = r
        raw_note = notes[i]
        note = raw_note if isinstance(raw_note, str) else ""
        group = groups.setdefault(name.casefold(), (name, []))
        group[1].append(Change(sheet_name, row, spec.key, label, value, t.cell(r, "value"), note))
        if note and name.casefold() not in first_note:
            first_note[name.casefold()] = note
    return tuple(Scenario(name, tuple(changes), first_note.get(key, "")) for key, (name, changes) in groups.items())


def _row_key(t: Table, r: int, i: int, sheet_name: str, keys: dict[str, list[object]], base: ScenarioContext,
             sink: Sink) -> tuple[str, ...] | None:
    """The row's key on its sheet (names as that sheet spells them), or None when it is not usable (reported)."""
    wanted = schema.SCENARIO_ROW_KEYS[sheet_name]
    used = [k for k, _ in wanted]
    labels = [SHEET.column(k).header for k in used]
    ok = True
    for k in schema.SCENARIO_KEY_COLUMNS:
        v = keys[k][i]
        if k in used or v is None:
            continue
        if v is INVALID:
            ok = False
            continue
        label = SHEET.column(k).header
        named = f"{sheet_name} rows are named by {_and(labels)}" if used else f"{sheet_name} settings are named in Changes alone"
        sink.add(SHEET.name, t.cell(r, k), f"{label} does not name a row on {sheet_name}", f"{named}; leave {label} blank")
        ok = False
    values: list[str] = []
    for k, _ in wanted:
        v = keys[k][i]
        if v is INVALID:
            ok = False
            continue
        if v is None:
            sink.add(SHEET.name, t.cell(r, k), f"{SHEET.column(k).header} is blank", f"a {sheet_name} row is named by {_and(labels)}")
            ok = False
            continue
        text = _canonical(k, str(v), base)
        if text is None:
            target = SHEET.column(k).ref or ""
            known = {"Tiers": base.tier_names, "Roles": base.role_names, "Services": base.service_names}[target]
            listing = ", ".join(known.typed) if known.typed else f"the {target} sheet has none yet"
            sink.add(SHEET.name, t.cell(r, k), f'{ENTITY[target]} "{v}" is not on the {target} sheet', f"one of {listing}")
            ok = False
            continue
        values.append(text)
    if not ok:
        return None
    key = tuple(values)
    if sheet_name != schema.FINANCE.name and _rows_complete(sheet_name, base) and not _row_exists(sheet_name, key, base):
        where = t.cell(r, wanted[0][0])
        sink.add(SHEET.name, where, f"{sheet_name} has no row {' / '.join(key)}", _rows_hint(sheet_name, base))
        return None
    if sheet_name == "Scoring":
        # the rule's key keeps the account column as the Scoring sheet spells it
        hit = next((h for p, h in base.scoring if p == key[0] and normalise_header(h) == normalise_header(key[1])), key[1])
        key = (key[0], hit)
    return key


def _canonical(k: str, text: str, base: ScenarioContext) -> str | None:
    """A tier, service or role name as its sheet spells it (None when it is not there); other key columns as typed."""
    target = SHEET.column(k).ref
    if target is None:
        return text
    names = {"Tiers": base.tier_names, "Roles": base.role_names, "Services": base.service_names}[target]
    if not names.parsed:
        return text  # that sheet is missing or unreadable: reported there
    lookup = {n.casefold(): n for n in names.typed}
    return lookup.get(text.casefold())


#: The sheets whose rows a sheet's rows need: a problem on one of them leaves rows out of the sheet (an Intervals row
#: whose role is unreadable is not kept), so a row is looked up only when all of them were read without a problem.
ROWS_NEED = {
    "Tiers": ("Tiers",),
    "Roles": ("Roles",),
    "Services": ("Services", "Roles"),
    "Intervals": ("Intervals", "Tiers", "Roles", "Services"),
    "SLAs": ("SLAs", "Tiers", "Roles"),
    "Scoring": ("Scoring", "Accounts"),
}


def _rows_complete(sheet_name: str, base: ScenarioContext) -> bool:
    return all(n in base.clean for n in ROWS_NEED.get(sheet_name, (sheet_name,)))


def _row_exists(sheet_name: str, key: tuple[str, ...], base: ScenarioContext) -> bool:
    folded = tuple(x.casefold() for x in key)
    rows: list[tuple[str, ...]]
    if sheet_name == "Tiers":
        rows = [(x.name,) for x in base.tiers]
    elif sheet_name == "Roles":
        rows = [(x,) for x in base.roles]
    elif sheet_name == "Services":
        rows = [(x,) for x in base.services]
    elif sheet_name == "Intervals":
        rows = [(x.service, x.tier) for x in base.intervals]
    elif sheet_name == "SLAs":
        rows = [(x.tier, str(x.severity), str(x.channel)) for x in base.slas]
    else:
        return any(p.casefold() == folded[0] and normalise_header(h) == normalise_header(key[1]) for p, h in base.scoring)
    return folded in {tuple(x.casefold() for x in row) for row in rows}


def _rows_hint(sheet_name: str, base: ScenarioContext) -> str:
    if sheet_name == "Intervals":
        return "a service and tier of the Intervals sheet"
    if sheet_name == "SLAs":
        listed = sorted({f"{x.tier} / {x.severity} / {x.channel}" for x in base.slas})
        return "one of " + ", ".join(listed[:12]) + (", ..." if len(listed) > 12 else "")
    if sheet_name == "Scoring":
        return "one of " + ", ".join(f"{p} / {h}" for p, h in base.scoring)
    return f"a row of the {sheet_name} sheet"


def _column(t: Table, r: int, sheet_name: str, text: object, sink: Sink) -> schema.Column | schema.Setting | None:
    """The declared column (or Finance setting) a row changes, or None when a scenario cannot change it (reported)."""
    if not isinstance(text, str):
        return None
    where = t.cell(r, "column")
    spec = _find_column(sheet_name, text)
    listing = ", ".join(_changeable(sheet_name))
    if spec is None:
        what = "a Finance setting" if sheet_name == schema.FINANCE.name else f"a column of {sheet_name}"
        sink.add(SHEET.name, where, f'"{text.strip()}" is not {what}', f"one of {listing}")
        return None
    if isinstance(spec, schema.Setting):
        return spec
    if not spec.is_input:
        sink.add(SHEET.name, where, f'"{spec.header}" is a formula on {sheet_name}, not an input',
                 f"change what it is computed from: {FORMULA_INPUTS.get((sheet_name, spec.key), listing)}")
        return None
    if spec.key in {k for _, k in schema.SCENARIO_ROW_KEYS[sheet_name]}:
        names = _and([SHEET.column(k).header for k, _ in schema.SCENARIO_ROW_KEYS[sheet_name]])
        sink.add(SHEET.name, where, f'"{spec.header}" names the row on {sheet_name}, so a scenario cannot change it',
                 f"{names} pick the row; Changes names one of {listing}")
        return None
    if (sheet_name, spec.key) in NOT_CHANGEABLE or spec.key not in FIELDS[sheet_name]:
        message, expected = NOT_CHANGEABLE.get((sheet_name, spec.key), ("is not read by the plan", f"one of {listing}"))
        sink.add(SHEET.name, where, f'"{spec.header}" on {sheet_name} {message}', expected)
        return None
    return spec


def _value(t: Table, r: int, sheet_name: str, spec: schema.Column | schema.Setting, raw: object, base: ScenarioContext,
           sink: Sink) -> object:
    """The new value read as the changed column declares it (INVALID when reported)."""
    where = t.cell(r, "value")
    value = parse_cells(SHEET.name, [raw], spec, [where], sink)[0]
    if value is INVALID or value is None:
        return value
    if isinstance(spec, schema.Setting) and spec.key == "currency" and isinstance(value, str):
        if not re.fullmatch(r"[A-Za-z]{3}", value):
            sink.add(SHEET.name, where, f'"{value}" is not a currency code', "Currency expects a three-letter ISO code such as USD, EUR or GBP")
            return INVALID
        return value.upper()
    if spec.ref is not None and isinstance(value, str):
        names = {"Tiers": base.tier_names, "Roles": base.role_names, "Services": base.service_names}[spec.ref]
        if names.parsed:
            lookup = {n.casefold(): n for n in names.typed}
            hit = lookup.get(value.casefold())
            if hit is None:
                listing = ", ".join(names.typed) if names.typed else f"the {spec.ref} sheet has none yet"
                sink.add(SHEET.name, where, f'{ENTITY[spec.ref]} "{value}" is not on the {spec.ref} sheet', f"one of {listing}")
                return INVALID
            return hit
    if blank(value):
        return None
    return value
