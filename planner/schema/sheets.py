"""The input sheets of the workbook, declared once.

Every input sheet, its columns (type, unit, allowed values, whether required,
help text) and the Finance settings are declared here. The template writer,
the reader/validator and the Guide sheet read this module; adding a column is
one edit here, not five elsewhere.

Layout convention for table sheets: the sheet title is in A1, a one-line
purpose in A2, the header row is row ``HEADER_ROW`` (1-based) and data starts
on the row below. The reader looks for the header row in the first
``HEADER_SEARCH_ROWS`` rows, so a user who inserts a row above the table does
not break anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from planner.schema.choices import (
    BandBasis,
    Channel,
    Clock,
    Direction,
    EngagementModel,
    Pillar,
    PilotBaseline,
    PilotOutcome,
    PilotSides,
    PlanningMode,
    Severity,
    SolverName,
    Staffing,
    TargetUnit,
    YesNo,
    values,
)

HEADER_ROW = 4  # 1-based row of table headers in the template
HEADER_SEARCH_ROWS = 12

# Column kinds
TEXT = "text"
NUMBER = "number"
INTEGER = "integer"
CURRENCY = "currency"
PERCENT = "percent"
CHOICE = "choice"
BOOL = "bool"
FORMULA = "formula"
DATE = "date"
VALUE = "value"  # any value, read as the column it changes declares (the Scenarios sheet's New value)

YES_NO = values(YesNo)
PILLARS = values(Pillar)
ENGAGEMENT_MODELS = values(EngagementModel)
BAND_BASES = values(BandBasis)
STAFFING = values(Staffing)
CHANNELS = values(Channel)
LIVE_CHANNELS = tuple(c.value for c in Channel if c.live)
SEVERITIES = values(Severity)
TARGET_UNITS = values(TargetUnit)
DIRECTIONS = values(Direction)
PLANNING_MODES = values(PlanningMode)
SOLVERS = values(SolverName)
CLOCKS = values(Clock)

MIN_TIERS = 2
MAX_TIERS = 6


@dataclass(frozen=True)
class Column:
    """One column of an input table."""

    key: str  # name used in Python (PlanInputs fields, DataFrame columns)
    header: str  # text in the header cell
    kind: str  # one of the kinds above
    help: str
    unit: str = ""
    required: bool = True
    choices: tuple[str, ...] = ()  # for CHOICE / BOOL
    ref: str | None = None  # "Tiers", "Roles", "Services": value must name a row there
    minimum: float | None = None  # smallest sensible value (inclusive)
    maximum: float | None = None  # largest sensible value (inclusive); beyond = "absurd magnitude"
    width: int = 14
    unique: bool = False
    number_format: str = ""  # Excel number format; blank = the default for the kind (see planner.workbook.template)
    enum: type[StrEnum] | None = None  # for CHOICE: the enum whose members the reader stores

    @property
    def is_input(self) -> bool:
        return self.kind != FORMULA


@dataclass(frozen=True)
class Sheet:
    """A sheet holding one Excel table of rows."""

    name: str
    table: str  # Excel table name
    title: str
    purpose: str
    columns: tuple[Column, ...]
    min_rows: int = 1
    max_rows: int | None = None

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(f"{self.name} has no column {key!r}")

    @property
    def input_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.is_input)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.is_input and c.required)


@dataclass(frozen=True)
class Setting:
    """One row of the Finance sheet (a named single value)."""

    key: str
    label: str
    kind: str
    help: str
    name: str  # Excel defined name pointing at the value cell
    unit: str = ""
    required: bool = True
    choices: tuple[str, ...] = ()
    ref: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    enum: type[StrEnum] | None = None  # for CHOICE: the enum whose members the reader stores


@dataclass(frozen=True)
class SettingsSheet:
    name: str
    table: str
    title: str
    purpose: str
    settings: tuple[Setting, ...]
    headers: tuple[str, ...] = ("Setting", "Value", "Unit", "What it means")

    def setting(self, key: str) -> Setting:
        for s in self.settings:
            if s.key == key:
                return s
        raise KeyError(key)


# ---------------------------------------------------------------- input sheets

TIERS = Sheet(
    name="Tiers",
    table="TiersTable",
    title="Tiers",
    purpose="One row per tier, highest touch first. Bands say what share of ARR (or of accounts) each tier should hold.",
    min_rows=MIN_TIERS,
    max_rows=MAX_TIERS,
    columns=(
        Column("name", "Tier", TEXT, "Name of the tier as it will appear in the CRM. Row order is rank: the first row is the highest tier.", unique=True, width=12),
        Column("engagement", "Engagement model", CHOICE, "How the tier is served: High touch (named CSM, TAM, executive sponsor), Mid touch (pooled CSMs, tailored digital content), Low touch (automated and self-service).", choices=ENGAGEMENT_MODELS, enum=EngagementModel, width=18),
        Column("band_basis", "Band basis", CHOICE, "Whether the band below is a share of total ARR or a share of the number of accounts.", choices=BAND_BASES, enum=BandBasis, width=12),
        Column("band_min", "Band min", PERCENT, "Smallest share this tier should hold.", unit="%", minimum=0, maximum=1, width=11),
        Column("band_max", "Band max", PERCENT, "Largest share this tier should hold.", unit="%", minimum=0, maximum=1, width=11),
        Column("max_cost_share", "Max CS cost % of ARR", PERCENT, "Guardrail for the optimizer: customer success cost of the tier may not exceed this share of the tier's ARR. Leave blank for no guardrail.", unit="%", required=False, minimum=0, maximum=1, width=14),
        Column("arr_at_least", "ARR at least", CURRENCY, "ARR guardrail: an account with at least this ARR sits in this tier or a higher one, whatever its score (applied after the re-tiering margin; strategic and churn-risk flags may lift it further, a locked tier still wins). Leave blank for none.", unit="per year", required=False, minimum=1, maximum=1e10, width=13),
        Column("arr_share_at_least", "Share of total ARR at least", PERCENT, "ARR guardrail as a share: an account holding at least this share of all accounts' ARR sits in this tier or a higher one, whatever its score. Leave blank for none.", unit="% of total ARR", required=False, minimum=0.0001, maximum=1, width=13, number_format="0.0%"),
        Column("description", "Description", TEXT, "Who belongs here, in your words.", required=False, width=48),
        Column("play", "Play", TEXT, "What an account of this tier gets when the Operations sheet's rules flag it (a CSM call, a health check, an automated email). Blank: by engagement model.", required=False, width=22),
    ),
)

ROLES = Sheet(
    name="Roles",
    table="RolesTable",
    title="Roles",
    purpose="Who delivers the services and what an hour of their time costs.",
    columns=(
        Column("name", "Role", TEXT, "Name of the role.", unique=True, width=18),
        Column("staffing", "Staffing", CHOICE, "Named: people are assigned to one tier and carry a book of accounts. Pooled: people are shared across tiers. Automated: no people, only direct costs.", choices=STAFFING, enum=Staffing, width=12),
        Column("loaded_cost", "Loaded annual cost", CURRENCY, "Fully loaded yearly cost of one person (salary, benefits, taxes, tools). 0 for Automated.", unit="per person per year", minimum=0, maximum=2_000_000, width=16),
        Column("productive_hours", "Productive hours per year", NUMBER, "Hours one person spends on the role's work in a year, after time off, training, admin, meetings and breaks: the one place those losses are counted (support queues are staffed in these hours too). 0 for Automated.", unit="hours", minimum=0, maximum=3_000, width=16, number_format="#,##0"),
        Column("max_accounts", "Max accounts per person", NUMBER, "Coverage ratio for Named roles: the most accounts one person can own. Leave blank when the role carries no book.", unit="accounts", required=False, minimum=1, maximum=100_000, width=14, number_format="#,##0"),
        Column("hourly_rate", "Hourly rate", FORMULA, "Loaded annual cost divided by productive hours (0 when no hours).", unit="per hour", width=12, number_format="#,##0.00;[Red]-#,##0.00"),
    ),
)

SERVICES = Sheet(
    name="Services",
    table="ServicesTable",
    title="Service catalog",
    purpose="Every service the Customer Success team provides, automated ones included.",
    columns=(
        Column("name", "Service", TEXT, "Short name of the service.", unique=True, width=28),
        Column("definition", "Definition", TEXT, "What the customer receives.", required=False, width=60),
        Column("role", "Delivered by", TEXT, "Role that delivers the service unless the Intervals sheet names another for a tier.", ref="Roles", width=16),
        Column("direct_cost", "Direct cost per occurrence", CURRENCY, "Out-of-pocket cost of one occurrence (travel, tools, gifts, content), on top of people's time.", unit="per occurrence", minimum=0, maximum=1_000_000, width=14, number_format="#,##0.00;[Red]-#,##0.00"),
        Column("mandatory", "Mandatory", BOOL, "Yes: the optimizer never delivers less than the negotiated interval.", choices=YES_NO, width=11),
        Column("impact", "Impact per occurrence", PERCENT, "Expected retention/expansion effect of one occurrence, as a share of the account's ARR (used by max_value planning).", unit="% of ARR", minimum=0, maximum=0.5, width=13, number_format="0.00%"),
        Column("decay", "Returns decay", PERCENT, "Each further occurrence in a year is worth this share of the one before (diminishing returns). 100% means no decay.", unit="%", minimum=0, maximum=1, width=11),
        Column("keep_order", "Keep tier order", BOOL, "Yes: a higher tier never receives less of this service than a lower tier.", choices=YES_NO, width=11),
    ),
)

INTERVALS = Sheet(
    name="Intervals",
    table="IntervalsTable",
    title="Intervals and cost",
    purpose="How often each tier receives each service per year, what one occurrence costs and what it is worth. Blue cells are yours to negotiate.",
    columns=(
        Column("service", "Service", TEXT, "Service from the catalog.", ref="Services", width=28),
        Column("tier", "Tier", TEXT, "Tier from the Tiers sheet.", ref="Tiers", width=10),
        Column("role", "Delivered by", TEXT, "Role delivering the service in this tier; blank means the catalog's role.", ref="Roles", required=False, width=16),
        Column("hours", "Hours per occurrence", NUMBER, "Hours of the delivering role per occurrence, preparation and follow-up included.", unit="hours", minimum=0, maximum=2_000, width=12),
        Column("minimum", "Minimum per year", NUMBER, "Fewest occurrences per year the tier may receive.", unit="per year", minimum=0, maximum=365, width=11),
        Column("negotiated", "Negotiated per year", NUMBER, "Occurrences per year agreed in the negotiation.", unit="per year", minimum=0, maximum=365, width=11),
        Column("maximum", "Maximum per year", NUMBER, "Most occurrences per year the tier may receive.", unit="per year", minimum=0, maximum=365, width=11),
        Column("hourly_rate", "Hourly rate", FORMULA, "Hourly rate of the delivering role.", unit="per hour", width=11, number_format="#,##0.00;[Red]-#,##0.00"),
        Column("cost_per_occurrence", "Cost per occurrence", FORMULA, "Hours x hourly rate + direct cost.", unit="per occurrence", width=13, number_format="#,##0.00;[Red]-#,##0.00"),
        Column("annual_cost", "Annual cost per account", FORMULA, "Cost per occurrence x negotiated per year.", unit="per account per year", width=14),
        Column("asv", "Assessed Service Value", FORMULA, "Annual cost per account x (1 + profit margin).", unit="per account per year", width=14),
    ),
)

SLAS = Sheet(
    name="SLAs",
    table="SLATable",
    title="Support SLAs",
    purpose="Support commitments per tier and severity, and the ticket volume they must absorb.",
    columns=(
        Column("tier", "Tier", TEXT, "Tier from the Tiers sheet.", ref="Tiers", width=10),
        Column("severity", "Severity", CHOICE, "Severity of the request.", choices=SEVERITIES, enum=Severity, width=10),
        Column("channel", "Channel", CHOICE, "Chat and Phone are live queues (staffed with Erlang C); Email/ticket is a backlog cleared within the response target.", choices=CHANNELS, enum=Channel, width=13),
        Column("target", "First response target", NUMBER, "Time within which the first response must arrive.", minimum=0, maximum=100_000, width=12),
        Column("target_unit", "Target unit", CHOICE, "Unit of the response target.", choices=TARGET_UNITS, enum=TargetUnit, width=10),
        Column("tickets", "Tickets per account per month", NUMBER, "Requests of this severity one account raises in a month.", unit="per account per month", minimum=0, maximum=1_000, width=14),
        Column("handle_minutes", "Handle time", NUMBER, "Average handling time of one request.", unit="minutes", minimum=0, maximum=10_000, width=10),
        Column("service_level", "Service-level target", PERCENT, "Share of requests answered within the target.", unit="%", minimum=0, maximum=1, width=11),
        Column("role", "Handled by", TEXT, "Role that staffs the queue.", ref="Roles", width=14),
        Column("clock", "Clock", CHOICE, "Whether the target counts calendar hours (nights and weekends too) or only the business hours on the Operations sheet; blank: calendar hours.", choices=CLOCKS, enum=Clock, required=False, width=14),
    ),
)

SCORING = Sheet(
    name="Scoring",
    table="ScoringTable",
    title="Scoring",
    purpose="Which account columns feed which pillar, with what weight and direction.",
    columns=(
        Column("pillar", "Pillar", CHOICE, "Revenue, or one of the four pillars: growth potential, strategic value, engagement complexity (cost to serve), health and maturity.", choices=PILLARS, enum=Pillar, width=22),
        Column("column", "Account column", TEXT, "Header of the Accounts column this signal comes from.", width=24),
        Column("weight", "Weight", NUMBER, "Relative weight in the composite score.", minimum=0, maximum=100, width=9),
        Column("direction", "Direction", CHOICE, "Whether a higher value of the signal pushes an account towards a higher tier or a lower one.", choices=DIRECTIONS, enum=Direction, width=18),
        Column("note", "Note", TEXT, "Why this signal is here.", required=False, width=50),
    ),
)

ACCOUNTS = Sheet(
    name="Accounts",
    table="AccountsTable",
    title="Accounts",
    purpose="The CRM flat export, one row per account. Signal columns may be added; the Scoring sheet says which are used.",
    min_rows=1,
    columns=(
        Column("account_id", "Account ID", TEXT, "Unique CRM id of the account.", unique=True, width=12),
        Column("name", "Account name", TEXT, "Name of the account.", width=28),
        Column("arr", "ARR", CURRENCY, "Annual recurring revenue.", unit="per year", minimum=0, maximum=1e10, width=13),
        Column("industry", "Industry", TEXT, "Industry from the CRM.", required=False, width=16),
        Column("employees", "Employees", NUMBER, "Employee headcount of the customer.", required=False, minimum=0, maximum=5_000_000, width=11, number_format="#,##0"),
        Column("region", "Region", TEXT, "Geography.", required=False, width=10),
        Column("product", "Product", TEXT, "Main product or plan.", required=False, width=12),
        Column("previous_tier", "Previous tier", TEXT, "Tier at the last assessment (blank for new accounts).", required=False, width=11),
        Column("previous_score", "Previous score", NUMBER, "Composite score at the last assessment (0-100), used to find drift.", required=False, minimum=0, maximum=100, width=11),
        Column("locked_tier", "Locked tier", TEXT, "Tier this account must keep whatever its score.", ref="Tiers", required=False, width=11),
        Column("lock_reason", "Lock reason", TEXT, "Why the tier is locked (required when Locked tier is set).", required=False, width=24),
        Column("strategic", "Strategic flag", BOOL, "Yes lifts the account to at least the tier named in Finance (Strategic accounts at least).", choices=YES_NO, required=False, width=10),
        Column("churn_risk", "Churn risk flag", BOOL, "Yes marks the account for temporary higher touch (one tier up) until the flag is cleared.", choices=YES_NO, required=False, width=10),
    ),
)

#: Optional columns of the Accounts sheet (or the CRM export) that say what happened: the figures "In operation" and
#: pilots are judged on. A missing column switches the figures that need it off, with a note; it is never an error.
ACCOUNT_OUTCOMES: tuple[Column, ...] = (
    Column("renewal_date", "Renewal date", DATE, "Date the contract came (or comes) up for renewal.", required=False, width=12),
    Column("renewed", "Renewed", BOOL, "Yes if the account renewed at that date, No if it did not; blank while it is not known.", choices=YES_NO, required=False, width=10),
    Column("churned", "Churned", BOOL, "Yes if the account left in the period.", choices=YES_NO, required=False, width=10),
    Column("expansion_arr", "Expansion ARR", CURRENCY, "ARR added in the period (negative: contraction).", unit="in the period", required=False, width=13),
    Column("contraction_arr", "Contraction ARR", CURRENCY, "ARR lost in the period without the account leaving (downsell).", unit="in the period", required=False, minimum=0, width=13),
    Column("arr_start", "ARR a period ago", CURRENCY, "The account's ARR at the start of the period (for revenue retention).", required=False, minimum=0, width=13),
    Column("customer_since", "Customer since", DATE, "Date the account became a customer.", required=False, width=12),
    Column("first_expansion_date", "First expansion date", DATE, "Date of the account's first expansion.", required=False, width=12),
    Column("usage_now", "Usage now", NUMBER, "The usage signal over the latest period (logins, events, active days).", required=False, minimum=0, width=11),
    Column("usage_prior", "Usage a period ago", NUMBER, "The same signal over the period before.", required=False, minimum=0, width=11),
    Column("last_active", "Last active", DATE, "Last day the account's champion used the product.", required=False, width=12),
    Column("active_seats", "Active seats", NUMBER, "Users active in the latest period.", required=False, minimum=0, width=10),
    Column("licensed_seats", "Licensed seats", NUMBER, "Seats the contract pays for.", required=False, minimum=0, width=10),
    Column("licensed_seats_prior", "Licensed seats a period ago", NUMBER, "Seats the contract paid for a period ago.", required=False, minimum=0, width=12),
    Column("health_score", "Health score", NUMBER, "Today's health score (0-100); the demo's scoring uses the same column.", required=False, minimum=0, maximum=100, width=10),
    Column("health_prior", "Health score a period ago", NUMBER, "The health score a period ago (the Health score column is today's).", required=False, minimum=0, maximum=100, width=12),
)

OPERATIONS = SettingsSheet(
    name="Operations",
    table="OperationsTable",
    title="Operations: business hours and proactive outreach",
    purpose="When the support day runs, and which signals flag an account for proactive outreach (each flagged account gets its tier's play).",
    settings=(
        Setting("figures_as_of", "Figures as of", DATE, "The day the operating figures are taken at (renewals, tickets and usage up to its end). Blank: the latest date in the data.", "FiguresAsOf", required=False),
        Setting("ticket_export", "Ticket export", TEXT, "The helpdesk's ticket export (CSV or Parquet): a file name beside this workbook, or a full path. Blank: no tickets unless the command line names one (--tickets).", "TicketExport", required=False),
        Setting("review_days", "Review period", NUMBER, "How far back the operating figures look.", "ReviewDays", unit="days", minimum=7, maximum=3_660),
        Setting("business_days", "Business days", TEXT, "Days the business-hours clock runs, e.g. Mon-Fri.", "BusinessDays"),
        Setting("business_start", "Business hours start", NUMBER, "Hour of the day the business-hours clock starts.", "BusinessStart", unit="hour (0-23)", minimum=0, maximum=23),
        Setting("business_end", "Business hours end", NUMBER, "Hour of the day it stops.", "BusinessEnd", unit="hour (1-24)", minimum=1, maximum=24),
        Setting("time_zone", "Time zone", TEXT, "The helpdesk's time zone (an IANA name such as America/New_York); naive times in a ticket export are read in it.", "TimeZone"),
        Setting("usage_drop", "Flag a usage drop of", PERCENT, "Usage this much below the period before flags the account.", "UsageDrop", unit="%", minimum=0, maximum=1),
        Setting("seat_use_below", "Flag seat use below", PERCENT, "Active seats under this share of licensed seats flags the account.", "SeatUseBelow", unit="%", minimum=0, maximum=1),
        Setting("seats_shrinking", "Flag shrinking seats", BOOL, "Yes: fewer licensed seats than a period ago flags the account.", "SeatsShrinking", choices=YES_NO),
        Setting("inactive_days", "Flag no activity for", NUMBER, "No activity for this many days flags the account.", "InactiveDays", unit="days", minimum=1, maximum=3_660),
        Setting("health_drop", "Flag a health-score fall of", NUMBER, "A health score this many points below a period ago flags the account.", "HealthDrop", unit="points", minimum=0, maximum=100),
        Setting("sla_breaches", "Flag SLA breaches from", NUMBER, "This many missed first-response targets in the period flags the account.", "SlaBreaches", unit="tickets", minimum=1, maximum=10_000),
    ),
)

PILOTS = Sheet(
    name="Pilots",
    table="PilotsTable",
    title="Pilots",
    purpose="Trials of a different touch model, response window or cadence for some accounts, judged against a baseline. One row per pilot.",
    min_rows=0,
    columns=(
        Column("name", "Pilot", TEXT, "Name of the pilot.", unique=True, width=22),
        Column("accounts", "Accounts", TEXT, "Which accounts: account IDs separated by commas, or a rule on account columns such as Industry = \"Retail\" and ARR >= 50000.", width=40),
        Column("change", "What changes", TEXT, "A scenario name from the Scenarios sheet, or the touch model or SLA change in words.", width=36),
        Column("served_as", "Served as", TEXT, "The tier whose negotiated services the pilot accounts got instead of their own, if any: its cost per account prices the pilot.", ref="Tiers", required=False, width=12),
        Column("extra_cost", "Extra cost per account", CURRENCY, "What the change adds per pilot account and year beyond that (negative when it saves); with Served as, it gives the pilot's cost against the baseline's.", unit="per year", required=False, width=13),
        Column("start", "Start", DATE, "First day of the pilot.", width=11),
        Column("end", "End", DATE, "Last day of the pilot.", width=11),
        Column("outcome", "Judged on", CHOICE, "The outcome the pilot is judged on.", choices=values(PilotOutcome), enum=PilotOutcome, width=16),
        Column("sides", "Test", CHOICE, "Two-sided unless the pilot was set up to show only an improvement (or only that it does no harm).", choices=values(PilotSides), enum=PilotSides, required=False, width=18),
        Column("baseline", "Compared with", CHOICE, "The rest of the same tier, or a matched group TierPlan builds (same tier, nearest on ARR and score).", choices=values(PilotBaseline), enum=PilotBaseline, width=18),
    ),
)

FINANCE = SettingsSheet(
    name="Finance",
    table="FinanceTable",
    title="Finance and planning settings",
    purpose="The numbers the CFO owns, and how the optimizer should plan.",
    settings=(
        Setting("budget", "Annual CS budget", CURRENCY, "Money available for customer success in the fiscal year: people plus direct service costs.", "Budget", unit="per year", minimum=1, maximum=1e10),
        Setting("margin", "Profit margin", PERCENT, "Margin applied to cost to give Assessed Service Value: value = annual cost x (1 + margin). 30% makes a 1,000 cost worth 1,300.", "ProfitMargin", unit="%", minimum=0, maximum=5),
        Setting("currency", "Currency", TEXT, "ISO code of the currency every money cell is in.", "Currency"),
        Setting("fiscal_year", "Fiscal year", INTEGER, "Year the plan is for.", "FiscalYear", minimum=2000, maximum=2100),
        Setting("planning_mode", "Planning mode", CHOICE, "min_cost: deliver the negotiated intervals at the lowest cost. max_value: choose intervals that buy the most expected ARR impact within the budget.", "PlanningMode", choices=PLANNING_MODES, enum=PlanningMode),
        Setting("solver", "Solver", CHOICE, "Optimisation engine: highs (the default), cbc, or scipy (SciPy's HiGHS, needing no solver program).", "Solver", choices=SOLVERS, enum=SolverName),
        Setting("time_limit", "Solver time limit", NUMBER, "Longest the solver may search, in seconds.", "TimeLimit", unit="seconds", minimum=1, maximum=3_600),
        Setting("live_hours", "Live support hours per month", NUMBER, "Hours per month the chat and phone queues are open; ticket arrivals are spread over them.", "LiveHours", unit="hours per month", minimum=1, maximum=744),
        Setting("shrinkage", "Support shrinkage", PERCENT, "Share of rostered support time away from the queue (breaks, meetings, training, absence). It sets how many agents to roster for each open hour so the agents the SLAs need are available; it adds no hours or people, because productive hours on Roles already leave that time out (keep them about paid hours x (1 - shrinkage)).", "Shrinkage", unit="%", minimum=0, maximum=0.9),
        Setting("occupancy_cap", "Occupancy cap", PERCENT, "Highest share of logged-in time an agent should spend handling requests.", "OccupancyCap", unit="%", minimum=0.3, maximum=1),
        Setting("retier_margin", "Re-tiering margin", NUMBER, "Score points an account with a previous tier must cross a cut-off by before it moves (prevents flapping).", "RetierMargin", unit="score points (0-100)", minimum=0, maximum=50),
        Setting("strategic_tier", "Strategic accounts at least", TEXT, "Accounts with the strategic flag are placed in this tier or a higher one.", "StrategicTier", ref="Tiers", required=False),
        Setting("as_of", "As of", DATE, "Date the plan is as of (for example the day the CRM export was taken), printed on the report, in plan.json and in the PDF's properties. Blank leaves the plan undated: TierPlan never uses today's date, so a rerun gives the same files.", "AsOf", required=False),
    ),
)

#: The sheets a scenario may change (Finance by setting, the others by row and column).
SCENARIO_SHEETS = ("Finance", "Tiers", "Roles", "Services", "Intervals", "SLAs", "Scoring")
#: The name of the workbook as it stands, reserved: no scenario may take it.
BASELINE = "Baseline"

SCENARIOS = Sheet(
    name="Scenarios",
    table="ScenariosTable",
    title="Scenarios",
    purpose="What-ifs to compare with the workbook as it stands (the baseline): one row per changed cell, grouped by scenario name. Fill in the columns that name the row on its sheet.",
    min_rows=0,
    columns=(
        Column("scenario", "Scenario", TEXT, "Name of the scenario this change belongs to; rows with the same name form one scenario. \"Baseline\" is the workbook as it stands.", width=22),
        Column("sheet", "Sheet", CHOICE, "Sheet whose value the scenario changes.", choices=SCENARIO_SHEETS, width=11),
        Column("tier", "Tier", TEXT, "Names the row on Tiers, Intervals and SLAs.", ref="Tiers", required=False, width=10),
        Column("service", "Service", TEXT, "Names the row on Services and Intervals.", ref="Services", required=False, width=26),
        Column("role", "Role", TEXT, "Names the row on Roles.", ref="Roles", required=False, width=16),
        Column("severity", "Severity", CHOICE, "Names the row on SLAs, with Tier and Channel.", choices=SEVERITIES, enum=Severity, required=False, width=10),
        Column("channel", "Channel", CHOICE, "Names the row on SLAs, with Tier and Severity.", choices=CHANNELS, enum=Channel, required=False, width=13),
        Column("pillar", "Pillar", CHOICE, "Names the row on Scoring, with Account column.", choices=PILLARS, enum=Pillar, required=False, width=20),
        Column("account_column", "Account column", TEXT, "Names the row on Scoring, with Pillar.", required=False, width=18),
        Column("column", "Changes", TEXT, "The column the change is in, as its header reads (Negotiated per year, Loaded annual cost, ...), or the Finance setting (Annual CS budget).", width=24),
        Column("value", "New value", VALUE, "The value the scenario uses instead, typed as the changed cell expects it (a number, a percentage, a choice, Yes or No). Blank clears a cell that may be blank.", required=False, width=14),
        Column("note", "Why", TEXT, "Who asks for it and why, in your words.", required=False, width=40),
    ),
)

#: How a Scenarios row names the row it changes on each sheet: (Scenarios column key, that sheet's column key), in the
#: order of the row's key in PlanInputs.refs. Finance settings are named by the Changes column alone.
SCENARIO_ROW_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "Finance": (),
    "Tiers": (("tier", "name"),),
    "Roles": (("role", "name"),),
    "Services": (("service", "name"),),
    "Intervals": (("service", "service"), ("tier", "tier")),
    "SLAs": (("tier", "tier"), ("severity", "severity"), ("channel", "channel")),
    "Scoring": (("pillar", "pillar"), ("account_column", "column")),
}
#: Scenarios columns that name rows (each used by some sheets, blank for the others).
SCENARIO_KEY_COLUMNS = ("tier", "service", "role", "severity", "channel", "pillar", "account_column")

#: The text columns of the Accounts sheet (ids, names, labels, tiers)
ACCOUNT_TEXT_KEYS = tuple(c.key for c in ACCOUNTS.columns if c.kind == TEXT)

INPUT_SHEETS: tuple[Sheet, ...] = (TIERS, ROLES, SERVICES, INTERVALS, SLAS, SCORING, ACCOUNTS, PILOTS, SCENARIOS)
#: The sheets of single settings (Setting / Value / Unit / What it means)
SETTINGS_SHEETS: tuple[SettingsSheet, ...] = (FINANCE, OPERATIONS)
GUIDE_SHEET = "Guide"
SUMMARY_SHEET = "Summary"
SHEET_ORDER = (GUIDE_SHEET, FINANCE.name, TIERS.name, SERVICES.name, ROLES.name, INTERVALS.name, SUMMARY_SHEET, SCENARIOS.name, SLAS.name,
               SCORING.name, ACCOUNTS.name, OPERATIONS.name, PILOTS.name)
#: Sheets a workbook may leave out (an older workbook, one without operating data or without scenarios): their defaults apply.
OPTIONAL_SHEETS = (OPERATIONS.name, PILOTS.name, SCENARIOS.name)
#: The sheets the reader reads, in workbook order (Guide and Summary are for people, not read).
READ_SHEETS = tuple(n for n in SHEET_ORDER if n not in (GUIDE_SHEET, SUMMARY_SHEET))
#: Sheets protected without a password so formulas are not overwritten by accident; inputs on them stay editable.
PROTECTED_SHEETS = (GUIDE_SHEET, FINANCE.name, ROLES.name, INTERVALS.name, SUMMARY_SHEET)

# Guide colours: what each cell colour means (fill hex, meaning)
COLOURS = {
    "input": ("#DDEBF7", "Blue cells are inputs: type over them."),
    "formula": ("#F2F2F2", "Grey cells are formulas: locked, they recalculate as you type."),
    "header": ("#1F3864", "Dark blue rows are table headers."),
    "result": ("#E2EFDA", "Green sheets and cells are written by TierPlan after a run; do not edit them."),
}


def sheet_by_name(name: str) -> Sheet:
    for s in INPUT_SHEETS:
        if s.name == name:
            return s
    raise KeyError(name)
