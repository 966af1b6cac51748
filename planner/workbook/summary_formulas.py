"""The negotiated package in formulas: the helper sheets behind the Summary.

The Summary prices the negotiated intervals the way ``tierplan optimize --mode
min_cost`` does, with classic spreadsheet functions only, so Excel and
LibreOffice compute the same figures as the plan. Three helper sheets hold the
working, each protected like the other formula sheets:

Placement
    Every account placed in a tier as planner.segmentation places it: the
    composite score (percentile ranks of the Scoring sheet's columns, weighted
    per pillar, rounded to hundredths), score cut-offs fitted to the bands by the
    standard rule (targets the same fraction through every band, tiers filled
    from the top), hysteresis for accounts with a previous tier, then the
    strategic floor, the churn-risk lift and locked tiers. Two checks say when
    the plan would do otherwise: cut-offs that miss a band (the plan then adjusts
    them where it can) and previous tiers that follow one cut-off per tier (the
    plan then keeps the last assessment's cut-offs).
Package
    The min_cost plan of the negotiated intervals: each cell at its negotiated
    interval rounded up to its step (never below the minimum), raised by keep
    tier order to the nearest lower tier that offers the service (a tier whose
    maximum is 0 does not); whole people per named role and tier and per pooled
    role, the larger of hours over productive hours and covered accounts over the
    book of accounts; direct and automated costs; support from the SLAs; the
    tiers' CS cost against their guardrails; and every requirement that fails.
Erlang
    Erlang B by its stable recursion over agent counts 0 to ``ERLANG_ROWS`` for
    every SLA row, the service level each count gives, and for each live queue
    the smallest count meeting every target within the occupancy cap (MATCH).

The minimal intervals are the plan's: cost and every requirement but the
guardrails and the budget only grow with occurrences, and min_cost breaks ties
towards fewer occurrences, so the cheapest plan delivers each cell at the
lowest interval its floor and keep tier order allow.

This module only writes cells; the figures it reproduces are defined in
planner.segmentation, planner.optimization.model and staffing (docs/model.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from xlsxwriter import worksheet as _xw_worksheet
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from planner import schema
from planner.workbook import guide

_CELL_FORMULA = getattr(_xw_worksheet, "CellFormulaTuple", None)

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
BIG = "1E+9"


def _ref(row: int, col: int, row_abs: bool = False, col_abs: bool = False) -> str:
    """A1 reference of 0-based (row, col)."""
    return xl_rowcol_to_cell(row, col, row_abs, col_abs)


def _abs(row: int, col: int) -> str:
    return _ref(row, col, True, True)


def _span(sheet: str, col: int, first: int, last: int) -> str:
    """Absolute column range on a sheet: 'Sheet'!$C$5:$C$9 (0-based rows, inclusive)."""
    return f"{sheet}!{_abs(first, col)}:{_abs(last, col)}"


def _ceil(expr: str) -> str:
    """Smallest whole number >= expr - 1e-9 (planner.optimization.model._ceil); expr >= 0."""
    return f"-INT(-(({expr})-1E-9))"


def put_formula(ws, row: int, col: int, formula: str, fmt) -> None:
    """``ws.write_formula(row, col, formula, fmt, "")`` for formulas of classic functions only, about five times faster.

    XlsxWriter runs some 30 regular expressions over every formula to prefix newer functions with ``_xlfn.``; for the
    Placement sheet's 80,000 formulas that is four fifths of writing the demo. The formulas here use classic functions
    only (tests/test_template.py checks every formula), so the cell is stored as write_formula would store it without
    that pass. Where XlsxWriter's internals differ from the version this was written for, write_formula is used.
    """
    if _CELL_FORMULA is None or getattr(ws, "constant_memory", True) or not hasattr(ws, "table"):
        ws.write_formula(row, col, formula, fmt, "")
        return
    if ws._check_dimensions(row, col):
        raise IndexError(f"cell {_ref(row, col)} is outside the worksheet")
    ws.table[row][col] = _CELL_FORMULA(formula[1:] if formula.startswith("=") else formula, fmt, "")


def _flag(value: str) -> str:
    """Yes/No, True/False, 1/0, x -> 1/0 (planner.segmentation.columns.flags)."""
    return f'IF(ISNUMBER({value}),IF({value}<>0,1,0),IF(OR(TRIM({value}&"")={{"yes","y","true","t","1","x"}}),1,0))'


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
    "rule_share", "met", "fewest", "planned", "planned_arr", "previous", "new", "new_arr"))}
TB_HEADERS = {
    "k": "#", "tier": "Tier", "basis": "Band basis used", "lo": "Band min", "hi": "Band max", "target": "Target share",
    "goal": "Cumulative goal", "cut": "Cut-off (score x 100)", "cut_score": "Cut-off score", "lower": "Lowest score x 100",
    "upper": "Below score x 100", "rule_accounts": "Accounts by score", "rule_share": "Share by score (basis)",
    "met": "Band met (1/0)", "fewest": "Fewest contradictions (last cut-off below this tier)", "planned": "Accounts in the plan",
    "planned_arr": "ARR in the plan", "previous": "Accounts with this previous tier", "new": "New accounts placed here",
    "new_arr": "ARR of new accounts placed here",
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
             "base", "pre", "final", "tier", "how")

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
    "down": "Tier # at score + margin", "base": "Tier # after hysteresis", "pre": "Tier # after the strategic floor",
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


class Writer:
    """Writes the helper sheets and the Summary's package blocks into an XlsxWriter workbook.

    ``owner`` is planner.workbook.template's sheet writer: it gives formats
    (``fmt``), table headers (``header``) and the book.
    """

    def __init__(self, owner, content):
        self.o = owner
        self.book = owner.book
        self.content = content
        self.sizes = Sizes.of(content)
        self.ac = AccountColumns(self.sizes.rules, min(K - 1, len(content.tiers)))
        self.pk = PackageLayout(self.sizes)
        self.names: dict[str, str] = {}

    # ---- helpers
    def h(self, sheet: schema.Sheet, key: str) -> str:
        return self.o.header(sheet, key)

    def col(self, sheet: schema.Sheet, key: str) -> str:
        return f"{sheet.table}[{self.h(sheet, key)}]"

    def accounts_range(self, headers: bool = False) -> str:
        """The Accounts table's columns as one structured reference (first to last column as written).

        LibreOffice 7.4 reads a bare table name as the range with its header row, and has no [#Data] or
        [#Headers] alone; a column range is read alike by both engines.
        """
        A = schema.ACCOUNTS
        keys = [str(c) for c in self.content.accounts.columns if str(c) not in self.content.drop_columns.get(A.name, ())]
        fixed = {c.key for c in A.columns}
        names = [self.h(A, k) if k in fixed else k for k in keys]
        esc = lambda t: t.replace("'", "''").replace("[", "'[").replace("]", "']").replace("#", "'#")
        first, last = esc(names[0]), esc(names[-1])
        return f"{A.table}[[#Headers],[{first}]:[{last}]]" if headers else f"{A.table}[[{first}]:[{last}]]"

    def name(self, name: str, ref: str) -> str:
        self.names[name] = ref
        self.book.define_name(name, f"={ref}")
        return name

    def f(self, kind: str = "formula", num: str = "General", **extra):
        return self.o.fmt(kind, num, **extra)

    def title(self, ws, title: str, purpose: str, note: str = "") -> None:
        ws.write_string(0, 0, title, self.f("title"))
        ws.write_string(1, 0, purpose, self.f("purpose"))
        if note:
            ws.write_string(2, 0, note, self.f("purpose"))
        ws.set_row(0, 24)

    def headers(self, ws, row: int, texts: list[str], first_col: int = 0) -> None:
        hf = self.f("header")
        for j, text in enumerate(texts):
            ws.write_string(row, first_col + j, text, hf)
        ws.set_row(row, 45)

    def finish(self, ws, freeze_row: int, freeze_col: int) -> None:
        """A helper sheet's frame: frozen headers, no gridlines, the print setup, a grey tab, protected without a password."""
        from planner.workbook.template import PROTECT_OPTIONS

        ws.freeze_panes(freeze_row, freeze_col)
        ws.hide_gridlines(2)
        self.o._page_setup(ws, repeat_header=False)
        ws.set_tab_color("#7F7F7F")
        ws.protect("", dict(PROTECT_OPTIONS))

    # ================================================================ Placement
    def write_placement(self, ws) -> None:
        T, A, S = schema.TIERS, schema.ACCOUNTS, schema.SCORING
        ac, n_rows = self.ac, self.sizes.accounts
        first, last = PL_FIRST, PL_FIRST + n_rows - 1
        self.title(
            ws, "Placement",
            "Every account placed in a tier by formulas, as the plan places it: the composite score of the Scoring sheet, cut-offs "
            "fitted to the bands, hysteresis for accounts with a previous tier, then strategic, churn-risk and locked overrides.",
            "Formulas only (used by the Summary). The checks below say when the plan would place accounts differently.",
        )
        name = PLACEMENT_SHEET

        def rng(col: int) -> str:
            return _span(name, col, first, last)

        for key in ("bin", "cents", "sarr", "sacc", "prev", "ps", "cons", "final", "id", "arr"):
            self.name(f"pl_{key}", rng(getattr(ac, key)))
        tier_block = {"pl_cuts": ("cut", K - 1), "pl_planned": ("planned", K), "pl_planned_arr": ("planned_arr", K),
                      "pl_previous": ("previous", K), "pl_new": ("new", K), "pl_new_arr": ("new_arr", K),
                      "pl_rule_accounts": ("rule_accounts", K)}
        for nm, (key, rows) in tier_block.items():
            self.name(nm, _span(name, TB[key], PL_TIER_FIRST, PL_TIER_FIRST + rows - 1))
        for i, (_key, nm, _label) in enumerate(GLOBALS):
            self.name(nm, f"{name}!{_abs(PL_GLOBAL_FIRST + i, 1)}")

        # ---- globals
        label = self.f("label", bold=True)
        fnum = self.f("formula", "#,##0.###")
        tier_col = self.col(T, "name")
        tb = lambda key, k: _ref(PL_TIER_FIRST + k - 1, TB[key])
        lo_all = f"{_abs(PL_TIER_FIRST, TB['lo'])}:{_abs(PL_TIER_FIRST + K - 1, TB['lo'])}"
        hi_all = f"{_abs(PL_TIER_FIRST, TB['hi'])}:{_abs(PL_TIER_FIRST + K - 1, TB['hi'])}"
        met_all = f"{_abs(PL_TIER_FIRST, TB['met'])}:{_abs(PL_TIER_FIRST + K - 1, TB['met'])}"
        tier_all = f"{_abs(PL_TIER_FIRST, TB['tier'])}:{_abs(PL_TIER_FIRST + K - 1, TB['tier'])}"
        fewest_all = f"{_abs(PL_TIER_FIRST, TB['fewest'])}:{_abs(PL_TIER_FIRST + K - 2, TB['fewest'])}"
        spread = f"(SUM({hi_all})-SUM({lo_all}))"
        globals_ = {
            "n": '=COUNTIF(pl_id,"?*")',
            "totc": "=SUM(pl_cents)",
            "m": f"=ROUND(MAX(N({schema.FINANCE.setting('retier_margin').name}),0)*100,0)",
            "strat": f'=IFERROR(MATCH(TRIM({schema.FINANCE.setting("strategic_tier").name}&""),TierList,0),0)',
            "k": f"=ROWS({tier_col})",
            "lam": f"=IF({spread}>1E-9,MIN(MAX((1-SUM({lo_all}))/{spread},0),1),0)",
            "cons": "=SUM(pl_cons)",
            "trust": f'=IF(AND(pl_k>=2,pl_ncons>0,COUNTIF({fewest_all},">"&INT(0.01*pl_ncons))=0),1,0)',
            "stdok": f'=IF(SUMPRODUCT(({tier_all}<>"")*({met_all}=0))=0,1,0)',
            "over": f"=MAX(ROWS({self.col(A, 'account_id')})-{n_rows},0)",
        }
        for i, (key, _nm, text) in enumerate(GLOBALS):
            r = PL_GLOBAL_FIRST + i
            ws.write_string(r, 0, text, label)
            put_formula(ws, r, 1, globals_[key], fnum)

        # ---- tier block
        self.headers(ws, PL_TIER_HEADER, [TB_HEADERS[k] for k in TB])
        basis_col, min_col, max_col = self.col(T, "band_basis"), self.col(T, "band_min"), self.col(T, "band_max")
        for k in range(1, K + 1):
            r = PL_TIER_FIRST + k - 1
            kk = tb("k", k)
            t = tb("tier", k)
            lo_raw = f"IF(ISNUMBER(INDEX({min_col},{kk})),MIN(MAX(INDEX({min_col},{kk}),0),1),0)"
            hi_raw = f"IF(ISNUMBER(INDEX({max_col},{kk})),MIN(MAX(INDEX({max_col},{kk}),0),1),1)"
            basis = tb("basis", k)
            goal = tb("goal", k)
            prev_cut = "10001" if k == 1 else tb("cut", k - 1)
            share_at = (lambda cut: f'IF({basis}="ARR",IF(pl_totc>0,SUMIF(pl_bin,">="&{cut},pl_cents)/pl_totc,0),'
                                    f'IF(pl_n>0,COUNTIF(pl_bin,">="&{cut})/pl_n,0))')
            if k == 1:
                goal_f = f'=IF({kk}<pl_k,{tb("target", k)},"")'
            else:
                goal_f = (f'=IF({kk}<pl_k,IF({basis}={tb("basis", k - 1)},{tb("goal", k - 1)}+{tb("target", k)},'
                          f'{share_at(prev_cut)}+{tb("target", k)}),"")')
            lower = tb("lower", k)
            upper = tb("upper", k)
            formulas = {
                "tier": f'=IF({kk}<=pl_k,INDEX({tier_col},{kk})&"","")',
                "basis": f'=IF({t}="","",IF(AND(INDEX({basis_col},{kk})="ARR",pl_totc>0),"ARR","Accounts"))',
                "lo": f'=IF({t}="","",MIN({lo_raw},{hi_raw}))',
                "hi": f'=IF({t}="","",MAX({lo_raw},{hi_raw}))',
                "target": f'=IF({t}="","",{tb("lo", k)}+pl_lam*({tb("hi", k)}-{tb("lo", k)}))',
                "goal": goal_f,
                "cut_score": f'=IF({tb("cut", k)}<0,"",{tb("cut", k)}/100)',
                "lower": f'=IF({t}="","",IF({kk}<pl_k,{tb("cut", k)},0))',
                "upper": f'=IF({t}="","",{"10001" if k == 1 else tb("lower", k - 1)})',
                "rule_accounts": f'=IF({t}="","",COUNTIFS(pl_bin,">="&{lower},pl_bin,"<"&{upper}))',
                "rule_share": (f'=IF({t}="","",IF({basis}="ARR",IF(pl_totc>0,SUMIFS(pl_cents,pl_bin,">="&{lower},pl_bin,"<"&{upper})/pl_totc,0),'
                               f'IF(pl_n>0,{tb("rule_accounts", k)}/pl_n,0)))'),
                "met": f'=IF({t}="","",IF(AND({tb("rule_share", k)}>={tb("lo", k)}-1E-9,{tb("rule_share", k)}<={tb("hi", k)}+1E-9),1,0))',
                "planned": f'=IF({t}="","",COUNTIF(pl_final,{kk}))',
                "planned_arr": f'=IF({t}="","",SUMIF(pl_final,{kk},pl_cents)/100)',
                "previous": f'=IF({t}="","",COUNTIF(pl_prev,{kk}))',
                "new": f'=IF({t}="","",COUNTIFS(pl_final,{kk},pl_prev,0))',
                "new_arr": f'=IF({t}="","",SUMIFS(pl_cents,pl_final,{kk},pl_prev,0)/100)',
            }
            fm = {"lo": schema.PERCENT_FORMAT, "hi": schema.PERCENT_FORMAT, "target": schema.PERCENT_FORMAT,
                  "goal": "0.0000%", "rule_share": schema.PERCENT_FORMAT, "planned_arr": schema.MONEY_FORMAT,
                  "new_arr": schema.MONEY_FORMAT, "cut_score": "0.00"}
            ws.write_number(r, TB["k"], k, self.f("formula", "0"))
            for key, text in formulas.items():
                put_formula(ws, r, TB[key], text, self.f("formula", fm.get(key, "#,##0")))
            # cut-off: the score of the account that brings its tier to the goal (planner.segmentation.tiering)
            if k < K:
                gm = f"({goal}-1E-9)"
                best = f'IF({basis}="ARR",MAX(IF(pl_sarr>={gm},pl_bin,-1)),MAX(IF(pl_sacc>={gm},pl_bin,-1)))'
                cut = f'{{=IF({kk}<pl_k,MAX(MIN(IF({gm}<=0,10001,IF({gm}>1,-1,{best})),{prev_cut}),0),-1)}}'
                cell = _ref(r, TB["cut"])
                ws.write_array_formula(f"{cell}:{cell}", cut, self.f("formula", "#,##0;-0"), "")
                lower_c0 = f'COUNTIFS(pl_prev,">0",pl_prev,"<="&{kk},pl_cons,1,pl_ps,"<"&(0-pl_m))'
                upper_c0 = f'COUNTIFS(pl_prev,">"&{kk},pl_cons,1,pl_ps,">="&pl_m)'
                if k <= ac.anchors:
                    anchor = xl_col_to_name(ac.anchor0 + k - 1)
                    fewest = f'=IF({kk}<pl_k,MIN({lower_c0}+{upper_c0},MIN({name}!${anchor}${first + 1}:${anchor}${last + 1})),"")'
                else:  # more tiers than the sheet was written for: the Limits line says so
                    fewest = f'=IF({kk}<pl_k,{lower_c0}+{upper_c0},"")'
                put_formula(ws, r, TB["fewest"], fewest, self.f("formula", "#,##0"))
            else:
                ws.write_blank(r, TB["cut"], None, self.f("formula"))
                ws.write_blank(r, TB["fewest"], None, self.f("formula"))

        # ---- scoring rule meta (over the rank columns)
        meta_labels = {"rule": "Scoring rule", "column": "Account column", "pillar": "Pillar", "weight": "Weight",
                       "direction": "Direction (+1/-1)", "index": "Column # on Accounts", "count": "Values present"}
        lab_col = ac.cents
        for key, i in PL_META.items():
            ws.write_string(PL_META_FIRST + i, lab_col, meta_labels[key], label)
        pillars = ",".join(f'INDEX({self.col(S, "pillar")},{{j}})="{p}"' for p in schema.PILLARS)
        for j in range(1, self.sizes.rules + 1):
            c = ac.rank0 + j - 1
            jr = _ref(PL_META_FIRST + PL_META["rule"], c, True)
            m = {key: _ref(PL_META_FIRST + i, c, True) for key, i in PL_META.items()}
            exists = f"{jr}<=ROWS({self.col(S, 'pillar')})"
            text = f'INDEX({self.col(S, "column")},{jr})&""'
            headers = self.accounts_range(headers=True)
            formulas = {
                "column": f'=IF({exists},{text},"")',
                "pillar": f'=IF({exists},INDEX({self.col(S, "pillar")},{jr})&"","")',
                "weight": (f'=IF({exists},IF(AND(ISNUMBER(INDEX({self.col(S, "weight")},{jr})),OR({pillars.format(j=jr)})),'
                           f'MAX(INDEX({self.col(S, "weight")},{jr}),0),0),0)'),
                "direction": f'=IF({exists},IF(INDEX({self.col(S, "direction")},{jr})="Lower raises tier",-1,1),1)',
                "index": (f'=IF(OR({m["column"]}="",{m["weight"]}<=0),0,IFERROR(MATCH({m["column"]},{headers},0),'
                          f'IFERROR(MATCH(SUBSTITUTE({m["column"]},"_"," "),{headers},0),0)))'),
                "count": f'=IF({m["index"]}=0,0,COUNT(INDEX({self.accounts_range()},0,{m["index"]})))',
            }
            ws.write_number(PL_META_FIRST + PL_META["rule"], c, j, self.f("formula", "0"))
            for key, text_f in formulas.items():
                put_formula(ws, PL_META_FIRST + PL_META[key], c, text_f, self.f("formula", "General"))
        for p_i, p in enumerate(schema.PILLARS):
            c = ac.pillar0 + p_i
            ws.write_string(PL_META_FIRST + PL_META["pillar"], c, p, self.f("formula"))
            pr = f"{_abs(PL_META_FIRST + PL_META['pillar'], ac.rank0)}:{_abs(PL_META_FIRST + PL_META['pillar'], ac.rank_last)}"
            wr = f"{_abs(PL_META_FIRST + PL_META['weight'], ac.rank0)}:{_abs(PL_META_FIRST + PL_META['weight'], ac.rank_last)}"
            put_formula(ws, PL_META_FIRST + PL_META["weight"], c, f"=SUMPRODUCT(({pr}={_ref(PL_META_FIRST + PL_META['pillar'], c, True)})*{wr})",
                             self.f("formula", "General"))

        # ---- per-account table (short names keep 100,000 formulas small: a_* are Accounts columns)
        for key, col in (("id", "account_id"), ("arr", "arr"), ("prev", "previous_tier"), ("lock", "locked_tier"),
                         ("strat", "strategic"), ("churn", "churn_risk"), ("ps", "previous_score")):
            self.name(f"a_{key}", self.col(A, col))
        self.name("pl_acc", self.accounts_range())
        meta_row = lambda key, c0, c1: f"{name}!{_abs(PL_META_FIRST + PL_META[key], c0)}:{_abs(PL_META_FIRST + PL_META[key], c1)}"
        self.name("pl_rp", meta_row("pillar", ac.rank0, ac.rank_last))
        self.name("pl_rw", meta_row("weight", ac.rank0, ac.rank_last))
        self.name("pl_rd", meta_row("direction", ac.rank0, ac.rank_last))
        self.name("pl_pw", meta_row("weight", ac.pillar0, ac.pillar_last))
        self.name("pl_ri", meta_row("index", ac.rank0, ac.rank_last))
        texts = [ACCOUNT_HEADERS["num"], ACCOUNT_HEADERS["id"], ACCOUNT_HEADERS["arr"], ACCOUNT_HEADERS["cents"]]
        texts += [f"Rank, rule {j}" for j in range(1, self.sizes.rules + 1)]
        texts += [f"{p} score" for p in schema.PILLARS]
        texts += [ACCOUNT_HEADERS[k] for k in AccountColumns.NAMES]
        texts += [f"Contradictions, cut-off below tier {k}" for k in range(1, ac.anchors + 1)]
        self.headers(ws, PL_HEADER, texts)
        meta = lambda key, c: _ref(PL_META_FIRST + PL_META[key], c, True)
        fmt_num = self.f("formula", "0")
        fmt_money = self.f("formula", schema.MONEY_FORMAT)
        fmt_rank = self.f("formula", '0.00;"-"')
        fmt_share = self.f("formula", '0.0000;"-"')
        fmt_text = self.f("formula", "@")
        fmt_int = self.f("formula", '0;"-"')
        fmt_big = self.f("formula", '#,##0;-0;0;@')
        rank_cols = [(ac.rank0 + j, meta("index", ac.rank0 + j), meta("count", ac.rank0 + j)) for j in range(self.sizes.rules)]
        pillar_cols = [(ac.pillar0 + p, meta("pillar", ac.pillar0 + p)) for p in range(PILLAR_COUNT)]
        L = {key: xl_col_to_name(getattr(ac, key)) for key in ("arr", "bin", "prev", "locked", "strat", "churn", "ps", "cons",
                                                                 "rule", "up", "down", "base", "pre", "final")}
        r0, r1 = xl_col_to_name(ac.rank0), xl_col_to_name(ac.rank_last)
        p0, p1 = xl_col_to_name(ac.pillar0), xl_col_to_name(ac.pillar_last)
        for i in range(n_rows):
            r = first + i
            R = r + 1  # Excel row number
            a, b = f"$A{R}", f"$B{R}"
            c = {key: f"${col}{R}" for key, col in L.items()}
            put = lambda col, text, fmt: put_formula(ws, r, col, text, fmt)
            ws.write_number(r, ac.num, i + 1, fmt_num)
            put(ac.id, f'=IF({a}>ROWS(a_id),"",TRIM(INDEX(a_id,{a})&""))', fmt_text)
            put(ac.arr, f'=IF({b}="",0,N(INDEX(a_arr,{a})))', fmt_money)
            put(ac.cents, f'=IF({b}="",0,ROUND(MAX({c["arr"]},0)*100,0))', fmt_num)
            for col, ci, cn in rank_cols:
                v = f"INDEX(pl_acc,{a},{ci})"
                column = f"INDEX(pl_acc,0,{ci})"
                pct = f"(RANK({v},{column},1)-1+(COUNTIF({column},{v})+1)/2-1)*(100/({cn}-1))"
                put(col, f'=IF({b}="",-1,IF({ci}=0,-1,IF(ISNUMBER({v}),IF({cn}<=1,50,{pct}),-1)))', fmt_rank)
            ranks = f"${r0}{R}:${r1}{R}"
            for col, pc in pillar_cols:
                is_p = f"(pl_rp={pc})*({ranks}>=0)*pl_rw"
                den = f"SUMPRODUCT({is_p})"
                put(col, f'=IF({b}="",-1,IF({den}>0,SUMPRODUCT({is_p}*((pl_rd<0)*(100-{ranks})+(pl_rd>0)*{ranks}))/{den},-1))', fmt_rank)
            ps_row = f"${p0}{R}:${p1}{R}"
            num_t, den_t = f"SUMPRODUCT(({ps_row}>=0)*pl_pw*{ps_row})", f"SUMPRODUCT(({ps_row}>=0)*pl_pw)"
            put(ac.bin, f'=IF({b}="",-1,ROUND(MIN(MAX(IF({den_t}>0,{num_t}/{den_t},50),0),100)*100,0))', fmt_int)
            put(ac.score, f'=IF({b}="","",{c["bin"]}/100)', self.f("formula", "0.00"))
            put(ac.sarr, f'=IF({b}="",-1,IF(pl_totc>0,SUMIF(pl_bin,">="&{c["bin"]},pl_cents)/pl_totc,0))', fmt_share)
            put(ac.sacc, f'=IF({b}="",-1,COUNTIF(pl_bin,">="&{c["bin"]})/pl_n)', fmt_share)
            put(ac.prev, f'=IF({b}="",0,IFERROR(MATCH(TRIM(INDEX(a_prev,{a})&""),TierList,0),0))', fmt_int)
            put(ac.locked, f'=IF({b}="",0,IFERROR(MATCH(TRIM(INDEX(a_lock,{a})&""),TierList,0),0))', fmt_int)
            put(ac.strat, f'=IF({b}="",0,{_flag(f"INDEX(a_strat,{a})")})', fmt_int)
            put(ac.churn, f'=IF({b}="",0,{_flag(f"INDEX(a_churn,{a})")})', fmt_int)
            psv = f"INDEX(a_ps,{a})"
            put(ac.ps, f'=IF({b}="",-1,IF(ISNUMBER({psv}),MIN(MAX(ROUND({psv}*100,0),0),10000),-1))', fmt_int)
            put(ac.cons, f'=IF(AND({b}<>"",{c["prev"]}>0,{c["ps"]}>=0,{c["locked"]}=0,{c["churn"]}=0,OR(pl_strat=0,{c["strat"]}=0)),1,0)', fmt_int)
            put(ac.rule, f'=IF({b}="",0,1+SUMPRODUCT(--({c["bin"]}<pl_cuts)))', fmt_int)
            put(ac.up, f'=IF({b}="",0,1+SUMPRODUCT(--({c["bin"]}-pl_m<pl_cuts)))', fmt_int)
            put(ac.down, f'=IF({b}="",0,1+SUMPRODUCT(--({c["bin"]}+pl_m<pl_cuts)))', fmt_int)
            prev, up, down, base = c["prev"], c["up"], c["down"], c["base"]
            put(ac.base, f'=IF({b}="",0,IF(AND({prev}>0,{c["churn"]}=0),IF({up}<{prev},{up},IF({down}>{prev},{down},{prev})),{c["rule"]}))', fmt_int)
            put(ac.pre, f'=IF(AND({c["strat"]}=1,pl_strat>0,{base}>pl_strat),pl_strat,{base})', fmt_int)
            pre, churn, locked = c["pre"], c["churn"], c["locked"]
            put(ac.final, f'=IF({b}="",0,IF({locked}>0,{locked},IF(AND({churn}=1,{pre}>1),{pre}-1,{pre})))', fmt_int)
            put(ac.tier, f'=IF({b}="","",INDEX(TierList,{c["final"]}))', fmt_text)
            put(ac.how, (f'=IF({b}="","",IF({locked}>0,"locked",IF(AND({churn}=1,{pre}>1),"churn risk: one tier up",IF({pre}<{base},'
                         f'"strategic flag",IF({prev}=0,"new: by score",IF({base}={prev},"previous tier kept","moved by score"))))))'), fmt_text)
            c0 = f"MAX({c['ps']}-pl_m+1,0)"
            for k in range(1, ac.anchors + 1):
                upper = f'COUNTIFS(pl_prev,"<="&{k},pl_cons,1,pl_ps,"<"&({c0}-pl_m))'
                lower = f'COUNTIFS(pl_prev,">"&{k},pl_cons,1,pl_ps,">="&({c0}+pl_m))'
                put(ac.anchor0 + k - 1, f'=IF(AND({c["cons"]}=1,{prev}>{k},{k}<pl_k),{upper}+{lower},{BIG})', fmt_big)
        widths = {ac.num: 6, ac.id: 12, ac.arr: 12, ac.cents: 14, ac.how: 22, ac.tier: 12}
        for j in range(ac.width):
            ws.set_column(j, j, widths.get(j, 11))
        ws.set_column(0, 0, 34)  # labels of the values above the accounts
        self.finish(ws, PL_FIRST, 2)

    # ================================================================ Package
    def write_package(self, ws) -> None:
        T, SV, I, R, Q = schema.TIERS, schema.SERVICES, schema.INTERVALS, schema.ROLES, schema.SLAS
        pk, name = self.pk, PACKAGE_SHEET
        self.title(
            ws, "Package",
            "The negotiated package priced as tierplan optimize --mode min_cost prices it: the intervals each tier receives, whole "
            "people per role, direct and automated costs, support from the SLAs, guardrails and what fails.",
            "Formulas only (used by the Summary). Accounts per tier come from the Placement sheet.",
        )
        fin = {s.key: s.name for s in schema.FINANCE.settings}
        c_first, c_last = pk.cell_first, pk.cell_last
        u_first, u_last = pk.unit_first, pk.unit_last
        q_first, q_last = pk.queue_first, pk.queue_last
        cc, uc, rc, qc, tc = pk.cell_col, pk.unit_col, pk.role_col, pk.queue_col, pk.tier_col
        nm = {}
        for key in ("k", "role_n", "cap", "x", "load", "direct", "automated", "attributed", "fails", "accounts"):
            nm["c_" + key] = self.name(f"pk_c_{key}", _span(name, cc[key], c_first, c_last))
        for key in ("i", "k", "staffing", "may", "serves", "accounts", "people", "cost", "service_hours", "support_hours", "cover_sets"):
            nm["u_" + key] = self.name(f"pk_u_{key}", _span(name, uc[key], u_first, u_last))
        for key in ("role", "staffing", "people", "cost", "set_by"):
            nm["r_" + key] = self.name(f"pk_r_{key}", _span(name, rc[key], pk.role_first, pk.role_last))
        for key in ("key", "first", "number", "tier_n", "role_n", "volume", "level", "hours", "attributed", "automated", "fails",
                    "tier", "channel", "role", "queue_volume", "agents", "traffic", "cost"):
            nm["q_" + key] = self.name(f"pk_q_{key}", _span(name, qc[key], q_first, q_last))
        for key in ("fails", "cost", "share", "within", "named_people", "named_cost", "shared_cost", "guard"):
            nm["t_" + key] = self.name(f"pk_t_{key}", _span(name, tc[key], pk.tier_first, pk.tier_first + K - 1))
        totals = {}
        for i, (key, n, _label) in enumerate(TOTALS):
            totals[key] = self.name(n, f"{name}!{_abs(pk.total_first + i, 1)}")

        money = self.f("formula", schema.MONEY_FORMAT)
        num = self.f("formula", "#,##0.##")
        integer = self.f("formula", "#,##0")
        pct = self.f("formula", schema.PERCENT_FORMAT)
        text = self.f("formula", "@")
        wrap = self.f("formula", "@", text_wrap=True)
        label = self.f("label", bold=True)
        heading = self.f("title", font_size=12)

        # ---- tiers: accounts, CS cost and guardrail
        ws.write_string(pk.tier_header - 1, 0, "Tiers: CS cost as the plan counts it for the guardrail", heading)
        self.headers(ws, pk.tier_header, ["#", "Tier", "Accounts", "ARR", "Max CS cost % of ARR", "Named people",
                                          "Named people cost", "Other cost of the tier (by hours)", "CS cost", "CS cost % of ARR",
                                          "Within guardrail", "Fails"])
        guard_col = self.col(T, "max_cost_share")
        for k in range(1, K + 1):
            r = pk.tier_first + k - 1
            R_ = r + 1
            cell = lambda key: f"{xl_col_to_name(tc[key])}{R_}"
            t = cell("tier")
            ws.write_number(r, tc["k"], k, self.f("formula", "0"))
            f = {
                "tier": f'=IF({k}<=ROWS(TierList),INDEX(TierList,{k})&"","")',
                "accounts": f'=IF({t}="",0,INDEX(pl_planned,{k}))',
                "arr": f'=IF({t}="",0,INDEX(pl_planned_arr,{k}))',
                "guard": f'=IF({t}="","",IF(ISNUMBER(INDEX({guard_col},{k})),INDEX({guard_col},{k}),""))',
                "named_people": f'=IF({t}="",0,SUMIFS(pk_u_people,pk_u_k,{k},pk_u_staffing,"Named"))',
                "named_cost": f'=IF({t}="",0,SUMIFS(pk_u_cost,pk_u_k,{k},pk_u_staffing,"Named"))',
                "shared_cost": f'=IF({t}="",0,SUMIF(pk_c_k,{k},pk_c_attributed)+SUMIFS(pk_q_attributed,pk_q_tier_n,{k},pk_q_first,1))',
                "cost": f'=IF({t}="",0,{cell("named_cost")}+{cell("shared_cost")})',
                "share": f'=IF(OR({t}="",{cell("arr")}<=0),"",{cell("cost")}/{cell("arr")})',
                "within": (f'=IF(OR({t}="",{cell("guard")}=""),"",IF({cell("cost")}<={cell("guard")}*{cell("arr")}*(1+1E-9)+1E-6,'
                           f'"Yes","Over"))'),
                "fails": (f'=IF({cell("within")}="Over",{t}&": CS cost "&FIXED({cell("cost")},0)&IF({cell("arr")}>0," ("&FIXED(100*{cell("share")},1)&"% of ARR)","")'
                          f'&", above its "&FIXED(100*{cell("guard")},1)&"% guardrail ("&FIXED({cell("guard")}*{cell("arr")},0)&")","")'),
            }
            fm = {"arr": money, "guard": pct, "named_cost": money, "shared_cost": money, "cost": money, "share": pct,
                  "tier": text, "within": text, "fails": wrap, "accounts": integer, "named_people": integer}
            for key, formula in f.items():
                put_formula(ws, r, tc[key], formula, fm[key])

        # ---- services x tiers
        ws.write_string(pk.cell_header - 1, 0, "Services x tiers: the intervals the plan delivers", heading)
        self.headers(ws, pk.cell_header, [
            "Service #", "Tier #", "Service", "Tier", "Intervals row", "Delivered by", "Role #", "Staffing", "Hours per occurrence",
            "Minimum", "Negotiated", "Maximum", "Step", "Most on the step", "Floor (negotiated, on the step)", "Offered (1/0)",
            "Keep tier order (1/0)", "Delivered per year", "Nearest lower tier offering it: per year", "Accounts",
            "Hours (accounts x hours x per year)", "Direct cost", "Automated roles' cost", "Cost counted in the tier", "Fails"])
        svc_col = self.col(SV, "name")
        it_service, it_tier = self.col(I, "service"), self.col(I, "tier")
        for s in range(1, self.sizes.services + 1):
            for k in range(1, K + 1):
                r = c_first + (s - 1) * K + k - 1
                R_ = r + 1
                cell = lambda key: f"{xl_col_to_name(cc[key])}{R_}"
                nxt = lambda key: f"{xl_col_to_name(cc[key])}{R_ + 1}"
                row = cell("row")
                iv = lambda key: f"INDEX({self.col(I, key)},{row})"
                mn, ng, mx, stp = cell("minimum"), cell("negotiated"), cell("maximum"), cell("step")
                checks = []
                for d in STEPS:
                    checks.append("AND(" + ",".join(f"ABS({v}/{d}-ROUND({v}/{d},0))<=1E-7" for v in (mn, ng, mx)) + ")")
                step_f = "0.01"
                for d, chk in reversed(list(zip(STEPS, checks))):
                    step_f = f"IF({chk},{d},{step_f})"
                carry_next = nxt("carry") if k < K else "0"
                rate = f"INDEX({self.col(R, 'hourly_rate')},{cell('role_n')})"
                up = lambda v: f"ROUND({_ceil(f'({v})/{stp}')}*{stp},10)"
                f = {
                    "service": f'=IF({s}>ROWS({svc_col}),"",INDEX({svc_col},{s})&"")',
                    "tier": f'=IF(OR({cell("service")}="",{k}>ROWS(TierList)),"",INDEX(TierList,{k})&"")',
                    "row": (f'=IF({cell("tier")}="",0,SUMPRODUCT(({it_service}={cell("service")})*({it_tier}={cell("tier")})'
                            f'*(ROW({it_service})-ROW(INDEX({it_service},1))+1)))'),
                    "role": (f'=IF({row}=0,"",IF({iv("role")}&""<>"",{iv("role")}&"",INDEX({self.col(SV, "role")},{s})&""))'),
                    "role_n": f'=IF({cell("role")}="",0,IFERROR(MATCH({cell("role")},RoleList,0),0))',
                    "staffing": f'=IF({cell("role_n")}=0,"",INDEX({self.col(R, "staffing")},{cell("role_n")})&"")',
                    "hours": f'=IF({row}=0,0,N({iv("hours")}))',
                    "minimum": f'=IF({row}=0,0,N({iv("minimum")}))',
                    "negotiated": f'=IF({row}=0,0,N({iv("negotiated")}))',
                    "maximum": f'=IF({row}=0,0,N({iv("maximum")}))',
                    "step": f"={step_f}",
                    "cap": f'=IF({row}=0,0,ROUND(INT({mx}/{stp}+1E-9)*{stp},10))',
                    "floor": f'=IF({row}=0,0,MAX({up(mn)},{up(ng)}))',
                    "offers": f'=IF(AND({row}>0,{cell("cap")}>0),1,0)',
                    "keep": f'=IF({row}=0,0,IF(INDEX({self.col(SV, "keep_order")},{s})="Yes",1,0))',
                    "x": (f'=IF({row}=0,0,IF(AND({cell("offers")}=1,{cell("keep")}=1),{up("MAX(" + cell("floor") + "," + carry_next + ")")},'
                          f'{cell("floor")}))'),
                    "carry": f'=IF({cell("offers")}=1,{cell("x")},{carry_next})',
                    "accounts": f'=IF({cell("tier")}="",0,INDEX(pl_planned,{k}))',
                    "load": f'={cell("hours")}*{cell("accounts")}*{cell("x")}',
                    "direct": f'=IF({row}=0,0,N(INDEX({self.col(SV, "direct_cost")},{s}))*{cell("accounts")}*{cell("x")})',
                    "automated": f'=IF({cell("staffing")}="Automated",{cell("hours")}*{rate}*{cell("accounts")}*{cell("x")},0)',
                    "attributed": (f'=IF({row}=0,0,(N(INDEX({self.col(SV, "direct_cost")},{s}))+IF({cell("staffing")}<>"Named",'
                                   f'{cell("hours")}*{rate},0))*{cell("accounts")}*{cell("x")})'),
                    "fails": (f'=IF({row}=0,"",IF({cell("floor")}>{cell("cap")}+1E-9,{cell("service")}&" in "&{cell("tier")}&": at least "'
                              f'&{cell("floor")}&" a year, above its maximum "&{mx},IF({cell("x")}>{cell("cap")}+1E-9,{cell("service")}'
                              f'&": keep tier order needs "&{cell("tier")}&" at "&{cell("x")}&" a year, above its maximum "&{mx},"")))'),
                }
                ws.write_number(r, cc["s"], s, self.f("formula", "0"))
                ws.write_number(r, cc["k"], k, self.f("formula", "0"))
                fm = {"service": text, "tier": text, "role": text, "staffing": text, "fails": wrap, "load": num,
                      "direct": money, "automated": money, "attributed": money, "row": integer, "role_n": integer,
                      "accounts": integer}
                for key, formula in f.items():
                    put_formula(ws, r, cc[key], formula, fm.get(key, num))

        # ---- people pools: each role in each tier
        ws.write_string(pk.unit_header - 1, 0, "Roles x tiers: hours, accounts served and named people", heading)
        self.headers(ws, pk.unit_header, ["Role #", "Tier #", "Role", "Staffing", "Tier", "Service hours", "Support hours",
                                          "May serve (1/0)", "Serves (1/0)", "Accounts", "People by hours (named)",
                                          "People by coverage (named)", "People (named)", "Cost (named)",
                                          "Coverage sets it (1/0)"])
        role_list = self.col(R, "name")
        for i in range(1, self.sizes.roles + 1):
            rr = pk.role_first + i - 1 + 1  # Excel row of the role in the roles block
            for k in range(1, K + 1):
                r = u_first + (i - 1) * K + k - 1
                R_ = r + 1
                cell = lambda key: f"{xl_col_to_name(uc[key])}{R_}"
                role_cell = lambda key: f"${xl_col_to_name(rc[key])}${rr}"
                hours = f'({cell("service_hours")}+{cell("support_hours")})'
                named = f'AND({cell("staffing")}="Named",{cell("may")}=1)'
                f = {
                    "role": f'=IF({i}>ROWS({role_list}),"",INDEX({role_list},{i})&"")',
                    "staffing": f'=IF({cell("role")}="","",INDEX({self.col(R, "staffing")},{i})&"")',
                    "tier": f'=IF(OR({cell("role")}="",{k}>ROWS(TierList)),"",INDEX(TierList,{k})&"")',
                    "service_hours": f'=IF({cell("tier")}="",0,SUMIFS(pk_c_load,pk_c_role_n,{i},pk_c_k,{k}))',
                    "support_hours": f'=IF({cell("tier")}="",0,SUMIFS(pk_q_hours,pk_q_role_n,{i},pk_q_tier_n,{k},pk_q_first,1))',
                    "may": (f'=IF({cell("tier")}="",0,IF(OR(COUNTIFS(pk_c_role_n,{i},pk_c_k,{k},pk_c_cap,">0")>0,'
                            f'{cell("support_hours")}>0),1,0))'),
                    "serves": (f'=IF({cell("may")}=0,0,IF(OR(COUNTIFS(pk_c_role_n,{i},pk_c_k,{k},pk_c_x,">0")>0,'
                               f'{cell("support_hours")}>0),1,0))'),
                    "accounts": f'=IF({cell("tier")}="",0,INDEX(pl_planned,{k}))',
                    "by_hours": (f'=IF(AND({named},{hours}>1E-9),IF({role_cell("productive")}>0,{_ceil(hours + "/" + role_cell("productive"))},'
                                 f'1073741824),0)'),
                    "by_cover": (f'=IF(AND({named},{role_cell("ratio")}>0,{cell("accounts")}>0,{cell("serves")}=1),'
                                 f'{_ceil(cell("accounts") + "/" + role_cell("ratio"))},0)'),
                    "people": f'=IF({named},MAX({cell("by_hours")},{cell("by_cover")}),0)',
                    "cost": f'={cell("people")}*{role_cell("loaded")}',
                    "cover_sets": f'=IF(AND({cell("people")}>0,{cell("by_cover")}>{cell("by_hours")}),1,0)',
                }
                ws.write_number(r, uc["i"], i, self.f("formula", "0"))
                ws.write_number(r, uc["k"], k, self.f("formula", "0"))
                fm = {"role": text, "staffing": text, "tier": text, "cost": money, "service_hours": num, "support_hours": num}
                for key, formula in f.items():
                    put_formula(ws, r, uc[key], formula, fm.get(key, integer))

        # ---- roles
        ws.write_string(pk.role_header - 1, 0, "Roles: whole people (named per tier, pooled across the tiers they serve)", heading)
        self.headers(ws, pk.role_header, ["Role #", "Role", "Staffing", "Loaded annual cost", "Productive hours per year",
                                          "Max accounts per person", "Hourly rate", "Hours needed", "Accounts of the tiers it may serve",
                                          "Accounts of the tiers it serves", "People by hours", "People by coverage", "People", "Cost",
                                          "Set by", "Automated cost (support)"])
        for i in range(1, self.sizes.roles + 1):
            r = pk.role_first + i - 1
            R_ = r + 1
            cell = lambda key: f"{xl_col_to_name(rc[key])}{R_}"
            role = cell("role")
            rv = lambda key: f"INDEX({self.col(R, key)},{i})"
            pooled = f'{cell("staffing")}="Pooled"'
            f = {
                "role": f'=IF({i}>ROWS({role_list}),"",INDEX({role_list},{i})&"")',
                "staffing": f'=IF({role}="","",{rv("staffing")}&"")',
                "loaded": f'=IF({role}="",0,N({rv("loaded_cost")}))',
                "productive": f'=IF({role}="",0,N({rv("productive_hours")}))',
                "ratio": f'=IF({role}="",0,IF(ISNUMBER({rv("max_accounts")}),{rv("max_accounts")},0))',
                "rate": f'=IF({role}="",0,N({rv("hourly_rate")}))',
                "hours": f'=IF({role}="",0,SUMIFS(pk_u_service_hours,pk_u_i,{i},pk_u_may,1)+SUMIFS(pk_u_support_hours,pk_u_i,{i},pk_u_may,1))',
                "may_accounts": f'=IF({role}="",0,SUMIFS(pk_u_accounts,pk_u_i,{i},pk_u_may,1))',
                "covered": f'=IF({role}="",0,SUMIFS(pk_u_accounts,pk_u_i,{i},pk_u_may,1,pk_u_serves,1))',
                "by_hours": (f'=IF(AND({pooled},{cell("hours")}>1E-9),IF({cell("productive")}>0,{_ceil(cell("hours") + "/" + cell("productive"))},'
                             f'1073741824),0)'),
                "by_cover": (f'=IF(AND({pooled},{cell("ratio")}>0,{cell("may_accounts")}>0,{cell("covered")}>0),'
                             f'{_ceil(cell("covered") + "/" + cell("ratio"))},0)'),
                "people": (f'=IF({cell("staffing")}="Named",SUMIF(pk_u_i,{i},pk_u_people),IF(AND({pooled},COUNTIFS(pk_u_i,{i},pk_u_may,1)>0),'
                           f'MAX({cell("by_hours")},{cell("by_cover")}),0))'),
                "cost": f'={cell("people")}*{cell("loaded")}',
                "set_by": (f'=IF({cell("people")}=0,"",IF({cell("staffing")}="Named",IF(COUNTIFS(pk_u_i,{i},pk_u_cover_sets,1)>0,'
                           f'"coverage ratio","hours"),IF({cell("by_cover")}>{cell("by_hours")},"coverage ratio","hours")))'),
                "automated": f'=IF({cell("staffing")}="Automated",SUMIF(pk_q_role_n,{i},pk_q_automated),0)',
            }
            ws.write_number(r, rc["i"], i, self.f("formula", "0"))
            fm = {"role": text, "staffing": text, "loaded": money, "rate": self.f("formula", schema.MONEY2_FORMAT), "hours": num,
                  "cost": money, "set_by": text, "automated": money}
            for key, formula in f.items():
                put_formula(ws, r, rc[key], formula, fm.get(key, integer))

        # ---- support queues, one row per SLA row (the first row of each tier, channel and role carries the queue)
        ws.write_string(pk.queue_header - 1, 0, "Support: one queue per tier, channel and handling role", heading)
        self.headers(ws, pk.queue_header, [
            "SLA row", "Tier", "Severity", "Channel", "Target (seconds)", "Tickets per account per month", "Handle minutes",
            "Service level", "Handled by", "Queue", "First row of its queue (1/0)", "Queue #", "Tier #", "Role #", "Accounts",
            "Tickets per month (row)", "Tickets per month (queue)", "Handle minutes (queue)", "Arrivals per open hour", "Traffic (Erlangs)",
            "Live (1/0)", "A 100% target (1/0)", "Fewest agents allowed by occupancy", "Agents on shift", "Hours per year",
            "Cost at the hourly rate", "Cost counted in the tier", "Automated cost", "Unreachable (1/0)", "Fails"])
        sla = lambda key, j: f"INDEX({self.col(Q, key)},{j})"
        oc, lh = fin["occupancy_cap"], fin["live_hours"]
        er_ok_first = ER_FIRST + 1
        for j in range(1, self.sizes.slas + 1):
            r = q_first + j - 1
            R_ = r + 1
            cell = lambda key: f"{xl_col_to_name(qc[key])}{R_}"
            t = cell("tier")
            unit = sla("target_unit", j)
            key_col = xl_col_to_name(qc["key"])
            first_col = xl_col_to_name(qc["first"])
            start = f"MAX(INT({cell('traffic')})+1,IF(N({oc})>0,IF(ABS({cell('traffic')}/{oc}-ROUND({cell('traffic')}/{oc},0))<=1E-9*MAX(1,ABS({cell('traffic')}/{oc})),ROUND({cell('traffic')}/{oc},0),-INT(-{cell('traffic')}/{oc})),1),1)"
            ok_col = xl_col_to_name(self._erlang_col("ok", j))
            role_staffing = f'INDEX({self.col(R, "staffing")},{cell("role_n")})'
            role_rate = f'INDEX({self.col(R, "hourly_rate")},{cell("role_n")})'
            f = {
                "tier": f'=IF({j}>ROWS({self.col(Q, "tier")}),"",INDEX({self.col(Q, "tier")},{j})&"")',
                "severity": f'=IF({t}="","",{sla("severity", j)}&"")',
                "channel": f'=IF({t}="","",{sla("channel", j)}&"")',
                "target": f'=IF({t}="",0,N({sla("target", j)})*IF({unit}="minutes",60,IF({unit}="hours",3600,1)))',
                "tickets": f'=IF({t}="",0,N({sla("tickets", j)}))',
                "handle": f'=IF({t}="",0,N({sla("handle_minutes", j)}))',
                "level": f'=IF({t}="",0,N({sla("service_level", j)}))',
                "role": f'=IF({t}="","",{sla("role", j)}&"")',
                "key": f'=IF({t}="","",LOWER({t}&"|"&{cell("channel")}&"|"&{cell("role")}))',
                "first": f'=IF({t}="",0,IF(COUNTIF(${key_col}${q_first + 1}:{key_col}{R_},{cell("key")})=1,1,0))',
                "number": f'=IF({cell("first")}=1,SUM(${first_col}${q_first + 1}:{first_col}{R_}),0)',
                "tier_n": f'=IF({t}="",0,IFERROR(MATCH({t},TierList,0),0))',
                "role_n": f'=IF({t}="",0,IFERROR(MATCH({cell("role")},RoleList,0),0))',
                "accounts": f'=IF({cell("tier_n")}=0,0,INDEX(pl_planned,{cell("tier_n")}))',
                "volume": f'={cell("accounts")}*{cell("tickets")}',
                "queue_volume": f'=IF({cell("first")}=1,SUMIF(pk_q_key,{cell("key")},pk_q_volume),0)',
                "queue_handle": (f'=IF(AND({cell("first")}=1,{cell("queue_volume")}>0),SUMPRODUCT((pk_q_key={cell("key")})*pk_q_volume'
                                 f'*{_span(name, qc["handle"], q_first, q_last)})/{cell("queue_volume")},0)'),
                "rate": f'=IF(AND({cell("first")}=1,N({lh})>0),{cell("queue_volume")}/{lh},0)',
                "traffic": f'={cell("rate")}*{cell("queue_handle")}/60',
                "live": f'=IF(OR({cell("channel")}="Chat",{cell("channel")}="Phone"),1,0)',
                "full_target": f'=IF(AND({cell("first")}=1,{cell("live")}=1,{cell("traffic")}>0,COUNTIFS(pk_q_key,{cell("key")},pk_q_level,">=1")>0),1,0)',
                "start": f'=IF(AND({cell("first")}=1,{cell("live")}=1,{cell("traffic")}>0),{start},0)',
                "agents": (f'=IF(OR({cell("first")}=0,{cell("live")}=0),"",IF({cell("traffic")}<=0,0,IF({cell("full_target")}=1,"",'
                           f'IFERROR(MATCH(1,{ERLANG_SHEET}!${ok_col}${er_ok_first + 1}:${ok_col}${er_ok_first + ERLANG_ROWS},0),""))))'),
                "hours": (f'=IF({cell("first")}=0,0,IF({cell("live")}=1,IF(ISNUMBER({cell("agents")}),{cell("agents")}*{lh}*12,0),'
                          f'{cell("queue_volume")}*12*{cell("queue_handle")}/60/IF(N({oc})>0,{oc},1)))'),
                "cost": f'=IF(OR({cell("first")}=0,{cell("role_n")}=0),0,{cell("hours")}*{role_rate})',
                "attributed": f'=IF(OR({cell("first")}=0,{cell("role_n")}=0),0,IF({role_staffing}<>"Named",{cell("hours")}*{role_rate},0))',
                "automated": f'=IF(OR({cell("first")}=0,{cell("role_n")}=0),0,IF({role_staffing}="Automated",{cell("hours")}*{role_rate},0))',
                "unreachable": f'=IF(AND({cell("first")}=1,{cell("live")}=1,{cell("traffic")}>0,NOT(ISNUMBER({cell("agents")}))),1,0)',
                "fails": (f'=IF({cell("unreachable")}=1,{t}&" "&{cell("channel")}&": "&IF({cell("full_target")}=1,'
                          f'"no number of agents reaches a 100% service level","more than {ERLANG_ROWS} agents on shift would be needed"),"")'),
            }
            ws.write_number(r, qc["j"], j, self.f("formula", "0"))
            fm = {"tier": text, "severity": text, "channel": text, "role": text, "key": text, "fails": wrap, "level": pct,
                  "attributed": money, "automated": money, "cost": money, "volume": num, "queue_volume": num, "queue_handle": num, "rate": num,
                  "traffic": self.f("formula", "0.0000"), "hours": num, "target": integer, "tickets": num, "handle": num}
            for key, formula in f.items():
                put_formula(ws, r, qc[key], formula, fm.get(key, integer))

        # ---- totals and what fails
        ws.write_string(pk.total_header - 1, 0, "The negotiated package", heading)
        budget = fin["budget"]
        limits = self._limits_text()
        fails_list = [nm["t_fails"], nm["c_fails"], nm["q_fails"]]
        joined = self._joined(ws, fails_list, budget_cell=totals["budget_fails"])
        f = {
            "people_cost": "=SUM(pk_r_cost)",
            "direct": "=SUM(pk_c_direct)",
            "automated": "=SUM(pk_c_automated)+SUM(pk_q_automated)",
            "total": "=pk_people_cost+pk_direct+pk_automated",
            "people": "=SUM(pk_r_people)",
            "support_cost": "=SUM(pk_q_cost)",
            "budget_fails": (f'=IF(AND(ISNUMBER({budget}),pk_total>{budget}*(1+1E-9)),"the annual CS budget of "&FIXED({budget},0)'
                             f'&" (the package costs "&FIXED(pk_total,0)&", "&FIXED(pk_total-{budget},0)&" more)","")'),
            "fail_count": '=IF(pk_budget_fails<>"",1,0)+COUNTIF(pk_t_fails,"?*")+COUNTIF(pk_c_fails,"?*")+COUNTIF(pk_q_fails,"?*")',
            "fails": joined,
            "limits": limits,
        }
        fm = {"people_cost": money, "direct": money, "automated": money, "total": money, "people": integer, "support_cost": money,
              "budget_fails": wrap, "fail_count": integer, "fails": wrap, "limits": wrap}
        for i, (key, _n, text_label) in enumerate(TOTALS):
            r = pk.total_first + i
            ws.write_string(r, 0, text_label, label)
            put_formula(ws, r, 1, f[key], fm[key])
        widths = [22, 16, 26, 12, 12, 14, 10, 12, 12, 11, 11, 11, 11, 11, 12, 11, 11, 12, 12, 11, 14, 12, 12, 12, 40, 12, 12, 12, 40]
        for j in range(pk.width()):
            ws.set_column(j, j, widths[j] if j < len(widths) else 12)
        self.finish(ws, pk.tier_header + 1, 0)

    def _joined(self, ws, ranges: list[str], budget_cell: str) -> str:
        """One text listing every failing requirement: the budget, then guardrails, intervals and SLAs, '; ' between them.

        Classic functions have no TEXTJOIN: a running concatenation in a helper column does it.
        """
        pk = self.pk
        col = pk.width() + 1
        first = pk.tier_first
        ws.write_string(pk.tier_header, col, "What fails, so far", self.f("header"))
        sources = []
        for rng in ranges:
            ref = self.names[rng]
            a, b = ref.split("!")[1].replace("$", "").split(":")
            c = "".join(ch for ch in a if ch.isalpha())
            r0, r1 = int("".join(ch for ch in a if ch.isdigit())), int("".join(ch for ch in b if ch.isdigit()))
            sources += [f"{c}{r}" for r in range(r0, r1 + 1)]
        prev = budget_cell
        fmt = self.f("formula", "@")
        for i, src in enumerate(sources):
            r = first + i
            cell = _ref(r, col)
            put_formula(ws, r, col, f'=IF({src}<>"",IF({prev}<>"",{prev}&"; ","")&{src},{prev})', fmt)
            prev = cell
        ws.set_column(col, col, 14)
        return f"={prev}"

    def _limits_text(self) -> str:
        """What lies beyond the helper sheets' rows (blank when everything fits)."""
        s, T = self.sizes, schema.SERVICES
        parts = [
            f'IF(pl_over>0,"the Accounts table has "&FIXED(pl_over,0)&" accounts more than the Placement sheet covers ({s.accounts:,}); ","")',
            f'IF(ROWS({self.col(T, "name")})>{s.services},"more than {s.services} services; ","")',
            f'IF(ROWS({self.col(schema.ROLES, "name")})>{s.roles},"more than {s.roles} roles; ","")',
            f'IF(ROWS({self.col(schema.SLAS, "tier")})>{s.slas},"more than {s.slas} SLA rows; ","")',
            f'IF(ROWS({self.col(schema.SCORING, "pillar")})>{s.rules},"more than {s.rules} scoring rules; ","")',
            f'IF(ROWS(TierList)>{self.ac.anchors + 1},"more than {self.ac.anchors + 1} tiers for the check of last cut-offs; ","")',
            'IF(COUNTIFS(pl_rw,">0",pl_ri,0)>0,"a Scoring column that is not among the Accounts columns this workbook was written with; ","")',
        ]
        return "=" + "&".join(parts)

    # ================================================================ Erlang
    def _erlang_col(self, block: str, j: int) -> int:
        """0-based column of SLA slot j (1-based) in a block: B (Erlang B), met (targets met), ok (queue staffed)."""
        q = self.sizes.slas
        offset = {"b": 0, "met": q, "ok": 2 * q}[block]
        return 1 + offset + j - 1

    def write_erlang(self, ws) -> None:
        q, pk = self.sizes.slas, self.pk
        self.title(
            ws, "Erlang",
            "Live queues (chat, phone): Erlang B by its recursion B(n) = A B(n-1) / (n + A B(n-1)) for every agent count n, the "
            "probability of waiting C = n B / (n - A (1 - B)) and the service level 1 - C exp(-(n - A) t / handle time).",
            f"A queue gets the fewest agents on shift that meet every one of its targets with occupancy A / n within the cap "
            f"(agent counts up to {ERLANG_ROWS}). Formulas only (used by the Package sheet).",
        )
        labels = {"traffic": "Traffic A (Erlangs)", "handle": "Handle time (seconds)", "target": "Target (seconds)",
                  "goal": "Service level", "start": "Fewest agents allowed", "key": "Queue", "first": "Carries its queue (1/0)"}
        label = self.f("label", bold=True)
        for i, key in enumerate(ER_META):
            ws.write_string(ER_META_FIRST + i, 0, labels[key], label)
        hf = self.f("header")
        ws.write_string(ER_HEADER, 0, "Agents n", hf)
        qc = pk.queue_col
        meta_row = {key: ER_META_FIRST + i for i, key in enumerate(ER_META)}
        for j in range(1, q + 1):
            qr = pk.queue_first + j  # Excel row of SLA slot j on Package
            pcell = lambda key: f"{PACKAGE_SHEET}!${xl_col_to_name(qc[key])}${qr}"
            for block in ("b", "met", "ok"):
                c = self._erlang_col(block, j)
                ws.write_string(ER_HEADER, c, {"b": "Erlang B", "met": "Targets met", "ok": "Queue staffed"}[block] + f", SLA row {j}", hf)
            c = self._erlang_col("met", j)
            key = pcell("key")
            meta = {
                "traffic": f'=IF({key}="",0,INDEX(pk_q_traffic,MATCH({key},pk_q_key,0)))',
                "handle": f'=IF({key}="",0,60*INDEX({_span(PACKAGE_SHEET, qc["queue_handle"], pk.queue_first, pk.queue_last)},MATCH({key},pk_q_key,0)))',
                "target": f"={pcell('target')}",
                "goal": f"={pcell('level')}",
                "start": f"={pcell('start')}",
                "key": f"={key}",
                "first": f"={pcell('first')}",
            }
            for mk, formula in meta.items():
                put_formula(ws, meta_row[mk], c, formula, self.f("formula", "General"))
        ws.set_row(ER_HEADER, 45)
        met0 = self._erlang_col("met", 1)
        met_last = self._erlang_col("met", q)
        key_row = f"${xl_col_to_name(met0)}${meta_row['key'] + 1}:${xl_col_to_name(met_last)}${meta_row['key'] + 1}"
        fmt_b = self.f("formula", "0.000000")
        fmt_i = self.f("formula", "0")
        for n in range(0, ERLANG_ROWS + 1):
            r = ER_FIRST + n
            R_ = r + 1
            ws.write_number(r, 0, n, fmt_i)
            met_row = f"${xl_col_to_name(met0)}{R_}:${xl_col_to_name(met_last)}{R_}"
            for j in range(1, q + 1):
                cb, cm, co = (self._erlang_col(b, j) for b in ("b", "met", "ok"))
                mc = lambda key: f"{xl_col_to_name(cm)}${meta_row[key] + 1}"
                A = mc("traffic")
                bcell = f"{xl_col_to_name(cb)}{R_}"
                if n == 0:
                    ws.write_number(r, cb, 1, fmt_b)
                    ws.write_blank(r, cm, None, fmt_i)
                    ws.write_blank(r, co, None, fmt_i)
                    continue
                prev = f"{xl_col_to_name(cb)}{R_ - 1}"
                put_formula(ws, r, cb, f"={A}*{prev}/({n}+{A}*{prev})", fmt_b)
                wait = f"({n}*{bcell}/({n}-{A}*(1-{bcell})))"  # Erlang C: the chance a contact waits
                level = f"IF({mc('handle')}<=0,1,1-{wait}*EXP(-({n}-{A})*{mc('target')}/{mc('handle')}))"
                put_formula(ws, r, cm, f'=IF({mc("key")}="",1,IF({n}<={A},0,IF({level}>={mc("goal")}-1E-12,1,0)))', fmt_i)
                put_formula(ws, r, co, (f'=IF(AND({mc("first")}=1,{n}>={mc("start")},COUNTIFS({key_row},{mc("key")},{met_row},0)=0),1,0)'),
                                 fmt_i)
        ws.set_column(0, 0, 24)
        ws.set_column(1, 3 * q, 11)
        self.finish(ws, ER_FIRST, 1)

    def write_summary(self, ws) -> dict:
        """The Summary: the package's headline, the tiers at the negotiated intervals, the package per tier, people per role,
        support, and what the sheet assumes."""
        T, I = schema.TIERS, schema.INTERVALS
        lay = summary_layout(self.content)
        self.title(
            ws, "Summary",
            "The negotiated package priced as the plan prices it: every account in the tier the plan gives it, whole people per "
            "role, support from the SLAs. Formulas only: they follow every edit (the working is on Placement, Package and Erlang).",
        )
        for j, w in enumerate(SUMMARY_WIDTHS):
            ws.set_column(j, j, w)
        last_col = len(SUMMARY_WIDTHS) - 1
        heading = self.f("title", font_size=13)
        label = self.f("label", bold=True)
        note = self.f("label", font_color="#404040", italic=True)
        text = self.f("formula", "@")
        wrap = self.f("label", text_wrap=True)
        budget = schema.FINANCE.setting("budget").name

        # ---- headline
        ws.write_string(lay["headline_heading"], 0, "The negotiated package, priced as the plan prices it", heading)
        hl = lay["headline"]
        cell = lambda key: _ref(hl[key], 3)
        cost_cell = cell("cost")
        headline = {
            "budget": f'=IF(ISNUMBER({budget}),{budget},"")',
            "cost": "=pk_total",
            "share": f'=IF(AND(ISNUMBER({budget}),{budget}>0),{cost_cell}/{budget},"")',
            "left": f'=IF(ISNUMBER({budget}),{budget}-{cost_cell},"")',
            "people": "=pk_people",
            "verdict": (f'=IF(pk_fail_count=0,IF(ISNUMBER({budget}),"Yes: it fits the budget and every requirement.",'
                        f'"No budget on the Finance sheet yet; every other requirement holds."),'
                        f'"No: "&IF(pk_fail_count=1,"this requirement fails: ","these requirements fail: ")&pk_fails&".")'),
            "service": "=" + _ref(lay["tier_total"], [k for k, _, _ in TIER_COLUMNS].index("cost_to_serve")),
        }
        for key, text_label, numfmt, line in HEADLINE_ROWS:
            r = hl[key]
            ws.merge_range(r, 0, r, 2, text_label, label)
            bold = key in ("cost", "verdict")
            fmt = self.f("total" if bold else "formula", numfmt, **({"text_wrap": True} if key == "verdict" else {}))
            if key == "verdict":
                ws.merge_range(r, 3, r, last_col, "", fmt)
                put_formula(ws, r, 3, headline[key], fmt)
                ws.set_row(r, 46)
            else:
                put_formula(ws, r, 3, headline[key], fmt)
                if line:
                    ws.merge_range(r, 4, r, last_col, line, note)
                    if guide.estimated_lines(line, sum(SUMMARY_WIDTHS[4:])) > 1:
                        ws.set_row(r, 15 * guide.estimated_lines(line, sum(SUMMARY_WIDTHS[4:])) + 1)
        self.book.define_name(PLAN_COST_NAME, f"={schema.SUMMARY_SHEET}!{_abs(hl['cost'], 3)}")
        self.book.define_name(PEOPLE_NAME, f"={schema.SUMMARY_SHEET}!{_abs(hl['people'], 3)}")
        self.book.define_name(VERDICT_NAME, f"={schema.SUMMARY_SHEET}!{_abs(hl['verdict'], 3)}")
        red = self.book.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"})
        green = self.book.add_format({"font_color": "#006100", "bg_color": "#C6EFCE"})
        ws.conditional_format(hl["share"], 3, hl["share"], 3, {"type": "cell", "criteria": ">", "value": 1, "format": red})
        ws.conditional_format(hl["left"], 3, hl["left"], 3, {"type": "cell", "criteria": "<", "value": 0, "format": red})
        ws.conditional_format(hl["verdict"], 3, hl["verdict"], 3, {"type": "text", "criteria": "begins with", "value": "No:", "format": red})
        ws.conditional_format(hl["verdict"], 3, hl["verdict"], 3, {"type": "text", "criteria": "begins with", "value": "Yes", "format": green})

        # ---- tiers at the negotiated intervals
        ws.write_string(lay["tier_header"] - 1, 0, "Tiers at the negotiated intervals: accounts as the plan places them", heading)
        self.headers(ws, lay["tier_header"], [h for _, h, _ in TIER_COLUMNS])
        cols = {key: j for j, (key, _, _) in enumerate(TIER_COLUMNS)}
        c = lambda key, r: _ref(r, cols[key])
        tier_col = self.col(T, "name")
        it_tier = self.col(I, "tier")
        for k in range(1, K + 1):
            r = lay["tier_first"] + k - 1
            t = "$" + c("tier", r)
            f = {
                "tier": f'=IF(ROWS({tier_col})>={k},INDEX({tier_col},{k})&"","")',
                "accounts": f'=IF({t}="","",INDEX(pl_planned,{k}))',
                "previous": f'=IF({t}="","",INDEX(pl_previous,{k}))',
                "new": f'=IF({t}="","",INDEX(pl_new,{k}))',
                "arr": f'=IF({t}="","",INDEX(pl_planned_arr,{k}))',
                "annual_cost_per_account": f'=IF({t}="","",SUMIF({it_tier},{t},{self.col(I, "annual_cost")}))',
                "asv_per_account": f'=IF({t}="","",SUMIF({it_tier},{t},{self.col(I, "asv")}))',
                "hours_per_account": f'=IF({t}="","",SUMPRODUCT(({it_tier}={t})*{self.col(I, "hours")}*{self.col(I, "negotiated")}))',
                "cost_to_serve": f'=IF({t}="","",{c("accounts", r)}*{c("annual_cost_per_account", r)})',
                "assessed_value": f'=IF({t}="","",{c("accounts", r)}*{c("asv_per_account", r)})',
                "cost_share_of_arr": f'=IF({t}="","",IF({c("arr", r)}>0,{c("cost_to_serve", r)}/{c("arr", r)},""))',
            }
            for key, _, numfmt in TIER_COLUMNS:
                put_formula(ws, r, cols[key], f[key], self.f("formula", numfmt))
        tr, top, bottom = lay["tier_total"], lay["tier_first"], lay["tier_first"] + K - 1
        for key, _, numfmt in TIER_COLUMNS:
            j = cols[key]
            fmt = self.f("total", numfmt)
            if key == "tier":
                ws.write_string(tr, j, "Total", fmt)
            elif key in ("accounts", "previous", "new", "arr", "cost_to_serve", "assessed_value"):
                put_formula(ws, tr, j, f"=SUM({_ref(top, j)}:{_ref(bottom, j)})", fmt)
            elif key == "cost_share_of_arr":
                put_formula(ws, tr, j, f'=IF({c("arr", tr)}>0,{c("cost_to_serve", tr)}/{c("arr", tr)},"")', fmt)
            else:
                ws.write_blank(tr, j, None, fmt)

        # ---- the package per tier (what the guardrails are checked on)
        ws.write_string(lay["package_tier_header"] - 1, 0, "The package per tier: CS cost as the plan checks it against the guardrails", heading)
        self.headers(ws, lay["package_tier_header"], [h for _, h, _, _ in PACKAGE_TIER_COLUMNS])
        for k in range(1, K + 1):
            r = lay["package_tier_first"] + k - 1
            t = "$" + _ref(r, 0)
            for j, (key, _, numfmt, src) in enumerate(PACKAGE_TIER_COLUMNS):
                if key == "tier":
                    formula = f"={c('tier', lay['tier_first'] + k - 1)}"
                else:
                    formula = f'=IF({t}="","",INDEX(pk_t_{src},{k}))'
                put_formula(ws, r, j, formula, self.f("formula", numfmt))
        ptr, ptop, pbot = lay["package_tier_total"], lay["package_tier_first"], lay["package_tier_first"] + K - 1
        for j, (key, _, numfmt, _) in enumerate(PACKAGE_TIER_COLUMNS):
            fmt = self.f("total", numfmt)
            if key == "tier":
                ws.write_string(ptr, j, "Total of the tiers", fmt)
            elif key in ("named_people", "named_cost", "shared_cost", "cost"):
                put_formula(ws, ptr, j, f"=SUM({_ref(ptop, j)}:{_ref(pbot, j)})", fmt)
            else:
                ws.write_blank(ptr, j, None, fmt)
        pr = lay["package_tier_pooled"]
        cost_j = [k for k, _, _, _ in PACKAGE_TIER_COLUMNS].index("cost")
        ws.merge_range(pr, 0, pr, cost_j - 1, "Pooled roles hired whole, beyond the hours counted in the tiers", label)
        put_formula(ws, pr, cost_j, f"={cost_cell}-{_ref(ptr, cost_j)}", self.f("formula", schema.MONEY_FORMAT))
        ws.merge_range(pr, cost_j + 1, pr, last_col, "With the tiers' total this is the package's cost.", note)
        wcol = [k for k, _, _, _ in PACKAGE_TIER_COLUMNS].index("within")
        ws.conditional_format(ptop, wcol, pbot, wcol, {"type": "cell", "criteria": "==", "value": '"Over"', "format": red})

        # ---- people per role
        ws.write_string(lay["role_header"] - 1, 0, "People per role", heading)
        hf = self.f("header")
        ws.write_string(lay["role_header"], 0, "Role", hf)
        ws.write_string(lay["role_header"], 1, "Staffing", hf)
        for k in range(1, K + 1):
            put_formula(ws, lay["role_header"], 1 + k, f'=IF({k}<=ROWS(TierList),INDEX(TierList,{k})&"","")', hf)
        ws.write_string(lay["role_header"], 2 + K, "All tiers (pooled)", hf)
        ws.write_string(lay["role_header"], 3 + K, "People", hf)
        ws.write_string(lay["role_header"], 4 + K, "Cost", hf)
        ws.write_string(lay["role_header"], 5 + K, "Set by", hf)
        ws.set_row(lay["role_header"], 45)
        integer = self.f("formula", "#,##0")
        money = self.f("formula", schema.MONEY_FORMAT)
        for i in range(1, self.sizes.roles + 1):
            r = lay["role_first"] + i - 1
            role = _ref(r, 0, col_abs=True)
            staffing = _ref(r, 1, col_abs=True)
            put_formula(ws, r, 0, f"=INDEX(pk_r_role,{i})", text)
            put_formula(ws, r, 1, f'=IF({role}="","",INDEX(pk_r_staffing,{i}))', text)
            for k in range(1, K + 1):
                unit = (i - 1) * K + k  # blank where the role may not serve the tier
                put_formula(ws, r, 1 + k, (f'=IF(OR({role}="",{staffing}<>"Named",{k}>ROWS(TierList)),"",'
                                           f'IF(INDEX(pk_u_may,{unit})=1,INDEX(pk_u_people,{unit}),""))'), integer)
            put_formula(ws, r, 2 + K, f'=IF({staffing}="Pooled",INDEX(pk_r_people,{i}),"")', integer)
            put_formula(ws, r, 3 + K, f'=IF({role}="","",INDEX(pk_r_people,{i}))', integer)
            put_formula(ws, r, 4 + K, (f'=IF({role}="","",IF({staffing}="Automated",SUMIF(pk_c_role_n,{i},pk_c_automated)'
                                        f'+SUMIF(pk_q_role_n,{i},pk_q_automated),INDEX(pk_r_cost,{i})))'), money)
            put_formula(ws, r, 5 + K, f'=IF({role}="","",INDEX(pk_r_set_by,{i}))', text)
        rd, rt = lay["role_direct"], lay["role_total"]
        ws.merge_range(rd, 0, rd, 3 + K, "Direct service costs", label)
        put_formula(ws, rd, 4 + K, "=pk_direct", money)
        ws.write_string(rt, 0, "Total", self.f("total", "@"))
        for j in range(1, 6 + K):
            if j == 3 + K:
                put_formula(ws, rt, j, "=pk_people", self.f("total", "#,##0"))
            elif j == 4 + K:
                put_formula(ws, rt, j, f"=SUM({_ref(lay['role_first'], j)}:{_ref(rd, j)})", self.f("total", schema.MONEY_FORMAT))
            else:
                ws.write_blank(rt, j, None, self.f("total"))

        # ---- support
        ws.write_string(lay["queue_header"] - 1, 0, "Support staffed from the SLAs", heading)
        self.headers(ws, lay["queue_header"], ["Tier", "Channel", "Handled by", "Tickets per month", "Agents on shift (chat, phone)", "Hours per year",
                                               "Cost at the hourly rate"])
        for q in range(1, lay["queue_rows"] + 1):
            r = lay["queue_first"] + q - 1
            at = f"MATCH({q},pk_q_number,0)"
            val = lambda key: f'=IFERROR(INDEX(pk_q_{key},{at}),"")'
            put_formula(ws, r, 0, val("tier"), text)
            put_formula(ws, r, 1, val("channel"), text)
            put_formula(ws, r, 2, val("role"), text)
            put_formula(ws, r, 3, val("queue_volume"), self.f("formula", "#,##0.0"))
            put_formula(ws, r, 4, val("agents"), integer)
            put_formula(ws, r, 5, val("hours"), integer)
            put_formula(ws, r, 6, val("cost"), money)
        qt = lay["queue_total"]
        ws.write_string(qt, 0, "Total", self.f("total", "@"))
        for j in range(1, 7):
            if j == 5:
                put_formula(ws, qt, j, '=SUMIF(pk_q_first,1,pk_q_hours)', self.f("total", "#,##0"))
            elif j == 6:
                put_formula(ws, qt, j, "=pk_support_cost", self.f("total", schema.MONEY_FORMAT))
            else:
                ws.write_blank(qt, j, None, self.f("total"))
        ws.merge_range(qt, 7, qt, last_col, "Support hours are part of their role's workload: its whole people above carry them.", note)

        # ---- what the sheet assumes
        ah = lay["assumptions_header"]
        ws.write_string(ah, 0, "What this sheet assumes", heading)
        cut_list = "&".join(
            f'IF({k}<pl_k,IF({k}>1,", ","")&INDEX(TierList,{k})&" from "&FIXED(INDEX(pl_cuts,{k})/100,2),"")' for k in range(1, K))
        dynamic = {
            "accounts": ('="All "&FIXED(pl_n,0)&" accounts are counted, each in the tier the plan will give it (sheet Placement). "'
                         '&FIXED(SUM(pl_new),0)&" have no previous tier on the Tiers sheet ("&FIXED(SUM(pl_new_arr),0)&" of ARR): they are '
                         'placed by their score. The others keep their previous tier unless their score is more than the re-tiering '
                         'margin ("&FIXED(pl_m/100,2)&" points) past a cut-off; strategic, churn-risk and locked accounts then follow '
                         'their flags, as in tierplan segment."'),
            "cutoffs": (f'=IF(pl_trust=1,"Check: the previous tiers follow one score cut-off per tier, so the plan keeps the last '
                        f'assessment\'s cut-offs where the bands allow, while this sheet fits them afresh: its counts may differ from the '
                        f'plan\'s. tierplan segment gives the exact tiers.",IF(pl_stdok=0,"Check: the cut-offs fitted to the bands here '
                        f'miss a band; the plan then moves them where other cut-offs meet every band, so its counts may differ. tierplan '
                        f'segment gives the exact tiers.","Score cut-offs fitted to the bands, as the plan fits them when the previous tiers '
                        f'do not follow one cut-off per tier: "&{cut_list}&"."))'),
            "limits": ('=IF(pk_limits="","Every row of this workbook\'s tables is counted.","Check: "&pk_limits&"those rows are left '
                       'out of these figures.")'),
        }
        for key in ASSUMPTION_KEYS:
            r = lay["assumptions"][key]
            ws.write_string(r, 0, ASSUMPTION_LABELS[key], label)
            body = ASSUMPTION_TEXT.get(key)
            ws.merge_range(r, 1, r, last_col, "", wrap)
            if body is not None:
                ws.write_string(r, 1, body, wrap)
                lines = guide.estimated_lines(body, sum(SUMMARY_WIDTHS[1:]))
            else:
                put_formula(ws, r, 1, dynamic[key], wrap)
                lines = {"accounts": 3, "cutoffs": 3, "limits": 2}[key]
            ws.set_row(r, 15 * max(lines, 1) + 2)
        ws.freeze_panes(3, 1)
        ws.hide_gridlines(2)
        return lay


# ------------------------------------------------------------------ Summary

#: The headline block: (key, label, number format, note).
HEADLINE_ROWS = (
    ("budget", "Annual CS budget", schema.MONEY_FORMAT, ""),
    ("cost", "Negotiated package: total cost", schema.MONEY_FORMAT,
     "Whole people per role, direct and automated costs and support staffed from the SLAs, at the negotiated intervals: "
     "what tierplan optimize --mode min_cost prices."),
    ("share", "Share of the budget", schema.PERCENT_FORMAT, ""),
    ("left", "Left in the budget (negative: over it)", schema.MONEY_FORMAT, ""),
    ("people", "People", "#,##0", "Named roles are counted per tier, pooled roles across the tiers they serve (table below)."),
    ("verdict", "Does the package fit?", "@", ""),
    ("service", "Service time and direct cost only", schema.MONEY_FORMAT,
     "The tier table below: each service's hours at its role's hourly rate plus its direct costs. Whole people, books of "
     "accounts and support staffing make the difference to the package's cost."),
)

#: Per-tier table: (key, header, number format).
TIER_COLUMNS = (
    ("tier", "Tier", "@"),
    ("accounts", "Accounts in the plan", "#,##0"),
    ("previous", "With this previous tier", "#,##0"),
    ("new", "New, placed here by score", "#,##0"),
    ("arr", "ARR", schema.MONEY_FORMAT),
    ("annual_cost_per_account", "Annual cost per account", schema.MONEY_FORMAT),
    ("asv_per_account", "Assessed Service Value per account", schema.MONEY_FORMAT),
    ("hours_per_account", "Hours per account", "#,##0.0"),
    ("cost_to_serve", "Service time and direct cost", schema.MONEY_FORMAT),
    ("assessed_value", "Assessed Service Value", schema.MONEY_FORMAT),
    ("cost_share_of_arr", "Service cost % of ARR", schema.PERCENT_FORMAT),
)

#: Package per tier: (key, header, number format, Package tier column).
PACKAGE_TIER_COLUMNS = (
    ("tier", "Tier", "@", None),
    ("named_people", "Named people", "#,##0", "named_people"),
    ("named_cost", "Named people cost", schema.MONEY_FORMAT, "named_cost"),
    ("shared_cost", "Pooled hours, automated and direct cost", schema.MONEY_FORMAT, "shared_cost"),
    ("cost", "CS cost of the tier", schema.MONEY_FORMAT, "cost"),
    ("share", "CS cost % of ARR", schema.PERCENT_FORMAT, "share"),
    ("guard", "Max CS cost % of ARR", schema.PERCENT_FORMAT, "guard"),
    ("within", "Within guardrail", "@", "within"),
)

SUMMARY_WIDTHS = (26, 12, 12, 12, 13, 13, 14, 12, 14, 14, 12, 12)
ASSUMPTION_KEYS = ("accounts", "cutoffs", "intervals", "people", "support", "limits")
ASSUMPTION_LABELS = {
    "accounts": "Accounts", "cutoffs": "Cut-offs", "intervals": "Intervals", "people": "People", "support": "Support",
    "limits": "Limits",
}
ASSUMPTION_TEXT = {
    "intervals": (
        "Each service is delivered at its negotiated interval, rounded up to its step and never below its minimum. Where a "
        "service keeps tier order, a higher tier is raised to the nearest lower tier that offers the service; a tier whose "
        "maximum is 0 does not offer it and is skipped. Nothing is delivered above that: this is the cheapest way to deliver "
        "the package."),
    "people": (
        "People are hired whole. Named roles: per tier, the larger of hours needed / productive hours and the tier's accounts / "
        "max accounts per person (when the role serves the tier). Pooled roles: the same across every tier they serve. "
        "Automated roles cost their hours at the hourly rate."),
    "support": (
        "Chat and phone: Erlang C, the fewest agents on shift that answer every severity's share within its target with "
        "occupancy at most the cap; they need agents x open hours a year. Email/ticket: volume x handle time / occupancy cap. "
        "Those hours are divided by productive hours like every other task: productive hours already leave out time off, "
        "breaks and meetings, so shrinkage is not added again."),
}


def queue_count(content) -> int:
    """Support queues of a content: SLA rows grouped by tier, channel and role."""
    keys = {(str(r.get("tier", "")).lower(), str(r.get("channel", "")).lower(), str(r.get("role", "")).lower()) for r in content.slas}
    return len(keys)


def summary_layout(content) -> dict:
    """Where the Summary's blocks are (0-based rows) for a content."""
    sizes = Sizes.of(content)
    head = 4
    headline = {key: head + 1 + i for i, (key, _, _, _) in enumerate(HEADLINE_ROWS)}
    tier_header = headline["service"] + 3
    tier_first = tier_header + 1
    tier_total = tier_first + K
    pt_header = tier_total + 3
    pt_first = pt_header + 1
    pt_total = pt_first + K
    pt_pooled = pt_total + 1
    role_header = pt_pooled + 3
    role_first = role_header + 1
    role_direct = role_first + sizes.roles
    role_total = role_direct + 1
    queue_rows = min(sizes.slas, queue_count(content) + 4)
    queue_header = role_total + 3
    queue_first = queue_header + 1
    queue_total = queue_first + queue_rows
    assume_header = queue_total + 2
    assumptions = {key: assume_header + 1 + i for i, key in enumerate(ASSUMPTION_KEYS)}
    return {
        "headline_heading": head, "headline": headline, "tier_header": tier_header, "tier_first": tier_first,
        "tier_total": tier_total, "package_tier_header": pt_header, "package_tier_first": pt_first,
        "package_tier_total": pt_total, "package_tier_pooled": pt_pooled, "role_header": role_header,
        "role_first": role_first, "role_rows": sizes.roles, "role_direct": role_direct, "role_total": role_total,
        "queue_header": queue_header, "queue_first": queue_first, "queue_rows": queue_rows, "queue_total": queue_total,
        "assumptions_header": assume_header, "assumptions": assumptions, "n_tiers": K,
    }




__all__ = [
    "ERLANG_ROWS", "ERLANG_SHEET", "HELPER_SHEETS", "PACKAGE_SHEET", "PEOPLE_NAME", "PLACEMENT_SHEET", "PLAN_COST_NAME",
    "VERDICT_NAME",
    "Sizes", "Writer", "can_price", "summary_layout",
]
