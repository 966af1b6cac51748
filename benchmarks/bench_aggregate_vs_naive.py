"""The tier-aggregate model against a naive per-account formulation of the same plan.

    .venv/bin/python benchmarks/bench_aggregate_vs_naive.py [--accounts 2000 10000] [--mode max_value] [--time-limit 300]

Naive: one integer variable per account per service of its tier (occurrences
per year), one value increment per account per service per occurrence, every
account of a tier held to the tier's interval by equality constraints (the plan
is per tier), role hours / budget / guardrails summed over accounts, each
account's own ARR in its value. Aggregate: planner.optimization (accounts and
ARR enter as tier totals; size independent of the account count).

Both are solved with HiGHS through the same guarded runner and the same
options. The script checks that both reach the same optimum (relative 1e-6)
and prints, per account count, model sizes, build and solve times and the
speed-up (naive / aggregate). Nothing is asserted: this is a measurement.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import pulp

from planner.optimization.examples import example_inputs
from planner.optimization.formulation import build, model_size
from planner.optimization.model import BUDGET, Spec, prepare, unit_id
from planner.optimization.solve import solve


def naive_model(inputs, data, budget: float, mode: str) -> pulp.LpProblem:
    """Per-account formulation of the model in docs/model.md (value objective or cost objective)."""
    sense = pulp.LpMaximize if mode == "max_value" else pulp.LpMinimize
    prob = pulp.LpProblem("naive", sense)
    acc = inputs.accounts
    tier_of = acc["previous_tier"].to_numpy()
    arr = acc["arr"].to_numpy(dtype=float)
    by_tier = {t: np.flatnonzero(tier_of == t) for t in data.tiers}
    cat = pulp.LpInteger
    value_terms, cost_terms = [], []
    load = {unit_id(data, u): [] for u in data.units}
    tier_cost = {t: [] for t in data.tiers}
    xs = {}
    for c in data.cells:
        rows = by_tier[c.tier]
        lo = c.floor(mode)
        prev = None
        for a in rows:
            x = prob.add_variable(f"x_{c.index:03d}_{a:06d}", lowBound=lo, upBound=c.cap, cat=cat)
            xs[(c.index, a)] = x
            if prev is not None:
                prob += (x - prev == 0, f"same_{c.index:03d}_{a:06d}")  # the plan is per tier
            prev = x
            if mode == "max_value" and c.impact > 0 and c.cap > 0:
                ys = []
                for k in range(1, math.ceil(c.cap) + 1):
                    y = prob.add_variable(f"y_{c.index:03d}_{a:06d}_{k:03d}", lowBound=0, upBound=min(1.0, c.cap - k + 1))
                    ys.append(y)
                    value_terms.append((y, c.impact * arr[a] * c.decay ** (k - 1)))
                prob += (x - pulp.lpSum(ys) == 0, f"link_{c.index:03d}_{a:06d}")
            if c.variable_rate:
                cost_terms.append((x, c.variable_rate))
            attributed = c.direct_cost + (c.hours * c.hourly_rate if c.staffing != "Named" else 0.0)
            if attributed:
                tier_cost[c.tier].append((x, attributed))
        u = data.unit_of(c.role, c.tier) if c.staffing != "Automated" else None
        if u is not None and c.hours:
            uid = unit_id(data, u)
            load[uid] += [(xs[(c.index, a)], c.hours) for a in rows]
    people = {}
    for u in data.units:
        uid = unit_id(data, u)
        n = prob.add_variable(f"n_{uid}", lowBound=0, cat=cat)
        people[uid] = n
        cost_terms.append((n, u.loaded_cost))
        if u.tier:
            tier_cost[u.tier].append((n, u.loaded_cost))
        prob += (pulp.LpAffineExpression(load[uid]) + data.unit_support_hours(u) - u.productive_hours * n <= 0, f"hours_{uid}")
        if u.has_coverage:
            covered = []
            for t in u.tiers:
                if data.accounts[t] <= 0:
                    continue
                busy = data.support_hours.get((u.role, t), 0.0) > 0
                z = prob.add_variable(f"z_{uid}_{t}", lowBound=1 if busy else 0, upBound=1, cat=cat)
                for c in data.cells:
                    if c.role == u.role and c.tier == t and c.cap > 0:
                        for a in by_tier[t]:
                            prob += (xs[(c.index, a)] - c.cap * z <= 0, f"serve_{uid}_{c.index:03d}_{a:06d}")
                covered.append((z, data.accounts[t]))
            prob += (u.max_accounts * n - pulp.LpAffineExpression(covered) >= 0, f"cover_{uid}")
    const = 0.0
    tier_const = dict.fromkeys(data.tiers, 0.0)
    for (role, tier), hours in data.support_hours.items():
        r = data.roles[role]
        if r.staffing == "Automated":
            const += hours * r.hourly_rate
        if r.staffing != "Named":
            tier_const[tier] += hours * r.hourly_rate
    cost = pulp.LpAffineExpression(cost_terms) + const
    for t, share in data.guardrails.items():
        prob += (pulp.LpAffineExpression(tier_cost[t]) + tier_const[t] <= share * data.arr[t], f"guard_{t}")
    if mode == "max_value":
        prob += (cost <= budget, BUDGET)
        prob += pulp.LpAffineExpression(value_terms)
    else:
        prob += cost
    return prob


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, nargs="+", default=[2_000, 10_000])
    ap.add_argument("--mode", default="max_value", choices=("max_value", "min_cost"))
    ap.add_argument("--time-limit", type=float, default=300.0)
    args = ap.parse_args()
    print(f"mode {args.mode}, HiGHS, time limit {args.time_limit:g} s per solve\n")
    print(f"{'accounts':>9} {'model':<10}{'vars':>9}{'rows':>9}{'build s':>9}{'solve s':>9}{'status':>10}{'objective':>16}")
    for n in args.accounts:
        budget = 2_500.0 * n  # about half-way between the floors and the full plan of example_inputs
        inputs, ts = example_inputs(n, budget)
        data = prepare(inputs, ts)

        t0 = time.perf_counter()
        agg = build(data, Spec(mode=args.mode, objective="value" if args.mode == "max_value" else "cost",
                               budget=budget if args.mode == "max_value" else None))
        t1 = time.perf_counter()
        out_a = solve(agg.prob, "highs", time_limit=args.time_limit)
        t2 = time.perf_counter()
        obj_a = out_a.objective
        size_a = model_size(agg)
        print(f"{n:>9,} {'aggregate':<10}{size_a[0]:>9,}{size_a[1]:>9,}{t1 - t0:>9.2f}{t2 - t1:>9.2f}{out_a.status:>10}{obj_a:>16,.2f}")

        t3 = time.perf_counter()
        naive = naive_model(inputs, data, budget, args.mode)
        t4 = time.perf_counter()
        out_n = solve(naive, "highs", time_limit=args.time_limit)
        t5 = time.perf_counter()
        obj_n = out_n.objective
        nv, nr = len(naive.variables()), len(naive.constraints())
        print(f"{n:>9,} {'naive':<10}{nv:>9,}{nr:>9,}{t4 - t3:>9.2f}{t5 - t4:>9.2f}{out_n.status:>10}{(obj_n if obj_n is not None else float('nan')):>16,.2f}")

        same = obj_n is not None and math.isclose(obj_a, obj_n, rel_tol=1e-6)
        speedup_solve = (t5 - t4) / max(t2 - t1, 1e-9)
        speedup_total = (t5 - t3) / max(t2 - t0, 1e-9)
        print(f"{'':>9} same optimum within 1e-6: {same};  speed-up naive/aggregate: solve x{speedup_solve:,.0f}, build+solve x{speedup_total:,.0f}\n")


if __name__ == "__main__":
    main()
