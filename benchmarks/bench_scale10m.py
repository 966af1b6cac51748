"""Ten million accounts from Parquet: the streamed plan against a bare read of the same file.

    .venv/bin/python benchmarks/bench_scale10m.py [--accounts 10000000] [--file /tmp/tierplan-bench-10m.parquet]

Generates the accounts once (planner.workbook.demo.demo_accounts, a million at a time with seeds
7, 8, ..., ids renumbered across the file) into --file and reuses it on later runs (about 200 MB
for ten million). Then runs, each in its own process so each peak resident memory is its own:

  floor duckdb   DuckDB reading the columns the plan reads, as Arrow batches, and nothing else
  floor pyarrow  pyarrow.dataset scanning the same columns
  streamed plan  planner.pipeline_stream.plan_streamed on the demo workbook's sheets with the file
                 as --accounts: read and clean every batch, score, tier, value, optimise, write
                 account_tiers.parquet and plan.json

and prints wall seconds, the ratio to the DuckDB floor and each process's peak resident memory
(claim: at most 8 GB for the streamed plan). Nothing is asserted: a measurement, not a test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "workbooks" / "tierplan_demo.xlsx"

FLOOR_DUCKDB = """
import duckdb, sys
from planner.workbook.stream_export import Export
e = Export(sys.argv[1])
cols = e.wanted(["ARR growth %", "Seat growth %", "Reference customer", "Logo value", "Integrations", "Tickets per month",
                 "Health score", "Tenure months"])
print(sum(b.num_rows for b in e.con.sql(e._query(cols)).to_arrow_reader(1_000_000)))
"""

FLOOR_PYARROW = """
import sys, pyarrow.dataset as ds
from planner.workbook.stream_export import Export
cols = Export(sys.argv[1]).wanted(["ARR growth %", "Seat growth %", "Reference customer", "Logo value", "Integrations",
                                    "Tickets per month", "Health score", "Tenure months"])
print(sum(b.num_rows for b in ds.dataset(sys.argv[1]).to_batches(columns=cols, batch_size=1_000_000)))
"""

STREAMED = """
import sys, time
from planner.pipeline_stream import build_streamed_plan, write_streamed_outputs
marks = [("start", time.perf_counter())]
def step(name):
    if not name.startswith("Read "):
        marks.append((name, time.perf_counter()))
plan = build_streamed_plan(sys.argv[2], sys.argv[1], progress=step)
marks.append(("Writing account_tiers.parquet and plan.json", time.perf_counter()))
write_streamed_outputs(plan, __import__("pathlib").Path(sys.argv[3]))
marks.append(("end", time.perf_counter()))
print("; ".join(f"{a[0]} {b[1] - a[1]:.1f} s" for a, b in zip(marks[1:], marks[2:])), "| tiers",
      dict(zip(plan.tiers.tier_stats()["tier"], plan.tiers.tier_stats()["accounts"])), plan.optimization.status)
"""


def generate(path: Path, n: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from planner.workbook.demo import demo_accounts

    start = time.perf_counter()
    chunk = min(1_000_000, n)
    tmp = path.with_name(path.name + ".part")
    writer = None
    for c in range((n + chunk - 1) // chunk):
        size = min(chunk, n - c * chunk)
        frame = demo_accounts(size, seed=7 + c)
        frame["account_id"] = [f"ACC-{i:08d}" for i in range(c * chunk + 1, c * chunk + size + 1)]
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table, row_group_size=250_000)
    assert writer is not None
    writer.close()
    tmp.replace(path)
    print(f"generated {n:,} accounts into {path} ({path.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - start:.0f} s")


def run(code: str, *args: str) -> tuple[float, float, str]:
    """Wall seconds, peak resident MB of the child, its stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"step failed:\n{err}")
    return wall, usage.ru_maxrss / 1024, out.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000_000)
    parser.add_argument("--file", type=Path, default=Path(tempfile.gettempdir()) / "tierplan-bench-10m.parquet")
    args = parser.parse_args()

    import pyarrow.parquet as pq

    if not args.file.exists() or pq.ParquetFile(args.file).metadata.num_rows != args.accounts:
        generate(args.file, args.accounts)
    n = pq.ParquetFile(args.file).metadata.num_rows
    print(f"{n:,} accounts, {args.file.stat().st_size / 1e6:,.0f} MB Parquet, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="tierplan-bench-") as out:
        rows = []
        for label, code, extra in (("floor duckdb", FLOOR_DUCKDB, ()), ("floor pyarrow", FLOOR_PYARROW, ()),
                                   ("streamed plan", STREAMED, (str(BOOK), out))):
            wall, peak, said = run(code, str(args.file), *extra)
            rows.append((label, wall, peak))
            print(f"  {label:14s} {wall:7.1f} s  peak {peak:7,.0f} MB   {said[:400]}", flush=True)
    floor = rows[0][1]
    print("ratios to the DuckDB floor:", ", ".join(f"{label} {wall / floor:.2f}" for label, wall, _ in rows))
    plan_peak = rows[2][2]
    print(f"streamed plan: {n / rows[2][1]:,.0f} accounts/s; peak {plan_peak / 1024:.2f} GB (claim: at most 8 GB)")


if __name__ == "__main__":
    main()
