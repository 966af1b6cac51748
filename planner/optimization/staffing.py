"""Support staffing from the SLAs sheet: Erlang C for live queues, throughput for tickets.

Live queues (Chat, Phone) are M/M/N queues. With traffic ``A`` (Erlangs =
arrival rate x average handle time) and ``N`` agents on shift:

    Erlang B, stable recursion   B(0) = 1,  B(n) = A B(n-1) / (n + A B(n-1))
    probability of waiting       C = N B(N) / (N - A (1 - B(N)))          (N > A)
    service level within t       SL = 1 - C exp(-(N - A) t / AHT)

The agents on shift are the smallest integer N with N > A, occupancy A/N
within the Finance occupancy cap, and every SLA row of the queue met. The
search walks N upwards one integer at a time, so the rounding is exact (no
float ``ceil`` of an estimate). The queue needs ``N x open hours`` of agent
time a year.

Ticket queues (Email/ticket) are a backlog, not a live queue: they are staffed
by throughput. Hours per year = tickets x handle time / occupancy cap; at that
rate the backlog that arrives within one response window is worked off within
the window. Nothing here touches the solver: the queues' hours are constants
the model adds to the handling role's workload.

Shrinkage is counted once. Both kinds of queue give hours of work on shift;
the model turns them into whole people with the handling role's productive
hours per year (Roles sheet), which already leave out time off, admin,
meetings, training and breaks. The Finance sheet's support shrinkage is not
applied to hours or people a second time: it only says how many agents to put
on the roster at each open hour so that N are available,
``ceil(N / (1 - shrinkage))``, rounded exactly (7 / 0.7 is 10, not 11).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from planner.inputs import SLA, PlanInputs

MONTHS_PER_YEAR = 12
# Extra agents tried beyond the traffic before an SLA is declared unreachable
# (a guard: the search stops long before this for any target below 100%).
_SEARCH_MARGIN = 2000


def erlang_b(agents: int, traffic: float) -> float:
    """Blocking probability of an M/M/N/N system, by the stable recursion."""
    if agents < 0:
        raise ValueError("agents must be >= 0")
    b = 1.0
    for n in range(1, agents + 1):
        b = traffic * b / (n + traffic * b)
    return b


def _erlang_c_from_b(agents: int, traffic: float, b: float) -> float:
    if agents <= traffic:
        return 1.0
    return agents * b / (agents - traffic * (1.0 - b))


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a contact waits (Erlang C); 1.0 when agents <= traffic."""
    if traffic <= 0:
        return 0.0
    return _erlang_c_from_b(agents, traffic, erlang_b(agents, traffic))


def service_level(agents: int, traffic: float, target_seconds: float, handle_seconds: float) -> float:
    """Share of contacts answered within ``target_seconds`` (0 when agents <= traffic)."""
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    c = erlang_c(agents, traffic)
    return _level(c, agents, traffic, target_seconds, handle_seconds)


def _level(c: float, agents: int, traffic: float, target_seconds: float, handle_seconds: float) -> float:
    if handle_seconds <= 0:
        return 1.0
    return 1.0 - c * math.exp(-(agents - traffic) * target_seconds / handle_seconds)


def ceil_exact(value: float) -> int:
    """Smallest integer >= value, reading ``value`` as the decimal it was typed as.

    ``7 / (1 - 0.3)`` is 10.000000000000002 in floating point; a CFO typed 30%
    and expects 10. Values within 1e-9 (relative) of an integer count as that
    integer.
    """
    nearest = round(value)
    if abs(value - nearest) <= 1e-9 * max(1.0, abs(value)):
        return int(nearest)
    return math.ceil(value)


def rostered_agents(on_shift: int, shrinkage: float) -> int:
    """Agents to roster so that ``on_shift`` are handling contacts after shrinkage."""
    if on_shift <= 0:
        return 0
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage must be in [0, 1)")
    exact = Fraction(on_shift) / (1 - Fraction(repr(float(shrinkage))))
    return -((-exact.numerator) // exact.denominator)


@dataclass(frozen=True)
class LiveResult:
    agents: int | None  # None: no finite number of agents meets the targets
    traffic: float
    wait_probability: float | None
    service_levels: tuple[float, ...]  # achieved, one per target, same order
    occupancy: float | None


def agents_for_targets(
    traffic: float,
    handle_seconds: float,
    targets: Sequence[tuple[float, float]],
    occupancy_cap: float = 1.0,
) -> LiveResult:
    """Fewest agents on shift meeting every (target seconds, service level) pair.

    Exact integer search from the first N above the traffic; Erlang B is carried
    along the recursion so the whole search costs O(N).
    """
    if traffic <= 0:
        return LiveResult(0, 0.0, 0.0, tuple(1.0 for _ in targets), 0.0)
    if any(goal >= 1.0 for _, goal in targets):
        # 1 - C exp(...) < 1 for any finite N: a 100% target is never met
        return LiveResult(None, traffic, None, (), None)
    # smallest N allowed by the occupancy cap: A / N <= cap
    n_occ = ceil_exact(traffic / occupancy_cap) if occupancy_cap > 0 else 1
    start = max(math.floor(traffic) + 1, n_occ, 1)
    b = 1.0
    for n in range(1, start):
        b = traffic * b / (n + traffic * b)
    limit = start + _SEARCH_MARGIN + int(10 * math.sqrt(traffic))
    n = start
    while n <= limit:
        b = traffic * b / (n + traffic * b)
        c = _erlang_c_from_b(n, traffic, b)
        levels = tuple(_level(c, n, traffic, t, handle_seconds) for t, _ in targets)
        if all(lv >= goal - 1e-12 for lv, (_, goal) in zip(levels, targets)):
            return LiveResult(n, traffic, c, levels, traffic / n)
        n += 1
    return LiveResult(None, traffic, None, (), None)


@dataclass(frozen=True)
class SupportQueue:
    """One staffed queue: the SLA rows of one tier, channel and handling role."""

    tier: str
    channel: str
    role: str
    severities: tuple[str, ...]
    live: bool
    tickets_per_month: float  # all severities, whole tier
    arrival_rate: float  # contacts per live hour
    handle_minutes: float  # volume-weighted average handling time
    traffic: float  # Erlangs (live) / average agents busy while open (tickets)
    agents_on_shift: int | None  # live: Erlang C agents; tickets: None
    rostered_agents: int | None  # live: agents to roster per open hour so N are available (scheduling only)
    hours_per_year: float  # workload added to the role
    targets: tuple[tuple[str, float, float], ...]  # (severity, target seconds, service level)
    service_levels: tuple[float, ...]  # achieved per target (live); the targets themselves (tickets)
    wait_probability: float | None
    achievable: bool
    note: str = ""

    @property
    def binding_index(self) -> int:
        """Index of the target with the least headroom."""
        if not self.targets:
            return 0
        margins = [lv - goal for lv, (_, _, goal) in zip(self.service_levels, self.targets)]
        return min(range(len(margins)), key=lambda i: (margins[i], i)) if margins else 0


def queue_groups(slas: Iterable[SLA]) -> dict[tuple[str, str, str], list[SLA]]:
    """SLA rows grouped by (tier, channel, role), in first-seen order."""
    groups: dict[tuple[str, str, str], list[SLA]] = {}
    for sla in slas:
        groups.setdefault((sla.tier, sla.channel, sla.role), []).append(sla)
    return groups


def staff_queue(
    rows: Sequence[SLA],
    accounts: int,
    *,
    live_hours: float,
    shrinkage: float,
    occupancy_cap: float,
) -> SupportQueue:
    """Staff one queue (all rows share tier, channel and role)."""
    first = rows[0]
    per_month = [accounts * r.tickets_per_account_month for r in rows]
    volume = sum(per_month)
    handle = sum(v * r.handle_minutes for v, r in zip(per_month, rows)) / volume if volume > 0 else 0.0
    rate = volume / live_hours if live_hours > 0 else 0.0
    targets = tuple((r.severity, r.target_seconds, r.service_level) for r in rows)
    severities = tuple(dict.fromkeys(r.severity for r in rows))
    if first.live:
        traffic = rate * handle / 60.0
        result = agents_for_targets(traffic, handle * 60.0, [(t, sl) for _, t, sl in targets], occupancy_cap)
        if result.agents is None:
            return SupportQueue(
                first.tier, first.channel, first.role, severities, True, volume, rate, handle, traffic,
                None, None, 0.0, targets, tuple(0.0 for _ in targets), None, False,
                note="no number of agents reaches this service level within this target",
            )
        rostered = rostered_agents(result.agents, shrinkage)
        # hours on shift: N seats filled every open hour. The role's productive
        # hours already leave out time off, breaks and meetings, so shrinkage is
        # not added here (it would count those losses twice); whole people are
        # counted once, for the role's whole workload, by the model.
        hours = result.agents * live_hours * MONTHS_PER_YEAR
        return SupportQueue(
            first.tier, first.channel, first.role, severities, True, volume, rate, handle, traffic,
            result.agents, rostered, hours, targets, result.service_levels, result.wait_probability, True,
        )
    # ticket backlog: throughput within the response window
    work_hours = volume * MONTHS_PER_YEAR * handle / 60.0
    hours = work_hours / occupancy_cap if occupancy_cap > 0 else work_hours
    traffic = rate * handle / 60.0
    short = [sev for sev, t, _ in targets if 0 < t < handle * 60.0]
    note = ""
    if short:
        note = "response target shorter than one handle time for " + ", ".join(short) + "; first responses still start within it"
    return SupportQueue(
        first.tier, first.channel, first.role, severities, False, volume, rate, handle, traffic,
        None, None, hours, targets, tuple(sl for _, _, sl in targets), None, True, note,
    )


def support_queues(inputs: PlanInputs, accounts: Mapping[str, int]) -> list[SupportQueue]:
    """Every queue of the SLAs sheet, staffed for the accounts per tier given."""
    f = inputs.finance
    out = []
    for (tier, _channel, _role), rows in queue_groups(inputs.slas).items():
        out.append(
            staff_queue(
                rows,
                int(accounts.get(tier, 0)),
                live_hours=f.live_hours,
                shrinkage=f.shrinkage,
                occupancy_cap=f.occupancy_cap,
            )
        )
    return out
