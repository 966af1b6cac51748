"""Write a planning workbook from a WorkbookContent, laid out as planner.schema declares.

Layout of every table sheet: title in A1, purpose in A2, units in row 3,
headers on ``schema.HEADER_ROW`` (row 4), data below, all inside an Excel table
named as in the schema. Finance is a settings table with one defined name per
setting pointing at its value cell. Summary holds formulas only.

Formulas use structured references (``IntervalsTable[[#This Row],[Hours per
occurrence]]``, ``RolesTable[Hourly rate]``) and classic functions only (IF,
INDEX, MATCH, SUMIF, COUNTIF, SUMPRODUCT, ROWS, SUM, ISNUMBER, AND, OR), so
the workbook computes in Excel and in LibreOffice 7.4, and rows added to a
table are picked up without editing any formula. Every formula is written with
an empty cached result: Excel recalculates on load (XlsxWriter sets the flag)
and LibreOffice recalculates formulas that carry no cached value.

Drop-downs for tiers, roles and services use the defined names ``TierList``,
``RoleList`` and ``ServiceList``, which point at whole table columns
(``=TiersTable[Tier]``): data validation cannot use structured references
directly, a name can, and the name grows with the table.

Protection: sheets holding formulas or fixed structure (Guide, Finance,
Roles, Intervals, Summary) are protected without a password; inputs on them
are unlocked. Pure input tables (Tiers, Services, SLAs, Scoring, Accounts)
stay unprotected so the tables grow when rows are typed or pasted below them.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from planner import schema
from planner.workbook import guide
from planner.workbook.defaults import FormulaCell, WorkbookContent, default_content
from planner.workbook.summary_formulas import erlang_sheet, package_sheet, placement_sheet, summary_sheet
from planner.workbook.summary_formulas.layout import ERLANG_SHEET, PACKAGE_SHEET, PLACEMENT_SHEET, can_price
from planner.workbook.summary_formulas.writer import Writer as PackageWriter

# ------------------------------------------------------------------ declarations

#: Fixed document properties: the same content always gives the same file.
CREATED = _dt.datetime(2026, 1, 1)

#: Sheets protected (no password). Everything else is left unprotected.
PROTECTED_SHEETS = (
    schema.GUIDE_SHEET,
    schema.FINANCE.name,
    schema.ROLES.name,
    schema.INTERVALS.name,
    schema.SUMMARY_SHEET,
)

#: What a user may still do on a protected sheet.
PROTECT_OPTIONS = {
    "format_cells": True,
    "format_columns": True,
    "format_rows": True,
    "insert_rows": True,
    "sort": True,
    "autofilter": True,
    "select_locked_cells": True,
    "select_unlocked_cells": True,
}

#: Defined names over whole table columns, used by drop-downs: name -> (sheet, column key).
LIST_NAMES = {
    "TierList": (schema.TIERS, "name"),
    "RoleList": (schema.ROLES, "name"),
    "ServiceList": (schema.SERVICES, "name"),
}
_REF_LIST = {"Tiers": "TierList", "Roles": "RoleList", "Services": "ServiceList"}
#: Name over the Accounts header row, used by the Scoring sheet's "Account column" drop-down.
ACCOUNT_COLUMN_LIST = "AccountColumnList"

#: Columns frozen at the left of each sheet (rows above the data are always frozen).
FROZEN_COLUMNS = {
    schema.TIERS.name: 1,
    schema.SERVICES.name: 1,
    schema.ROLES.name: 1,
    schema.INTERVALS.name: 2,
    schema.SLAS.name: 2,
    schema.ACCOUNTS.name: 2,
}

#: Classic spreadsheet functions the template's formulas may use.
ALLOWED_FUNCTIONS = frozenset({"IF", "INDEX", "MATCH", "SUMIF", "COUNTIF", "SUMIFS", "COUNTIFS", "SUMPRODUCT", "ROWS", "SUM", "ISNUMBER", "AND", "OR"})

DEFAULT_NUMBER_FORMATS = {
    schema.CURRENCY: schema.MONEY_FORMAT,
    schema.PERCENT: schema.PERCENT_FORMAT,
    schema.NUMBER: "General",
    schema.INTEGER: "0",
    schema.TEXT: "@",
    schema.CHOICE: "General",
    schema.BOOL: "General",
    schema.FORMULA: schema.MONEY_FORMAT,
    schema.DATE: "yyyy-mm-dd",
    schema.VALUE: "General",
}

_TAB_COLOURS = {
    schema.GUIDE_SHEET: schema.COLOURS["header"][0],
    schema.SUMMARY_SHEET: "#7F7F7F",
}
_INPUT_TAB = "#5B9BD5"

_FINANCE_WIDTHS = (28, 16, 20, 90)
_HEADER_IDX = schema.HEADER_ROW - 1  # 0-based row of table headers
_UNITS_IDX = _HEADER_IDX - 1  # 0-based row of the units line


def number_format(column: schema.Column) -> str:
    """Excel number format of a column: its declared one, else the default for its kind."""
    return column.number_format or DEFAULT_NUMBER_FORMATS[column.kind]


def signal_number_format(header: str) -> str:
    """Number format of an Accounts signal column, from its header ("... %" is a percentage)."""
    return schema.PERCENT_FORMAT if header.strip().endswith("%") else "General"


# ------------------------------------------------------------------ formulas

Header = Callable[[schema.Sheet, str], str]


def _this(sheet: schema.Sheet, key: str, h: Header) -> str:
    return f"{sheet.table}[[#This Row],[{h(sheet, key)}]]"


def _col(sheet: schema.Sheet, key: str, h: Header) -> str:
    return f"{sheet.table}[{h(sheet, key)}]"


def _roles_hourly_rate(h: Header) -> str:
    R = schema.ROLES
    hours, cost = _this(R, "productive_hours", h), _this(R, "loaded_cost", h)
    return f"=IF({hours}>0,{cost}/{hours},0)"


def _intervals_hourly_rate(h: Header) -> str:
    I, S, R = schema.INTERVALS, schema.SERVICES, schema.ROLES
    own = _this(I, "role", h)
    catalog = f"INDEX({_col(S, 'role', h)},MATCH({_this(I, 'service', h)},{_col(S, 'name', h)},0))"
    return f"=INDEX({_col(R, 'hourly_rate', h)},MATCH(IF({own}<>\"\",{own},{catalog}),{_col(R, 'name', h)},0))"


def _intervals_cost_per_occurrence(h: Header) -> str:
    I, S = schema.INTERVALS, schema.SERVICES
    direct = f"INDEX({_col(S, 'direct_cost', h)},MATCH({_this(I, 'service', h)},{_col(S, 'name', h)},0))"
    return f"={_this(I, 'hours', h)}*{_this(I, 'hourly_rate', h)}+{direct}"


def _intervals_annual_cost(h: Header) -> str:
    I = schema.INTERVALS
    return f"={_this(I, 'cost_per_occurrence', h)}*{_this(I, 'negotiated', h)}"


def _intervals_asv(h: Header) -> str:
    I = schema.INTERVALS
    return f"={_this(I, 'annual_cost', h)}*(1+{schema.FINANCE.setting('margin').name})"


#: The formula of every FORMULA column, by (sheet name, column key).
COLUMN_FORMULAS: dict[tuple[str, str], Callable[[Header], str]] = {
    (schema.ROLES.name, "hourly_rate"): _roles_hourly_rate,
    (schema.INTERVALS.name, "hourly_rate"): _intervals_hourly_rate,
    (schema.INTERVALS.name, "cost_per_occurrence"): _intervals_cost_per_occurrence,
    (schema.INTERVALS.name, "annual_cost"): _intervals_annual_cost,
    (schema.INTERVALS.name, "asv"): _intervals_asv,
}

# ------------------------------------------------------------------ public API


def write_template(path: str | Path) -> Path:
    """Write the blank planning template (defaults, no accounts, no budget)."""
    return write_workbook(path, default_content())


def write_workbook(
    path: str | Path,
    content: WorkbookContent,
    extras: Callable[[xlsxwriter.Workbook], None] | None = None,
) -> Path:
    """Write ``content`` as a planning workbook at ``path`` (.xlsx). Deterministic output.

    ``extras`` is called with the XlsxWriter workbook after every sheet is
    written and before the file is closed; the macro-enabled variant
    (planner.excel.build) adds its VBA project and buttons there.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False, "nan_inf_to_errors": False},
    )
    book.set_properties(
        {
            "title": content.title,
            "subject": "Customer Success tier planning",
            "author": "TierPlan",
            "company": "",
            "created": CREATED,
        }
    )
    _Writer(book, content).write()
    if extras is not None:
        extras(book)
    book.close()
    return path


# ------------------------------------------------------------------ writer


class _Writer:
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
        if name in PROTECTED_SHEETS:
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
        for name, (sheet, key) in LIST_NAMES.items():
            if sheet.name in self.present:
                self.book.define_name(name, f"={sheet.table}[{self.header(sheet, key)}]")
        if schema.ACCOUNTS.name in self.present:
            self.book.define_name(ACCOUNT_COLUMN_LIST, f"={schema.ACCOUNTS.table}[#Headers]")

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

    # ---- validation
    def _validation(self, column: schema.Column | schema.Setting, header: str) -> dict | None:
        """Data validation options for one input column or setting (None: just a prompt)."""
        prompt = _clip(column.help + (f" Unit: {column.unit}." if column.unit else ""), 255)
        base = {"input_title": _clip(header, 32), "input_message": prompt, "ignore_blank": True}
        ref, strict = column.ref, True
        if isinstance(column, schema.Column) and column.key == "previous_tier":
            # old tier names are allowed (the account is then treated as new): warn, do not refuse
            ref, strict = "Tiers", False
        if ref in _REF_LIST:
            if ref not in self.present:
                return {"validate": "any", **base}
            return {
                "validate": "list",
                "source": f"={_REF_LIST[ref]}",
                "error_type": "stop" if strict else "warning",
                "error_title": _clip(f"Unknown {ref[:-1].lower()}", 32),
                "error_message": f"Choose a name listed on the {ref} sheet."
                + ("" if strict else " A tier that no longer exists makes the account count as new."),
                **base,
            }
        if column.kind in (schema.CHOICE, schema.BOOL) and column.choices:
            return {
                "validate": "list",
                "source": list(column.choices),
                "error_title": _clip(f"Not a valid {header.lower()}", 32),
                "error_message": "Choose one of: " + ", ".join(column.choices) + ".",
                **base,
            }
        if column.kind == schema.DATE:
            return {
                "validate": "date", "criteria": "between",
                "minimum": _dt.datetime(2000, 1, 1), "maximum": _dt.datetime(2100, 12, 31),
                "error_title": _clip(f"Not a date: {header.lower()}", 32),
                "error_message": "Type a date, e.g. 2026-06-30.",
                **base,
            }
        if column.kind in (schema.NUMBER, schema.CURRENCY, schema.PERCENT, schema.INTEGER):
            kind = "integer" if column.kind == schema.INTEGER else "decimal"
            lo, hi = column.minimum, column.maximum
            if lo is not None and hi is not None:
                rule = {"criteria": "between", "minimum": lo, "maximum": hi}
                text = f"from {_show(lo, column.kind)} to {_show(hi, column.kind)}"
            elif lo is not None:
                rule = {"criteria": ">=", "value": lo}
                text = f"at least {_show(lo, column.kind)}"
            elif hi is not None:
                rule = {"criteria": "<=", "value": hi}
                text = f"at most {_show(hi, column.kind)}"
            else:
                return {"validate": "any", **base}
            return {
                "validate": kind,
                **rule,
                "error_title": _clip(f"{header}: out of range", 32),
                "error_message": _clip(f"Enter a {'whole ' if kind == 'integer' else ''}number {text}.", 255),
                **base,
            }
        return {"validate": "any", **base}

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
                    dv = self._validation(column, header)
                elif name == schema.ACCOUNTS.name:
                    dv = {"validate": "any", "input_title": _clip(header, 32), "input_message": "Signal column from the CRM export; the Scoring sheet says whether and how it is used."}
                else:
                    dv = None
                if dv is not None:
                    ws.data_validation(first, j, last, j, dv)
        if name == schema.SCORING.name and schema.ACCOUNTS.name in self.present:
            at = next((j for j, s in enumerate(specs) if s[1] == "column"), None)
            if at is not None:
                col = sheet.column("column")
                ws.data_validation(first, at, last, at, {
                    "validate": "list",
                    "source": f"={ACCOUNT_COLUMN_LIST}",
                    "error_type": "warning",
                    "error_title": "Not an Accounts column",
                    "error_message": "This header is not on the Accounts sheet. Check the spelling, or add the column there.",
                    "input_title": _clip(specs[at][2], 32),
                    "input_message": _clip(col.help, 255),
                    "ignore_blank": True,
                })
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
            dv = self._validation(s, s.label)
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
        for line in guide.guide_lines(self.content, PROTECTED_SHEETS):
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


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 3].rstrip() + "..."


def _show(value: float, kind: str) -> str:
    if kind == schema.PERCENT:
        return f"{value:.0%}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def _quote(sheet_name: str) -> str:
    if sheet_name.replace("_", "").isalnum():
        return sheet_name
    return "'" + sheet_name.replace("'", "''") + "'"
