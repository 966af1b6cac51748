"""The planning model's data over tier aggregates (see docs/model.md for the mathematics).

Everything here is sized by tiers x services x roles, never by accounts: the
accounts and ARR of a tier enter as coefficients. :func:`prepare` turns
PlanInputs plus the segmentation's tier statistics into :class:`ModelData`;
planner.optimization.formulation builds the PuLP problem from ModelData and a
:class:`Spec`; :func:`evaluate` recomputes cost and value of a plan in plain
Python so reported figures never carry solver round-off. The cost rules (what an
occurrence costs outside headcount, what a tier's guardrail counts, what support
costs) are written once, here, and both the formulation and :func:`evaluate` use them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from planner import schema
from planner.inputs import CellRefs, PlanInputs, Role
from planner.optimization.staffing import SupportQueue, support_queues
from planner.schema import PlanningMode, Staffing

MODES = (PlanningMode.MIN_COST, PlanningMode.MAX_VALUE)
ALL_TIERS = "All tiers"


def _ceil(x: float) -> int:
    return math.ceil(x - 1e-9)


def _floor(x: float) -> int:
    return math.floor(x + 1e-9)


# Occurrences per account per year move in whole steps. The step is 1 unless
# the sheet's minimum, negotiated and maximum are fractional (0.5 a year = every
# other year; 0.2 = one account in five): then it is the coarsest of these that
# all three are multiples of.
STEPS = (1.0, 0.5, 0.25, 0.2, 0.1, 0.05, 0.02, 0.01)


def grid_step(*values: float) -> float:
    for d in STEPS:
        if all(abs(v / d - round(v / d)) <= 1e-7 for v in values):
            return d
    return STEPS[-1]


def grid_up(x: float, step: float) -> float:
    return round(_ceil(x / step) * step, 10)


def grid_down(x: float, step: float) -> float:
    return round(_floor(x / step) * step, 10)


@dataclass(frozen=True)
class Cell:
    """One service in one tier: the decision x = occurrences per account per year."""

    index: int
    service: str
    tier: str
    tier_rank: int
    role: str
    staffing: str  # of the delivering role
    hours: float  # per occurrence per account
    minimum: float
    negotiated: float
    maximum: float
    mandatory: bool
    impact: float
    decay: float
    keep_order: bool
    direct_cost: float  # per occurrence per account
    hourly_rate: float  # of the delivering role
    accounts: int
    arr: float
    cap: float  # upper bound on the grid
    floor_min: float  # lower bound from Minimum, on the grid
    step: float = 1.0  # occurrences move in multiples of this

    @property
    def key(self) -> tuple[str, str]:
        return (self.service, self.tier)

    def floor(self, mode: str) -> float:
        """Lower bound in a mode: min_cost delivers at least the negotiated interval;
        max_value never goes below the minimum, nor below negotiated for a mandatory service."""
        if mode == PlanningMode.MIN_COST or self.mandatory:
            return max(self.floor_min, grid_up(self.negotiated, self.step))
        return self.floor_min

    @property
    def on_grid(self) -> bool:
        """Whether minimum, negotiated and maximum are all multiples of the step."""
        return all(abs(v / self.step - round(v / self.step)) <= 1e-7 for v in (self.minimum, self.negotiated, self.maximum))

    def marginal_value(self, k: int) -> float:
        """Expected ARR impact of the k-th occurrence (k >= 1) in the whole tier."""
        return self.impact * self.arr * self.decay ** (k - 1)

    def value(self, x: float) -> float:
        """Expected ARR impact of x occurrences (x integer; fractions interpolate linearly)."""
        whole = math.floor(x + 1e-9)
        total = sum(self.marginal_value(k) for k in range(1, whole + 1))
        frac = x - whole
        if frac > 1e-9:
            total += frac * self.marginal_value(whole + 1)
        return total

    @property
    def cost_per_occurrence(self) -> float:
        """Per account, at the hourly rate (the valuation's reading)."""
        return self.hours * self.hourly_rate + self.direct_cost

    @property
    def variable_rate(self) -> float:
        """Money per occurrence per account paid outside headcount: direct cost, plus
        the hourly rate when the role has no people (Automated)."""
        return self.direct_cost + (self.hourly_rate * self.hours if self.staffing == Staffing.AUTOMATED else 0.0)

    @property
    def tier_cost_rate(self) -> float:
        """Money per occurrence per account the tier's CS cost counts (its guardrail): direct cost, plus the
        hourly rate unless the role is Named (a Named pool's people are counted whole, as the tier's)."""
        return self.direct_cost + (self.hours * self.hourly_rate if self.staffing != Staffing.NAMED else 0.0)

    @property
    def load_per_occurrence(self) -> float:
        """Hours the delivering role spends on one occurrence per year, for the whole tier."""
        return self.hours * self.accounts


@dataclass(frozen=True)
class Unit:
    """A pool of people: a Named role in one tier, or a Pooled role across tiers."""

    role: str
    tier: str  # "" for pooled
    staffing: str
    loaded_cost: float
    productive_hours: float
    max_accounts: float | None
    accounts_covered: int  # accounts of every tier the pool may serve (the coverage ratio counts the tiers it does serve)
    tiers: tuple[str, ...] = ()  # tiers the pool may serve

    @property
    def label(self) -> str:
        return self.tier or ALL_TIERS

    @property
    def has_coverage(self) -> bool:
        return bool(self.max_accounts) and self.accounts_covered > 0

    @property
    def coverage_limit(self) -> float:
        """Accounts one person may cover, for a pool with a limit (``max_accounts`` set); ValueError for one without."""
        if not self.max_accounts:
            raise ValueError(f"the {self.role} pool has no coverage limit")
        return self.max_accounts


@dataclass(frozen=True)
class ModelData:
    tiers: tuple[str, ...]
    accounts: dict[str, int]
    arr: dict[str, float]
    cells: tuple[Cell, ...]
    roles: dict[str, Role]
    units: tuple[Unit, ...]
    queues: tuple[SupportQueue, ...]
    support_hours: dict[tuple[str, str], float]  # (role, tier) -> hours per year from SLAs
    order_pairs: tuple[tuple[str, int, int], ...]  # (service, higher-tier cell, lower-tier cell)
    guardrails: dict[str, float]  # tier -> max CS cost share of tier ARR
    budget: float
    margin: float
    refs: CellRefs = field(default_factory=CellRefs)  # where the inputs sit in the workbook

    def refs_for(self, group: str) -> tuple[str, ...]:
        """The workbook cells a requirement group comes from (empty for inputs built in code)."""
        kind, _, rest = group.partition(":")
        r = self.refs
        if group == BUDGET:
            return r.of(schema.FINANCE.name, (), "budget")
        if group == SUPPORT:
            return tuple(ref for q in self.queues for sev in q.severities
                         for ref in r.of(schema.SLAS.name, (q.tier, sev, q.channel), "service_level", "tickets"))
        if kind == "floor":
            service, _, tier = rest.partition("|")
            return r.of(schema.INTERVALS.name, (service, tier), "minimum", "negotiated")
        if kind == "coverage":
            return r.of(schema.ROLES.name, (rest,), "max_accounts")
        if kind == "order":
            return r.of(schema.SERVICES.name, (rest,), "keep_order")
        if kind == "guardrail":
            return r.of(schema.TIERS.name, (rest,), "max_cost_share")
        return ()

    def unit_of(self, role: str, tier: str) -> Unit | None:
        r = self.roles[role]
        for u in self.units:
            if u.role == role and (u.tier == tier if r.staffing == Staffing.NAMED else u.tier == ""):
                return u
        return None

    def cells_of(self, unit: Unit) -> list[Cell]:
        return [c for c in self.cells if c.role == unit.role and c.tier in unit.tiers]

    def covered_accounts(self, unit: Unit, x: Mapping[int, float], include_support: bool = True) -> int:
        """Accounts the coverage ratio counts for a plan: those of the tiers the pool actually serves."""
        total = 0
        for t in unit.tiers:
            active = include_support and self.support_hours.get((unit.role, t), 0.0) > 0
            active = active or any(float(x[c.index]) > 1e-9 for c in self.cells if c.role == unit.role and c.tier == t)
            if active:
                total += self.accounts[t]
        return total

    def unit_support_hours(self, unit: Unit) -> float:
        return sum(h for (r, t), h in self.support_hours.items() if r == unit.role and (unit.tier == "" or t == unit.tier))

    def support_costs(self) -> tuple[float, dict[str, float]]:
        """What the support queues cost outside headcount: (Automated roles' hours at their rate,
        per tier the hours of roles that are not Named at their rate, for the guardrails)."""
        automated = 0.0
        tier = dict.fromkeys(self.tiers, 0.0)
        for (role, t), hours in self.support_hours.items():
            r = self.roles[role]
            if r.staffing == Staffing.AUTOMATED:
                automated += hours * r.hourly_rate
            if r.staffing != Staffing.NAMED:
                tier[t] += hours * r.hourly_rate
        return automated, tier

    @property
    def size(self) -> int:
        return len(self.cells)


def _int_stats(tier_stats: pd.DataFrame, tiers: tuple[str, ...]) -> tuple[dict[str, int], dict[str, float]]:
    missing = [c for c in ("tier", "accounts", "arr") if c not in tier_stats.columns]
    if missing:
        raise ValueError(f"tier_stats lacks columns {missing}")
    accounts = dict.fromkeys(tiers, 0)
    arr = dict.fromkeys(tiers, 0.0)
    for tier, n, amount in zip(tier_stats["tier"].tolist(), tier_stats["accounts"].tolist(), tier_stats["arr"].tolist()):
        name = str(tier)
        if name not in accounts:
            raise ValueError(f"tier_stats names tier {name!r}, which the Tiers sheet does not have")
        accounts[name] += int(n)
        arr[name] += float(amount)
    return accounts, arr


def prepare(inputs: PlanInputs, tier_stats: pd.DataFrame) -> ModelData:
    """Aggregate inputs per tier; compute support queues. Sized by tiers x services x roles."""
    tiers = inputs.tier_names
    rank = {t: i for i, t in enumerate(tiers)}
    accounts, arr = _int_stats(tier_stats, tiers)
    roles = {r.name: r for r in inputs.roles}
    services = {s.name: s for s in inputs.services}
    cells: list[Cell] = []
    ordered = sorted(inputs.intervals, key=lambda iv: (list(services).index(iv.service) if iv.service in services else 1 << 30, rank.get(iv.tier, 1 << 30)))
    for iv in ordered:
        s = services[iv.service]
        r = roles[iv.role]
        cells.append(
            Cell(
                index=len(cells),
                service=iv.service,
                tier=iv.tier,
                tier_rank=rank[iv.tier],
                role=iv.role,
                staffing=r.staffing,
                hours=float(iv.hours),
                minimum=float(iv.minimum),
                negotiated=float(iv.negotiated),
                maximum=float(iv.maximum),
                mandatory=bool(s.mandatory),
                impact=float(s.impact),
                decay=float(s.decay),
                keep_order=bool(s.keep_order),
                direct_cost=float(s.direct_cost),
                hourly_rate=r.hourly_rate,
                accounts=accounts[iv.tier],
                arr=arr[iv.tier],
                cap=grid_down(iv.maximum, grid_step(iv.minimum, iv.negotiated, iv.maximum)),
                floor_min=grid_up(iv.minimum, grid_step(iv.minimum, iv.negotiated, iv.maximum)),
                step=grid_step(iv.minimum, iv.negotiated, iv.maximum),
            )
        )
    queues = tuple(support_queues(inputs, accounts))
    support_hours: dict[tuple[str, str], float] = {}
    for q in queues:
        support_hours[(q.role, q.tier)] = support_hours.get((q.role, q.tier), 0.0) + q.hours_per_year
    # people pools: Named role x tier it may serve; Pooled role across tiers.
    # A tier is served when a service there may be delivered by the role
    # (maximum above 0) or one of its support queues has work.
    served: dict[str, list[str]] = {}
    for c in cells:
        if c.cap > 0:
            served.setdefault(c.role, [])
            if c.tier not in served[c.role]:
                served[c.role].append(c.tier)
    for (role, tier), hours in support_hours.items():
        if hours > 0:
            served.setdefault(role, [])
            if tier not in served[role]:
                served[role].append(tier)
    units = []
    for r in inputs.roles:
        if r.name not in served or not r.staffed:
            continue
        tiers_served = sorted(served[r.name], key=lambda t: rank[t])
        if r.staffing == Staffing.NAMED:
            for t in tiers_served:
                units.append(Unit(r.name, t, Staffing.NAMED, r.loaded_cost, r.productive_hours, r.max_accounts, accounts[t], (t,)))
        else:
            units.append(Unit(r.name, "", r.staffing, r.loaded_cost, r.productive_hours, r.max_accounts,
                              sum(accounts[t] for t in tiers_served), tuple(tiers_served)))
    # keep tier order: consecutive tiers (by rank) that both offer the service.
    # A tier offers a service when its maximum (on the grid) is above 0; a tier
    # that may not receive it is skipped, so the rule compares the offering
    # tiers on either side of it and never forces a "0 at most" cell upwards.
    pairs = []
    by_service: dict[str, list[Cell]] = {}
    for c in cells:
        if c.cap > 0:
            by_service.setdefault(c.service, []).append(c)
    for name, group in by_service.items():
        if not services[name].keep_order:
            continue
        group = sorted(group, key=lambda c: c.tier_rank)
        for hi, lo in itertools.pairwise(group):
            pairs.append((name, hi.index, lo.index))
    guardrails = {t.name: float(t.max_cost_share) for t in inputs.tiers if t.max_cost_share is not None}
    return ModelData(
        tiers=tiers,
        accounts=accounts,
        arr=arr,
        cells=tuple(cells),
        roles=roles,
        units=tuple(units),
        queues=queues,
        support_hours=support_hours,
        order_pairs=tuple(pairs),
        guardrails=guardrails,
        budget=float(inputs.finance.budget),
        margin=float(inputs.finance.margin),
        refs=inputs.refs,
    )


# ------------------------------------------------------------------ requirement groups

BUDGET = "budget"
SUPPORT = "support"


def floor_group(cell: Cell) -> str:
    return f"floor:{cell.service}|{cell.tier}"


def guard_group(tier: str) -> str:
    return f"guardrail:{tier}"


def order_group(service: str) -> str:
    return f"order:{service}"


def coverage_group(role: str) -> str:
    return f"coverage:{role}"


def requirement_groups(data: ModelData, mode: str) -> list[str]:
    """Every requirement that can be switched off or made elastic.

    The budget comes first: the deletion filter drops it first when the other
    requirements conflict on their own, so such a conflict is named before the
    money question is asked.
    """
    groups = [BUDGET]
    groups += [floor_group(c) for c in data.cells if c.floor(mode) > 0]
    roles = [u.role for u in data.units if u.has_coverage]
    groups += [coverage_group(r) for r in dict.fromkeys(roles)]
    if any(h > 0 for h in data.support_hours.values()):
        groups.append(SUPPORT)
    groups += list(dict.fromkeys(order_group(s) for s, _, _ in data.order_pairs))
    groups += [guard_group(t) for t in data.tiers if t in data.guardrails]
    return groups


# ------------------------------------------------------------------ building


@dataclass(frozen=True)
class Spec:
    """What to build.

    objective: "value" (max expected impact), "cost" (min total cost),
    "occurrences" (fewest occurrences above the floors: the tie-break of min_cost),
    "slack" (min total slack of the elastic groups), "extra_people" (min free
    people added), "none" (feasibility).
    """

    mode: str
    objective: str
    budget: float | None
    relax: bool = False
    value_floor: float | None = None
    cost_ceiling: float | None = None
    drop: frozenset[str] = frozenset()  # requirement groups switched off
    elastic: frozenset[str] = frozenset()  # requirement groups made elastic
    extra_people: bool = False
    floors: tuple[tuple[int, float], ...] = ()  # (cell index, lower bound) overriding the mode's floor
    shifts: tuple[tuple[str, float], ...] = ()  # (name, amount): ("budget", $), ("hours:<u>", h), ("people:<u>", n), ("guardrail:<tier>", $)

    def shift(self, name: str) -> float:
        return sum(v for k, v in self.shifts if k == name)


def unit_id(data: ModelData, unit: Unit) -> str:
    return f"u{data.units.index(unit):02d}"


# ------------------------------------------------------------------ evaluating a plan


@dataclass(frozen=True)
class Evaluation:
    total_cost: float
    people_cost: dict[str, float]  # unit id -> loaded cost x people
    direct_cost: float  # direct service costs
    automated_cost: float  # hours of Automated roles at their hourly rate (services and support)
    value: float
    tier_cost: dict[str, float]
    load: dict[str, float]  # unit id -> hours needed (services + support)
    service_load: dict[str, float]
    support_load: dict[str, float]


def evaluate(data: ModelData, x: Mapping[int, float], people: Mapping[str, float], include_support: bool = True) -> Evaluation:
    """Cost and value of a plan, recomputed from the data (no solver numbers)."""
    people_cost = {}
    tier_cost = dict.fromkeys(data.tiers, 0.0)
    load, sload, pload = {}, {}, {}
    for u in data.units:
        uid = unit_id(data, u)
        n = float(people.get(uid, 0.0))
        people_cost[uid] = n * u.loaded_cost
        if u.tier:
            tier_cost[u.tier] += n * u.loaded_cost
        s_hours = sum(c.load_per_occurrence * float(x[c.index]) for c in data.cells_of(u))
        p_hours = data.unit_support_hours(u) if include_support else 0.0
        sload[uid], pload[uid] = s_hours, p_hours
        load[uid] = s_hours + p_hours
    direct = automated = value = 0.0
    for c in data.cells:
        xc = float(x[c.index])
        direct += c.direct_cost * c.accounts * xc
        automated += (c.variable_rate - c.direct_cost) * c.accounts * xc
        tier_cost[c.tier] += c.tier_cost_rate * c.accounts * xc
        value += c.value(xc)
    if include_support:
        support_automated, support_tier = data.support_costs()
        automated += support_automated
        for t, amount in support_tier.items():
            tier_cost[t] += amount
    total = sum(people_cost.values()) + direct + automated
    return Evaluation(total, people_cost, direct, automated, value, tier_cost, load, sload, pload)


def min_people(data: ModelData, x: Mapping[int, float], include_support: bool = True) -> dict[str, int]:
    """Fewest whole people per unit for a plan: hours and coverage both met."""
    out = {}
    for u in data.units:
        uid = unit_id(data, u)
        hours = sum(c.load_per_occurrence * float(x[c.index]) for c in data.cells_of(u))
        if include_support:
            hours += data.unit_support_hours(u)
        need = 0
        if hours > 1e-9:
            need = _ceil(hours / u.productive_hours) if u.productive_hours > 0 else 1 << 30
        if u.has_coverage:
            covered = data.covered_accounts(u, x, include_support)
            if covered > 0:
                need = max(need, _ceil(covered / u.coverage_limit))
        out[uid] = need
    return out


__all__ = [
    "ALL_TIERS", "BUDGET", "SUPPORT", "Cell", "Evaluation", "ModelData", "Spec", "Unit",
    "coverage_group", "evaluate", "floor_group", "guard_group", "min_people",
    "order_group", "prepare", "requirement_groups", "unit_id",
]
