"""The optional outcome columns of the accounts table: renewals, churn, expansion, usage, seats, health.

They reach ``PlanInputs.accounts`` as extra columns under the headers the CRM
export gave them. :func:`find_outcomes` finds them by header (case, spaces and
punctuation ignored; the names below and common CRM spellings) and parses
them into canonical columns:

=========================  ======  =========================================================================
canonical column           kind    headers recognised (examples)
=========================  ======  =========================================================================
``renewal_date``           date    Renewal date, Next renewal, Contract end date
``renewed``                flag    Renewed (Yes/No; blank: not known)
``churned``                flag    Churned, Churn, Lost (Yes/No; blank: No, as for every flag column)
``expansion_arr``          money   Expansion ARR, Expansion ARR in the period, ARR change (negative: contraction)
``contraction_arr``        money   Contraction ARR, Downsell ARR
``arr_start``              money   ARR a period ago, Start ARR, Prior ARR
``usage_now``              number  Usage now, Usage, Current usage, Usage last 30 days
``usage_prior``            number  Usage a period ago, Prior usage, Usage prior period
``last_active``            date    Last active, Last login, Last seen, Last activity
``active_seats``           number  Active seats, Active users, MAU
``licensed_seats``         number  Licensed seats, Seats, Licenses
``licensed_seats_prior``   number  Licensed seats a period ago, Prior seats
``health_score``           number  Health score, Health
``health_prior``           number  Health score a period ago, Prior health score
``customer_since``         date    Customer since, Contract start date, Start date
``first_expansion_date``   date    First expansion date, First upsell date
=========================  ======  =========================================================================

A missing column is a fact (the metrics that need it are switched off by the
caller); a cell that cannot be read is a row message (capped per column and
kind, as for the CRM export) and becomes missing. Dates may be text (ISO,
``17/03/2026``, ``Mar 17, 2026``), real dates, or spreadsheet serial numbers.
Nothing here reads files or knows the clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from planner import schema
from planner.errors import Problem
from planner.inputs import Outcomes
from planner.workbook.locators import FileLocator, Locator, report_rows_capped
from planner.workbook.text import show_value
from planner.workbook.timeparse import parse_instants
from planner.workbook.values import parse_flags, parse_numbers

DATE, FLAG, MONEY, NUMBER = "date", "flag", "money", "number"

_KIND_OF = {schema.DATE: DATE, schema.BOOL: FLAG, schema.CURRENCY: MONEY, schema.NUMBER: NUMBER}
#: canonical outcome column -> kind, from the declaration (planner.schema.ACCOUNT_OUTCOMES)
OUTCOME_KINDS: dict[str, str] = {c.key: _KIND_OF[c.kind] for c in schema.ACCOUNT_OUTCOMES}
OUTCOME_COLUMNS = tuple(OUTCOME_KINDS)

#: the label a message uses when the header is not known (never: messages use the header as written)
_ALIASES: dict[str, tuple[str, ...]] = {
    "renewal_date": ("renewaldate", "renewal", "nextrenewal", "nextrenewaldate", "renewaldue", "renewalduedate", "contractend",
                     "contractenddate", "contractrenewaldate", "termenddate"),
    "renewed": ("renewed", "didrenew", "hasrenewed", "renewedyn", "isrenewed"),
    "churned": ("churned", "churn", "lost", "churnedyn", "ischurned", "churnedaccount"),
    "expansion_arr": ("expansionarr", "expansion", "expansionarrintheperiod", "expansionarrinperiod", "expansionarrthisperiod",
                      "upsellarr", "expansionamount", "netexpansionarr", "arrchange", "netarrchange"),
    "contraction_arr": ("contractionarr", "contraction", "downsellarr", "downsell", "downgradearr", "contractionarrintheperiod",
                        "contractionarrinperiod"),
    "arr_start": ("arraperiodago", "arrstart", "startarr", "arratstart", "startingarr", "arrperiodstart", "arratperiodstart",
                  "priorarr", "arrprior", "previousarr", "arrlastyear", "arr12monthsago", "openingarr", "beginningarr"),
    "usage_now": ("usagenow", "usage", "currentusage", "usagecurrent", "usagelast30days", "usagethisperiod", "usagecurrentperiod"),
    "usage_prior": ("usageaperiodago", "usageprior", "priorusage", "previoususage", "usageprevious", "usagepriorperiod",
                    "usagelastperiod", "usagepreviousperiod"),
    "last_active": ("lastactive", "lastactivedate", "lastactivity", "lastactivitydate", "lastlogin", "lastlogindate", "lastseen",
                    "lastseenat", "lastloginat", "championlastlogin"),
    "active_seats": ("activeseats", "activeusers", "seatsactive", "mau", "monthlyactiveusers"),
    "licensed_seats": ("licensedseats", "seats", "licenses", "licences", "contractedseats", "seatspurchased", "purchasedseats",
                       "seatslicensed"),
    "licensed_seats_prior": ("licensedseatsaperiodago", "licensedseatsprior", "seatsprior", "priorseats", "previousseats",
                             "seatsaperiodago", "licensedseatsprevious", "priorlicensedseats"),
    "health_score": ("healthscore", "health", "currenthealthscore", "healthnow", "healthscorenow"),
    "health_prior": ("healthscoreaperiodago", "healthscoreprior", "priorhealthscore", "healthprior", "healthaperiodago",
                     "previoushealthscore", "healthscoreprevious", "healthscorelastperiod"),
    "customer_since": ("customersince", "contractstartdate", "contractstart", "startdate", "customerstartdate", "signeddate",
                       "onboardeddate"),
    "first_expansion_date": ("firstexpansiondate", "firstexpansion", "firstupselldate", "firstexpansionat"),
}

# the declared header first (rank 0), then the common CRM spellings
for _c in schema.ACCOUNT_OUTCOMES:
    _declared = re.sub(r"[^a-z0-9]", "", _c.header.lower())
    _ALIASES[_c.key] = (_declared, *(a for a in _ALIASES.get(_c.key, ()) if a != _declared))

_MAY_BE_NEGATIVE = {c.key for c in schema.ACCOUNT_OUTCOMES if c.kind == schema.CURRENCY and c.minimum is None}
_SERIAL_EPOCH = np.datetime64("1899-12-30")  # spreadsheet day 0 (1900 date system, after Lotus's leap-year bug)


def _key(text: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def _key_without_unit(text: object) -> str:
    return _key(re.sub(r"\([^)]*\)\s*$", "", str(text)))


def match_outcome_columns(headers: Iterable[str]) -> dict[str, str]:
    """{canonical outcome column: header} for the headers that name one (first alias in order wins)."""
    best: dict[str, tuple[int, str]] = {}
    for h in headers:
        for k in dict.fromkeys((_key(h), _key_without_unit(h))):
            if not k:
                continue
            for canon, aliases in _ALIASES.items():
                if k in aliases:
                    rank = aliases.index(k)
                    if canon not in best or rank < best[canon][0]:
                        best[canon] = (rank, h)
    # a header is one column only: the best-ranked claim keeps it
    used: dict[str, str] = {}
    for canon, (_rank, h) in sorted(best.items(), key=lambda kv: kv[1][0]):
        if h not in used.values():
            used[canon] = h
    return {c: used[c] for c in OUTCOME_COLUMNS if c in used}


def find_outcomes(accounts: pd.DataFrame, where: Locator | None = None) -> Outcomes:
    """Find and parse the outcome columns of an accounts table (``PlanInputs.accounts``).

    ``where`` names rows in messages; by default ``Accounts row N`` with the
    first account on row 2 (the integrator passes the reader's locator).
    """
    where = where or FileLocator("Accounts", first=2)
    acc = accounts.reset_index(drop=True)
    found = match_outcome_columns([c for c in acc.columns if isinstance(c, str)])
    problems: list[Problem] = []
    out: dict[str, object] = {}
    for canon, header in found.items():
        kind = OUTCOME_KINDS[canon]
        series = acc[header]
        label = str(header).strip()
        if kind == DATE:
            out[canon] = _dates(series, problems, where, header, label)
        elif kind == FLAG:
            fl = parse_flags(series)
            bad = np.flatnonzero(fl.bad | fl.error)
            report_rows_capped(problems, where, header, bad, lambda i: f"{label} {show_value(fl.raw.iat[i])} is not yes or no",
                               f"{label} expects Yes or No; treated as blank")
            values = pd.array(fl.values, dtype="boolean")
            if canon == "renewed":
                values[fl.blank | fl.bad | fl.error] = pd.NA
            else:  # churned: blank means No, like the other flag columns
                values[fl.bad | fl.error] = pd.NA
            out[canon] = values
        else:
            nums = parse_numbers(series, money=(kind == MONEY))
            bad = np.flatnonzero(nums.bad | nums.error | nums.ambiguous)
            report_rows_capped(problems, where, header, bad,
                               lambda i: (f"{label} {nums.shown(i)} is ambiguous: is the point a decimal point or a thousands separator?"
                                                                   if nums.ambiguous[i] else f"{label} {nums.shown(i)} is not a number"),
                               "treated as missing")
            v = nums.values.copy()
            v[bad] = np.nan
            if canon not in _MAY_BE_NEGATIVE:
                with np.errstate(invalid="ignore"):
                    neg = np.flatnonzero(v < 0)
                report_rows_capped(problems, where, header, neg, lambda i: f"{label} {v[i]:g} is negative",
                                   "treated as missing")
                v[neg] = np.nan
            out[canon] = v
    frame = pd.DataFrame({c: out[c] for c in found}, index=pd.RangeIndex(len(acc)))
    return Outcomes(frame, found, tuple(problems))


def _dates(series: pd.Series, problems: list[Problem], where: Locator, header: str, label: str) -> np.ndarray:
    """A date column: text, real dates, or spreadsheet serial numbers (yyyymmdd integers too); midnight datetimes."""
    s = series.reset_index(drop=True)
    n = len(s)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        ymd = (v >= 19000101) & (v <= 21001231) & (v == np.floor(v))
        serial = (v >= 1) & (v < 80000)
        if ymd.any():
            txt = pd.Series(v[ymd].astype(np.int64).astype(str))
            out[ymd] = pd.to_datetime(txt, format="%Y%m%d", errors="coerce").to_numpy(dtype="datetime64[ns]")
        if serial.any():
            days = np.floor(v[serial]).astype(np.int64)
            out[serial] = (_SERIAL_EPOCH + days.astype("timedelta64[D]")).astype("datetime64[ns]")
        bad = np.flatnonzero(~np.isnan(v) & np.isnat(out))
        report_rows_capped(problems, where, header, bad, lambda i: f"{label} {v[i]:g} is not a date", "treated as missing")
        return out
    inst = parse_instants(s, timezone="UTC")
    days = np.floor_divide(inst.values.view(np.int64), 86_400_000_000_000)
    out = np.where(np.isnat(inst.values), np.datetime64("NaT", "ns"), (days * 86_400_000_000_000).view("datetime64[ns]"))
    bad = np.flatnonzero(inst.bad)
    report_rows_capped(problems, where, header, bad, lambda i: f"{label} {show_value(inst.cell(i))} is not a date",
                       "treated as missing; write dates as 2026-03-17")
    return out.astype("datetime64[ns]")
