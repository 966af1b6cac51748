"""A1 references and the fast formula writer the helper sheets and the Summary use.

Cell addresses are built from 0-based (row, column) pairs; ``put_formula`` stores a
formula of classic functions without XlsxWriter's per-formula regular expressions.
"""

from __future__ import annotations

from xlsxwriter import worksheet as _xw_worksheet
from xlsxwriter.utility import xl_rowcol_to_cell

_CELL_FORMULA = getattr(_xw_worksheet, "CellFormulaTuple", None)


def a1(row: int, col: int, row_abs: bool = False, col_abs: bool = False) -> str:
    """A1 reference of 0-based (row, col)."""
    return xl_rowcol_to_cell(row, col, row_abs, col_abs)


def a1_abs(row: int, col: int) -> str:
    return a1(row, col, True, True)


def span(sheet: str, col: int, first: int, last: int) -> str:
    """Absolute column range on a sheet: 'Sheet'!$C$5:$C$9 (0-based rows, inclusive)."""
    return f"{sheet}!{a1_abs(first, col)}:{a1_abs(last, col)}"


def ceil(expr: str) -> str:
    """Smallest whole number >= expr - 1e-9 (planner.optimization.model._ceil); expr >= 0."""
    return f"-INT(-(({expr})-1E-9))"


def put_formula(ws, row: int, col: int, formula: str, fmt) -> None:
    """``ws.write_formula(row, col, formula, fmt, "")`` for formulas of classic functions only, about five times faster.

    XlsxWriter runs some 30 regular expressions over every formula to prefix newer functions with ``_xlfn.``; for the
    Placement sheet's 80,000 formulas that is four fifths of writing the demo. The formulas here use classic functions
    only (tests/test_template.py checks every formula), so the cell is stored as write_formula would store it without
    that pass. Where XlsxWriter's internals differ from the version this was written for, write_formula is used.
    """
    if _CELL_FORMULA is None or getattr(ws, "constant_memory", True) or not hasattr(ws, "table"):
        ws.write_formula(row, col, formula, fmt, "")
        return
    if ws._check_dimensions(row, col):
        raise IndexError(f"cell {a1(row, col)} is outside the worksheet")
    ws.table[row][col] = _CELL_FORMULA(formula[1:] if formula.startswith("=") else formula, fmt, "")


def flag(value: str) -> str:
    """Yes/No, True/False, 1/0, x -> 1/0 (planner.segmentation.columns.flags)."""
    return f'IF(ISNUMBER({value}),IF({value}<>0,1,0),IF(OR(TRIM({value}&"")={{"yes","y","true","t","1","x"}}),1,0))'
