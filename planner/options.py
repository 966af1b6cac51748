"""Overrides of the workbook's settings for one run, checked once and applied to the typed inputs once.

A run may plan one scenario of the Scenarios sheet and change the Finance sheet's planning mode,
solver, budget, time limit and as-of date (from the command line, the Excel button or a scenario).
:func:`apply_options` puts them into the inputs before anything computes (the scenario first, then
the options, so ``--budget`` wins over a scenario's budget), and records each change in
``PlanInputs.overrides``, so every figure downstream (valuation, optimisation, the report's
sentences) reads one budget, and the report can say which budget it used and where it came from.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, replace
from typing import Any

from planner.errors import Problem, UserInputError
from planner.inputs import Override, PlanInputs
from planner.schema import FINANCE, PlanningMode, SolverName, values

PAGE_SIZES = ("A4", "Letter")
COMMAND_LINE = "command line"


def choice_list(words: tuple[str, ...]) -> str:
    """"a or b", "a, b or c"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def check_mode(mode: str | None, where: str = "mode option") -> PlanningMode:
    """A planning mode from its name (any case, surrounding spaces ignored); UserInputError names the choices."""
    key = (mode or "").strip().lower()
    if key not in values(PlanningMode):
        raise UserInputError(Problem(where, f"{mode!r} is not a planning mode", "use " + choice_list(values(PlanningMode))))
    return PlanningMode(key)


def check_solver(name: str | None, where: str = "solver option") -> SolverName:
    """A solver from its name (any case, surrounding spaces ignored); UserInputError names the choices."""
    key = (name or "").strip().lower()
    if key not in values(SolverName):
        raise UserInputError(Problem(where, f"{name!r} is not a solver", "use " + choice_list(values(SolverName))))
    return SolverName(key)


@dataclass(frozen=True)
class PlanOptions:
    """Overrides of the Finance sheet for one run; None keeps the sheet's value."""

    mode: PlanningMode | str | None = None  # a name until check() turns it into the choice
    solver: SolverName | str | None = None
    budget: float | None = None
    time_limit: float | None = None
    page_size: str = "A4"  # PDF: one of PAGE_SIZES
    scenario: str | None = None  # a scenario of the Scenarios sheet to plan instead of the baseline
    as_of: _dt.date | None = None  # the date the plan is as of (instead of the Finance sheet's As of)

    def check(self, where: str = COMMAND_LINE) -> PlanOptions:
        """The same options with names turned into choices; UserInputError lists every problem.

        ``where`` names the options' source in messages: on the command line they read as flags
        (``--mode 'cheapest' is not a planning mode``).
        """
        flag = (lambda name: f"--{name}") if where == COMMAND_LINE else (lambda name: name.replace("-", " "))
        problems: list[Problem] = []
        mode, solver = self.mode, self.solver
        if mode is not None and str(mode).strip().lower() not in values(PlanningMode):
            problems.append(Problem(where, f"{flag('mode')} {str(self.mode)!r} is not a planning mode", "use " + choice_list(values(PlanningMode))))
        elif mode is not None:
            mode = PlanningMode(str(mode).strip().lower())
        if solver is not None and str(solver).strip().lower() not in values(SolverName):
            problems.append(Problem(where, f"{flag('solver')} {str(self.solver)!r} is not a solver", "use " + choice_list(values(SolverName))))
        elif solver is not None:
            solver = SolverName(str(solver).strip().lower())
        if self.budget is not None and not (self.budget > 0 and math.isfinite(self.budget)):
            problems.append(Problem(where, f"{flag('budget')} {self.budget:g} is not a usable budget", "a positive amount"))
        if self.time_limit is not None and not (self.time_limit > 0 and math.isfinite(self.time_limit)):
            problems.append(Problem(where, f"{flag('time-limit')} {self.time_limit:g} is not a usable time limit", "a positive number of seconds"))
        if self.page_size not in PAGE_SIZES:
            problems.append(Problem(where, f"{flag('page-size')} {self.page_size!r} is not a page size", "use " + choice_list(PAGE_SIZES)))
        if self.scenario is not None and not str(self.scenario).strip():
            problems.append(Problem(where, f"{flag('scenario')} is empty", "name a scenario of the Scenarios sheet"))
        if self.as_of is not None and not isinstance(self.as_of, _dt.date):
            problems.append(Problem(where, f"{flag('as-of')} {self.as_of!r} is not a date", "a date such as 2026-03-31"))
        if problems:
            raise UserInputError(problems)
        return replace(self, mode=mode, solver=solver)


def apply_options(inputs: PlanInputs, options: PlanOptions, source: str = COMMAND_LINE) -> PlanInputs:
    """The inputs with the options' overrides in ``finance``, each recorded in ``overrides``.

    The options are checked first (UserInputError lists every problem). A value equal to the
    sheet's is not an override.
    """
    options = options.check(source)
    if options.scenario is not None:
        inputs = _with_scenario(inputs, options.scenario, source)
    finance = inputs.finance
    changes: dict[str, Any] = {}  # Finance field -> its new value (a choice, a float or a date)
    as_of = options.as_of.date() if isinstance(options.as_of, _dt.datetime) else options.as_of
    for key, value in (("planning_mode", options.mode), ("solver", options.solver), ("budget", options.budget),
                       ("time_limit", options.time_limit), ("as_of", as_of)):
        if value is None:
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = float(value)
        if getattr(finance, key) != value:
            changes[key] = value
    if not changes:
        return inputs
    overrides = tuple(inputs.overrides) + tuple(
        Override(FINANCE.name, key, FINANCE.setting(key).label, getattr(finance, key), value, source) for key, value in changes.items()
    )
    return replace(inputs, finance=replace(finance, **changes), overrides=overrides)


def check_as_of(text: str | None, where: str = COMMAND_LINE) -> _dt.date | None:
    """An --as-of value: a date written 2026-03-31 (None when not given); UserInputError otherwise."""
    if text is None:
        return None
    try:
        return _dt.date.fromisoformat(str(text).strip())
    except ValueError:
        flag = "--as-of" if where == COMMAND_LINE else "as of"
        raise UserInputError(Problem(where, f"{flag} {text!r} is not a date", "write it as year-month-day, e.g. 2026-03-31")) from None


def _with_scenario(inputs: PlanInputs, name: str, source: str) -> PlanInputs:
    """The inputs of the scenario of that name (any case); UserInputError naming the scenarios there are."""
    from planner.scenarios.apply import apply_scenario

    scenario = inputs.scenario_named(name)
    if scenario is None:
        if inputs.scenario is not None and inputs.scenario.casefold() == name.strip().casefold():
            return inputs
        flag = "--scenario" if source == COMMAND_LINE else "scenario"
        listing = ("one of " + choice_list(tuple(s.name for s in inputs.scenarios))) if inputs.scenarios else (
            "the workbook's Scenarios sheet lists none yet")
        raise UserInputError(Problem(source, f"{flag} {name.strip()!r} is not on the Scenarios sheet", listing))
    from planner.scenarios.apply import scenario_problems

    broken = scenario_problems(inputs, scenario)
    if broken:
        raise UserInputError(broken)
    return apply_scenario(inputs, scenario)
