"""One solve in this process on HiGHS, CBC or SciPy, translated into a :class:`SolveOutcome`.

Facts this module is written around (measured on PuLP 3.3.2, see
/work/shared/reference/solver-notes.md and tests/test_optimization_solve.py):

* ``pulp.HiGHS`` solves in-process (highspy) and keeps the model on
  ``prob.solverModel``; we read status, gap and bound from it directly.
* CBC is ``pulp.PULP_CBC_CMD`` in 3.3 (bundled binary) and ``pulp.COIN_CMD`` in
  4.x; both run the cbc executable. A CBC run stopped by its time limit with a
  plan reports ``status == Optimal`` and ``sol_status == 2``: "Optimal" alone
  means nothing, so the solution status decides. Without a plan the variables
  hold LP values: they are never read then. The gap comes from the CBC log.

Same input, same answer: one thread, fixed seeds, and variables named with
zero-padded indices so PuLP's name-sorted column order is the build order.
:func:`solve_here` runs in the guarded child that planner/optimization/solve.py
forks; it never raises for solver outcomes.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pulp

from planner.optimization.capture import captured_output
from planner.optimization.outcome import (
    ABS_GAP,
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

OUTPUT_KEEP = 4000  # characters of a failed solve's output kept for its note


def _cbc_class() -> Any:  # a PuLP solver class (PuLP ships no types)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cls = getattr(pulp, "PULP_CBC_CMD", None)
        if cls is not None and cls().available():
            return cls
        return pulp.COIN_CMD


def make_solver(name: str, *, time_limit: float, mip: bool, workdir: str | None = None, log_path: str | None = None) -> Any:
    """The PuLP solver object for ``name`` with our fixed options."""
    if name == SolverName.HIGHS:
        return pulp.HiGHS(
            mip=mip,
            msg=False,
            timeLimit=float(time_limit),
            threads=1,
            gapRel=REL_GAP,
            gapAbs=ABS_GAP,
            random_seed=0,
            # restarting the search after root presolve cost about 40% of the
            # time on our models and changed no optimum (benchmarks/bench_sensitivity.py)
            mip_allow_restart=False,
        )
    if name == SolverName.CBC:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            solver = _cbc_class()(
                mip=mip,
                msg=False,
                timeLimit=float(time_limit),
                gapRel=REL_GAP,
                gapAbs=ABS_GAP,
                threads=1,
                logPath=log_path,
            )
        if workdir:
            solver.tmpDir = workdir
        return solver
    raise ValueError(f"unknown solver {name!r}")


_FLOAT = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def parse_cbc_log(text: str) -> tuple[float | None, float | None, str]:
    """(objective, bound, result line) from a CBC log."""
    objective = bound = None
    result = ""
    for line in text.splitlines():
        if line.startswith("Result - "):
            result = line[len("Result - "):].strip()
        m = re.match(r"^Objective value:\s+(" + _FLOAT + ")", line)
        if m:
            objective = float(m.group(1))
        m = re.match(r"^(?:Lower|Upper) bound:\s+(" + _FLOAT + ")", line)
        if m:
            bound = float(m.group(1))
    return objective, bound, result


def _relative_gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None:
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


# ------------------------------------------------------------------ the solve itself (runs in the child)


def solve_here(prob: pulp.LpProblem, solver: str, time_limit: float, mip: bool, retry_cbc: bool = True) -> SolveOutcome:
    """Solve in this process with its output captured; keep the output only when the solve failed."""
    with captured_output() as printed:
        out = _solve_quietly(prob, solver, time_limit, mip, retry_cbc)
    if out.status in (ERROR, NO_SOLUTION, UNBOUNDED):
        out.output = printed.text.strip()[-OUTPUT_KEEP:]
    return out


def _solve_quietly(prob: pulp.LpProblem, solver: str, time_limit: float, mip: bool, retry_cbc: bool) -> SolveOutcome:
    """Solve in this process and translate the result. Never raises for solver outcomes."""
    if solver == SolverName.SCIPY:  # SciPy's HiGHS in-process: no binary, no files (planner/optimization/scipy_solve.py)
        try:
            from planner.optimization.scipy_solve import solve_scipy

            return solve_scipy(prob, time_limit, mip)
        except Exception as exc:
            return SolveOutcome(ERROR, solver, sense=prob.sense, message=f"{type(exc).__name__}: {exc}")
    workdir = tempfile.mkdtemp(prefix="tierplan-solve-")
    try:
        log_path = os.path.join(workdir, "cbc.log") if solver == SolverName.CBC else None
        engine = make_solver(solver, time_limit=time_limit, mip=mip, workdir=workdir, log_path=log_path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prob.solve(engine)
        if solver == SolverName.HIGHS:
            out = _read_highs(prob, mip)
        else:
            log = ""
            if log_path and os.path.exists(log_path):
                with open(log_path, encoding="utf-8", errors="replace") as fh:
                    log = fh.read()
            out = _read_cbc(prob, mip, log)
            # CBC has reported a false "infeasible" from its pre-processing on a
            # large model; before believing it on a MIP, ask once more without it.
            # A plan found that way overrules the first answer, and so does a run
            # that stops on the time limit (then nobody knows: "no plan in time").
            # A crash does not (CBC 2.10.3 has crashed without pre-processing on a
            # model it rightly called infeasible).
            if out.status == INFEASIBLE and mip and retry_cbc and _has_integers(prob):
                try:
                    again = _solve_cbc_without_preprocessing(prob, time_limit, workdir)
                except Exception:
                    again = None
                if again is not None and (again.has_plan or again.status == NO_SOLUTION):
                    out = again
        return out
    except Exception as exc:  # a solver crash is reported, not raised: the caller decides
        return SolveOutcome(ERROR, solver, sense=prob.sense, message=f"{type(exc).__name__}: {exc}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _has_integers(prob: pulp.LpProblem) -> bool:
    return any(v.cat == pulp.LpInteger for v in prob.variables())


def _solve_cbc_without_preprocessing(prob: pulp.LpProblem, time_limit: float, workdir: str) -> SolveOutcome | None:
    log_path = os.path.join(workdir, "cbc2.log")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engine = _cbc_class()(
            mip=True, msg=False, timeLimit=float(time_limit), gapRel=REL_GAP, gapAbs=ABS_GAP,
            threads=1, logPath=log_path, options=["preprocess off"],
        )
        engine.tmpDir = workdir
        prob.solve(engine)
    log = Path(log_path).read_text(encoding="utf-8", errors="replace") if os.path.exists(log_path) else ""
    return _read_cbc(prob, True, log)


def _collect(prob: pulp.LpProblem, out: SolveOutcome) -> SolveOutcome:
    if out.has_plan:
        out.values = {v.name: (v.varValue if v.varValue is not None else 0.0) for v in prob.variables()}
        out.duals = {c.name: getattr(c, "pi", None) for c in prob.constraints()}
        out.objective = pulp.value(prob.objective) if prob.objective is not None else 0.0
    return out


def _read_highs(prob: pulp.LpProblem, mip: bool) -> SolveOutcome:
    import highspy

    h = prob.solverModel
    ms = h.getModelStatus()
    info = h.getInfo()
    has_primal = getattr(info, "primal_solution_status", 0) == 2
    S = highspy.HighsModelStatus
    if ms in (S.kOptimal, S.kModelEmpty):
        status = OPTIMAL
    elif ms in (S.kInfeasible, S.kUnboundedOrInfeasible):
        status = INFEASIBLE
    elif ms == S.kUnbounded:
        status = UNBOUNDED
    elif ms in (S.kTimeLimit, S.kIterationLimit, S.kInterrupt, S.kObjectiveBound, S.kObjectiveTarget, S.kSolutionLimit):
        status = FEASIBLE if has_primal else NO_SOLUTION
    else:
        status = ERROR
    out = SolveOutcome(status, SolverName.HIGHS, sense=prob.sense, message=str(ms))
    _collect(prob, out)
    is_mip = mip and _has_integers(prob)
    if out.has_plan:
        if is_mip:
            gap = _finite(getattr(info, "mip_gap", None))
            bound = _finite(getattr(info, "mip_dual_bound", None))
            # pulp hands HiGHS the negated objective of a maximisation
            if bound is not None and prob.sense == pulp.LpMaximize:
                bound = -bound
            out.bound = bound
            out.gap = max(gap, 0.0) if gap is not None else (0.0 if status == OPTIMAL else None)
        else:
            out.gap = 0.0 if status == OPTIMAL else None
            out.bound = out.objective if status == OPTIMAL else None
    return out


def _finite(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if x == x and abs(x) < 1e300 else None


def _read_cbc(prob: pulp.LpProblem, mip: bool, log: str) -> SolveOutcome:
    st, sol = prob.status, prob.sol_status
    if sol == pulp.LpSolutionOptimal and st == pulp.LpStatusOptimal:
        status = OPTIMAL
    elif sol == pulp.LpSolutionIntegerFeasible:
        status = FEASIBLE
    elif st == pulp.LpStatusInfeasible or sol == pulp.LpSolutionInfeasible:
        status = INFEASIBLE
    elif st == pulp.LpStatusUnbounded or sol == pulp.LpSolutionUnbounded:
        status = UNBOUNDED
    elif st == pulp.LpStatusNotSolved or sol == pulp.LpSolutionNoSolutionFound:
        status = NO_SOLUTION
    else:
        status = ERROR
    obj_log, bound, result = parse_cbc_log(log)
    # "Optimal" from PuLP but the log says the run stopped: not proven.
    if status == OPTIMAL and result.lower().startswith("stopped"):
        status = FEASIBLE
    out = SolveOutcome(status, SolverName.CBC, sense=prob.sense, message=result or pulp.LpStatus.get(st, str(st)))
    _collect(prob, out)
    if out.has_plan:
        if status == OPTIMAL:
            out.gap = 0.0 if not (mip and _has_integers(prob)) else (_relative_gap(obj_log, bound) or 0.0)
            out.bound = bound if bound is not None else out.objective
        else:
            out.bound = bound
            out.gap = _relative_gap(obj_log if obj_log is not None else out.objective, bound)
    return out
