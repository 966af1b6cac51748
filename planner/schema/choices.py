"""Every choice a cell can hold, declared once as an enum, and the words read as Yes and No.

The enums are ``StrEnum``: a member is its spelling on the sheet (``Staffing.NAMED == "Named"``),
so it prints, sorts and serialises as that text while the code names it. The reader stores
members, :mod:`planner.inputs` types its fields with them, and the template's drop-downs list
their values.
"""

from __future__ import annotations

from enum import StrEnum


class Pillar(StrEnum):
    """What a scoring signal measures: revenue, or one of the four pillars."""

    REVENUE = "Revenue"
    GROWTH = "Growth potential"
    STRATEGIC = "Strategic value"
    COMPLEXITY = "Engagement complexity"
    HEALTH = "Health and maturity"


class EngagementModel(StrEnum):
    HIGH = "High touch"
    MID = "Mid touch"
    LOW = "Low touch"


class BandBasis(StrEnum):
    """What a tier's band is a share of."""

    ARR = "ARR"
    ACCOUNTS = "Accounts"


class Staffing(StrEnum):
    """How a role's people are deployed."""

    NAMED = "Named"  # assigned to one tier, carrying a book of accounts
    POOLED = "Pooled"  # shared across tiers
    AUTOMATED = "Automated"  # no people: hours are priced at the hourly rate


class Channel(StrEnum):
    CHAT = "Chat"
    PHONE = "Phone"
    EMAIL = "Email/ticket"

    @property
    def live(self) -> bool:
        """Chat and phone are live queues (Erlang C); email/ticket is a backlog (throughput)."""
        return self in (Channel.CHAT, Channel.PHONE)


class Severity(StrEnum):
    URGENT = "Urgent"
    HIGH = "High"
    NORMAL = "Normal"
    LOW = "Low"


class TargetUnit(StrEnum):
    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"

    @property
    def seconds(self) -> float:
        return {TargetUnit.SECONDS: 1.0, TargetUnit.MINUTES: 60.0, TargetUnit.HOURS: 3600.0}[self]


class Direction(StrEnum):
    """Whether a higher signal pushes an account up or down."""

    HIGHER = "Higher raises tier"
    LOWER = "Lower raises tier"

    @property
    def sign(self) -> int:
        return 1 if self is Direction.HIGHER else -1


class PlanningMode(StrEnum):
    MIN_COST = "min_cost"  # the negotiated intervals at the lowest cost
    MAX_VALUE = "max_value"  # the most expected ARR impact within the budget


class SolverName(StrEnum):
    HIGHS = "highs"  # HiGHS in-process through highspy (the default)
    CBC = "cbc"  # the CBC binary PuLP bundles
    SCIPY = "scipy"  # SciPy's HiGHS (scipy.optimize.milp): no native binary or subprocess


class Clock(StrEnum):
    """Which hours a response target counts."""

    CALENDAR = "Calendar hours"  # every hour, nights and weekends included
    BUSINESS = "Business hours"  # only the Operations sheet's business hours


class PilotOutcome(StrEnum):
    """What a pilot is judged on."""

    RENEWAL = "Renewal"
    CHURN = "Churn"
    EXPANSION = "Expansion ARR"
    RESOLUTION = "Resolution time"
    USAGE = "Usage change"


class PilotBaseline(StrEnum):
    """Whom a pilot is compared with."""

    REST_OF_TIER = "Rest of the tier"
    MATCHED = "Matched accounts"


class PilotSides(StrEnum):
    TWO_SIDED = "Two-sided"
    BETTER = "One-sided: better"
    WORSE = "One-sided: worse"


class YesNo(StrEnum):
    YES = "Yes"
    NO = "No"


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """The spellings of an enum's members, in declaration order (the drop-down's list)."""
    return tuple(member.value for member in enum)


#: Words (lower case, after trimming) read as Yes and as No wherever a Yes/No cell or column is read:
#: the sheets, the CRM export, a scoring signal. Anything else in a Yes/No cell is a problem to report.
YES_WORDS = ("yes", "y", "true", "t", "1", "1.0", "x")
NO_WORDS = ("no", "n", "false", "f", "0", "0.0")
