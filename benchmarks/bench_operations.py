"""Reading a million-ticket export and computing the operations figures, against reading the same file bare.

    .venv/bin/python benchmarks/bench_operations.py [--tickets 1000000] [--accounts 100000] [--repeat 1] [--keep DIR]

Makes ``--accounts`` demo accounts with outcome columns and a Zendesk-style CSV
export of about ``--tickets`` tickets (the demo generator, mixed time zones,
repeated rows, blank replies), then times, in the same run:

- baselines: ``pandas.read_csv(engine="pyarrow")`` and ``pyarrow.csv.read_csv``
  of the file (no cleaning at all);
- ``read_tickets``: the whole reader (headers, encodings, timestamps in three
  zones, durations, priorities, channels, duplicates, row messages);
- ``operations_report``: segment metrics, SLA attainment (business minutes for
  every ticket), the staffing check and the outreach flags.

The claim: the operations computation adds at most as much time as reading.
Printed as ratios against the bare pandas read, plus peak memory per step
(tracemalloc's peak of Python and numpy allocations, Arrow's pool peak, and the
process's peak resident size). Asserts nothing (tests never time things).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

REPEAT = 1


def timed(fn, *args, **kw):
    """Result and the best wall time of REPEAT runs (other work on the machine only ever adds time)."""
    best = float("inf")
    out = None
    for _ in range(REPEAT):
        t = time.perf_counter()
        out = fn(*args, **kw)
        best = min(best, time.perf_counter() - t)
    return out, best


def traced_peak(fn, *args, **kw) -> float:
    """Peak MB of Python and numpy allocations while ``fn`` runs (a second, untimed run)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn(*args, **kw)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    global REPEAT
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--keep", type=Path, default=None, help="folder to keep the generated export in")
    args = ap.parse_args()
    REPEAT = max(1, args.repeat)

    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from planner.inputs import SLA, Tier
    from planner.operations import operations_report
    from planner.workbook.defaults import sla_rows, tier_rows
    from planner.workbook.demo import demo_accounts
    from planner.workbook.demo_operations import DEMO_AS_OF, DEMO_CALENDAR, DEMO_TIMEZONE, demo_accounts_with_outcomes, demo_tiers, write_demo_tickets
    from planner.workbook.tickets import read_tickets

    seconds = {"seconds": 1, "minutes": 60, "hours": 3600}
    tiers = [Tier(r["name"], i, r["engagement"], r["band_basis"], r["band_min"], r["band_max"], r["max_cost_share"])
             for i, r in enumerate(tier_rows())]
    slas = [SLA(r["tier"], r["severity"], r["channel"], r["target"] * seconds[r["target_unit"]], r["tickets"],
                r["handle_minutes"], r["service_level"], r["role"]) for r in sla_rows()]

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_ops_"))
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    acc = demo_accounts(args.accounts, seed=7)
    monthly = {r["tier"]: 0.0 for r in sla_rows()}
    for r in sla_rows():
        monthly[r["tier"]] += r["tickets"]
    rate = np.array([monthly[t.name] for t in tiers])[np.minimum(demo_tiers(acc), len(tiers) - 1)]
    volume = args.tickets / (rate.sum() * 12.0)
    book = demo_accounts_with_outcomes(acc)
    path = write_demo_tickets(folder / "tickets.csv", acc, volume=volume)
    print(f"Generated {args.accounts:,} accounts and {path.stat().st_size / 1e6:,.0f} MB of tickets in {time.perf_counter() - t0:.1f} s "
          f"({folder})")

    _, t_pandas = timed(pd.read_csv, path, engine="pyarrow")
    _, t_arrow = timed(pacsv.read_csv, path)
    tickets, t_read = timed(read_tickets, path, timezone=DEMO_TIMEZONE)
    n = len(tickets.frame)
    report, t_ops = timed(operations_report, book, tiers, slas, tickets, as_of=DEMO_AS_OF, calendar=DEMO_CALENDAR)

    print(f"\n{n:,} tickets kept of {tickets.rows_read:,} rows, {args.accounts:,} accounts")
    print(f"{'step':<34}{'seconds':>9}{'x pandas read':>15}")
    for name, t in (("pandas.read_csv (pyarrow engine)", t_pandas), ("pyarrow.csv.read_csv", t_arrow),
                    ("read_tickets", t_read), ("operations_report", t_ops)):
        print(f"{name:<34}{t:>9.2f}{t / t_pandas:>15.2f}")
    print(f"\noperations_report / read_tickets: {t_ops / t_read:.2f}  (the claim: at most 1)")
    print(f"operations_report / pandas.read_csv: {t_ops / t_pandas:.2f}")
    print(f"flagged accounts {report.outreach.flagged_accounts:,}; SLA cells {len(report.sla_attainment.cells)}; "
          f"worst breach {report.sla_attainment.worst_breaches[0].late_minutes / 60:,.0f} h late")

    pool_before = pa.default_memory_pool().max_memory()
    peak_read = traced_peak(read_tickets, path, timezone=DEMO_TIMEZONE)
    peak_ops = traced_peak(operations_report, book, tiers, slas, tickets, as_of=DEMO_AS_OF, calendar=DEMO_CALENDAR)
    peak_pandas = traced_peak(pd.read_csv, path, engine="pyarrow")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print("\nPeak memory (tracemalloc: Python and numpy allocations during the step)")
    print(f"  pandas.read_csv   {peak_pandas:8.0f} MB")
    print(f"  read_tickets      {peak_read:8.0f} MB")
    print(f"  operations_report {peak_ops:8.0f} MB")
    print(f"  Arrow pool peak   {max(pool_before, pa.default_memory_pool().max_memory()) / 1e6:8.0f} MB; "
          f"process peak resident {rss:,.0f} MB; file {path.stat().st_size / 1e6:,.0f} MB")


if __name__ == "__main__":
    main()
