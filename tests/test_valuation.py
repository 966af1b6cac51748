"""Valuation against values computed by hand (source process steps 2-4)."""

import math

import pandas as pd
import pytest

from planner.inputs import Finance, Interval, PlanInputs, Role, Service, Tier
from planner.valuation import service_matrix, tier_summary, value_multiplier
from planner.writers.plan_json import valuation_report


def _inputs(margin=0.30):
    tiers = (
        Tier("Gold", 0, "High touch", "ARR", 0.1, 0.2),
        Tier("Silver", 1, "Low touch", "ARR", 0.8, 0.9),
    )
    roles = (
        Role("CSM", "Named", 150_000.0, 1_500.0, 20),  # 100 per hour
        Role("Bot", "Automated", 0.0, 0.0),
    )
    services = (
        Service("QBR", "", "CSM", 250.0, True, 0.01, 0.5, True),
        Service("Newsletter", "", "Bot", 2.0, False, 0.001, 0.5, True),
    )
    intervals = (
        Interval("QBR", "Gold", "CSM", 8.0, 2, 4, 4),
        Interval("QBR", "Silver", "CSM", 4.0, 0, 1, 2),
        Interval("Newsletter", "Gold", "Bot", 0.0, 0, 12, 12),
        Interval("Newsletter", "Silver", "Bot", 0.0, 0, 12, 12),
    )
    accounts = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "d"],
            "arr": [200_000.0, 50_000.0, 10_000.0, 5_000.0],
            "previous_tier": ["Gold", "Silver", "Silver", None],
        }
    )
    return PlanInputs(tiers, roles, services, intervals, (), (), Finance(budget=100_000.0, margin=margin), accounts)


def test_margin_is_read_as_a_mark_up_on_cost():
    assert value_multiplier(0.30) == pytest.approx(1.30)
    assert value_multiplier(0.0) == 1.0


def test_qbr_for_gold_costs_hours_times_rate_plus_direct_cost():
    m = service_matrix(_inputs()).set_index(["service", "tier"])
    row = m.loc[("QBR", "Gold")]
    assert row["hourly_rate"] == pytest.approx(100.0)
    assert row["cost_per_occurrence"] == pytest.approx(8 * 100 + 250)  # 1,050
    assert row["annual_cost_per_account"] == pytest.approx(4 * 1_050)  # 4,200
    assert row["asv_per_account"] == pytest.approx(4_200 * 1.30)  # 5,460
    assert row["hours_per_account"] == pytest.approx(32)


def test_automated_service_costs_only_its_direct_cost():
    m = service_matrix(_inputs()).set_index(["service", "tier"])
    row = m.loc[("Newsletter", "Silver")]
    assert row["hourly_rate"] == 0
    assert row["annual_cost_per_account"] == pytest.approx(24.0)
    assert row["asv_per_account"] == pytest.approx(31.2)


def test_chosen_intervals_override_negotiated_ones():
    chosen = {("QBR", "Gold"): 2, ("QBR", "Silver"): 0, ("Newsletter", "Gold"): 12, ("Newsletter", "Silver"): 6}
    m = service_matrix(_inputs(), intervals=chosen).set_index(["service", "tier"])
    assert m.loc[("QBR", "Gold"), "annual_cost_per_account"] == pytest.approx(2_100)
    assert m.loc[("QBR", "Silver"), "annual_cost_per_account"] == 0
    assert m.loc[("Newsletter", "Silver"), "annual_cost_per_account"] == pytest.approx(12)


def test_tier_summary_counts_previous_tiers_and_ignores_new_accounts():
    s = tier_summary(_inputs()).set_index("tier")
    assert s.loc["Gold", "accounts"] == 1
    assert s.loc["Silver", "accounts"] == 2
    # Gold: QBR 4,200 + newsletter 24 per account, one account, ARR 200,000
    assert s.loc["Gold", "cost_to_serve"] == pytest.approx(4_224)
    assert s.loc["Gold", "assessed_value"] == pytest.approx(4_224 * 1.3)
    assert s.loc["Gold", "cost_share_of_arr"] == pytest.approx(4_224 / 200_000)
    # Silver: QBR 1 x (4 x 100 + 250) = 650 + 24 = 674 per account, two accounts
    assert s.loc["Silver", "cost_to_serve"] == pytest.approx(2 * 674)
    assert s.loc["Silver", "arr"] == pytest.approx(60_000)


def test_tier_summary_uses_given_tiers_when_segmentation_ran():
    inputs = _inputs()
    tiers = pd.Series(["Gold", "Gold", "Silver", "Silver"])
    s = tier_summary(inputs, tiers).set_index("tier")
    assert s.loc["Gold", "accounts"] == 2
    assert s.loc["Silver", "arr"] == pytest.approx(15_000)


def test_empty_tier_has_no_cost_share():
    inputs = _inputs()
    s = tier_summary(inputs, pd.Series(["Silver"] * 4)).set_index("tier")
    assert s.loc["Gold", "accounts"] == 0
    assert pd.isna(s.loc["Gold", "cost_share_of_arr"])
    rep = valuation_report(inputs, pd.Series(["Silver"] * 4))
    assert rep["tiers"][0]["cost_share_of_arr"] is None


def test_report_totals_and_budget_share():
    rep = valuation_report(_inputs())
    total = 4_224 + 2 * 674
    assert rep["totals"]["cost_to_serve"] == pytest.approx(total)
    assert rep["totals"]["budget_used_share"] == pytest.approx(total / 100_000)
    assert rep["value_multiplier"] == pytest.approx(1.3)
    assert not any(isinstance(v, float) and math.isnan(v) for r in rep["tiers"] for v in r.values())
