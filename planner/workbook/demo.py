"""The demo workbook: the template's defaults plus 2,000 made-up accounts and a budget that binds.

:func:`demo_accounts` is vectorised (numpy, no Python loop over rows) and
deterministic for a given ``(n, seed)``, so benchmarks can make 100k or 1M
account CSVs with it quickly. Account names are assembled from invented
syllables; they are not meant to name any real company.

Shape of the data (2,000 accounts, seed 20261122):
- ARR is lognormal (median about $13K): a few percent above $100K, about a
  quarter between $25K and $100K, the rest below $25K; total about $50M.
- Employees grow with ARR; signals (growth, reference, logo value,
  integrations, tickets, health, tenure) are correlated with size and with
  each other, with a few percent blanks in some columns to exercise data gaps.
- Previous tier follows ARR with some noise (accounts that drifted); about 5%
  of accounts are new and have no previous tier or score.
- A handful of locked tiers with reasons, a few strategic and churn-risk flags.
- Outcome columns (renewals, churn, expansion, usage, seats, health a period ago) and a helpdesk ticket
  export (:mod:`planner.workbook.demo_operations`), as of :data:`DEMO_AS_OF`, with realistic rates.
- One pilot: pooled-CSM check-ins for 250 randomly chosen accounts of the largest previous tier over the
  year to DEMO_AS_OF; they prevented most of the churn they met (:data:`DEMO_PILOT_EFFECT`), so the
  report's Pilots section has a real result to show.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from planner.workbook.defaults import DEFAULT_OPERATIONS, TIER_NAMES, WorkbookContent, account_columns, default_content

DEMO_SEED = 20261122
DEMO_ACCOUNTS = 2_000

#: Annual CS budget of the demo: a little below what the negotiated package costs (the Summary
#: sheet and `tierplan optimize --mode min_cost` both price it at 5,727,600: whole people,
#: books of accounts and support included), so the negotiated plan is a little unaffordable
#: and the optimizer has to trade.
DEMO_BUDGET = 5_400_000
# Tier 2 ARR guardrail: an account of $100,000 ARR or more is never left in Tier 3 (the demo's Tier 3 tops out at $85,000).
DEMO_TIER2_ARR_FLOOR = 100_000.0

# ARR: lognormal with P(ARR > 25K) ~ 29% and P(ARR > 100K) ~ 4%
_ARR_MU = 9.49
_ARR_SIGMA = 1.157
_ARR_FLOOR = 1_200.0

_NAME_HEADS = np.array([
    "Bral", "Corv", "Dexa", "Elm", "Fenn", "Galv", "Hux", "Ivor", "Jarr", "Kelv", "Lum", "Morv",
    "Nexo", "Orbi", "Pell", "Quin", "Rosk", "Sabl", "Torv", "Ulm", "Veyr", "Wexl", "Yarr", "Zant",
])
_NAME_TAILS = np.array([
    "amere", "brook", "cott", "dell", "eton", "ford", "gate", "holt", "ira", "lyn", "mark", "nova",
    "oak", "pike", "quay", "rith", "stead", "tide", "vale", "wick",
])
_NAME_KINDS = np.array([
    " Analytics", " Systems", " Group", " Labs", " Health", " Logistics", " Partners", " Foods",
    " Studios", " Energy", " Capital", " Learning", " Retail", " Works", " Mobility", " Bio",
])
INDUSTRIES = np.array([
    "Software", "Financial services", "Healthcare", "Retail", "Manufacturing", "Education",
    "Media", "Logistics", "Public sector", "Professional services",
])
_INDUSTRY_P = np.array([0.18, 0.14, 0.12, 0.10, 0.12, 0.07, 0.06, 0.07, 0.05, 0.09])
REGIONS = np.array(["NA", "EMEA", "APAC", "LATAM"])
_REGION_P = np.array([0.50, 0.30, 0.15, 0.05])
PRODUCTS = np.array(["Starter", "Professional", "Enterprise", "Analytics add-on"])
LOCK_REASONS = np.array([
    "Board-level partnership agreement",
    "Contractual SLA requires named coverage",
    "Pilot customer for the new platform",
    "Regulated industry: audit commitments",
    "Executive escalation under review",
])


def demo_accounts(n: int = DEMO_ACCOUNTS, seed: int = DEMO_SEED, tiers: tuple[str, ...] = TIER_NAMES) -> pd.DataFrame:
    """``n`` made-up accounts, the same for the same ``(n, seed)``.

    Columns: the fixed Accounts columns under their canonical keys and the
    signal columns of the default scoring rules under their headers, in the
    order of :func:`planner.workbook.defaults.account_columns`. Previous and
    locked tiers use ``tiers`` (highest first; three tiers by default).
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(n)  # size factor shared by many signals
    arr = np.maximum(np.round(np.exp(_ARR_MU + _ARR_SIGMA * z), -2), _ARR_FLOOR)
    size = (np.log(arr) - _ARR_MU) / _ARR_SIGMA  # standardised size, ~ z

    width = max(6, len(str(n)))
    ids = ("ACC-" + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(width)).to_numpy(dtype=object)
    # every head x tail x kind combination once, then one index per account
    all_names = np.array([h + t + k for h in _NAME_HEADS for t in _NAME_TAILS for k in _NAME_KINDS], dtype=object)
    head = rng.integers(0, len(_NAME_HEADS), n)
    tail = rng.integers(0, len(_NAME_TAILS), n)
    kind = rng.integers(0, len(_NAME_KINDS), n)
    names = all_names[(head * len(_NAME_TAILS) + tail) * len(_NAME_KINDS) + kind]
    industry = INDUSTRIES[rng.choice(len(INDUSTRIES), n, p=_INDUSTRY_P)]
    region = REGIONS[rng.choice(len(REGIONS), n, p=_REGION_P)]
    employees = np.maximum(np.round(arr / 160.0 * np.exp(0.6 * rng.standard_normal(n))), 3)

    # product follows size
    product_idx = np.clip(np.floor(size * 0.9 + 1.0 + 0.5 * rng.standard_normal(n)), 0, 2).astype(int)
    product_idx = np.where(rng.random(n) < 0.08, 3, product_idx)
    product = PRODUCTS[product_idx]

    # growth signals
    g = rng.standard_normal(n)
    arr_growth = np.round(np.clip(0.08 + 0.15 * g - 0.02 * size, -0.6, 1.5), 3)
    seat_growth = np.round(np.clip(0.05 + 0.12 * (0.6 * g + 0.8 * rng.standard_normal(n)), -0.6, 1.5), 3)
    # strategic signals
    reference = (rng.random(n) < np.clip(0.02 + 0.05 * (size + 0.5), 0.005, 0.6)).astype(float)
    logo = np.clip(np.round(2.0 + 0.9 * size + 0.8 * rng.standard_normal(n)), 1, 5)
    # engagement complexity
    integrations = rng.poisson(np.clip(1.0 + 1.4 * (size + 1.2), 0.2, 12.0)).astype(float)
    tickets = np.round(rng.gamma(2.0, np.clip(0.25 + 0.08 * integrations, 0.1, 3.0)), 1)
    # health and maturity
    tenure = np.clip(np.round(rng.exponential(30.0, n) + 1), 1, 144)
    health = np.round(np.clip(68 + 8 * g + 0.08 * tenure - 1.5 * tickets + 12 * rng.standard_normal(n), 0, 100))

    # previous tier follows ARR with noise; about 5% of accounts are new
    noisy = np.log(arr) + 0.35 * rng.standard_normal(n)
    k = len(tiers)
    cuts = np.log(np.array([100_000.0, 25_000.0]))
    if k == 3:
        rank = np.where(noisy >= cuts[0], 0, np.where(noisy >= cuts[1], 1, 2))
    else:
        # spread the same ARR ladder over k tiers
        edges = np.quantile(noisy, np.linspace(1, 0, k + 1)[1:-1]) if n else np.array([])
        rank = np.searchsorted(-edges, -noisy, side="right") if n else np.zeros(0, dtype=int)
    tier_arr = np.array(tiers, dtype=object)
    new = rng.random(n) < 0.05
    previous_tier = np.where(new, None, tier_arr[np.clip(rank, 0, k - 1)])
    tenure = np.where(new, np.clip(np.round(rng.uniform(1, 11, n)), 1, 11), tenure)
    pct = (pd.Series(noisy).rank(pct=True).to_numpy() if n else np.zeros(0))
    previous_score = np.where(new, np.nan, np.round(np.clip(100 * pct + 6 * rng.standard_normal(n), 0, 100), 1))

    # locks, strategic and churn-risk flags
    n_locks = max(1, round(n * 0.004)) if n else 0
    lock_at = rng.choice(n, n_locks, replace=False) if n else np.zeros(0, dtype=int)
    locked_tier = np.full(n, None, dtype=object)
    lock_reason = np.full(n, None, dtype=object)
    locked_tier[lock_at] = tier_arr[np.minimum(rank[lock_at], k - 1)]
    # most locks hold an account one tier above where its ARR would put it
    up = rng.random(n_locks) < 0.7
    locked_tier[lock_at[up]] = tier_arr[np.maximum(rank[lock_at[up]] - 1, 0)]
    lock_reason[lock_at] = LOCK_REASONS[rng.integers(0, len(LOCK_REASONS), n_locks)]
    strategic = rng.random(n) < np.clip(0.002 + 0.006 * (size + 1.0) + 0.08 * reference, 0, 0.5)
    churn = rng.random(n) < np.clip(0.03 + 0.002 * (70 - health), 0.005, 0.3)
    yes_no = np.array(["No", "Yes"], dtype=object)

    # data gaps: a few percent blanks in some signal columns
    def gaps(values: np.ndarray, share: float) -> np.ndarray:
        out = values.astype(float).copy()
        out[rng.random(n) < share] = np.nan
        return out

    frame = pd.DataFrame(
        {
            "account_id": ids,
            "name": names,
            "arr": arr,
            "industry": industry.astype(object),
            "employees": gaps(employees, 0.02),
            "region": region.astype(object),
            "product": product.astype(object),
            "ARR growth %": gaps(arr_growth, 0.03),
            "Seat growth %": gaps(seat_growth, 0.04),
            "Reference customer": reference,
            "Logo value": gaps(logo, 0.02),
            "Integrations": integrations,
            "Tickets per month": gaps(tickets, 0.03),
            "Health score": gaps(health, 0.05),
            "Tenure months": tenure.astype(float),
            "previous_tier": previous_tier,
            "previous_score": previous_score,
            "locked_tier": locked_tier,
            "lock_reason": lock_reason,
            "strategic": yes_no[strategic.astype(int)],
            "churn_risk": yes_no[churn.astype(int)],
        }
    )
    return frame[account_columns()]


#: The CFO's counter-offer in the demo's negotiation (scenario "CFO budget").
CFO_BUDGET = 5_000_000


def _change(scenario: str, sheet: str, column: str, value: object, note: str = "", **row: str) -> dict:
    return {"scenario": scenario, "sheet": sheet, "column": column, "value": value, "note": note, **row}


def demo_scenarios() -> list[dict]:
    """The three what-ifs of the demo's negotiation, as rows of the Scenarios sheet.

    - "CS lead package": the CS lead's ask, more guaranteed touch for Tier 1 and Tier 2 (higher minimums, so the
      optimizer may not trade them away) and smaller Mid-market books (80 accounts per CSM instead of 100);
    - "CFO budget": the CFO's counter-offer, the same plan within 5,000,000 instead of 5,400,000;
    - "Digital-first Tier 3": Tier 3's renewals and escalations handled by automated programmes instead of Scaled
      CSM time, with more digital best-practice content.
    """
    lead, cfo, digital = "CS lead package", "CFO budget", "Digital-first Tier 3"
    why_lead = "CS lead: Tier 1 and Tier 2 renewals depend on guaranteed touch"
    why_digital = "Digital team: automate Tier 3 renewals and escalations"
    return [
        _change(lead, "Intervals", "Minimum per year", 4, why_lead, service="Executive sponsorship", tier="Tier 1"),
        _change(lead, "Intervals", "Minimum per year", 4, why_lead, service="Quarterly business review", tier="Tier 1"),
        _change(lead, "Intervals", "Minimum per year", 2, why_lead, service="Quarterly business review", tier="Tier 2"),
        _change(lead, "Intervals", "Minimum per year", 4, why_lead, service="Assigned CSM", tier="Tier 2"),
        _change(lead, "Intervals", "Minimum per year", 1, why_lead, service="Health check", tier="Tier 2"),
        _change(lead, "Roles", "Max accounts per person", 80, "CS lead: Mid-market books of 100 are too large", role="Mid-market CSM"),
        _change(cfo, "Finance", "Annual CS budget", CFO_BUDGET, "CFO: hold customer success at 5.0M next year"),
        _change(digital, "Intervals", "Delivered by", "Digital", why_digital, service="Renewal", tier="Tier 3"),
        _change(digital, "Intervals", "Hours per occurrence", 0, why_digital, service="Renewal", tier="Tier 3"),
        _change(digital, "Intervals", "Delivered by", "Digital", why_digital, service="Escalation management", tier="Tier 3"),
        _change(digital, "Intervals", "Hours per occurrence", 0, why_digital, service="Escalation management", tier="Tier 3"),
        _change(digital, "Intervals", "Maximum per year", 24, "Digital team: a monthly best-practice series", service="Best practice advice",
                tier="Tier 3"),
    ]


#: Share of the churn the demo pilot's accounts would have had that the check-ins prevented.
DEMO_PILOT_EFFECT = 0.65
#: The check-ins: four of 45 minutes a year of a Scaled CSM per pilot account.
DEMO_PILOT_CHECKIN_HOURS = 4 * 0.75


def demo_pilot_extra_cost() -> float:
    """What the check-ins cost per account and year: their hours at the Scaled CSM's loaded cost per productive hour."""
    from planner.workbook.defaults import SCALED_CSM

    role = next(r for r in default_content().roles if r["name"] == SCALED_CSM)
    return round(DEMO_PILOT_CHECKIN_HOURS * role["loaded_cost"] / role["productive_hours"])


def demo_content(n_accounts: int = DEMO_ACCOUNTS, seed: int = DEMO_SEED, ticket_export: str | None = None) -> WorkbookContent:
    """The demo workbook's content: the defaults, made-up accounts with their outcomes, a pilot, DEMO_BUDGET, three scenarios
    and the as-of date (the Finance sheet's As of, the day the operating figures are taken at too).

    ``ticket_export``: the file name the Operations sheet gives for the ticket export (None: none).
    """
    from planner.workbook.demo_operations import DEMO_AS_OF, DEMO_TIMEZONE, demo_outcomes

    base = default_content()
    finance = dict(base.finance)
    finance["budget"] = DEMO_BUDGET
    finance["as_of"] = DEMO_AS_OF
    tiers = [dict(t) for t in base.tiers]
    tiers[1]["arr_at_least"] = DEMO_TIER2_ARR_FLOOR
    accounts = demo_accounts(n_accounts, seed)
    outcomes = demo_outcomes(accounts)
    pilot, outcomes = demo_pilot_row(accounts, outcomes)
    operations = dict(DEFAULT_OPERATIONS, figures_as_of=DEMO_AS_OF, time_zone=DEMO_TIMEZONE, ticket_export=ticket_export)
    return dataclasses.replace(
        base,
        tiers=tiers,
        finance=finance,
        accounts=pd.concat([accounts.reset_index(drop=True), outcomes], axis=1),
        operations=operations,
        pilots=[pilot] if pilot else [],
        title="TierPlan demo workbook",
        scenarios=demo_scenarios(),
    )


def demo_pilot_row(accounts: pd.DataFrame, outcomes: pd.DataFrame) -> tuple[dict | None, pd.DataFrame]:
    """The demo's Pilots row and the outcome columns with the pilot's effect in them (a copy).

    The pilot's accounts are drawn at random from the largest previous tier (planner.pilots.demo);
    of those that churned in the pilot year, DEMO_PILOT_EFFECT renewed instead (fixed seed).
    """

    from planner.pilots.demo import DEMO_PILOT_NAME, DEMO_PILOT_SEED, DEMO_PILOT_SIZE, choose_accounts
    from planner.workbook.demo_operations import DEMO_AS_OF

    tiered = accounts["previous_tier"].notna().to_numpy()  # the pilot ran last year: new accounts were not there
    frame = pd.DataFrame({
        "account_id": accounts["account_id"].astype(str).to_numpy()[tiered],
        "tier": accounts["previous_tier"].astype(str).to_numpy()[tiered],
    })
    if len(frame) < 9:
        return None, outcomes
    rng = np.random.default_rng(DEMO_PILOT_SEED)
    tier, ids = choose_accounts(frame, rng, DEMO_PILOT_SIZE)
    out = outcomes.copy()
    in_pilot = accounts["account_id"].astype(str).isin(ids).to_numpy()
    churned = (out["Churned"] == "Yes").to_numpy()
    saved = in_pilot & churned & (rng.random(len(out)) < DEMO_PILOT_EFFECT)
    out.loc[saved, "Churned"] = "No"
    out.loc[saved & out["Renewed"].notna().to_numpy(), "Renewed"] = "Yes"
    start = DEMO_AS_OF - dt.timedelta(days=364)
    row = {
        "name": DEMO_PILOT_NAME,
        "accounts": ", ".join(ids),
        "change": f"{tier} accounts get a quarterly check-in from a pooled CSM",
        "served_as": None,
        "extra_cost": demo_pilot_extra_cost(),
        "start": start,
        "end": DEMO_AS_OF,
        "outcome": "Renewal",
        "sides": "Two-sided",
        "baseline": "Matched accounts",
    }
    return row, out


def write_demo(path: str | Path) -> Path:
    """Write the demo workbook (2,000 accounts, fixed seed) to ``path``, and its helpdesk ticket export beside it."""
    from planner.workbook.template import write_workbook

    path = Path(path)
    write_workbook(path, demo_content(ticket_export=demo_tickets_path(path).name))
    write_demo_tickets_beside(path)
    return path


def demo_tickets_path(book: str | Path) -> Path:
    """Where the demo's ticket export sits beside a demo workbook: ``<stem>_tickets.csv``."""
    book = Path(book)
    return book.with_name(f"{book.stem}_tickets.csv")


def write_demo_tickets_beside(book: str | Path) -> Path:
    from planner.workbook.demo_operations import write_demo_tickets

    return write_demo_tickets(demo_tickets_path(book), demo_accounts())
