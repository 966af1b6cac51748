"""Proactive outreach flags: each rule on hand-made accounts, zero baselines, churned accounts, plays and order."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from ops_helpers import accounts, default_slas, default_tiers

from planner.operations import BusinessCalendar, OutreachRules, operations_report
from planner.report.operations_words import reason_text
from planner.writers.plan_json import operations_json

AS_OF = dt.date(2026, 6, 30)


def signals() -> pd.DataFrame:
    return accounts([
        # usage 100 -> 70: a 30% drop (>= 25%): flagged; seats 8 of 10 active; active 2 days ago; health 70 -> 68
        {"account_id": "U1", "arr": 200_000.0, "previous_tier": "Tier 1", "Usage now": 70, "Usage a period ago": 100,
         "Active seats": 8, "Licensed seats": 10, "Licensed seats a period ago": 10, "Last active": "2026-06-28",
         "Health score": 68, "Health score a period ago": 70},
        # usage 100 -> 76: 24%, not flagged; 4 of 10 seats active (40% < 50%): flagged; seats 12 -> 10: shrinking
        {"account_id": "S1", "arr": 40_000.0, "previous_tier": "Tier 2", "Usage now": 76, "Usage a period ago": 100,
         "Active seats": 4, "Licensed seats": 10, "Licensed seats a period ago": 12, "Last active": "2026-06-29",
         "Health score": 70, "Health score a period ago": 75},
        # last active 16 June: 14 days before 30 June -> flagged; health 80 -> 65: a 15-point fall -> flagged
        {"account_id": "I1", "arr": 5_000.0, "previous_tier": "Tier 3", "Usage now": 10, "Usage a period ago": 10,
         "Active seats": 5, "Licensed seats": 5, "Licensed seats a period ago": 5, "Last active": "2026-06-16",
         "Health score": 65, "Health score a period ago": 80},
        # a zero baseline: no usage a period ago, some now -> no drop can be measured; zero licensed seats -> no share
        {"account_id": "Z1", "arr": 5_000.0, "previous_tier": "Tier 3", "Usage now": 30, "Usage a period ago": 0,
         "Active seats": 0, "Licensed seats": 0, "Licensed seats a period ago": 0, "Last active": "2026-06-17",
         "Health score": None, "Health score a period ago": 50},
        # churned: every warning sign, but nobody is left to call
        {"account_id": "C1", "arr": 5_000.0, "previous_tier": "Tier 3", "Usage now": 0, "Usage a period ago": 100,
         "Active seats": 0, "Licensed seats": 5, "Licensed seats a period ago": 5, "Last active": "2026-01-01",
         "Health score": 10, "Health score a period ago": 80, "Churned": "Yes"},
    ])


def run(acc, tickets=None, **kw):
    return operations_report(acc, default_tiers(), default_slas(), tickets, as_of=AS_OF, calendar=BusinessCalendar(timezone="UTC"), **kw)


def test_each_rule_flags_what_it_should_with_observed_value_and_threshold():
    out = run(signals()).outreach
    got = [(r.account_id, r.rule, round(r.observed, 4), r.threshold) for r in out.flags.itertuples()]
    assert got == [
        ("U1", "usage_drop", 0.3, 0.25),
        ("S1", "seat_use", 0.4, 0.5),
        ("S1", "seats_shrinking", 10.0, 12.0),
        ("I1", "inactive", 14.0, 14.0),
        ("I1", "health_drop", 15.0, 10.0),
    ]
    assert out.flagged_accounts == 3 and out.flagged_by_tier == {"Tier 1": 1, "Tier 2": 1, "Tier 3": 1}
    assert out.zero_usage_baseline == 1 and out.zero_licensed_seats == 1 and out.churned_not_flagged == 1
    assert out.accounts_checked == 5


def test_each_flag_carries_its_tiers_play():
    out = run(signals()).outreach
    assert dict(zip(out.flags["account_id"], out.flags["play"])) == {"U1": "CSM call", "S1": "Health check", "I1": "Automated email"}
    custom = run(signals(), plays={"Tier 3": "Digital nurture sequence"}).outreach
    assert set(custom.flags.loc[custom.flags["tier"] == "Tier 3", "play"]) == {"Digital nurture sequence"}


def test_rules_are_editable_and_can_be_switched_off():
    rules = OutreachRules(usage_drop=0.20, seat_use_below=None, seats_shrinking=False, inactive_days=30, health_drop=20.0)
    out = run(signals(), rules=rules).outreach
    # usage: U1 30% and S1 24% are both >= 20%; nothing else reaches the stricter thresholds
    assert [(r.account_id, r.rule) for r in out.flags.itertuples()] == [("U1", "usage_drop"), ("S1", "usage_drop")]


def test_repeated_sla_breaches_count_the_accounts_late_first_responses():
    acc = accounts([{"account_id": "A", "arr": 200_000.0, "previous_tier": "Tier 1"},
                    {"account_id": "B", "arr": 200_000.0, "previous_tier": "Tier 1"}])
    rows = []
    for i in range(3):  # A: three High tickets answered after 5 hours against 4 -> three breaches
        t = pd.Timestamp(f"2026-06-0{i + 1}T08:00Z")
        rows.append([f"a{i}", "A", t, t + pd.Timedelta(hours=5), None, "High", "Email/ticket"])
    for i in range(2):  # B: two breaches and one in time -> below the default of 3
        t = pd.Timestamp(f"2026-06-0{i + 1}T08:00Z")
        rows.append([f"b{i}", "B", t, t + pd.Timedelta(hours=5), None, "High", "Email/ticket"])
    rows.append(["b9", "B", pd.Timestamp("2026-06-09T08:00Z"), pd.Timestamp("2026-06-09T09:00Z"), None, "High", "Email/ticket"])
    tickets = pd.DataFrame(rows, columns=["ticket_id", "account_id", "created_at", "first_response_at", "resolved_at", "priority", "channel"])
    out = run(acc, tickets).outreach
    assert [(r.account_id, r.rule, r.observed, r.threshold) for r in out.flags.itertuples()] == [("A", "sla_breaches", 3.0, 3.0)]
    # without tickets the rule is off, with a reason
    assert [m.metric for m in run(acc).outreach.off] == ["outreach:usage_drop", "outreach:seat_use", "outreach:seats_shrinking",
                                                        "outreach:inactive", "outreach:health_drop", "outreach:sla_breaches"]


def test_reasons_are_plain_sentences():
    assert reason_text("usage_drop", 0.3, 0.25) == "Usage fell 30% against the prior period (the rule flags a fall of 25% or more)."
    assert reason_text("seats_shrinking", 10, 12) == "Licensed seats fell from 12 to 10 against a period ago."
    assert reason_text("sla_breaches", 1, 3) == "1 first response missed the SLA target in the period (the rule flags 3 or more)."


def test_the_report_is_plain_json_and_the_same_every_run():
    a = json.dumps(operations_json(run(signals())), sort_keys=False)
    b = json.dumps(operations_json(run(signals())), sort_keys=False)
    assert a == b
    doc = json.loads(a)
    assert set(doc) >= {"segment_metrics", "sla_attainment", "outreach", "notes", "as_of", "period"}
    assert doc["sla_attainment"] is None and doc["outreach"]["flags"][0]["reason"].startswith("Usage fell 30%")
    assert doc["as_of"] == "2026-07-01T00:00:00+00:00"
