"""How fast the reader is, against baselines measured in the same run.

    .venv/bin/python benchmarks/bench_read.py [--rows 100000] [--csv-rows 1000000] [--repeat 3] [--keep DIR]

1. A workbook whose Accounts sheet has ``--rows`` accounts (the demo's
   generator). Times: the whole ``read_inputs`` (calamine + validation of
   every sheet + account cleaning), calamine's bare read of the sheet, and
   openpyxl's read-only read of the same sheet (the baseline the reader must
   beat; pandas.read_excel with openpyxl is slower still).
2. A CSV export of ``--csv-rows`` accounts, 10% of its ARR cells written as
   currency text ("$12,300") so the text path is exercised. Times: a bare
   ``pd.read_csv(engine="pyarrow")``, ``read_accounts_file`` and
   ``clean_accounts``; the ratio clean/bare says what the cleaning costs.
3. The same accounts as Parquet: ``pd.read_parquet`` against read + clean.

Prints rows per second and ratios; asserts nothing (tests never time things).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPEAT = 1


def timed(fn, *args, **kw):
    """Result and the best wall time of REPEAT runs (other work on the machine only ever adds time)."""
    best = float("inf")
    for _ in range(REPEAT):
        t = time.perf_counter()
        out = fn(*args, **kw)
        best = min(best, time.perf_counter() - t)
    return out, best


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>12,.0f} rows/s  ({seconds:6.2f} s)"


def make_accounts(n: int, seed: int = 7) -> pd.DataFrame:
    from planner.workbook.demo import demo_accounts

    return demo_accounts(n, seed)


def bench_workbook(folder: Path, rows: int) -> None:
    import openpyxl
    import python_calamine

    from planner.workbook.defaults import default_content
    from planner.workbook.demo import DEMO_BUDGET
    from planner.workbook.reader import read_inputs
    from planner.workbook.template import write_workbook

    content = default_content()
    content.finance["budget"] = DEMO_BUDGET
    content.accounts = make_accounts(rows)
    path = folder / f"accounts_{rows}.xlsx"
    t0 = time.perf_counter()
    write_workbook(path, content)
    t_write = time.perf_counter() - t0
    print(f"\nWorkbook with {rows:,} accounts ({path.stat().st_size / 1e6:.1f} MB, written in {t_write:.1f} s)")

    inputs, t_read = timed(read_inputs, path)
    assert len(inputs.accounts) == rows

    def calamine_sheet():
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        return wb.get_sheet_by_name("Accounts").to_python(skip_empty_area=False)

    def openpyxl_sheet():
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        out = list(wb["Accounts"].iter_rows(values_only=True))
        wb.close()
        return out

    _, t_cal = timed(calamine_sheet)
    _, t_opx = timed(openpyxl_sheet)
    print(f"  read_inputs (calamine + validate)  {rate(rows, t_read)}")
    print(f"  calamine, Accounts sheet only      {rate(rows, t_cal)}")
    print(f"  openpyxl read-only, same sheet     {rate(rows, t_opx)}   <- baseline")
    print(f"  read_inputs / openpyxl: {t_read / t_opx:.2f}x the time   read_inputs / bare calamine: {t_read / t_cal:.2f}x")


def bench_csv(folder: Path, rows: int) -> None:
    from planner.workbook.accounts import FileLocator, clean_accounts, read_accounts_file
    from planner.workbook.defaults import SIGNAL_COLUMNS

    acc = make_accounts(rows)
    fixed = {"account_id": "Account ID", "name": "Account name", "arr": "ARR", "industry": "Industry",
             "employees": "Employees", "region": "Region", "product": "Product", "previous_tier": "Previous tier",
             "previous_score": "Previous score", "locked_tier": "Locked tier", "lock_reason": "Lock reason",
             "strategic": "Strategic flag", "churn_risk": "Churn risk flag"}
    export = acc.rename(columns=fixed)
    arr = export["ARR"].to_numpy()
    text = np.random.default_rng(1).random(rows) < 0.10
    arr_col = pd.Series(arr, dtype=object)
    arr_col[text] = ["$" + f"{v:,.0f}" for v in arr[text]]  # setup only, not timed
    export["ARR"] = arr_col
    csv = folder / f"accounts_{rows}.csv"
    export.to_csv(csv, index=False)
    parquet = folder / f"accounts_{rows}.parquet"
    acc.rename(columns=fixed).to_parquet(parquet)
    tiers = ("Tier 1", "Tier 2", "Tier 3")
    print(f"\nCSV export with {rows:,} accounts ({csv.stat().st_size / 1e6:.0f} MB; 10% of ARR as currency text)")

    _, t_bare = timed(pd.read_csv, csv, engine="pyarrow")
    raw, t_read = timed(read_accounts_file, csv)
    (frame, problems, _notes), t_clean = timed(clean_accounts, raw, FileLocator(csv.name), tiers, scoring_columns=SIGNAL_COLUMNS)
    assert not problems and len(frame) == rows, problems[:3]
    total = t_read + t_clean
    print(f"  pd.read_csv(engine=pyarrow)        {rate(rows, t_bare)}   <- baseline")
    print(f"  read_accounts_file                 {rate(rows, t_read)}")
    print(f"  clean_accounts                     {rate(rows, t_clean)}")
    print(f"  read + clean                       {rate(rows, total)}")
    print(f"  (read + clean) / bare read: {total / t_bare:.2f}x   clean / bare read: {t_clean / t_bare:.2f}x")

    _, t_pq_bare = timed(pd.read_parquet, parquet)
    raw, t_pq_read = timed(read_accounts_file, parquet)
    (frame, problems, _notes), t_pq_clean = timed(clean_accounts, raw, FileLocator(parquet.name, first=1, unit="record"), tiers,
                                                 scoring_columns=SIGNAL_COLUMNS)
    assert not problems and len(frame) == rows
    print(f"\nParquet with {rows:,} accounts ({parquet.stat().st_size / 1e6:.0f} MB)")
    print(f"  pd.read_parquet                    {rate(rows, t_pq_bare)}   <- baseline")
    print(f"  read + clean                       {rate(rows, t_pq_read + t_pq_clean)}")
    print(f"  (read + clean) / bare read: {(t_pq_read + t_pq_clean) / t_pq_bare:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000, help="accounts on the workbook's Accounts sheet")
    ap.add_argument("--csv-rows", type=int, default=1_000_000, help="accounts in the CSV/Parquet export")
    ap.add_argument("--keep", type=Path, default=None, help="folder to keep the generated files in")
    ap.add_argument("--repeat", type=int, default=1, help="time each step this many times and keep the best")
    args = ap.parse_args()
    global REPEAT
    REPEAT = max(1, args.repeat)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        folder = args.keep
        bench_workbook(folder, args.rows)
        bench_csv(folder, args.csv_rows)
    else:
        with tempfile.TemporaryDirectory() as d:
            bench_workbook(Path(d), args.rows)
            bench_csv(Path(d), args.csv_rows)


if __name__ == "__main__":
    main()
