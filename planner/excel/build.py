"""Build the macro-enabled planning workbook: tier_planner.xlsm plus the Python file beside it.

``build_macro_workbook(path, source=None, interpreter=None)`` writes

* ``path`` (e.g. ``tier_planner.xlsm``): the planning workbook as the
  template writer lays it out (demo content, or the inputs of ``source``),
  plus the VBA project of planner.excel.vba and, on the Guide sheet, two form
  buttons, "Run optimization" (macro ``RunOptimization``) and "Build report"
  (macro ``BuildReport``), an unlocked status cell the adapter fills in, and a
  hidden ``xlwings.conf`` sheet naming the interpreter and PYTHONPATH
  (planner.excel.conf);
* ``tierplan_buttons.py`` beside it: the small module RunPython imports
  (planner/excel/workbook_module.py), which hands ``xw.Book.caller()`` to
  planner.excel.adapter. Its name is fixed, whatever the workbook is called,
  so a copy downloaded as "tier_planner (1).xlsm" still finds it; several
  workbooks in one folder share it.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from planner import schema
from planner.errors import Problem, UserInputError
from planner.excel import conf
from planner.excel.adapter import STATUS_CELL, STATUS_LABEL_CELL, STATUS_SHEET
from planner.excel.vba import COMPARE_MACRO, REPORT_MACRO, RUN_MACRO, tier_planner_vba_project
from planner.schema import Direction

RUN_BUTTON = {"cell": "E4", "macro": RUN_MACRO, "caption": "Run optimization"}
REPORT_BUTTON = {"cell": "E6", "macro": REPORT_MACRO, "caption": "Build report"}
#: Beside "Run optimization": the scenarios of the Scenarios sheet planned side by side (the Scenario comparison sheet).
COMPARE_BUTTON = {"cell": "G4", "macro": COMPARE_MACRO, "caption": "Compare scenarios"}
BUTTON_SIZE = {"width": 220, "height": 32}
HEADING_CELL = "E3"
MODULE_TEMPLATE = Path(__file__).with_name("workbook_module.py")
#: Name of the xlwings settings sheet (xlwings reads INTERPRETER_WIN / INTERPRETER_MAC and PYTHONPATH from it).
XLWINGS_CONF_SHEET = conf.SHEET
#: First line of the Python file beside the workbook: how a file of ours is told from one of the user's.
MODULE_MARKER = "# Written by TierPlan (tierplan excel)."


def build_macro_workbook(path: Path, source: Path | None = None, interpreter: str | None = None) -> list[Path]:
    """Write the .xlsm and tierplan_buttons.py beside it; returns both paths.

    ``interpreter``: the Python the buttons start (written to the xlwings.conf sheet); default: this
    Python when it runs on Windows or macOS (see planner.excel.conf.interpreter_for).
    """
    path = Path(path)
    check_name(path)
    py_path = button_module_path(path)
    text = module_text()
    if py_path.exists() and not _ours(py_path):
        raise UserInputError(Problem(str(py_path), "already exists and was not written by TierPlan; TierPlan does not overwrite your files",
                                     "move it away, or build the workbook in another folder"))
    rows = conf.sheet_rows(conf.interpreter_for(interpreter), path.parent)
    content = _content(source, path)
    vba = tier_planner_vba_project()

    def extras(book) -> None:
        add_buttons(book, vba, rows)

    from planner.workbook.template import write_workbook

    write_workbook(path, content, extras=extras)
    if not py_path.exists() or py_path.read_text(encoding="utf-8") != text:
        py_path.write_text(text, encoding="utf-8")
    return [path, py_path]


def button_module_path(book: Path) -> Path:
    return Path(book).with_name(conf.BUTTON_MODULE + ".py")


def _ours(py_path: Path) -> bool:
    try:
        with open(py_path, encoding="utf-8", errors="replace") as fh:
            return fh.readline().rstrip("\n") == MODULE_MARKER
    except OSError:
        return False


def check_name(path: Path) -> None:
    if path.suffix.lower() != ".xlsm":
        raise UserInputError(Problem(str(path), f"a macro-enabled workbook must end in .xlsm, not {path.suffix or '(no extension)'}", "e.g. tier_planner.xlsm"))


def module_text() -> str:
    return MODULE_MARKER + "\n" + MODULE_TEMPLATE.read_text(encoding="utf-8")


def add_buttons(book, vba: bytes, conf_rows: list[tuple[str, str]] | None = None) -> None:
    """The extras hook of write_workbook: VBA project, buttons, status cell, the hidden xlwings.conf sheet."""
    book.add_vba_project(io.BytesIO(vba), is_stream=True)
    book.set_vba_name("ThisWorkbook")
    guide = book.get_worksheet_by_name(STATUS_SHEET)
    if guide is None:
        raise ValueError(f"the workbook has no {STATUS_SHEET} sheet for the buttons")
    heading = book.add_format({"bold": True, "font_size": 12, "font_color": schema.COLOURS["header"][0]})
    label = book.add_format({"bold": True, "align": "right"})
    status = book.add_format({"locked": False, "italic": True, "font_color": "#404040"})
    guide.write_string(HEADING_CELL, "Run TierPlan from Excel", heading)
    for button in (RUN_BUTTON, REPORT_BUTTON, COMPARE_BUTTON):
        guide.insert_button(button["cell"], {"macro": button["macro"], "caption": button["caption"], **BUTTON_SIZE})
    guide.write_string(STATUS_LABEL_CELL, "Status", label)
    guide.write_string(STATUS_CELL, "Not run yet.", status)
    if conf_rows:
        sheet = book.add_worksheet(XLWINGS_CONF_SHEET)
        for i, row in enumerate(conf_rows):
            sheet.write_row(i, 0, row)
        sheet.set_column(0, 0, 18)
        sheet.set_column(1, 1, 80)
        sheet.hide()


# ------------------------------------------------------------------ content


def _content(source: Path | None, target: Path):
    """The demo (its ticket export written beside the target), or the inputs of ``source``."""
    if source is None:
        from planner.workbook.demo import demo_content, demo_tickets_path, write_demo_tickets_beside

        write_demo_tickets_beside(target)
        return demo_content(ticket_export=demo_tickets_path(target).name)
    from planner.workbook.reader import read_inputs

    source = Path(source)
    content = content_from_inputs(read_inputs(source))
    named = content.operations.get("ticket_export")
    if named and not Path(named).is_absolute() and source.parent.resolve() != target.parent.resolve():
        beside_source = source.parent / named
        if beside_source.is_file():  # the new workbook sits elsewhere: name the same file by its full path
            content.operations["ticket_export"] = str(beside_source.resolve())
    return content


def content_from_inputs(inputs):
    """A WorkbookContent holding the same inputs (so a workbook can be rebuilt as the macro variant)."""
    from planner.workbook.defaults import WorkbookContent
    from planner.workbook.sheets.pilots import pilot_row
    from planner.workbook.sheets.settings import days_text

    yes_no = lambda b: "Yes" if b else "No"
    tiers = [
        {"name": t.name, "engagement": t.engagement, "band_basis": t.band_basis, "band_min": t.band_min,
         "band_max": t.band_max, "max_cost_share": t.max_cost_share, "description": t.description, "play": t.play,
         "arr_at_least": t.arr_at_least, "arr_share_at_least": t.arr_share_at_least}
        for t in inputs.tiers
    ]
    roles = [
        {"name": r.name, "staffing": r.staffing, "loaded_cost": r.loaded_cost, "productive_hours": r.productive_hours,
         "max_accounts": r.max_accounts}
        for r in inputs.roles
    ]
    services = [
        {"name": s.name, "definition": s.definition, "role": s.role, "direct_cost": s.direct_cost, "mandatory": yes_no(s.mandatory),
         "impact": s.impact, "decay": s.decay, "keep_order": yes_no(s.keep_order)}
        for s in inputs.services
    ]
    intervals = [
        {"service": i.service, "tier": i.tier, "role": i.role, "hours": i.hours, "minimum": i.minimum,
         "negotiated": i.negotiated, "maximum": i.maximum}
        for i in inputs.intervals
    ]
    slas = []
    for s in inputs.slas:
        target, unit = _target(s.target_seconds)
        slas.append({"tier": s.tier, "severity": s.severity, "channel": s.channel, "target": target, "target_unit": unit,
                     "tickets": s.tickets_per_account_month, "handle_minutes": s.handle_minutes,
                     "service_level": s.service_level, "role": s.role, "clock": s.clock})
    scoring = [
        {"pillar": r.pillar, "column": r.header or r.column, "weight": r.weight,
         "direction": Direction.HIGHER if r.direction > 0 else Direction.LOWER}
        for r in inputs.scoring
    ]
    f = inputs.finance
    finance = {s.key: getattr(f, s.key) for s in schema.FINANCE.settings}
    ops = inputs.operations
    operations = {s.key: getattr(ops, s.key) for s in schema.OPERATIONS.settings}
    operations["business_days"] = days_text(ops.business_days)
    operations["seats_shrinking"] = yes_no(ops.seats_shrinking)
    operations["ticket_export"] = ops.ticket_export or None
    return WorkbookContent(
        tiers=tiers, roles=roles, services=services, intervals=intervals, slas=slas, scoring=scoring,
        finance=finance, accounts=_accounts(inputs.accounts), operations=operations,
        pilots=[pilot_row(p) for p in inputs.pilots], title="TierPlan planning workbook",
        scenarios=_scenario_rows(inputs),
    )


def _scenario_rows(inputs) -> list[dict]:
    """The Scenarios sheet's rows from the typed scenarios (each change names its row by the sheet's key columns)."""
    rows = []
    for scenario in inputs.scenarios:
        for c in scenario.changes:
            spec = schema.FINANCE.setting(c.key) if c.sheet == schema.FINANCE.name else schema.sheet_by_name(c.sheet).column(c.key)
            value = c.value
            if isinstance(value, bool):
                value = "Yes" if value else "No"
            row = {"scenario": scenario.name, "sheet": c.sheet, "column": spec.header if isinstance(spec, schema.Column) else spec.label,
                   "value": value, "note": c.note or None}
            row.update({k: v for (k, _), v in zip(schema.SCENARIO_ROW_KEYS[c.sheet], c.row)})
            rows.append(row)
    return rows


def _target(seconds: float) -> tuple[float, str]:
    for unit, size in (("hours", 3600.0), ("minutes", 60.0)):
        if seconds >= size and math.isclose(seconds / size, round(seconds / size), abs_tol=1e-9):
            return seconds / size, unit
    return seconds, "seconds"


def _accounts(frame):
    fixed = [c.key for c in schema.ACCOUNTS.columns]
    head, tail = fixed[:7], fixed[7:]
    signals = [c for c in frame.columns if c not in fixed]
    out = frame.reindex(columns=head + signals + tail).copy()
    for flag in ("strategic", "churn_risk"):
        out[flag] = out[flag].map(lambda v: None if v is None or v != v else ("Yes" if bool(v) else "No")).astype(object)
    return out
