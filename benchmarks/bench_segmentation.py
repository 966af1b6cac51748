"""Segmentation at scale: a million-account CSV, read alone vs read + segment.

    .venv/bin/python benchmarks/bench_segmentation.py [--accounts 1000000] [--repeat 3]

Generates the accounts with planner.workbook.demo.demo_accounts (fixed seed),
writes them as CSV next to a demo workbook with no accounts, then times, in
the same run:

  baseline   reading the CSV through the project's reader
             (read_inputs(book, accounts=csv): parse, clean, validate)
  segment    planner.segmentation.segment on the PlanInputs just read
  crm        writing the CRM upload file

and prints accounts per second and each step's ratio to the baseline.
Timings are the best of --repeat runs. Nothing here is asserted: this is a
measurement, not a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

import pandas as pd


def best_of(repeat: int, fn):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from planner.segmentation import segment
    from planner.workbook.demo import demo_accounts, demo_content
    from planner.workbook.reader import read_inputs
    from planner.workbook.template import write_workbook
    from planner.writers.crm import write_crm_csv

    n = args.accounts
    with tempfile.TemporaryDirectory(prefix="tierplan-bench-") as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        frame = demo_accounts(n, seed=7)
        book = write_workbook(tmp / "book.xlsx", dataclasses.replace(demo_content(0), accounts=frame.head(0)))
        csv = tmp / "accounts.csv"
        frame.to_csv(csv, index=False)
        del frame
        print(f"generated {n:,} accounts ({csv.stat().st_size / 1e6:,.0f} MB CSV) in {time.perf_counter() - start:.1f} s")

        raw_time, _ = best_of(args.repeat, lambda: pd.read_csv(csv, engine="pyarrow"))
        read_time, inputs = best_of(args.repeat, lambda: read_inputs(book, accounts=csv))
        seg_time, seg = best_of(args.repeat, lambda: segment(inputs))
        crm_time, _ = best_of(args.repeat, lambda: write_crm_csv(seg, tmp / "crm.csv"))

        rows = [
            ("pandas.read_csv (pyarrow engine)", raw_time),
            ("baseline: read_inputs(book, accounts=csv)", read_time),
            ("segment(inputs)", seg_time),
            ("read + segment", read_time + seg_time),
            ("write_crm_csv", crm_time),
        ]
        width = max(len(r[0]) for r in rows)
        print(f"{'step':<{width}}  {'seconds':>8}  {'accounts/s':>12}  {'x baseline':>10}")
        for label, t in rows:
            print(f"{label:<{width}}  {t:8.2f}  {n / t:12,.0f}  {t / read_time:10.2f}")
        counts = seg.tier_stats()
        print("tiers:", ", ".join(f"{r.tier} {r.accounts:,}" for r in counts.itertuples()), "|", seg.band_message)


if __name__ == "__main__":
    main()
