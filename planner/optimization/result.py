"""What the optimizer returns: numbers and facts, typed; no sentences.

Every finding (a binding constraint, a trade-off, a note, a conflicting requirement and the
ways out) is a small frozen dataclass holding amounts and the workbook cells it concerns.
Sentences are written where they are shown: :mod:`planner.report.words` turns these facts
into the report's, the result sheets' and plan.json's text. docs/plan-json.md documents the
JSON (:mod:`planner.writers.plan_json`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import pandas as pd

from planner.optimization.infeasibility import Diagnosis
from planner.schema import PlanningMode, SolverName


class Status(StrEnum):
    """The status words of a plan (docs/model.md explains each)."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible, not proven optimal"
    INFEASIBLE = "infeasible"
    TIME_LIMIT = "time limit, no plan"
    FAILED = "solver failed, no plan"


STATUS_OPTIMAL = Status.OPTIMAL
STATUS_FEASIBLE = Status.FEASIBLE
STATUS_INFEASIBLE = Status.INFEASIBLE
STATUS_TIME_LIMIT = Status.TIME_LIMIT
STATUS_FAILED = Status.FAILED
STATUSES = tuple(Status)


class PlanKind(StrEnum):
    """Which plan the result's tables show."""

    PLAN = "plan"
    CHEAPEST = "cheapest plan meeting the requirements (over budget)"
    NONE = "none"


INTERVAL_COLUMNS = [
    "service", "tier", "minimum", "negotiated", "maximum", "chosen", "change", "role", "mandatory",
    "hours_per_account", "cost_per_occurrence", "annual_cost_per_account", "expected_impact",
]
HEADCOUNT_COLUMNS = [
    "role", "tier", "staffing", "people", "hours_needed", "service_hours", "support_hours", "hours_capacity",
    "utilisation", "set_by", "cost",
]
SUPPORT_COLUMNS = [
    "tier", "severity", "channel", "role", "tickets_per_month", "arrival_rate", "handle_minutes", "traffic",
    "agents_needed", "rostered_agents", "hours_per_year", "service_level_target", "service_level_achieved",
    "wait_probability", "binding_severity", "cost", "note",
]
# the shadow prices' columns: key and subject (role, pool, tier, service) say what a row is about; the
# sheets and plan.json name it ("constraint") and say what it means ("meaning") with planner.report.words
SHADOW_COLUMNS = [
    "key", "role", "pool", "tier", "service", "kind", "per", "marginal", "step", "step_unit", "step_gain", "step_status",
    "step_basis",
]
FRONTIER_COLUMNS = ["budget_share", "budget", "status", "value", "cost", "budget_used_share", "negotiated_plan_fits", "re_solved"]


# ------------------------------------------------------------------ figures


@dataclass(frozen=True)
class CostBreakdown:
    people_by_role: dict[str, float]
    people: float
    direct_services: float
    automated: float
    support: float  # share of people cost (by hours) spent on support queues, plus automated support; inside people
    total: float
    # the support queues' hours at the hourly rate (the Support table's cost column, summed), and the spare hours of
    # whole people that fall to support: ``support`` = ``support_at_rate`` + those hours at the hourly rate
    support_at_rate: float = 0.0
    support_spare_hours: float = 0.0


@dataclass(frozen=True)
class ModelSize:
    variables: int
    constraints: int
    tiers: int
    services_x_tiers: int
    people_pools: int


@dataclass(frozen=True)
class SolveRecord:
    """One solve made for the plan (no timings: they are not reproducible)."""

    purpose: str
    status: str
    gap: float | None
    guard_stopped: bool
    output: str = ""  # what the solver printed; kept only when the solve failed


@dataclass(frozen=True)
class IntervalChange:
    """One interval the plan delivers other than negotiated, and what that does.

    ``cost_change`` = (chosen - negotiated) x cost per occurrence x the tier's accounts: the services' own time at the
    hourly rate and their direct cost (whole people may round the plan's cost differently); ``impact_change`` = the
    expected ARR impact at the chosen interval minus that at the negotiated one.
    """

    service: str
    tier: str
    negotiated: float
    chosen: float
    accounts: int
    cost_per_occurrence: float
    cost_change: float
    impact_change: float
    refs: tuple[str, ...] = ()  # the Intervals cells ("Intervals!F12")
    role: str = ""  # the delivering role
    # raised to the interval of this lower tier, the next that offers the service, under the service's Keep tier order
    level_with: str | None = None
    # the role's headcount in the plan is set by its coverage ratio, not its hours: the change's time costs no extra person
    coverage_pays: bool = False


# ------------------------------------------------------------------ binding constraints


@dataclass(frozen=True)
class BudgetBinds:
    used: float
    budget: float
    step: float
    gain: float
    refs: tuple[str, ...] = ()  # workbook cells it concerns ("Intervals!F12")


@dataclass(frozen=True)
class CoverageBinds:
    role: str
    pool: str  # the pool's tier, or "All tiers"
    people: int
    accounts: int
    max_accounts: float
    refs: tuple[str, ...] = ()  # workbook cells it concerns ("Intervals!F12")


@dataclass(frozen=True)
class HoursBind:
    role: str
    pool: str
    hours_needed: float
    people: int
    capacity: float
    refs: tuple[str, ...] = ()  # workbook cells it concerns ("Intervals!F12")


@dataclass(frozen=True)
class GuardrailBinds:
    tier: str
    share: float
    tier_cost: float
    limit: float
    refs: tuple[str, ...] = ()  # workbook cells it concerns ("Intervals!F12")


@dataclass(frozen=True)
class OrderRuleCosts:
    """A keep-tier-order rule the plan would gain from dropping (max_value steps)."""

    service: str
    gain: float
    refs: tuple[str, ...] = ()  # workbook cells it concerns ("Intervals!F12")


@dataclass(frozen=True)
class MandatoryCosts:
    service: str
    gain: float
    refs: tuple[str, ...] = ()  # workbook cells it concerns ("Intervals!F12")


@dataclass(frozen=True)
class OrderRaisesTier:
    """min_cost: a higher tier gets more than its negotiated interval to match the tier below."""

    service: str
    tier: str
    chosen: float
    negotiated: float
    lower_tier: str
    refs: tuple[str, ...] = ()  # workbook cells it concerns ("Intervals!F12")


@dataclass(frozen=True)
class AtMaximum:
    """max_value: a service delivered at its maximum, and what one more a year would add."""

    service: str
    tier: str
    maximum: float
    next_gain: float
    refs: tuple[str, ...] = ()  # workbook cells it concerns ("Intervals!F12")


Binding = BudgetBinds | CoverageBinds | HoursBind | GuardrailBinds | OrderRuleCosts | MandatoryCosts | OrderRaisesTier | AtMaximum


# ------------------------------------------------------------------ trade-offs (ranked by the money at stake)


@dataclass(frozen=True)
class BudgetShortfall:
    smallest_budget: float
    shortfall: float
    extra_people: int | None


@dataclass(frozen=True)
class MoreBudget:
    step: float  # 10% of the budget
    gain: float
    if_intervals_move: bool  # min_cost: the frontier is max_value


@dataclass(frozen=True)
class LessBudget:
    step: float
    loss: float
    if_intervals_move: bool
    worst_service: str | None = None
    worst_tier: str | None = None
    worst_fewer: float | None = None


@dataclass(frozen=True)
class LessBudgetInfeasible:
    budget: float  # 90% of the budget
    if_intervals_move: bool


@dataclass(frozen=True)
class OneMorePerson:
    role: str
    pool: str
    gain: float
    mode: PlanningMode


@dataclass(frozen=True)
class LooserGuardrail:
    tier: str
    gain: float


@dataclass(frozen=True)
class MandatoryFloor:
    service: str
    gain: float


@dataclass(frozen=True)
class KeepOrderCost:
    service: str
    gain: float


@dataclass(frozen=True)
class SpareBudget:
    cost: float
    budget: float
    spare: float


@dataclass(frozen=True)
class CoverageIdle:
    role: str
    pool: str
    people: int
    max_accounts: float
    utilisation: float
    idle_cost: float


TradeOff = (BudgetShortfall | MoreBudget | LessBudget | LessBudgetInfeasible | OneMorePerson | LooserGuardrail | MandatoryFloor
            | KeepOrderCost | SpareBudget | CoverageIdle)


# ------------------------------------------------------------------ notes


@dataclass(frozen=True)
class OffGrid:
    """An interval planned in steps its minimum, negotiated and maximum are not all multiples of."""

    service: str
    tier: str
    step: float
    minimum: float
    negotiated: float
    maximum: float
    floor: float
    cap: float


@dataclass(frozen=True)
class FloorAboveMaximum:
    service: str
    tier: str
    floor: float
    maximum: float


@dataclass(frozen=True)
class GuardStopped:
    time_limit: float


@dataclass(frozen=True)
class SolverError:
    message: str


@dataclass(frozen=True)
class FrontierLevelsOff:
    """From this share of the budget on, the best plan without a budget limit fits (more budget buys nothing more)."""

    share: float
    unconstrained_cost: float


@dataclass(frozen=True)
class FailedSolveOutput:
    purpose: str
    status: str
    output: str


Note = OffGrid | FloorAboveMaximum | GuardStopped | SolverError | FrontierLevelsOff | FailedSolveOutput


# ------------------------------------------------------------------ the result


@dataclass
class OptimizationResult:
    """Everything the optimizer decided and why, for writers and the report."""

    status: Status
    proven_optimal: bool
    gap: float | None
    solver: SolverName
    mode: PlanningMode
    budget: float
    time_limit: float
    currency: str
    total_cost: float | None
    cost_breakdown: CostBreakdown | None
    value: float | None  # expected ARR impact of the chosen plan
    assessed_service_value: float | None
    budget_used_share: float | None
    within_budget: bool | None
    intervals: pd.DataFrame
    headcount: pd.DataFrame
    support: pd.DataFrame
    tiers: pd.DataFrame  # per tier: accounts, ARR, service cost, Assessed Service Value, expected impact, hours per account
    shadow_prices: pd.DataFrame
    binding: list[Binding]
    frontier: pd.DataFrame
    diagnosis: Diagnosis | None
    trade_offs: list[TradeOff] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    cost_gap: float | None = None
    plan_kind: PlanKind = PlanKind.PLAN
    model_size: ModelSize | None = None
    solves: list[SolveRecord] = field(default_factory=list)
    # the negotiated package as min_cost prices it (the plan itself in min_cost; a min_cost solve in max_value): None
    # when no plan delivers it with every requirement, or when it was not computed (max_value without sensitivity)
    negotiated_cost: float | None = None
    # the intervals the plan shown changes from negotiated, the largest effect first (findings.interval_changes)
    interval_changes: list[IntervalChange] = field(default_factory=list)

    @property
    def negotiated_plan_fits(self) -> bool | None:
        """Whether the negotiated package fits the budget (None when it has no price)."""
        return None if self.negotiated_cost is None else self.negotiated_cost <= self.budget * (1 + 1e-9)

    @property
    def has_plan(self) -> bool:
        """A plan is shown: the plan, or the cheapest one meeting every requirement (over budget)."""
        return self.plan_kind != PlanKind.NONE

    @property
    def fits(self) -> bool:
        """The plan fits the budget and every requirement (the CLI's exit code 0)."""
        return self.status in (Status.OPTIMAL, Status.FEASIBLE) and bool(self.within_budget)

