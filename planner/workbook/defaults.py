"""What goes into a planning workbook, as plain data, and the default content.

A :class:`WorkbookContent` holds the rows of every input sheet as lists of
dicts keyed by the column keys of :mod:`planner.schema`, the Finance values
keyed by setting key, and the accounts as a DataFrame. The template writer
(:func:`planner.workbook.template.write_workbook`) turns any content into a
workbook; the blank template and the demo are two contents.

Values are written as given: numbers as numbers, text as text (never
interpreted as a formula), ``None``/NaN as a blank cell, and a
:class:`FormulaCell` as a formula. That makes it easy to build broken
variants in tests::

    bad = default_content()
    bad.roles[1]["loaded_cost"] = "a lot"          # text in a number cell
    bad.drop_columns["Intervals"] = ("maximum",)   # a column deleted by hand

Every figure here is a default the user edits in the workbook, never a
constant the planner depends on. Sources of the figures:
/work/shared/reference/cs-benchmarks.md (practitioner ranges, 2024-2026).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import pandas as pd

from planner import schema

# ------------------------------------------------------------------ content type


@dataclass(frozen=True)
class FormulaCell:
    """A cell written as a formula (``text`` starts with '=').

    ``cached`` is the result stored with it. The default (empty) makes
    LibreOffice recalculate it on load; an error code such as ``"#DIV/0!"``
    is stored as an error value, which is what a reader sees without
    recalculating.
    """

    text: str
    cached: object = ""


@dataclass
class WorkbookContent:
    """Everything a planning workbook holds, sheet by sheet.

    Row dicts are keyed by schema column keys (input columns only; formula
    columns are always written by the template). A missing key is a blank
    cell; a key that is not a schema column is ignored.

    ``accounts`` has the fixed columns under their canonical keys
    (``planner.inputs.ACCOUNT_FIXED_COLUMNS``) and every signal column under
    its header, in the order they should appear.

    Layout knobs for hand-edited variants: ``drop_sheets`` (sheet names left
    out), ``drop_columns`` (sheet name -> column keys left out),
    ``rename_headers`` (sheet name -> {column key: header text}).
    """

    tiers: list[dict]
    roles: list[dict]
    services: list[dict]
    intervals: list[dict]
    slas: list[dict]
    scoring: list[dict]
    finance: dict[str, object]
    accounts: pd.DataFrame
    operations: dict[str, object] = field(default_factory=lambda: dict(DEFAULT_OPERATIONS))
    pilots: list[dict] = field(default_factory=list)
    title: str = "TierPlan planning workbook"
    drop_sheets: tuple[str, ...] = ()
    drop_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rename_headers: dict[str, dict[str, str]] = field(default_factory=dict)
    scenarios: list[dict] = field(default_factory=list)  # rows of the Scenarios sheet (none in the blank template)

    def rows(self, sheet: schema.Sheet | str) -> list[dict]:
        """The rows of an input sheet other than Accounts (by Sheet or name)."""
        name = sheet if isinstance(sheet, str) else sheet.name
        attr = _ROW_ATTRS.get(name)
        if attr is None:
            raise KeyError(f"no row list for sheet {name!r}")
        return getattr(self, attr)

    def copy(self) -> WorkbookContent:
        """A deep copy: edit the copy's rows without touching the original."""
        return WorkbookContent(
            tiers=copy.deepcopy(self.tiers),
            roles=copy.deepcopy(self.roles),
            services=copy.deepcopy(self.services),
            intervals=copy.deepcopy(self.intervals),
            slas=copy.deepcopy(self.slas),
            scoring=copy.deepcopy(self.scoring),
            finance=dict(self.finance),
            accounts=self.accounts.copy(deep=True),
            operations=dict(self.operations),
            pilots=copy.deepcopy(self.pilots),
            title=self.title,
            drop_sheets=tuple(self.drop_sheets),
            drop_columns={k: tuple(v) for k, v in self.drop_columns.items()},
            rename_headers={k: dict(v) for k, v in self.rename_headers.items()},
            scenarios=copy.deepcopy(self.scenarios),
        )


_ROW_ATTRS = {
    schema.TIERS.name: "tiers",
    schema.ROLES.name: "roles",
    schema.SERVICES.name: "services",
    schema.INTERVALS.name: "intervals",
    schema.SLAS.name: "slas",
    schema.SCORING.name: "scoring",
    schema.PILOTS.name: "pilots",
    schema.SCENARIOS.name: "scenarios",
}

# ------------------------------------------------------------------ default figures

TIER_NAMES = ("Tier 1", "Tier 2", "Tier 3")

EXECUTIVE = "Executive"
ENTERPRISE_CSM = "Enterprise CSM"
MIDMARKET_CSM = "Mid-market CSM"
SCALED_CSM = "Scaled CSM"
TAM = "TAM"
SUPPORT = "Support"
DIGITAL = "Digital"

# Enterprise CSM: loaded $150K-$220K in North America, ~1,326 customer-facing
# hours a year (75% utilisation minus 15% admin), 10-20 accounts.
ENTERPRISE_CSM_COST = 190_000.0
CSM_PRODUCTIVE_HOURS = 1_326.0
# TAM: no reliable public figure; 1.15-1.3 x CSM loaded cost is a common
# assumption. We take 1.2 x and say so on the Guide.
TAM_COST_FACTOR = 1.2

_TIERS = (
    ("Tier 1", "High touch", "ARR", 0.10, 0.20, 0.30,
     "Large enterprise and strategic accounts: a named CSM, a technical resource and an executive sponsor.",
     "CSM call within two business days"),
    ("Tier 2", "Mid touch", "ARR", 0.30, 0.50, 0.12,
     "Mid-market accounts: CSMs with larger books, tailored digital content, reactive support.",
     "Health check by the pooled CSM team"),
    ("Tier 3", "Low touch", "ARR", 0.30, 0.60, 0.10,
     "Small accounts, the balance of ARR: served by digital programmes and the support queue.",
     "Automated email with an in-app guide"),
)

_ROLES = (
    # name, staffing, loaded cost, productive hours, max accounts per person
    (EXECUTIVE, "Pooled", 300_000.0, 600.0, None),
    (ENTERPRISE_CSM, "Named", ENTERPRISE_CSM_COST, CSM_PRODUCTIVE_HOURS, 15),
    (MIDMARKET_CSM, "Named", 150_000.0, CSM_PRODUCTIVE_HOURS, 100),
    (SCALED_CSM, "Pooled", 120_000.0, CSM_PRODUCTIVE_HOURS, None),
    (TAM, "Named", round(ENTERPRISE_CSM_COST * TAM_COST_FACTOR, 2), CSM_PRODUCTIVE_HOURS, 25),
    (SUPPORT, "Pooled", 75_000.0, 1_400.0, None),
    (DIGITAL, "Automated", 0.0, 0.0, None),
)

# The 15 services of the source catalog, definitions in our own words.
# name, definition, default role, direct cost, mandatory, impact, decay
_SERVICES = (
    ("Executive sponsorship",
     "A senior leader sponsors the account: strategy conversations with the customer's executives and outreach on direction and risks.",
     EXECUTIVE, 500.0, "No", 0.008, 0.60),
    ("Quarterly business review",
     "A structured review of the customer's goals and KPIs, the return they get from the product, open issues and their resolution plan, new features and projects in flight.",
     ENTERPRISE_CSM, 0.0, "No", 0.008, 0.55),
    ("Proactive communications",
     "Outreach we start about health, usage, billing, support or questions, before the customer has to ask.",
     ENTERPRISE_CSM, 0.0, "No", 0.0015, 0.75),
    ("Assigned CSM",
     "A named Customer Success Manager the customer reaches directly; covers the routine check-ins of that relationship.",
     ENTERPRISE_CSM, 0.0, "No", 0.003, 0.70),
    ("Assigned technical resource",
     "A named technical contact (technical account manager or success engineer) for configuration, integration and performance questions.",
     TAM, 0.0, "No", 0.004, 0.70),
    ("Adoption monitoring",
     "Tracking usage and its trend to find adoption gaps, training needs, new use cases and room to expand.",
     ENTERPRISE_CSM, 1.0, "Yes", 0.001, 0.80),
    ("NPS/CSAT survey follow-up",
     "Watching survey scores and comments, and following up with respondents where an answer is due.",
     ENTERPRISE_CSM, 0.5, "No", 0.002, 0.50),
    ("Best practice advice",
     "Guidance we offer unprompted on getting more out of the product, fitted to how the customer uses it.",
     ENTERPRISE_CSM, 2.0, "No", 0.002, 0.70),
    ("Training",
     "Enablement sessions, live or recorded, for the customer's users and administrators, not sold as paid services.",
     ENTERPRISE_CSM, 20.0, "No", 0.005, 0.60),
    ("Health check",
     "An in-depth review of the customer's setup and use case (settings, implementation, reports, performance) against our best practice.",
     ENTERPRISE_CSM, 0.0, "No", 0.006, 0.55),
    ("Renewal",
     "Working with the customer so the contract renews on time and matches what they use.",
     ENTERPRISE_CSM, 0.0, "Yes", 0.010, 0.50),
    ("Escalation management",
     "Owning an escalation end to end: first point of contact, regular updates, and the remediation plan tracked to closure.",
     ENTERPRISE_CSM, 0.0, "Yes", 0.008, 0.50),
    ("Support case monitoring",
     "Watching the account's open and unresolved support cases and stepping in when they pass an agreed threshold.",
     ENTERPRISE_CSM, 0.0, "Yes", 0.001, 0.80),
    ("Upsell",
     "Spotting room to expand and either closing it or handing a qualified lead to Sales.",
     ENTERPRISE_CSM, 5.0, "No", 0.007, 0.60),
    ("Program management",
     "Running unpaid programmes for the account, such as onboarding, a re-implementation or coordination with professional services.",
     ENTERPRISE_CSM, 150.0, "No", 0.006, 0.55),
)

# Per service, per tier (Tier 1, Tier 2, Tier 3):
# (delivered by or None for the catalog's role, hours per occurrence, minimum, negotiated, maximum per year)
_INTERVALS = {
    "Executive sponsorship": ((None, 2.0, 2, 4, 6), (None, 1.5, 0, 0, 1), (None, 1.0, 0, 0, 0)),
    "Quarterly business review": ((None, 8.0, 2, 4, 4), (MIDMARKET_CSM, 5.0, 1, 2, 4), (DIGITAL, 0.0, 0, 1, 2)),
    "Proactive communications": ((None, 1.0, 6, 12, 24), (MIDMARKET_CSM, 0.25, 2, 6, 12), (DIGITAL, 0.0, 4, 12, 24)),
    "Assigned CSM": ((None, 1.0, 12, 12, 24), (MIDMARKET_CSM, 0.5, 2, 4, 12), (SCALED_CSM, 0.5, 0, 0, 0)),
    "Assigned technical resource": ((None, 2.0, 6, 12, 24), (None, 1.5, 0, 0, 4), (None, 1.0, 0, 0, 0)),
    "Adoption monitoring": ((None, 0.5, 12, 12, 12), (MIDMARKET_CSM, 0.25, 4, 4, 12), (DIGITAL, 0.0, 12, 12, 12)),
    "NPS/CSAT survey follow-up": ((None, 0.5, 1, 2, 4), (MIDMARKET_CSM, 0.25, 1, 2, 2), (DIGITAL, 0.0, 1, 2, 2)),
    "Best practice advice": ((None, 1.0, 2, 4, 12), (MIDMARKET_CSM, 0.5, 1, 2, 6), (DIGITAL, 0.0, 4, 6, 12)),
    "Training": ((None, 2.0, 1, 2, 6), (SCALED_CSM, 1.5, 0, 1, 4), (DIGITAL, 0.0, 1, 2, 4)),
    "Health check": ((None, 4.0, 1, 2, 4), (MIDMARKET_CSM, 2.0, 0, 1, 2), (DIGITAL, 0.0, 0, 1, 1)),
    "Renewal": ((None, 10.0, 1, 1, 1), (MIDMARKET_CSM, 3.0, 1, 1, 1), (SCALED_CSM, 1.0, 1, 1, 1)),
    "Escalation management": ((None, 2.0, 1, 2, 4), (MIDMARKET_CSM, 2.0, 0.5, 1, 2), (SCALED_CSM, 1.5, 0, 0.2, 0.5)),
    "Support case monitoring": ((None, 0.25, 12, 12, 12), (MIDMARKET_CSM, 0.25, 4, 4, 12), (DIGITAL, 0.0, 12, 12, 12)),
    "Upsell": ((None, 2.0, 1, 2, 4), (MIDMARKET_CSM, 1.0, 0, 1, 2), (DIGITAL, 0.0, 1, 2, 4)),
    "Program management": ((None, 6.0, 0, 1, 2), (MIDMARKET_CSM, 2.0, 0, 0.5, 1), (SCALED_CSM, 2.0, 0, 0, 0)),
}

# Per tier: (severity, channel, target, unit, tickets per account per month, handle minutes, service level)
_SLAS = {
    "Tier 1": (
        ("Urgent", "Phone", 20, "seconds", 0.10, 30, 0.80),
        ("High", "Email/ticket", 4, "hours", 0.30, 25, 0.90),
        ("Normal", "Email/ticket", 12, "hours", 0.60, 12, 0.90),
    ),
    "Tier 2": (
        ("Urgent", "Chat", 2, "minutes", 0.05, 13, 0.80),
        ("High", "Email/ticket", 8, "hours", 0.20, 25, 0.90),
        ("Normal", "Email/ticket", 24, "hours", 0.50, 12, 0.85),
    ),
    "Tier 3": (
        ("Urgent", "Email/ticket", 4, "hours", 0.03, 25, 0.80),
        ("High", "Email/ticket", 24, "hours", 0.12, 20, 0.80),
        ("Normal", "Email/ticket", 48, "hours", 0.35, 10, 0.80),
    ),
}

# Signal columns of the Accounts export the default scoring rules use.
SIGNAL_COLUMNS = (
    "ARR growth %",
    "Seat growth %",
    "Reference customer",
    "Logo value",
    "Integrations",
    "Tickets per month",
    "Health score",
    "Tenure months",
)

_SCORING = (
    ("Revenue", "ARR", 40, "Higher raises tier", "Contract size is the backbone of the source process's tiers."),
    ("Growth potential", "ARR growth %", 10, "Higher raises tier", "Accounts growing fast repay attention with expansion."),
    ("Growth potential", "Seat growth %", 5, "Higher raises tier", "Seat growth shows adoption spreading inside the customer."),
    ("Strategic value", "Reference customer", 8, "Higher raises tier", "1 if the customer speaks for us (case study, reference calls), else 0."),
    ("Strategic value", "Logo value", 7, "Higher raises tier", "1-5: how much the name helps us win similar customers."),
    ("Engagement complexity", "Integrations", 8, "Higher raises tier", "More integrations mean more technical help is needed."),
    ("Engagement complexity", "Tickets per month", 7, "Higher raises tier", "Support demand is a direct cost-to-serve signal."),
    ("Health and maturity", "Health score", 5, "Lower raises tier", "0-100; weak health calls for more touch to protect the renewal."),
    ("Health and maturity", "Tenure months", 10, "Lower raises tier", "Young accounts still need onboarding and adoption help."),
)

# Operations: business hours and the outreach rules' thresholds (reference: support-ops.md section E)
DEFAULT_OPERATIONS: dict[str, object] = {
    "figures_as_of": None,  # the latest date in the data
    "ticket_export": None,  # no ticket export named
    "review_days": 365,
    "business_days": "Mon-Fri",
    "business_start": 9,
    "business_end": 17,
    "time_zone": "UTC",
    "usage_drop": 0.25,
    "seat_use_below": 0.50,
    "seats_shrinking": "Yes",
    "inactive_days": 14,
    "health_drop": 10,
    "sla_breaches": 3,
}

DEFAULT_FINANCE: dict[str, object] = {
    "budget": None,  # the CFO types it; the demo sets one
    "margin": 0.30,
    "currency": "USD",
    "fiscal_year": 2027,
    "planning_mode": "max_value",
    "solver": "highs",
    "time_limit": 60,
    "live_hours": 220,
    "shrinkage": 0.30,
    "occupancy_cap": 0.85,
    "retier_margin": 3,
    "strategic_tier": "Tier 2",
    "as_of": None,  # the plan's date, typed by the user (never the clock)
}


# ARR guardrails per tier: (ARR at least, share of total ARR at least). An account holding 5% of all ARR is one the
# CFO cannot ignore, whatever its score: it sits in Tier 1.
_ARR_GUARDRAILS = {"Tier 1": (None, 0.05)}


def tier_rows() -> list[dict]:
    return [
        {"name": n, "engagement": e, "band_basis": b, "band_min": lo, "band_max": hi, "max_cost_share": cap, "description": d,
         "play": play,
         "arr_at_least": _ARR_GUARDRAILS.get(n, (None, None))[0], "arr_share_at_least": _ARR_GUARDRAILS.get(n, (None, None))[1]}
        for n, e, b, lo, hi, cap, d, play in _TIERS
    ]


def role_rows() -> list[dict]:
    return [
        {"name": n, "staffing": s, "loaded_cost": c, "productive_hours": h, "max_accounts": m}
        for n, s, c, h, m in _ROLES
    ]


def service_rows() -> list[dict]:
    return [
        {"name": n, "definition": d, "role": r, "direct_cost": c, "mandatory": m, "impact": i, "decay": dec, "keep_order": "Yes"}
        for n, d, r, c, m, i, dec in _SERVICES
    ]


def interval_rows() -> list[dict]:
    rows = []
    for service, per_tier in _INTERVALS.items():
        for tier, (role, hours, lo, neg, hi) in zip(TIER_NAMES, per_tier):
            rows.append(
                {"service": service, "tier": tier, "role": role, "hours": hours, "minimum": lo, "negotiated": neg, "maximum": hi}
            )
    return rows


def sla_rows() -> list[dict]:
    rows = []
    for tier, lines in _SLAS.items():
        for severity, channel, target, unit, tickets, handle, level in lines:
            rows.append(
                {
                    "tier": tier, "severity": severity, "channel": channel, "target": target, "target_unit": unit,
                    "tickets": tickets, "handle_minutes": handle, "service_level": level, "role": SUPPORT,
                    # the source's example: Tier 1 urgent around the clock, everything else in business hours
                    "clock": "Calendar hours" if (tier, severity) == ("Tier 1", "Urgent") else "Business hours",
                }
            )
    return rows


def scoring_rows() -> list[dict]:
    return [{"pillar": p, "column": c, "weight": w, "direction": d, "note": n} for p, c, w, d, n in _SCORING]


def empty_accounts() -> pd.DataFrame:
    """The Accounts table with its columns and no rows."""
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in account_columns()})


def account_columns() -> list[str]:
    """Column order of the Accounts sheet: fixed columns by key, signals by header."""
    fixed = [c.key for c in schema.ACCOUNTS.columns]
    head, tail = fixed[:7], fixed[7:]  # id .. product | previous tier .. churn risk
    return head + list(SIGNAL_COLUMNS) + tail


def default_content() -> WorkbookContent:
    """The blank template's content: every default, no accounts, no budget."""
    return WorkbookContent(
        tiers=tier_rows(),
        roles=role_rows(),
        services=service_rows(),
        intervals=interval_rows(),
        slas=sla_rows(),
        scoring=scoring_rows(),
        finance=dict(DEFAULT_FINANCE),
        accounts=empty_accounts(),
        title="TierPlan planning template",
    )
