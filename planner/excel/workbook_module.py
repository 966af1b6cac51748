"""TierPlan's Excel buttons run this file. Keep it beside tier_planner.xlsm, with the same name.

The workbook's buttons call the VBA macros RunOptimization and BuildReport,
which use xlwings' RunPython to run ``import tier_planner;
tier_planner.run_optimization()`` (or ``build_report()``): the module name is
the workbook's file name without extension, and xlwings puts the workbook's
folder on the Python path. xlwings' own quickstart macro and the ribbon's
"Run main" call main(), which runs the optimization too.

Python must have TierPlan and xlwings installed (the interpreter xlwings
uses is set on the xlwings ribbon or in the workbook's xlwings.conf sheet).
"""

import xlwings as xw

from planner.excel import adapter


def run_optimization():
    adapter.run_optimization(xw.Book.caller())


def build_report():
    adapter.build_report(xw.Book.caller())


def main():
    run_optimization()


if __name__ == "__main__":
    # Run from a terminal or an editor while the workbook is open in Excel.
    xw.Book("tier_planner.xlsm").set_mock_caller()
    main()
