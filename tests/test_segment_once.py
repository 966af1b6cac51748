"""The accounts are tiered once per run: a budget, mode or solver override does not segment them again,
a change to what tiering reads does (planner.segmentation.model.segment keeps the last result)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from planner.inputs import PlanningMode
from planner.options import PlanOptions, apply_options
from planner.segmentation import model, segment
from planner.workbook.reader import read_inputs

DEMO = Path(__file__).resolve().parents[1] / "workbooks" / "tierplan_demo.xlsx"


@pytest.fixture(scope="module")
def demo():
    return read_inputs(DEMO)


def test_a_budget_mode_or_solver_override_reuses_the_tiers(demo, monkeypatch):
    first = segment(demo)
    calls = []
    monkeypatch.setattr(model, "_segment", lambda inputs: calls.append(inputs) or first)
    overridden = apply_options(demo, PlanOptions(budget=1.0, mode=PlanningMode.MIN_COST.value, solver="cbc", time_limit=5))
    assert overridden.finance != demo.finance
    assert segment(overridden) is first
    assert calls == []


def test_the_reused_tiers_are_the_tiers_computed_afresh(demo):
    overridden = apply_options(demo, PlanOptions(budget=123.0))
    fresh = model._segment(overridden)
    kept = segment(overridden)
    pd.testing.assert_series_equal(kept.tiers, fresh.tiers)
    pd.testing.assert_frame_equal(kept.accounts, fresh.accounts)


@pytest.mark.parametrize("change", [{"retier_margin": 0.0}, {"strategic_tier": "Tier 1"}])
def test_a_change_to_what_tiering_reads_tiers_again(demo, change):
    first = segment(demo)
    changed = dataclasses.replace(demo, finance=dataclasses.replace(demo.finance, **change))
    again = segment(changed)
    assert again is not first
    pd.testing.assert_series_equal(again.tiers, model._segment(changed).tiers)
    if "retier_margin" in change:  # the demo keeps 106 accounts in their previous tier by the margin: without it some move
        assert (again.tiers != first.tiers).any()
