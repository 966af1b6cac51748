"""Read and validate the planning workbook into :class:`~planner.inputs.PlanInputs`.

Two entry points, one validator:

- :func:`read_inputs` reads a workbook file (planner.workbook.sniff) and, optionally, a
  CSV/Parquet accounts file in place of the Accounts sheet (planner.workbook.export);
- :func:`inputs_from_grids` validates sheets already in memory as grids (lists of rows of cell
  values). The Excel button reads the open workbook through xlwings and calls this, so the
  button and the CLI report the same problems.

The sheets are read in the order their references need (Finance, Tiers, Roles, Services,
Intervals, SLAs, Scoring, Accounts), each by its own module under planner.workbook.sheets, with
the cells parsed as planner.schema declares them (planner.workbook.cells). Every problem is
collected (not just the first) and raised together as a :class:`~planner.errors.UserInputError`;
each names its sheet and cell, ``Roles!C7: "abc" is not a number (Loaded annual cost expects an
amount per person per year)``. Problems are listed sheet by sheet in workbook order, top to
bottom and left to right within a sheet (sheet-wide problems last); Accounts problems are
grouped by kind, each kind capped (see accounts.py). Non-fatal findings (data gaps in the
accounts) go to ``PlanInputs.notes``; valid input that will not do what is meant (keep tier order the
negotiated intervals break, values typed outside a table, a tier without SLAs, a coverage ratio that adds
a person for a handful of accounts) to ``PlanInputs.warnings`` (planner.validation).

Tables are found by their headers, not by position: the header row is looked for in the first
``schema.HEADER_SEARCH_ROWS`` rows, headers match ignoring case, spaces and punctuation, columns
may be in any order, and extra columns are allowed. Formula columns (hourly rate, cost per
occurrence...) are never read: Python recomputes them. Where each value sits is kept in
``PlanInputs.refs``, so findings about the plan can name the cells they concern.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from planner import schema
from planner.errors import Problem, UserInputError
from planner.inputs import CellRefs, PlanInputs
from planner.scenarios.apply import scenario_problems
from planner.validation import with_warnings
from planner.workbook.cells import Sink, Table, find_header, find_table, rectangular
from planner.workbook.export import read_accounts_file
from planner.workbook.outcomes import find_outcomes
from planner.workbook.sheets.accounts_sheet import accounts_name, read_accounts
from planner.workbook.sheets.intervals import read_intervals
from planner.workbook.sheets.pilots import finish_pilots, read_pilots
from planner.workbook.sheets.roles import read_roles
from planner.workbook.sheets.scenarios import ScenarioContext, read_scenarios
from planner.workbook.sheets.scoring import finish_scoring, read_scoring_rows
from planner.workbook.sheets.services import read_services
from planner.workbook.sheets.settings import finish_finance, finish_operations, read_settings, settings_refs
from planner.workbook.sheets.slas import read_slas
from planner.workbook.sheets.tiers import read_tiers
from planner.workbook.sniff import load_grids
from planner.workbook.table_extents import TableExtent, read_table_extents

INPUT_SHEET_ORDER = schema.READ_SHEETS

__all__ = ["INPUT_SHEET_ORDER", "attach_tickets", "inputs_from_grids", "load_grids", "read_inputs"]


def read_inputs(book: Path | str, accounts: Path | str | None = None, tickets: Path | str | None = None) -> PlanInputs:
    """Read and validate a workbook (and optionally a CSV/Parquet accounts file and a helpdesk ticket export).

    The tickets are read after the workbook: their naive times are in the Operations sheet's time zone.
    Raises UserInputError carrying every problem found.
    """
    book = Path(book)
    problems: list[Problem] = []
    grids = None
    raw_accounts = None
    try:
        grids = load_grids(book, skip_accounts=accounts is not None)
    except UserInputError as exc:
        problems.extend(exc.problems)
    if accounts is not None:
        try:
            raw_accounts = read_accounts_file(accounts)
        except UserInputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise UserInputError(problems)
    assert grids is not None  # load_grids raised otherwise, and its problems were raised above
    inputs = inputs_from_grids(grids, source=str(book), accounts=raw_accounts, extents=read_table_extents(book))
    return attach_tickets(inputs, book, tickets)


def attach_tickets(inputs: PlanInputs, book: Path, tickets: Path | str | None = None) -> PlanInputs:
    """The inputs with their ticket export read: ``tickets`` if given, else the one the Operations sheet names
    (looked for beside ``book``); a named export that is not there is a note, and the plan goes on without it."""
    if tickets is None and inputs.operations.ticket_export:
        tickets, note = named_ticket_export(inputs, Path(book))
        if note is not None:
            from dataclasses import replace

            return replace(inputs, notes=(*inputs.notes, note))
    return with_tickets(inputs, tickets) if tickets is not None else inputs


def named_ticket_export(inputs: PlanInputs, book: Path) -> tuple[Path | None, Problem | None]:
    """The file the Operations sheet's Ticket export names (a name is looked for in the workbook's folder).

    (path, None) when it is there; (None, a note naming the cell) when it is not: the plan goes on without tickets.
    """
    named = Path(inputs.operations.ticket_export.strip())
    path = named if named.is_absolute() else book.parent / named
    if path.is_file():
        return path, None
    where = inputs.refs.get(schema.OPERATIONS.name, (), "ticket_export") or f"{schema.OPERATIONS.name}!Ticket export"
    return None, Problem(where, f"the ticket export {named} is not in {path.parent}; the operating figures are made "
                                "without tickets", "the file beside the workbook, a full path, or --tickets FILE")


def with_tickets(inputs: PlanInputs, path: Path | str) -> PlanInputs:
    """The inputs with a helpdesk ticket export read (CSV or Parquet; naive times in the Operations time zone)."""
    from dataclasses import replace

    from planner.workbook.tickets import read_tickets

    export = read_tickets(path, timezone=inputs.operations.time_zone)
    return replace(inputs, tickets=export.frame, notes=tuple(inputs.notes) + tuple(export.notes))


def inputs_from_grids(grids: Mapping[str, list[list]], source: str, accounts: pd.DataFrame | None = None,
                      extents: Sequence[TableExtent] = ()) -> PlanInputs:
    """Validate sheets given as grids and build PlanInputs.

    ``grids``: sheet name -> rows of cell values (row 1 first; float/int/str/bool/datetime/None;
    error values as text such as "#DIV/0!" or as error objects). Sheet names match ignoring case.
    ``accounts``: a raw accounts table from :func:`planner.workbook.export.read_accounts_file` to
    use instead of the Accounts sheet (its ``attrs["source"]`` names the file in messages).
    ``extents``: the Excel tables' ranges (planner.workbook.table_extents), for the warnings about values
    typed outside them. Raises UserInputError with every problem found; warnings go to ``PlanInputs.warnings``.
    """
    sink = Sink()
    sink.notes.extend(getattr(grids, "notes", ()))  # what the reading left out (planner.workbook.bounded.grids.Grids)
    wanted = [n for n in schema.READ_SHEETS if not (n == schema.ACCOUNTS.name and accounts is not None)]
    needed = [n for n in wanted if n not in schema.OPTIONAL_SHEETS]
    names: dict[str, str] = {}  # canonical sheet name -> its name in the workbook
    found: dict[str, list[list]] = {}
    for n in wanted:
        for name, grid in grids.items():
            if str(name).strip().lower() == n.lower():
                names[n], found[n] = str(name), rectangular(grid)
                break
        else:
            if n in needed:
                sink.add(n, n, "sheet is missing", "the workbook needs sheets " + ", ".join(needed))

    def table(sheet: schema.Sheet):
        return find_table(found.get(sheet.name), names.get(sheet.name, sheet.name), sheet, sink)

    def settings(sheet: schema.SettingsSheet):
        return read_settings(found.get(sheet.name), names.get(sheet.name, sheet.name), sheet, sink)

    finance_read = settings(schema.FINANCE)
    operations_read = settings(schema.OPERATIONS)
    tiers = read_tiers(table(schema.TIERS), sink)
    roles = read_roles(table(schema.ROLES), sink)
    services = read_services(table(schema.SERVICES), roles.roles, roles.names, sink)
    intervals = read_intervals(table(schema.INTERVALS), tiers.tiers, tiers.names, roles.roles, roles.names,
                               services.services, services.names, sink)
    slas = read_slas(table(schema.SLAS), tiers.tiers, tiers.names, roles.roles, roles.names, sink)
    scoring_table = table(schema.SCORING)
    scoring_rows = read_scoring_rows(scoring_table, sink)
    finance = finish_finance(finance_read, tiers.names, sink)
    frame = read_accounts(found.get(schema.ACCOUNTS.name), names.get(schema.ACCOUNTS.name, schema.ACCOUNTS.name), accounts,
                          tiers.tiers, [r["column"] for r in scoring_rows if isinstance(r["column"], str)], sink,
                          tier_names=tiers.names)
    scoring = finish_scoring(scoring_table, scoring_rows, frame, accounts_name(accounts), sink)
    scenarios = read_scenarios(_scenarios_table(found.get(schema.SCENARIOS.name), names.get(schema.SCENARIOS.name, ""), sink),
                               ScenarioContext(
                                   tiers=tiers.tiers, tier_names=tiers.names, roles=roles.roles, role_names=roles.names,
                                   services=services.services, service_names=services.names, intervals=intervals.intervals,
                                   slas=slas.slas, scoring=[(str(r.pillar), r.header) for r in scoring],
                                   clean=frozenset(n for n, p in sink.by_sheet.items() if not p)),
                               sink)
    operations = finish_operations(operations_read, sink)
    # a pilot's Change may name a scenario of the Scenarios sheet (then it is judged as that scenario's change)
    pilots = finish_pilots(read_pilots(table(schema.PILOTS), tuple(s.name for s in scenarios), sink, tiers.names), frame, sink)
    outcomes = None
    if frame is not None:
        outcomes = find_outcomes(frame)
        sink.notes.extend(outcomes.problems)

    problems = sink.in_order()
    if problems:
        raise UserInputError(problems)
    assert finance is not None and frame is not None  # each is None only with a problem in the sink
    refs = {**settings_refs(finance_read), **settings_refs(operations_read), **tiers.refs, **roles.refs, **services.refs,
            **intervals.refs, **slas.refs, **_scoring_refs(scoring_table, scoring_rows)}
    inputs = PlanInputs(
        tiers=tuple(tiers.tiers),
        roles=tuple(roles.roles.values()),
        services=tuple(services.services.values()),
        intervals=tuple(intervals.intervals),
        slas=tuple(slas.slas),
        scoring=tuple(scoring),
        finance=finance,
        accounts=frame,
        source=source,
        notes=tuple(sink.notes),
        refs=CellRefs(refs),
        operations=operations,
        outcomes=outcomes,
        pilots=pilots,
        scenarios=scenarios,
    )
    checked = with_warnings(inputs, extents, found)
    # a scenario whose changes break a rule against the sheets as they stand stops only that scenario (planned with
    # --scenario or compared, planner.options); the workbook itself plans, with a warning naming the Scenarios cell
    broken = sorted((p for s in scenarios for p in scenario_problems(inputs, s)), key=lambda p: _cell_order(p.where))
    if not broken:
        return checked
    from dataclasses import replace

    from planner.errors import InputWarning

    warned = [InputWarning(p.where, p.message, f"{p.expected}; the scenario cannot be planned until then", kind="scenario",
                           cells=(p.where,)) for p in broken]
    return replace(checked, warnings=(*checked.warnings, *warned))


def _scenarios_table(grid: list[list] | None, name: str, sink: Sink) -> Table | None:
    """The Scenarios table; a sheet of that name with no such table (the user's own notes) is left alone, with a note."""
    if grid is None:
        return None
    scratch = Sink()
    table = find_table(grid, name, schema.SCENARIOS, scratch)
    header, _ = find_header(name, grid, schema.SCENARIOS, Sink())
    if table is None and header is None:
        sink.notes.append(Problem(name, "has no scenario table (no Scenario, Sheet, Changes and New value headers); it was not read",
                                  "rename the sheet if it is yours, or add the headers to define scenarios"))
        return None
    sink.by_sheet[schema.SCENARIOS.name].extend(scratch.by_sheet[schema.SCENARIOS.name])
    return table


def _scoring_refs(t: Table | None, rows: list[dict]) -> dict[tuple[str, tuple[str, ...], str], str]:
    """Where each scoring rule sits, keyed by (pillar, account column as typed)."""
    if t is None:
        return {}
    out: dict[tuple[str, tuple[str, ...], str], str] = {}
    for row in rows:
        if isinstance(row.get("pillar"), str) and isinstance(row.get("column"), str):
            out.update(t.refs(row["_row"], (str(row["pillar"]), row["column"])))
    return out


def _cell_order(where: str) -> tuple[int, int]:
    m = re.match(r"^.*!([A-Z]+)(\d+)$", where)
    if not m:
        return (0, 0)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return (int(m.group(2)), col)
