"""The quarterly review: what changed since the previous plan, and what the evidence says to change now.

Both plans are compared in the form plan.json holds them (the previous plan exists only as its plan.json;
the current one is ``Plan.to_dict()``, made once), so any two plans of the same schema can be reviewed.
Pure computation: no files, no clock, no sentences (planner.report.review_words writes those).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

Doc = Mapping[str, Any]

EXAMPLES = 5  # accounts named as evidence for a proposal


class Area(StrEnum):
    SEGMENTS = "segments"  # cut-offs and bands
    DRIFT = "drift"  # accounts whose score moved
    SLA = "sla"  # support targets missed
    STAFFING = "staffing"  # the observed volume against the planned people
    PILOT = "pilot"  # pilots ready to scale, stop or extend


class Kind(StrEnum):
    """What a proposal asks the meeting to decide."""

    MOVE_CUTOFF = "move_cutoff"
    REVIEW_LOSING = "review_losing"
    REVIEW_EXPANDING = "review_expanding"
    FIX_SLA = "fix_sla"
    ADD_CAPACITY = "add_capacity"
    PLAN_CHANNEL = "plan_channel"
    SCALE_PILOT = "scale_pilot"
    STOP_PILOT = "stop_pilot"
    EXTEND_PILOT = "extend_pilot"
    KEEP_BASELINE = "keep_baseline"


@dataclass(frozen=True)
class Change:
    """One figure in the previous plan and now; ``unit``: money, count, share, score, people, text."""

    group: str  # "Plan", "Tiers", "People", "Support"
    label: str
    before: float | str | None
    after: float | str | None
    unit: str

    @property
    def delta(self) -> float | None:
        if isinstance(self.before, int | float) and isinstance(self.after, int | float):
            return float(self.after) - float(self.before)
        return None

    @property
    def changed(self) -> bool:
        if self.before is None:  # a count of this plan only (accounts moved): a change when there is any
            return bool(self.after)
        d = self.delta
        return (abs(d) > 1e-9) if d is not None else self.before != self.after


@dataclass(frozen=True)
class Proposal:
    """A change the evidence supports, with the figures it rests on (``facts``: name -> value)."""

    area: Area
    kind: Kind
    subject: str  # the tier, SLA, role or pilot it concerns
    facts: Mapping[str, Any]
    examples: tuple[Mapping[str, Any], ...] = ()  # accounts or tickets shown as evidence


@dataclass(frozen=True)
class Review:
    previous_source: str
    previous_fiscal_year: int | None
    previous_as_of: str | None
    previous_fingerprint: str | None
    changes: tuple[Change, ...]
    proposals: tuple[Proposal, ...]
    comparable: bool  # same currency and tiers: the figures can be set side by side
    mismatches: tuple[str, ...]  # what differs in kind between the two plans (currency, tier names)


def _get(doc: Doc, *path: str) -> Any:
    cur: Any = doc
    for key in path:
        if not isinstance(cur, Mapping) or key not in cur:
            return None
        cur = cur[key]
    return cur


def _people(doc: Doc) -> dict[str, float]:
    out: dict[str, float] = {}
    for row in _get(doc, "optimization", "headcount") or ():
        out[str(row.get("role"))] = out.get(str(row.get("role")), 0.0) + float(row.get("people") or 0)
    return out


def _sla_met(doc: Doc) -> tuple[int, int] | None:
    cells = _get(doc, "operations", "sla_attainment", "cells")
    if not cells:
        return None
    judged = [c for c in cells if c.get("meets_target") is not None]
    return sum(1 for c in judged if c["meets_target"]), len(judged)


def plan_changes(previous: Doc, current: Doc) -> tuple[Change, ...]:
    """The headline figures, tier sizes and cut-offs, and people by role, before and now."""
    rows: list[Change] = []

    def add(group: str, label: str, before: Any, after: Any, unit: str) -> None:
        if before is None and after is None:
            return
        rows.append(Change(group, label, before, after, unit))

    for label, path, unit in (
        ("Accounts", ("summary", "accounts"), "count"),
        ("ARR", ("summary", "arr"), "money"),
        ("Budget", ("summary", "budget"), "money"),
        ("Total cost", ("summary", "total_cost"), "money"),
        ("Budget used", ("summary", "budget_used"), "share"),
        ("Expected ARR impact", ("summary", "value"), "money"),
        ("Assessed Service Value", ("optimization", "assessed_service_value"), "money"),
        ("Plan status", ("summary", "status"), "text"),
    ):
        add("Plan", label, _get(previous, *path), _get(current, *path), unit)
    tiers = list(_get(current, "segmentation", "tiers") or ())
    for t in tiers + [t for t in _get(previous, "segmentation", "tiers") or () if t not in tiers]:
        add("Tiers", f"{t} accounts", _get(previous, "segmentation", "counts", t), _get(current, "segmentation", "counts", t), "count")
        add("Tiers", f"{t} ARR", _get(previous, "segmentation", "arr", t), _get(current, "segmentation", "arr", t), "money")
        if t != (tiers[-1] if tiers else None):
            add("Tiers", f"{t} cut-off score", _get(previous, "segmentation", "cutoffs", t),
                _get(current, "segmentation", "cutoffs", t), "score")
    before, after = _people(previous), _people(current)
    for role in list(after) + [r for r in before if r not in after]:
        add("People", role, before.get(role), after.get(role), "people")
    if before or after:
        add("People", "All roles", sum(before.values()) if before else None, sum(after.values()) if after else None, "people")
    rows.extend(account_moves(previous, current))
    was, now = _sla_met(previous), _sla_met(current)
    if was or now:
        add("Support", "SLA targets met", f"{was[0]} of {was[1]}" if was else None, f"{now[0]} of {now[1]}" if now else None, "text")
    return tuple(rows)


def account_moves(previous: Doc, current: Doc) -> tuple[Change, ...]:
    """Accounts placed higher, lower, new and gone, from the two plans' ``account_tiers`` (tier order: the current plan's)."""
    was, now = _get(previous, "account_tiers"), _get(current, "account_tiers")
    if not isinstance(was, Mapping) or not isinstance(now, Mapping):
        return ()
    rank = {t: i for i, t in enumerate(_get(current, "segmentation", "tiers") or ())}
    up = down = other = 0
    for account, tier in now.items():
        before = was.get(account)
        if before is None or before == tier:
            continue
        if before in rank and tier in rank:
            if rank[tier] < rank[before]:
                up += 1
            else:
                down += 1
        else:
            other += 1  # a tier that was renamed or removed
    new = sum(1 for a in now if a not in was)
    gone = sum(1 for a in was if a not in now)
    kept = len(now) - new
    rows = [Change("Accounts", "In both plans", kept, kept, "count"),
            Change("Accounts", "Placed in a higher tier", None, up, "count"),
            Change("Accounts", "Placed in a lower tier", None, down, "count")]
    if other:
        rows.append(Change("Accounts", "In a tier the previous plan did not have", None, other, "count"))
    rows += [Change("Accounts", "New since the previous plan", None, new, "count"),
             Change("Accounts", "Gone since the previous plan", None, gone, "count")]
    return tuple(rows)


def _band_proposals(current: Doc) -> list[Proposal]:
    out = []
    for band in _get(current, "segmentation", "bands") or ():
        if band.get("met") is False:
            out.append(Proposal(Area.SEGMENTS, Kind.MOVE_CUTOFF, str(band["tier"]), {
                "share": band.get("share"), "band_min": band.get("band_min"), "band_max": band.get("band_max"),
                "basis": band.get("band_basis"), "cutoff": band.get("cutoff"), "accounts": band.get("accounts"),
                "above": (band.get("excess") or 0) > 0,
            }))
    return out


def _drift_proposals(current: Doc) -> list[Proposal]:
    drift = _get(current, "segmentation", "drift") or {}
    flagged = drift.get("flagged") or {}
    top = list(drift.get("top") or ())
    out = []
    for flag, kind in (("High-value account losing ground", Kind.REVIEW_LOSING), ("Small account expanding fast", Kind.REVIEW_EXPANDING)):
        n = int(flagged.get(flag) or 0)
        if not n:
            continue
        shown = sorted((a for a in top if a.get("flag") == flag), key=lambda a: (-abs(float(a.get("score_change") or 0)), str(a.get("account_id"))))
        out.append(Proposal(Area.DRIFT, kind, flag, {"accounts": n, "threshold": drift.get("threshold")},
                            tuple(shown[:EXAMPLES])))
    return out


def _sla_proposals(current: Doc) -> list[Proposal]:
    """One proposal per support queue (tier and channel): the targets it missed and the staffing behind them.

    A queue the SLAs sheet does not plan (tickets came in on a channel the tier has no row for) is its own case;
    a queue short of people gets more capacity; missed targets on a queue whose staffing sufficed point at how
    the queue is run, not at its size.
    """
    att = _get(current, "operations", "sla_attainment") or {}
    missed: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for cell in att.get("cells") or ():
        if cell.get("meets_target") is False:
            judged = int(cell.get("achieved") or 0) + int(cell.get("breached") or 0)
            missed.setdefault((cell["tier"], cell["channel"]), []).append({
                "severity": cell["severity"], "attainment": cell.get("attainment"), "target": cell.get("service_level"),
                "tickets": judged, "breached": cell.get("breached"), "target_seconds": cell.get("target_seconds"),
                "unit": cell.get("unit")})
    out = []
    staffing = {(s["tier"], s["channel"]): s for s in att.get("staffing") or ()}
    for key in list(staffing) + [k for k in missed if k not in staffing]:
        staff, cells = staffing.get(key), missed.get(key, [])
        facts: dict[str, Any] = {"tier": key[0], "channel": key[1], "missed": tuple(cells)}
        if staff is not None:
            facts.update({k: staff.get(k) for k in ("live", "observed_tickets_per_month", "planned_tickets_per_month",
                                                     "planned_agents", "needed_agents", "planned_rostered", "needed_rostered",
                                                     "planned_hours_per_year", "needed_hours_per_year", "enough")})
        planned = float(facts.get("planned_tickets_per_month") or 0)
        if staff is not None and staff.get("enough") is False:
            kind = Kind.ADD_CAPACITY if planned > 0 else Kind.PLAN_CHANNEL
        elif cells:
            kind = Kind.FIX_SLA
        else:
            continue
        area = Area.SLA if kind is Kind.FIX_SLA else Area.STAFFING
        out.append(Proposal(area, kind, f"{key[0]} {key[1]}", facts))
    return out


def _pilot_proposals(current: Doc) -> list[Proposal]:
    out = []
    for p in _get(current, "pilots") or ():
        if p.get("still_running"):
            continue
        verdict = p.get("verdict")
        kind = {"improved": Kind.SCALE_PILOT, "worse": Kind.STOP_PILOT, "no_detectable_difference": Kind.KEEP_BASELINE,
                "inconclusive": Kind.EXTEND_PILOT, "not_enough_accounts": Kind.EXTEND_PILOT}.get(str(verdict))
        if kind is None:
            continue
        cost = p.get("cost") or {}
        out.append(Proposal(Area.PILOT, kind, str(p["name"]), {
            "tiers": tuple(p.get("tiers") or ()), "outcome": p.get("outcome"), "measure": p.get("measure"),
            "difference": p.get("difference"), "ci_low": p.get("ci_low"), "ci_high": p.get("ci_high"),
            "p_adjusted": p.get("p_adjusted"), "detectable_difference": p.get("detectable_difference"),
            "pilot_accounts": _get(p, "groups", "pilot", "accounts"),
            "extra_cost_per_account": cost.get("extra_cost_per_account"), "value_per_dollar": cost.get("value_per_dollar"),
            "change": _get(p, "change", "description"),
        }))
    return out


def review(previous: Doc, current: Doc, previous_source: str = "") -> Review:
    """What changed between ``previous`` and ``current`` (two plan.json documents) and the proposals ``current`` supports."""
    mismatches = []
    if _get(previous, "currency") and _get(previous, "currency") != _get(current, "currency"):
        mismatches.append(f"currency {previous['currency']} then, {current.get('currency')} now")
    was_tiers: Sequence[str] = _get(previous, "segmentation", "tiers") or ()
    now_tiers: Sequence[str] = _get(current, "segmentation", "tiers") or ()
    if list(was_tiers) != list(now_tiers):
        mismatches.append(f"tiers {', '.join(was_tiers) or 'none'} then, {', '.join(now_tiers) or 'none'} now")
    comparable = not any(m.startswith("currency") for m in mismatches)
    changes = plan_changes(previous, current) if comparable else ()
    proposals = (*_band_proposals(current), *_drift_proposals(current), *_sla_proposals(current), *_pilot_proposals(current))
    fy = _get(previous, "fiscal_year")
    as_of, digest = _get(previous, "as_of"), _get(previous, "fingerprint")
    return Review(previous_source=previous_source, previous_fiscal_year=int(fy) if isinstance(fy, int) else None,
                  previous_as_of=as_of if isinstance(as_of, str) else None,
                  previous_fingerprint=digest if isinstance(digest, str) else None,
                  changes=changes, proposals=tuple(proposals), comparable=comparable, mismatches=tuple(mismatches))
