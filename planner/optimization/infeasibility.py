"""When the requirements cannot all hold: which ones conflict, and what would make the plan possible.

Three questions, each answered with solves of the same model:

1. Which requirements conflict? A deletion filter over requirement groups
   (every floor of a service in a tier, each coverage ratio, the support SLAs,
   each keep-tier-order rule, each tier's cost guardrail, the budget) finds a
   set that cannot hold together while any smaller part of it can.
2. What is the smallest budget that makes it feasible? The budget constraint
   becomes elastic, ``cost <= budget + s`` with ``s >= 0``, every other
   requirement stays hard, and ``s`` is minimised.
3. What is the smallest extra headcount at the sheet's budget? Free people
   ``e >= 0`` (integer, not charged to the budget) are added to every people
   pool's hours and coverage, and their number is minimised.

Each other conflicting requirement also gets its own elastic solve (how far
that one requirement alone would have to move).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import TypeVar, cast

from planner.optimization.formulation import build
from planner.optimization.model import BUDGET, SUPPORT, ModelData, Spec, requirement_groups, unit_id
from planner.optimization.outcome import INFEASIBLE, SolveOutcome
from planner.optimization.plan import OPTIMAL, PlanSolution, Runner, SolveEntry, solve_plan
from planner.optimization.solve import guard_seconds, run_parallel
from planner.schema import PlanningMode

T = TypeVar("T")

FEASIBLE_STATES = ("optimal", "feasible")  # internal statuses with a plan


class FloorReason(StrEnum):
    """Why a service has a floor in a tier."""

    MANDATORY = "mandatory service, negotiated interval"
    NEGOTIATED = "negotiated interval"
    MINIMUM = "minimum interval"


@dataclass(frozen=True)
class Requirement:
    """A requirement group of the model (docs/model.md, "Requirement groups"), with its figures.

    ``kind`` is the group's prefix: budget, support, floor, coverage, order or guardrail.
    """

    group: str
    kind: str
    budget: float | None = None  # budget
    service: str | None = None  # floor, order
    tier: str | None = None  # floor, guardrail
    floor: float | None = None  # floor: at least this many per year
    reason: FloorReason | None = None  # floor
    role: str | None = None  # coverage
    max_accounts: float | None = None  # coverage
    share: float | None = None  # guardrail: CS cost at most this share of the tier's ARR
    limit: float | None = None  # guardrail: that share in money
    refs: tuple[str, ...] = ()  # workbook cells it concerns ("Intervals!F12")


@dataclass(frozen=True)
class Relaxation:
    """How far one conflicting requirement alone would have to move for a plan to exist."""

    requirement: Requirement
    amount: float | None
    unit: str  # "money", "occurrences per year", "people", ""
    new_share: float | None = None  # guardrail: the share that would do (None: cannot be met)


@dataclass(frozen=True)
class UnreachableSLA:
    tier: str
    channel: str
    severities: tuple[str, ...]
    note: str


@dataclass
class Diagnosis:
    """Why no plan meets every requirement, and what would make one possible."""

    conflicts: list[Requirement] = field(default_factory=list)
    smallest_budget: float | None = None
    budget_shortfall: float | None = None
    smallest_budget_proven: bool = False
    extra_headcount: dict[str, int] | None = None  # "Role (tier)" -> people
    extra_headcount_total: int | None = None
    relaxations: list[Relaxation] = field(default_factory=list)
    unreachable_slas: list[UnreachableSLA] = field(default_factory=list)
    cheapest_plan: PlanSolution | None = None  # meets every requirement but the budget
    undecided: bool = False  # a solve ran out of time: the answer is partial
    budget: float = 0.0  # the budget the plan was asked to fit
    mode: str = PlanningMode.MIN_COST
    largest_items: list[tuple[str, float]] = field(default_factory=list)  # the cheapest plan's three largest costs

    @property
    def only_the_budget(self) -> bool:
        """The budget alone conflicts: every other requirement holds together."""
        return [c.group for c in self.conflicts] == [BUDGET]


def requirement(data: ModelData, mode: str, group: str) -> Requirement:
    """The facts of a requirement group, with the workbook cells it comes from."""
    kind, _, rest = group.partition(":")
    refs = data.refs_for(group)
    if group == BUDGET:
        return Requirement(group, BUDGET, budget=data.budget, refs=refs)
    if group == SUPPORT:
        return Requirement(group, SUPPORT, refs=refs)
    if kind == "floor":
        service, _, tier = rest.partition("|")
        cell = next(c for c in data.cells if c.service == service and c.tier == tier)
        lo = cell.floor(mode)
        if cell.mandatory and lo > cell.floor_min:
            why = FloorReason.MANDATORY
        elif mode == PlanningMode.MIN_COST and lo > cell.floor_min:
            why = FloorReason.NEGOTIATED
        else:
            why = FloorReason.MINIMUM
        return Requirement(group, kind, service=service, tier=tier, floor=lo, reason=why, refs=refs)
    if kind == "coverage":
        return Requirement(group, kind, role=rest, max_accounts=data.roles[rest].max_accounts, refs=refs)
    if kind == "order":
        return Requirement(group, kind, service=rest, refs=refs)
    if kind == "guardrail":
        share = data.guardrails[rest]
        return Requirement(group, kind, tier=rest, share=share, limit=share * data.arr[rest], refs=refs)
    return Requirement(group, kind, refs=refs)


def _status(runner: Runner, data: ModelData, spec: Spec, purpose: str) -> SolveOutcome:
    return runner.run(build(data, spec), purpose)


def diagnose(data: ModelData, mode: str, budget: float, runner: Runner, known_cheapest: PlanSolution | None = None) -> Diagnosis:
    """Explain an infeasible plan (the caller has seen it infeasible or over budget).

    ``known_cheapest`` is the cheapest plan meeting every requirement but the
    budget when the caller already has it (min_cost does).
    """
    diag = Diagnosis(budget=budget, mode=mode)
    for q in data.queues:
        if not q.achievable:
            diag.unreachable_slas.append(UnreachableSLA(q.tier, q.channel, tuple(q.severities), q.note))

    def feasible(drop: set[str]) -> bool | None:
        out = _status(runner, data, Spec(mode=mode, objective="none", budget=budget, drop=frozenset(drop)), "conflict search")
        if out.has_plan:
            return True
        if out.status == INFEASIBLE:
            return False
        diag.undecided = True
        return None

    # 1. which requirements conflict. First without the budget: if the rest holds,
    #    the budget against the cost of everything else is the whole story.
    conflict: list[str] = []
    without_budget = feasible({BUDGET})
    if without_budget is True:
        if feasible(set()) is False:
            conflict = [BUDGET]
    elif without_budget is False:
        # deletion filter: drop each requirement in turn and keep it dropped while
        # the rest still conflicts; what must stay is a conflict with no slack in it
        dropped: set[str] = {BUDGET}
        for g in requirement_groups(data, mode):
            if g == BUDGET:
                continue
            ok = feasible(dropped | {g})
            if ok is False:
                dropped = dropped | {g}
            else:
                conflict.append(g)
    diag.conflicts = [requirement(data, mode, g) for g in conflict]

    # 2-4 are independent solves: run them side by side
    jobs: list[tuple[str, Callable[[], tuple[object, list[SolveEntry]]]]] = []  # name -> a solve and its log
    if BUDGET in conflict:
        jobs.append(("budget", lambda: _elastic(data, mode, budget, BUDGET, runner)))
        if known_cheapest is None:
            jobs.append(("cheapest", lambda: _sub(runner, lambda r: cheapest_plan(data, mode, r))))
    if conflict:
        jobs.append(("people", lambda: _sub(runner, lambda r: _extra_people(data, mode, budget, r))))
    for g in conflict:
        if g == BUDGET:
            continue
        if g == SUPPORT:
            jobs.append((g, lambda: _sub(runner, lambda r: r.run(build(data, Spec(mode=mode, objective="none", budget=budget, drop=frozenset({SUPPORT}))), "without support SLAs"))))
        else:
            jobs.append((g, partial(_elastic, data, mode, budget, g, runner)))
    results = run_parallel([job for _, job in jobs], deadline=3 * guard_seconds(runner.time_limit) + 5)
    found: dict[str, object] = {}  # job name -> its answer, of the type its job returns
    for (name, _), res in zip(jobs, results):
        if res is None:
            diag.undecided = True
            continue
        value, log = res
        runner.log.extend(log)
        found[name] = value

    cheapest = known_cheapest if known_cheapest is not None else cast("PlanSolution | None", found.get("cheapest"))
    if "budget" in found:
        status, slack = cast("tuple[str, float | None]", found["budget"])
        if status in FEASIBLE_STATES:
            if cheapest is not None and cheapest.has_plan:
                diag.cheapest_plan = cheapest
                diag.smallest_budget = max(budget, cheapest.evaluated.total_cost)
            else:
                assert slack is not None  # a plan was found, so its slack was summed
                diag.smallest_budget = budget + slack
            diag.budget_shortfall = max(0.0, diag.smallest_budget - budget)
            diag.smallest_budget_proven = status == OPTIMAL and (cheapest is None or cheapest.proven_optimal)
        elif status != INFEASIBLE:
            diag.undecided = True
    people = cast("dict[str, int] | None", found.get("people"))
    if people is not None:
        diag.extra_headcount = people
        diag.extra_headcount_total = sum(people.values())
    for g in conflict:
        if g == BUDGET or g not in found:
            continue
        if g == SUPPORT:
            if cast(SolveOutcome, found[g]).has_plan:
                diag.relaxations.append(Relaxation(requirement(data, mode, g), None, ""))
            continue
        status, amount = cast("tuple[str, float | None]", found[g])
        if status in FEASIBLE_STATES and amount is not None:  # else moving this one alone is not enough
            diag.relaxations.append(_relaxation(data, mode, g, amount))
    if diag.only_the_budget and diag.cheapest_plan is not None:
        ev = diag.cheapest_plan.evaluated
        items = [(f"{u.role} ({u.label})", ev.people_cost[unit_id(data, u)]) for u in data.units]
        items.append(("direct service costs", ev.direct_cost))
        diag.largest_items = sorted((i for i in items if i[1] > 0), key=lambda i: -i[1])[:3]
    return diag


def _sub(runner: Runner, fn: Callable[[Runner], T]) -> tuple[T, list[SolveEntry]]:
    """Run fn with a fresh runner (in a child process) and hand back its solve log too."""
    sub = Runner(runner.solver, runner.time_limit, runner.guard)
    return fn(sub), sub.log


def _elastic(data: ModelData, mode: str, budget: float, group: str, runner: Runner) -> tuple[tuple[str, float | None], list[SolveEntry]]:
    """Smallest total slack of one requirement group, every other requirement hard (None without a plan)."""
    def fn(r: Runner) -> tuple[str, float | None]:
        b = build(data, Spec(mode=mode, objective="slack", budget=budget, elastic=frozenset({group})))
        out = r.run(b, f"elastic {group}")
        amount = sum(out.value(v.name) for v in b.slacks.get(group, [])) if out.has_plan else None
        return out.status, amount

    return _sub(runner, fn)


def _extra_people(data: ModelData, mode: str, budget: float, runner: Runner) -> dict[str, int] | None:
    b = build(data, Spec(mode=mode, objective="extra_people", budget=budget, extra_people=True))
    out = runner.run(b, "smallest extra headcount")
    if not out.has_plan:
        return None
    extra: dict[str, int] = {}
    for u in data.units:
        n = round(out.value(b.extra[unit_id(data, u)].name))
        if n > 0:
            extra[f"{u.role} ({u.label})"] = n
    return extra


def cheapest_plan(data: ModelData, mode: str, runner: Runner) -> PlanSolution:
    """Lowest-cost plan meeting every requirement of ``mode`` except the budget."""
    return solve_plan(data, PlanningMode.MIN_COST, None, runner, purpose="cheapest plan meeting every requirement", floors=tuple((c.index, c.floor(mode)) for c in data.cells))


def _relaxation(data: ModelData, mode: str, group: str, amount: float) -> Relaxation:
    req = requirement(data, mode, group)
    if req.kind == "guardrail":
        assert req.tier is not None and req.share is not None  # a guardrail names its tier and share
        arr = data.arr[req.tier]
        new = (req.share * arr + amount) / arr if arr > 0 else None
        return Relaxation(req, amount, "money", new_share=new)
    if req.kind in ("floor", "order"):
        return Relaxation(req, round(amount, 6), "occurrences per year")
    if req.kind == "coverage":
        return Relaxation(req, amount, "people")
    return Relaxation(req, amount, "")
