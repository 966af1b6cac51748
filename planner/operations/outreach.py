"""Proactive outreach: accounts flagged by usage, seat, activity, health and SLA rules, each with its tier's play.

Rules (:class:`OutreachRules`; defaults from the support-ops reference,
section E, all editable; ``None`` switches a rule off):

- ``usage_drop``: usage fell by at least this share against the prior period,
  ``(usage_prior - usage_now) / usage_prior >= 0.25``. A prior usage of 0 has
  no baseline: no drop can be measured, the account is not flagged by this rule
  and is counted in ``zero_usage_baseline`` (going from 0 to anything is not a
  drop; staying at 0 is what the inactivity rule is for).
- ``seat_use_below``: active seats ÷ licensed seats below this share (0.50).
  Zero licensed seats give no share: counted in ``zero_licensed_seats``.
- ``seats_shrinking``: fewer licensed seats than a period ago.
- ``inactive_days``: no activity for at least this many days (14) before ``as_of``.
- ``health_drop``: the health score fell by at least this many points (10)
  against a period ago.
- ``sla_breaches``: at least this many first-response breaches (3) on the
  account's tickets in the period.

Each flag is one row: account, tier, the tier's play (``plays``: tier ->
text such as "CSM call", "Health check", "Automated email"; by default from
the tier's engagement model), the rule, the observed value, the threshold and
its unit. An account that trips two rules has two rows. Accounts the
``churned`` column marks as gone are not flagged (counted in
``churned_not_flagged``): there is no one left to call. The sentence a person
reads is written by :func:`planner.report.operations_words.reason_text`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.inputs import Tier
from planner.operations.measuring import MetricOff
from planner.workbook.outcomes import Outcomes

RULES = ("usage_drop", "seat_use", "seats_shrinking", "inactive", "health_drop", "sla_breaches")
UNITS = {"usage_drop": "share", "seat_use": "share", "seats_shrinking": "seats", "inactive": "days",
         "health_drop": "points", "sla_breaches": "breaches"}
DEFAULT_PLAYS = {"High touch": "CSM call", "Mid touch": "Health check", "Low touch": "Automated email"}
FLAG_COLUMNS = ("account_id", "name", "tier", "play", "rule", "observed", "threshold", "unit")


@dataclass(frozen=True)
class OutreachRules:
    usage_drop: float | None = 0.25  # share of prior-period usage
    seat_use_below: float | None = 0.50  # active / licensed seats
    seats_shrinking: bool = True
    inactive_days: int | None = 14
    health_drop: float | None = 10.0  # score points
    sla_breaches: int | None = 3  # breached first responses in the period


@dataclass(frozen=True)
class OutreachReport:
    """``flags``: one row per account and rule tripped, columns ``FLAG_COLUMNS``, ordered by tier
    (highest touch first), then the accounts' order, then the rules' order."""

    flags: pd.DataFrame = field(repr=False)
    rules: OutreachRules
    plays: dict[str, str]  # tier -> play
    off: tuple[MetricOff, ...]  # rules that are on but lack their columns
    accounts_checked: int
    flagged_accounts: int
    flagged_by_tier: dict[str, int]  # tier -> accounts flagged
    zero_usage_baseline: int
    zero_licensed_seats: int
    churned_not_flagged: int


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> tuple[np.ndarray, int]:
    """numerator / denominator, NaN where either is missing or the denominator is 0 (no baseline);
    and how many known pairs had that zero baseline."""
    known = ~np.isnan(numerator) & ~np.isnan(denominator)
    zero = known & (denominator == 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(known & ~zero, numerator / np.where(zero, 1.0, denominator), np.nan)
    return value, int(zero.sum())


def default_plays(tiers: Sequence[Tier]) -> dict[str, str]:
    return {t.name: DEFAULT_PLAYS.get(t.engagement, "CSM call") for t in tiers}


def outreach_flags(
    accounts: pd.DataFrame,
    tier_of: pd.Series,
    tiers: Sequence[Tier],
    outcomes: Outcomes,
    rules: OutreachRules,
    as_of_day: np.datetime64,
    *,
    breaches_by_account: pd.Series | None = None,
    plays: Mapping[str, str] | None = None,
) -> OutreachReport:
    """Apply the rules to every account (see the module docstring).

    ``tier_of``: each account's tier (None: no tier; such accounts are checked
    and flagged with an empty play). ``as_of_day``: the date the inactivity is
    counted to. ``breaches_by_account``: account position -> breached tickets
    (from the SLA attainment); None when there are no tickets.
    """
    o = outcomes.frame
    n = len(accounts)
    play_of = {**default_plays(tiers), **dict(plays or {})}
    off: list[MetricOff] = []
    hits: list[tuple[str, np.ndarray, np.ndarray, float | np.ndarray]] = []  # (rule, mask, observed, threshold: one, or per account)

    def need(rule: str, *cols: str) -> bool:
        missing = tuple(c for c in cols if c not in o.columns)
        if missing:
            off.append(MetricOff("outreach:" + rule, missing))
            return False
        return True

    zero_usage = 0
    zero_seats = 0
    with np.errstate(invalid="ignore", divide="ignore"):
        if rules.usage_drop is not None and need("usage_drop", "usage_now", "usage_prior"):
            now = o["usage_now"].to_numpy(dtype=float)
            prior = o["usage_prior"].to_numpy(dtype=float)
            drop, zero_usage = _ratio(prior - now, prior)
            hits.append(("usage_drop", drop >= rules.usage_drop - 1e-12, drop, float(rules.usage_drop)))
        if rules.seat_use_below is not None and need("seat_use", "active_seats", "licensed_seats"):
            use, zero_seats = _ratio(o["active_seats"].to_numpy(dtype=float), o["licensed_seats"].to_numpy(dtype=float))
            hits.append(("seat_use", use < rules.seat_use_below, use, float(rules.seat_use_below)))
        if rules.seats_shrinking and need("seats_shrinking", "licensed_seats", "licensed_seats_prior"):
            licensed = o["licensed_seats"].to_numpy(dtype=float)
            before = o["licensed_seats_prior"].to_numpy(dtype=float)
            hits.append(("seats_shrinking", licensed < before, licensed, before))
        if rules.inactive_days is not None and need("inactive", "last_active"):
            last = o["last_active"].to_numpy(dtype="datetime64[D]")
            days = np.where(np.isnat(last), np.nan, (as_of_day.astype("datetime64[D]") - last).astype(np.int64).astype(float))
            hits.append(("inactive", days >= rules.inactive_days, days, float(rules.inactive_days)))
        if rules.health_drop is not None and need("health_drop", "health_score", "health_prior"):
            fall = o["health_prior"].to_numpy(dtype=float) - o["health_score"].to_numpy(dtype=float)
            hits.append(("health_drop", fall >= rules.health_drop - 1e-12, fall, float(rules.health_drop)))
        if rules.sla_breaches is not None:
            if breaches_by_account is None:
                off.append(MetricOff("outreach:sla_breaches", ("tickets",)))
            else:
                count = np.zeros(n)
                b = breaches_by_account[breaches_by_account.index < n]
                count[b.index.to_numpy(dtype=np.int64)] = b.to_numpy(dtype=float)
                hits.append(("sla_breaches", count >= rules.sla_breaches, count, float(rules.sla_breaches)))

    gone = o["churned"].fillna(False).to_numpy(dtype=bool) if "churned" in o.columns else np.zeros(n, bool)
    tripped = np.zeros(n, bool)
    for _, mask, _, _ in hits:
        tripped |= np.asarray(mask, bool)
    churned_not_flagged = int((tripped & gone).sum())
    tier_arr = pd.Series(tier_of).reset_index(drop=True).astype(object).to_numpy()
    rank = {t.name: i for i, t in enumerate(tiers)}
    parts = []
    for order, (rule, mask, observed, threshold) in enumerate(hits):
        idx = np.flatnonzero(np.asarray(mask, bool) & ~gone)
        if not len(idx):
            continue
        thr = threshold[idx] if isinstance(threshold, np.ndarray) else np.full(len(idx), threshold)
        parts.append(pd.DataFrame({"pos": idx, "rule_order": order, "rule": rule, "observed": observed[idx], "threshold": thr}))
    if parts:
        flags = pd.concat(parts, ignore_index=True)
        flags["tier"] = tier_arr[flags["pos"].to_numpy()]
        flags["tier_rank"] = flags["tier"].map(rank).fillna(len(rank)).astype(int)
        flags = flags.sort_values(["tier_rank", "pos", "rule_order"], kind="mergesort").reset_index(drop=True)
        pos = flags["pos"].to_numpy()
        flags["account_id"] = accounts["account_id"].astype(str).to_numpy(dtype=object)[pos]
        flags["name"] = (accounts["name"].astype(str).to_numpy(dtype=object)[pos] if "name" in accounts.columns
                         else flags["account_id"])
        flags["play"] = flags["tier"].map(lambda t: play_of.get(t, "") if isinstance(t, str) else "")
        flags["tier"] = flags["tier"].map(lambda t: t if isinstance(t, str) else "")
        flags["unit"] = flags["rule"].map(UNITS)
        flagged = flags.drop_duplicates("pos")
        by_tier = {t.name: int((flagged["tier"] == t.name).sum()) for t in tiers}
        n_flagged = len(flagged)
        flags = flags[list(FLAG_COLUMNS)]
    else:
        flags = pd.DataFrame({c: pd.Series([], dtype=object if c not in ("observed", "threshold") else float) for c in FLAG_COLUMNS})
        by_tier = {t.name: 0 for t in tiers}
        n_flagged = 0
    return OutreachReport(flags, rules, play_of, tuple(off), n, n_flagged, by_tier, zero_usage, zero_seats, churned_not_flagged)
