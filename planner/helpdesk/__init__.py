"""The SLAs sheet as a helpdesk's own SLA policy objects (Zendesk, Zammad), with a README of how to import them.

:func:`write_helpdesk` is what ``tierplan helpdesk BOOK --format zendesk|zammad --out DIR`` calls.
"""

from __future__ import annotations

from pathlib import Path

from planner.errors import UserInputError
from planner.helpdesk.common import BusinessHours
from planner.inputs import PlanInputs
from planner.operations.calendar import BusinessCalendar

KINDS = ("zendesk", "zammad")


def write_helpdesk(inputs: PlanInputs, kind: str, out_dir: Path | str, *, business_hours: BusinessHours = False,
                   calendar: BusinessCalendar | None = None, organization_field: str | None = None) -> list[Path]:
    """Write the SLA policies of ``inputs`` for the helpdesk ``kind`` into ``out_dir``; returns the files written.

    ``business_hours``: whether the SLA rows count business hours (True/False, or per (tier, severity));
    calendar hours by default. ``calendar``: the business hours (Zammad's calendar). ``organization_field``:
    Zendesk: the organization custom field key to filter on instead of tags; Zammad: the organization
    attribute (default ``tier``).
    """
    kind = (kind or "").strip().lower()
    if kind not in KINDS:
        raise UserInputError(f"--format {kind or '(none)'}: TierPlan writes SLA policies for zendesk or zammad")
    if not inputs.slas:
        raise UserInputError("SLAs: the sheet has no rows, so there are no SLA policies to write")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserInputError(f"--out {out_dir}: this is a file, not a folder")
    if kind == "zendesk":
        from planner.helpdesk.zendesk import write_zendesk

        return write_zendesk(inputs.tiers, inputs.slas, out_dir, business_hours=business_hours, organization_field=organization_field)
    from planner.helpdesk.zammad import write_zammad

    return write_zammad(inputs.tiers, inputs.slas, out_dir, calendar=calendar, organization_attribute=organization_field or "tier",
                        business_hours=business_hours)
