"""optimize(): plans, statuses, infeasibility answers, sensitivity, scale and outputs.

Inputs are built directly from planner.inputs dataclasses; expected figures are
computed by hand in the comments.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from planner.errors import UserInputError
from planner.inputs import SLA, Finance, Interval, PlanInputs, Role, Service, Tier
from planner.optimization import OptimizationResult, optimize
from planner.optimization.core import status_word
from planner.optimization.examples import accounts_frame, example_inputs, random_instance, tier_stats_from
from planner.optimization.formulation import build, model_size
from planner.optimization.model import Spec, prepare, unit_id
from planner.optimization.plan import FEASIBLE, NO_SOLUTION, OPTIMAL, Runner, solve_plan
from planner.optimization.sensitivity import lp_objective, lp_rates
from planner.optimization.staffing import agents_for_targets, rostered_agents
from planner.schema import RESULT_SHEETS
from planner.writers.plan_json import optimization_json
from planner.writers.results import write_results_workbook
from planner.writers.sheets import optimization_sheets

DOCS = Path(__file__).resolve().parents[1] / "docs"


def one_tier(
    *,
    budget: float,
    mode: str = "min_cost",
    b_hours: float = 60.0,
    guardrail: float | None = None,
    slas: tuple = (),
    a_impact: float = 0.01,
    b_impact: float = 0.02,
) -> tuple[PlanInputs, pd.DataFrame]:
    """One tier, 10 accounts, ARR 1,000,000.

    Named CSM: 100,000 loaded, 1,000 h, 10 accounts each.  Pool: 50,000 loaded, 1,000 h.
    A (mandatory, by the CSM): 10 h + 500 direct per occurrence, negotiated 4 (min 2, max 6).
    B (by the Pool): b_hours per occurrence, negotiated 2 (min 0, max 4).
    """
    tiers = (Tier("Gold", 0, "High touch", "ARR", 0.0, 1.0, guardrail),)
    roles = (
        Role("CSM", "Named", 100_000, 1_000, 10),
        Role("Pool", "Pooled", 50_000, 1_000, None),
    )
    services = (
        Service("A", "", "CSM", 500, True, a_impact, 0.5, False),
        Service("B", "", "Pool", 0, False, b_impact, 0.5, False),
    )
    intervals = (
        Interval("A", "Gold", "CSM", 10, 2, 4, 6),
        Interval("B", "Gold", "Pool", b_hours, 0, 2, 4),
    )
    finance = Finance(budget=budget, margin=0.3, planning_mode=mode, solver="highs", time_limit=30,
                      live_hours=200, shrinkage=0.3, occupancy_cap=0.85)
    accounts = accounts_frame({"Gold": [100_000.0] * 10})
    inputs = PlanInputs(tiers, roles, services, intervals, slas, (), finance, accounts)
    return inputs, tier_stats_from({"Gold": 10}, {"Gold": 1_000_000.0})


# ------------------------------------------------------------------ infeasible is an answer


def test_min_cost_over_budget_answers_with_the_hand_computed_smallest_budget():
    # A: 10 accounts x 4 x 10 h = 400 h -> 1 CSM (coverage also says 1): 100,000; direct 10 x 4 x 500 = 20,000
    # B: 10 accounts x 2 x 60 h = 1,200 h -> 2 Pool people: 100,000.   Cheapest negotiated plan: 220,000.
    inputs, ts = one_tier(budget=200_000)
    r = optimize(inputs, ts)
    assert r.status == "infeasible"
    assert not r.proven_optimal
    assert r.within_budget is False
    assert r.total_cost == pytest.approx(220_000)
    assert optimization_json(r)["infeasibility"]["smallest_budget"] == pytest.approx(220_000)
    assert optimization_json(r)["infeasibility"]["budget_shortfall"] == pytest.approx(20_000)
    # keeping 200,000: one free Pool person (100,000 + 20,000 + 50,000) or one free CSM (20,000 + 100,000) both do
    assert optimization_json(r)["infeasibility"]["extra_headcount_total"] == 1
    assert "budget" in [c["requirement"] for c in optimization_json(r)["infeasibility"]["conflicts"]]
    assert "220,000" in optimization_json(r)["infeasibility"]["summary"]
    assert list(r.intervals["chosen"]) == [4, 2]  # the plan it would take is shown


def test_min_cost_within_budget_is_optimal_and_delivers_the_negotiated_intervals():
    inputs, ts = one_tier(budget=250_000)
    r = optimize(inputs, ts)
    assert r.status == "optimal" and r.proven_optimal
    assert r.diagnosis is None
    assert list(r.intervals["chosen"]) == [4, 2]
    assert r.total_cost == pytest.approx(220_000)
    assert r.budget_used_share == pytest.approx(220_000 / 250_000)
    people = dict(zip(r.headcount["role"], r.headcount["people"]))
    assert people == {"CSM": 1, "Pool": 2}
    assert optimization_json(r)["cost_breakdown"]["people_by_role"] == {"CSM": 100_000, "Pool": 100_000}
    assert optimization_json(r)["cost_breakdown"]["direct_services"] == pytest.approx(20_000)


def test_max_value_below_the_mandatory_floor_reports_the_smallest_budget():
    # max_value floors: A mandatory at negotiated 4 -> 1 CSM + 20,000 direct; B may drop to 0. Cheapest: 120,000
    inputs, ts = one_tier(budget=100_000, mode="max_value")
    r = optimize(inputs, ts)
    assert r.status == "infeasible"
    assert optimization_json(r)["infeasibility"]["smallest_budget"] == pytest.approx(120_000)
    assert r.plan_kind.startswith("cheapest plan")
    assert list(r.intervals["chosen"]) == [4, 0]


def test_guardrail_conflict_names_the_guardrail_and_says_no_budget_fixes_it():
    # Gold may spend at most 5% of 1,000,000 = 50,000, but the CSM alone costs 100,000
    inputs, ts = one_tier(budget=10_000_000, mode="max_value", guardrail=0.05)
    r = optimize(inputs, ts)
    assert r.status == "infeasible"
    groups = [c["requirement"] for c in optimization_json(r)["infeasibility"]["conflicts"]]
    assert "guardrail:Gold" in groups and "budget" not in groups
    assert optimization_json(r)["infeasibility"]["smallest_budget"] is None
    assert "No budget alone" in optimization_json(r)["infeasibility"]["summary"]
    # that guardrail alone would have to allow 12% (100,000 CSM + 20,000 direct)
    fix = [x for x in optimization_json(r)["infeasibility"]["relaxations"] if x["requirement"] == "guardrail:Gold"]
    assert fix and fix[0]["amount"] == pytest.approx(70_000)
    assert "12.0%" in fix[0]["description"]
    assert r.plan_kind == "none" and r.intervals["chosen"].isna().all()


def test_unreachable_sla_makes_the_plan_infeasible_and_is_named():
    slas = (SLA("Gold", "Urgent", "Phone", 10, 1.0, 5, 1.0, "Pool"),)
    inputs, ts = one_tier(budget=1_000_000, slas=slas)
    r = optimize(inputs, ts, sensitivity=False)
    assert r.status == "infeasible"
    assert optimization_json(r)["infeasibility"]["unreachable_slas"][0]["channel"] == "Phone"


# ------------------------------------------------------------------ max_value


def test_max_value_spends_the_budget_where_impact_per_dollar_is_highest():
    # budget 190,000: CSM 100,000 + A 4 x 5,000 direct = 120,000 fixed; 70,000 left buys 1 Pool person (1,000 h).
    # B: 10 accounts x 60 h = 600 h per occurrence -> 1 occurrence fits in 1,000 h. A: 6 fits (600 h CSM).
    inputs, ts = one_tier(budget=190_000, mode="max_value")
    r = optimize(inputs, ts)
    assert r.status == "optimal"
    chosen = dict(zip(r.intervals["service"], r.intervals["chosen"]))
    # A's 5th and 6th occurrences: 1% x 1,000,000 x (0.5^4 + 0.5^5) = 937.5 for 10,000 direct -> worth it
    assert chosen == {"A": 6, "B": 1}
    # value: A 10,000 x (1 + .5 + .25 + .125 + .0625 + .03125) + B 20,000
    assert r.value == pytest.approx(10_000 * 1.96875 + 20_000)
    assert r.total_cost == pytest.approx(100_000 + 30_000 + 50_000)


def test_ties_in_value_go_to_the_cheaper_plan():
    # B has no impact: any occurrence of B only costs money, so it stays at its minimum of 0
    inputs, ts = one_tier(budget=1_000_000, mode="max_value", b_impact=0.0)
    r = optimize(inputs, ts, sensitivity=False)
    chosen = dict(zip(r.intervals["service"], r.intervals["chosen"]))
    assert chosen == {"A": 6, "B": 0}
    assert r.total_cost == pytest.approx(100_000 + 30_000)
    assert dict(zip(r.headcount["role"], r.headcount["people"]))["Pool"] == 0


def test_more_budget_never_lowers_value():
    inputs, ts = example_inputs(2_000, 5_000_000)
    r = optimize(inputs, ts, mode="max_value")
    values = [v for v in r.frontier["value"] if v is not None and not math.isnan(v)]
    assert len(values) >= 5
    assert all(b >= a - 1e-6 * abs(a) for a, b in itertools.pairwise(values))
    statuses = list(r.frontier["status"])
    first_ok = statuses.index("optimal")
    assert all(s == "optimal" for s in statuses[first_ok:])  # once affordable, stays affordable
    assert list(r.frontier["budget_share"]) == pytest.approx([0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4])
    # random instances too, budget by budget
    for seed in range(6):
        inputs, ts = random_instance(seed)
        data = prepare(inputs, ts)
        runner = Runner("highs", 30)
        last = -1.0
        for share in (0.5, 0.8, 1.0, 1.3, 2.0):
            sol = solve_plan(data, "max_value", inputs.finance.budget * share, runner, lexicographic=False)
            if sol.has_plan:
                assert sol.evaluation.value >= last - 1e-6 * max(1.0, last)
                last = sol.evaluation.value


# ------------------------------------------------------------------ sensitivity


def _between(rate, forward, backward, scale):
    lo, hi = min(forward, backward), max(forward, backward)
    return lo - 1e-6 * scale <= rate <= hi + 1e-6 * scale


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("mode", ["max_value", "min_cost"])
def test_shadow_prices_match_finite_differences_of_the_lp(solver, mode):
    inputs, ts = example_inputs(2_000, 5_000_000)
    data = prepare(inputs, ts)
    runner = Runner(solver, 30)
    rates = lp_rates(data, mode, 5_000_000, runner)
    assert rates.status == OPTIMAL
    sign = 1.0 if mode == "max_value" else -1.0  # value gained / cost saved
    # the finite differences of the LP come from HiGHS for both solvers' duals: CBC hands values back with 8
    # significant digits, which puts its own objective about 1e-4 off and a 1-hour difference quotient 5e-4 off
    reference = Runner("highs", 30)
    base = lp_objective(data, mode, 5_000_000, reference)
    checked = 0
    if mode == "max_value":
        d = 500.0
        fwd = (lp_objective(data, mode, 5_000_000 + d, reference) - base) / d
        bwd = (base - lp_objective(data, mode, 5_000_000 - d, reference)) / d
        assert rates.budget > 0
        assert rates.budget == pytest.approx(fwd, rel=1e-4)
        assert _between(rates.budget, fwd, bwd, 1.0)
        checked += 1
    for u in data.units:
        uid = unit_id(data, u)
        d = 1.0
        fwd = sign * (lp_objective(data, mode, 5_000_000, reference, shifts=((f"hours:{uid}", d),)) - base) / d
        bwd = sign * (base - lp_objective(data, mode, 5_000_000, reference, shifts=((f"hours:{uid}", -d),))) / d
        assert _between(rates.hours[uid], fwd, bwd, max(1.0, abs(rates.hours[uid]))), (uid, rates.hours[uid], fwd, bwd)
        checked += 1
    assert checked >= 3
    assert any(v > 0 for v in rates.hours.values())


def test_sensitivity_tables_binding_constraints_and_trade_offs_are_filled():
    inputs, ts = example_inputs(2_000, 5_000_000)
    r = optimize(inputs, ts, mode="max_value")
    sp = pd.DataFrame(optimization_json(r)["shadow_prices"]).set_index("constraint")
    assert sp.loc["Annual CS budget", "marginal"] > 0
    # one more Named CSM funded outside the budget frees its loaded cost for other services: it cannot lose value
    steps = r.shadow_prices[r.shadow_prices["kind"] == "role hours"]
    assert (steps["step_gain"] >= 0).all()
    kinds = {b["kind"] for b in optimization_json(r)["binding_constraints"]}
    assert "budget" in kinds
    assert len(optimization_json(r)["trade_offs"]) == 3
    assert all(t.endswith(".") and (t[0].isupper() or t[0].isdigit()) for t in optimization_json(r)["trade_offs"])
    assert len(set(optimization_json(r)["trade_offs"])) == 3


# ------------------------------------------------------------------ support in the plan


def test_support_agents_enter_the_plan_as_people_of_the_handling_role():
    # 10 accounts x 20 calls a month over 200 open hours -> 1 call an hour, 6 min -> 0.1 Erlang
    slas = (SLA("Gold", "High", "Phone", 20, 20.0, 6, 0.8, "Pool"),)
    inputs, ts = one_tier(budget=1_000_000, slas=slas)
    r = optimize(inputs, ts, sensitivity=False)
    on_shift = agents_for_targets(0.1, 360, [(20, 0.8)], 0.85).agents
    rostered = rostered_agents(on_shift, 0.3)
    hours = on_shift * 200 * 12  # seats on shift x open hours: productive hours already leave out shrinkage
    row = r.support.iloc[0]
    assert row["agents_needed"] == on_shift
    assert row["rostered_agents"] == rostered
    assert row["hours_per_year"] == pytest.approx(hours)
    assert row["arrival_rate"] == pytest.approx(1.0)
    pool = r.headcount.set_index("role").loc["Pool"]
    assert pool["support_hours"] == pytest.approx(hours)
    assert pool["people"] == math.ceil((1_200 + hours) / 1_000)
    assert optimization_json(r)["cost_breakdown"]["support"] > 0


# ------------------------------------------------------------------ scale, determinism, options


def test_model_size_does_not_grow_with_accounts():
    sizes = []
    for n in (2_000, 100_000):
        inputs, ts = example_inputs(n, 5_000_000 * n / 2_000)
        data = prepare(inputs, ts)
        sizes.append(model_size(build(data, Spec(mode="max_value", objective="value", budget=inputs.finance.budget))))
    assert sizes[0] == sizes[1]
    assert sizes[0][0] < 500


def test_a_100k_account_plan_solves_to_optimality_with_the_same_model():
    inputs, ts = example_inputs(100_000, 240_000_000)
    r = optimize(inputs, ts, mode="max_value", sensitivity=False)
    small_inputs, small_ts = example_inputs(2_000, 5_000_000)
    small = optimize(small_inputs, small_ts, mode="max_value", sensitivity=False)
    assert r.status == "optimal"
    assert int(ts["accounts"].sum()) == 100_000
    assert r.model_size.variables == small.model_size.variables
    assert r.model_size.constraints == small.model_size.constraints


def test_same_input_same_plan():
    inputs, ts = example_inputs(2_000, 4_600_000)
    a = optimize(inputs, ts, mode="max_value")
    b = optimize(inputs, ts, mode="max_value")
    assert json.dumps(optimization_json(a), sort_keys=True) == json.dumps(optimization_json(b), sort_keys=True)


def test_highs_and_cbc_give_the_same_plan_through_optimize():
    inputs, ts = example_inputs(2_000, 4_600_000)
    a = optimize(inputs, ts, mode="max_value", solver="highs", sensitivity=False)
    b = optimize(inputs, ts, mode="max_value", solver="cbc", sensitivity=False)
    assert a.value == pytest.approx(b.value, rel=1e-6)
    assert a.total_cost == pytest.approx(b.total_cost, rel=1e-9)
    assert b.solver == "cbc"


def test_options_default_to_the_finance_sheet_and_bad_options_are_user_errors():
    inputs, ts = one_tier(budget=250_000, mode="min_cost")
    r = optimize(inputs, ts, sensitivity=False)
    assert (r.mode, r.solver, r.budget, r.time_limit) == ("min_cost", "highs", 250_000, 30)
    r = optimize(inputs, ts, mode="max_value", solver="cbc", budget=300_000, time_limit=5, sensitivity=False)
    assert (r.mode, r.solver, r.budget, r.time_limit) == ("max_value", "cbc", 300_000, 5)
    for kwargs, word in (({"mode": "cheapest"}, "min_cost or max_value"), ({"solver": "cplex"}, "highs, cbc or scipy"),
                         ({"budget": -5}, "positive amount"), ({"time_limit": 0}, "positive number of seconds")):
        with pytest.raises(UserInputError) as err:
            optimize(inputs, ts, **kwargs)
        assert word in str(err.value)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_solve_cut_short_by_its_time_limit_says_so_and_never_claims_infeasible(solver):
    inputs, ts = example_inputs(2_000, 5_000_000)
    r = optimize(inputs, ts, mode="max_value", solver=solver, time_limit=0.001)
    assert r.status in ("time limit, no plan", "feasible, not proven optimal")
    assert not r.proven_optimal
    if r.status == "time limit, no plan":
        assert r.plan_kind == "none" and r.total_cost is None
        assert r.intervals["chosen"].isna().all()
        assert r.frontier.empty and r.diagnosis is None
    else:
        assert r.gap > 0


def test_status_words_a_cfo_reads():
    assert status_word(OPTIMAL, False) == "optimal"
    assert status_word(FEASIBLE, False) == "feasible, not proven optimal"
    assert status_word(NO_SOLUTION, False) == "time limit, no plan"
    assert status_word(OPTIMAL, True) == "infeasible"


def test_fractional_intervals_are_planned_in_steps_of_the_sheet():
    # B negotiated 1.5 a year (0 .. 4): steps of 0.5. 10 accounts x 1.5 x 60 h = 900 h -> 1 Pool person
    inputs, ts = one_tier(budget=1_000_000)
    iv = replace(inputs.intervals[1], negotiated=1.5)
    inputs = replace(inputs, intervals=(inputs.intervals[0], iv))
    r = optimize(inputs, ts, sensitivity=False)
    assert list(r.intervals["chosen"]) == [4, 1.5]
    assert r.total_cost == pytest.approx(100_000 + 20_000 + 50_000)
    assert optimization_json(r)["notes"] == []
    # a third of a year is not on any step the planner uses: it is rounded up to 0.34 and said so
    iv = replace(inputs.intervals[1], minimum=0.0, negotiated=1 / 3, maximum=1.0)
    inputs = replace(inputs, intervals=(inputs.intervals[0], iv))
    r = optimize(inputs, ts, sensitivity=False)
    assert r.intervals["chosen"].iloc[1] == pytest.approx(0.34)
    assert any("steps of 0.01" in n for n in optimization_json(r)["notes"])


def test_keep_tier_order_raises_a_higher_tier_in_min_cost_and_says_so():
    tiers = (Tier("T1", 0, "High touch", "ARR", 0, 1, None), Tier("T2", 1, "Low touch", "ARR", 0, 1, None))
    roles = (Role("Pool", "Pooled", 50_000, 1_000, None),)
    services = (Service("Call", "", "Pool", 0, False, 0.01, 1.0, True),)
    intervals = (Interval("Call", "T1", "Pool", 1, 0, 2, 6), Interval("Call", "T2", "Pool", 1, 0, 3, 6))
    finance = Finance(budget=1_000_000, margin=0.3, planning_mode="min_cost")
    inputs = PlanInputs(tiers, roles, services, intervals, (), (), finance, accounts_frame({"T1": [1.0] * 5, "T2": [1.0] * 5}))
    r = optimize(inputs, tier_stats_from({"T1": 5, "T2": 5}, {"T1": 5e5, "T2": 5e5}))
    assert list(r.intervals["chosen"]) == [3, 3]
    assert any(b["kind"] == "keep order" for b in optimization_json(r)["binding_constraints"])


def _three_tier_training(gold: tuple, bronze: tuple) -> tuple[PlanInputs, pd.DataFrame]:
    """Training keeps tier order; Silver's maximum is 0, so Silver does not offer it. 10 accounts a tier, 1 h each."""
    tiers = tuple(Tier(n, i, "High touch", "ARR", 0, 1, None) for i, n in enumerate(("Gold", "Silver", "Bronze")))
    roles = (Role("Pool", "Pooled", 50_000, 1_000, None),)
    services = (Service("Training", "", "Pool", 0, False, 0.01, 1.0, True),)
    intervals = (Interval("Training", "Gold", "Pool", 1, *gold), Interval("Training", "Silver", "Pool", 1, 0, 0, 0),
                 Interval("Training", "Bronze", "Pool", 1, *bronze))
    finance = Finance(budget=1_000_000, margin=0.3, planning_mode="min_cost")
    accounts = accounts_frame({t: [1.0] * 10 for t in ("Gold", "Silver", "Bronze")})
    return (PlanInputs(tiers, roles, services, intervals, (), (), finance, accounts),
            tier_stats_from(dict.fromkeys(("Gold", "Silver", "Bronze"), 10), dict.fromkeys(("Gold", "Silver", "Bronze"), 1e6)))


def test_keep_tier_order_skips_a_tier_that_does_not_offer_the_service():
    # Bronze receives 1 training a year (minimum 1). Read over every tier, the rule would need Silver >= Bronze = 1
    # against Silver's maximum 0: infeasible by the default "Yes" alone. Silver does not offer it, so the rule compares
    # Gold with Bronze: Gold 2 >= Bronze 1 holds and the negotiated plan is possible as typed.
    inputs, ts = _three_tier_training(gold=(1, 2, 4), bronze=(1, 1, 2))
    data = prepare(inputs, ts)
    gold, silver, bronze = (next(c.index for c in data.cells if c.tier == t) for t in ("Gold", "Silver", "Bronze"))
    assert data.order_pairs == (("Training", gold, bronze),)
    r = optimize(inputs, ts, sensitivity=False)
    assert r.status == "optimal"
    assert list(r.intervals["chosen"]) == [2, 0, 1]
    # the old reading (every consecutive pair) on the same data: infeasible, and only because of that rule
    old = replace(data, order_pairs=(("Training", gold, silver), ("Training", silver, bronze)))
    assert solve_plan(old, "min_cost", None, Runner("highs", 30), purpose="old keep-order reading").status == "infeasible"


def test_keep_tier_order_still_holds_across_the_skipped_tier():
    # Gold negotiated 1, Bronze 3: Gold is raised to Bronze's 3 (its maximum is 4), Silver stays at 0
    inputs, ts = _three_tier_training(gold=(0, 1, 4), bronze=(0, 3, 3))
    r = optimize(inputs, ts, sensitivity=False)
    assert r.status == "optimal"
    assert list(r.intervals["chosen"]) == [3, 0, 3]
    # cost: (3 + 3) x 10 accounts x 1 h = 60 h -> 1 Pool person
    assert r.total_cost == pytest.approx(50_000)


# ------------------------------------------------------------------ outputs


def test_assessed_service_value_uses_the_chosen_intervals():
    inputs, ts = one_tier(budget=250_000)
    r = optimize(inputs, ts, sensitivity=False)
    # A: (10 h x 100 + 500) x 4 x 10 accounts; B: 60 h x 50 x 2 x 10; x (1 + 30%)
    expected = ((10 * 100 + 500) * 4 * 10 + 60 * 50 * 2 * 10) * 1.3
    assert r.assessed_service_value == pytest.approx(expected)


def test_result_sheets_are_the_declared_names_and_write_to_a_workbook(tmp_path):
    inputs, ts = example_inputs(2_000, 5_000_000)
    r = optimize(inputs, ts, mode="max_value")
    sheets = optimization_sheets(r)
    assert list(sheets) == ["Plan", "Headcount", "Support", "Sensitivity", "Frontier"]
    assert set(sheets) <= set(RESULT_SHEETS)
    path = write_results_workbook(tmp_path / "r.xlsx", sheets)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(sheets)
    plan = book["Plan"]
    headers = [c.value for c in plan[4]]
    assert headers[:6] == ["Service", "Tier", "Minimum", "Negotiated", "Maximum", "Chosen"]
    assert plan.max_row == 4 + len(r.intervals)


def test_to_dict_is_json_and_every_key_is_documented():
    inputs, ts = one_tier(budget=200_000)
    r = optimize(inputs, ts)
    d = optimization_json(r)
    text = json.dumps(d)
    assert "NaN" not in text
    doc = (DOCS / "plan-json.md").read_text(encoding="utf-8")
    for key in d:
        assert f"`{key}`" in doc, key
    for key in d["infeasibility"]:
        assert f"`{key}`" in doc, key
    for table in ("intervals", "headcount", "support", "shadow_prices", "frontier"):
        for col in d[table][0] if d[table] else []:
            assert f"`{col}`" in doc, (table, col)
    assert isinstance(r, OptimizationResult)
