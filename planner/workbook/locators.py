"""Where the rows and cells of an accounts table (the Accounts sheet or a CSV/Parquet export) are, for messages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

from planner.errors import Problem, col_letter

MAX_ROW_PROBLEMS = 20  # per column and kind of problem; the rest is one summary line
NOTE_ROWS_SHOWN = 5  # rows named in a note before "and N more"

Positions: TypeAlias = Sequence[int] | NDArray[np.integer[Any]]  # data-row positions, as a list or as flatnonzero gives them


class Locator:
    """Where rows and cells of an accounts table are, for messages."""

    source: str  # "Accounts" or "accounts.csv"

    def cell(self, i: int, header: str) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def row_label(self, i: int) -> str:  # "row 12" / "record 12"
        raise NotImplementedError

    def column(self, header: str) -> str:  # where a whole column is
        raise NotImplementedError

    def header_where(self) -> str:
        raise NotImplementedError

    def cells(self, idx: Positions, header: str, limit: int = NOTE_ROWS_SHOWN) -> str:
        """``Accounts!H5, H9 and 12 more`` / ``accounts.csv rows 5, 9 and 12 more``."""
        raise NotImplementedError


@dataclass(frozen=True)
class SheetLocator(Locator):
    """Rows of the Accounts sheet: ``row_numbers[i]`` is the sheet row (1-based) of data row i."""

    sheet: str
    header_row: int  # 1-based
    row_numbers: np.ndarray
    column_index: dict  # header (as in the raw frame) -> 0-based column

    @property
    def source(self) -> str:  # type: ignore[override]
        return self.sheet

    def _col(self, header: str) -> str:
        return col_letter(self.column_index[header]) if header in self.column_index else "A"

    def cell(self, i: int, header: str) -> str:
        return f"{self.sheet}!{self._col(header)}{int(self.row_numbers[i])}"

    def row_label(self, i: int) -> str:
        return f"row {int(self.row_numbers[i])}"

    def column(self, header: str) -> str:
        c = self._col(header)
        return f"{self.sheet}!{c}:{c}"

    def header_where(self) -> str:
        return f"{self.sheet} row {self.header_row}"

    def cells(self, idx: Positions, header: str, limit: int = NOTE_ROWS_SHOWN) -> str:
        c = self._col(header)
        shown = [f"{c}{int(self.row_numbers[i])}" for i in idx[:limit]]
        more = len(idx) - len(shown)
        text = f"{self.sheet}!" + ", ".join(shown)
        return text + (f" and {more:,} more" if more else "")


@dataclass(frozen=True)
class FileLocator(Locator):
    """Rows of a CSV (header is row 1) or records of a Parquet file (first is record 1)."""

    name: str
    first: int = 2  # number of the first data row
    unit: str = "row"

    @property
    def source(self) -> str:  # type: ignore[override]
        return self.name

    def cell(self, i: int, header: str) -> str:
        return f"{self.name} {self.unit} {i + self.first}"

    def row_label(self, i: int) -> str:
        return f"{self.unit} {i + self.first}"

    def column(self, header: str) -> str:
        return f"{self.name} column {header}"

    def header_where(self) -> str:
        return f"{self.name} row 1" if self.unit == "row" else f"{self.name} columns"

    def cells(self, idx: Positions, header: str, limit: int = NOTE_ROWS_SHOWN) -> str:
        shown = [str(int(i) + self.first) for i in idx[:limit]]
        more = len(idx) - len(shown)
        word = self.unit if len(idx) == 1 else self.unit + "s"
        return f"{self.name} {word} " + ", ".join(shown) + (f" and {more:,} more" if more else "")


def report_rows_capped(
    problems: list[Problem],
    where: Locator,
    header: str,
    idx: np.ndarray,
    message: Callable[[int], str],
    expected: str | Callable[[int], str],
    summary_expected: str = "",
) -> None:
    """One problem per row for the first MAX_ROW_PROBLEMS rows, then one summary line."""
    idx = np.asarray(idx)
    exp = expected if callable(expected) else (lambda i: expected)
    for i in idx[:MAX_ROW_PROBLEMS]:
        problems.append(Problem(where.cell(int(i), header), message(int(i)), exp(int(i))))
    rest = len(idx) - MAX_ROW_PROBLEMS
    if rest > 0:
        summary = expected if isinstance(expected, str) else summary_expected
        problems.append(Problem(where.column(header), f"... and {rest:,} more rows with the same problem", summary))
