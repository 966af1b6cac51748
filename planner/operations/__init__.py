"""The support model in operation: what happened against what was planned.

Pure computation (no files, no clock): segment metrics per tier and
engagement model, SLA attainment with a staffing check, and proactive outreach
flags, from the accounts (with their outcome columns), the tiers, the SLAs and
a helpdesk ticket export. The entry point is :func:`operations_report`.
"""

from planner.operations.attainment import SlaAttainment, StaffingAssumptions
from planner.operations.calendar import BusinessCalendar, business_minutes_between
from planner.operations.metrics import SegmentMetrics
from planner.operations.operations import OperationsNote, OperationsReport, operations_report
from planner.operations.outreach import OutreachReport, OutreachRules
from planner.workbook.outcomes import Outcomes, find_outcomes

__all__ = [
    "BusinessCalendar",
    "OperationsNote",
    "OperationsReport",
    "Outcomes",
    "OutreachReport",
    "OutreachRules",
    "SegmentMetrics",
    "SlaAttainment",
    "StaffingAssumptions",
    "business_minutes_between",
    "find_outcomes",
    "operations_report",
]
