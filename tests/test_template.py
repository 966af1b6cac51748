"""The planning template and demo workbook: committed files, layout, drop-downs, protection, formats, formulas, Guide, demo data."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula

from planner import schema
from planner.workbook import defaults, guide, template
from planner.workbook.defaults import FormulaCell, default_content
from planner.workbook.demo import DEMO_BUDGET, demo_accounts, demo_content, write_demo
from planner.workbook.summary_formulas import layout as sf_layout
from planner.workbook.summary_formulas import refs as sf_refs
from planner.workbook.summary_formulas import summary_sheet
from planner.workbook.template import declarations, write_template, write_workbook

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = {"template": ROOT / "workbooks" / "tierplan_template.xlsx", "demo": ROOT / "workbooks" / "tierplan_demo.xlsx"}
WRITERS = {"template": write_template, "demo": write_demo}
FIRST_DATA_ROW = schema.HEADER_ROW + 1

# Functions Excel 2007 and LibreOffice 7.4 both have (no XLOOKUP, LET, FILTER, UNIQUE, SORT, ...)
CLASSIC_FUNCTIONS = {
    "IF", "IFERROR", "INDEX", "MATCH", "SUMIF", "SUMIFS", "COUNTIF", "COUNTIFS", "SUMPRODUCT", "SUM", "ROWS",
    "ISNUMBER", "ISBLANK", "AND", "OR", "NOT", "MIN", "MAX", "ROUND", "ABS", "COUNTA", "VLOOKUP",
    # the Summary's package formulas (planner/workbook/summary_formulas/): Excel 2007 and LibreOffice 7.4 functions too
    "RANK", "COUNT", "INT", "EXP", "FIXED", "LOWER", "TRIM", "ROW", "SUBSTITUTE", "N",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("generated")
    return {kind: WRITERS[kind](out / COMMITTED[kind].name) for kind in WRITERS}  # the demo names its ticket export


@pytest.fixture(scope="module")
def demo_book(generated):
    return openpyxl.load_workbook(generated["demo"])


@pytest.fixture(scope="module")
def template_book(generated):
    return openpyxl.load_workbook(generated["template"])


def _value(v):
    """A cell's content; an array formula as its range and text (openpyxl's objects compare by identity)."""
    return ("array", v.ref, v.text) if isinstance(v, ArrayFormula) else v


def _cells(ws) -> dict[str, object]:
    return {c.coordinate: _value(c.value) for row in ws.iter_rows() for c in row if c.value is not None}


def _tables(wb) -> dict[str, tuple[str, str]]:
    return {t.name: (ws.title, t.ref) for ws in wb for t in ws.tables.values()}


def _names(wb) -> dict[str, str]:
    return {name: d.attr_text for name, d in wb.defined_names.items()}


def _validations(ws) -> list[tuple[str, str | None, str | None]]:
    return sorted((str(dv.sqref), str(dv.type), str(dv.formula1), str(dv.prompt)) for dv in ws.data_validations.dataValidation)


def _formulas(wb):
    """Every formula in the workbook: cells, table calculated columns, data validations, defined names."""
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    yield f"{ws.title}!{c.coordinate}", c.value
                elif isinstance(c.value, ArrayFormula):
                    yield f"{ws.title}!{c.coordinate} (array)", c.value.text
        for t in ws.tables.values():
            for col in t.tableColumns:
                if col.calculatedColumnFormula is not None:
                    yield f"{t.name}[{col.name}]", col.calculatedColumnFormula.attr_text
        for dv in ws.data_validations.dataValidation:
            if dv.formula1 and not dv.formula1.startswith('"'):
                yield f"{ws.title}!{dv.sqref} validation", dv.formula1
    yield from _names(wb).items()


def _data_range(ws, table: str, header: str) -> tuple[str, int, int]:
    """Column letter and first/last data row of a table column."""
    t = ws.tables[table]
    first, last = t.ref.split(":")
    headers = [c.value for c in ws[f"{first}:{re.sub(r'[0-9]+', str(schema.HEADER_ROW), last)}"][0]]
    col = get_column_letter(headers.index(header) + 1)
    return col, schema.HEADER_ROW + 1, int(re.sub(r"[A-Z]+", "", last))


def _width(ws, letter: str) -> float | None:
    idx = openpyxl.utils.column_index_from_string(letter)
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= idx <= dim.max:
            return dim.width
    return None


# ------------------------------------------------------------------ committed files


@pytest.mark.parametrize("kind", ["template", "demo"])
def test_committed_workbook_equals_what_the_command_writes(kind, generated):
    committed = openpyxl.load_workbook(COMMITTED[kind])
    fresh = openpyxl.load_workbook(generated[kind])
    assert committed.sheetnames == fresh.sheetnames
    assert _tables(committed) == _tables(fresh)
    assert _names(committed) == _names(fresh)
    for name in fresh.sheetnames:
        a, b = committed[name], fresh[name]
        assert _cells(a) == _cells(b), f"{kind}: sheet {name} differs; run scripts/regenerate_workbooks.py"
        assert _validations(a) == _validations(b), f"{kind}: validations of {name} differ"
        assert a.freeze_panes == b.freeze_panes
        assert sorted(str(m) for m in a.merged_cells.ranges) == sorted(str(m) for m in b.merged_cells.ranges)


def test_the_same_content_gives_the_same_bytes(tmp_path):
    a = write_template(tmp_path / "a.xlsx").read_bytes()
    b = write_template(tmp_path / "b.xlsx").read_bytes()
    assert a == b


def test_committed_demo_ticket_export_equals_what_the_demo_command_writes(generated):
    from planner.workbook.demo import demo_tickets_path

    fresh = demo_tickets_path(generated["demo"])
    committed = demo_tickets_path(COMMITTED["demo"])
    assert fresh.is_file() and committed.is_file()
    assert committed.read_bytes() == fresh.read_bytes(), "run scripts/regenerate_workbooks.py"


# ------------------------------------------------------------------ layout


def test_sheets_titles_headers_and_tables_follow_the_schema(demo_book):
    assert demo_book.sheetnames == list(schema.SHEET_ORDER) + list(sf_layout.HELPER_SHEETS)
    for sheet in schema.INPUT_SHEETS:
        ws = demo_book[sheet.name]
        assert ws["A1"].value == sheet.title
        assert ws["A2"].value == sheet.purpose
        assert list(ws.tables) == [sheet.table]
        ref = ws.tables[sheet.table].ref
        assert ref.startswith(f"A{schema.HEADER_ROW}:")
        headers = [c.value for c in ws[schema.HEADER_ROW] if c.value is not None]
        if sheet is schema.ACCOUNTS:
            fixed = [c.header for c in sheet.columns]
            assert [h for h in headers if h in fixed] == fixed
            assert set(defaults.SIGNAL_COLUMNS) <= set(headers)
        else:
            assert headers == [c.header for c in sheet.columns]
        # units line above the headers
        for j, c in enumerate(sheet.columns if sheet is not schema.ACCOUNTS else []):
            assert ws.cell(schema.HEADER_ROW - 1, j + 1).value == (c.unit or None)


def test_tables_hold_exactly_the_content_rows(demo_book):
    content = demo_content()
    counts = {schema.TIERS: 3, schema.ROLES: 7, schema.SERVICES: 15, schema.INTERVALS: 45, schema.SLAS: 9, schema.SCORING: 9, schema.ACCOUNTS: 2000}
    for sheet, n in counts.items():
        ref = demo_book[sheet.name].tables[sheet.table].ref
        assert int(ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) == schema.HEADER_ROW + n
    ws = demo_book[schema.ACCOUNTS.name]
    assert ws.cell(FIRST_DATA_ROW, 1).value == content.accounts["account_id"].iloc[0]
    assert ws.cell(FIRST_DATA_ROW + 1999, 3).value == content.accounts["arr"].iloc[1999]


def test_finance_is_a_settings_table_with_a_defined_name_per_value(demo_book, template_book):
    ws = demo_book[schema.FINANCE.name]
    assert [c.value for c in ws[schema.HEADER_ROW]][:4] == list(schema.FINANCE.headers)
    assert list(ws.tables) == [schema.FINANCE.table]
    names = _names(demo_book)
    for i, s in enumerate(schema.FINANCE.settings):
        row = FIRST_DATA_ROW + i
        assert ws.cell(row, 1).value == s.label
        assert names[s.name] == f"Finance!$B${row}"
    assert ws[names["Budget"].split("!")[1].replace("$", "")].value == DEMO_BUDGET
    assert ws[names["ProfitMargin"].split("!")[1].replace("$", "")].value == 0.30
    assert ws[names["PlanningMode"].split("!")[1].replace("$", "")].value == "max_value"
    # the blank template leaves the budget for the CFO to type
    tws = template_book[schema.FINANCE.name]
    assert tws[_names(template_book)["Budget"].split("!")[1].replace("$", "")].value is None


def test_blank_template_has_every_default_and_an_empty_accounts_table(template_book):
    ws = template_book[schema.ACCOUNTS.name]
    ref = ws.tables[schema.ACCOUNTS.table].ref
    assert ref.endswith(str(FIRST_DATA_ROW))  # Excel needs one (blank) data row
    assert all(c.value is None for c in ws[FIRST_DATA_ROW])
    assert template_book[schema.SERVICES.name].tables[schema.SERVICES.table].ref == f"A{schema.HEADER_ROW}:H{schema.HEADER_ROW + 15}"
    services = [template_book[schema.SERVICES.name].cell(r, 1).value for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 15)]
    assert services[0] == "Executive sponsorship" and services[-1] == "Program management"
    assert len(set(services)) == 15


# ------------------------------------------------------------------ drop-downs, protection, formats


def test_dropdowns_cover_every_choice_and_reference_column(demo_book):
    names = _names(demo_book)
    assert names["TierList"] == "TiersTable[Tier]"
    assert names["RoleList"] == "RolesTable[Role]"
    assert names["ServiceList"] == "ServicesTable[Service]"
    assert names["AccountColumnList"] == "AccountsTable[#Headers]"
    ref_list = {"Tiers": "TierList", "Roles": "RoleList", "Services": "ServiceList"}
    for sheet in schema.INPUT_SHEETS:
        ws = demo_book[sheet.name]
        dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
        for c in sheet.input_columns:
            col, first, last = _data_range(ws, sheet.table, c.header)
            dv = dvs.get(f"{col}{first}:{col}{last}" if last > first else f"{col}{first}")
            assert dv is not None, f"{sheet.name}!{c.header} has no validation"
            if c.ref:
                assert (dv.type, dv.formula1) == ("list", ref_list[c.ref])
                assert dv.errorStyle in (None, "stop")
            elif c.choices:
                assert (dv.type, dv.formula1) == ("list", '"' + ",".join(c.choices) + '"')
            elif c.kind in (schema.NUMBER, schema.CURRENCY, schema.PERCENT) and c.minimum is not None:
                assert dv.type == "decimal" and float(dv.formula1) == c.minimum
            assert dv.prompt and dv.prompt.startswith(c.help[:40])
    # previous tier: tier list, but only a warning (old tier names make a new account)
    ws = demo_book[schema.ACCOUNTS.name]
    col, first, last = _data_range(ws, schema.ACCOUNTS.table, "Previous tier")
    dv = {str(d.sqref): d for d in ws.data_validations.dataValidation}[f"{col}{first}:{col}{last}"]
    assert (dv.formula1, dv.errorStyle) == ("TierList", "warning")
    # finance choices
    fws = demo_book[schema.FINANCE.name]
    fdv = {str(d.sqref): d.formula1 for d in fws.data_validations.dataValidation}
    row = {s.key: FIRST_DATA_ROW + i for i, s in enumerate(schema.FINANCE.settings)}
    assert fdv[f"B{row['planning_mode']}"] == '"min_cost,max_value"'
    assert fdv[f"B{row['solver']}"] == '"highs,cbc,scipy"'
    assert fdv[f"B{row['strategic_tier']}"] == "TierList"


def test_formula_sheets_are_protected_without_password_and_inputs_unlocked(demo_book):
    for name in schema.SHEET_ORDER:
        ws = demo_book[name]
        expected = name in ("Guide", "Finance", "Roles", "Intervals", "Summary")
        assert bool(ws.protection.sheet) is expected, name
        if expected:
            assert not ws.protection.password
            assert ws.protection.formatCells is False  # False = allowed in OOXML's inverted flags
            assert ws.protection.sort is False and ws.protection.autoFilter is False and ws.protection.insertRows is False
    ws = demo_book[schema.INTERVALS.name]
    for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 45):
        for j, c in enumerate(schema.INTERVALS.columns, start=1):
            cell = ws.cell(r, j)
            assert cell.protection.locked is (not c.is_input), cell.coordinate
            assert cell.fill.fgColor.rgb[-6:] == (schema.COLOURS["input" if c.is_input else "formula"][0][1:]), cell.coordinate
    fws = demo_book[schema.FINANCE.name]
    for i in range(len(schema.FINANCE.settings)):
        assert fws.cell(FIRST_DATA_ROW + i, 2).protection.locked is False
        assert fws.cell(FIRST_DATA_ROW + i, 1).protection.locked is True


def test_number_formats_frozen_headers_widths_and_print_setup(demo_book):
    for sheet in schema.INPUT_SHEETS:
        ws = demo_book[sheet.name]
        for c in sheet.columns:
            col, first, _ = _data_range(ws, sheet.table, c.header)
            fmt = ws[f"{col}{first}"].number_format
            if c.kind == schema.CURRENCY:
                assert fmt in (schema.MONEY_FORMAT, schema.MONEY2_FORMAT), (sheet.name, c.header)
            elif c.kind == schema.PERCENT:
                assert fmt.endswith("%"), (sheet.name, c.header)
            if c.number_format:
                assert fmt == c.number_format
            assert _width(ws, col) == pytest.approx(c.width, abs=0.8), (sheet.name, c.header)
        assert ws.freeze_panes == f"{get_column_letter(declarations.FROZEN_COLUMNS.get(sheet.name, 0) + 1)}{FIRST_DATA_ROW}"
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)  # absent fitToWidth means 1 (OOXML default)
        assert ws.print_title_rows == f"${schema.HEADER_ROW}:${schema.HEADER_ROW}"
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    ws = demo_book[schema.ACCOUNTS.name]
    headers = [c.value for c in ws[schema.HEADER_ROW]]
    assert ws.cell(FIRST_DATA_ROW, headers.index("ARR growth %") + 1).number_format == schema.PERCENT_FORMAT
    summary = demo_book[schema.SUMMARY_SHEET]
    lay = summary_sheet.summary_layout(demo_content())
    assert summary.freeze_panes == "B4"
    head = {key: summary.cell(r + 1, 4).number_format for key, r in lay["headline"].items()}
    assert head["cost"] == head["budget"] == head["left"] == schema.MONEY_FORMAT and head["share"] == schema.PERCENT_FORMAT
    first = lay["tier_first"] + 1
    assert summary.cell(first, 5).number_format == schema.MONEY_FORMAT and summary.cell(first, 11).number_format == schema.PERCENT_FORMAT


# ------------------------------------------------------------------ formulas


def test_formulas_use_classic_functions_only(demo_book, template_book):
    seen = set()
    for wb in (demo_book, template_book):
        for where, text in _formulas(wb):
            stripped = re.sub(r'"[^"]*"', '""', text)
            for fn in re.findall(r"([A-Za-z_][A-Za-z0-9_.]*)\(", stripped):
                seen.add(fn.upper())
                assert fn.upper() in CLASSIC_FUNCTIONS, f"{where} uses {fn}: {text}"
            assert "_xlfn" not in text and "@" not in text, where
    assert {"INDEX", "MATCH", "SUMIF", "COUNTIF", "SUMPRODUCT", "IF"} <= seen


def test_intervals_and_roles_formulas_are_table_calculated_columns(demo_book):
    ws = demo_book[schema.INTERVALS.name]
    calc = {c.name: c.calculatedColumnFormula.attr_text for c in ws.tables["IntervalsTable"].tableColumns if c.calculatedColumnFormula is not None}
    assert set(calc) == {"Hourly rate", "Cost per occurrence", "Annual cost per account", "Assessed Service Value"}
    assert calc["Assessed Service Value"] == "IntervalsTable[[#This Row],[Annual cost per account]]*(1+ProfitMargin)"
    assert "IntervalsTable[[#This Row],[Delivered by]]" in calc["Hourly rate"]
    assert "ServicesTable[Delivered by]" in calc["Hourly rate"]
    for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 45):
        assert ws.cell(r, 11).value == "=" + calc["Assessed Service Value"]
    rws = demo_book[schema.ROLES.name]
    assert rws.cell(FIRST_DATA_ROW, 6).value == (
        "=IF(RolesTable[[#This Row],[Productive hours per year]]>0,"
        "RolesTable[[#This Row],[Loaded annual cost]]/RolesTable[[#This Row],[Productive hours per year]],0)"
    )


def test_summary_has_a_row_per_possible_tier_and_formulas_only(demo_book):
    ws = demo_book[schema.SUMMARY_SHEET]
    lay = summary_sheet.summary_layout(demo_content())
    assert lay["n_tiers"] == schema.MAX_TIERS
    for k in range(lay["n_tiers"]):
        r = lay["tier_first"] + 1 + k
        assert ws.cell(r, 1).value == f'=IF(ROWS(TiersTable[Tier])>={k + 1},INDEX(TiersTable[Tier],{k + 1})&"","")'
        assert ws.cell(r, 2).value == f'=IF($A{r}="","",INDEX(pl_planned,{k + 1}))'  # accounts as the plan places them
        assert ws.cell(r, 3).value == f'=IF($A{r}="","",INDEX(pl_previous,{k + 1}))'
        assert ws.cell(r, 4).value == f'=IF($A{r}="","",INDEX(pl_new,{k + 1}))'
        for j in range(1, len(summary_sheet.TIER_COLUMNS) + 1):
            assert str(ws.cell(r, j).value).startswith("=")
    assert ws.cell(lay["tier_total"] + 1, 1).value == "Total"
    head = lay["headline"]
    assert ws.cell(head["cost"] + 1, 4).value == "=pk_total"
    assert ws.cell(head["people"] + 1, 4).value == "=pk_people"
    assert ws.cell(head["share"] + 1, 4).value.startswith("=IF(AND(ISNUMBER(Budget)")
    names = _names(demo_book)
    assert names[sf_layout.PLAN_COST_NAME] == f"Summary!$D${head['cost'] + 1}"
    assert names[sf_layout.PEOPLE_NAME] == f"Summary!$D${head['people'] + 1}"


def test_summary_leads_with_the_package_and_says_what_it_assumes(demo_book):
    """The Summary prices the negotiated package as the plan does (whole people, books of accounts, support), says whether
    it fits, keeps the services' own time and direct cost as a labelled second figure, and says what it assumes."""
    ws = demo_book[schema.SUMMARY_SHEET]
    lay = summary_sheet.summary_layout(demo_content())
    cells = {str(v) for v in _cells(ws).values()}
    assert not any("Cost to serve" in v for v in cells)
    labels = [ws.cell(lay["headline"][key] + 1, 1).value for key, _, _, _ in summary_sheet.HEADLINE_ROWS]
    assert labels == ["Annual CS budget", "Negotiated package: total cost", "Share of the budget",
                      "Left in the budget (negative: over it)", "People", "Does the package fit?", "Service time and direct cost only"]
    note = ws.cell(lay["headline"]["cost"] + 1, 5).value
    assert "Whole people per role" in note and "support staffed from the SLAs" in note and "--mode min_cost" in note
    assert ws.cell(lay["tier_header"] + 1, 9).value == "Service time and direct cost"
    assert [ws.cell(lay["tier_header"] + 1, j).value for j in (2, 3, 4)] == [
        "Accounts in the plan", "With this previous tier", "New, placed here by score"]
    assumed = {ws.cell(r + 1, 1).value: ws.cell(r + 1, 2).value for r in lay["assumptions"].values()}
    assert list(assumed) == ["Accounts", "Cut-offs", "Intervals", "People", "Support", "Limits"]
    assert str(assumed["Accounts"]).startswith('="All "&FIXED(pl_n,0)&" accounts are counted')
    assert "a tier whose maximum is 0 does not offer it" in assumed["Intervals"]
    assert "the larger of hours needed / productive hours and the tier's accounts / max accounts per person" in assumed["People"]
    assert "shrinkage is not added again" in assumed["Support"]
    assert ws.cell(lay["assumptions_header"] + 1, 1).value == "What this sheet assumes"


def test_helper_sheets_are_protected_formula_sheets_sized_to_the_content(demo_book, template_book):
    for wb in (demo_book, template_book):
        for name in sf_layout.HELPER_SHEETS:
            ws = wb[name]
            assert ws.protection.sheet and not ws.protection.password, name
            assert ws["A1"].value == name
    # one Placement row per account and headroom for accounts typed later; the blank template still has room
    def placed(wb):
        ws = wb[sf_layout.PLACEMENT_SHEET]
        return sum(1 for (v,) in ws.iter_rows(min_row=sf_layout.PL_FIRST + 1, max_col=1, values_only=True) if isinstance(v, int))

    assert placed(demo_book) == 2_000 + sf_layout.ACCOUNT_HEADROOM
    assert placed(template_book) == sf_layout.MIN_ACCOUNT_ROWS


def test_the_fast_formula_path_stores_what_write_formula_stores(tmp_path):
    import zipfile

    import xlsxwriter

    formulas = ['=IF($B5="",-1,RANK(C5,C$1:C$9,1))', '=SUMPRODUCT(--(A1<pl_cuts))', '=FIXED(1234.5,0)&" a year"']
    paths = []
    for fast in (False, True):
        path = tmp_path / f"{fast}.xlsx"
        book = xlsxwriter.Workbook(str(path))
        book.set_properties({"created": template.CREATED})
        ws = book.add_worksheet("S")
        for i, f in enumerate(formulas):
            if fast:
                sf_refs.put_formula(ws, i, 0, f, None)
            else:
                ws.write_formula(i, 0, f, None, "")
        book.close()
        paths.append(path)
    a, b = (zipfile.ZipFile(p).read("xl/worksheets/sheet1.xml") for p in paths)
    assert a == b and b"RANK(C5,C$1:C$9,1)" in b


def test_guide_says_how_the_summary_prices_the_package(demo_book):
    text = "\n".join(str(v) for v in _cells(demo_book[schema.GUIDE_SHEET]).values())
    assert "How the Summary prices the package" in text
    assert "people are hired whole, not by the hour" in text
    assert "support is staffed from the SLAs" in text
    assert "the same figure Run optimization (tierplan optimize --mode min_cost) prices" in text
    assert "Productive hours per year are the only place time off, breaks and meetings are taken out" in text
    assert "until the Summary fits the budget" not in text
    for name in sf_layout.HELPER_SHEETS:
        assert name in text


def test_renamed_headers_are_followed_by_the_formulas(tmp_path):
    content = default_content()
    content.rename_headers["Intervals"] = {"hours": "Hours each"}
    content.drop_columns["Tiers"] = ("description",)
    wb = openpyxl.load_workbook(write_workbook(tmp_path / "renamed.xlsx", content))
    ws = wb[schema.INTERVALS.name]
    assert ws.cell(schema.HEADER_ROW, 4).value == "Hours each"
    assert "IntervalsTable[[#This Row],[Hours each]]*" in ws.cell(FIRST_DATA_ROW, 9).value
    assert "Description" not in [c.value for c in wb[schema.TIERS.name][schema.HEADER_ROW]]


# ------------------------------------------------------------------ content editing


def test_content_copy_is_independent_and_values_are_written_as_given(tmp_path):
    base = default_content()
    bad = base.copy()
    bad.roles[1]["loaded_cost"] = "a lot"
    bad.services[0]["direct_cost"] = FormulaCell("=1/0", "#DIV/0!")
    bad.tiers[0]["name"] = "=HYPERLINK(\"x\")"
    bad = dataclasses.replace(bad, drop_sheets=("SLAs",))
    assert base.roles[1]["loaded_cost"] == defaults.ENTERPRISE_CSM_COST
    assert base.rows("Roles") is base.roles
    wb = openpyxl.load_workbook(write_workbook(tmp_path / "bad.xlsx", bad))
    assert "SLAs" not in wb.sheetnames
    assert wb["Roles"].cell(FIRST_DATA_ROW + 1, 3).value == "a lot"
    assert wb["Services"].cell(FIRST_DATA_ROW, 4).value == "=1/0"
    assert wb["Tiers"].cell(FIRST_DATA_ROW, 1).value == "=HYPERLINK(\"x\")"
    assert wb["Tiers"].cell(FIRST_DATA_ROW, 1).data_type == "s"  # text, not a formula


# ------------------------------------------------------------------ Guide


def test_guide_explains_process_colours_margin_bands_and_every_column(demo_book):
    ws = demo_book[schema.GUIDE_SHEET]
    text = "\n".join(str(v) for v in _cells(ws).values())
    for name in schema.SHEET_ORDER:
        assert name in text
    for sheet in schema.INPUT_SHEETS:
        for c in sheet.columns:
            assert c.help in text, f"{sheet.name}: {c.header}"
    for s in schema.FINANCE.settings:
        assert s.help in text and s.name in text
    for _fill, meaning in schema.COLOURS.values():
        assert meaning in text
    assert "Assessed Service Value = annual cost x (1 + profit margin)" in text
    assert "worth 1,300" in text
    assert "share of accounts" in text and "Band basis" in text
    assert "1.2 x the Enterprise CSM" in text  # TAM cost labelled as an assumption
    for step in ("0. Define the tiers", "1. List every service", "2. Set the intervals", "3. Cost each service", "4. Apply the margin", "5. Tier the accounts"):
        assert step in text
    # the colour lines carry their own fill
    fills = {ws.cell(r, 1).value: ws.cell(r, 1).fill.fgColor.rgb[-6:] for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value in {m for _, m in schema.COLOURS.values()}}
    assert fills == {key.capitalize(): fill[1:] for key, (fill, _) in schema.COLOURS.items()}
    # room for the macro buttons
    for row in ws[guide.BUTTON_AREA]:
        for cell in row:
            assert cell.value is None, cell.coordinate
    assert not any(str(m) for m in ws.merged_cells.ranges)


# ------------------------------------------------------------------ demo data


def test_demo_accounts_are_deterministic_and_vectorised_sizes_work():
    a = demo_accounts(500, 7)
    b = demo_accounts(500, 7)
    pd.testing.assert_frame_equal(a, b)
    assert not a["arr"].equals(demo_accounts(500, 8)["arr"])
    assert list(a.columns) == defaults.account_columns()
    big = demo_accounts(120_000, 3)
    assert len(big) == 120_000 and big["account_id"].is_unique
    assert big["account_id"].iloc[-1] == "ACC-120000"
    assert len(demo_accounts(0, 1)) == 0


def test_demo_accounts_look_like_a_saas_customer_base():
    d = demo_accounts()
    arr = d["arr"]
    assert 40e6 <= arr.sum() <= 70e6
    assert 0.02 <= (arr > 100_000).mean() <= 0.08
    assert 0.18 <= ((arr >= 25_000) & (arr <= 100_000)).mean() <= 0.32
    assert 0.6 <= (arr < 25_000).mean() <= 0.8
    assert np.corrcoef(np.log(arr), np.log(d["employees"].fillna(d["employees"].median())))[0, 1] > 0.5
    assert 0.03 <= d["previous_tier"].isna().mean() <= 0.08
    assert set(d["previous_tier"].dropna()) == set(defaults.TIER_NAMES)
    for col in ("ARR growth %", "Health score", "Tickets per month"):
        assert 0.01 <= d[col].isna().mean() <= 0.08, col
    locked = d[d["locked_tier"].notna()]
    assert 3 <= len(locked) <= 20 and locked["lock_reason"].notna().all()
    assert 0.005 <= (d["strategic"] == "Yes").mean() <= 0.03
    assert 0.01 <= (d["churn_risk"] == "Yes").mean() <= 0.08
    assert set(d["region"]) == {"NA", "EMEA", "APAC", "LATAM"}
    # previous tier follows ARR: Tier 1 accounts are larger than Tier 3 accounts
    med = d.groupby("previous_tier")["arr"].median()
    assert med["Tier 1"] > med["Tier 2"] > med["Tier 3"]


def test_demo_budget_is_the_one_declared(generated):
    from planner.workbook.reader import read_inputs
    from planner.writers.plan_json import valuation_report

    report = valuation_report(read_inputs(generated["demo"]))
    assert report["budget"] == DEMO_BUDGET
    # the budget covers the services' own time and direct costs; people's whole books,
    # coverage ratios and support staffing are what make it bind (tests/test_demo_budget.py)
    assert report["totals"]["cost_to_serve"] < DEMO_BUDGET
