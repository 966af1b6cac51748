"""Where everything sits on the Summary's helper sheets (Placement, Package, Erlang), and how large they are.

The sheet names and their purposes (for the Guide), the workbook names of the headline
figures, the rows written for a content (:class:`Sizes`), which input columns the
formulas read (:func:`can_price`), and the 0-based rows and columns of every block on
Placement (:class:`AccountColumns`, the tier block ``TB``), Package
(:class:`PackageLayout`) and Erlang (:func:`erlang_col`).
"""

from __future__ import annotations

from dataclasses import dataclass

from planner import schema

PLACEMENT_SHEET = "Placement"
PACKAGE_SHEET = "Package"
ERLANG_SHEET = "Erlang"
HELPER_SHEETS = (PLACEMENT_SHEET, PACKAGE_SHEET, ERLANG_SHEET)
HELPER_PURPOSES = {
    PLACEMENT_SHEET: "The Summary's working: every account's score and the tier the plan gives it, with the score cut-offs "
                     "and the checks that say when the plan would place accounts otherwise. Formulas only.",
    PACKAGE_SHEET: "The Summary's working: the intervals each tier receives, hours and people per role and tier, support queues, "
                   "each tier's CS cost against its guardrail and every requirement that fails. Formulas only.",
    ERLANG_SHEET: "The Summary's working: Erlang B and C over agent counts for every live queue, and the fewest agents that "
                  "meet its targets. Formulas only.",
}

#: Workbook names of the two figures the negotiation is about (cells on the Summary), and of the line that says
#: whether the package fits and, when it does not, which requirements fail.
PLAN_COST_NAME = "NegotiatedPlanCost"
PEOPLE_NAME = "NegotiatedPeople"
VERDICT_NAME = "NegotiatedPlanVerdict"

ERLANG_ROWS = 200  # agent counts tried per live queue: 1 .. ERLANG_ROWS
ACCOUNT_HEADROOM = 100  # Placement rows beyond the accounts written, for accounts typed later
MIN_ACCOUNT_ROWS = 300
RULE_HEADROOM = 1
SERVICE_HEADROOM = 5
ROLE_HEADROOM = 3
SLA_HEADROOM = 9
MIN_SLA_ROWS = 3 * schema.MAX_TIERS
STEPS = (1, 0.5, 0.25, 0.2, 0.1, 0.05, 0.02, 0.01)  # as planner.optimization.model.STEPS
PILLAR_COUNT = len(schema.PILLARS)


@dataclass(frozen=True)
class Sizes:
    accounts: int  # Placement rows
    rules: int  # Scoring rule slots
    services: int  # service slots (x every tier slot)
    roles: int
    slas: int

    @staticmethod
    def of(content) -> Sizes:
        n = len(content.accounts)
        return Sizes(
            accounts=max(n + ACCOUNT_HEADROOM, MIN_ACCOUNT_ROWS),
            rules=len(content.scoring) + RULE_HEADROOM,
            services=len(content.services) + SERVICE_HEADROOM,
            roles=len(content.roles) + ROLE_HEADROOM,
            slas=max(len(content.slas) + SLA_HEADROOM, MIN_SLA_ROWS),
        )


#: Input columns the helper sheets' formulas read, by sheet.
USED_COLUMNS = {
    schema.TIERS.name: ("name", "band_basis", "band_min", "band_max", "max_cost_share"),
    schema.ROLES.name: ("name", "staffing", "loaded_cost", "productive_hours", "max_accounts", "hourly_rate"),
    schema.SERVICES.name: ("name", "role", "direct_cost", "keep_order"),
    schema.INTERVALS.name: ("service", "tier", "role", "hours", "minimum", "negotiated", "maximum", "hourly_rate", "annual_cost", "asv"),
    schema.SLAS.name: ("tier", "severity", "channel", "target", "target_unit", "tickets", "handle_minutes", "service_level", "role"),
    schema.SCORING.name: ("pillar", "column", "weight", "direction"),
    schema.ACCOUNTS.name: ("account_id", "arr", "previous_tier", "previous_score", "locked_tier", "strategic", "churn_risk"),
}


def can_price(content) -> bool:
    """Whether a content has every sheet and column the package formulas read (hand-broken variants may not)."""
    if any(name in content.drop_sheets for name in schema.SHEET_ORDER):
        return False
    for sheet, keys in USED_COLUMNS.items():
        if set(keys) & set(content.drop_columns.get(sheet, ())):
            return False
    accounts = set(map(str, content.accounts.columns))
    return all(k in accounts for k in USED_COLUMNS[schema.ACCOUNTS.name])


# ------------------------------------------------------------------ Placement layout

K = schema.MAX_TIERS
PL_TIER_HEADER = 4  # 0-based rows
PL_TIER_FIRST = 5
PL_GLOBAL_FIRST = PL_TIER_FIRST + K + 1  # label/value pairs in columns A:B
PL_META = {"rule": 0, "column": 1, "pillar": 2, "weight": 3, "direction": 4, "index": 5, "count": 6}
PL_META_FIRST = PL_GLOBAL_FIRST
PL_HEADER = PL_META_FIRST + max(len(PL_META), 10) + 1  # 10 = len(GLOBALS)
PL_FIRST = PL_HEADER + 1

# tier block columns (0-based)
TB = {key: j for j, key in enumerate((
    "k", "tier", "basis", "lo", "hi", "target", "goal", "cut", "cut_score", "lower", "upper", "rule_accounts",
    "rule_share", "met", "fewest", "planned", "planned_arr", "previous", "new", "new_arr", "floor"))}
TB_HEADERS = {
    "k": "#", "tier": "Tier", "basis": "Band basis used", "lo": "Band min", "hi": "Band max", "target": "Target share",
    "goal": "Cumulative goal", "cut": "Cut-off (score x 100)", "cut_score": "Cut-off score", "lower": "Lowest score x 100",
    "upper": "Below score x 100", "rule_accounts": "Accounts by score", "rule_share": "Share by score (basis)",
    "met": "Band met (1/0)", "fewest": "Fewest contradictions (last cut-off below this tier)", "planned": "Accounts in the plan",
    "planned_arr": "ARR in the plan", "previous": "Accounts with this previous tier", "new": "New accounts placed here",
    "new_arr": "ARR of new accounts placed here",
    "floor": "ARR guardrail reached at or above (cents; this tier or any above it)",
}
GLOBALS = (
    ("n", "pl_n", "Accounts"),
    ("totc", "pl_totc", "ARR of all accounts, in cents"),
    ("m", "pl_m", "Re-tiering margin (score x 100)"),
    ("strat", "pl_strat", "Strategic tier (#, 0 = none)"),
    ("k", "pl_k", "Tiers"),
    ("lam", "pl_lam", "Position in every band (0 = minimum, 1 = maximum)"),
    ("cons", "pl_ncons", "Accounts read for the last cut-offs"),
    ("trust", "pl_trust", "Plan keeps the last assessment's cut-offs (1/0)"),
    ("stdok", "pl_stdok", "These cut-offs meet every band (1/0)"),
    ("over", "pl_over", "Accounts beyond this sheet's rows"),
)


class AccountColumns:
    """0-based columns of the per-account table on Placement."""

    NAMES = ("bin", "score", "sarr", "sacc", "prev", "locked", "strat", "churn", "ps", "cons", "rule", "up", "down",
             "base", "guard", "pre", "final", "tier", "how")

    def __init__(self, rules: int, anchors: int = K - 1):
        self.rules = rules
        self.anchors = anchors  # cut-offs whose last-assessment check has a column (tiers - 1, and one more)
        self.num, self.id, self.arr, self.cents = 0, 1, 2, 3
        c = 4
        self.rank0 = c
        c += rules
        self.pillar0 = c
        c += PILLAR_COUNT
        for name in self.NAMES:
            setattr(self, name, c)
            c += 1
        self.anchor0 = c
        c += anchors
        self.width = c

    @property
    def rank_last(self) -> int:
        return self.rank0 + self.rules - 1

    @property
    def pillar_last(self) -> int:
        return self.pillar0 + PILLAR_COUNT - 1


ACCOUNT_HEADERS = {
    "num": "#", "id": "Account ID", "arr": "ARR", "cents": "ARR in cents", "bin": "Score x 100", "score": "Score",
    "sarr": "ARR share at or above this score", "sacc": "Account share at or above this score", "prev": "Previous tier #",
    "locked": "Locked tier #", "strat": "Strategic (1/0)", "churn": "Churn risk (1/0)", "ps": "Previous score x 100",
    "cons": "Read for last cut-offs (1/0)", "rule": "Tier # by score", "up": "Tier # at score - margin",
    "down": "Tier # at score + margin", "base": "Tier # after hysteresis", "guard": "Tier # after the ARR guardrails",
    "pre": "Tier # after the strategic floor",
    "final": "Tier # in the plan", "tier": "Tier in the plan",
    "how": "Placed by",
}


# ------------------------------------------------------------------ Package layout

class PackageLayout:
    """0-based rows and columns of the Package sheet's blocks."""

    TIER_COLS = ("k", "tier", "accounts", "arr", "guard", "named_people", "named_cost", "shared_cost", "cost", "share",
                 "within", "fails")
    CELL_COLS = ("s", "k", "service", "tier", "row", "role", "role_n", "staffing", "hours", "minimum", "negotiated",
                 "maximum", "step", "cap", "floor", "offers", "keep", "x", "carry", "accounts", "load", "direct",
                 "automated", "attributed", "fails")
    UNIT_COLS = ("i", "k", "role", "staffing", "tier", "service_hours", "support_hours", "may", "serves", "accounts",
                 "by_hours", "by_cover", "people", "cost", "cover_sets")
    ROLE_COLS = ("i", "role", "staffing", "loaded", "productive", "ratio", "rate", "hours", "may_accounts", "covered",
                 "by_hours", "by_cover", "people", "cost", "set_by", "automated")
    QUEUE_COLS = ("j", "tier", "severity", "channel", "target", "tickets", "handle", "level", "role", "key", "first",
                  "number", "tier_n", "role_n", "accounts", "volume", "queue_volume", "queue_handle", "rate", "traffic",
                  "live", "full_target", "start", "agents", "hours", "cost", "attributed", "automated", "unreachable", "fails")

    def __init__(self, sizes: Sizes):
        self.sizes = sizes
        self.tier_header = 4
        self.tier_first = 5
        self.cell_header = self.tier_first + K + 2
        self.cell_first = self.cell_header + 1
        self.cell_last = self.cell_first + sizes.services * K - 1
        self.unit_header = self.cell_last + 3
        self.unit_first = self.unit_header + 1
        self.unit_last = self.unit_first + sizes.roles * K - 1
        self.role_header = self.unit_last + 3
        self.role_first = self.role_header + 1
        self.role_last = self.role_first + sizes.roles - 1
        self.queue_header = self.role_last + 3
        self.queue_first = self.queue_header + 1
        self.queue_last = self.queue_first + sizes.slas - 1
        self.total_header = self.queue_last + 3
        self.total_first = self.total_header + 1
        self.tier_col = {k: j for j, k in enumerate(self.TIER_COLS)}
        self.cell_col = {k: j for j, k in enumerate(self.CELL_COLS)}
        self.unit_col = {k: j for j, k in enumerate(self.UNIT_COLS)}
        self.role_col = {k: j for j, k in enumerate(self.ROLE_COLS)}
        self.queue_col = {k: j for j, k in enumerate(self.QUEUE_COLS)}

    def width(self) -> int:
        return max(len(self.CELL_COLS), len(self.QUEUE_COLS), len(self.ROLE_COLS))


TOTALS = (
    ("people_cost", "pk_people_cost", "Whole people (named and pooled roles)"),
    ("direct", "pk_direct", "Direct service costs"),
    ("automated", "pk_automated", "Automated roles' hours at their hourly rate"),
    ("total", "pk_total", "Negotiated package: total cost"),
    ("people", "pk_people", "People"),
    ("support_cost", "pk_support_cost", "Support hours at the hourly rate"),
    ("budget_fails", "pk_budget_fails", "Budget"),
    ("fail_count", "pk_fail_count", "Requirements that fail"),
    ("fails", "pk_fails", "What fails"),
    ("limits", "pk_limits", "Beyond this workbook's helper sheets"),
)

# ------------------------------------------------------------------ Erlang layout

ER_META = ("traffic", "handle", "target", "goal", "start", "key", "first")
ER_META_FIRST = 4  # 0-based rows
ER_HEADER = ER_META_FIRST + len(ER_META)
ER_FIRST = ER_HEADER + 1  # row of n = 0


def erlang_col(sizes: Sizes, block: str, j: int) -> int:
    """0-based Erlang column of SLA slot j (1-based) in a block: B (Erlang B), met (targets met), ok (queue staffed)."""
    q = sizes.slas
    offset = {"b": 0, "met": q, "ok": 2 * q}[block]
    return 1 + offset + j - 1
