"""The PuLP problem of a plan: ModelData plus a Spec (objective, budget, what to relax) -> a model with stable names.

One function per part of docs/model.md: decisions, expected impact, people, cost, hours and
coverage, keep tier order, guardrails, the budget, the objective. Each adds its variables and
constraints to the problem being built; coefficients come from the cost rules in
planner.optimization.model, the same ones :func:`planner.optimization.model.evaluate` uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pulp

from planner.optimization.model import (
    BUDGET,
    MODES,
    SUPPORT,
    ModelData,
    Spec,
    coverage_group,
    floor_group,
    guard_group,
    order_group,
    unit_id,
)

_EPS_EMPTY = 1e-6  # tie-break weight per occurrence (money / value units): far below any real price

Terms = list[tuple[pulp.LpVariable, float]]


@dataclass
class Built:
    prob: pulp.LpProblem
    spec: Spec
    x: dict[int, pulp.LpVariable]
    people: dict[str, pulp.LpVariable]  # unit id -> var
    extra: dict[str, pulp.LpVariable]
    slacks: dict[str, list[pulp.LpVariable]]  # group -> slack vars
    cost: pulp.LpAffineExpression
    value: pulp.LpAffineExpression
    value_constant: float
    tier_cost: dict[str, pulp.LpAffineExpression]
    floors: dict[int, float]


def _expr(terms: Terms) -> pulp.LpAffineExpression:
    """sum of coefficient x variable, written with lpSum (the API PuLP 3.3 and 4.x share)."""
    return pulp.lpSum(coef * var for var, coef in terms)


@dataclass
class _Model:
    """The problem while it is built."""

    data: ModelData
    spec: Spec
    prob: pulp.LpProblem
    cat: str
    slacks: dict[str, list[pulp.LpVariable]] = field(default_factory=dict)
    x: dict[int, pulp.LpVariable] = field(default_factory=dict)
    floors: dict[int, float] = field(default_factory=dict)
    people: dict[str, pulp.LpVariable] = field(default_factory=dict)
    extra: dict[str, pulp.LpVariable] = field(default_factory=dict)

    def slack(self, group: str, tag: str) -> pulp.LpVariable:
        v = self.prob.add_variable(f"s_{tag}", lowBound=0)
        self.slacks.setdefault(group, []).append(v)
        return v

    @property
    def include_support(self) -> bool:
        return SUPPORT not in self.spec.drop

    def capacity(self, uid: str) -> pulp.LpAffineExpression:
        """People of a pool the hours and coverage may use: paid, free (extra_people) and shifted."""
        return self.people[uid] + (self.extra[uid] if self.spec.extra_people else 0) + self.spec.shift(f"people:{uid}")


def _decisions(m: _Model) -> None:
    """x = occurrences per account per year, one per service and tier, between its floor and cap."""
    spec = m.spec
    overrides = dict(spec.floors)
    for c in m.data.cells:
        g = floor_group(c)
        lo = 0 if g in spec.drop else overrides.get(c.index, c.floor(spec.mode))
        m.floors[c.index] = lo
        up = max(c.cap, 0.0)
        lb = 0 if g in spec.elastic else lo
        if c.step == 1.0 or spec.relax:
            m.x[c.index] = m.prob.add_variable(f"x_{c.index:03d}", lowBound=lb, upBound=up, cat=m.cat)
        else:
            # fractional intervals: x = step x k with k whole
            m.x[c.index] = m.prob.add_variable(f"x_{c.index:03d}", lowBound=lb, upBound=up)
            k = m.prob.add_variable(f"k_{c.index:03d}", lowBound=0, upBound=round(up / c.step), cat=pulp.LpInteger)
            m.prob += (m.x[c.index] - c.step * k == 0, f"grid_{c.index:03d}")
        if g in spec.elastic and lo > 0:
            m.prob += (m.x[c.index] + m.slack(g, f"f{c.index:03d}") >= lo, f"floor_{c.index:03d}")


def _expected_impact(m: _Model) -> tuple[pulp.LpAffineExpression, float]:
    """Concave piecewise-linear impact through increments y_k in [0, 1], one per unit segment (k-1, k] of
    occurrences; the weights fall with k, so a maximisation fills them in order and the sum is the value of x exactly."""
    spec = m.spec
    terms: Terms = []
    if not (spec.objective == "value" or spec.value_floor is not None):
        return _expr(terms), 0.0
    for c in m.data.cells:
        if c.cap <= 0 or c.impact <= 0 or c.arr <= 0:
            continue  # no expected impact to count
        ys = []
        for k in range(1, math.ceil(c.cap - 1e-9) + 1):
            y = m.prob.add_variable(f"y_{c.index:03d}_{k:03d}", lowBound=0, upBound=min(1.0, c.cap - (k - 1)))
            ys.append(y)
            terms.append((y, c.marginal_value(k)))
        m.prob += (m.x[c.index] - pulp.lpSum(ys) == 0, f"link_{c.index:03d}")
    return _expr(terms), 0.0


def _people(m: _Model) -> None:
    for u in m.data.units:
        uid = unit_id(m.data, u)
        m.people[uid] = m.prob.add_variable(f"n_{uid}", lowBound=0, cat=m.cat)
        if m.spec.extra_people:
            m.extra[uid] = m.prob.add_variable(f"e_{uid}", lowBound=0, cat=m.cat)


def _cost(m: _Model) -> tuple[pulp.LpAffineExpression, dict[str, pulp.LpAffineExpression]]:
    """Total cost (people, direct and automated costs, automated support) and each tier's CS cost (its guardrail's measure)."""
    data = m.data
    terms: Terms = []
    tier_terms: dict[str, Terms] = {t: [] for t in data.tiers}
    for u in data.units:
        uid = unit_id(data, u)
        terms.append((m.people[uid], u.loaded_cost))
        if u.tier:
            tier_terms[u.tier].append((m.people[uid], u.loaded_cost))
            if m.spec.extra_people:
                # people funded outside the budget are still the tier's CS cost
                tier_terms[u.tier].append((m.extra[uid], u.loaded_cost))
    for c in data.cells:
        if c.variable_rate * c.accounts:
            terms.append((m.x[c.index], c.variable_rate * c.accounts))
        if c.tier_cost_rate * c.accounts:
            tier_terms[c.tier].append((m.x[c.index], c.tier_cost_rate * c.accounts))
    automated, tier_support = data.support_costs() if m.include_support else (0.0, dict.fromkeys(data.tiers, 0.0))
    cost = _expr(terms) + automated
    return cost, {t: _expr(tier_terms[t]) + tier_support[t] for t in data.tiers}


def _hours_and_coverage(m: _Model) -> None:
    """Each pool's hours (services and support) within its people's productive hours; named books within the coverage ratio."""
    data, spec = m.data, m.spec
    for u in data.units:
        uid = unit_id(data, u)
        load = [(m.x[c.index], c.load_per_occurrence) for c in data.cells_of(u) if c.load_per_occurrence]
        support = data.unit_support_hours(u) if m.include_support else 0.0
        m.prob += (_expr(load) + support - u.productive_hours * m.capacity(uid) <= spec.shift(f"hours:{uid}"), f"hours_{uid}")
        if not (u.has_coverage and coverage_group(u.role) not in spec.drop):
            continue
        # the ratio counts the accounts of the tiers the pool serves: a tier is
        # served (z = 1) as soon as one of its services by this role happens
        covered: Terms = []
        for t in u.tiers:
            if data.accounts[t] <= 0:
                continue
            tid = data.tiers.index(t)
            busy = m.include_support and data.support_hours.get((u.role, t), 0.0) > 0
            z = m.prob.add_variable(f"z_{uid}_{tid:02d}", lowBound=1 if busy else 0, upBound=1, cat=m.cat)
            for c in data.cells:
                if c.role == u.role and c.tier == t and c.cap > 0:
                    m.prob += (m.x[c.index] - c.cap * z <= 0, f"serve_{uid}_{c.index:03d}")
            covered.append((z, data.accounts[t]))
        lhs = u.max_accounts * m.capacity(uid) - _expr(covered)
        if coverage_group(u.role) in spec.elastic:
            lhs = lhs + m.slack(coverage_group(u.role), f"c{uid}") * u.max_accounts
        m.prob += (lhs >= 0, f"cover_{uid}")


def _keep_tier_order(m: _Model) -> None:
    for i, (service, hi, lo) in enumerate(m.data.order_pairs):
        g = order_group(service)
        if g in m.spec.drop:
            continue
        lhs = m.x[hi] - m.x[lo]
        if g in m.spec.elastic:
            lhs = lhs + m.slack(g, f"o{i:03d}")
        m.prob += (lhs >= 0, f"order_{i:03d}")


def _guardrails(m: _Model, tier_cost: dict[str, pulp.LpAffineExpression]) -> None:
    data = m.data
    for t in data.tiers:
        if t not in data.guardrails or guard_group(t) in m.spec.drop:
            continue
        limit = data.guardrails[t] * data.arr[t] + m.spec.shift(f"guardrail:{t}")
        lhs = tier_cost[t]
        if guard_group(t) in m.spec.elastic:
            lhs = lhs - m.slack(guard_group(t), f"g{data.tiers.index(t):02d}")
        m.prob += (lhs <= limit, f"guard_{data.tiers.index(t):02d}")


def _budget_and_bounds(m: _Model, cost: pulp.LpAffineExpression, value: pulp.LpAffineExpression, value_constant: float) -> None:
    spec = m.spec
    if spec.budget is not None and BUDGET not in spec.drop:
        lhs = cost - m.slack(BUDGET, "budget") if BUDGET in spec.elastic else cost
        m.prob += (lhs <= spec.budget + spec.shift(BUDGET), "budget")
    if spec.value_floor is not None:
        m.prob += (value >= spec.value_floor - value_constant, "value_floor")
    if spec.cost_ceiling is not None:
        m.prob += (cost <= spec.cost_ceiling, "cost_ceiling")


def _objective(m: _Model, cost: pulp.LpAffineExpression, value: pulp.LpAffineExpression) -> None:
    x = m.x
    empty_tiebreak = pulp.lpSum(x[c.index] for c in m.data.cells if c.accounts == 0)  # value objective: keep empty tiers at their floors
    objective = m.spec.objective
    if objective == "value":
        m.prob += value - _EPS_EMPTY * empty_tiebreak
    elif objective == "cost":
        # ties in cost go to fewer occurrences (a tiny weight; exact ties in
        # min_cost are settled by the "occurrences" phase instead)
        m.prob += cost + _EPS_EMPTY * pulp.lpSum(x.values())
    elif objective == "occurrences":
        m.prob += pulp.lpSum(x.values()) + 0.0
    elif objective == "slack":
        m.prob += pulp.lpSum(v for g in sorted(m.slacks) for v in m.slacks[g]) + 0.0
    elif objective == "extra_people":
        m.prob += pulp.lpSum(m.extra.values()) + 0.0
    elif objective == "none":
        m.prob += pulp.lpSum([]) + 0.0
    else:
        raise ValueError(objective)


def build(data: ModelData, spec: Spec) -> Built:
    """The PuLP problem of ``spec`` over ``data`` (docs/model.md)."""
    if spec.mode not in MODES:
        raise ValueError(spec.mode)
    sense = pulp.LpMaximize if spec.objective == "value" else pulp.LpMinimize
    m = _Model(data, spec, pulp.LpProblem("tierplan", sense), pulp.LpContinuous if spec.relax else pulp.LpInteger)
    _decisions(m)
    value, value_constant = _expected_impact(m)
    _people(m)
    cost, tier_cost = _cost(m)
    _hours_and_coverage(m)
    _keep_tier_order(m)
    _guardrails(m, tier_cost)
    _budget_and_bounds(m, cost, value, value_constant)
    _objective(m, cost, value)
    return Built(m.prob, spec, m.x, m.people, m.extra, m.slacks, cost, value, value_constant, tier_cost, m.floors)


def model_size(built: Built) -> tuple[int, int]:
    """(variables, constraints) of a built model."""
    return len(built.prob.variables()), len(built.prob.constraints())
