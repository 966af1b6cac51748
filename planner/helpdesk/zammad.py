"""The SLAs sheet as Zammad SLA objects (REST API ``/api/v1/slas``) and the calendars they use.

Zammad has no per-priority targets inside an SLA, so there is one SLA per
tier and severity, each with a condition on the organization's tier
attribute and on the ticket's priority::

    {"name": "TierPlan Tier 1 urgent",
     "condition": {"organization.tier": {"operator": "is", "value": ["tier_1"]},
                   "ticket.priority_id": {"operator": "is", "value": ["4"]}},
     "first_response_time": 60, "update_time": null, "solution_time": null,
     "calendar_id": 2}

Times are whole minutes (rounded up, at least 1); the SLAs sheet holds
first-response targets only, so ``update_time`` and ``solution_time`` are
left unset. Every (tier, priority) pair has one SLA, so no two SLAs overlap
(Zammad requires that). Zammad counts only the calendar's business hours: rows
on business hours use the business calendar, rows on calendar hours a
calendar open around the clock (:func:`zammad_calendars` writes both).

Priorities: Zammad ships with ``1 low``, ``2 normal``, ``3 high``; the
Urgent rows use id 4, a priority the README says how to create (or pass the
ids your Zammad uses).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from planner.helpdesk.common import BusinessHours, rounded_target_lines, target_minutes, tier_tags, uses_business_hours, write_json
from planner.inputs import SLA, Tier
from planner.operations.calendar import BusinessCalendar

PRIORITY_IDS = {"Low": 1, "Normal": 2, "High": 3, "Urgent": 4}
FIELDS = ("name", "condition", "first_response_time", "response_time", "update_time", "solution_time", "calendar_id")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BUSINESS_CALENDAR = "TierPlan business hours"
ALWAYS_CALENDAR = "TierPlan 24/7"


def zammad_slas(tiers: Sequence[Tier], slas: Sequence[SLA], *, organization_attribute: str = "tier",
                business_hours: BusinessHours = False, business_calendar_id: int = 1, always_calendar_id: int = 2,
                priority_ids: Mapping[str, int] = PRIORITY_IDS) -> list[dict]:
    """One SLA object per SLA row (tier x severity), in the Tiers sheet's order (see the module docstring)."""
    tags = tier_tags(tiers)
    out = []
    for tier in tiers:
        for s in (x for x in slas if x.tier == tier.name):
            business = uses_business_hours(business_hours, s)
            out.append({
                "name": f"TierPlan {tier.name} {s.severity.lower()}",
                "condition": {
                    f"organization.{organization_attribute}": {"operator": "is", "value": [tags[tier.name]]},
                    "ticket.priority_id": {"operator": "is", "value": [str(int(priority_ids[s.severity]))]},
                },
                "first_response_time": target_minutes(s),
                "update_time": None,
                "solution_time": None,
                "calendar_id": int(business_calendar_id if business else always_calendar_id),
            })
    return out


def _hhmm(hours: float) -> str:
    minutes = round(hours * 60)
    if minutes >= 24 * 60:
        return "23:59"
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def zammad_calendars(calendar: BusinessCalendar) -> list[dict]:
    """The two calendars the SLAs refer to: the business hours, and one open around the clock."""
    business = {d: {"active": i in calendar.weekdays, "timeframes": [[_hhmm(calendar.start_hour), _hhmm(calendar.end_hour)]]}
                for i, d in enumerate(DAYS)}
    always = {d: {"active": True, "timeframes": [["00:00", "23:59"]]} for d in DAYS}
    holidays = {h.isoformat(): {"active": True, "summary": "Holiday"} for h in calendar.holidays}
    return [
        {"name": BUSINESS_CALENDAR, "timezone": calendar.timezone, "business_hours": business, "public_holidays": holidays,
         "ical_url": "", "note": "Business hours of the TierPlan SLAs"},
        {"name": ALWAYS_CALENDAR, "timezone": calendar.timezone, "business_hours": always, "public_holidays": {},
         "ical_url": "", "note": "Around the clock, for SLAs on calendar hours"},
    ]


def readme(tiers: Sequence[Tier], slas: Sequence[SLA], objects: list[dict], organization_attribute: str,
           business_calendar_id: int, always_calendar_id: int) -> str:
    tags = tier_tags(tiers)
    urgent = any(s.severity == "Urgent" for s in slas)
    lines = [
        "# TierPlan SLAs for Zammad",
        "",
        "One SLA per tier and priority, written from the SLAs sheet of the planning workbook (`zammad_slas.json`),",
        "and the two calendars they use (`zammad_calendars.json`).",
        "",
        "## Which organization field holds the tier",
        "",
        f"The SLAs match the organization attribute `{organization_attribute}`. Create it under Admin > System >",
        "Objects > Organization as a single selection field, with one option per tier, then set each organization's tier",
        "(the CRM upload file `crm_tiers.csv` says which tier each account is in):",
        "",
        "| tier | option value |",
        "| --- | --- |",
    ]
    lines += [f"| {t.name} | `{tags[t.name]}` |" for t in tiers if any(s.tier == t.name for s in slas)]
    lines += [
        "",
        "## How to import",
        "",
        "1. Create the calendars in `zammad_calendars.json` (Admin > Manage > Calendars, or `POST /api/v1/calendars`) and",
        f"   note their ids. The SLAs use calendar id {business_calendar_id} for business hours and id {always_calendar_id}",
        "   for calendar hours; edit `calendar_id` in `zammad_slas.json` if yours differ. The around-the-clock calendar's",
        "   days run 00:00-23:59 (verify whether your Zammad accepts 24:00 and prefer it if so).",
    ]
    if urgent:
        lines += [
            "2. Zammad ships with the priorities 1 low, 2 normal and 3 high. The Urgent SLAs use priority id 4: create it",
            "   first (`POST /api/v1/ticket_priorities` with `{\"name\": \"4 urgent\"}`, admin permission `admin.object`),",
            "   and edit `ticket.priority_id` in the file if Zammad gives it another id.",
            "3. Create each SLA (permission `admin.sla`):",
        ]
    else:
        lines += ["2. Create each SLA (permission `admin.sla`):"]
    lines += [
        "",
        "```bash",
        "python3 -c 'import json; [print(json.dumps(s)) for s in json.load(open(\"zammad_slas.json\"))]' |",
        "while read -r sla; do",
        "  curl -sS https://zammad.example.com/api/v1/slas -H 'Authorization: Token token=YOUR_TOKEN' \\",
        "    -H 'Content-Type: application/json' -X POST -d \"$sla\"",
        "done",
        "```",
        "",
        "Each SLA has its own tier and priority, so no two overlap. Times are whole minutes; Zammad counts only the",
        "calendar's business hours, which is why calendar-hour targets use the around-the-clock calendar.",
        "",
    ]
    lines += rounded_target_lines(slas)
    return "\n".join(lines)


def write_zammad(tiers: Sequence[Tier], slas: Sequence[SLA], out_dir: Path, *, calendar: BusinessCalendar | None = None,
                 organization_attribute: str = "tier", business_hours: BusinessHours = False, business_calendar_id: int = 1,
                 always_calendar_id: int = 2) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    objects = zammad_slas(tiers, slas, organization_attribute=organization_attribute, business_hours=business_hours,
                          business_calendar_id=business_calendar_id, always_calendar_id=always_calendar_id)
    written = [
        write_json(out_dir / "zammad_slas.json", objects),
        write_json(out_dir / "zammad_calendars.json", zammad_calendars(calendar or BusinessCalendar())),
    ]
    path = out_dir / "README.md"
    path.write_text(readme(tiers, slas, objects, organization_attribute, business_calendar_id, always_calendar_id), encoding="utf-8")
    written.append(path)
    return written
