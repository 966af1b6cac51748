"""Acceptance: 100,000 accounts, the demo's budget cut by a third, and the two solvers, through the real `tierplan` command.

Issues 2-4: a 100k-account CSV export read, validated, valued and optimised with a model the same size as for the
demo's 2,000 accounts; the demo with its budget cut by a third (infeasible is an answer, not an error: exit 3 with the
report written, the smallest budget that works, said first in the report, and checked by planning at that budget and just below it); HiGHS and CBC agree on the
demo within the gap they report. The million-account case is a benchmark (benchmarks/), not a test.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys

import pytest
from acceptance_builders import DEMO, ROLES, ROOT, accounts_csv

from planner.workbook.demo import DEMO_BUDGET, demo_accounts

BIG = 100_000


def _parallel(*commands: list) -> list[tuple[int, str, str]]:
    """Run `python -m planner ...` commands at the same time (2 cores); (exit code, stdout, stderr) each."""
    procs = [subprocess.Popen([sys.executable, "-m", "planner", *map(str, c)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT) for c in commands]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=900)
        out.append((p.returncode, stdout, stderr))
    return out


def _ok_json(run: tuple[int, str, str], expected_code: int = 0) -> dict:
    code, stdout, stderr = run
    assert code == expected_code, stderr
    assert "Traceback" not in stderr
    return json.loads(stdout)


def _plan_json(run: tuple[int, str, str]) -> dict:
    """A plan printed by `optimize --json`: exit 0 when it fits, 3 when no plan fits (README, "Exit codes")."""
    code = run[0]
    plan = _ok_json(run, expected_code=code)
    fits = plan["optimization"]["status"] in ("optimal", "feasible, not proven optimal") and plan["optimization"]["within_budget"]
    assert code == (0 if fits else 3)
    return plan


# ------------------------------------------------------------------ 100,000 accounts


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    frame = demo_accounts(BIG, seed=2027)
    path = accounts_csv(frame, folder / "crm export 100k.csv")
    runs = _parallel(
        ["validate", DEMO, "--accounts", path],
        ["value", DEMO, "--accounts", path, "--json"],
        ["optimize", DEMO, "--accounts", path, "--out", folder / "big", "--json"],
        ["optimize", DEMO, "--out", folder / "demo", "--json"],
    )
    return frame, runs


def test_100k_account_export_validates(big):
    _, [(code, stdout, stderr), *_] = big
    assert code == 0, stderr
    # the demo's ticket export and pilot come along (their counts follow); the accounts are the export's
    assert stdout.splitlines()[0].startswith(f"{DEMO}: OK (3 tiers, 15 services, {ROLES}, 100,000 accounts, ")


def test_100k_account_export_is_valued_per_previous_tier(big):
    frame, [_, value, *_] = big
    report = _ok_json(value)
    known = frame[frame["previous_tier"].notna()]
    assert report["totals"]["accounts"] == len(known)
    assert report["totals"]["arr"] == pytest.approx(known["arr"].sum(), rel=1e-12)
    per_tier = {t["tier"]: t for t in report["tiers"]}
    for tier, group in known.groupby("previous_tier"):
        row = per_tier[tier]
        assert row["accounts"] == len(group)
        assert row["arr"] == pytest.approx(group["arr"].sum(), rel=1e-12)
        annual = sum(s["annual_cost_per_account"] for s in report["services"] if s["tier"] == tier)
        assert row["cost_to_serve"] == pytest.approx(annual * len(group), rel=1e-9)
        assert row["assessed_value"] == pytest.approx(annual * len(group) * 1.30, rel=1e-9)


def test_100k_accounts_are_optimised_with_the_model_of_2000(big):
    frame, [_, _, big_run, demo_run] = big
    plan_100k, plan_2k = _plan_json(big_run), _ok_json(demo_run)
    assert plan_100k["summary"]["accounts"] == BIG and plan_2k["summary"]["accounts"] == 2_000
    assert sum(plan_100k["segmentation"]["counts"].values()) == BIG
    assert plan_100k["summary"]["arr"] == pytest.approx(frame["arr"].sum(), rel=1e-12)
    size = plan_100k["optimization"]["model_size"]
    assert size == plan_2k["optimization"]["model_size"]
    assert size["tiers"] == 3 and size["services_x_tiers"] == 45
    assert size["variables"] < 1_000 and size["constraints"] < 1_000
    assert plan_100k["optimization"]["status"] in ("optimal", "infeasible", "feasible, not proven optimal")


# ------------------------------------------------------------------ the demo with its budget cut by a third


@pytest.fixture(scope="module")
def cut(tmp_path_factory):
    """`tierplan plan` on the demo with --budget at two thirds of the sheet's, then the answer checked at its own figure."""
    folder = tmp_path_factory.mktemp("cut")
    budget = round(DEMO_BUDGET * 2 / 3)
    out = folder / "plan"
    code, stdout, stderr = _parallel(["plan", DEMO, "--budget", budget, "--out", out, "--format", "html,json"])[0]
    assert code == 3, stderr  # valid inputs, no plan fits: the files are written all the same
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    smallest = plan["optimization"]["infeasibility"]["smallest_budget"]
    checks = _parallel(
        ["optimize", DEMO, "--budget", smallest, "--out", folder / "at", "--json"],
        ["optimize", DEMO, "--budget", round(smallest * 0.995), "--out", folder / "below", "--json"],
    )
    return budget, stdout, stderr, plan, out, checks


def test_budget_cut_by_a_third_is_an_answer_not_an_error(cut):
    budget, stdout, stderr, plan, _, _ = cut
    assert "Traceback" not in stderr
    assert plan["summary"]["budget"] == budget
    assert plan["summary"]["status"] == "infeasible"
    inf = plan["optimization"]["infeasibility"]
    assert inf["smallest_budget"] > budget
    assert inf["budget_shortfall"] == pytest.approx(inf["smallest_budget"] - budget)
    assert "Plan status: infeasible" in stdout


def test_report_says_first_that_the_budget_is_too_small_and_what_would_do(cut):
    budget, _, _, plan, out, _ = cut
    smallest = plan["optimization"]["infeasibility"]["smallest_budget"]
    source = (out / "tier_plan.html").read_text(encoding="utf-8")
    start = source.index(">Executive summary</h2>") + len(">Executive summary</h2>")
    first_block = source[start:source.index("</div>", start)]  # what follows the heading, up to the end of its first block
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", first_block)).split())
    assert text.startswith(f"No plan meets every requirement within the budget of ${budget:,.0f}."), text
    assert f"${smallest:,.0f}" in text


def test_the_smallest_budget_reported_is_enough_and_just_below_it_is_not(cut):
    _, _, _, plan, _, (at, below) = cut
    smallest = plan["optimization"]["infeasibility"]["smallest_budget"]
    at_plan, below_plan = _ok_json(at)["optimization"], _ok_json(below, expected_code=3)["optimization"]
    assert at_plan["status"] == "optimal" and at_plan["within_budget"] is True
    assert at_plan["total_cost"] <= smallest * (1 + 1e-9)
    assert below_plan["status"] == "infeasible"
    assert below_plan["infeasibility"]["smallest_budget"] == pytest.approx(smallest, rel=1e-6)


# ------------------------------------------------------------------ HiGHS and CBC


@pytest.fixture(scope="module")
def solvers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("solvers")
    runs = _parallel(*[["optimize", DEMO, "--solver", s, "--out", folder / s, "--json"] for s in ("highs", "cbc")])
    return [_ok_json(r)["optimization"] for r in runs]


def test_highs_and_cbc_agree_on_the_demo_within_the_reported_gap(solvers):
    highs, cbc = solvers
    assert (highs["solver"], cbc["solver"]) == ("highs", "cbc")
    assert highs["status"] == cbc["status"] == "optimal"
    gap = max(highs["gap"] or 0.0, cbc["gap"] or 0.0) + 1e-6
    assert abs(highs["value"] - cbc["value"]) <= gap * max(abs(highs["value"]), 1.0)
    cost_gap = max(highs["cost_gap"] or 0.0, cbc["cost_gap"] or 0.0) + 1e-6
    assert abs(highs["total_cost"] - cbc["total_cost"]) <= cost_gap * highs["total_cost"]
    assert highs["total_cost"] <= DEMO_BUDGET and cbc["total_cost"] <= DEMO_BUDGET
