"""SciPy's HiGHS (``scipy.optimize.milp`` / ``linprog``) behind the same solve interface as HiGHS and CBC.

No native solver binary of our own and no subprocess: SciPy ships HiGHS
compiled into the package, so this path runs wherever SciPy imports (desktop
Python, and Python in the browser, where SciPy exists but subprocesses do
not).

A PuLP problem is translated into SciPy's matrices:

* one column per variable of ``prob.variables()`` (PuLP's name order, which
  the model builds in order): objective coefficient ``c``, bounds ``lb``/``ub``
  (None -> infinite) and integrality (1 for integer variables when ``mip``);
* one row per constraint of ``prob.constraints()`` (PuLP 3.3's 4.x-style list) with its coefficients and
  ``getLb()``/``getUb()`` (PuLP moves the constant to the right-hand side);
* a maximisation is minimised as ``-c``; the objective's constant is added back.

A MIP is solved by ``milp``; an LP (``mip=False``, or no integer variable) by
``linprog(method="highs")``, whose ``ineqlin``/``eqlin`` marginals are
d(minimised objective)/d(b) for ``A_ub x <= b_ub`` and ``A_eq x == b_eq``.
Each is turned into d(objective)/d(right-hand side) in the problem's own sense:
a ``>=`` row enters ``A_ub`` negated, so its rate is minus the marginal, and a
maximisation's rate is minus that of the minimised ``-c``. ``SolveOutcome.duals``
holds these rates as they are (``objective_rate`` leaves "scipy" unchanged);
tests compare them with finite differences. ``milp`` returns no marginals, so
a MIP outcome has no duals: the sensitivity analysis takes its shadow prices
from LP relaxations, as it does with the other solvers.
"""

from __future__ import annotations

import math

import numpy as np
import pulp

from planner.optimization.outcome import (
    ERROR,
    FEASIBLE,
    INFEASIBLE,
    NO_SOLUTION,
    OPTIMAL,
    REL_GAP,
    UNBOUNDED,
    SolveOutcome,
)
from planner.schema import SolverName

SOLVER = SolverName.SCIPY


class Matrices:
    """A PuLP problem as SciPy wants it (rows of one sense each kept in order)."""

    def __init__(self, prob: pulp.LpProblem, mip: bool):
        from scipy import sparse

        self.sense = prob.sense
        self.variables = list(prob.variables())
        index = {v.name: j for j, v in enumerate(self.variables)}
        n = len(self.variables)
        objective = prob.objective if prob.objective is not None else pulp.LpAffineExpression()
        c = np.zeros(n)
        for var, coef in objective.items():
            c[index[var.name]] += float(coef)
        self.c_original = c
        self.constant = float(objective.constant or 0.0)
        self.c = -c if prob.sense == pulp.LpMaximize else c
        self.lb = np.array([-math.inf if v.lowBound is None else float(v.lowBound) for v in self.variables])
        self.ub = np.array([math.inf if v.upBound is None else float(v.upBound) for v in self.variables])
        self.integrality = np.array(
            [1 if (mip and v.cat == pulp.LpInteger) else 0 for v in self.variables], dtype=np.uint8
        )
        self.names: list[str] = []
        self.kinds: list[int] = []  # pulp's LpConstraintLE / EQ / GE per row
        rows, cols, vals, row_lb, row_ub = [], [], [], [], []
        for i, con in enumerate(prob.constraints()):
            self.names.append(con.name)
            self.kinds.append(con.sense)
            for var, coef in con.items():
                rows.append(i)
                cols.append(index[var.name])
                vals.append(float(coef))
            low, high = con.getLb(), con.getUb()
            row_lb.append(-math.inf if low is None else float(low))
            row_ub.append(math.inf if high is None else float(high))
        self.A = sparse.csr_array((vals, (rows, cols)), shape=(len(self.names), n))
        self.row_lb = np.array(row_lb)
        self.row_ub = np.array(row_ub)

    @property
    def has_integers(self) -> bool:
        return bool(self.integrality.any())

    def objective(self, x: np.ndarray) -> float:
        return float(self.c_original @ x) + self.constant

    def in_sense(self, minimised: float) -> float:
        """A value of the minimised objective (``self.c @ x``) as the problem's objective."""
        return (-minimised if self.sense == pulp.LpMaximize else minimised) + self.constant


def solve_scipy(prob: pulp.LpProblem, time_limit: float, mip: bool) -> SolveOutcome:
    """Solve ``prob`` with SciPy's HiGHS in this process; the outcome in the vocabulary of planner.optimization.outcome."""
    m = Matrices(prob, mip)
    if not m.variables:
        return _empty(prob, m)
    if m.has_integers:
        return _solve_milp(m, time_limit)
    return _solve_lp(m, time_limit)


def _empty(prob: pulp.LpProblem, m: Matrices) -> SolveOutcome:
    """No variables: feasible exactly when every constant row holds (HiGHS would call the model empty)."""
    ok = all(lo - 1e-9 <= 0.0 <= hi + 1e-9 for lo, hi in zip(m.row_lb, m.row_ub))
    if not ok:
        return SolveOutcome(INFEASIBLE, SOLVER, sense=prob.sense, message="constant constraints do not hold")
    return SolveOutcome(OPTIMAL, SOLVER, sense=prob.sense, objective=m.constant, bound=m.constant, gap=0.0,
                        message="empty model")


def _status(code: int, message: str, has_x: bool) -> str:
    if code == 0:
        return OPTIMAL
    if code == 1:  # time or iteration limit
        return FEASIBLE if has_x else NO_SOLUTION
    if code == 2:
        return INFEASIBLE
    if code == 3:
        return UNBOUNDED
    if "unbounded or infeasible" in message.lower():
        return INFEASIBLE  # as the HiGHS path reads kUnboundedOrInfeasible
    return ERROR


def _values(m: Matrices, x: np.ndarray) -> dict[str, float]:
    return {v.name: float(xi) for v, xi in zip(m.variables, x)}


def _solve_milp(m: Matrices, time_limit: float) -> SolveOutcome:
    from scipy.optimize import Bounds, LinearConstraint, milp

    constraints = [LinearConstraint(m.A, m.row_lb, m.row_ub)] if m.names else []
    res = milp(
        m.c,
        integrality=m.integrality,
        bounds=Bounds(m.lb, m.ub),
        constraints=constraints,
        options={"disp": False, "presolve": True, "time_limit": float(time_limit), "mip_rel_gap": REL_GAP},
    )
    has_x = res.x is not None
    status = _status(int(res.status), str(res.message), has_x)
    out = SolveOutcome(status, SOLVER, sense=m.sense, message=str(res.message))
    if not out.has_plan or not has_x:
        if out.has_plan:  # a status with a plan but no x: nothing to read
            out.status = NO_SOLUTION
        return out
    out.values = _values(m, res.x)
    out.objective = m.objective(res.x)
    bound = res.get("mip_dual_bound")
    out.bound = m.in_sense(float(bound)) if bound is not None and math.isfinite(float(bound)) else None
    gap = res.get("mip_gap")
    if gap is not None and math.isfinite(float(gap)):
        out.gap = max(float(gap), 0.0)
    else:
        out.gap = 0.0 if status == OPTIMAL else None
    return out


def _solve_lp(m: Matrices, time_limit: float) -> SolveOutcome:
    from scipy import sparse
    from scipy.optimize import linprog

    eq = [i for i, k in enumerate(m.kinds) if k == pulp.LpConstraintEQ]
    le = [i for i, k in enumerate(m.kinds) if k == pulp.LpConstraintLE]
    ge = [i for i, k in enumerate(m.kinds) if k == pulp.LpConstraintGE]
    ub_rows = le + ge
    A_ub = sparse.vstack([m.A[le], -m.A[ge]]).tocsr() if ub_rows else None
    b_ub = np.concatenate([m.row_ub[le], -m.row_lb[ge]]) if ub_rows else None
    A_eq = m.A[eq] if eq else None
    b_eq = m.row_ub[eq] if eq else None
    res = linprog(
        m.c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq,
        bounds=np.column_stack([m.lb, m.ub]), method="highs",
        options={"disp": False, "presolve": True, "time_limit": float(time_limit)},
    )
    has_x = res.x is not None
    status = _status(int(res.status), str(res.message), has_x)
    out = SolveOutcome(status, SOLVER, sense=m.sense, message=str(res.message))
    if not out.has_plan or not has_x:
        if out.has_plan:
            out.status = NO_SOLUTION
        return out
    out.values = _values(m, res.x)
    out.objective = m.objective(res.x)
    out.gap = 0.0 if status == OPTIMAL else None
    out.bound = out.objective if status == OPTIMAL else None
    # d(minimised objective)/d(b) -> d(objective)/d(rhs) in the problem's sense
    flip = -1.0 if m.sense == pulp.LpMaximize else 1.0
    duals: dict[str, float] = {}
    ineq = np.asarray(res.ineqlin.marginals) if ub_rows else np.zeros(0)
    for k, i in enumerate(le):
        duals[m.names[i]] = flip * float(ineq[k])
    for k, i in enumerate(ge):
        duals[m.names[i]] = -flip * float(ineq[len(le) + k])
    if eq:
        marg = np.asarray(res.eqlin.marginals)
        for k, i in enumerate(eq):
            duals[m.names[i]] = flip * float(marg[k])
    out.duals = {name: duals[name] + 0.0 for name in m.names}  # + 0.0: no negative zeros
    return out
