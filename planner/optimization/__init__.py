"""Optimization: service intervals, headcount and support staffing per tier under a budget.

    from planner.optimization import optimize
    result = optimize(inputs, segmentation.tier_stats(), mode="max_value", solver="highs")

See docs/model.md for the model and docs/plan-json.md for ``result.to_dict()``.
"""

from planner.optimization.core import optimize
from planner.optimization.result import STATUSES, OptimizationResult

__all__ = ["optimize", "OptimizationResult", "STATUSES"]
