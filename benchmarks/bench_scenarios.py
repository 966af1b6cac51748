"""Five scenarios planned side by side cost at most twice one plan.

    .venv/bin/python benchmarks/bench_scenarios.py [--repeat 1] [--scenarios 5]

On the demo workbook with five scenarios (its own three and two more: a raised Tier 1 guardrail, which also tiers the
accounts again, and cheaper Scaled CSMs), times in the same run:

* one plan: read the workbook and ``build_plan`` (segment, value, optimise with the whole sensitivity and the
  frontier, operating figures and pilots), what `tierplan plan` computes;
* the comparison: what `tierplan compare` computes, reading included: read the workbook once, segment the baseline once
  (and again for the one scenario that changes the tiers), plan the baseline and the five scenarios side by side
  (planner.scenarios.run) and build the comparison.

Prints wall-clock and CPU seconds (this process and its forked solver children), the solves made and the ratio
comparison / one plan, with the peak memory of this process (tracemalloc: Python allocations, the solver children's
own memory not included) during each. Best of --repeat runs. Nothing is asserted: a measurement.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from planner.pipeline import build_plan  # noqa: E402
from planner.scenarios.compare import comparison  # noqa: E402
from planner.scenarios.run import chosen_scenarios, plan_variants, scenario_variants  # noqa: E402
from planner.workbook.reader import read_inputs  # noqa: E402

EXTRA = [
    {"scenario": "Tier 1 guardrail 35%", "sheet": "Tiers", "tier": "Tier 1", "column": "Max CS cost % of ARR", "value": 0.35,
     "note": "benchmark: a Tiers change, so the accounts are tiered again"},
    {"scenario": "Cheaper Scaled CSM", "sheet": "Roles", "role": "Scaled CSM", "column": "Loaded annual cost", "value": 105_000,
     "note": "benchmark"},
]


def workbook(tmp: Path) -> Path:
    from planner.workbook.demo import demo_content
    from planner.workbook.template import write_workbook

    content = demo_content()
    content.scenarios = content.scenarios + EXTRA
    return write_workbook(tmp / "demo_five_scenarios.xlsx", content)


def measure(fn, repeat: int):
    best = None
    for _ in range(repeat):
        tracemalloc.start()
        c0, t0 = os.times(), time.perf_counter()
        out = fn()
        wall, c1 = time.perf_counter() - t0, os.times()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        cpu = sum(c1[:4]) - sum(c0[:4])
        if best is None or wall < best[0]:
            best = (wall, cpu, peak, out)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--scenarios", type=int, default=5, help="how many of the workbook's scenarios to compare (at most 5)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        book = workbook(Path(tmp))
        inputs = read_inputs(book)
        names = [s.name for s in inputs.scenarios][: args.scenarios]

        def one_plan():
            plan = build_plan(read_inputs(book))
            return len(plan.optimization.solves)

        def compare():
            read = read_inputs(book)
            plans = plan_variants(scenario_variants(read, chosen_scenarios(read, names)))
            comparison(plans)
            return sum(len(p.optimization.solves) for p in plans)

        one = measure(one_plan, args.repeat)
        many = measure(compare, args.repeat)
    print(f"demo workbook, {len(names)} scenarios ({', '.join(names)})")
    print(f"{'run':<34}{'wall s':>9}{'cpu s':>9}{'solves':>8}{'peak MiB':>10}")
    for label, (wall, cpu, peak, solves) in (("one plan (build_plan)", one), (f"baseline + {len(names)} scenarios (compare)", many)):
        print(f"{label:<34}{wall:>9.2f}{cpu:>9.2f}{solves:>8}{peak / 2**20:>10.1f}")
    print(f"ratio compare / one plan: wall {many[0] / one[0]:.2f}x, cpu {many[1] / one[1]:.2f}x (claim: at most 2x)")


if __name__ == "__main__":
    main()
