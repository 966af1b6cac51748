"""Typed, validated planning inputs. No I/O below this line.

The reader (planner.workbook.reader) builds a :class:`PlanInputs` from a
workbook (and optionally a CSV/Parquet accounts file); everything downstream
(valuation, segmentation, optimization, writers) takes a PlanInputs and never
opens a file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from planner.errors import InputWarning, Problem
from planner.pilots.definition import Pilot
from planner.schema import (
    ACCOUNTS,
    BandBasis,
    Channel,
    Clock,
    EngagementModel,
    Pillar,
    PlanningMode,
    Severity,
    SolverName,
    Staffing,
    TargetUnit,
)


def _coerce(obj: object, **enums: type) -> None:
    """Choice fields given as their spelling ("Named") become the enum member (Staffing.NAMED)."""
    for name, enum in enums.items():
        value = getattr(obj, name)
        if not isinstance(value, enum):
            object.__setattr__(obj, name, enum(value))


@dataclass(frozen=True)
class Tier:
    name: str
    rank: int  # 0 = highest touch (first row of the Tiers sheet)
    engagement: EngagementModel
    band_basis: BandBasis
    band_min: float  # share, 0..1
    band_max: float
    max_cost_share: float | None = None  # guardrail: CS cost / tier ARR
    description: str = ""
    play: str = ""  # what a flagged account of this tier gets (blank: by engagement model)
    # ARR guardrails: an account with at least this ARR, or this share of all accounts' ARR, sits in this tier or higher
    arr_at_least: float | None = None
    arr_share_at_least: float | None = None

    def __post_init__(self) -> None:
        _coerce(self, engagement=EngagementModel, band_basis=BandBasis)


@dataclass(frozen=True)
class Role:
    name: str
    staffing: Staffing
    loaded_cost: float  # per person per year
    productive_hours: float  # per person per year
    max_accounts: float | None = None  # coverage ratio for Named roles

    @property
    def hourly_rate(self) -> float:
        """Loaded cost per productive hour; 0 when the role has no hours (Automated)."""
        return self.loaded_cost / self.productive_hours if self.productive_hours > 0 else 0.0

    @property
    def staffed(self) -> bool:
        return self.staffing is not Staffing.AUTOMATED

    def __post_init__(self) -> None:
        _coerce(self, staffing=Staffing)


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
    severity: Severity
    channel: Channel
    target_seconds: float  # first-response target
    tickets_per_account_month: float
    handle_minutes: float
    service_level: float  # 0..1
    role: str
    clock: Clock = Clock.CALENDAR  # which hours the target counts
    target_unit: TargetUnit | None = None  # the unit the sheet gives the target in (None: inputs built in code)

    @property
    def live(self) -> bool:
        return self.channel.live

    @property
    def business_hours(self) -> bool:
        return self.clock is Clock.BUSINESS

    def __post_init__(self) -> None:
        _coerce(self, severity=Severity, channel=Channel, clock=Clock)
        if self.target_unit is not None:
            _coerce(self, target_unit=TargetUnit)


@dataclass(frozen=True)
class ScoringRule:
    pillar: Pillar
    column: str  # column name in PlanInputs.accounts
    weight: float
    direction: int  # +1: higher value raises tier, -1: lower value raises tier
    header: str = ""  # header as typed on the Scoring sheet (for messages)

    def __post_init__(self) -> None:
        _coerce(self, pillar=Pillar)


@dataclass(frozen=True)
class Finance:
    budget: float
    margin: float  # value = annual cost x (1 + margin)
    currency: str = "USD"
    fiscal_year: int = 2027
    planning_mode: PlanningMode = PlanningMode.MIN_COST
    solver: SolverName = SolverName.HIGHS
    time_limit: float = 60.0  # seconds
    live_hours: float = 220.0  # live support hours per month
    shrinkage: float = 0.30
    occupancy_cap: float = 0.85
    retier_margin: float = 3.0  # score points
    strategic_tier: str | None = None
    as_of: dt.date | None = None  # the date the plan is as of (never the clock): report, plan.json, PDF properties

    def __post_init__(self) -> None:
        _coerce(self, planning_mode=PlanningMode, solver=SolverName)


# Canonical names of the fixed account columns (the Accounts sheet's declared columns). Signal
# columns keep the header the CRM export gave them.
ACCOUNT_FIXED_COLUMNS = tuple(c.key for c in ACCOUNTS.columns)


@dataclass(frozen=True)
class OperationsSettings:
    """The Operations sheet: the business-hours clock and the outreach rules (defaults when the sheet is absent)."""

    figures_as_of: dt.date | None = None  # None: the latest date in the data
    ticket_export: str = ""  # the ticket export's file (beside the workbook, or a full path); "" none
    review_days: float = 365.0
    business_days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    business_start: float = 9.0
    business_end: float = 17.0
    time_zone: str = "UTC"
    usage_drop: float = 0.25
    seat_use_below: float = 0.50
    seats_shrinking: bool = True
    inactive_days: float = 14.0
    health_drop: float = 10.0
    sla_breaches: float = 3.0


@dataclass(frozen=True)
class Outcomes:
    """The outcome columns found among the accounts, parsed; ``frame`` is aligned with the accounts (same rows, same order).

    Canonical columns (planner.schema.ACCOUNT_OUTCOMES): dates ``datetime64[ns]`` (midnight, NaT when missing),
    flags pandas ``boolean`` (<NA> when not known), amounts and counts float (NaN when missing).
    """

    frame: pd.DataFrame = field(repr=False)
    columns: dict[str, str]  # canonical column -> header as found in the accounts
    problems: tuple[Problem, ...] = ()  # row messages (the run goes on; the cells became missing)

    def has(self, *names: str) -> bool:
        return all(n in self.columns for n in names)

    @property
    def missing(self) -> tuple[str, ...]:
        from planner.schema import ACCOUNT_OUTCOMES

        return tuple(c.key for c in ACCOUNT_OUTCOMES if c.key not in self.columns)


@dataclass(frozen=True)
class CellRefs:
    """Where the inputs sit in the workbook, so findings can name the cells they concern.

    Keyed by (sheet, row key, column key): ``("Intervals", ("Health check", "Tier 2"), "negotiated")``
    -> ``"Intervals!F12"``; Finance settings have the empty row key. Inputs built in code have none.
    """

    refs: Mapping[tuple[str, tuple[str, ...], str], str] = field(default_factory=dict)

    def get(self, sheet: str, key: tuple[str, ...], column: str) -> str | None:
        return self.refs.get((sheet, key, column))

    def of(self, sheet: str, key: tuple[str, ...], *columns: str) -> tuple[str, ...]:
        """The cells of these columns in one row, those that are known."""
        return tuple(r for r in (self.get(sheet, key, c) for c in columns) if r is not None)


@dataclass(frozen=True)
class Override:
    """One workbook value a run replaced (by a command-line option, the Excel button or a scenario)."""

    sheet: str  # "Finance"
    key: str  # the setting or column key ("budget")
    label: str  # as the sheet names it ("Annual CS budget")
    sheet_value: object  # what the workbook holds
    value: object  # what the run used
    source: str  # "command line", "scenario CFO budget", ...
    row: tuple[str, ...] = ()  # the row's key on a table sheet (("Health check", "Tier 2")); () for Finance
    where: str = ""  # the cell that asked for it ("Scenarios!K7"); "" for an option


@dataclass(frozen=True)
class Change:
    """One row of the Scenarios sheet: a value of the workbook a scenario replaces, already read as its column declares."""

    sheet: str  # "Intervals", "Finance", ...
    row: tuple[str, ...]  # the row's key, as in CellRefs (("Health check", "Tier 2")); () for a Finance setting
    key: str  # the column or setting key ("negotiated", "budget")
    label: str  # its header or label ("Negotiated per year")
    value: object  # the new value as the reader stores it for that column (float, enum member, bool, str, None)
    where: str  # the Scenarios cell holding the new value ("Scenarios!K7")
    note: str = ""  # the Why column


@dataclass(frozen=True)
class Scenario:
    """A named set of changes to the workbook as it stands (the baseline)."""

    name: str
    changes: tuple[Change, ...]
    note: str = ""  # the first Why given for it


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
    notes: tuple[Problem, ...] = ()  # what did not stop the run (e.g. an unknown previous tier treated as new)
    warnings: tuple[InputWarning, ...] = ()  # valid input that will not do what is meant (planner.validation)
    overrides: tuple[Override, ...] = ()  # workbook values this run replaced (planner.options.apply_options)
    operations: OperationsSettings = field(default_factory=OperationsSettings)
    outcomes: Outcomes | None = field(default=None, repr=False)  # what happened to the accounts (renewals, usage, seats)
    tickets: pd.DataFrame | None = field(default=None, repr=False)  # a helpdesk export, canonical columns (planner.workbook.tickets)
    pilots: tuple[Pilot, ...] = ()  # the Pilots sheet
    refs: CellRefs = field(default_factory=CellRefs, repr=False, compare=False)  # where each input sits in the workbook
    scenarios: tuple[Scenario, ...] = ()  # the Scenarios sheet (planner.scenarios applies one)
    scenario: str | None = None  # the scenario these inputs are (None: the baseline, the workbook as it stands)

    def overridden(self, key: str) -> Override | None:
        """The override of a Finance setting in this run, if any (the latest when several)."""
        found = [o for o in self.overrides if o.key == key and not o.row]
        return found[-1] if found else None

    def scenario_named(self, name: str) -> Scenario | None:
        """The scenario of that name (any case), or None."""
        key = name.strip().casefold()
        return next((s for s in self.scenarios if s.name.casefold() == key), None)

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
