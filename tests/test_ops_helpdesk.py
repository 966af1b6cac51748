"""Helpdesk SLA policies: Zendesk policy JSON and Zammad SLA objects checked against the documented field names and
value ranges (support-ops reference, section A), and the `tierplan helpdesk` command on the demo workbook."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ops_helpers import default_slas, default_tiers

from planner.errors import UserInputError
from planner.helpdesk.common import tier_tags
from planner.helpdesk.zammad import zammad_calendars, zammad_slas
from planner.helpdesk.zendesk import zendesk_policies
from planner.inputs import SLA, Tier
from planner.operations import BusinessCalendar

# documented by Zendesk (Support API, SLA policies)
ZENDESK_POLICY_FIELDS = {"title", "description", "position", "filter", "policy_metrics"}
ZENDESK_PRIORITIES = {"low", "normal", "high", "urgent"}
ZENDESK_METRICS = {"first_reply_time", "next_reply_time", "periodic_update_time", "pausable_update_time",
                   "requester_wait_time", "agent_work_time", "total_resolution_time"}
# documented by Zammad (REST API, SLAs)
ZAMMAD_SLA_FIELDS = {"name", "condition", "first_response_time", "response_time", "update_time", "solution_time", "calendar_id"}
ZAMMAD_DAYS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}


def check_zendesk(policies: list[dict]) -> None:
    assert [p["position"] for p in policies] == list(range(1, len(policies) + 1))
    for p in policies:
        assert set(p) <= ZENDESK_POLICY_FIELDS and p["title"]
        assert set(p["filter"]) == {"all", "any"}
        for cond in p["filter"]["all"] + p["filter"]["any"]:
            assert set(cond) == {"field", "operator", "value"}
        seen = set()
        for m in p["policy_metrics"]:
            assert set(m) == {"priority", "metric", "target", "business_hours"}
            assert m["priority"] in ZENDESK_PRIORITIES and m["metric"] in ZENDESK_METRICS
            assert isinstance(m["target"], int) and not isinstance(m["target"], bool) and m["target"] > 0
            assert isinstance(m["business_hours"], bool)
            assert (m["priority"], m["metric"]) not in seen  # one metric per severity and metric
            seen.add((m["priority"], m["metric"]))


def check_zammad(objects: list[dict]) -> None:
    pairs = set()
    for o in objects:
        assert set(o) <= ZAMMAD_SLA_FIELDS and o["name"]
        for key in ("first_response_time", "update_time", "response_time", "solution_time"):
            v = o.get(key)
            assert v is None or (isinstance(v, int) and v > 0)
        assert isinstance(o["calendar_id"], int)
        cond = o["condition"]
        priority = cond["ticket.priority_id"]
        assert priority["operator"] == "is" and all(v.isdigit() for v in priority["value"])
        org = [k for k in cond if k.startswith("organization.")]
        assert len(org) == 1
        key = (tuple(cond[org[0]]["value"]), tuple(priority["value"]))
        assert key not in pairs, f"two SLAs match the same tickets: {key}"  # Zammad SLAs must not overlap
        pairs.add(key)


def test_zendesk_one_policy_per_tier_one_metric_per_severity():
    policies = zendesk_policies(default_tiers(), default_slas(), business_hours={("Tier 1", "High"): True})
    check_zendesk(policies)
    assert [p["title"] for p in policies] == ["TierPlan Tier 1", "TierPlan Tier 2", "TierPlan Tier 3"]
    t1 = policies[0]
    assert t1["filter"] == {"all": [{"field": "current_tags", "operator": "includes", "value": "tier_1"}], "any": []}
    # Tier 1: Urgent phone 20 seconds -> 1 minute (whole minutes, rounded up); High 4 h = 240; Normal 12 h = 720
    assert t1["policy_metrics"] == [
        {"priority": "urgent", "metric": "first_reply_time", "target": 1, "business_hours": False},
        {"priority": "high", "metric": "first_reply_time", "target": 240, "business_hours": True},
        {"priority": "normal", "metric": "first_reply_time", "target": 720, "business_hours": False},
    ]
    assert policies[1]["policy_metrics"][0]["target"] == 2  # Tier 2 Urgent chat: 2 minutes


def test_zendesk_filter_on_an_organization_field():
    policies = zendesk_policies(default_tiers(), default_slas(), organization_field="cs_tier")
    check_zendesk(policies)
    assert policies[2]["filter"]["all"] == [{"field": "organization.custom_fields.cs_tier", "operator": "is", "value": "tier_3"}]


def test_zammad_one_sla_per_tier_and_priority_without_overlaps():
    objects = zammad_slas(default_tiers(), default_slas(), business_hours={("Tier 2", "Normal"): True})
    check_zammad(objects)
    assert len(objects) == 9
    first = objects[0]
    assert first == {
        "name": "TierPlan Tier 1 urgent",
        "condition": {"organization.tier": {"operator": "is", "value": ["tier_1"]},
                      "ticket.priority_id": {"operator": "is", "value": ["4"]}},
        "first_response_time": 1, "update_time": None, "solution_time": None, "calendar_id": 2,
    }
    t2_normal = next(o for o in objects if o["name"] == "TierPlan Tier 2 normal")
    assert t2_normal["first_response_time"] == 24 * 60 and t2_normal["calendar_id"] == 1  # business hours calendar
    assert t2_normal["condition"]["ticket.priority_id"]["value"] == ["2"]


def test_zammad_calendars_follow_the_business_calendar():
    cals = zammad_calendars(BusinessCalendar(weekdays=(0, 1, 2, 3, 4), start_hour=8.5, end_hour=17, timezone="Europe/Berlin"))
    business, always = cals
    assert set(business["business_hours"]) == ZAMMAD_DAYS and business["timezone"] == "Europe/Berlin"
    assert business["business_hours"]["mon"] == {"active": True, "timeframes": [["08:30", "17:00"]]}
    assert business["business_hours"]["sat"]["active"] is False
    assert all(d["active"] for d in always["business_hours"].values())


def test_two_tiers_that_become_the_same_tag_are_refused():
    tiers = (Tier("Tier 1", 0, "High touch", "ARR", 0, 1), Tier("tier-1", 1, "Low touch", "ARR", 0, 1))
    with pytest.raises(UserInputError) as err:
        tier_tags(tiers)
    assert 'tiers "Tier 1" and "tier-1" both become the helpdesk tag "tier_1"' in str(err.value)
    assert tier_tags((Tier("Enterprise", 0, "High touch", "ARR", 0, 1),)) == {"Enterprise": "tier_enterprise"}


def test_a_hostile_tier_name_becomes_a_plain_tag():
    tiers = (Tier("<b>T1</b>", 0, "High touch", "ARR", 0, 1),)
    slas = (SLA("<b>T1</b>", "Urgent", "Phone", 60.0, 0.1, 10.0, 0.8, "Support"),)
    p = zendesk_policies(tiers, slas)
    assert p[0]["filter"]["all"][0]["value"] == "tier_b_t1_b"


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "demo.xlsx"
    r = subprocess.run([sys.executable, "-m", "planner", "demo", str(path)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return path


@pytest.mark.parametrize("kind", ["zendesk", "zammad"])
def test_the_helpdesk_command_writes_valid_policies_and_a_readme(demo_book, tmp_path, kind):
    out = tmp_path / kind
    r = subprocess.run([sys.executable, "-m", "planner", "helpdesk", str(demo_book), "--format", kind, "--out", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    readme = (out / "README.md").read_text(encoding="utf-8")
    if kind == "zendesk":
        doc = json.loads((out / "zendesk_sla_policies.json").read_text(encoding="utf-8"))
        check_zendesk(doc["sla_policies"])
        one = json.loads((out / "zendesk_sla_policy_tier_1.json").read_text(encoding="utf-8"))
        assert set(one) == {"sla_policy"} and one["sla_policy"] == doc["sla_policies"][0]
        assert "/api/v2/slas/policies" in readme and "`tier_1`" in readme and "20 seconds becomes 1 minute(s)" in readme
    else:
        check_zammad(json.loads((out / "zammad_slas.json").read_text(encoding="utf-8")))
        cals = json.loads((out / "zammad_calendars.json").read_text(encoding="utf-8"))
        assert [c["name"] for c in cals] == ["TierPlan business hours", "TierPlan 24/7"]
        assert "/api/v1/slas" in readme and "organization attribute `tier`" in readme and "4 urgent" in readme
    assert set(r.stdout.split()) >= {"Wrote"}


def test_the_helpdesk_command_refuses_an_unknown_helpdesk(demo_book, tmp_path):
    r = subprocess.run([sys.executable, "-m", "planner", "helpdesk", str(demo_book), "--format", "freshservice", "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "zendesk" in r.stderr


def test_the_helpdesk_command_on_a_missing_book_exits_2(tmp_path):
    r = subprocess.run([sys.executable, "-m", "planner", "helpdesk", str(tmp_path / "nope.xlsx"), "--format", "zammad"],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 2 and "nope.xlsx" in r.stderr
    assert not Path(tmp_path / "reports").exists()
