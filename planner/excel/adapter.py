"""The Excel buttons' side of TierPlan: an open workbook (an xlwings Book) in, the plan out.

``run_optimization(book)`` and ``build_report(book)`` are what the buttons of
the macro-enabled workbook end up calling (see planner.excel.build and
docs/excel.md). Both:

1. read the open workbook's input sheets as grids through the xlwings API
   (what is on screen, saved or not) and validate them with the same reader
   as the command line (planner.workbook.reader.inputs_from_grids);
2. compute the plan with planner.pipeline.build_plan, the CLI's core;
3. write the result sheets into the open workbook through Excel, laid out as
   the results workbook and the headless write-back lay them out (planner.writers.layout.sheet_rows,
   the same "Written by TierPlan" stamp (planner.writers.layout), the same refusal to overwrite a
   sheet of the user's that happens to carry a result-sheet name);
4. write files into a ``reports`` folder beside the workbook through
   planner.pipeline.write_outputs: the CRM upload file and plan.json for
   "Run optimization"; additionally the HTML and PDF report and the results
   workbook for "Build report";
5. put a one-line status in the Guide sheet (cell STATUS_CELL) and show an alert
   with the answer: fit, cost against budget, expected ARR impact, people and
   the largest change against the negotiated package (planner.excel.answer).

While it runs, Excel's status bar shows each step. A mistake in the workbook
(UserInputError) ends in one alert listing every problem with its sheet and
cell; nothing is written. Anything else is an error of ours: a short alert,
the status cell says so, and the traceback goes to tierplan-error.log beside
the workbook (never a bare traceback dialog from xlwings).

Only this subset of the xlwings API is used (tests/fake_xlwings.py implements
exactly it and is checked against xlwings' classes): ``book.sheets`` (iterate,
``[name]``, ``len``, ``add(name, after=...)``), ``book.fullname``,
``book.app.alert(prompt, title=...)``, ``book.app.screen_updating``, ``book.app.status_bar``,
``sheet.name``, ``sheet.used_range``, ``sheet.range(...)``, ``sheet.clear()``,
``sheet.activate()``, ``range.options(ndim=2, err_to_str=True)``,
``range.value``, ``range.row``/``column``, ``range.number_format``,
``range.font.bold``, ``range.column_width``.
"""

from __future__ import annotations

import datetime as _dt
import sys
from collections.abc import Iterable, Mapping
from contextlib import suppress
from pathlib import Path

from planner import schema
from planner.errors import Problem, UserInputError
from planner.options import PlanOptions
from planner.pipeline import ALL_FORMATS, FILE_NAMES, Plan, build_plan, write_outputs
from planner.writers.layout import STAMP_PREFIX, Formula, SheetRows, is_stamp, sheet_rows, stale_rows
from planner.writers.writeback.stamps import STAMP_ROWS

#: Where the status line goes on the Guide sheet (unlocked by planner.excel.build).
STATUS_SHEET = schema.GUIDE_SHEET
STATUS_LABEL_CELL = "E8"
STATUS_CELL = "F8"
#: Folder beside the workbook that receives the files.
REPORT_FOLDER = "reports"
RUN_FORMATS = ("csv", "json")
REPORT_FORMATS = ALL_FORMATS
COMPARE_FORMATS = ("json", "html", "pdf")
#: The previous run's plan.json, kept beside the new one so the next report can say what changed since.
PREVIOUS_PLAN = "plan.previous.json"
MAX_ALERT_PROBLEMS = 20
ALERT_TITLE = "TierPlan"


def run_optimization(book, *, now: _dt.datetime | None = None) -> Plan | None:
    """The "Run optimization" button: result sheets into the workbook, CRM file and plan.json beside it."""
    return _run(book, RUN_FORMATS, "Optimization", now)


def compare_scenarios(book, *, now: _dt.datetime | None = None):
    """The "Compare scenarios" button: every scenario of the Scenarios sheet planned beside the baseline.

    Writes the "Scenario comparison" sheet into the workbook (the plan's result sheets are left as they are) and
    scenarios.json, scenarios.html and scenarios.pdf into ``reports`` beside it; the alert gives each scenario's cost,
    expected ARR impact, people and fit against the baseline. Returns the comparison (None when stopped).
    """
    from planner.scenarios.compare import comparison
    from planner.scenarios.run import plan_variants, scenario_variants
    from planner.writers.scenarios import comparison_sheet, write_comparison

    now = now or _dt.datetime.now()
    label = "Comparison"
    set_status(book, f"{label} running since {now:%H:%M:%S}...")
    step = status_bar_steps(book)
    warnings: list[str] = []
    try:
        folder = report_folder(book)
        step("Reading the workbook")
        inputs = read_book(book)
        if not inputs.scenarios:
            raise UserInputError(Problem(schema.SCENARIOS.name, "lists no scenario to compare",
                                         "add one row per changed cell: Scenario, Sheet, the row (Service, Tier, Role, ...), Changes, New value"))
        step("Segmenting the baseline")
        result = comparison(plan_variants(scenario_variants(inputs, inputs.scenarios), progress=step))
        sheets = {schema.SCENARIO_COMPARISON.name: comparison_sheet(result)}
        check_result_sheet_names(book, sheets)
        step("Writing the comparison sheet")
        written_sheets = write_result_sheets(book, sheets, now, mark_stale=False)
        files = write_comparison(result, folder, COMPARE_FORMATS, warn=warnings.append, progress=step)
    except Exception as exc:  # a mistake in the workbook, or an error of ours (logged beside the book)
        _stopped(book, exc, now)
        return None
    set_status(book, f"Done {now:%Y-%m-%d %H:%M}: {len(result.columns) - 1} scenarios compared on the {written_sheets[0]} sheet; files in {folder}")
    _status_bar(book, False)
    from planner.report.scenarios import scenario_summary

    lines = [scenario_summary(col, result.baseline, result.currency) for col in result.columns]
    lines += ["", f"The side-by-side figures are on the {written_sheets[0]} sheet.", "", f"Files in {folder}:"]
    lines += [f"  {Path(p).name}" for p in files]
    lines += ["", *warnings] if warnings else []
    book.app.alert("\n".join(lines), title=ALERT_TITLE)
    return result


def build_report(book, *, now: _dt.datetime | None = None) -> Plan | None:
    """The "Build report" button: like run_optimization, plus the HTML/PDF report and the results workbook."""
    return _run(book, REPORT_FORMATS, "Report", now)


# ------------------------------------------------------------------ the run


def _run(book, formats: Iterable[str], label: str, now: _dt.datetime | None) -> Plan | None:
    now = now or _dt.datetime.now()
    set_status(book, f"{label} running since {now:%H:%M:%S}...")
    step = status_bar_steps(book)
    warnings: list[str] = []
    try:
        folder = report_folder(book)
        step("Reading the workbook")
        inputs = read_book(book)
        plan = build_plan(inputs, PlanOptions(), progress=step)
        sheets = plan.result_sheets()
        check_result_sheet_names(book, sheets)
        plan = since_last_plan(plan, folder, progress=step)
        step("Writing the result sheets")
        written_sheets = write_result_sheets(book, sheets, now)
        keep_previous_plan(folder)
        files = write_outputs(plan, folder, formats, progress=step, warn=warnings.append)
    except Exception as exc:  # a mistake in the workbook, or an error of ours (logged beside the book)
        _stopped(book, exc, now)
        return None
    summary = f"Done {now:%Y-%m-%d %H:%M}: {len(written_sheets)} result sheets updated; files in {folder}"
    set_status(book, summary)
    _status_bar(book, False)
    from planner.excel.answer import answer_lines, plan_answer

    lines = answer_lines(plan_answer(plan), label) + ["", "Result sheets: " + ", ".join(written_sheets), "", f"Files in {folder}:"]
    lines += [f"  {Path(p).name}" for p in files]
    lines += [f"  (and {len(inputs.notes)} note{'s' if len(inputs.notes) != 1 else ''} about the data: see the Data gaps sheet)"] if inputs.notes else []
    lines += ["", *warnings] if warnings else []
    book.app.alert("\n".join(lines), title=ALERT_TITLE)
    return plan


def _stopped(book, exc: Exception, now: _dt.datetime) -> None:
    """A run that stopped: a user's mistakes listed cell by cell, or an error of ours as a short message with its log."""
    if isinstance(exc, UserInputError):
        n = len(exc.problems)
        set_status(book, f"Stopped {now:%Y-%m-%d %H:%M}: {n} problem{'s' if n != 1 else ''} to fix; nothing was changed.")
        _status_bar(book, False)
        book.app.alert(problems_text(exc.problems), title=f"{ALERT_TITLE}: please fix the workbook")
        return
    log = write_error_log(book, exc, now)
    set_status(book, f"Failed {now:%Y-%m-%d %H:%M}: {type(exc).__name__}. Details in {log.name}; this is a TierPlan bug, please report it.")
    _status_bar(book, False)
    book.app.alert(error_text(exc, log), title=f"{ALERT_TITLE}: something went wrong")


def since_last_plan(plan: Plan, folder: Path, progress=None) -> Plan:
    """The plan with what changed since the plan.json of the previous run beside the book (the report opens with it).

    No previous plan.json, or one this version cannot compare (not a plan.json, written before plans recorded their
    inputs): the plan as it is.
    """
    from dataclasses import replace

    from planner.pipeline import load_plan_json
    from planner.versions.diff import PlanVersion, diff_plans
    from planner.versions.normalise import inputs_from_normalised

    previous = Path(folder) / FILE_NAMES["json"]
    if not previous.is_file():
        return plan
    try:
        document = load_plan_json(previous)
        old = PlanVersion(f"the last plan ({previous.name})", document, inputs_from_normalised(document["inputs"], source=str(previous)))
    except (UserInputError, KeyError, TypeError, ValueError):
        return plan
    new = PlanVersion("this plan", plan.to_dict(), plan.inputs, plan.segmentation, from_workbook=True)
    return replace(plan, since=diff_plans(old, new, progress=progress))


def keep_previous_plan(folder: Path) -> Path | None:
    """Move the previous run's plan.json to plan.previous.json (replacing an older one) before the new one is written."""
    import os

    current = Path(folder) / FILE_NAMES["json"]
    if not current.is_file():
        return None
    target = current.with_name(PREVIOUS_PLAN)
    os.replace(current, target)
    return target


# ------------------------------------------------------------------ progress and errors

ERROR_LOG = "tierplan-error.log"


def _status_bar(book, value) -> None:
    """Excel's status bar: a text, or False to give it back to Excel. Never lets a run fail."""
    with suppress(Exception):  # an Excel that refuses (a modal dialog open): the run goes on without it
        book.app.status_bar = value


def status_bar_steps(book):
    """A progress callback that shows each step in Excel's status bar (Excel freezes while Python runs)."""
    return lambda name: _status_bar(book, f"TierPlan: {name}...")


def write_error_log(book, exc: BaseException, now: _dt.datetime) -> Path:
    """The traceback and the versions involved, in tierplan-error.log beside the book (the temp folder if it has none)."""
    import platform
    import tempfile
    import traceback

    import planner

    full = str(getattr(book, "fullname", "") or "")
    folder = Path(full).parent if full and "://" not in full and Path(full).is_absolute() else Path(tempfile.gettempdir())
    try:
        import xlwings

        xlwings_version = xlwings.__version__
    except Exception:  # pragma: no cover - the buttons cannot run without it
        xlwings_version = "not importable"
    text = "\n".join([
        f"TierPlan {planner.__version__} failed on {now:%Y-%m-%d %H:%M:%S} running the workbook {full}",
        f"Python {platform.python_version()} ({sys.executable}) on {platform.platform()}; xlwings {xlwings_version}",
        "",
        "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    ])
    path = folder / ERROR_LOG
    try:
        path.write_text(text, encoding="utf-8")
    except OSError:
        path = Path(tempfile.gettempdir()) / ERROR_LOG
        path.write_text(text, encoding="utf-8")
    return path


def error_text(exc: BaseException, log: Path) -> str:
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return (
        f"TierPlan could not finish: {type(exc).__name__}{': ' + first if first else ''}.\n\n"
        "Your workbook's inputs are fine as far as TierPlan could tell; this is an error of ours. "
        f"The details are in {log}: please send that file with your report.\n\n"
        "Running `tierplan doctor` with this workbook checks the set-up."
    )


def report_folder(book) -> Path:
    """``reports`` beside the workbook; the workbook must have been saved to a folder."""
    full = str(book.fullname)
    path = Path(full)
    if "://" in full or not path.is_absolute():
        raise UserInputError(Problem(
            full, "the workbook has not been saved to a folder on this computer, so there is nowhere to put the reports",
            "save it (File > Save As) into a local or synced folder, then press the button again",
        ))
    return path.parent / REPORT_FOLDER


def problems_text(problems: list[Problem]) -> str:
    n = len(problems)
    head = f"TierPlan found {n} problem{'s' if n != 1 else ''} in this workbook. Nothing was changed.\n"
    lines = [str(p) for p in problems[:MAX_ALERT_PROBLEMS]]
    if n > MAX_ALERT_PROBLEMS:
        lines.append(f"... and {n - MAX_ALERT_PROBLEMS} more (the command `tierplan validate` lists them all).")
    return head + "\n" + "\n".join(lines)


def set_status(book, text: str) -> None:
    """The status line on the Guide; skipped when the workbook has no Guide or its cell is locked (not a TierPlan .xlsm)."""
    sheet = _find_sheet(book, STATUS_SHEET)
    if sheet is None:
        return
    with suppress(Exception):  # Excel refuses locked cells of a protected sheet; the alert still tells the user
        sheet.range(STATUS_CELL).value = "'" + text


# ------------------------------------------------------------------ reading


def read_book(book):
    """The open workbook's input sheets as grids (A1 first), validated into PlanInputs."""
    from planner.workbook.reader import INPUT_SHEET_ORDER, attach_tickets, inputs_from_grids

    wanted = {n.casefold() for n in INPUT_SHEET_ORDER}
    grids = {}
    for sheet in book.sheets:
        if sheet.name.casefold() in wanted:
            grids[sheet.name] = sheet_grid(sheet)
    # the ticket export the Operations sheet names sits beside the book, as for `tierplan plan`
    return attach_tickets(inputs_from_grids(grids, source=str(book.fullname)), Path(book.fullname))


def sheet_grid(sheet) -> list[list]:
    """A sheet's used range as rows of values, padded so that the first row is row 1 and the first column is A."""
    used = sheet.used_range
    values = used.options(ndim=2, err_to_str=True).value
    top, left = used.row - 1, used.column - 1
    rows: list[list] = [[] for _ in range(top)]
    rows += [[None] * left + list(r) for r in values]
    return rows


# ------------------------------------------------------------------ writing


def _find_sheet(book, name: str):
    for sheet in book.sheets:
        if sheet.name.casefold() == name.casefold():
            return sheet
    return None


def _has_stamp(sheet) -> bool:
    used = sheet.used_range
    last_col = used.column + used.shape[1] - 1
    top = sheet.range((1, 1), (STAMP_ROWS, max(last_col, 1))).options(ndim=2).value
    return any(is_stamp(v) for row in top for v in row)


def check_result_sheet_names(book, sheets: Mapping) -> None:
    """Refuse before writing anything when a sheet of the user's carries a result-sheet name."""
    problems = []
    for name in sheets:
        existing = _find_sheet(book, name)
        if existing is not None and not _has_stamp(existing):
            problems.append(Problem(
                f"{existing.name}!A1",
                f"a sheet named {existing.name!r} exists and was not written by TierPlan (no '{STAMP_PREFIX}' stamp in its first {STAMP_ROWS} rows)",
                f"rename or delete that sheet so TierPlan can write its {name!r} results",
            ))
    if problems:
        raise UserInputError(problems)


def write_result_sheets(book, sheets: Mapping, now: _dt.datetime, mark_stale: bool = True) -> list[str]:
    """Write every result sheet (replacing earlier ones); earlier result sheets this run did not produce say so.

    ``mark_stale=False`` (the comparison of scenarios) leaves the plan's result sheets as they are.
    """
    app = book.app
    app.screen_updating = False
    try:
        written = []
        for name, sheet in sheets.items():
            target = _find_sheet(book, name)
            if target is None:
                target = book.sheets.add(name, after=book.sheets[len(book.sheets) - 1])
            else:
                target.clear()
            _write_rows(target, sheet_rows(sheet, now))
            written.append(name)
        produced = {n.casefold() for n in sheets}
        for sheet in list(book.sheets) if mark_stale else []:
            if sheet.name.casefold() in {n.casefold() for n in schema.RESULT_SHEETS} - produced and _has_stamp(sheet):
                sheet.clear()
                _write_rows(sheet, stale_rows(sheet.name, now))
        guide = _find_sheet(book, STATUS_SHEET)
        if guide is not None:
            guide.activate()
        return written
    finally:
        app.screen_updating = True


def _write_rows(sheet, layout: SheetRows) -> None:
    width = max(len(r) for r in layout.rows)
    rows = [[_excel_value(v) for v in r] + [None] * (width - len(r)) for r in layout.rows]
    sheet.range("A1").value = rows
    n_cols = max(len(layout.formats), 1)
    for r in layout.bold_rows:
        sheet.range((r + 1, 1), (r + 1, n_cols)).font.bold = True
    if layout.header_row < 0:
        return
    header = layout.header_row + 1  # 1-based row
    last = len(rows)
    for j, fmt in enumerate(layout.formats):
        if fmt and last > header:
            sheet.range((header + 1, j + 1), (last, j + 1)).number_format = fmt
    for j, w in enumerate(layout.widths):
        sheet.range((1, j + 1)).column_width = w


def _excel_value(value):
    """What to hand Excel so that the cell holds exactly ``value``.

    Excel parses strings assigned to a cell the way it parses typing: "=..."
    becomes a formula, "12" a number, "2027-01-01" a date. A leading
    apostrophe makes Excel store the rest as text, so every text is sent
    with one; Formula values are sent as their formula text.
    """
    if isinstance(value, Formula):
        return str(value)
    if isinstance(value, str):
        return "'" + value
    return value
