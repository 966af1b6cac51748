"""Every solve in a guarded child: a hard wall-clock deadline, and independent solves side by side.

Both solvers have overrun their own time limits on large models, so every
solve runs in a forked child process with a hard deadline (the solver's limit
plus a grace period, :func:`guard_seconds`); an overrunning child is killed
with its process group (the cbc executable included). Where ``os.fork`` does
not exist (Windows), a thread waits with the same deadline instead.
:func:`run_parallel` runs independent tasks (each one or more guarded solves)
in forked children the same way. The solve itself is planner/optimization/engines.py.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import suppress
from typing import TypeVar

import pulp

from planner.optimization.engines import solve_here
from planner.optimization.outcome import ERROR, NO_SOLUTION, SolveOutcome
from planner.options import check_solver
from planner.schema import SolverName

DEFAULT_TIME_LIMIT = 60.0


def guard_seconds(time_limit: float) -> float:
    """Hard wall-clock deadline for a solve given the solver's own limit."""
    return float(time_limit) + max(3.0, 0.25 * float(time_limit))


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
            return pickle.dumps(solve_here(prob, solver, time_limit, mip), protocol=pickle.HIGHEST_PROTOCOL)
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
    worker = threading.Thread(target=lambda: box.append(solve_here(prob, solver, time_limit, mip)), daemon=True)
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
