"""The quarterly review in words: each change since the previous plan, and each proposal with its evidence."""

from __future__ import annotations

from planner.pilots.definition import Outcome
from planner.report import format as fmt
from planner.report.blocks import plural
from planner.report.pilot_words import OUTCOME_LABELS
from planner.review.findings import Change, Kind, Proposal

AREA_TITLES = {
    "segments": "Segment definitions",
    "drift": "Accounts drifting",
    "sla": "Support targets",
    "staffing": "Support staffing",
    "pilot": "Pilots",
}


def change_value(value, unit: str, currency: str) -> str:
    if value is None:
        return fmt.DASH
    if unit == "money":
        return fmt.money(value, currency)
    if unit == "share":
        return fmt.percent(value, 1)
    if unit == "score":
        return fmt.number(value, 2)
    if unit in ("count", "people"):
        return fmt.quantity(value, 1)
    return str(value)


def change_delta(change: Change, currency: str) -> str:
    d = change.delta
    if d is None:
        return "changed" if change.changed and change.before is not None and change.after is not None else fmt.DASH
    if abs(d) < 1e-9:
        return "no change"
    sign = "+" if d > 0 else "-"
    if change.unit == "money":
        return sign + fmt.money(abs(d), currency)
    if change.unit == "share":
        return f"{sign}{abs(d) * 100:.1f} pts"
    if change.unit == "score":
        return f"{sign}{abs(d):.2f}"
    return sign + fmt.quantity(abs(d), 1)


def _rate(v) -> str:
    return fmt.DASH if v is None else fmt.percent(v, 1)


def _target_text(seconds, unit: str | None) -> str:
    if seconds is None:
        return "its target"
    per = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}.get(unit or "hours", 3600)
    n = seconds / per
    word = (unit or "hours").rstrip("s") if abs(n - 1) < 1e-9 else (unit or "hours")
    return f"a first response within {fmt.quantity(n, 1)} {word}"


def _pilot_effect(f) -> str:
    diff, lo, hi = f.get("difference"), f.get("ci_low"), f.get("ci_high")
    if diff is None:
        return "no difference measured"
    if f.get("measure") in ("rate", "share_above_zero"):
        return f"{diff * 100:+.1f} points (95% interval {lo * 100:+.1f} to {hi * 100:+.1f})"
    return f"{diff:+,.1f} (95% interval {lo:+,.1f} to {hi:+,.1f})"


def _outcome(f) -> str:
    try:
        return OUTCOME_LABELS[Outcome(f.get("outcome"))]
    except ValueError:
        return str(f.get("outcome"))


def proposal_text(p: Proposal, currency: str) -> tuple[str, str, str]:
    """(finding, evidence, proposed change) for one proposal."""
    f = p.facts
    if p.kind is Kind.MOVE_CUTOFF:
        side = "above" if f.get("above") else "below"
        basis = "ARR" if f.get("basis") == "ARR" else "accounts"
        return (f"{p.subject} holds {_rate(f.get('share'))} of {basis}, {side} its band of {_rate(f.get('band_min'))} to "
                f"{_rate(f.get('band_max'))}.",
                f"{plural(int(f.get('accounts') or 0), 'account')} at a cut-off score of {fmt.number(f.get('cutoff'), 2)}.",
                f"{'Raise' if f.get('above') else 'Lower'} the {p.subject} cut-off, or widen its band on the Tiers sheet, "
                "so the tier holds what it was sized for.")
    if p.kind in (Kind.REVIEW_LOSING, Kind.REVIEW_EXPANDING):
        n = int(f.get("accounts") or 0)
        names = ", ".join(f"{a.get('name') or a.get('account_id')} ({fmt.money(a.get('arr'), currency)}, "
                          f"{float(a.get('score_change') or 0):+.1f})" for a in p.examples)
        losing = p.kind is Kind.REVIEW_LOSING
        finding = (f"{plural(n, 'high-value account')} lost {fmt.number(f.get('threshold'), 0)} score points or more since the last "
                   "assessment." if losing else
                   f"{plural(n, 'smaller account')} gained {fmt.number(f.get('threshold'), 0)} score points or more since the last "
                   "assessment.")
        evidence = f"Largest moves (ARR, score change): {names}." if names else "Listed in the results workbook's drift sheet."
        action = ("Have their owners review each before renewal; keep them in their tier while the review runs." if losing else
                  "Consider them for the next tier's touch at the next re-tiering, starting with the largest.")
        return finding, evidence, action
    if p.kind in (Kind.FIX_SLA, Kind.ADD_CAPACITY, Kind.PLAN_CHANNEL):
        return _queue_text(p)
    tiers = ", ".join(f.get("tiers") or ()) or "its tier"
    outcome = _outcome(f)
    if p.kind is Kind.SCALE_PILOT:
        per_dollar = f.get("value_per_dollar")
        extra = f.get("extra_cost_per_account")
        cost = ""
        if extra is not None:
            cost = f" It cost {fmt.money(extra, currency)} more per account and year"
            cost += f", about {fmt.symbol(currency)}{per_dollar:,.2f} of ARR per dollar." if per_dollar is not None else "."
        return (f"Pilot '{p.subject}' improved {outcome}: {_pilot_effect(f)}.",
                f"{fmt.count(f.get('pilot_accounts'))} pilot accounts; adjusted p = {fmt.number(f.get('p_adjusted'), 3)}.{cost}",
                f"Scale it to the rest of {tiers}: {f.get('change') or 'its touch model'}; price it in the plan first.")
    if p.kind is Kind.STOP_PILOT:
        return (f"Pilot '{p.subject}' made {outcome} worse: {_pilot_effect(f)}.",
                f"Adjusted p = {fmt.number(f.get('p_adjusted'), 3)}.",
                "Stop it and return its accounts to their tier's touch model.")
    if p.kind is Kind.KEEP_BASELINE:
        return (f"Pilot '{p.subject}' showed no difference in {outcome} it could detect.",
                f"It could have detected a change of {_detectable(f)}.",
                "Keep the baseline's touch model; the pilot's extra cost bought nothing measurable.")
    return (f"Pilot '{p.subject}' cannot tell yet whether {outcome} changed.",
            f"With {fmt.count(f.get('pilot_accounts'))} accounts it could only detect a change of {_detectable(f)}.",
            "Extend it or add accounts before deciding.")


def _detectable(f) -> str:
    d = f.get("detectable_difference")
    if d is None:
        return "any size"
    if f.get("measure") in ("rate", "share_above_zero"):
        return f"{d * 100:.1f} points or more"
    return f"{d:,.1f} or more"


def _missed_text(cells) -> str:
    return "; ".join(f"{c['severity']}: {_rate(c.get('attainment'))} met {_target_text(c.get('target_seconds'), c.get('unit'))} "
                     f"against {_rate(c.get('target'))} ({fmt.count(c.get('breached'))} of {fmt.count(c.get('tickets'))} missed)"
                     for c in cells)


def _need_text(f) -> str:
    if f.get("live"):
        return (f"{fmt.count(f.get('needed_agents'))} agent(s) on shift ({fmt.count(f.get('needed_rostered'))} rostered) where the "
                f"plan has {fmt.count(f.get('planned_agents'))} ({fmt.count(f.get('planned_rostered'))} rostered)")
    return (f"{fmt.amount(f.get('needed_hours_per_year'))} support hours a year where the plan has "
            f"{fmt.amount(f.get('planned_hours_per_year'))}")


def _queue_text(p: Proposal) -> tuple[str, str, str]:
    f = p.facts
    cells = f.get("missed") or ()
    seen = fmt.number(f.get("observed_tickets_per_month"), 1)
    if p.kind is Kind.PLAN_CHANNEL:
        return (f"{f['tier']} accounts opened {seen} tickets a month by {f['channel']}, a channel the SLAs sheet does not "
                f"plan for {f['tier']}.",
                f"Answering them at the tier's targets takes {_need_text(f)}." + (f" {_missed_text(cells)}." if cells else ""),
                f"Add a {f['tier']} {f['channel']} row to the SLAs sheet (and plan again), or steer those contacts to the "
                "channels the tier is offered.")
    if p.kind is Kind.ADD_CAPACITY:
        finding = (f"The {p.subject} queue saw {seen} tickets a month where the plan assumed "
                   f"{fmt.number(f.get('planned_tickets_per_month'), 1)}.")
        evidence = f"Meeting its targets at that volume takes {_need_text(f)}."
        if cells:
            evidence += f" Missed: {_missed_text(cells)}."
        return finding, evidence, "Raise the tickets per month on the SLAs sheet to the volume seen and plan again."
    finding = f"The {p.subject} queue missed {plural(len(cells), 'target')}: {_missed_text(cells)}."
    if f.get("enough") is True:
        return (finding, f"Its planned staffing covers the {seen} tickets a month it saw.",
                "Look at routing, opening hours and first-response habits before adding people, or relax the target.")
    return (finding, "The plan staffs no queue for it.", "Decide who answers this queue and when.")
