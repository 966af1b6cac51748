"""The Excel adapter driven through a fake xlwings Book, and the fake held to xlwings' real API."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import re
import sys
from pathlib import Path

import fake_xlwings as fake
import pandas as pd
import pytest
import xlsxwriter
from xlwings import main as xlwings_main

from planner.excel import adapter
from planner.writers.layout import is_stamp
from planner.writers.results import Formula, header_label

NOW = dt.datetime(2027, 2, 1, 10, 30, 0)

# ------------------------------------------------------------------ the fake cannot drift from xlwings

PAIRS = [
    (fake.Book, xlwings_main.Book),
    (fake.Sheets, xlwings_main.Sheets),
    (fake.Sheet, xlwings_main.Sheet),
    (fake.Range, xlwings_main.Range),
    (fake.App, xlwings_main.App),
    (fake.Font, xlwings_main.Font),
]
DUNDERS = ("__getitem__", "__iter__", "__len__", "__contains__", "__call__")


def _public(cls) -> list[str]:
    names = [n for n in vars(cls) if not n.startswith("_")]
    return names + [n for n in DUNDERS if n in vars(cls)]


def _params(func) -> list[tuple[str, object, object]]:
    sig = inspect.signature(func)
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


@pytest.mark.parametrize("ours, theirs", PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_fake_offers_only_what_xlwings_has_with_the_same_signatures(ours, theirs):
    for name in _public(ours):
        assert hasattr(theirs, name), f"xlwings.{theirs.__name__} has no {name}"
        mine, real = inspect.getattr_static(ours, name), inspect.getattr_static(theirs, name)
        if isinstance(mine, property):
            assert isinstance(real, property), f"{name} is a property in the fake only"
            if mine.fset is not None:
                assert real.fset is not None, f"xlwings cannot set {theirs.__name__}.{name}"
        elif isinstance(mine, classmethod):
            assert isinstance(real, classmethod), name
            assert _params(mine.__func__) == _params(real.__func__), name
        else:
            assert callable(real) and not isinstance(real, property), name
            assert _params(mine) == _params(real), f"{theirs.__name__}.{name}: {_params(mine)} != {_params(real)}"


def test_fake_implements_everything_the_adapter_uses():
    """Names the adapter module touches on book/sheet/range objects all exist in the fake (and so in xlwings)."""
    used = {"sheets", "fullname", "app", "alert", "screen_updating", "status_bar", "name", "used_range", "range", "clear",
            "activate", "options", "value", "row", "column", "number_format", "font", "bold", "column_width", "add"}
    offered = set()
    for cls, _ in PAIRS:
        offered |= set(_public(cls))
    assert used <= offered
    source = inspect.getsource(adapter)
    assert ".api" not in source  # no reaching past the documented API into COM/AppleScript


# ------------------------------------------------------------------ the fake returns what xlwings returns


@pytest.fixture()
def typed_book(tmp_path: Path) -> fake.Book:
    path = tmp_path / "small.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("Data")
    ws.write_row(1, 2, ["name", "count", "when", "ok"])  # C2:F2, so the used range does not start at A1
    ws.write_row(2, 2, ["alpha", 3])
    ws.write_datetime(2, 4, dt.datetime(2027, 1, 31), date)
    ws.write_boolean(2, 5, True)
    ws.write_formula(3, 3, "=1/0", None, "#DIV/0!")
    ws.write_string(3, 2, "beta")
    wb.add_worksheet("Empty")
    wb.close()
    return fake.Book(path)


def test_fake_values_have_xlwings_types_and_shapes(typed_book):
    data = typed_book.sheets["Data"]
    assert data.range("D3").value == 3.0 and isinstance(data.range("D3").value, float)
    assert data.range("E3").value == dt.datetime(2027, 1, 31)
    assert data.range("F3").value is True
    assert data.range("A1").value is None
    assert data.range("C2:F2").value == ["name", "count", "when", "ok"]
    assert data.range("C2:C4").value == ["name", "alpha", "beta"]
    assert data.range("C3:D4").value == [["alpha", 3.0], ["beta", None]]
    assert data.range("D3").options(ndim=2).value == [[3.0]]
    assert data.range("D4").value is None  # error cells are None by default
    assert data.range("D4").options(err_to_str=True).value == "#DIV/0!"
    used = data.used_range
    assert (used.row, used.column, used.shape) == (2, 3, (3, 4))
    assert typed_book.sheets["Empty"].used_range.address == "$A$1"
    with pytest.raises(NotImplementedError):
        data.range("A1").options(expand="table")


def test_fake_writes_like_excel(typed_book):
    sheet = typed_book.sheets.add("Out", after=typed_book.sheets[1])
    assert [s.name for s in typed_book.sheets] == ["Data", "Empty", "Out"]
    sheet.range("B2").value = [["'=not a formula", "'007", "12", "=SUM(1,2)"], [1, True, None, dt.date(2027, 1, 2)]]
    assert sheet.range("B2:E2").value == ["=not a formula", "007", 12.0, None]
    assert sheet.range("E2").formula == "=SUM(1,2)"
    assert sheet.range("B3:E3").value == [1.0, True, None, dt.datetime(2027, 1, 2)]
    with pytest.raises(ValueError, match="same length"):
        sheet.range("A10").value = [[1, 2], [3]]
    with pytest.raises(ValueError, match="already present"):
        typed_book.sheets.add("out")
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    sheet.range("H1").options(index=False).value = frame
    assert sheet.range("H1:I3").value == [["a", "b"], [1.0, "x"], [2.0, "y"]]


# ------------------------------------------------------------------ the adapter end to end on the demo


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    """tier_planner.xlsm as `tierplan excel` writes it (demo inputs, protected Guide with its unlocked status cell)."""
    from planner.excel.build import build_macro_workbook

    xlsm, _ = build_macro_workbook(tmp_path_factory.mktemp("demo") / "tier_planner.xlsm")
    return xlsm


@pytest.fixture(scope="module")
def cli_plan(demo_file):
    """The plan the command line computes from the same file."""
    from planner.pipeline import PlanOptions, build_plan
    from planner.workbook.reader import read_inputs

    return build_plan(read_inputs(demo_file), PlanOptions())


@pytest.fixture(scope="module")
def small_source(tmp_path_factory) -> Path:
    """A plain planning workbook (.xlsx) with the demo's inputs and 300 accounts."""
    from planner.workbook.demo import demo_content
    from planner.workbook.template import write_workbook

    return write_workbook(tmp_path_factory.mktemp("small") / "small_plan.xlsx", demo_content(n_accounts=300, seed=11))


@pytest.fixture(scope="module")
def small_demo_file(small_source, tmp_path_factory) -> Path:
    """The macro workbook built from small_source: for the tests that run the plan more than once."""
    from planner.excel.build import build_macro_workbook

    xlsm, _ = build_macro_workbook(tmp_path_factory.mktemp("smallxlsm") / "tier_planner.xlsm", source=small_source)
    return xlsm


@pytest.fixture()
def book(demo_file, tmp_path) -> fake.Book:
    copy = tmp_path / demo_file.name
    copy.write_bytes(demo_file.read_bytes())
    from planner.workbook.demo import demo_tickets_path

    # the demo's ticket export travels with the book, as a user keeps the two in one folder
    demo_tickets_path(copy).write_bytes(demo_tickets_path(demo_file).read_bytes())
    return fake.Book(copy)


@pytest.fixture()
def small_book(small_demo_file, tmp_path) -> fake.Book:
    copy = tmp_path / small_demo_file.name
    copy.write_bytes(small_demo_file.read_bytes())
    return fake.Book(copy)


def _grid(sheet) -> list[list]:
    return sheet.used_range.options(ndim=2).value


def test_run_optimization_writes_the_clis_result_sheets_into_the_open_book(book, cli_plan):
    plan = adapter.run_optimization(book, now=NOW)
    assert plan is not None
    expected = cli_plan.result_sheets()
    assert list(plan.result_sheets()) == list(expected)
    names = [s.name for s in book.sheets]
    for name, sheet in expected.items():
        assert names.count(name) == 1
        rows = _grid(book.sheets[name])
        assert _stamp(rows).startswith("Written by TierPlan on 2027-02-01 10:30")
        table = sheet if isinstance(sheet, pd.DataFrame) else sheet.table
        header_at = next(i for i, r in enumerate(rows) if r[: len(table.columns)] == [header_label(str(c)) for c in table.columns])
        body = rows[header_at + 1 : header_at + 1 + len(table)]
        assert len(body) == len(table)
        for i, (got, want) in enumerate(zip(body, table.itertuples(index=False, name=None))):
            assert got[: len(want)] == [_as_read(v) for v in want], name
            excel_row = header_at + 2 + i
            for j, v in enumerate(want):
                if isinstance(v, Formula):
                    # written as a formula, and it refers to cells of its own row (the layout did not shift it)
                    assert book.sheets[name].range((excel_row, j + 1)).formula == str(v)
                    assert {int(n) for n in re.findall(r"\b[A-Z]{1,3}(\d+)\b", str(v))} == {excel_row}
    # the buttons' files land in reports/ beside the workbook
    folder = Path(book.fullname).parent / "reports"
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [  # hidden: lock, manifest
        "crm_tiers.csv", "outreach.csv", "plan.json"]  # the demo has tickets
    assert json.loads((folder / "plan.json").read_text()) == json.loads(json.dumps(cli_plan.to_dict()))
    status = book.sheets["Guide"].range("F8").value
    assert status.startswith(f"Done 2027-02-01 10:30: {len(expected)} result sheets updated; files in {folder}")
    (prompt, title), = book.app._alerts
    assert title == "TierPlan"
    assert book.app.screen_updating is True and book.app._screen_updating_log[0] is False
    assert book.sheets.active.name == "Guide"
    # Excel's status bar showed each step while Python ran, and is handed back to Excel at the end
    assert book.app._status_bar_log == [
        "TierPlan: Reading the workbook...", "TierPlan: Tiering accounts...", "TierPlan: Valuing services...",
        "TierPlan: Optimising intervals and headcount...", "TierPlan: Reading the operating figures...",
        "TierPlan: Judging pilots...", "TierPlan: Writing the result sheets...",
        "TierPlan: Writing plan.json...", "TierPlan: Writing CRM upload file...", "TierPlan: Writing outreach tasks...", False,
    ]
    assert book.app.status_bar is False
    assert_the_alert_gives_the_answer(prompt, cli_plan)


def assert_the_alert_gives_the_answer(prompt: str, plan) -> None:
    """Fit, cost against budget, expected ARR impact, people, the largest change against the negotiated package."""
    opt = plan.optimization
    assert opt.status == "optimal" and opt.within_budget  # the demo's plan fits
    lines = prompt.splitlines()
    assert lines[0] == "Optimization finished: the plan fits the budget and every requirement."
    share = opt.total_cost / opt.budget
    assert f"Cost: ${opt.total_cost:,.0f} of a ${opt.budget:,.0f} budget ({share * 100:.1f}% of the budget)." in lines
    assert f"Expected ARR impact: ${opt.value:,.0f}." in lines
    people = int(opt.headcount["people"].sum())
    by_role = opt.headcount.groupby("role", sort=False)["people"].sum()
    assert f"People: {people} (" + ", ".join(f"{r} {int(n)}" for r, n in by_role.items() if n) + ")." in lines
    # the largest change, computed here with pandas: (chosen - negotiated) x cost per occurrence x the tier's accounts
    iv = opt.intervals.copy()
    stats = plan.segmentation.tier_stats()
    iv["effect"] = (iv["chosen"] - iv["negotiated"]) * iv["cost_per_occurrence"] * iv["tier"].map(dict(zip(stats["tier"], stats["accounts"])))
    top = iv.loc[iv["effect"].abs().idxmax()]
    assert abs(top["effect"]) > 0
    change = next(line for line in lines if line.startswith("Largest change from the negotiated package: "))
    assert change.startswith(f"Largest change from the negotiated package: {top['service']} in {top['tier']}, ")
    assert f"${abs(top['effect']):,.0f} {'more' if top['effect'] > 0 else 'less'} service cost" in change


def _stamp(rows) -> str:
    found = [v for row in rows[:5] for v in row if is_stamp(v)]
    assert len(found) == 1
    return found[0]


def _as_read(value):
    """What Excel hands back for a value the adapter wrote."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value == "":
        return None
    if isinstance(value, Formula):
        return None  # the fake does not calculate; Excel would show the result
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return str(value)


def test_second_run_replaces_the_sheets_and_sees_hand_edits(small_book):
    book = small_book
    adapter.run_optimization(book, now=NOW)
    count = len(book.sheets)
    finance = book.sheets["Finance"]
    grid = _grid(finance)
    row = next(i for i, r in enumerate(grid, start=finance.used_range.row) if r and r[0] == "Annual CS budget")
    finance.range((row, 2)).value = 9_999_999  # typed by hand: a much larger budget
    plan = adapter.run_optimization(book, now=NOW + dt.timedelta(hours=1))
    assert len(book.sheets) == count
    assert plan.inputs.finance.budget == 9_999_999.0
    assert _stamp(_grid(book.sheets["Plan"])).startswith("Written by TierPlan on 2027-02-01 11:30")


def _type_text_into_loaded_cost(book, texts: list[str]) -> int:
    """Type texts into the Roles sheet's "Loaded annual cost" column from row 5 down; returns that column's number."""
    roles = book.sheets["Roles"]
    col = roles.range("A4:F4").value.index("Loaded annual cost") + 1
    for i, text in enumerate(texts):
        roles.range((5 + i, col)).value = "'" + text
    return col


def test_mistakes_in_the_workbook_arrive_as_an_alert_naming_sheet_and_cell(small_book):
    book = small_book
    col = _type_text_into_loaded_cost(book, ["a lot"])
    sheets_before = [s.name for s in book.sheets]
    assert adapter.run_optimization(book, now=NOW) is None
    (prompt, title), = book.app._alerts
    assert title == "TierPlan: please fix the workbook"
    assert prompt.startswith("TierPlan found 1 problem in this workbook. Nothing was changed.")
    assert f"Roles!{chr(64 + col)}5: " in prompt and "Traceback" not in prompt
    assert [s.name for s in book.sheets] == sheets_before
    assert book.sheets["Guide"].range("F8").value == "Stopped 2027-02-01 10:30: 1 problem to fix; nothing was changed."
    assert not (Path(book.fullname).parent / "reports").exists()


def test_a_sheet_of_the_users_named_plan_is_not_overwritten(small_book):
    book = small_book
    mine = book.sheets.add("Plan")
    mine.range("A1").value = "my own notes"
    assert adapter.run_optimization(book, now=NOW) is None
    (prompt, _), = book.app._alerts
    assert "Plan!A1: a sheet named 'Plan' exists and was not written by TierPlan" in prompt
    assert mine.range("A1").value == "my own notes"


def test_several_mistakes_arrive_in_one_alert_listing_every_cell(small_book):
    book = small_book
    col = _type_text_into_loaded_cost(book, ["a lot", "even more"])
    assert adapter.run_optimization(book, now=NOW) is None
    (prompt, _), = book.app._alerts  # one alert, not one per problem
    assert prompt.startswith("TierPlan found 2 problems in this workbook. Nothing was changed.")
    letter = chr(64 + col)
    assert f"Roles!{letter}5: " in prompt and f"Roles!{letter}6: " in prompt
    assert book.app.status_bar is False


def test_an_error_of_ours_shows_a_short_message_and_logs_the_traceback_beside_the_book(small_book, monkeypatch):
    book = small_book

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero in a place it should not be")

    monkeypatch.setattr(adapter, "build_plan", broken)  # a bug of ours, somewhere in the core
    assert adapter.run_optimization(book, now=NOW) is None  # no exception reaches xlwings: no traceback dialog
    (prompt, title), = book.app._alerts
    log = Path(book.fullname).parent / "tierplan-error.log"
    assert title == "TierPlan: something went wrong"
    assert prompt.startswith("TierPlan could not finish: ZeroDivisionError: division by zero in a place it should not be.")
    assert str(log) in prompt and "Traceback" not in prompt and len(prompt.splitlines()) <= 6
    text = log.read_text()
    assert text.startswith("TierPlan ") and "failed on 2027-02-01 10:30:00 running the workbook" in text
    assert "Traceback (most recent call last)" in text and "ZeroDivisionError: division by zero" in text
    assert "xlwings 0." in text
    assert book.sheets["Guide"].range("F8").value == (
        "Failed 2027-02-01 10:30: ZeroDivisionError. Details in tierplan-error.log; this is a TierPlan bug, please report it."
    )
    assert book.app.status_bar is False
    assert "Plan" not in book.sheets


def test_a_plain_workbook_without_a_status_cell_still_runs(small_source, tmp_path):
    """Run from the xlwings ribbon on the .xlsx template: the Guide is protected and has no unlocked status cell."""
    copy = tmp_path / small_source.name
    copy.write_bytes(small_source.read_bytes())
    book = fake.Book(copy)
    with pytest.raises(fake.ProtectedCellError):
        book.sheets["Guide"].range("F8").value = "x"  # what Excel does to a locked cell
    plan = adapter.run_optimization(book, now=NOW)
    assert plan is not None and "Plan" in book.sheets
    assert book.sheets["Guide"].range("F8").value is None
    (prompt, _title), = book.app._alerts
    assert prompt.startswith("Optimization finished")


def test_an_unsaved_workbook_is_asked_to_be_saved_first():
    book = fake.Book()  # "Book1": never saved
    book.sheets.add("Guide")
    assert adapter.run_optimization(book, now=NOW) is None
    (prompt, _), = book.app._alerts
    assert "Book1: the workbook has not been saved to a folder on this computer" in prompt


@pytest.mark.slow
def test_build_report_writes_every_report_beside_the_workbook(small_book):
    book = small_book
    adapter.build_report(book, now=NOW)
    folder = Path(book.fullname).parent / "reports"
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == sorted(  # hidden: lock, manifest
        # the small demo has outcome columns, so its outreach tasks come with the CRM file
        ["crm_tiers.csv", "outreach.csv", "plan.json", "tier_plan.html", "tier_plan.pdf", "tier_plan_results.xlsx"]
    )
    assert (folder / "tier_plan.pdf").read_bytes()[:5] == b"%PDF-"


def test_a_book_saved_as_tier_planner_1_runs_its_button_like_runpython_does(tmp_path, monkeypatch, small_source):
    """What RunPython does for "tier_planner (1).xlsm": xlwings.utils.prepare_sys_path with the arguments the VBA
    builds (add the book's folder; ActiveFullName; ThisFullName; three OneDrive/SharePoint settings; the
    xlwings.conf sheet's PYTHONPATH), then the command TierPlanRun passes, run with the book as Book.caller()."""
    import xlwings
    import xlwings.utils
    from oletools.olevba import VBA_Parser

    from planner.excel.build import build_macro_workbook
    from planner.excel.conf import read_sheet

    folder = tmp_path / "Downloads"
    xlsm, _py = build_macro_workbook(folder / "tier_planner.xlsm", source=small_source)
    downloaded = xlsm.rename(folder / "tier_planner (1).xlsm")  # a browser's name for a second download
    parser = VBA_Parser(str(downloaded))
    module = {Path(n).stem: c for _, _, n, c in parser.extract_macros()}["Module1"]
    parser.close()
    expr = re.search(r"^\s+RunPython (.+)$", module, flags=re.M).group(1)
    command = "".join(p.strip()[1:-1] if p.strip().startswith('"') else "run_optimization" for p in expr.split("&"))
    assert command == "import tierplan_buttons;tierplan_buttons.run_optimization()"

    book = fake.Book(downloaded)
    settings = read_sheet(book.sheets["xlwings.conf"].used_range.options(ndim=2).value)
    full = str(downloaded)
    monkeypatch.setattr(xlwings, "Book", fake.Book)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "tierplan_buttons", raising=False)
    xlwings.utils.prepare_sys_path(";".join(["true", full, full, "", "", "", settings["PYTHONPATH"]]))
    book.set_mock_caller()
    try:
        exec(command, {})  # the command the VBA hands RunPython
    finally:
        sys.modules.pop("tierplan_buttons", None)
    assert "Plan" in book.sheets
    assert book.sheets["Guide"].range("F8").value.startswith("Done ")
    assert (folder / "reports" / "plan.json").is_file()
    (prompt, _), = book.app._alerts
    assert prompt.startswith("Optimization finished")
