"""Excel integration: the macro-enabled workbook and the code its buttons run.

- :mod:`planner.excel.build`: ``build_macro_workbook(path, source=None)`` writes tier_planner.xlsm
  (buttons on the Guide sheet, VBA project from the installed xlwings) and tier_planner.py beside it.
- :mod:`planner.excel.adapter`: ``run_optimization(book)`` / ``build_report(book)`` / ``compare_scenarios(book)``, written against
  the xlwings Book API; what the buttons end up calling.
- :mod:`planner.excel.vba`: the VBA project, made at run time from xlwings' quickstart workbook.

Nothing here is imported by the core; xlwings itself is only imported by the
Python file beside the workbook.
"""

from planner.excel.adapter import build_report, compare_scenarios, run_optimization

__all__ = ["build_report", "compare_scenarios", "run_optimization"]
