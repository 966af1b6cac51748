"""The SLAs sheet as Zendesk SLA policies (Support API ``/api/v2/slas/policies``).

One policy per tier, in the Tiers sheet's order (``position`` 1 is the highest
touch tier: Zendesk applies the first policy that matches a ticket):

- ``title`` "TierPlan <tier>", a ``description`` saying where it comes from;
- ``filter``: ``{"all": [condition], "any": []}`` where the condition picks the
  tier's tickets. By default ``{"field": "current_tags", "operator": "includes",
  "value": "tier_1"}``: organization tags are copied onto their tickets, so
  tagging each organization with its tier's tag is enough. With
  ``organization_field="<key>"`` the condition is
  ``{"field": "organization.custom_fields.<key>", "operator": "is", "value": "tier_1"}``
  on a drop-down organization field whose option values are the tags;
- ``policy_metrics``: one entry per SLA row (severity) and metric:
  ``{"priority": "urgent", "metric": "first_reply_time", "target": 60,
  "business_hours": false}``. Targets are whole minutes (rounded up, at least 1:
  a 20-second phone target becomes 1 minute); ``business_hours`` says whether the
  row counts business or calendar hours.

The SLAs sheet holds first-response targets only, so ``first_reply_time`` is
the one metric written; the others Zendesk knows (``METRICS``) stay unset.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from planner.helpdesk.common import BusinessHours, rounded_target_lines, target_minutes, tier_tags, uses_business_hours, write_json
from planner.inputs import SLA, Tier

PRIORITIES = {"Urgent": "urgent", "High": "high", "Normal": "normal", "Low": "low"}
METRICS = ("first_reply_time", "next_reply_time", "periodic_update_time", "pausable_update_time", "requester_wait_time",
           "agent_work_time", "total_resolution_time")
FIRST_REPLY = "first_reply_time"


def zendesk_policies(tiers: Sequence[Tier], slas: Sequence[SLA], *, business_hours: BusinessHours = False,
                     organization_field: str | None = None) -> list[dict]:
    """The ``sla_policy`` objects, one per tier that has SLA rows (see the module docstring)."""
    tags = tier_tags(tiers)
    policies: list[dict] = []
    for tier in tiers:
        rows = [s for s in slas if s.tier == tier.name]
        if not rows:
            continue
        tag = tags[tier.name]
        if organization_field:
            condition = {"field": f"organization.custom_fields.{organization_field}", "operator": "is", "value": tag}
        else:
            condition = {"field": "current_tags", "operator": "includes", "value": tag}
        metrics = [
            {"priority": PRIORITIES[s.severity], "metric": FIRST_REPLY, "target": target_minutes(s),
             "business_hours": uses_business_hours(business_hours, s)}
            for s in rows
        ]
        policies.append({
            "title": f"TierPlan {tier.name}",
            "description": (f"First-reply targets for {tier.name} ({tier.engagement}) from the TierPlan SLAs sheet; "
                            f"applies to tickets tagged {tag}."),
            "position": len(policies) + 1,
            "filter": {"all": [condition], "any": []},
            "policy_metrics": metrics,
        })
    return policies


def readme(tiers: Sequence[Tier], slas: Sequence[SLA], policies: list[dict], organization_field: str | None) -> str:
    tags = tier_tags(tiers)
    lines = [
        "# TierPlan SLA policies for Zendesk",
        "",
        "One SLA policy per tier, written from the SLAs sheet of the planning workbook. Each",
        "`zendesk_sla_policy_<tier>.json` file is the body of one create request; `zendesk_sla_policies.json` lists them all.",
        "",
        "## Which organization field holds the tier",
        "",
    ]
    if organization_field:
        lines += [
            f"The policies match the organization field with the key `{organization_field}` (a drop-down field under",
            "Admin Center > People > Configuration > Organization fields). Give it one option per tier, with these values:",
        ]
    else:
        lines += [
            "The policies match a tag. Zendesk copies an organization's tags onto every ticket its people raise, so",
            "tag each organization with its tier's tag (Admin Center or the Organizations API; the CRM upload file",
            "`crm_tiers.csv` says which tier each account is in):",
        ]
    lines += ["", "| tier | tag |", "| --- | --- |"]
    lines += [f"| {t.name} | `{tags[t.name]}` |" for t in tiers if any(s.tier == t.name for s in slas)]
    lines += [
        "",
        "## How to import",
        "",
        "An admin on a plan with SLAs (Professional or Suite Growth and above) creates each policy with the Support API:",
        "",
        "```bash",
        "for f in zendesk_sla_policy_*.json; do",
        "  curl -sS https://YOURDOMAIN.zendesk.com/api/v2/slas/policies.json \\",
        "    -u you@example.com/token:YOUR_API_TOKEN -H 'Content-Type: application/json' -X POST -d @\"$f\"",
        "done",
        "```",
        "",
        "Zendesk applies the first policy that matches a ticket: the files are numbered with `position` in the Tiers",
        "sheet's order (highest touch first). Check the field names your account supports with",
        "`GET /api/v2/slas/policies/definitions` before the first import.",
        "",
        "## What the targets mean",
        "",
        "Every target is the first reply time in whole minutes; `business_hours: true` counts only your Zendesk schedule's",
        "business hours, `false` counts calendar hours.",
    ]
    lines.append("")
    lines += rounded_target_lines(slas)
    return "\n".join(lines)


def write_zendesk(tiers: Sequence[Tier], slas: Sequence[SLA], out_dir: Path, *, business_hours: BusinessHours = False,
                  organization_field: str | None = None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    policies = zendesk_policies(tiers, slas, business_hours=business_hours, organization_field=organization_field)
    tags = tier_tags(tiers)
    written = [write_json(out_dir / "zendesk_sla_policies.json", {"sla_policies": policies})]
    by_title = {p["title"]: p for p in policies}
    for t in tiers:
        p = by_title.get(f"TierPlan {t.name}")
        if p is not None:
            written.append(write_json(out_dir / f"zendesk_sla_policy_{tags[t.name]}.json", {"sla_policy": p}))
    readme_path = out_dir / "README.md"
    readme_path.write_text(readme(tiers, slas, policies, organization_field), encoding="utf-8")
    written.append(readme_path)
    return written
