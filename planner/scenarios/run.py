"""Several variants of one plan computed side by side: scenarios for `tierplan compare`, single changes for `tierplan diff`.

The workbook is read once (by the caller). Each variant is the baseline's inputs with its changes applied; a variant
that does not change what segmentation reads (tiers, bands, scoring, the accounts, the re-tiering margin, the strategic
tier) reuses the baseline's segmentation, the others are segmented again. Each variant's valuation and optimisation run
in a forked child (planner.optimization.solve.run_parallel, the optimizer's own parallel runner, whose solves are
themselves guarded children), results in the order the variants were given, whichever finishes first. A child that
dies is run again here, so an error of ours ends with its traceback instead of a missing column.

Pure computation apart from the solver processes: no files, no printing, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import cast

import pandas as pd

from planner.inputs import PlanInputs, Scenario
from planner.optimization import OptimizationResult
from planner.options import PlanOptions, apply_options
from planner.scenarios.apply import changes_segmentation
from planner.schema import BASELINE
from planner.segmentation import Segmentation
from planner.valuation import Valuation


@dataclass(frozen=True)
class Variant:
    """What to plan: inputs (a scenario applied) and where its tiers come from.

    ``segmentation`` given: its tiers are reused (the variant changes nothing segmentation reads). ``tier_stats`` given
    instead: the optimizer plans for those accounts and ARR per tier (a plan.json carries no accounts). Neither: the
    variant is segmented again.
    """

    name: str
    inputs: PlanInputs
    segmentation: Segmentation | None = None
    tier_stats: pd.DataFrame | None = None


@dataclass(frozen=True)
class VariantPlan:
    """One planned variant: its inputs, its tiers, and what the valuation and the optimizer found."""

    name: str
    inputs: PlanInputs
    segmentation: Segmentation | None  # None when planned from tier_stats alone
    valuation: Valuation | None  # None when planned from tier_stats alone (the valuation counts accounts)
    optimization: OptimizationResult
    resegmented: bool


def _plan_one(variant: Variant, sensitivity: bool, budget_only: bool) -> tuple[Segmentation | None, Valuation | None, OptimizationResult]:
    from planner.optimization import optimize
    from planner.segmentation import segment
    from planner.valuation import valuation

    seg = variant.segmentation
    if seg is None and variant.tier_stats is None:
        seg = segment(variant.inputs)
    stats = seg.tier_stats() if seg is not None else variant.tier_stats
    assert stats is not None
    value = valuation(variant.inputs, seg.tiers) if seg is not None else None
    opt = optimize(variant.inputs, stats, sensitivity=sensitivity, budget_only=budget_only)
    return (seg if variant.segmentation is None else None), value, opt


def plan_variants(variants: Sequence[Variant], *, sensitivity: bool = True, budget_only: bool = True,
                  progress: Callable[[str], None] | None = None) -> list[VariantPlan]:
    """Every variant planned, side by side; results in the order given."""
    from planner.optimization.solve import guard_seconds, run_parallel

    step = progress or (lambda name: None)
    step(f"Planning {len(variants)} variant{'s' if len(variants) != 1 else ''} side by side")
    tasks: list[Callable[[], object]] = [
        (lambda v=v: _plan_one(v, sensitivity, budget_only)) for v in variants  # type: ignore[misc]
    ]
    limit = max((v.inputs.finance.time_limit for v in variants), default=60.0)
    results = run_parallel(tasks, deadline=12 * guard_seconds(limit) + 30)
    out: list[VariantPlan] = []
    for v, res in zip(variants, results):
        if res is None:  # the child died or overran: plan it here, so an error of ours shows its traceback
            res = _plan_one(v, sensitivity, budget_only)
        seg, value, opt = cast(tuple[Segmentation | None, Valuation | None, OptimizationResult], res)
        segmentation = v.segmentation if v.segmentation is not None else seg
        out.append(VariantPlan(v.name, v.inputs, segmentation, value, opt, resegmented=v.segmentation is None and v.tier_stats is None))
    return out


def chosen_scenarios(inputs: PlanInputs, names: Sequence[str] | str | None) -> tuple[Scenario, ...]:
    """The scenarios asked for (every one when None), in the order asked; UserInputError names the ones not on the sheet.

    A comma-separated text is split at its commas unless it is itself the name of a scenario; "Baseline" is always
    planned first and may be named or not.
    """
    from planner.errors import Problem, UserInputError
    from planner.options import choice_list

    if names is None:
        return inputs.scenarios
    if isinstance(names, str):
        names = [names] if inputs.scenario_named(names) is not None else names.split(",")
    out: list[Scenario] = []
    unknown: list[str] = []
    for name in (n.strip() for n in names):
        if not name or name.casefold() == BASELINE.casefold():
            continue
        found = inputs.scenario_named(name)
        if found is None:
            unknown.append(name)
        elif found not in out:
            out.append(found)
    if unknown:
        listing = ("one of " + choice_list(tuple(s.name for s in inputs.scenarios))) if inputs.scenarios else (
            "the workbook's Scenarios sheet lists none yet")
        raise UserInputError([Problem("command line", f"--scenarios {n!r} is not on the Scenarios sheet", listing) for n in unknown])
    return tuple(out)


def scenario_variants(inputs: PlanInputs, scenarios: Sequence[Scenario], options: PlanOptions = PlanOptions()) -> list[Variant]:
    """The baseline (options applied) and each scenario (applied first, then the options), sharing the baseline's tiers where they can."""
    from planner.segmentation import segment

    base = apply_options(inputs, replace(options, scenario=None))
    seg = segment(base)
    variants = [Variant(BASELINE, base, seg)]
    for s in scenarios:
        applied = apply_options(inputs, replace(options, scenario=s.name))
        variants.append(Variant(s.name, applied, None if changes_segmentation(s) else seg))
    return variants


__all__ = ["Variant", "VariantPlan", "chosen_scenarios", "plan_variants", "scenario_variants"]
