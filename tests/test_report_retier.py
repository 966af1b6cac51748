"""The report says when the tier cut-offs are last assessment's, kept because the bands still hold."""

import dataclasses
from pathlib import Path

from planner.pipeline import build_plan
from planner.report import render_html
from planner.segmentation import segment
from planner.workbook.reader import read_inputs

DEMO = Path(__file__).resolve().parents[1] / "workbooks" / "tierplan_demo.xlsx"


def test_second_assessment_keeps_and_names_last_cut_offs():
    inputs = read_inputs(DEMO)
    first = segment(inputs)
    accounts = inputs.accounts.copy()
    # the next export: every account carries its tier by score and its score from the first run, locks and flags cleared
    accounts["previous_tier"] = first.accounts["score_tier"].astype(str).to_numpy()
    accounts["previous_score"] = first.accounts["score"].to_numpy()
    accounts["locked_tier"] = None
    accounts["lock_reason"] = None
    accounts["strategic"] = False
    accounts["churn_risk"] = False
    second_inputs = dataclasses.replace(inputs, accounts=accounts)
    plan = build_plan(second_inputs)
    seg = plan.to_dict()["segmentation"]
    assert seg["cutoff_method"] == "previous"
    html = render_html(plan)
    assert html.count("The cut-off is the one of the last assessment, kept because every band still holds with it.") == 2
