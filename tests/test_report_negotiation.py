"""The report's first page answers the negotiation (issue 11 point 4), on the real demo plan.

Figures worked by hand from planner/workbook/defaults.py and the demo (workbooks/tierplan_demo.xlsx):
Tier 1 holds 79 accounts (tests/test_validation_warnings.py counts them); a Quarterly business review in Tier 1
takes 8 hours of an Enterprise CSM at 190,000 / 1,326 h = 143.288 an hour and no direct cost, so one occurrence
costs 1,146.30 and dropping two of them for 79 accounts saves 2 x 1,146.30 x 79 = 181,116. The Support role
costs 75,000 a year for 1,400 productive hours (53.571 an hour).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from planner.pipeline import PlanOptions, build_plan
from planner.report import render_html
from planner.report.context import build_context
from planner.workbook.reader import read_inputs

pytestmark = pytest.mark.slow

DEMO = Path(__file__).resolve().parent.parent / "workbooks" / "tierplan_demo.xlsx"


@pytest.fixture(scope="module")
def inputs():
    return read_inputs(DEMO)


@pytest.fixture(scope="module")
def plan(inputs):
    return build_plan(inputs)


@pytest.fixture(scope="module")
def doc(plan):
    return json.loads(json.dumps(plan.to_dict()))


@pytest.fixture(scope="module")
def ctx(plan):
    return build_context(plan)


def money(v: float) -> str:
    return f"${v:,.0f}"


def test_the_first_page_prices_the_negotiated_package_as_min_cost_does(inputs, doc, ctx):
    # the negotiated package's price is what `optimize --mode min_cost` pays for it (a second, separate solve)
    cheapest = build_plan(inputs, PlanOptions(mode="min_cost")).optimization.total_cost
    package = doc["optimization"]["negotiated_cost"]
    assert package == pytest.approx(cheapest, rel=1e-6)
    budget = 5_400_000  # demo.DEMO_BUDGET, the Finance sheet's budget
    assert package > budget  # the demo's package does not fit: the optimizer has to trade
    assert ctx["status"]["headline"].startswith(
        f"The negotiated package costs {money(package)}, {package / budget:.1%} of the budget: it does not fit; it needs "
        f"{money(package - budget)} more. The recommended plan fits: {money(doc['summary']['total_cost'])} of {money(budget)}")
    kpi = next(k for k in ctx["kpis"] if k["label"] == "Negotiated package")
    assert kpi == {"label": "Negotiated package", "value": money(package), "note": f"does not fit: {package / budget:.1%} of budget"}


def test_it_counts_the_changed_intervals_and_shows_the_five_that_matter_most(inputs, doc, ctx):
    opt = doc["optimization"]
    negotiated = {(i.service, i.tier): i.negotiated for i in inputs.intervals}
    changed = [r for r in opt["intervals"] if abs(r["chosen"] - negotiated[(r["service"], r["tier"])]) > 1e-9]
    assert len(opt["intervals"]) == 45  # 15 services x 3 tiers
    neg = ctx["negotiation"]
    assert neg["changes_text"] == (f"The recommended plan changes {len(changed)} of the 45 negotiated intervals. The five that "
                                   "matter most (every change is in the service matrix, section 3):")
    # each change's cost, worked from the plan's own intervals: (chosen - negotiated) x cost per occurrence x accounts
    accounts = dict(doc["segmentation"]["counts"])
    assert accounts["Tier 1"] == 79
    cost = {(r["service"], r["tier"]): (r["chosen"] - negotiated[(r["service"], r["tier"])]) * r["cost_per_occurrence"]
            * accounts[r["tier"]] for r in changed}
    # on the demo every change's cost outweighs its impact among the largest, so the five largest costs are the five shown
    top = sorted(cost, key=lambda k: -abs(cost[k]))[:5]
    rows = [r["cells"] for r in neg["changes"]["rows"]]
    assert [(c[0], c[1]) for c in rows] == top
    qbr = next(c for c in rows if c[:2] == ["Quarterly business review", "Tier 1"])
    assert qbr[2:5] == ["4", "2", "saves $181,116"]  # worked by hand in the module's docstring
    assert cost[("Quarterly business review", "Tier 1")] == pytest.approx(-2 * 8 * 190_000 / 1_326 * 79, rel=1e-9)
    for c, key in zip(rows, top, strict=True):
        assert c[4] == ("saves " if cost[key] < 0 else "adds ") + money(abs(cost[key]))
        assert c[5].startswith(("buys $", "gives up $"))


def test_it_says_what_one_more_dollar_buys_in_cents(doc, ctx):
    budget_row = next(r for r in doc["optimization"]["shadow_prices"] if r["kind"] == "budget")
    m = budget_row["marginal"]
    assert 0.1 < m < 0.2
    cents = round(m * 100)  # 0.147 of expected ARR impact per dollar reads "15 cents"
    assert ctx["negotiation"]["budget_text"].startswith(
        f"Each extra dollar of budget buys about {cents} cents of expected ARR impact, at the margin (the budget's shadow "
        f"price is {m:.3f}). A realistic step, {money(budget_row['step'])} more, buys {money(budget_row['step_gain'])}")


def test_it_says_in_one_sentence_why_assessed_service_value_and_impact_differ(doc, ctx):
    opt = doc["optimization"]
    text = ctx["negotiation"]["values_text"]
    assert text.startswith(f"Assessed Service Value ({money(opt['assessed_service_value'])}) and expected ARR impact "
                           f"({money(opt['value'])}) answer different questions: the first prices the services at their own "
                           "cost plus the 30% margin")
    assert text.count(". ") == 0 and text.endswith(".")


def test_support_cost_and_the_staffing_table_reconcile(doc, plan):
    opt = doc["optimization"]
    b = opt["cost_breakdown"]
    support_people = next(r["people"] for r in opt["headcount"] if r["role"] == "Support")
    # the Support pool serves only the queues: its whole people are the support cost
    assert b["support"] == pytest.approx(support_people * 75_000, abs=0.01)
    hours = sum(r["hours_per_year"] for r in opt["support"])
    table = sum(r["cost"] for r in opt["support"])
    assert table == pytest.approx(hours * 75_000 / 1_400, rel=1e-9)  # each row: its hours at 53.571 an hour
    spare = support_people * 1_400 - hours  # hours the whole Support people leave over
    assert b["support_at_rate"] == pytest.approx(table, rel=1e-9)
    assert b["support_spare_hours"] == pytest.approx(spare, rel=1e-9)
    gap = b["support"] - table
    assert gap == pytest.approx(spare * 75_000 / 1_400, rel=1e-9) and gap > 0.5
    sentence = (f"Support takes {money(b['support'])} of the people cost. The support staffing table prices the queues' hours at "
                f"the hourly rate: {money(table)}; the other {money(gap)} is the {spare:,.0f} hours that whole people leave "
                "spare, in the share of their time that is support (people are hired whole, not by the hour).")
    html = render_html(plan).replace("&#39;", "'")
    # on "where the money goes" (headcount and cost) and under the support staffing table, which has a total row
    assert html.count(sentence) == 2
    assert re.search(r'<tr class="total"><th scope="row">Total</th>.*?<td class="num">' + re.escape(f"{table:,.0f}") + "</td>",
                     html)


def test_the_negotiation_leads_the_first_page(plan):
    html = render_html(plan)
    summary = html[html.index('id="h-summary"'):html.index("People by role and tier")]
    for heading in ("The negotiated package costs", "Negotiated package", "What the plan changes",
                    "The five changes that matter most", "What more budget buys", "answer different questions"):
        assert heading in summary, heading
