"""From a messy helpdesk export on disk to the operations figures: every answer below is worked by hand.

The export is what a Zendesk admin in Berlin gets after opening the CSV in Excel and saving it as "Unicode Text"
(UTF-16, tab-separated): naive times in Berlin time (CEST, UTC+2, in June), a few rows re-typed with an explicit
zone, a blank first reply, a row repeated, a ticket from an organization the CRM does not know.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from ops_helpers import accounts, default_slas, default_tiers

from planner.operations import BusinessCalendar, OutreachRules, operations_report
from planner.operations.quantiles import grouped_quantiles
from planner.workbook.tickets import read_tickets
from planner.writers.plan_json import operations_json

AS_OF = dt.date(2026, 6, 30)  # the end of 30 June in Berlin: 2026-06-30T22:00Z
BERLIN = BusinessCalendar(timezone="Europe/Berlin")

HEADER = ["ID", "Organization", "Created at", "Solved at", "Priority", "Via", "First reply time in minutes"]
ROWS = [
    ["1", "ACC-1", "2026-06-02 10:00", "2026-06-02 15:00", "Normal", "Email", "30"],          # 08:00Z, in time
    ["2", "ACC-2", "2026-06-02T08:00:00Z", "2026-06-02 15:00", "Normal", "Web form", "60"],   # 08:00Z, in time
    ["3", "ACC-1", "2026-06-03 10:00:00+02:00", "", "Normal", "Email", "900"],               # 15 h against 12: 3 h late
    ["4", "ACC-2", "2026-06-04 09:00", "2026-06-04 12:00", "Normal", "Email", ""],            # solved, no reply recorded
    ["5", "ACC-1", "2026-06-29 20:00", "", "Normal", "Email", ""],                            # 18:00Z, waiting 28 h: 16 h late
    ["1", "ACC-1", "2026-06-02 10:00", "", "Normal", "Email", "999"],                         # the same ticket again
    ["6", "ACC-999", "2026-06-05 10:00", "", "Urgent", "Phone call (incoming)", "1"],         # not in the CRM
    ["7", "ACC-2", "2026-06-30 20:00", "", "Normal", "Email", ""],                            # waiting 4 h: not yet due
    ["8", "acc-3 ", "2026-06-10 10:00", "2026-06-11 10:00", "urgent", "Email", "300"],        # Tier 3 urgent, 4 h: 1 h late
    ["9", "Brook Labs", "2026-06-11 10:00", "2026-06-11 18:00", "Urgent", "Email", "100"],    # named by organization name
]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "zendesk unicode.txt"
    path.write_bytes("\r\n".join("\t".join(r) for r in [HEADER] + ROWS).encode("utf-16"))
    tickets = read_tickets(path, timezone="Europe/Berlin")
    acc = accounts([
        {"account_id": "ACC-1", "name": "Corvbrook Labs", "arr": 150_000.0, "previous_tier": "Tier 1",
         "Usage now": 60, "Usage a period ago": 100, "Last active": "2026-06-29"},
        {"account_id": "ACC-2", "name": "Dexa Systems", "arr": 120_000.0, "previous_tier": "Tier 1",
         "Usage now": 100, "Usage a period ago": 100, "Last active": "2026-06-30"},
        {"account_id": "ACC-3", "name": "Brook Labs", "arr": 8_000.0, "previous_tier": "Tier 3",
         "Usage now": 5, "Usage a period ago": 5, "Last active": "2026-06-01"},
    ])
    rep = operations_report(acc, default_tiers(), default_slas(), tickets, rules=OutreachRules(sla_breaches=2),
                            calendar=BERLIN, as_of=AS_OF)
    return tickets, rep


def test_the_export_is_read_with_its_repeat_left_out(report):
    tickets, _ = report
    assert tickets.rows_read == 10 and len(tickets.frame) == 9
    assert 'zendesk unicode.txt row 7: ID "1" appears again (first on row 2; this row is left out)' in [str(p) for p in tickets.notes]
    created = dict(zip(tickets.frame["ticket_id"], tickets.frame["created_at"]))
    assert created["1"] == created["2"] == pd.Timestamp("2026-06-02T08:00Z")  # the same instant, written two ways
    assert created["3"] == pd.Timestamp("2026-06-03T08:00Z")


def test_attainment_per_tier_and_severity(report):
    _, rep = report
    cells = {(c.tier, c.severity): c for c in rep.sla_attainment.cells}
    t1 = cells[("Tier 1", "Normal")]
    # achieved: 1, 2; breached: 3 (answered late), 5 (still waiting, past 12 h); pending: 7; not recorded: 4
    assert (t1.achieved, t1.breached, t1.breached_open, t1.pending, t1.not_recorded) == (2, 2, 1, 1, 1)
    assert t1.attainment == 0.5 and t1.meets_target is False and t1.gap == pytest.approx(0.5 - 0.9)
    t3 = cells[("Tier 3", "Urgent")]
    assert (t3.achieved, t3.breached, t3.attainment) == (1, 1, 0.5)
    worst = [(b.ticket_id, b.late_minutes, b.open) for b in rep.sla_attainment.worst_breaches]
    assert worst == [("5", 16 * 60, True), ("3", 3 * 60, False), ("8", 60, False)]


def test_response_times_per_tier(report):
    _, rep = report
    t1 = {s.segment: s for s in rep.segment_metrics.tiers}["Tier 1"]
    normal = {t.severity: t for t in t1.times}["Normal"]
    # replies of 30, 60 and 900 minutes: median 1 hour; p90 at position 1.8 -> 60 + 0.8 x 840 = 732 minutes
    assert (normal.tickets, normal.first_response.count, normal.first_response.missing) == (6, 3, 3)
    assert normal.first_response.median == pytest.approx(1.0) and normal.first_response.p90 == pytest.approx(12.2)
    assert normal.first_response.unit == "hours" and normal.first_response.clock == "calendar"
    # resolved: 1 and 2 at 15:00 Berlin after 10:00 Berlin (5 hours), 4 after 3 hours -> median 5 hours
    assert normal.resolution.median == pytest.approx(5.0) and normal.resolution.count == 3
    t3 = {s.segment: s for s in rep.segment_metrics.tiers}["Tier 3"]
    urgent = {t.severity: t for t in t3.times}["Urgent"]
    assert urgent.first_response.median == pytest.approx(200 / 60)  # 100 and 300 minutes
    assert t3.tickets == 2 and t3.accounts == 1


def test_unknown_accounts_and_the_notes(report):
    _, rep = report
    notes = {n.code: n for n in rep.notes}
    assert notes["unknown_accounts"].count == 1 and notes["unknown_accounts"].examples == ("ACC-999",)
    assert "outside_window" not in notes


def test_outreach_flags_with_their_plays(report):
    _, rep = report
    got = [(r.account_id, r.rule, r.observed, r.threshold, r.play) for r in rep.outreach.flags.itertuples()]
    # ACC-1: usage 100 -> 60 (40%), two breaches (3 and 5); ACC-3: last active 1 June, 29 days before 30 June
    assert got == [("ACC-1", "usage_drop", pytest.approx(0.4), 0.25, "CSM call"),
                   ("ACC-1", "sla_breaches", 2.0, 2.0, "CSM call"),
                   ("ACC-3", "inactive", 29.0, 14.0, "Automated email")]


def test_plan_json_object_is_plain_and_stable(report):
    _, rep = report
    doc = operations_json(rep)
    text = json.dumps(doc, allow_nan=False)
    assert json.loads(text) == doc
    assert doc["as_of_date"] == "2026-06-30" and doc["as_of"] == "2026-06-30T22:00:00+00:00"
    t1 = next(c for c in doc["sla_attainment"]["cells"] if c["tier"] == "Tier 1" and c["severity"] == "Normal")
    assert t1["attainment"] == 0.5


def test_grouped_quantiles_agree_with_numpys_percentile_on_random_groups():
    rng = np.random.default_rng(11)
    groups = rng.integers(-1, 40, 50_000)
    values = rng.lognormal(3, 1, 50_000)
    values[rng.random(50_000) < 0.05] = np.nan
    counts, q = grouped_quantiles(groups, values, 40, qs=(0.5, 0.9, 0.25))
    for k in range(40):
        v = values[(groups == k) & ~np.isnan(values)]
        assert counts[k] == len(v)
        assert q[k].tolist() == pytest.approx(np.percentile(v, [50, 90, 25]).tolist(), rel=1e-12)
