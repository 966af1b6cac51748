"""Retention per account and per group of accounts: churn, GRR, NRR, expansion, renewals.

Definitions (support-ops reference, section C):

- **Logo churn** = churned accounts ÷ accounts at the start of the period.
- **GRR** = (start ARR − contraction − churned ARR) ÷ start ARR, never above 100%.
- **NRR** = (start ARR + expansion − contraction − churned ARR) ÷ start ARR.
  Both leave out accounts that were not customers at the start.
- **Expansion rate** = the sum of increases among accounts whose ARR grew ÷ start ARR;
  **time to first expansion** = median days from customer-since to first expansion.
- **Logo renewal** = accounts renewed ÷ accounts up for renewal in the period;
  **dollar renewal** = their ARR renewed at the pre-renewal price, without
  expansion (start − contraction) ÷ their ARR up for renewal.

Where the numbers come from, per account (:func:`account_retention`):

- start ARR: the ``arr_start`` column when there is one (blank: not a customer
  at the start). Otherwise ``arr`` less this period's expansion plus its
  contraction; for a churned account, ``arr`` itself (what it paid when it left).
- expansion and contraction: from ``arr - arr_start`` when ``arr_start`` is
  given; otherwise ``expansion_arr`` (a negative value is contraction) plus
  ``contraction_arr``. Churned accounts neither expand nor contract: their
  start ARR is lost.
- up for renewal: a ``renewal_date`` inside the period; without that column,
  every account whose ``renewed`` cell is filled. The outcome is ``renewed``
  when filled, otherwise not renewed when ``churned`` says Yes and renewed when
  it says No.
- accounts whose ``customer_since`` is inside the period are new: they are
  left out of churn, GRR, NRR and expansion.

A metric whose outcome columns are missing is None, and :func:`metrics_off` lists it with the columns that would
switch it on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.operations.measuring import MetricOff, Period
from planner.workbook.outcomes import Outcomes


@dataclass(frozen=True)
class RetentionFigures:
    logos_start: int  # accounts that were customers at the start of the period
    arr_start: float
    churned_logos: int
    churned_arr: float
    contraction_arr: float
    expansion_arr: float
    expanded_logos: int
    new_logos: int  # accounts left out because they became customers during the period
    grr: float | None
    nrr: float | None
    logo_churn: float | None
    expansion_rate: float | None
    up_for_renewal: int  # with a known outcome
    renewed_logos: int
    renewal_unknown: int  # up for renewal, outcome not known: left out
    arr_up_for_renewal: float
    arr_renewed: float
    logo_renewal: float | None
    dollar_renewal: float | None
    first_expansion_count: int
    first_expansion_days_median: float | None


def share(numerator: float, denominator: float) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


def grr(start: float, contraction: float, churned: float) -> float | None:
    """(start − contraction − churn) ÷ start, never above 100%."""
    if not start:
        return None
    return min(1.0, (start - contraction - churned) / start)


def nrr(start: float, expansion: float, contraction: float, churned: float) -> float | None:
    return (start + expansion - contraction - churned) / start if start else None


def account_retention(accounts: pd.DataFrame, outcomes: Outcomes, period: Period) -> pd.DataFrame:
    """Per account: ``start_arr``, ``in_cohort``, ``new``, ``churned``, ``expansion``, ``contraction``,
    ``up_for_renewal``, ``renewal_outcome`` (1 renewed, 0 not, NaN unknown) and
    ``days_to_first_expansion`` (NaN when unknown); see the module docstring."""
    o = outcomes.frame
    n = len(accounts)
    arr = accounts["arr"].to_numpy(dtype=float) if "arr" in accounts.columns else np.zeros(n)
    churned = np.zeros(n, bool)
    if "churned" in o.columns:
        churned = o["churned"].fillna(False).to_numpy(dtype=bool)
    if "arr_start" in o.columns:
        start = o["arr_start"].to_numpy(dtype=float)
        change = arr - start
        expansion = np.where(change > 0, change, 0.0)
        contraction = np.where(change < 0, -change, 0.0)
    else:
        net = o["expansion_arr"].fillna(0.0).to_numpy(dtype=float) if "expansion_arr" in o.columns else np.zeros(n)
        extra = o["contraction_arr"].fillna(0.0).to_numpy(dtype=float) if "contraction_arr" in o.columns else np.zeros(n)
        expansion = np.maximum(net, 0.0)
        contraction = np.maximum(-net, 0.0) + extra
        start = np.where(churned, arr, arr - expansion + contraction)
    expansion = np.where(churned, 0.0, expansion)
    contraction = np.where(churned, 0.0, contraction)
    new = np.zeros(n, bool)
    if "customer_since" in o.columns:
        since = o["customer_since"].to_numpy(dtype="datetime64[D]")
        new = ~np.isnat(since) & (since > period.start_date)
    with np.errstate(invalid="ignore"):
        in_cohort = ~new & ~np.isnan(start) & (start > 0)
    if "renewal_date" in o.columns:
        rd = o["renewal_date"].to_numpy(dtype="datetime64[D]")
        up = ~np.isnat(rd) & (rd > period.start_date) & (rd <= period.end_date)
    elif "renewed" in o.columns:
        up = o["renewed"].notna().to_numpy()
    else:
        up = np.zeros(n, bool)
    outcome = np.full(n, np.nan)
    if "churned" in o.columns:
        flag = o["churned"]
        known = flag.notna().to_numpy()
        outcome[known] = np.where(flag[known].to_numpy(dtype=bool), 0.0, 1.0)
    if "renewed" in o.columns:
        r = o["renewed"]
        known = r.notna().to_numpy()
        outcome[known] = r[known].to_numpy(dtype=bool).astype(float)
    days = np.full(n, np.nan)
    if "first_expansion_date" in o.columns and "customer_since" in o.columns:
        fe = o["first_expansion_date"].to_numpy(dtype="datetime64[D]")
        cs = o["customer_since"].to_numpy(dtype="datetime64[D]")
        ok = ~np.isnat(fe) & ~np.isnat(cs) & (fe >= cs)
        days[ok] = (fe[ok] - cs[ok]).astype(np.int64).astype(float)
    return pd.DataFrame({
        "start_arr": np.where(in_cohort, start, np.nan),
        "in_cohort": in_cohort,
        "new": new,
        "churned": churned & in_cohort,
        "expansion": np.where(in_cohort, expansion, 0.0),
        "contraction": np.where(in_cohort, contraction, 0.0),
        "up_for_renewal": up,
        "renewal_outcome": np.where(up, outcome, np.nan),
        "days_to_first_expansion": days,
    })


def metrics_off(outcomes: Outcomes) -> tuple[MetricOff, ...]:
    """The retention metrics the outcome columns found cannot support."""
    has = outcomes.has
    off = []
    if not has("churned"):
        off += [MetricOff("logo_churn", ("churned",)), MetricOff("grr", ("churned",)), MetricOff("nrr", ("churned",))]
    change = has("arr_start") or has("expansion_arr") or has("contraction_arr")
    if not change:
        if has("churned"):
            off += [MetricOff("grr", ("arr_start", "expansion_arr", "contraction_arr"), True),
                    MetricOff("nrr", ("arr_start", "expansion_arr", "contraction_arr"), True)]
        off.append(MetricOff("expansion_rate", ("arr_start", "expansion_arr"), True))
    if not (has("renewal_date") or has("renewed")):
        off += [MetricOff("logo_renewal", ("renewal_date", "renewed"), True), MetricOff("dollar_renewal", ("renewal_date", "renewed"), True)]
    elif not (has("renewed") or has("churned")):
        off += [MetricOff("logo_renewal", ("renewed", "churned"), True), MetricOff("dollar_renewal", ("renewed", "churned"), True)]
    if not has("first_expansion_date", "customer_since"):
        off.append(MetricOff("time_to_first_expansion", tuple(c for c in ("first_expansion_date", "customer_since") if not has(c))))
    return tuple(off)


def retention_figures(table: pd.DataFrame, off: Sequence[MetricOff] = ()) -> RetentionFigures:
    """Sum a group of accounts of :func:`account_retention` into the section C figures."""
    gone = {m.metric for m in off}
    cohort = table["in_cohort"].to_numpy(dtype=bool)
    start = float(np.nansum(table["start_arr"].to_numpy(dtype=float)[cohort]))
    churned = table["churned"].to_numpy(dtype=bool) & cohort
    churned_arr = float(np.nansum(table["start_arr"].to_numpy(dtype=float)[churned]))
    contraction = float(table["contraction"].to_numpy(dtype=float)[cohort].sum())
    expansion_each = table["expansion"].to_numpy(dtype=float)[cohort]
    expansion = float(expansion_each.sum())
    up = table["up_for_renewal"].to_numpy(dtype=bool)
    outcome = table["renewal_outcome"].to_numpy(dtype=float)
    known = up & ~np.isnan(outcome)
    renewed = known & (outcome == 1.0)
    start_all = table["start_arr"].to_numpy(dtype=float)
    start_up = np.where(np.isnan(start_all), 0.0, start_all)
    arr_up = float(start_up[known].sum())
    arr_renewed = float((start_up - table["contraction"].to_numpy(dtype=float))[renewed].clip(min=0).sum())
    days = table["days_to_first_expansion"].to_numpy(dtype=float)
    days = days[~np.isnan(days)]
    logos = int(cohort.sum())
    return RetentionFigures(
        logos_start=logos,
        arr_start=start,
        churned_logos=int(churned.sum()),
        churned_arr=churned_arr,
        contraction_arr=contraction,
        expansion_arr=expansion,
        expanded_logos=int((expansion_each > 0).sum()),
        new_logos=int(table["new"].to_numpy(dtype=bool).sum()),
        grr=None if "grr" in gone else grr(start, contraction, churned_arr),
        nrr=None if "nrr" in gone else nrr(start, expansion, contraction, churned_arr),
        logo_churn=None if "logo_churn" in gone else share(int(churned.sum()), logos),
        expansion_rate=None if "expansion_rate" in gone else share(expansion, start),
        up_for_renewal=int(known.sum()),
        renewed_logos=int(renewed.sum()),
        renewal_unknown=int((up & np.isnan(outcome)).sum()),
        arr_up_for_renewal=arr_up,
        arr_renewed=arr_renewed,
        logo_renewal=None if "logo_renewal" in gone else share(int(renewed.sum()), int(known.sum())),
        dollar_renewal=None if "dollar_renewal" in gone else share(arr_renewed, arr_up),
        first_expansion_count=len(days),
        first_expansion_days_median=(float(np.median(days)) if len(days) and "time_to_first_expansion" not in gone else None),
    )
