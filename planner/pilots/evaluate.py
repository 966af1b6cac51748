"""Judge pilots: build each pilot's baseline, compute its outcome per account, compare, adjust for several pilots.

Inputs (no I/O here; the readers produce them):

``accounts``
    one row per account: ``account_id``, ``arr`` and any other account
    columns (rules select on them).
``tiers_of_accounts``
    the segmentation's result per account: ``account_id``, ``tier``,
    ``score`` (composite score 0-100). Rules can use ``Tier`` and ``Score``.
``outcomes``
    one row per account, canonical columns (only those the pilots' outcomes
    need must be present): ``account_id``; ``renewal_date`` (date);
    ``renewed``, ``churned`` (bool, NaN unknown); ``expansion_arr`` (float);
    ``usage_now``, ``usage_prior`` (float); ``last_active`` (date, not used by
    any outcome yet).
``tickets``
    optional, for ``resolution_time``: ``ticket_id``, ``account_id``,
    ``created_at``, ``first_response_at``, ``resolved_at`` (datetime64 UTC),
    ``priority``, ``channel``.

Outcome per account, over the pilot's dates (start and end inclusive):

- renewal / churn: ``renewed`` / ``churned`` of the accounts whose
  ``renewal_date`` falls in the pilot's dates; unknown (NaN) left out.
- expansion_arr: the column as given (its period is the reader's).
- resolution_time: median hours from ``created_at`` to ``resolved_at`` of the
  account's tickets created in the pilot's dates (UTC days); unresolved
  tickets and tickets resolved before they were created are left out and
  counted.
- usage_change: ``usage_now / usage_prior - 1``; a zero prior with a zero now
  is no change (0), a zero prior with usage now has no ratio and is left out
  and counted (``zero_prior_usage``).

A pilot whose end is after ``as_of`` is still running: its verdict is
``still_running`` and no difference or p-value is shown (judging a pilot
before its end inflates false findings). The others are adjusted together
with Holm's method.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from planner.errors import Problem, UserInputError
from planner.pilots.definition import (
    Baseline,
    Outcome,
    Period,
    Pilot,
    check_coverage,
    check_pilots,
    resolve_accounts,
)
from planner.pilots.kinds import HypothesisTest, Verdict
from planner.pilots.matching import MATCH_SEED, Balance, match_baseline
from planner.pilots.stats import (
    BOOTSTRAP_SEED,
    Comparison,
    adjust_holm,
    compare_amounts,
    compare_rates,
)
from planner.schema import ACCOUNT_OUTCOMES

OUTCOME_COLUMNS = ("account_id", "renewal_date", "renewed", "churned", "expansion_arr", "usage_now", "usage_prior",
                   "last_active")
TICKET_COLUMNS = ("ticket_id", "account_id", "created_at", "first_response_at", "resolved_at", "priority", "channel")
NEEDS: dict[Outcome, tuple[str, ...]] = {
    Outcome.RENEWAL: ("renewal_date", "renewed"),
    Outcome.CHURN: ("renewal_date", "churned"),
    Outcome.EXPANSION_ARR: ("expansion_arr",),
    Outcome.USAGE_CHANGE: ("usage_now", "usage_prior"),
    Outcome.RESOLUTION_TIME: (),
}
TICKET_NEEDS = ("account_id", "created_at", "resolved_at")
_HEADERS = {c.key: c.header for c in ACCOUNT_OUTCOMES}  # outcome column -> its Accounts header


@dataclass(frozen=True)
class PilotResult:
    """One pilot judged. ``excluded`` counts what was left out, by reason, per group."""

    pilot: Pilot
    tiers: tuple[str, ...]
    pilot_accounts: tuple[str, ...]
    baseline_accounts: tuple[str, ...]
    comparison: Comparison
    running: bool
    unmatched: tuple[str, ...] = ()  # matched baseline: pilot accounts no match was found for
    balance: Balance | None = None  # matched baseline: how alike the groups are
    excluded: dict[str, dict[str, int]] = field(default_factory=dict)  # "pilot"/"baseline" -> reason -> count
    notes: tuple[Problem, ...] = ()


def _dates(values: pd.Series) -> pd.Series:
    """Dates (any of date, datetime, text) as tz-naive midnight timestamps; unreadable ones NaT."""
    stamps = pd.to_datetime(values, errors="coerce", utc=True)
    return stamps.dt.tz_convert("UTC").dt.tz_localize(None).dt.normalize()


def _utc(values: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(values, errors="coerce")
    if stamps.dt.tz is None:
        return stamps.dt.tz_localize("UTC")
    return stamps.dt.tz_convert("UTC")


def _known_bool(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(known mask, value) of a bool-or-NaN column; anything but a bool (or 0/1) is a reader's bug, not data."""
    known = values.notna().to_numpy()
    truth = np.zeros(len(values), dtype=bool)
    for i, (value, k) in enumerate(zip(values.to_numpy(), known)):
        if not k:
            continue
        if isinstance(value, (bool, np.bool_)) or (isinstance(value, (int, float, np.integer, np.floating))
                                                   and value in (0, 1)):
            truth[i] = bool(value)
        else:
            raise ValueError(f"the {values.name} column holds {value!r}; the outcome readers give bool or NaN")
    return known, truth


def _day_bounds(pilot: Pilot) -> tuple[pd.Timestamp, pd.Timestamp]:
    return pd.Timestamp(pilot.start), pd.Timestamp(pilot.end)


def outcome_values(pilot: Pilot, ids: Sequence[str], outcomes: pd.DataFrame,
                   tickets: pd.DataFrame | None) -> tuple[np.ndarray, dict[str, int]]:
    """Per account of ``ids`` with outcome data, the pilot's outcome (rates: 1.0 / 0.0); and what was left out."""
    wanted = pd.Index(list(ids))
    excluded: dict[str, int] = {}
    if pilot.outcome is Outcome.RESOLUTION_TIME:
        assert tickets is not None  # _check_data refuses a resolution-time pilot without tickets
        return _resolution_hours(pilot, wanted, tickets, excluded), excluded
    rows = outcomes[outcomes["account_id"].isin(wanted)]
    excluded_missing = len(wanted) - len(rows)
    if excluded_missing:
        excluded["no_outcome_row"] = excluded_missing
    if pilot.outcome in (Outcome.RENEWAL, Outcome.CHURN):
        start, end = _day_bounds(pilot)
        dates = _dates(rows["renewal_date"])
        in_window = ((dates >= start) & (dates <= end)).to_numpy()
        known, truth = _known_bool(rows["renewed" if pilot.outcome is Outcome.RENEWAL else "churned"])
        if (~in_window).sum():
            excluded["renewal_date_outside_pilot"] = int((~in_window).sum())
        if (in_window & ~known).sum():
            excluded["outcome_unknown"] = int((in_window & ~known).sum())
        return truth[in_window & known].astype(float), excluded
    if pilot.outcome is Outcome.EXPANSION_ARR:
        values = pd.to_numeric(rows["expansion_arr"], errors="coerce").to_numpy(float)
    else:  # usage change
        now = pd.to_numeric(rows["usage_now"], errors="coerce").to_numpy(float)
        prior = pd.to_numeric(rows["usage_prior"], errors="coerce").to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(prior != 0, now / prior - 1, np.where(now == 0, 0.0, np.nan))
        zero_prior = (prior == 0) & (now != 0) & ~np.isnan(now)
        if zero_prior.sum():
            excluded["zero_prior_usage"] = int(zero_prior.sum())
    unknown = np.isnan(values) | ~np.isfinite(values)
    if pilot.outcome is Outcome.USAGE_CHANGE:
        unknown_count = int(unknown.sum()) - excluded.get("zero_prior_usage", 0)
    else:
        unknown_count = int(unknown.sum())
    if unknown_count:
        excluded["outcome_unknown"] = unknown_count
    return values[~unknown], excluded


def _resolution_hours(pilot: Pilot, wanted: pd.Index, tickets: pd.DataFrame, excluded: dict[str, int]) -> np.ndarray:
    start, end = _day_bounds(pilot)
    rows = tickets[tickets["account_id"].astype(str).isin(wanted)]
    created = _utc(rows["created_at"])
    resolved = _utc(rows["resolved_at"])
    window = ((created >= start.tz_localize("UTC")) & (created < (end + pd.Timedelta(days=1)).tz_localize("UTC")))
    hours = (resolved - created).dt.total_seconds() / 3600.0
    unresolved = window & resolved.isna()
    backwards = window & (hours < 0)
    if unresolved.sum():
        excluded["unresolved_tickets"] = int(unresolved.sum())
    if backwards.sum():
        excluded["resolved_before_created"] = int(backwards.sum())
    usable = window & resolved.notna() & (hours >= 0)
    per_account = hours[usable].groupby(rows.loc[usable, "account_id"].astype(str)).median()
    without = len(wanted) - len(per_account)
    if without:
        excluded["no_resolved_ticket_in_pilot"] = int(without)
    return per_account.sort_index().to_numpy(float)


def outcome_period(outcome: Outcome, outcomes: pd.DataFrame, tickets: pd.DataFrame | None,
                   as_of: dt.date) -> Period | None:
    """The dates the data behind ``outcome`` covers: renewal dates, ticket creation dates, or up to ``as_of``.

    None when the data holds no date at all.
    """
    if outcome in (Outcome.RENEWAL, Outcome.CHURN):
        dates = _dates(outcomes["renewal_date"]).dropna()
    elif outcome is Outcome.RESOLUTION_TIME:
        assert tickets is not None  # _check_data refuses a resolution-time pilot without tickets
        dates = _utc(tickets["created_at"]).dropna().dt.tz_localize(None)
    else:
        return Period(None, as_of)
    if dates.empty:
        return None
    return Period(dates.min().date(), dates.max().date())


# ----------------------------------------------------------------- checks
def _check_data(pilots: Sequence[Pilot], outcomes: pd.DataFrame, tickets: pd.DataFrame | None) -> list[Problem]:
    problems: list[Problem] = []
    if "account_id" not in outcomes.columns:
        problems.append(Problem("outcome data", "has no account_id column", "one row per account, with account_id"))
        return problems
    repeated = outcomes["account_id"][outcomes["account_id"].duplicated()].astype(str).unique().tolist()
    if repeated:
        problems.append(Problem("outcome data", f"lists {len(repeated)} account(s) more than once: "
                                                f"{', '.join(repeated[:5])}", "one row per account"))
    for pilot in pilots:
        missing = [_HEADERS.get(c, c) for c in NEEDS[pilot.outcome] if c not in outcomes.columns]
        if missing:
            problems.append(Problem(pilot.location, f"pilot '{pilot.name}' is judged on {pilot.outcome.value}, but the "
                                                    f"accounts have no {' or '.join(missing)} column",
                                    "the Accounts columns for that outcome, or another outcome"))
        if pilot.outcome is Outcome.RESOLUTION_TIME:
            if tickets is None:
                problems.append(Problem(pilot.location, f"pilot '{pilot.name}' is judged on resolution time, but no "
                                                        "tickets were given", "a tickets export (--tickets FILE)"))
            else:
                gone = [c for c in TICKET_NEEDS if c not in tickets.columns]
                if gone:
                    problems.append(Problem("tickets", f"has no {' or '.join(gone)} column, which pilot "
                                                       f"'{pilot.name}' needs", ", ".join(TICKET_NEEDS)))
    return problems


def _account_frame(accounts: pd.DataFrame, tiers_of_accounts: pd.DataFrame) -> pd.DataFrame:
    for column in ("account_id", "tier", "score"):
        if column not in tiers_of_accounts.columns:
            raise ValueError(f"tiers_of_accounts needs account_id, tier and score (no {column})")
    frame = accounts.drop(columns=[c for c in ("tier", "score") if c in accounts.columns]).copy()
    frame["account_id"] = frame["account_id"].astype(str)
    tiers = tiers_of_accounts[["account_id", "tier", "score"]].copy()
    tiers["account_id"] = tiers["account_id"].astype(str)
    frame = frame.merge(tiers, on="account_id", how="left", validate="one_to_one")
    if frame["tier"].isna().any():
        raise ValueError("every account needs a tier from the segmentation")
    return frame


def _still_running(c: Comparison) -> Comparison:
    """Sizes, the baseline's value and what the pilot can detect; nothing about the pilot's own outcome."""
    return replace(c, pilot_value=None, pilot_count=None, difference=None, ci_low=None, ci_high=None, ci_method="",
                   test=HypothesisTest.NONE, min_expected_count=None, p_value=None, p_adjusted=None, direction=0,
                   verdict=Verdict.STILL_RUNNING, parts=())


# --------------------------------------------------------------- evaluate
def evaluate_pilots(pilots: Sequence[Pilot], accounts: pd.DataFrame, tiers_of_accounts: pd.DataFrame,
                    outcomes: pd.DataFrame, tickets: pd.DataFrame | None = None, *, as_of: dt.date,
                    seed: int = MATCH_SEED, bootstrap_seed: int = BOOTSTRAP_SEED) -> list[PilotResult]:
    """Every pilot judged against its baseline, Holm-adjusted together; mistakes raise UserInputError."""
    frame = _account_frame(accounts, tiers_of_accounts)
    outcomes = outcomes.copy()
    if "account_id" in outcomes.columns:
        outcomes["account_id"] = outcomes["account_id"].astype(str)
    members: dict[str, tuple[str, ...]] = {}
    problems: list[Problem] = []
    for pilot in pilots:
        try:
            members[pilot.name] = resolve_accounts(pilot, frame)
        except UserInputError as error:
            problems.extend(error.problems)
    problems += check_pilots(pilots, members, frame["account_id"])
    problems += _check_data(pilots, outcomes, tickets)
    if problems:
        raise UserInputError(problems)

    in_any_pilot = {a for ids in members.values() for a in ids}
    tier_of = dict(zip(frame["account_id"], frame["tier"].astype(str)))
    results: list[PilotResult] = []
    for pilot in pilots:
        ids = members[pilot.name]
        tiers = tuple(sorted({tier_of[a] for a in ids}))
        unmatched: tuple[str, ...] = ()
        balance = None
        if pilot.baseline is Baseline.MATCHED:
            match = match_baseline(ids, frame, exclude=in_any_pilot, seed=seed)
            baseline_ids, unmatched, balance = match.baseline, match.unmatched, match.balance
        else:
            rest = frame[frame["tier"].astype(str).isin(tiers) & ~frame["account_id"].isin(in_any_pilot)]
            baseline_ids = tuple(rest["account_id"])
        x, pilot_excluded = outcome_values(pilot, ids, outcomes, tickets)
        y, baseline_excluded = outcome_values(pilot, baseline_ids, outcomes, tickets)
        spec = pilot.spec
        if spec.kind == "rate":
            comparison = compare_rates(int(x.sum()), len(x), int(y.sum()), len(y), outcome=pilot.outcome.value,
                                       sided=pilot.sided, higher_is_better=spec.higher_is_better)
        else:
            comparison = compare_amounts(x, y, outcome=pilot.outcome.value, sided=pilot.sided,
                                         higher_is_better=spec.higher_is_better, mean_matters=spec.mean_matters,
                                         split_zeros=spec.split_zeros, seed=bootstrap_seed)
        running = as_of < pilot.end
        if running:
            comparison = _still_running(comparison)
        period = outcome_period(pilot.outcome, outcomes, tickets, as_of)
        if period is None:
            notes = [Problem(pilot.location, f"pilot '{pilot.name}': the {pilot.outcome.value} data holds no dates, so "
                                             "no outcome can fall in the pilot's dates", "dated outcome data")]
        else:
            notes = [n for n in [check_coverage(pilot, period)] if n]
        if pilot.baseline is Baseline.REST_OF_TIER and len(tiers) > 1:
            notes.append(Problem(pilot.location, f"pilot '{pilot.name}' spans {len(tiers)} tiers; the rest of those "
                                                 "tiers mixes them in other proportions", "a matched baseline"))
        if unmatched:
            notes.append(Problem(pilot.location, f"pilot '{pilot.name}': {len(unmatched)} account(s) found no match "
                                                 "in their tier and are compared without one",
                                 "fewer pilot accounts per tier, or the rest-of-tier baseline"))
        results.append(PilotResult(pilot=pilot, tiers=tiers, pilot_accounts=tuple(ids),
                                   baseline_accounts=tuple(baseline_ids), comparison=comparison, running=running,
                                   unmatched=unmatched, balance=balance,
                                   excluded={k: v for k, v in (("pilot", pilot_excluded),
                                                               ("baseline", baseline_excluded)) if v},
                                   notes=tuple(notes)))
    adjusted = adjust_holm([r.comparison for r in results])
    return [replace(r, comparison=c) for r, c in zip(results, adjusted)]


# --------------------------------------------------------------- the plan's pilots
def plan_pilots(pilots: Sequence[Pilot], accounts: pd.DataFrame, tiers: pd.Series, scores: pd.Series,
                outcomes: pd.DataFrame | None, tickets: pd.DataFrame | None, as_of: dt.date | None
                ) -> tuple[list[PilotResult], tuple[Problem, ...]]:
    """The Pilots sheet judged for a plan: (results, problems). A pilot the data cannot judge (its outcome's
    columns missing, no tickets, no day to judge at) is left out with a problem naming its row; the plan goes on.

    ``tiers``: the tier each account had while the pilots ran (planner.operations.for_plan.period_tiers);
    ``scores``: the plan's score per account; both aligned with ``accounts``. ``outcomes``:
    the parsed outcome columns aligned with ``accounts`` (``PlanInputs.outcomes.frame``).
    """
    if not pilots:
        return [], ()
    if as_of is None:
        return [], tuple(Problem(p.location, f"pilot '{p.name}' cannot be judged: the workbook gives no day the "
                                             "figures are taken at and the data holds no dates",
                                 "Operations!Figures as of, or outcome columns and tickets") for p in pilots)
    ids = accounts["account_id"].astype(str).to_numpy()
    frame = pd.DataFrame({"account_id": ids}) if outcomes is None else \
        outcomes.reset_index(drop=True).assign(account_id=ids)
    tiers_of = pd.DataFrame({"account_id": ids, "tier": np.asarray(tiers.astype(str)), "score": np.asarray(scores, float)})
    judgeable, problems = [], []
    for pilot in pilots:
        found = _check_data([pilot], frame, tickets)
        if found:
            problems.extend(found)
        else:
            judgeable.append(pilot)
    if not judgeable:
        return [], tuple(problems)
    try:
        return evaluate_pilots(judgeable, accounts, tiers_of, frame, tickets, as_of=as_of), tuple(problems)
    except UserInputError as error:
        return [], tuple(problems) + tuple(error.problems)
