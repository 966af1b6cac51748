"""Scenarios: named what-ifs on the workbook, applied to the typed inputs once and planned side by side.

- :mod:`planner.scenarios.apply`: one scenario applied to :class:`~planner.inputs.PlanInputs` (pure), each change
  recorded in ``PlanInputs.overrides`` with the source ``"scenario NAME"``, and the rules a changed row must still
  keep (minimum <= negotiated <= maximum, bands, coverage ratios) checked against the Scenarios cell that broke them;
- :mod:`planner.scenarios.compare`: the typed comparison of planned scenarios (cost, budget used and fit, expected
  ARR impact, Assessed Service Value, people, intervals that differ, support agents, the budget's shadow price);
- :mod:`planner.scenarios.run`: planning several scenarios from one reading, segmenting again only where a scenario
  changes what segmentation reads, with the solves side by side.

The Scenarios sheet itself is read by planner/workbook/sheets/scenarios.py, with the same cell parser as every sheet.
"""

from planner.scenarios.apply import apply_scenario, changes_segmentation, scenario_problems, scenario_source

__all__ = ["apply_scenario", "changes_segmentation", "scenario_problems", "scenario_source"]
