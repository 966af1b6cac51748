"""Small, self-contained planning inputs for tests and benchmarks (no workbook needed).

``example_inputs`` is a three-tier CS organisation with practitioner figures
(see /work/shared/reference/cs-benchmarks.md); ``random_instance`` is a tiny
seeded model whose every interval combination can be enumerated.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import pandas as pd

from planner.inputs import SLA, Finance, Interval, PlanInputs, Role, Service, Tier
from planner.optimization.model import Cell
from planner.schema import BandBasis, Channel, EngagementModel, PlanningMode, Severity, SolverName, Staffing


def accounts_frame(arr_by_tier: dict[str, list[float]]) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    for tier, arrs in arr_by_tier.items():
        for a in arrs:
            i = len(rows)
            rows.append({"account_id": f"A{i:06d}", "name": f"Account {i}", "arr": float(a), "previous_tier": tier})
    return pd.DataFrame(rows)


def tier_stats_from(accounts: dict[str, int], arr: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"tier": list(accounts), "accounts": [int(accounts[t]) for t in accounts], "arr": [float(arr[t]) for t in accounts]})


def example_inputs(total_accounts: int = 2000, budget: float = 5_000_000.0, *, mode: str = "max_value", solver: str = "highs", seed: int = 7) -> tuple[PlanInputs, pd.DataFrame]:
    """Three tiers (5% / 25% / 70% of accounts), practitioner costs; returns (inputs, tier_stats)."""
    rng = np.random.default_rng(seed)
    n1 = max(1, round(total_accounts * 0.05))
    n2 = max(1, round(total_accounts * 0.25))
    n3 = max(1, total_accounts - n1 - n2)
    arr = {
        "Tier 1": rng.lognormal(np.log(180_000), 0.4, n1),
        "Tier 2": rng.lognormal(np.log(45_000), 0.4, n2),
        "Tier 3": rng.lognormal(np.log(9_000), 0.5, n3),
    }
    tiers = (
        Tier("Tier 1", 0, EngagementModel.HIGH, BandBasis.ARR, 0.10, 0.60, 0.12),
        Tier("Tier 2", 1, EngagementModel.MID, BandBasis.ARR, 0.20, 0.50, 0.12),
        Tier("Tier 3", 2, EngagementModel.LOW, BandBasis.ARR, 0.05, 0.40, 0.08),
    )
    roles = (
        Role("Named CSM", Staffing.NAMED, 185_000, 1_350, 20),
        Role("Pooled CSM", Staffing.POOLED, 150_000, 1_400, 400),
        Role("Support agent", Staffing.POOLED, 75_000, 1_600, None),
        Role("Digital", Staffing.AUTOMATED, 0, 0, None),
    )
    services = (
        Service("Onboarding", "Guided onboarding", "Named CSM", 500, True, 0.020, 0.30, True),
        Service("Check-in", "Regular call", "Named CSM", 0, False, 0.004, 0.85, True),
        Service("Business review", "QBR/EBR with preparation", "Named CSM", 300, False, 0.010, 0.60, True),
        Service("Health review", "Risk and adoption review", "Pooled CSM", 0, False, 0.006, 0.70, True),
        Service("Digital nudge", "Automated adoption campaign", "Digital", 2, False, 0.0015, 0.80, False),
    )
    intervals = (
        Interval("Onboarding", "Tier 1", "Named CSM", 10, 1, 1, 1),
        Interval("Onboarding", "Tier 2", "Pooled CSM", 6, 1, 1, 1),
        Interval("Onboarding", "Tier 3", "Digital", 0, 0, 1, 1),
        Interval("Check-in", "Tier 1", "Named CSM", 2, 6, 12, 24),
        Interval("Check-in", "Tier 2", "Pooled CSM", 1.5, 2, 6, 12),
        Interval("Check-in", "Tier 3", "Pooled CSM", 1, 0, 1, 4),
        Interval("Business review", "Tier 1", "Named CSM", 8, 2, 4, 4),
        Interval("Business review", "Tier 2", "Pooled CSM", 5, 0, 2, 4),
        Interval("Health review", "Tier 1", "Pooled CSM", 1, 2, 4, 12),
        Interval("Health review", "Tier 2", "Pooled CSM", 1, 1, 2, 6),
        Interval("Health review", "Tier 3", "Pooled CSM", 0.5, 0, 1, 4),
        Interval("Digital nudge", "Tier 2", "Digital", 0, 0, 6, 12),
        Interval("Digital nudge", "Tier 3", "Digital", 0, 2, 12, 24),
    )
    slas = (
        SLA("Tier 1", Severity.URGENT, Channel.PHONE, 20, 0.05, 6, 0.8, "Support agent"),
        SLA("Tier 1", Severity.HIGH, Channel.CHAT, 60, 0.3, 13, 0.8, "Support agent"),
        SLA("Tier 2", Severity.HIGH, Channel.CHAT, 120, 0.5, 13, 0.8, "Support agent"),
        SLA("Tier 2", Severity.NORMAL, Channel.EMAIL, 8 * 3600, 0.5, 15, 0.9, "Support agent"),
        SLA("Tier 3", Severity.NORMAL, Channel.EMAIL, 24 * 3600, 0.7, 12, 0.9, "Support agent"),
    )
    finance = Finance(budget=budget, margin=0.3, planning_mode=PlanningMode(mode), solver=SolverName(solver), time_limit=60)
    accounts = accounts_frame({t: list(a) for t, a in arr.items()})
    inputs = PlanInputs(tiers, roles, services, intervals, slas, (), finance, accounts, source="example")
    counts = {t: len(a) for t, a in arr.items()}
    sums = {t: float(np.sum(a)) for t, a in arr.items()}
    return inputs, tier_stats_from(counts, sums)


def random_instance(seed: int, *, mode: str = "max_value") -> tuple[PlanInputs, pd.DataFrame]:
    """A tiny random model: 2 tiers, 2-3 services, intervals up to 3 (some in half steps), three roles.

    Small enough to enumerate every interval combination in plain Python. The
    budget is drawn between a rough cost of the floors and of the maxima, so
    most instances bind and some cannot be afforded.
    """
    rnd = random.Random(seed)
    tiers = (
        Tier("T1", 0, EngagementModel.HIGH, BandBasis.ARR, 0.1, 0.9, rnd.choice([None, None, 0.6, 0.3])),
        Tier("T2", 1, EngagementModel.LOW, BandBasis.ARR, 0.1, 0.9, rnd.choice([None, None, 0.5])),
    )
    roles = (
        Role("CSM", Staffing.NAMED, float(rnd.choice([90_000, 120_000, 150_000])), float(rnd.choice([800, 1_200, 1_500])), float(rnd.choice([5, 10, 25]))),
        Role("Pool", Staffing.POOLED, float(rnd.choice([60_000, 80_000])), float(rnd.choice([1_000, 1_400])), rnd.choice([None, 60.0])),
        Role("Bot", Staffing.AUTOMATED, 0.0, 0.0, None),
    )
    n_services = rnd.choice([2, 3])
    services: list[Service] = []
    intervals: list[Interval] = []
    accounts = {"T1": rnd.randint(3, 30), "T2": rnd.randint(20, 120)}
    arr = {"T1": accounts["T1"] * rnd.uniform(60_000, 150_000), "T2": accounts["T2"] * rnd.uniform(5_000, 30_000)}
    for s in range(n_services):
        name = f"S{s}"
        role = rnd.choice(["CSM", "Pool", "Bot"])
        keep = rnd.random() < 0.5
        mandatory = rnd.random() < 0.3
        direct = float(rnd.choice([0, 50, 200]))
        services.append(Service(name, "", role, direct, mandatory, rnd.choice([0.0, 0.005, 0.01, 0.03]), rnd.choice([1.0, 0.7, 0.4]), keep))
        top = None
        for t in ("T1", "T2"):
            if rnd.random() < 0.15:
                continue  # this service is not offered in this tier
            r = role if rnd.random() < 0.7 else rnd.choice(["CSM", "Pool", "Bot"])
            lo = rnd.choice([0, 0, 1])
            hi = rnd.randint(max(lo, 1), 3)
            if keep and top is not None and rnd.random() < 0.9:
                lo = min(lo, top)  # mostly leave room for the higher tier to stay ahead
                hi = max(hi, lo)
            top = hi if top is None else top
            neg = rnd.randint(lo, hi)
            hours = float(rnd.choice([0.5, 1, 2, 4]))
            half = 0.5 if rnd.random() < 0.2 else 1.0  # some services run every other year: steps of 0.5
            intervals.append(Interval(name, t, r, hours, lo * half, neg * half, hi * half))
    slas: tuple[SLA, ...] = ()
    if rnd.random() < 0.4:
        slas = (SLA("T1", Severity.HIGH, Channel.CHAT, 60, 0.5, 10, 0.8, "Pool"), SLA("T2", Severity.NORMAL, Channel.EMAIL, 86_400, 0.4, 15, 0.9, "Pool"))
    finance = Finance(budget=1.0, margin=0.25, planning_mode=PlanningMode(mode), solver=SolverName.HIGHS, time_limit=30,
                      live_hours=160, shrinkage=0.3, occupancy_cap=0.85)
    frame = accounts_frame({t: [arr[t] / accounts[t]] * accounts[t] for t in accounts})
    inputs = PlanInputs(tiers, roles, tuple(services), tuple(intervals), slas, (), finance, frame, source=f"random {seed}")
    stats = tier_stats_from(accounts, arr)
    # budget between the cost of every floor and of every maximum (people rounded up)
    from dataclasses import replace

    from planner.optimization.model import evaluate, min_people, prepare

    data = prepare(inputs, stats)
    ends: list[float] = []
    picks: tuple[Callable[[Cell], float], ...] = (lambda c: min(c.floor(mode), c.cap), lambda c: c.cap)
    for pick in picks:
        x = {c.index: pick(c) for c in data.cells}
        ends.append(evaluate(data, x, min_people(data, x)).total_cost)
    budget = round(ends[0] + rnd.uniform(-0.1, 0.7) * (ends[1] - ends[0]), -2)
    inputs = replace(inputs, finance=replace(finance, budget=float(max(budget, 1_000.0))))
    return inputs, stats
