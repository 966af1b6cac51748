"""`tierplan pilots` and `tierplan review`: the pilot results and the quarterly review pack, on hand-made plans and the demo."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from acceptance_builders import write
from pypdf import PdfReader

from planner.errors import UserInputError
from planner.review import Kind, review
from planner.review.previous import read_previous_plan
from planner.workbook.demo import demo_content

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "workbooks" / "tierplan_demo.xlsx"


def tierplan(*args):
    return subprocess.run([sys.executable, "-m", "planner", *map(str, args)], capture_output=True, text=True, timeout=900, cwd=ROOT)


# ----------------------------------------------------------------- hand-made plans


def _plan(**over):
    doc = {
        "schema_version": 1, "currency": "USD", "fiscal_year": 2027,
        "summary": {"accounts": 100, "arr": 1_000_000.0, "budget": 200_000.0, "total_cost": 190_000.0, "budget_used": 0.95,
                    "value": 150_000.0, "status": "optimal"},
        "segmentation": {"tiers": ["Gold", "Bronze"], "counts": {"Gold": 10, "Bronze": 90},
                         "arr": {"Gold": 400_000.0, "Bronze": 600_000.0}, "cutoffs": {"Gold": 70.0, "Bronze": 0.0},
                         "bands": [{"tier": "Gold", "accounts": 10, "share": 0.4, "band_basis": "ARR", "band_min": 0.1,
                                    "band_max": 0.3, "met": False, "excess": 0.1, "cutoff": 70.0},
                                   {"tier": "Bronze", "accounts": 90, "share": 0.6, "band_basis": "ARR", "band_min": 0.5,
                                    "band_max": 0.9, "met": True, "excess": 0.0, "cutoff": 0.0}],
                         "drift": {"threshold": 6.0, "flagged": {"High-value account losing ground": 2},
                                   "top": [{"account_id": "A1", "name": "Alpha", "arr": 90_000.0, "score_change": -12.0,
                                            "flag": "High-value account losing ground"},
                                           {"account_id": "A2", "name": "Beta", "arr": 80_000.0, "score_change": -20.0,
                                            "flag": "High-value account losing ground"},
                                           {"account_id": "A3", "name": "Gamma", "arr": 5_000.0, "score_change": 30.0, "flag": ""}]}},
        "optimization": {"assessed_service_value": 250_000.0,
                         "headcount": [{"role": "CSM", "people": 2}, {"role": "CSM", "people": 1}, {"role": "Support", "people": 1}]},
        "operations": {"sla_attainment": {
            "cells": [{"tier": "Gold", "severity": "High", "channel": "Email/ticket", "service_level": 0.9, "achieved": 80,
                       "breached": 20, "attainment": 0.8, "meets_target": False, "target_seconds": 14400.0, "unit": "hours"},
                      {"tier": "Bronze", "severity": "High", "channel": "Email/ticket", "service_level": 0.9, "achieved": 45,
                       "breached": 5, "attainment": 0.9, "meets_target": True, "target_seconds": 28800.0, "unit": "hours"},
                      {"tier": "Bronze", "severity": "Urgent", "channel": "Chat", "service_level": 0.8, "achieved": 3,
                       "breached": 7, "attainment": 0.3, "meets_target": False, "target_seconds": 120.0, "unit": "minutes"}],
            "staffing": [{"tier": "Gold", "channel": "Email/ticket", "live": False, "observed_tickets_per_month": 12.0,
                          "planned_tickets_per_month": 10.0, "planned_hours_per_year": 100.0, "needed_hours_per_year": 120.0,
                          "enough": False},
                         {"tier": "Bronze", "channel": "Chat", "live": True, "observed_tickets_per_month": 4.0,
                          "planned_tickets_per_month": 5.0, "planned_agents": 1, "needed_agents": 1, "planned_rostered": 2,
                          "needed_rostered": 2, "enough": True},
                         {"tier": "Bronze", "channel": "Phone", "live": True, "observed_tickets_per_month": 3.0,
                          "planned_tickets_per_month": 0.0, "planned_agents": 0, "needed_agents": 1, "planned_rostered": 0,
                          "needed_rostered": 2, "enough": False}]}},
        "pilots": [{"name": "Calls", "tiers": ["Bronze"], "outcome": "renewal", "measure": "rate", "verdict": "improved",
                    "still_running": False, "difference": 0.1, "ci_low": 0.02, "ci_high": 0.18, "p_adjusted": 0.01,
                    "groups": {"pilot": {"accounts": 40}}, "cost": {"extra_cost_per_account": 100.0, "value_per_dollar": 1.5},
                    "change": {"description": "a call a quarter"}},
                   {"name": "Later", "tiers": ["Bronze"], "outcome": "churn", "verdict": "still_running", "still_running": True}],
    }
    for path, value in over.items():
        *parents, last = path.split(".")
        target = doc
        for key in parents:
            target = target[key]
        target[last] = value
    return doc


def test_changes_since_the_previous_plan_are_the_figures_then_and_now():
    before = _plan(**{"summary.budget": 180_000.0, "segmentation.counts": {"Gold": 12, "Bronze": 88}})
    found = review(before, _plan(), "q2.json")
    by = {(c.group, c.label): c for c in found.changes}
    assert by["Plan", "Budget"].delta == 20_000.0  # 200,000 now against 180,000 then
    assert by["Tiers", "Gold accounts"].delta == -2.0 and by["Tiers", "Bronze accounts"].delta == 2.0
    assert by["Tiers", "Gold cut-off score"].delta == 0.0 and ("Tiers", "Bronze cut-off score") not in by  # the last tier has none
    assert by["People", "CSM"].after == 3.0 and by["People", "All roles"].after == 4.0  # 2 + 1 CSM (two rows), 1 Support
    assert by["Support", "SLA targets met"].after == "1 of 3"
    assert sum(c.changed for c in found.changes) == 3
    assert found.comparable and found.mismatches == ()


def test_accounts_placed_higher_lower_new_and_gone_come_from_both_plans_account_tiers():
    before = _plan(account_tiers={"A": "Gold", "B": "Bronze", "C": "Bronze", "D": "Gold"})
    now = _plan(account_tiers={"A": "Bronze", "B": "Gold", "C": "Bronze", "E": "Gold"})
    moves = {c.label: c for c in review(before, now).changes if c.group == "Accounts"}
    # A went down (Gold is above Bronze), B up, C stayed, E is new, D is gone; A, B and C are in both
    assert {k: c.after for k, c in moves.items()} == {"In both plans": 3, "Placed in a higher tier": 1,
                                                      "Placed in a lower tier": 1, "New since the previous plan": 1,
                                                      "Gone since the previous plan": 1}
    assert moves["Placed in a higher tier"].before is None and moves["Placed in a higher tier"].changed
    assert not moves["In both plans"].changed


def test_proposals_follow_the_evidence():
    found = review(_plan(), _plan())
    kinds = [(p.kind, p.subject) for p in found.proposals]
    assert kinds == [
        (Kind.MOVE_CUTOFF, "Gold"),  # 40% of ARR against a 10-30% band
        (Kind.REVIEW_LOSING, "High-value account losing ground"),
        (Kind.ADD_CAPACITY, "Gold Email/ticket"),  # 12 tickets a month seen, 10 planned; its High target missed
        (Kind.FIX_SLA, "Bronze Chat"),  # missed while the planned agents sufficed: how the queue runs, not its size
        (Kind.PLAN_CHANNEL, "Bronze Phone"),  # tickets on a channel the SLAs sheet does not plan
        (Kind.SCALE_PILOT, "Calls"),  # improved and finished; the running pilot proposes nothing yet
    ]
    losing = found.proposals[1]
    assert [a["account_id"] for a in losing.examples] == ["A2", "A1"]  # largest move first; Gamma has no flag
    capacity = found.proposals[2]
    assert [c["severity"] for c in capacity.facts["missed"]] == ["High"]


def test_plans_in_different_currencies_are_not_set_side_by_side():
    found = review(_plan(currency="EUR"), _plan())
    assert not found.comparable and found.changes == ()
    assert found.mismatches == ("currency EUR then, USD now",)


@pytest.mark.parametrize("content, message", [
    (None, "previous plan not found"),
    (b"{\"schema_version\": 1,\n \"summary\": {}", "is not valid JSON: Expecting ',' delimiter at line 2, column 15"),
    (b"[1, 2]", "is JSON but not a TierPlan plan.json"),
    (b"{\"schema_version\": 7}", "was written with plan.json schema 7; this TierPlan reads schema 1"),
    (b"{\"schema_version\": 1, \"summary\": {}}", "has no segmentation, optimization part"),
    (b"\xff\xfe{", "is not UTF-8 text (byte 1 cannot be read)"),
])
def test_a_previous_plan_that_is_not_one_is_named_with_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "plan.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UserInputError) as caught:
        read_previous_plan(path, 1)
    problem = caught.value.problems[0]
    assert problem.where == str(path) and problem.message.startswith(message)


# ----------------------------------------------------------------- the demo, end to end


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("review")
    plan = tierplan("plan", DEMO, "--out", folder / "plan", "--format", "json")
    assert plan.returncode == 0, plan.stderr
    previous = json.loads((folder / "plan" / "plan.json").read_text(encoding="utf-8"))
    edited = copy.deepcopy(previous)  # the quarter's plan ran on a smaller budget with fewer Tier 1 accounts
    edited["summary"]["budget"] = 5_000_000.0
    edited["segmentation"]["counts"]["Tier 1"] -= 4
    (folder / "q2.json").write_text(json.dumps(edited), encoding="utf-8")
    rev = tierplan("review", DEMO, "--previous", folder / "q2.json", "--out", folder / "pack", "--json")
    pil = tierplan("pilots", DEMO, "--out", folder / "pack")
    return folder, previous, rev, pil


def test_the_review_pack_says_what_changed_and_what_to_change(demo_runs):
    folder, previous, rev, _ = demo_runs
    assert rev.returncode == 0, rev.stderr
    answer = json.loads(rev.stdout)
    assert answer["changes"] == 2 and sorted(Path(p).name for p in answer["files"]) == ["review.html", "review.json", "review.pdf"]
    doc = json.loads((folder / "pack" / "review.json").read_text(encoding="utf-8"))
    by = {c["figure"]: c for c in doc["changes"]}
    assert by["Budget"]["before"] == 5_000_000.0 and by["Budget"]["after"] == previous["summary"]["budget"]
    assert by["Tier 1 accounts"]["change"] == 4.0
    assert doc["previous"]["source"] == "q2.json" and doc["pilots"] == previous["pilots"]  # the same plan's pilots
    # dated and fingerprinted as the plan is: the same workbook, the same fingerprint and as-of as its plan.json
    assert (doc["fingerprint"], doc["as_of"]) == (previous["fingerprint"], previous["as_of"])
    assert doc["previous"]["fingerprint"] == previous["fingerprint"]
    kinds = {p["kind"] for p in doc["proposals"]}
    assert "scale_pilot" in kinds  # the demo's pilot improved renewal and has ended
    # every missed SLA target of the plan is in some proposal's facts
    missed = {(c["tier"], c["severity"]) for c in previous["operations"]["sla_attainment"]["cells"] if c["meets_target"] is False}
    proposed = {(p["facts"]["tier"], m["severity"]) for p in doc["proposals"] for m in p["facts"].get("missed", ())}
    assert missed and missed <= proposed
    html = (folder / "pack" / "review.html").read_text(encoding="utf-8")
    for ident in ("since", "proposals", "operation", "pilots", "movers"):
        assert f'id="{ident}"' in html
    text = "".join(page.extract_text() for page in PdfReader(folder / "pack" / "review.pdf").pages)
    assert "Quarterly review" in text and "Proposed changes" in text and "compared with q2.json" in text
    assert f"inputs fingerprint {previous['fingerprint'][:12]}" in text
    assert previous["fingerprint"] in PdfReader(folder / "pack" / "review.pdf").metadata["/Keywords"]


def test_the_pilot_results_are_the_plans_own_and_their_figures_check_out(demo_runs):
    folder, previous, _, pil = demo_runs
    assert pil.returncode == 0, pil.stderr
    doc = json.loads((folder / "pack" / "pilots.json").read_text(encoding="utf-8"))
    assert doc["pilots"] == previous["pilots"] and doc["pilot_problems"] == previous["pilot_problems"]
    p = doc["pilots"][0]
    a, n, b, m = (p["groups"]["pilot"]["count"], p["groups"]["pilot"]["with_outcome"],
                  p["groups"]["baseline"]["count"], p["groups"]["baseline"]["with_outcome"])
    assert p["difference"] == pytest.approx(a / n - b / m, rel=1e-12)
    pooled = (a + b) / (n + m)  # the two-proportion z-test, worked by hand
    z = (a / n - b / m) / math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / m))
    assert p["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-9)
    first = pil.stdout.splitlines()[0]
    assert first.startswith(f"Pilot '{p['name']}'") and f"{a} of {n} pilot accounts" in first
    assert [line for line in pil.stdout.splitlines() if line.startswith("Wrote ")] == [
        f"Wrote {folder / 'pack' / name}" for name in ("pilots.json", "pilots.html", "pilots.pdf")]
    assert len(PdfReader(folder / "pack" / "pilots.pdf").pages) >= 1


def test_a_workbook_without_pilots_says_so(tmp_path):
    content = dataclasses.replace(demo_content(), pilots=[])
    book = write(tmp_path / "no_pilots.xlsx", content)
    r = tierplan("pilots", book, "--out", tmp_path / "out")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip() == ("Pilots: the sheet lists no pilot, so there is nothing to judge (one row per pilot: name, "
                                "accounts, change, start, end, outcome, baseline)")
    assert not (tmp_path / "out" / "pilots.json").exists()


def test_review_refuses_a_previous_plan_that_is_not_json(tmp_path):
    bad = tmp_path / "plan.json"
    bad.write_text("not json", encoding="utf-8")
    r = tierplan("review", DEMO, "--previous", bad, "--out", tmp_path / "out")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == f"{bad}: is not valid JSON: Expecting value at line 1, column 1 (the plan.json an earlier `tierplan plan` wrote)"
