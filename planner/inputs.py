"""Typed, validated planning inputs. No I/O below this line.

The reader (planner.workbook.reader) builds a :class:`PlanInputs` from a
workbook (and optionally a CSV/Parquet accounts file); everything downstream
(valuation, segmentation, optimization, writers) takes a PlanInputs and never
opens a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Tier:
    name: str
    rank: int  # 0 = highest touch (first row of the Tiers sheet)
    engagement: str  # "High touch" | "Mid touch" | "Low touch"
    band_basis: str  # "ARR" | "Accounts"
    band_min: float  # share, 0..1
    band_max: float
    max_cost_share: float | None = None  # guardrail: CS cost / tier ARR
    description: str = ""


@dataclass(frozen=True)
class Role:
    name: str
    staffing: str  # "Named" | "Pooled" | "Automated"
    loaded_cost: float  # per person per year
    productive_hours: float  # per person per year
    max_accounts: float | None = None  # coverage ratio for Named roles

    @property
    def hourly_rate(self) -> float:
        """Loaded cost per productive hour; 0 when the role has no hours (Automated)."""
        return self.loaded_cost / self.productive_hours if self.productive_hours > 0 else 0.0

    @property
    def staffed(self) -> bool:
        return self.staffing != "Automated"


@dataclass(frozen=True)
class Service:
    name: str
    definition: str
    role: str  # default delivering role
    direct_cost: float  # per occurrence
    mandatory: bool
    impact: float  # share of account ARR per occurrence (first occurrence)
    decay: float  # each further occurrence is worth decay x the previous
    keep_order: bool  # higher tier never receives less than a lower tier


@dataclass(frozen=True)
class Interval:
    """One service in one tier: who delivers it, how long it takes, how often."""

    service: str
    tier: str
    role: str  # resolved: the Intervals row's role or the service's default
    hours: float  # per occurrence
    minimum: float  # occurrences per year
    negotiated: float
    maximum: float


@dataclass(frozen=True)
class SLA:
    tier: str
    severity: str
    channel: str  # "Chat" | "Phone" | "Email/ticket"
    target_seconds: float  # first-response target
    tickets_per_account_month: float
    handle_minutes: float
    service_level: float  # 0..1
    role: str

    @property
    def live(self) -> bool:
        return self.channel in ("Chat", "Phone")


@dataclass(frozen=True)
class ScoringRule:
    pillar: str
    column: str  # column name in PlanInputs.accounts
    weight: float
    direction: int  # +1: higher value raises tier, -1: lower value raises tier
    header: str = ""  # header as typed on the Scoring sheet (for messages)


@dataclass(frozen=True)
class Finance:
    budget: float
    margin: float  # value = annual cost x (1 + margin)
    currency: str = "USD"
    fiscal_year: int = 2027
    planning_mode: str = "min_cost"  # "min_cost" | "max_value"
    solver: str = "highs"  # "highs" | "cbc"
    time_limit: float = 60.0  # seconds
    live_hours: float = 220.0  # live support hours per month
    shrinkage: float = 0.30
    occupancy_cap: float = 0.85
    retier_margin: float = 3.0  # score points
    strategic_tier: str | None = None


# Canonical names of the fixed account columns (see schema.ACCOUNTS). Signal
# columns keep the header the CRM export gave them.
ACCOUNT_FIXED_COLUMNS = (
    "account_id",
    "name",
    "arr",
    "industry",
    "employees",
    "region",
    "product",
    "previous_tier",
    "previous_score",
    "locked_tier",
    "lock_reason",
    "strategic",
    "churn_risk",
)


@dataclass(frozen=True)
class PlanInputs:
    """Everything a plan is computed from, already validated.

    ``accounts`` has one row per account, in the order of the export, with the
    fixed columns under their canonical names (``ACCOUNT_FIXED_COLUMNS``):
    ``account_id`` (str), ``name`` (str), ``arr`` (float), ``employees``
    (float, NaN if blank), ``previous_tier``/``locked_tier`` (str or None),
    ``previous_score`` (float or NaN), ``strategic``/``churn_risk`` (bool), and
    every other column of the export under its own header, numeric where the
    column is numeric (NaN for blanks).
    """

    tiers: tuple[Tier, ...]
    roles: tuple[Role, ...]
    services: tuple[Service, ...]
    intervals: tuple[Interval, ...]
    slas: tuple[SLA, ...]
    scoring: tuple[ScoringRule, ...]
    finance: Finance
    accounts: pd.DataFrame = field(repr=False)
    source: str = ""  # where the inputs came from, for reports
    notes: tuple = ()  # Problem objects that did not stop the run (e.g. unknown previous tier treated as new)

    @property
    def tier_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tiers)

    def tier(self, name: str) -> Tier:
        for t in self.tiers:
            if t.name == name:
                return t
        raise KeyError(name)

    def role(self, name: str) -> Role:
        for r in self.roles:
            if r.name == name:
                return r
        raise KeyError(name)

    def service(self, name: str) -> Service:
        for s in self.services:
            if s.name == name:
                return s
        raise KeyError(name)

    def interval(self, service: str, tier: str) -> Interval | None:
        for i in self.intervals:
            if i.service == service and i.tier == tier:
                return i
        return None
