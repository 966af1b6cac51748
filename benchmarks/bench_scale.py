"""The whole product at scale: `tierplan plan` and `tierplan segment` on the demo, 100,000 and 1,000,000 accounts.

    .venv/bin/python benchmarks/bench_scale.py [--sizes demo,100000,1000000] [--writers 100000] [--keep DIR]

For each size other than ``demo`` the accounts come from planner.workbook.demo.demo_content (the demo's generator,
fixed seed, outcome columns included), written once as CSV and Parquet; the workbook is the demo workbook with
``--accounts FILE.parquet`` and the budget scaled with the accounts (``--budget``, so the plan stays a feasible plan
like the demo's rather than an infeasible one with its diagnosis). Each command runs as a child process under
``/usr/bin/time -v`` (wall time and peak resident memory of the child); the floors are measured in the same run:

  pandas read      pd.read_parquet and pd.read_csv(engine="pyarrow") of the same export (in this process)
  --format json    the same plan writing plan.json only (the floor of the writers)
  demo             the demo's own all-formats plan (the floor of the 100,000-account claim: at most 1.5x)

Then the results workbook of the largest size up to ``--writers`` accounts is written three ways, side by side, in
this process: XlsxWriter one cell at a time (the writer before issue 17), XlsxWriter's constant_memory mode row by
row (it has no Excel tables in that mode), and the streamed writer (planner.writers.streamed). Nothing is asserted;
on a shared machine every figure is noisy: read the ratios.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "workbooks" / "tierplan_demo.xlsx"
TIERPLAN = [sys.executable, "-m", "planner"]
DEMO_ACCOUNTS = 2000


@dataclasses.dataclass
class Run:
    label: str
    seconds: float
    peak_mb: float
    code: int


def timed_child(label: str, args: list[str]) -> Run:
    """Run a command under /usr/bin/time -v: its wall time and peak resident memory (falls back to rusage)."""
    if Path("/usr/bin/time").exists():
        start = time.perf_counter()
        r = subprocess.run(["/usr/bin/time", "-v", *args], capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - start
        peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
        return Run(label, wall, int(peak.group(1)) / 1024 if peak else float("nan"), r.returncode)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    r = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    return Run(label, wall, max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024, r.returncode)


def in_process(label: str, fn) -> tuple[Run, object]:
    start = time.perf_counter()
    out = fn()
    return Run(label, time.perf_counter() - start, float("nan"), 0), out


def make_exports(n: int, folder: Path) -> tuple[Path, Path]:
    from planner.workbook.demo import demo_content

    accounts = demo_content(n).accounts
    csv, parquet = folder / f"accounts_{n}.csv", folder / f"accounts_{n}.parquet"
    accounts.to_csv(csv, index=False)
    accounts.to_parquet(parquet, index=False)
    return csv, parquet


def plan_args(out: Path, parquet: Path | None, n: int, formats: str | None = None) -> list[str]:
    args = [*TIERPLAN, "plan", str(DEMO), "--out", str(out)]
    if parquet is not None:
        args += ["--accounts", str(parquet), "--budget", str(round(5_400_000 * n / DEMO_ACCOUNTS))]
    return args + (["--format", formats] if formats else [])


def show(rows: list[tuple[Run, Run | None]], title: str) -> None:
    print(f"\n{title}")
    width = max(len(r.label) for r, _ in rows)
    print(f"  {'step':<{width}}  {'seconds':>8}  {'peak MB':>8}  {'ratio':>7}  floor")
    for run, floor in rows:
        ratio = f"{run.seconds / floor.seconds:7.2f}" if floor else "       "
        peak = f"{run.peak_mb:8,.0f}" if run.peak_mb == run.peak_mb else "        "
        flag = "" if run.code in (0, 3) else f"  (exit {run.code})"
        print(f"  {run.label:<{width}}  {run.seconds:8.2f}  {peak}  {ratio}  {floor.label if floor else ''}{flag}")


def writers_side_by_side(n: int, parquet: Path | None, folder: Path) -> None:
    import xlsxwriter

    from planner.options import PlanOptions
    from planner.pipeline import build_plan
    from planner.workbook.reader import read_inputs
    from planner.writers.layout import layout, plain_value
    from planner.writers.results import write_results_workbook
    from planner.writers.row_limit import fit_sheets
    from planner.writers.sheets import plan_sheets

    inputs = read_inputs(DEMO, accounts=parquet)
    plan = build_plan(inputs, PlanOptions(budget=5_400_000 * n / DEMO_ACCOUNTS) if parquet else PlanOptions())
    sheets = fit_sheets(plan_sheets(plan))[0]

    def constant_memory(path: Path) -> None:
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
        for name, sheet in sheets.items():
            ws = book.add_worksheet(name[:31])
            lay = layout(sheet)
            ws.write_row(lay.header_row, 0, lay.headers)
            values = sheet.table.to_numpy(dtype=object)
            for i in range(len(values)):
                row = [plain_value(v) for v in values[i]]
                for j, v in enumerate(row):
                    if v is None:
                        continue
                    if hasattr(v, "text"):
                        ws.write_formula(lay.first_data_row + i, j, v.text)
                    else:
                        ws.write(lay.first_data_row + i, j, v)
        book.close()

    rows = []
    streamed, _ = in_process("streamed (planner.writers.streamed)", lambda: write_results_workbook(folder / "streamed.xlsx", sheets))
    rows.append((streamed, None))
    for label, fn in (("XlsxWriter one cell at a time (before)",
                       lambda: write_results_workbook(folder / "cells.xlsx", sheets, stream_rows=-1)),
                      ("XlsxWriter constant_memory, rows in order (no tables)", lambda: constant_memory(folder / "constant.xlsx"))):
        run, _ = in_process(label, fn)
        rows.append((run, streamed))
    accounts = len(plan.segmentation.accounts)
    show(rows, f"Results workbook, {accounts:,} accounts, three writers (ratio: against the streamed writer)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="demo,100000,1000000", help="comma-separated: demo and account counts")
    parser.add_argument("--writers", type=int, default=100_000, help="largest size whose workbook is written three ways (0: none)")
    parser.add_argument("--keep", type=Path, help="keep the exports and outputs in this folder")
    args = parser.parse_args()
    import pandas as pd

    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    scratch = None if args.keep else tempfile.TemporaryDirectory(prefix="tierplan-scale-")
    folder = args.keep or Path(scratch.name)  # type: ignore[union-attr]
    folder.mkdir(parents=True, exist_ok=True)
    demo_all: Run | None = None
    largest_writers: tuple[int, Path | None] | None = None
    for size in sizes:
        n = DEMO_ACCOUNTS if size == "demo" else int(size)
        parquet = None
        rows: list[tuple[Run, Run | None]] = []
        if size != "demo":
            start = time.perf_counter()
            csv, parquet = make_exports(n, folder)
            print(f"\n{n:,} accounts: exports written in {time.perf_counter() - start:.1f} s "
                  f"(CSV {csv.stat().st_size / 1e6:,.0f} MB, Parquet {parquet.stat().st_size / 1e6:,.0f} MB)")
            read_parquet, _ = in_process("pandas.read_parquet (floor)", lambda: pd.read_parquet(parquet))
            read_csv, _ = in_process("pandas.read_csv, pyarrow engine (floor)", lambda: pd.read_csv(csv, engine="pyarrow"))
            rows += [(read_parquet, None), (read_csv, None)]
        out = folder / f"out_{size}"
        json_only = timed_child("plan --format json", plan_args(out / "json", parquet, n, "json"))
        everything = timed_child("plan, every format", plan_args(out / "all", parquet, n))
        rows += [(json_only, rows[0][0] if parquet else None), (everything, json_only)]
        if parquet is not None:
            segment = timed_child("segment", [*TIERPLAN, "segment", str(DEMO), "--accounts", str(parquet), "--out", str(out / "segment")])
            rows.append((segment, rows[0][0]))
            if demo_all is not None:
                rows.append((dataclasses.replace(everything, label="plan, every format, against the demo's"), demo_all))
        else:
            demo_all = everything
        show(rows, f"{'The demo' if size == 'demo' else f'{n:,} accounts'} ({n:,} accounts)")
        if 0 < n <= args.writers:
            largest_writers = (n, parquet)
    if largest_writers is not None:
        writers_side_by_side(largest_writers[0], largest_writers[1], folder)
    if scratch is not None:
        scratch.cleanup()
    else:
        print(f"\nfiles in {folder}")


if __name__ == "__main__":
    main()
