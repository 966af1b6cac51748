"""Regenerate the committed workbooks (what `tierplan init` and `tierplan demo` write).

    .venv/bin/python scripts/regenerate_workbooks.py

tests/test_template.py fails when the committed files differ from what these
functions produce, so run this after changing the schema, the defaults or the
template writer, and commit the result.
"""

from pathlib import Path

from planner.workbook.demo import write_demo
from planner.workbook.template import write_template

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "workbooks" / "tierplan_template.xlsx"
DEMO = ROOT / "workbooks" / "tierplan_demo.xlsx"

if __name__ == "__main__":
    print(write_template(TEMPLATE))
    print(write_demo(DEMO))
