"""The sheet writer behind write_workbook: formats, the input tables, the settings sheets, the Guide and the Summary.

Every table sheet: title in A1, purpose in A2, units in row 3, headers on ``schema.HEADER_ROW``
(row 4), data below, inside an Excel table named as in the schema. The Summary and its helper
sheets are written by planner.workbook.summary_formulas when the content can be priced.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

import pandas as pd
import xlsxwriter

from planner import schema
from planner.workbook import guide
from planner.workbook.defaults import FormulaCell, WorkbookContent
from planner.workbook.summary_formulas import erlang_sheet, package_sheet, placement_sheet, summary_sheet
from planner.workbook.summary_formulas.layout import ERLANG_SHEET, PACKAGE_SHEET, PLACEMENT_SHEET, can_price
from planner.workbook.summary_formulas.writer import Writer as PackageWriter
from planner.workbook.template import data_validation
from planner.workbook.template.data_validation import clip
from planner.workbook.template.declarations import DEFAULT_NUMBER_FORMATS, FROZEN_COLUMNS, PROTECT_OPTIONS, number_format, signal_number_format
from planner.workbook.template.formulas import COLUMN_FORMULAS

_TAB_COLOURS = {
    schema.GUIDE_SHEET: schema.COLOURS["header"][0],
    schema.SUMMARY_SHEET: "#7F7F7F",
}
_INPUT_TAB = "#5B9BD5"

_FINANCE_WIDTHS = (28, 16, 20, 90)
_HEADER_IDX = schema.HEADER_ROW - 1  # 0-based row of table headers
_UNITS_IDX = _HEADER_IDX - 1  # 0-based row of the units line



class BookWriter:
    """Writes every sheet of one workbook into an XlsxWriter book: formats, tables, settings, the Guide and the Summary."""

    def __init__(self, book: xlsxwriter.Workbook, content: WorkbookContent):
        self.book = book
        self.content = content
        self._formats: dict[tuple, object] = {}
        self.present = [s for s in schema.SHEET_ORDER if s not in content.drop_sheets]
        # the Summary prices the negotiated package through helper sheets; they need every input sheet and column
        self.negotiated = PackageWriter(self, content) if can_price(content) else None

    # ---- formats
    def fmt(self, role: str, num_format: str = "General", **extra):
        key = (role, num_format, tuple(sorted(extra.items())))
        if key not in self._formats:
            props: dict = {"font_name": "Calibri", "font_size": 11, "valign": "top"}
            border = {"border": 1, "border_color": "#BFBFBF"}
            if role == "input":
                props.update(border, bg_color=schema.COLOURS["input"][0], locked=False)
            elif role == "formula":
                props.update(border, bg_color=schema.COLOURS["formula"][0], locked=True)
            elif role == "header":
                props.update(border, bold=True, font_color="#FFFFFF", bg_color=schema.COLOURS["header"][0], text_wrap=True, valign="vcenter")
            elif role == "title":
                props.update(bold=True, font_size=16, font_color=schema.COLOURS["header"][0])
            elif role == "purpose":
                props.update(italic=True, font_color="#404040")
            elif role == "unit":
                props.update(italic=True, font_size=9, font_color="#7F7F7F", align="center", valign="bottom")
            elif role == "label":
                props.update(border, text_wrap=True)
            elif role == "total":
                props.update(border, bold=True, bg_color=schema.COLOURS["formula"][0], top=2, locked=True)
            if num_format != "General":
                props["num_format"] = num_format
            props.update(extra)
            self._formats[key] = self.book.add_format(props)
        return self._formats[key]

    # ---- helpers
    def header(self, sheet: schema.Sheet, key: str) -> str:
        return self.content.rename_headers.get(sheet.name, {}).get(key, sheet.column(key).header)

    def _sheet_header(self, ws, title: str, purpose: str) -> None:
        ws.write_string(0, 0, title, self.fmt("title"))
        ws.write_string(1, 0, purpose, self.fmt("purpose"))
        ws.set_row(0, 24)

    def _page_setup(self, ws, repeat_header: bool = True) -> None:
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        if repeat_header:
            ws.repeat_rows(_HEADER_IDX)
        title = self.content.title.replace("&", "&&")
        ws.set_footer(f"&L&8&A&C&8Page &P of &N&R&8{title}")
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)

    def _protect(self, ws, name: str) -> None:
        if name in schema.PROTECTED_SHEETS:
            ws.protect("", dict(PROTECT_OPTIONS))

    def _tab(self, ws, name: str) -> None:
        ws.set_tab_color(_TAB_COLOURS.get(name, _INPUT_TAB))

    # ---- driver
    def write(self) -> None:
        for name in self.present:
            ws = self.book.add_worksheet(name)
            self._tab(ws, name)
            if name == schema.GUIDE_SHEET:
                self.write_guide(ws)
            elif name == schema.FINANCE.name:
                self.write_settings(ws, schema.FINANCE, self.content.finance)
            elif name == schema.OPERATIONS.name:
                self.write_settings(ws, schema.OPERATIONS, self.content.operations)
            elif name == schema.SUMMARY_SHEET:
                self.write_summary(ws)
            elif name == schema.ACCOUNTS.name:
                self.write_accounts(ws)
            else:
                sheet = schema.sheet_by_name(name)
                self.write_rows_sheet(ws, sheet, self.content.rows(sheet))
            self._protect(ws, name)
        if self.negotiated is not None:
            helpers = {
                PLACEMENT_SHEET: placement_sheet.write,
                PACKAGE_SHEET: package_sheet.write,
                ERLANG_SHEET: erlang_sheet.write,
            }
            for name, write in helpers.items():
                write(self.negotiated, self.book.add_worksheet(name))
        self.define_names()
        first = self.present.index(schema.GUIDE_SHEET) if schema.GUIDE_SHEET in self.present else 0
        self.book.worksheets()[first].activate()

    def define_names(self) -> None:
        for name, (sheet, key) in data_validation.LIST_NAMES.items():
            if sheet.name in self.present:
                self.book.define_name(name, f"={sheet.table}[{self.header(sheet, key)}]")
        if schema.ACCOUNTS.name in self.present:
            self.book.define_name(data_validation.ACCOUNT_COLUMN_LIST, f"={schema.ACCOUNTS.table}[#Headers]")

    # ---- cell writing
    def put(self, ws, row: int, col: int, value, fmt) -> None:
        if isinstance(value, FormulaCell):
            ws.write_formula(row, col, value.text, fmt, value.cached)
        elif value is None or value is pd.NA or value is pd.NaT:
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, fmt)
        elif isinstance(value, (int, float)):
            v = float(value)
            if math.isnan(v) or math.isinf(v):
                ws.write_blank(row, col, None, fmt)
            else:
                ws.write_number(row, col, v, fmt)
        elif isinstance(value, str):
            ws.write_string(row, col, value, fmt)
        elif isinstance(value, (_dt.date, _dt.datetime, pd.Timestamp)):
            stamp = pd.Timestamp(value)
            ws.write_datetime(row, col, stamp.to_pydatetime().replace(tzinfo=None), fmt)
        elif hasattr(value, "item"):  # numpy scalar
            self.put(ws, row, col, value.item(), fmt)
        else:
            ws.write_string(row, col, str(value), fmt)

    # ---- table sheets
    def write_rows_sheet(self, ws, sheet: schema.Sheet, rows: list[dict]) -> None:
        dropped = set(self.content.drop_columns.get(sheet.name, ()))
        columns = [c for c in sheet.columns if c.key not in dropped]
        h = self.header
        specs = []
        for c in columns:
            if c.is_input:
                specs.append(("input", c.key, h(sheet, c.key), number_format(c), c))
            else:
                specs.append(("formula", c.key, h(sheet, c.key), number_format(c), c))
        self._table(ws, sheet.name, sheet.table, sheet.title, sheet.purpose, specs, _RowSource(rows))

    def write_accounts(self, ws) -> None:
        sheet = schema.ACCOUNTS
        frame = self.content.accounts
        dropped = set(self.content.drop_columns.get(sheet.name, ()))
        fixed = {c.key: c for c in sheet.columns}
        outcomes = {c.header: c for c in schema.ACCOUNT_OUTCOMES}
        specs: list[tuple[str, str, str, str, schema.Column | None]] = []
        for name in frame.columns:
            name = str(name)
            if name in dropped:
                continue
            if name in fixed:
                c = fixed[name]
                specs.append(("input", name, self.header(sheet, name), number_format(c), c))
            elif name in outcomes:
                c = outcomes[name]
                specs.append(("input", name, name, number_format(c), c))
            else:
                specs.append(("input", name, name, signal_number_format(name), None))
        self._table(ws, sheet.name, sheet.table, sheet.title, sheet.purpose, specs, _FrameSource(frame))

    def _table(self, ws, name: str, table: str, title: str, purpose: str, specs: list, source) -> None:
        self._sheet_header(ws, title, purpose)
        n = len(source)
        first = _HEADER_IDX + 1
        last = _HEADER_IDX + max(n, 1)
        header_fmt = self.fmt("header")
        sheet = schema.sheet_by_name(name)
        columns_opt = []
        for role, key, header, _numfmt, _column in specs:
            opt = {"header": header, "header_format": header_fmt}
            if role == "formula":
                formula = COLUMN_FORMULAS[(name, key)](self.header)
                opt["formula"] = formula
            columns_opt.append(opt)
        ws.add_table(
            _HEADER_IDX,
            0,
            last,
            max(len(specs) - 1, 0),
            {"name": table, "columns": columns_opt, "style": "Table Style Light 1", "autofilter": True},
        )
        for j, (role, key, header, numfmt, column) in enumerate(specs):
            fmt = self.fmt(role, numfmt)
            if role == "formula":
                formula = columns_opt[j]["formula"]
                for i in range(n):
                    ws.write_formula(first + i, j, formula, fmt, "")
                if n == 0:
                    ws.write_blank(first, j, None, fmt)
            else:
                values = source.column(key)
                for i in range(n):
                    self.put(ws, first + i, j, values[i], fmt)
                if n == 0:
                    ws.write_blank(first, j, None, fmt)
            if column is not None and column.unit:
                ws.write_string(_UNITS_IDX, j, column.unit, self.fmt("unit"))
            width = column.width if column is not None else max(len(header) + 2, 10)
            ws.set_column(j, j, width)
            if role == "input":
                if column is not None:
                    dv = data_validation.rule(column, header, self.present)
                elif name == schema.ACCOUNTS.name:
                    dv = {"validate": "any", "input_title": clip(header, 32), "input_message": "Signal column from the CRM export; the Scoring sheet says whether and how it is used."}
                else:
                    dv = None
                if dv is not None:
                    ws.data_validation(first, j, last, j, dv)
        if name == schema.SCORING.name and schema.ACCOUNTS.name in self.present:
            at = next((j for j, s in enumerate(specs) if s[1] == "column"), None)
            if at is not None:
                col = sheet.column("column")
                ws.data_validation(first, at, last, at, data_validation.account_column_rule(specs[at][2], col.help))
        ws.set_row(_HEADER_IDX, 45)
        ws.freeze_panes(_HEADER_IDX + 1, FROZEN_COLUMNS.get(name, 0))
        self._page_setup(ws)

    # ---- Finance and Operations
    def write_settings(self, ws, F: schema.SettingsSheet, values: dict) -> None:
        self._sheet_header(ws, F.title, F.purpose)
        n = len(F.settings)
        first = _HEADER_IDX + 1
        header_fmt = self.fmt("header")
        ws.add_table(
            _HEADER_IDX, 0, _HEADER_IDX + n, len(F.headers) - 1,
            {"name": F.table, "columns": [{"header": t, "header_format": header_fmt} for t in F.headers],
             "style": "Table Style Light 1", "autofilter": False},
        )
        label_fmt = self.fmt("label")
        for i, s in enumerate(F.settings):
            r = first + i
            ws.write_string(r, 0, s.label, label_fmt)
            numfmt = DEFAULT_NUMBER_FORMATS.get(s.kind, "General")
            if s.kind == schema.NUMBER:
                numfmt = "#,##0"
            self.put(ws, r, 1, values.get(s.key), self.fmt("input", numfmt))
            ws.write_string(r, 2, s.unit, label_fmt) if s.unit else ws.write_blank(r, 2, None, label_fmt)
            ws.write_string(r, 3, s.help, label_fmt)
            lines = guide.estimated_lines(s.help, _FINANCE_WIDTHS[3])
            if lines > 1:
                ws.set_row(r, 15 * lines + 1)
            dv = data_validation.rule(s, s.label, self.present)
            if dv is not None:
                ws.data_validation(r, 1, r, 1, dv)
            self.book.define_name(s.name, f"={_quote(F.name)}!$B${r + 1}")
        for j, w in enumerate(_FINANCE_WIDTHS):
            ws.set_column(j, j, w)
        ws.set_row(_HEADER_IDX, 20)
        ws.freeze_panes(_HEADER_IDX + 1, 0)
        ws.hide_gridlines(2)
        self._page_setup(ws)

    # ---- Summary
    def write_summary(self, ws) -> None:
        if self.negotiated is not None:
            summary_sheet.write(self.negotiated, ws)
        else:  # a hand-broken variant (tests): the package formulas need every input sheet and column
            self._sheet_header(ws, "Summary", "This workbook lacks an input sheet or column the Summary's formulas read; "
                                              "tierplan validate names what is missing.")
        self._page_setup(ws, repeat_header=False)

    # ---- Guide
    def write_guide(self, ws) -> None:
        widths = guide.COLUMN_WIDTHS
        for j, w in enumerate(widths):
            ws.set_column(j, j, w)
        self._sheet_header(ws, guide.TITLE, guide.PURPOSE)
        styles = {
            "heading": self.fmt("guide_heading", bold=True, font_size=13, font_color=schema.COLOURS["header"][0], bottom=1),
            "label": self.fmt("guide_label", bold=True, text_wrap=True),
            "text": self.fmt("guide_text", text_wrap=True),
            "small": self.fmt("guide_small", text_wrap=True, font_size=10, font_color="#404040"),
        }
        on_header: dict[str, Any] = {"font_color": "#FFFFFF", "bold": True}
        swatches = {key: self.fmt("guide_swatch", border=1, border_color="#BFBFBF", bg_color=fill, **(on_header if key == "header" else {}))
                    for key, (fill, _) in schema.COLOURS.items()}
        r = guide.FIRST_ROW
        for line in guide.guide_lines(self.content, schema.PROTECTED_SHEETS):
            if line.kind == "blank":
                r += 1
                continue
            if line.kind == "heading":
                ws.write_string(r, 0, line.label, styles["heading"])
                ws.write_blank(r, 1, None, styles["heading"])
                ws.set_row(r, 22)
            elif line.kind == "colour":
                ws.write_string(r, 0, line.label, swatches[line.colour])
                ws.write_string(r, 1, line.text, styles["text"])
            else:
                ws.write_string(r, 0, line.label, styles["label"]) if line.label else None
                ws.write_string(r, 1, line.text, styles["small" if line.kind == "small" else "text"])
                lines = guide.estimated_lines(line.text, widths[1])
                if line.label:
                    lines = max(lines, guide.estimated_lines(line.label, widths[0]))
                if lines > 1:
                    ws.set_row(r, 15 * lines + 1)
            r += 1
        ws.hide_gridlines(2)
        self._page_setup(ws, repeat_header=False)
        ws.fit_to_pages(1, 0)


class _RowSource:
    def __init__(self, rows: list[dict]):
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, key: str) -> list:
        return [row.get(key) for row in self.rows]


class _FrameSource:
    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def __len__(self) -> int:
        return len(self.frame)

    def column(self, key: str) -> list:
        return self.frame[key].tolist()


def _quote(sheet_name: str) -> str:
    if sheet_name.replace("_", "").isalnum():
        return sheet_name
    return "'" + sheet_name.replace("'", "''") + "'"
