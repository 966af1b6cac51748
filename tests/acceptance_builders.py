"""Workbook and export variants for the acceptance tests (tests/test_acceptance_*.py).

Every variant is built as a WorkbookContent (planner.workbook.defaults) and written with the template
writer, the way a user's hand edits would end up in a real .xlsx; nothing here touches the committed
workbooks under workbooks/.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from planner.workbook.defaults import WorkbookContent, default_content
from planner.workbook.demo import DEMO_ACCOUNTS, DEMO_SEED, demo_accounts, demo_content
from planner.workbook.template import write_workbook

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "workbooks" / "tierplan_demo.xlsx"
#: "7 roles" as `tierplan validate` counts the default Roles sheet (the 15 services are the source catalog's).
ROLES = f"{len(default_content().roles)} roles"


def tierplan(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the real command line (`python -m planner ...`) as a new user would."""
    return subprocess.run([sys.executable, "-m", "planner", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def write(path: Path, content: WorkbookContent) -> Path:
    return write_workbook(path, content)


# ------------------------------------------------------------------ edits a user makes by hand


def feasible_demo_content(budget: float = 7_000_000) -> WorkbookContent:
    """The demo with the CS-cost guardrails cleared and a budget the negotiated plan fits in.

    Variants that change the tiers (a fourth tier, renamed tiers, hostile names) start from this one so they
    stay plannable whatever the lead tunes in the demo's own budget and guardrails.
    """
    c = demo_content()
    for t in c.tiers:
        t["max_cost_share"] = None
    c.finance["budget"] = budget
    return c


def rename_tier(c: WorkbookContent, old: str, new: str, *, tiers_sheet_only: bool = False,
                previous_tiers: bool = True) -> WorkbookContent:
    """Rename a tier on the Tiers sheet and (unless tiers_sheet_only) everywhere else the workbook names it."""
    for t in c.tiers:
        if t["name"] == old:
            t["name"] = new
    if tiers_sheet_only:
        return c
    for r in c.intervals + c.slas:
        if r["tier"] == old:
            r["tier"] = new
    for r in c.scenarios:  # a scenario row names its tier as the Intervals row it changes does
        if r.get("tier") == old:
            r["tier"] = new
    for r in c.pilots:
        if r.get("served_as") == old:
            r["served_as"] = new
    if c.finance.get("strategic_tier") == old:
        c.finance["strategic_tier"] = new
    columns = ("previous_tier", "locked_tier") if previous_tiers else ("locked_tier",)
    for col in columns:
        c.accounts[col] = c.accounts[col].where(c.accounts[col] != old, new)
    return c


def add_lowest_tier(c: WorkbookContent, name: str, *, intervals: bool = True, slas: bool = True) -> WorkbookContent:
    """Append a tier below the lowest one, copying the lowest tier's Intervals and SLA rows (unless told not to)."""
    last = c.tiers[-1]["name"]
    c.tiers[-1]["band_min"] = 0.2
    c.tiers.append(dict(c.tiers[-1], name=name, band_min=0.0, band_max=0.3, description="The long tail."))
    if intervals:
        c.intervals.extend([dict(r, tier=name) for r in c.intervals if r["tier"] == last])
    if slas:
        c.slas.extend([dict(r, tier=name) for r in c.slas if r["tier"] == last])
    return c


# ------------------------------------------------------------------ a bigger workbook: 6 tiers, 25 services

SIX_TIERS = ("Strategic", "Enterprise", "Growth", "Mid-market", "Scale", "Self-serve")
_SIX_BANDS = ((0.05, 0.20), (0.10, 0.25), (0.10, 0.25), (0.10, 0.30), (0.05, 0.30), (0.0, 0.30))
_SIX_MODEL = ("High touch", "High touch", "Mid touch", "Mid touch", "Low touch", "Low touch")
#: For each of the six tiers, the default tier (0, 1, 2) whose intervals and SLAs it copies.
_SIX_FROM = (0, 0, 1, 1, 2, 2)

#: Ten services added to the default fifteen: name, role, direct cost, mandatory,
#: per-tier pattern (hours, minimum, negotiated, maximum) for the six tiers.
EXTRA_SERVICES = (
    ("Onboarding kickoff", "Scaled CSM", 0.0, "No", (2.0, 0, 1, 1), (2.0, 0, 1, 1), (1.0, 0, 1, 1), (1.0, 0, 1, 1), (0.5, 0, 0, 1), (0.5, 0, 0, 1)),
    ("Roadmap preview", "Digital", 3.0, "No", (0.0, 0, 2, 4), (0.0, 0, 2, 4), (0.0, 0, 1, 2), (0.0, 0, 1, 2), (0.0, 0, 1, 2), (0.0, 0, 1, 2)),
    ("Community forum", "Digital", 0.5, "No", (0.0, 0, 12, 12), (0.0, 0, 12, 12), (0.0, 0, 12, 12), (0.0, 0, 12, 12), (0.0, 0, 12, 12), (0.0, 0, 12, 12)),
    ("Webinar series", "Digital", 1.0, "No", (0.0, 0, 6, 12), (0.0, 0, 6, 12), (0.0, 0, 6, 12), (0.0, 0, 4, 12), (0.0, 0, 4, 12), (0.0, 0, 4, 12)),
    ("Certification", "Digital", 15.0, "No", (0.0, 0, 2, 4), (0.0, 0, 2, 4), (0.0, 0, 1, 2), (0.0, 0, 1, 2), (0.0, 0, 0, 1), (0.0, 0, 0, 1)),
    ("Usage report", "Digital", 0.2, "Yes", (0.0, 12, 12, 12), (0.0, 12, 12, 12), (0.0, 4, 4, 12), (0.0, 4, 4, 12), (0.0, 4, 4, 4), (0.0, 4, 4, 4)),
    ("Success plan", "Scaled CSM", 0.0, "No", (3.0, 1, 1, 2), (3.0, 1, 1, 2), (1.5, 0, 1, 1), (1.5, 0, 1, 1), (1.0, 0, 0, 1), (1.0, 0, 0, 1)),
    ("Advocacy programme", "Scaled CSM", 50.0, "No", (1.0, 0, 1, 2), (1.0, 0, 1, 2), (0.5, 0, 0, 1), (0.5, 0, 0, 1), (0.5, 0, 0, 0), (0.5, 0, 0, 0)),
    ("Product feedback session", "Scaled CSM", 0.0, "No", (1.0, 0, 2, 4), (1.0, 0, 2, 4), (1.0, 0, 1, 2), (1.0, 0, 1, 2), (0.5, 0, 0, 1), (0.5, 0, 0, 1)),
    ("Security review", "Support", 0.0, "No", (4.0, 0, 1, 2), (4.0, 0, 1, 2), (2.0, 0, 0, 1), (2.0, 0, 0, 1), (1.0, 0, 0, 0), (1.0, 0, 0, 0)),
)


def six_tier_content(n_accounts: int = 1_500, seed: int = 7, tier_names: tuple[str, ...] = SIX_TIERS,
                     budget: float = 12_000_000) -> WorkbookContent:
    """Six tiers, 25 services (the default 15 and EXTRA_SERVICES), made-up accounts with previous tiers in all six."""
    base = default_content()
    old_names = [t["name"] for t in base.tiers]
    tiers = []
    for i, name in enumerate(tier_names):
        src = dict(base.tiers[_SIX_FROM[i]])
        tiers.append(dict(src, name=name, engagement=_SIX_MODEL[i], band_basis="ARR", band_min=_SIX_BANDS[i][0],
                          band_max=_SIX_BANDS[i][1], max_cost_share=None, description=f"Accounts of the {name} tier."))
    intervals = []
    for svc in base.services:
        rows = {r["tier"]: r for r in base.intervals if r["service"] == svc["name"]}
        for i, name in enumerate(tier_names):
            intervals.append(dict(rows[old_names[_SIX_FROM[i]]], tier=name))
    services = list(base.services)
    template = base.services[0]
    for name, role, direct, mandatory, *per_tier in EXTRA_SERVICES:
        services.append(dict(template, name=name, definition=f"{name}, as the CS team runs it.", role=role,
                             direct_cost=direct, mandatory=mandatory, impact=0.002, decay=0.6, keep_order="Yes"))
        for tier_name, (hours, lo, neg, hi) in zip(tier_names, per_tier):
            intervals.append({"service": name, "tier": tier_name, "role": None, "hours": hours,
                              "minimum": lo, "negotiated": neg, "maximum": hi})
    slas = []
    for i, name in enumerate(tier_names):
        slas.extend(dict(r, tier=name) for r in base.slas if r["tier"] == old_names[_SIX_FROM[i]])
    finance = dict(base.finance, budget=budget, strategic_tier=tier_names[2])
    return WorkbookContent(
        tiers=tiers, roles=base.roles, services=services, intervals=intervals, slas=slas, scoring=base.scoring,
        finance=finance, accounts=demo_accounts(n_accounts, seed, tiers=tuple(tier_names)),
        title="Six tiers, twenty-five services",
    )


# ------------------------------------------------------------------ a second export with shifted usage


def read_crm(path: Path) -> pd.DataFrame:
    """crm_tiers.csv as text (ids and tiers kept exactly as written)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def second_export(first: pd.DataFrame, crm: pd.DataFrame, *, seed: int = 11, share: float = 0.10,
                  noise: float = 0.5) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The next CRM export after a plan: every account carries the tier and score the first plan gave it.

    ``share`` of the accounts change sharply: half of the chosen large accounts (ARR at least the 80th
    percentile) lose their usage (health, seat and ARR growth collapse, tickets soar), and half of the chosen
    small accounts (ARR at most the median) expand fast (growth and seat growth soar, health high). Every other
    account gets only small noise (``noise`` points of health, a tenth of a point of growth).
    Returns the new export and the ids of the two shifted groups ("losing", "expanding").
    """
    rng = np.random.default_rng(seed)
    nxt = first.copy()
    by_id = crm.set_index("Account ID")
    nxt["previous_tier"] = by_id.loc[nxt["account_id"], "Tier"].to_numpy()
    nxt["previous_score"] = by_id.loc[nxt["account_id"], "Score"].astype(float).to_numpy()
    n = len(nxt)
    k = round(n * share / 2)
    not_flagged = (nxt["churn_risk"] != "Yes") & (nxt["strategic"] != "Yes") & nxt["locked_tier"].isna()
    big = nxt.index[(nxt["arr"] >= nxt["arr"].quantile(0.8)) & not_flagged].to_numpy()
    small = nxt.index[(nxt["arr"] <= nxt["arr"].median()) & not_flagged].to_numpy()
    losing = rng.choice(big, k, replace=False)
    expanding = rng.choice(small, k, replace=False)
    quiet = nxt.index.difference(np.concatenate([losing, expanding]))

    nxt.loc[losing, "Health score"] = 5.0
    nxt.loc[losing, "ARR growth %"] = -0.5
    nxt.loc[losing, "Seat growth %"] = -0.5
    nxt.loc[losing, "Tickets per month"] = 0.0
    nxt.loc[losing, "Integrations"] = 0.0
    nxt.loc[expanding, "ARR growth %"] = 1.5
    nxt.loc[expanding, "Seat growth %"] = 1.5
    nxt.loc[expanding, "Integrations"] = 12.0
    nxt.loc[expanding, "Tickets per month"] = 8.0
    nxt.loc[expanding, "Reference customer"] = 1.0
    nxt.loc[expanding, "Logo value"] = 5.0

    health = nxt.loc[quiet, "Health score"]
    nxt.loc[quiet, "Health score"] = (health + rng.uniform(-noise, noise, len(quiet))).clip(0, 100).round(1)
    growth = nxt.loc[quiet, "ARR growth %"]
    nxt.loc[quiet, "ARR growth %"] = (growth + rng.uniform(-0.001, 0.001, len(quiet))).round(4)
    return nxt, {"losing": list(nxt.loc[losing, "account_id"]), "expanding": list(nxt.loc[expanding, "account_id"])}


def accounts_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write an accounts frame as a CRM export CSV with the Accounts sheet's headers."""
    from planner import schema

    headers = {c.key: c.header for c in schema.ACCOUNTS.columns}
    frame.rename(columns=headers).to_csv(path, index=False)
    return path


__all__ = [
    "ROLES", "DEMO", "DEMO_ACCOUNTS", "DEMO_SEED", "ROOT", "EXTRA_SERVICES", "SIX_TIERS", "accounts_csv", "add_lowest_tier",
    "feasible_demo_content", "read_crm", "rename_tier", "second_export", "six_tier_content", "tierplan", "write",
]
