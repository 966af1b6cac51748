"""The solver-independent vocabulary of a solve: the gaps asked of every solver, six statuses, one outcome.

HiGHS, CBC and SciPy (planner/optimization/engines.py, scipy_solve.py) each
translate what they report into a :class:`SolveOutcome`, so nothing above
them knows which solver ran. Dual signs differ between solvers: on a
maximisation CBC returns d(objective)/d(rhs) and HiGHS its negative; on a
minimisation both return d(objective)/d(rhs). :func:`objective_rate` turns a
raw dual into d(objective)/d(rhs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulp

from planner.schema import SolverName

# Relative and absolute optimality gaps asked of both solvers: tight enough that
# the brute-force tests see exact optima, loose enough to stop on ties.
REL_GAP = 1e-7
ABS_GAP = 1e-6

# Normalised statuses (internal; the CFO words live in the result)
OPTIMAL = "optimal"
FEASIBLE = "feasible"  # a plan, optimality not proven (time limit)
INFEASIBLE = "infeasible"
NO_SOLUTION = "no_solution"  # stopped (time limit or guard) before any plan
UNBOUNDED = "unbounded"
ERROR = "error"


class StatusFlags:
    """``has_plan`` and ``proven_optimal`` read off a ``status`` attribute (solves and whole plans alike)."""

    status: str

    @property
    def has_plan(self) -> bool:
        return self.status in (OPTIMAL, FEASIBLE)

    @property
    def proven_optimal(self) -> bool:
        return self.status == OPTIMAL


@dataclass
class SolveOutcome(StatusFlags):
    """What one solve produced, in solver-independent terms."""

    status: str
    solver: str
    values: dict[str, float] = field(default_factory=dict)  # variable name -> value (empty without a plan)
    duals: dict[str, float | None] = field(default_factory=dict)  # constraint name -> raw dual as the solver gave it (None: none given)
    objective: float | None = None
    bound: float | None = None  # best bound proven by the solver (MIP)
    gap: float | None = None  # relative gap |objective - bound| / |objective|; 0 when proven optimal
    sense: int = pulp.LpMinimize
    guard_stopped: bool = False
    message: str = ""
    output: str = ""  # what the solver printed; kept only when the solve failed

    def value(self, name: str, default: float = 0.0) -> float:
        return self.values.get(name, default)

    def rate(self, constraint: str) -> float | None:
        """d(objective)/d(right-hand side) of a constraint, sign normalised."""
        raw = self.duals.get(constraint)
        if raw is None:
            return None
        return objective_rate(raw, self.solver, self.sense)


def objective_rate(raw_dual: float, solver: str, sense: int) -> float:
    """Raw dual -> d(objective)/d(rhs), the convention of both solvers on minimisation.

    Measured on PuLP 3.3.2: for a maximisation HiGHS returns the negative of
    d(objective)/d(rhs) and CBC returns it as is (tests check both against a
    finite difference, so a changed convention in a later PuLP fails loudly).
    """
    if solver == SolverName.HIGHS and sense == pulp.LpMaximize:
        return -raw_dual
    return raw_dual
