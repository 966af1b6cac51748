"""TierPlan's Excel buttons run this file. Keep it in the same folder as the workbook.

The workbook's buttons call the VBA macros RunOptimization, BuildReport and
CompareScenarios, which use xlwings' RunPython to run ``import tierplan_buttons;
tierplan_buttons.run_optimization()`` (or ``build_report()``, ``compare_scenarios()``). The module name
is fixed, whatever the workbook is called, and xlwings puts the workbook's
folder on the Python path, so a copy saved as "tier_planner (1).xlsm" still
finds this file. Every TierPlan workbook in this folder uses it.

Python must have TierPlan and xlwings installed: the interpreter is named in
the workbook's hidden xlwings.conf sheet (`tierplan excel --interpreter`), and
`tierplan doctor BOOK` checks the whole set-up.
"""

import sys

import xlwings as xw

from planner.excel import adapter


def run_optimization():
    adapter.run_optimization(xw.Book.caller())


def build_report():
    adapter.build_report(xw.Book.caller())


def compare_scenarios():
    adapter.compare_scenarios(xw.Book.caller())


def main():
    run_optimization()


if __name__ == "__main__":
    # From a terminal, with the workbook open in Excel: python tierplan_buttons.py "tier_planner (1).xlsm"
    xw.Book(sys.argv[1] if len(sys.argv) > 1 else "tier_planner.xlsm").set_mock_caller()
    main()
