"""HiGHS against CBC on our own planning models, to choose the default solver.

    .venv/bin/python benchmarks/bench_solvers.py [--repeat 3] [--no-demo]

Models (all solved through the project's path: PuLP model, forked child with
the wall-clock guard, lexicographic plan solve):

  example 2k     planner.optimization.examples.example_inputs(2,000), budget binding
  example 100k   the same shape with 100,000 accounts (same model size)
  demo           the demo workbook (planner.workbook.demo) read and segmented,
                 tier guardrails removed so a plan exists at a binding budget
  random x24     the 24 tiny seeded instances the brute-force tests enumerate

each in min_cost and max_value. For every model the best of --repeat runs is
timed for both solvers, the two optima are checked equal, and the ratio
CBC / HiGHS is printed (above 1: HiGHS is faster), with the geometric mean over
models. A second table times a whole ``optimize()`` (plan, shadow prices,
steps and frontier). Nothing is asserted: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import tempfile
import time
from pathlib import Path

from planner.optimization import optimize
from planner.optimization.examples import example_inputs, random_instance
from planner.optimization.formulation import build, model_size
from planner.optimization.model import Spec, prepare
from planner.optimization.plan import Runner, solve_plan

SOLVERS = ("highs", "cbc")


def best_of(repeat, fn):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def demo_model():
    from planner.segmentation import segment
    from planner.workbook.demo import write_demo
    from planner.workbook.reader import read_inputs

    path = write_demo(Path(tempfile.mkdtemp()) / "demo.xlsx")
    inputs = read_inputs(path)
    inputs = dataclasses.replace(inputs, tiers=tuple(dataclasses.replace(t, max_cost_share=None) for t in inputs.tiers))
    return inputs, segment(inputs).tier_stats()


def models(with_demo: bool):
    out = [("example 2k", *example_inputs(2_000, 5_000_000)), ("example 100k", *example_inputs(100_000, 240_000_000))]
    if with_demo:
        inputs, ts = demo_model()
        inputs = dataclasses.replace(inputs, finance=dataclasses.replace(inputs.finance, budget=5_400_000))
        out.append(("demo", inputs, ts))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-demo", action="store_true")
    args = ap.parse_args()

    print(f"{'model':<16}{'mode':<11}{'vars':>6}{'rows':>6}{'highs s':>10}{'cbc s':>10}{'cbc/highs':>11}  same optimum")
    ratios = []
    for name, inputs, ts in models(not args.no_demo):
        data = prepare(inputs, ts)
        for mode in ("min_cost", "max_value"):
            size = model_size(build(data, Spec(mode=mode, objective="value" if mode == "max_value" else "cost", budget=inputs.finance.budget)))
            times, sols = {}, {}
            for solver in SOLVERS:
                budget = inputs.finance.budget if mode == "max_value" else None
                times[solver], sols[solver] = best_of(args.repeat, lambda: solve_plan(data, mode, budget, Runner(solver, 120)))
            a, b = sols["highs"].evaluation, sols["cbc"].evaluation
            same = a is not None and b is not None and math.isclose(a.value, b.value, rel_tol=1e-6) and math.isclose(a.total_cost, b.total_cost, rel_tol=1e-7)
            r = times["cbc"] / times["highs"]
            ratios.append(r)
            print(f"{name:<16}{mode:<11}{size[0]:>6}{size[1]:>6}{times['highs']:>10.3f}{times['cbc']:>10.3f}{r:>11.2f}  {same}")

    # the 24 brute-force instances, summed
    for mode in ("min_cost", "max_value"):
        times = {}
        agree = True
        for solver in SOLVERS:
            t = time.perf_counter()
            res = []
            for seed in range(24):
                inputs, ts = random_instance(seed, mode=mode)
                data = prepare(inputs, ts)
                res.append(solve_plan(data, mode, inputs.finance.budget if mode == "max_value" else None, Runner(solver, 60)))
            times[solver] = time.perf_counter() - t
            if solver == "highs":
                first = res
            else:
                agree = all(x.status == y.status and (not x.has_plan or math.isclose(x.evaluation.total_cost, y.evaluation.total_cost, rel_tol=1e-7))
                            for x, y in zip(first, res))
        r = times["cbc"] / times["highs"]
        ratios.append(r)
        print(f"{'random x24':<16}{mode:<11}{'':>6}{'':>6}{times['highs']:>10.3f}{times['cbc']:>10.3f}{r:>11.2f}  {agree}")

    gm = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(f"\ngeometric mean CBC / HiGHS over {len(ratios)} model runs: {gm:.2f}  ->  faster: {'highs' if gm > 1 else 'cbc'}")

    print(f"\n{'whole optimize()':<28}{'highs s':>10}{'cbc s':>10}{'cbc/highs':>11}{'solves':>8}")
    for name, inputs, ts in models(False)[:1]:
        for mode in ("min_cost", "max_value"):
            t = {}
            n = 0
            for solver in SOLVERS:
                t[solver], res = best_of(1, lambda: optimize(inputs, ts, mode=mode, solver=solver))
                n = len(res.solves)
            print(f"{name + ' ' + mode:<28}{t['highs']:>10.2f}{t['cbc']:>10.2f}{t['cbc'] / t['highs']:>11.2f}{n:>8}")


if __name__ == "__main__":
    main()
