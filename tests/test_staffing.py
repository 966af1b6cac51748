"""Support staffing: Erlang C for live queues, throughput for ticket queues."""

from __future__ import annotations

import itertools
import math

import pytest

from planner.inputs import SLA, Finance, Interval, PlanInputs, Role, Service, Tier
from planner.optimization import optimize
from planner.optimization.examples import accounts_frame, tier_stats_from
from planner.optimization.staffing import (
    agents_for_targets,
    ceil_exact,
    erlang_b,
    erlang_c,
    rostered_agents,
    service_level,
    staff_queue,
)

# Published check: 100 contacts per 30 minutes, 3-minute handle time -> 10 Erlangs
TRAFFIC = 100 * 3 / 30
AHT = 180.0


def test_published_check_needs_14_agents_with_its_service_level_and_wait_probability():
    result = agents_for_targets(TRAFFIC, AHT, [(20, 0.80)])
    assert result.agents == 14
    assert result.service_levels[0] == pytest.approx(0.888, abs=5e-4)
    assert result.wait_probability == pytest.approx(0.174, abs=5e-4)


def test_thirteen_agents_miss_the_80_percent_target_and_fifteen_exceed_it():
    assert service_level(13, TRAFFIC, 20, AHT) < 0.80
    assert service_level(13, TRAFFIC, 20, AHT) == pytest.approx(0.7956, abs=5e-4)
    assert service_level(15, TRAFFIC, 20, AHT) == pytest.approx(0.9415, abs=5e-4)


def test_service_level_rises_with_every_agent_and_wait_probability_falls():
    levels = [service_level(n, TRAFFIC, 20, AHT) for n in range(11, 30)]
    waits = [erlang_c(n, TRAFFIC) for n in range(11, 30)]
    assert all(b > a for a, b in itertools.pairwise(levels))
    assert all(b < a for a, b in itertools.pairwise(waits))
    assert service_level(10, TRAFFIC, 20, AHT) == 0.0  # no more agents than Erlangs: the queue grows without bound


def test_erlang_b_recursion_matches_the_closed_form_and_stays_finite_for_large_traffic():
    a, n = 7.5, 12
    closed = (a**n / math.factorial(n)) / sum(a**k / math.factorial(k) for k in range(n + 1))
    assert erlang_b(n, a) == pytest.approx(closed, rel=1e-12)
    # the closed form overflows here; the recursion does not
    big = erlang_b(5_000, 4_900.0)
    assert 0.0 < big < 0.05


def test_erlang_c_matches_the_closed_form():
    a, n = 7.5, 10
    top = a**n / math.factorial(n) * n / (n - a)
    bottom = sum(a**k / math.factorial(k) for k in range(n)) + top
    assert erlang_c(n, a) == pytest.approx(top / bottom, rel=1e-12)


def test_occupancy_cap_can_be_what_sets_the_agents():
    # 10 Erlangs with a lax target: Erlang C alone would accept 11 agents (occupancy 91%)
    lax = agents_for_targets(TRAFFIC, AHT, [(600, 0.5)])
    capped = agents_for_targets(TRAFFIC, AHT, [(600, 0.5)], occupancy_cap=0.80)
    assert lax.agents == 11
    assert capped.agents == 13  # 10 / 13 = 76.9% <= 80%, 10 / 12 = 83% is not
    assert capped.occupancy <= 0.80


def test_every_target_of_a_queue_is_met():
    both = agents_for_targets(TRAFFIC, AHT, [(20, 0.80), (5, 0.90)])
    assert both.agents == 15  # 14 agents answer only 84.4% within 5 s
    assert service_level(14, TRAFFIC, 5, AHT) < 0.90
    assert all(lv >= goal for lv, goal in zip(both.service_levels, (0.80, 0.90)))


def test_rostering_rounds_exactly_where_floats_would_not():
    assert 21 / (1 - 0.3) > 30  # 30.000000000000004 in floating point
    assert math.ceil(21 / (1 - 0.3)) == 31
    assert rostered_agents(21, 0.3) == 30
    assert rostered_agents(9, 0.55) == 20
    assert rostered_agents(7, 0.3) == 10
    assert rostered_agents(14, 0.3) == 20
    assert rostered_agents(14, 0.25) == 19  # 18.67 -> 19
    assert rostered_agents(0, 0.3) == 0
    assert ceil_exact(2.0000000000000004) == 2
    assert ceil_exact(2.01) == 3


def test_unreachable_target_is_reported_not_looped_forever():
    result = agents_for_targets(TRAFFIC, AHT, [(0, 1.0)])
    assert result.agents is None


def _sla(channel, tickets, handle, target=20, level=0.8, severity="High"):
    return SLA("T1", severity, channel, target, tickets, handle, level, "Agent")


def test_live_queue_from_sla_rows_uses_arrivals_per_open_hour_and_counts_shrinkage_once():
    # 100 accounts x 1.1 tickets a month over 11 open hours -> 10 contacts per hour, AHT 6 min -> 1 Erlang
    q = staff_queue([_sla("Phone", 1.1, 6)], 100, live_hours=11, shrinkage=0.5, occupancy_cap=0.85)
    assert q.arrival_rate == pytest.approx(10.0)
    assert q.traffic == pytest.approx(1.0)
    expected = agents_for_targets(1.0, 360, [(20, 0.8)], 0.85).agents
    assert q.agents_on_shift == expected
    assert q.rostered_agents == 2 * expected  # scheduling: with 50% shrinkage, twice the agents go on the roster
    # hours on shift: the seats filled every open hour, expected x 11 h x 12 months. The handling role's productive
    # hours already leave out time off and breaks, so shrinkage adds no hours (it did: expected / 0.5 x 11 x 12)
    assert q.hours_per_year == pytest.approx(expected * 11 * 12)
    none = staff_queue([_sla("Phone", 1.1, 6)], 100, live_hours=11, shrinkage=0.0, occupancy_cap=0.85)
    assert none.hours_per_year == q.hours_per_year and none.rostered_agents == expected
    # 30% shrinkage: 1 seat is 1 / 0.7 = 1.43 agents on the roster (2), still 11 x 12 hours on shift
    q = staff_queue([_sla("Phone", 0.11, 6)], 100, live_hours=11, shrinkage=0.3, occupancy_cap=0.85)
    assert q.agents_on_shift == 1 and q.rostered_agents == 2
    assert q.hours_per_year == pytest.approx(11 * 12)


def _erlang_c_closed_form(n: int, a: float) -> float:
    """P(wait) from the textbook formula with factorials (independent of the recursion under test)."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


def test_a_17_agent_chat_queue_needs_30_people_not_42():
    """The independent check's case, rebuilt by hand: shrinkage is counted once, in productive hours.

    4,000 accounts x 3 chats a month over 200 open hours = 60 chats an hour; 13-minute chats -> A = 60 x 13 / 60 = 13
    Erlangs. Target: 80% answered within 60 s. By the closed form, 16 agents answer 73.5% in time and 17 answer 83.9%
    (occupancy 13 / 17 = 76% <= 85%), so 17 agents are on shift whenever the queue is open.
    17 seats x 200 h x 12 = 40,800 h a year; a chat agent gives 1,400 productive hours (after time off, breaks and
    meetings): ceil(40,800 / 1,400) = ceil(29.14) = 30 people. Adding 30% shrinkage on top, as before, made it
    17 / 0.7 x 2,400 = 58,286 h -> ceil(41.6) = 42 people.
    """
    a, aht, target = 13.0, 13 * 60.0, 60.0
    by_hand = {n: 1 - _erlang_c_closed_form(n, a) * math.exp(-(n - a) * target / aht) for n in (16, 17)}
    assert by_hand[16] == pytest.approx(0.7346, abs=5e-5) and by_hand[16] < 0.80
    assert by_hand[17] == pytest.approx(0.8394, abs=5e-5) and by_hand[17] >= 0.80
    q = staff_queue([_sla("Chat", 3.0, 13, target, 0.80, "High")], 4_000, live_hours=200, shrinkage=0.3, occupancy_cap=0.85)
    assert q.traffic == pytest.approx(13.0)
    assert q.agents_on_shift == 17
    assert q.service_levels[0] == pytest.approx(by_hand[17], rel=1e-9)
    assert q.hours_per_year == pytest.approx(40_800)
    assert q.rostered_agents == 25  # 17 / 0.7 = 24.3: agents to schedule per open hour, not extra hours

    # the same queue in a plan: a pooled chat role with 1,400 productive hours needs 30 people
    tiers = (Tier("Gold", 0, "Low touch", "ARR", 0.0, 1.0, None),)
    roles = (Role("Chat agent", "Pooled", 60_000.0, 1_400.0, None), Role("Digital", "Automated", 0.0, 0.0, None))
    services = (Service("Newsletter", "", "Digital", 0.0, False, 0.0, 1.0, False),)
    intervals = (Interval("Newsletter", "Gold", "Digital", 0.0, 0, 1, 1),)
    slas = (SLA("Gold", "High", "Chat", target, 3.0, 13, 0.80, "Chat agent"),)
    finance = Finance(budget=10_000_000, margin=0.3, planning_mode="min_cost", live_hours=200, shrinkage=0.3, occupancy_cap=0.85)
    inputs = PlanInputs(tiers, roles, services, intervals, slas, (), finance, accounts_frame({"Gold": [10_000.0] * 4_000}))
    r = optimize(inputs, tier_stats_from({"Gold": 4_000}, {"Gold": 40_000_000.0}), mode="min_cost", sensitivity=False)
    people = r.headcount.set_index("role")["people"]
    assert people["Chat agent"] == 30
    assert r.total_cost == pytest.approx(30 * 60_000.0)


def test_ticket_queues_count_shrinkage_once_too():
    # throughput hours are hours of work on shift, divided by productive hours like live hours: shrinkage changes nothing
    rows = [_sla("Email/ticket", 0.6, 20, 8 * 3600, 0.9, "Normal")]
    with_shrinkage = staff_queue(rows, 500, live_hours=200, shrinkage=0.35, occupancy_cap=0.85)
    without = staff_queue(rows, 500, live_hours=200, shrinkage=0.0, occupancy_cap=0.85)
    assert with_shrinkage.hours_per_year == without.hours_per_year == pytest.approx(500 * 0.6 * 12 * 20 / 60 / 0.85)


def test_severities_of_one_queue_share_agents_and_the_strictest_target_decides():
    rows = [_sla("Chat", 1.0, 10, 20, 0.8, "Urgent"), _sla("Chat", 3.0, 10, 300, 0.8, "Normal")]
    q = staff_queue(rows, 200, live_hours=200, shrinkage=0.0, occupancy_cap=1.0)
    assert q.tickets_per_month == pytest.approx(800)
    assert q.traffic == pytest.approx(800 / 200 * 10 / 60)
    urgent_only = agents_for_targets(q.traffic, 600, [(20, 0.8)]).agents
    assert q.agents_on_shift == urgent_only
    assert q.targets[q.binding_index][0] == "Urgent"


def test_ticket_queue_is_staffed_by_throughput():
    # 500 accounts x 0.6 tickets a month x 12 months x 20 minutes / 85% occupancy
    q = staff_queue([_sla("Email/ticket", 0.6, 20, 8 * 3600, 0.9, "Normal")], 500, live_hours=200, shrinkage=0.3, occupancy_cap=0.85)
    assert q.hours_per_year == pytest.approx(500 * 0.6 * 12 * 20 / 60 / 0.85)
    assert q.agents_on_shift is None
    assert q.achievable


def test_a_queue_without_accounts_needs_nobody():
    q = staff_queue([_sla("Chat", 1.0, 10)], 0, live_hours=200, shrinkage=0.3, occupancy_cap=0.85)
    assert q.agents_on_shift == 0
    assert q.hours_per_year == 0.0
