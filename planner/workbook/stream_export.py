"""Reading a large CRM export (Parquet or CSV) through DuckDB, one batch at a time.

DuckDB scans the file (only the columns the plan reads; Parquet row groups or CSV blocks as they
come, never the whole file at once) and hands Arrow record batches over. Each batch is cleaned by
:func:`planner.workbook.accounts.clean_accounts`, the function a workbook's Accounts sheet and a
small ``--accounts`` file go through, with row numbers counted from the start of the file, and its
columns are kept as compact arrays (:class:`planner.segmentation.stream.AccountColumns`).

Checks that need the whole file are DuckDB aggregates: a repeated account ID is found by a
GROUP BY over the file before any batch is cleaned. The first problem batch stops the run with
the problems found in it (exit 2, each naming the file, the row and the column).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa

from planner.errors import Problem, UserInputError
from planner.inputs import PlanInputs
from planner.workbook.accounts import clean_accounts, match_account_columns
from planner.workbook.export import plain_columns
from planner.workbook.locators import MAX_ROW_PROBLEMS, FileLocator
from planner.workbook.text import normalise_header

BATCH_ROWS = 1_000_000
HEAD_ROWS = 1_000  # accounts read first, with the workbook, to validate the sheets and resolve the columns
MEMORY_LIMIT = "2GB"  # DuckDB's own working memory; it spills to its temporary directory beyond it
NOTES_KEPT = 40  # notes (data gaps) kept from the batches; the rest is counted


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Export:
    """One accounts file opened in DuckDB: its kind, columns, row count and batches."""

    def __init__(self, path: Path | str):
        import duckdb

        self.path = Path(path)
        self.name = self.path.name
        if not self.path.exists():
            raise UserInputError(Problem(str(self.path), "accounts file not found", "check the path given to --accounts"))
        if self.path.is_dir():
            raise UserInputError(Problem(str(self.path), "is a folder, not an accounts file", "give a .csv or .parquet file"))
        suffix = self.path.suffix.lower()
        if suffix in (".parquet", ".pq"):
            self.kind = "parquet"
            self.source = f"read_parquet({_sql_text(str(self.path))})"
        elif suffix in (".csv", ".txt", ".tsv"):
            self.kind = "csv"
            # every column as text: the cleaning reads numbers written as text as it does for a small export
            self.source = f"read_csv({_sql_text(str(self.path))}, header=true, all_varchar=true)"
        else:
            raise UserInputError(Problem(self.name, f"is not a CSV or Parquet file (it ends in {suffix or 'nothing'})",
                                         "--accounts takes a .csv or .parquet file"))
        self.con = duckdb.connect()
        self.con.execute(f"SET memory_limit = {_sql_text(MEMORY_LIMIT)}")
        self.con.execute("SET preserve_insertion_order = true")  # batches in file order: row numbers hold
        self.con.execute("SET enable_progress_bar = false")  # stdout carries results only
        try:
            described = self.con.sql(f"SELECT * FROM {self.source} LIMIT 0")
            self.columns = [str(c) for c in described.columns]
        except duckdb.Error as exc:
            kind = "a Parquet file" if self.kind == "parquet" else "CSV"
            raise UserInputError(Problem(self.name, f"cannot be read as {kind}", str(exc).strip().splitlines()[0][:200])) from None

    def locator(self, offset: int) -> FileLocator:
        """Rows named as the small-file path names them, counted from the start of the file."""
        if self.kind == "parquet":
            return FileLocator(self.name, first=offset + 1, unit="record")
        return FileLocator(self.name, first=offset + 2)

    def wanted(self, inputs_columns: list[str]) -> list[str]:
        """The file's columns the plan reads: the fixed account columns and those the Scoring sheet names."""
        found, _ = match_account_columns(self.columns)
        keep = set(found.values())
        scoring = {normalise_header(c) for c in inputs_columns}
        return [c for c in self.columns if c in keep or normalise_header(c) in scoring]

    def _query(self, columns: list[str], limit: int | None = None) -> str:
        listed = ", ".join(_ident(c) for c in columns) if columns else "*"
        return f"SELECT {listed} FROM {self.source}" + (f" LIMIT {int(limit)}" if limit is not None else "")

    def head(self, columns: list[str] | None = None, rows: int = HEAD_ROWS) -> pd.DataFrame:
        return self._frame(self.con.sql(self._query(columns or self.columns, rows)).to_arrow_table())

    def batches(self, columns: list[str], rows: int | None = None) -> Iterator[pd.DataFrame]:
        import duckdb

        try:
            reader = self.con.sql(self._query(columns)).to_arrow_reader(rows or BATCH_ROWS)
            for batch in reader:
                yield self._frame(pa.Table.from_batches([batch]))
        except duckdb.Error as exc:
            raise UserInputError(Problem(self.name, "cannot be read to the end", str(exc).strip().splitlines()[0][:200])) from None

    def _frame(self, table: pa.Table) -> pd.DataFrame:
        df = plain_columns(table).to_pandas()
        df.columns = [str(c) for c in df.columns]
        df.attrs.update(source=self.name, kind=self.kind)
        return df

    def repeated_ids(self, id_column: str) -> list[Problem]:
        """Account IDs that appear more than once anywhere in the file (a GROUP BY in DuckDB), first few by ID."""
        col = _ident(id_column)
        rows = self.con.sql(
            f"SELECT trim(CAST({col} AS VARCHAR)) AS id, count(*) AS n FROM {self.source} "
            f"WHERE {col} IS NOT NULL AND trim(CAST({col} AS VARCHAR)) <> '' GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 "
            f"LIMIT {MAX_ROW_PROBLEMS + 1}").fetchall()
        problems = [Problem(f"{self.name} column {id_column}", f'account ID "{i}" appears {n:,} times', "IDs must be unique")
                    for i, n in rows[:MAX_ROW_PROBLEMS]]
        if len(rows) > MAX_ROW_PROBLEMS:
            problems.append(Problem(f"{self.name} column {id_column}", "... and more account IDs that appear more than once"))
        return problems

    def close(self) -> None:
        self.con.close()


def read_streamed(export: Export, inputs: PlanInputs, scoring_columns: list[str], progress=None):
    """Every account of the export, cleaned batch by batch, as :class:`AccountColumns` (UserInputError on a bad file)."""
    from planner.segmentation.stream import AccountColumns

    found, _ = match_account_columns(export.columns)
    if "account_id" in found:
        repeated = export.repeated_ids(found["account_id"])
        if repeated:
            raise UserInputError(repeated)
    wanted = export.wanted(scoring_columns)
    known = list(inputs.tier_names)
    gathered: AccountColumns | None = None
    notes: list[str] = []
    more_notes = 0
    offset = 0
    for raw in export.batches(wanted):
        frame, problems, batch_notes = clean_accounts(raw, export.locator(offset), known, scoring_columns=scoring_columns)
        if problems:
            raise UserInputError(problems)
        for note in batch_notes:
            if len(notes) < NOTES_KEPT:
                notes.append(str(note))
            else:
                more_notes += 1
        if gathered is None:
            gathered = AccountColumns.for_inputs(inputs, list(frame.columns))
        gathered.add(frame)
        offset += len(raw)
        if progress is not None:
            progress(f"Read {offset:,} accounts")
    if gathered is None or offset == 0:
        raise UserInputError(Problem(export.name, "no accounts listed", "at least one account row under the headers"))
    if more_notes:
        notes.append(f"{export.name}: ... and {more_notes:,} more notes on the accounts")
    gathered.notes = notes + gathered.notes
    return gathered
