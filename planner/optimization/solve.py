"""Running a PuLP model on HiGHS or CBC: solver choice, limits, a wall-clock guard, one status vocabulary.

Facts this module is written around (measured on PuLP 3.3.2, see
/work/shared/reference/solver-notes.md and tests/test_optimization_solve.py):

* ``pulp.HiGHS`` solves in-process (highspy) and keeps the model on
  ``prob.solverModel``; we read status, gap and bound from it directly.
* CBC is ``pulp.PULP_CBC_CMD`` in 3.3 (bundled binary) and ``pulp.COIN_CMD`` in
  4.x; both run the cbc executable. A CBC run stopped by its time limit with a
  plan reports ``status == Optimal`` and ``sol_status == 2``: "Optimal" alone
  means nothing, so the solution status decides. Without a plan the variables
  hold LP values: they are never read then. The gap comes from the CBC log.
* Dual signs differ: on a maximisation, CBC returns d(objective)/d(rhs) and HiGHS
  its negative; on a minimisation both return d(objective)/d(rhs).
  :func:`objective_rate` turns a raw dual into d(objective)/d(rhs).
* Both solvers have overrun their own time limits on large models, so every
  solve runs in a forked child process with a hard deadline (the solver's
  limit plus a grace period); an overrunning child is killed with its process
  group (the cbc executable included). Where ``os.fork`` does not exist
  (Windows), a thread waits with the same deadline instead.

* Solver libraries print: highspy 1.16 writes a banner on stdout whenever a
  model object is made, whatever ``msg`` says, and the cbc binary inherits the
  terminal. Every solve therefore runs with file descriptors 1 and 2 pointed
  at a temporary file (:func:`captured_output`); what was printed is kept on
  the outcome only when the solve failed, so it can be shown as a note.

Same input, same answer: one thread, fixed seeds, and variables named with
zero-padded indices so PuLP's name-sorted column order is the build order.
"""

from __future__ import annotations

import os
import pickle
import re
import select
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pulp

from planner.options import check_solver
from planner.schema import SolverName

SOLVERS = tuple(SolverName)
# Relative and absolute optimality gaps asked of both solvers: tight enough that
# the brute-force tests see exact optima, loose enough to stop on ties.
REL_GAP = 1e-7
ABS_GAP = 1e-6
DEFAULT_TIME_LIMIT = 60.0

# Normalised statuses (internal; the CFO words live in the result)
OPTIMAL = "optimal"
FEASIBLE = "feasible"  # a plan, optimality not proven (time limit)
INFEASIBLE = "infeasible"
NO_SOLUTION = "no_solution"  # stopped (time limit or guard) before any plan
UNBOUNDED = "unbounded"
ERROR = "error"


def guard_seconds(time_limit: float) -> float:
    """Hard wall-clock deadline for a solve given the solver's own limit."""
    return float(time_limit) + max(3.0, 0.25 * float(time_limit))


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


# ------------------------------------------------------------------ what solvers print


OUTPUT_KEEP = 4000  # characters of a failed solve's output kept for its note


class Captured:
    """What was written to file descriptors 1 and 2 inside :func:`captured_output`."""

    text: str = ""


@contextmanager
def captured_output() -> Iterator[Captured]:
    """Point file descriptors 1 and 2 at a temporary file for the duration; restore them after.

    Works at the descriptor level, so output from native code (HiGHS) and from
    child processes (the cbc binary) is caught too, not only Python's
    ``print``. The text is available on the yielded object after the block.
    """
    captured = Captured()
    for stream in (sys.stdout, sys.stderr):
        with suppress(AttributeError, ValueError, OSError):
            stream.flush()
    saved: list[tuple[int, int]] = []
    with tempfile.TemporaryFile() as sink:
        try:
            for fd in (1, 2):
                try:
                    saved.append((fd, os.dup(fd)))
                except OSError:
                    continue  # no such descriptor (a service without a console): nothing to silence
                os.dup2(sink.fileno(), fd)
            yield captured
        finally:
            for stream in (sys.stdout, sys.stderr):
                with suppress(AttributeError, ValueError, OSError):
                    stream.flush()
            for fd, copy in saved:
                os.dup2(copy, fd)
                os.close(copy)
            sink.seek(0)
            captured.text = sink.read(1 << 20).decode("utf-8", errors="replace")


# ------------------------------------------------------------------ the solve itself (runs in the child)


def _solve_here(prob: pulp.LpProblem, solver: str, time_limit: float, mip: bool, retry_cbc: bool = True) -> SolveOutcome:
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


# ------------------------------------------------------------------ the guard


def solve(
    prob: pulp.LpProblem,
    solver: str = SolverName.HIGHS,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    mip: bool = True,
    guard: float | None = None,
) -> SolveOutcome:
    """Solve ``prob`` with a hard wall-clock deadline; never raises for solver outcomes.

    ``guard`` is the deadline in seconds (default: :func:`guard_seconds` of the
    time limit). The values and duals come back keyed by variable/constraint
    name; ``prob`` itself is left unsolved in this process.
    """
    solver = check_solver(solver)
    deadline = guard_seconds(time_limit) if guard is None else float(guard)
    if hasattr(os, "fork") and sys.platform.startswith("linux"):
        return _solve_forked(prob, solver, time_limit, mip, deadline)
    return _solve_threaded(prob, solver, time_limit, mip, deadline)


def _fork(produce: Callable[[], bytes]) -> tuple[int, int]:
    """Run ``produce()`` in a forked child (its own process group) that writes the bytes to a pipe and leaves.

    Returns (pid, read end of the pipe). The child never runs the parent's
    cleanup (os._exit), so a solver it kills cannot take the parent with it.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(read_fd)
            with suppress(OSError):
                os.setpgid(0, 0)
            view = memoryview(produce())
            while view:
                view = view[os.write(write_fd, view):]
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    with suppress(OSError):  # the child already did it (or already left)
        os.setpgid(pid, pid)
    return pid, read_fd


def _reap(pid: int, kill: bool) -> None:
    """Wait for a forked child, killing its whole process group first when asked."""
    if kill:
        for kill_with in (os.killpg, os.kill):
            with suppress(OSError):
                kill_with(pid, signal.SIGKILL)
    with suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _solve_forked(prob: pulp.LpProblem, solver: str, time_limit: float, mip: bool, deadline: float) -> SolveOutcome:
    def produce() -> bytes:
        try:
            return pickle.dumps(_solve_here(prob, solver, time_limit, mip), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            return pickle.dumps(SolveOutcome(ERROR, solver, message=traceback.format_exc(limit=3)))

    pid, read_fd = _fork(produce)
    chunks: list[bytes] = []
    start = time.monotonic()
    killed = False
    try:
        while True:
            remaining = deadline - (time.monotonic() - start)
            if remaining <= 0:
                killed = True
                break
            ready, _, _ = select.select([read_fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        _reap(pid, killed)
    if killed:
        return _guard_outcome(prob, solver, deadline)
    try:
        outcome: SolveOutcome = pickle.loads(b"".join(chunks))  # what produce() pickled
        return outcome
    except Exception:
        return SolveOutcome(ERROR, solver, sense=prob.sense, message="the solver process ended without an answer")


def _solve_threaded(prob: pulp.LpProblem, solver: str, time_limit: float, mip: bool, deadline: float) -> SolveOutcome:
    box: list[SolveOutcome] = []
    worker = threading.Thread(target=lambda: box.append(_solve_here(prob, solver, time_limit, mip)), daemon=True)
    worker.start()
    worker.join(deadline)
    if worker.is_alive() or not box:
        return _guard_outcome(prob, solver, deadline)
    return box[0]


def _guard_outcome(prob: pulp.LpProblem, solver: str, deadline: float) -> SolveOutcome:
    return SolveOutcome(
        NO_SOLUTION,
        solver,
        sense=prob.sense,
        guard_stopped=True,
        message=f"stopped by the wall-clock guard after {deadline:g} s (the solver overran its own time limit)",
    )


def workers() -> int:
    """How many solves may run side by side: the CPUs this process may use, at most 4."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:
        n = os.cpu_count() or 1
    return max(1, min(4, n))


T = TypeVar("T")


def run_parallel(tasks: list[Callable[[], T]], deadline: float, max_workers: int | None = None) -> list[T | None]:
    """Run independent tasks (each one or more guarded solves) in forked children, results in task order.

    Each task's result must pickle. A task still running after ``deadline``
    seconds is killed and gives None; a task that raises gives None too. Where
    fork is unavailable the tasks run one after the other in this process.
    Results never depend on which task finished first.
    """
    if not tasks:
        return []
    limit = max_workers or workers()
    if limit <= 1 or len(tasks) == 1 or not (hasattr(os, "fork") and sys.platform.startswith("linux")):
        out: list[T | None] = []
        for task in tasks:
            try:
                out.append(task())
            except Exception:
                out.append(None)
        return out
    results: list[T | None] = [None] * len(tasks)
    pending = list(range(len(tasks)))
    running: dict[int, tuple[int, int, float, list[bytes]]] = {}  # fd -> (task index, pid, start, chunks)
    while pending or running:
        while pending and len(running) < limit:
            i = pending.pop(0)

            def produce(task: Callable[[], T] = tasks[i]) -> bytes:
                try:
                    return pickle.dumps(("ok", task()), protocol=pickle.HIGHEST_PROTOCOL)
                except BaseException:
                    return pickle.dumps(("error", None))

            pid, read_fd = _fork(produce)
            running[read_fd] = (i, pid, time.monotonic(), [])
        now = time.monotonic()
        wait = min(deadline - (now - start) for (_, _, start, _) in running.values())
        ready, _, _ = select.select(list(running), [], [], max(0.0, wait))
        for fd in ready:
            chunk = os.read(fd, 1 << 20)
            i, pid, start, chunks = running[fd]
            if chunk:
                chunks.append(chunk)
                continue
            os.close(fd)
            del running[fd]
            _reap(pid, kill=False)
            try:
                kind, value = pickle.loads(b"".join(chunks))
                results[i] = value if kind == "ok" else None
            except Exception:
                results[i] = None
        now = time.monotonic()
        for fd, (i, pid, start, _) in list(running.items()):
            if now - start >= deadline:
                os.close(fd)
                del running[fd]
                _reap(pid, kill=True)
                results[i] = None
    return results


SolveFn = Callable[[pulp.LpProblem], SolveOutcome]
