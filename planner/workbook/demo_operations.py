"""Made-up operations data for the demo: a helpdesk ticket export and the accounts' outcome columns.

Deterministic for a given accounts frame, seed and ``as_of``, and vectorised
(numpy, no loop over rows), so the benchmark makes a million tickets with it.
The accounts come from :func:`planner.workbook.demo.demo_accounts` (taken as a
parameter, never changed); the tier an account had during the period is its
previous tier (new accounts: the tier its ARR band suggests).

Shape of the data, over the year before ``as_of`` (figures from
/work/shared/reference/cs-benchmarks.md and support-ops.md section C):

- tickets: the SLAs sheet's volumes per account per month (1.0 for Tier 1,
  0.75 for Tier 2, 0.5 for Tier 3, spread over accounts with a gamma factor),
  priorities in the SLAs sheet's proportions plus a few Low tickets (which
  no SLA row covers), created mostly in business hours in New York; most on the
  SLA row's channel, some on others;
- first responses log-normal around a third of the target (about one in six
  breaches); on live channels (chat, phone) most contacts are answered at once
  (0 minutes, as the helpdesk records a call) and the rest called back within
  minutes; resolutions hours to days later; tickets still open at ``as_of``
  have no resolution (and no first response when it was due after ``as_of``);
  about 1.5% of solved tickets have a blank first reply;
- messiness of a real export: 0.5% of tickets name organizations the CRM does
  not list, 0.3% of rows are repeated (an overlapping re-export), and the raw
  file mixes time zones: most times are New York wall-clock time (Zendesk's
  CSV uses the account's zone), some carry an offset (UTC, New York's own,
  Central European), and so does any time in the hour repeated when New
  York's clocks go back, which could not be read back otherwise;
- outcomes: yearly logo churn about 4% (Tier 1), 7.5% (Tier 2), 14% (Tier 3),
  all of it at renewal; expansion in about a third, a quarter and an eighth of
  the accounts; contraction in about one account in ten; renewal dates spread
  over the year either side of ``as_of``; usage, seats, last activity and a
  prior health score with a minority of accounts showing the warning signs the
  outreach rules look for.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from planner.operations.calendar import BusinessCalendar, business_minutes_between
from planner.workbook.defaults import TIER_NAMES, sla_rows
from planner.workbook.ticket_columns import CHANNEL_DTYPE, PRIORITY_DTYPE

DEMO_AS_OF = dt.date(2026, 6, 30)
DEMO_OPERATIONS_SEED = 20261123
DEMO_TIMEZONE = "America/New_York"  # the demo helpdesk's zone: naive times in its export are New York time
DEMO_CALENDAR = BusinessCalendar(weekdays=(0, 1, 2, 3, 4), start_hour=9, end_hour=17, timezone=DEMO_TIMEZONE)

_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600}
_LOW_SHARE = 0.04
_OFF_CHANNEL = 0.05
_BLANK_REPLY = 0.015
_UNKNOWN_ORGS = 0.005
_REPEATED_ROWS = 0.003

# yearly outcome rates per tier rank (0 = Tier 1)
_CHURN = (0.04, 0.075, 0.14)
_EXPAND = ((0.33, 0.35), (0.25, 0.50), (0.12, 0.40))  # (share of accounts expanding, mean increase)
_CONTRACT = (0.10, 0.10, 0.08)

# outcome headers as a CRM export would spell them
OUTCOME_HEADERS = (
    "Renewal date", "Renewed", "Churned", "Expansion ARR", "Customer since", "First expansion date", "Usage now",
    "Usage a period ago", "Last active", "Active seats", "Licensed seats", "Licensed seats a period ago",
    "Health score a period ago",
)

_VIA = {"Chat": "Chat", "Phone": "Phone call (incoming)", "Email/ticket": "Email"}
_ZENDESK_HEADERS = (
    "ID", "Organization", "Created at", "Solved at", "Priority", "Via", "First reply time in minutes",
    "First reply time in minutes within business hours", "Full resolution time in minutes",
    "Full resolution time in minutes within business hours",
)


def demo_tiers(accounts: pd.DataFrame, tiers: tuple[str, ...] = TIER_NAMES) -> np.ndarray:
    """The tier rank each account had during the period: its previous tier, else its ARR band."""
    prev = pd.Series(accounts["previous_tier"], dtype=object).reset_index(drop=True)
    out = prev.map({t: i for i, t in enumerate(tiers)}).fillna(-1).to_numpy(dtype=np.int64)
    arr = accounts["arr"].to_numpy(dtype=float)
    band = np.where(arr >= 100_000, 0, np.where(arr >= 25_000, 1, 2))
    return np.where(out < 0, np.minimum(band, len(tiers) - 1), out)


def _end_instant(as_of: dt.date) -> int:
    """The end of ``as_of`` in New York, as ns since the epoch (UTC)."""
    return pd.Timestamp(as_of + dt.timedelta(days=1)).tz_localize(DEMO_TIMEZONE).tz_convert("UTC").value


def demo_outcomes(accounts: pd.DataFrame, seed: int = DEMO_OPERATIONS_SEED, as_of: dt.date = DEMO_AS_OF) -> pd.DataFrame:
    """Outcome columns for ``accounts`` (same rows, same order), under :data:`OUTCOME_HEADERS`."""
    rng = np.random.default_rng([seed, 1])
    n = len(accounts)
    rank = np.minimum(demo_tiers(accounts), 2)
    arr = accounts["arr"].to_numpy(dtype=float)
    end = np.datetime64(as_of, "D")
    tenure = accounts["Tenure months"].to_numpy(dtype=float) if "Tenure months" in accounts.columns else np.full(n, 24.0)
    tenure = np.where(np.isnan(tenure), 24.0, tenure)
    since = end - np.round(tenure * 30.44).astype(np.int64).astype("timedelta64[D]")
    new = since > end - np.timedelta64(365, "D")
    renewal = end + rng.integers(-364, 366, n).astype("timedelta64[D]")
    churned = ~new & (rng.random(n) < np.array(_CHURN)[rank])
    # churn happens at renewal: the churned renewed (or not) inside the period
    renewal = np.where(churned, end - rng.integers(0, 365, n).astype("timedelta64[D]"), renewal)
    in_period = renewal <= end
    renewed = np.where(in_period & ~new, np.where(churned, "No", "Yes"), np.array(None, dtype=object))
    share, mean_up = np.array(_EXPAND)[rank, 0], np.array(_EXPAND)[rank, 1]
    expands = ~new & ~churned & (rng.random(n) < share)
    contracts = ~new & ~churned & ~expands & (rng.random(n) < np.array(_CONTRACT)[rank])
    up = rng.gamma(2.0, mean_up / 2.0)
    down = rng.uniform(0.10, 0.40, n)
    # ARR is the value now: an expansion of u on a start value s gives arr = s (1 + u)
    expansion = np.where(expands, np.round(arr * up / (1 + up), -1), 0.0)
    expansion = np.where(contracts, -np.round(arr * down / (1 - down), -1), expansion)
    first_exp = np.where(expands, since + np.maximum(30, rng.integers(60, 720, n)).astype("timedelta64[D]"),
                         np.datetime64("NaT"))
    first_exp = np.where(first_exp > end, end - rng.integers(1, 200, n).astype("timedelta64[D]"), first_exp)
    first_exp = np.where(expands & (first_exp < since), since + np.timedelta64(30, "D"), first_exp)

    employees = accounts["employees"].to_numpy(dtype=float) if "employees" in accounts.columns else np.full(n, 50.0)
    employees = np.where(np.isnan(employees), 50.0, employees)
    licensed = np.maximum(5, np.round(employees * rng.uniform(0.15, 0.6, n)))
    shrink = rng.random(n) < 0.05
    licensed_prior = np.where(shrink, licensed + np.maximum(1, np.round(licensed * rng.uniform(0.05, 0.3, n))), licensed)
    licensed_prior = np.where(~shrink & (rng.random(n) < 0.25), np.maximum(1, licensed - np.round(licensed * 0.1)), licensed_prior)
    active = np.minimum(licensed, np.round(licensed * rng.beta(8, 2.5, n)))
    usage_prior = np.round(licensed * rng.gamma(4.0, 12.0, n))
    usage_prior[rng.random(n) < 0.03] = 0.0  # a few accounts had no usage a period ago
    change = rng.normal(0.04, 0.15, n) - np.where(churned, 0.35, 0.0)
    usage_now = np.maximum(0.0, np.round(usage_prior * (1 + change)))
    usage_now = np.where(usage_prior == 0, np.round(rng.gamma(1.0, 20.0, n)) * (rng.random(n) < 0.5), usage_now)
    idle = rng.exponential(3.0, n) + np.where(rng.random(n) < 0.03, rng.uniform(14, 60, n), 0.0)
    last_active = end - np.floor(idle).astype(np.int64).astype("timedelta64[D]")
    health = accounts["Health score"].to_numpy(dtype=float) if "Health score" in accounts.columns else np.full(n, 70.0)
    health_prior = np.clip(np.round(health + rng.normal(0, 3, n) + np.where(rng.random(n) < 0.04, rng.uniform(10, 25, n), 0)), 0, 100)

    def dates(d: np.ndarray) -> pd.Series:
        return pd.Series(pd.to_datetime(d.astype("datetime64[D]")).strftime("%Y-%m-%d")).where(~np.isnat(d.astype("datetime64[D]")), None)

    frame = pd.DataFrame({
        "Renewal date": dates(renewal),
        "Renewed": pd.Series(renewed, dtype=object),
        "Churned": np.where(churned, "Yes", "No").astype(object),
        "Expansion ARR": expansion,
        "Customer since": dates(since),
        "First expansion date": dates(first_exp.astype("datetime64[D]")),
        "Usage now": usage_now,
        "Usage a period ago": usage_prior,
        "Last active": dates(last_active),
        "Active seats": active,
        "Licensed seats": licensed,
        "Licensed seats a period ago": licensed_prior,
        "Health score a period ago": np.where(np.isnan(health), np.nan, health_prior),
    })
    return frame[list(OUTCOME_HEADERS)]


def demo_accounts_with_outcomes(accounts: pd.DataFrame, seed: int = DEMO_OPERATIONS_SEED, as_of: dt.date = DEMO_AS_OF) -> pd.DataFrame:
    """``accounts`` with the outcome columns appended (a copy; ``accounts`` is not changed)."""
    return pd.concat([accounts.reset_index(drop=True), demo_outcomes(accounts, seed, as_of)], axis=1)


def _sla_table():
    rows = sla_rows()
    table = {}
    for r in rows:
        table.setdefault(r["tier"], []).append((r["severity"], r["channel"], r["target"] * _SECONDS[r["target_unit"]], r["tickets"]))
    return table


def _ticket_core(accounts: pd.DataFrame, seed: int, as_of: dt.date, volume: float = 1.0) -> dict[str, np.ndarray]:
    """Every ticket's fields as arrays, before any export formatting (repeated rows not yet added)."""
    rng = np.random.default_rng([seed, 2])
    n_acc = len(accounts)
    rank = np.minimum(demo_tiers(accounts), len(TIER_NAMES) - 1)
    sla = _sla_table()
    per_tier = [sla[t] for t in TIER_NAMES]
    monthly = np.array([sum(x[3] for x in rows) for rows in per_tier])
    lam = monthly[rank] * 12.0 * volume * rng.gamma(2.0, 0.5, n_acc)
    counts = rng.poisson(lam)
    owner = np.repeat(np.arange(n_acc), counts)
    n = len(owner)
    t_rank = rank[owner]

    # priority: the SLA rows' proportions, plus a few Low tickets
    sev_names = ("Urgent", "High", "Normal", "Low")
    sev = np.full(n, 3, np.int64)
    target = np.full(n, np.nan)
    sla_channel = np.full(n, "Email/ticket", dtype=object)
    u = rng.random(n)
    low = rng.random(n) < _LOW_SHARE
    for r, rows in enumerate(per_tier):
        in_tier = t_rank == r
        shares = np.array([x[3] for x in rows]) / sum(x[3] for x in rows)
        edges = np.cumsum(shares)
        pick = np.minimum(np.searchsorted(edges, u, side="right"), len(rows) - 1)
        for j, (severity, channel, tsec, _) in enumerate(rows):
            m = in_tier & ~low & (pick == j)
            sev[m] = sev_names.index(severity)
            target[m] = tsec
            sla_channel[m] = channel
    target[low] = 48 * 3600.0  # Low tickets: no SLA row; answered like a slow Normal ticket
    channel = sla_channel.copy()
    off = rng.random(n) < _OFF_CHANNEL
    channel[off] = np.array(["Chat", "Phone", "Email/ticket"], dtype=object)[rng.integers(0, 3, int(off.sum()))]

    # created: a day in the year before as_of (weekdays mostly), hours around early afternoon, New York time
    end_day = np.datetime64(as_of, "D")
    day = end_day - rng.integers(0, 365, n).astype("timedelta64[D]")
    weekday = (day.astype(np.int64) + 3) % 7
    weekend = weekday >= 5
    move = weekend & (rng.random(n) < 0.8)
    day = np.where(move, day - (weekday - 4).astype("timedelta64[D]"), day)
    seconds = np.clip(rng.normal(13.5 * 3600, 3 * 3600, n), 6 * 3600, 23 * 3600 + 3599).astype(np.int64)
    wall = day.astype("datetime64[s]").astype(np.int64) + seconds
    created_utc = (pd.DatetimeIndex(wall.astype("datetime64[s]")).tz_localize(
        DEMO_TIMEZONE, ambiguous=np.ones(n, bool), nonexistent="shift_forward").tz_convert("UTC").tz_localize(None).as_unit("ns").asi8)
    created_utc = created_utc // 1_000_000_000 * 1_000_000_000  # whole seconds

    # first response and resolution, whole minutes as the helpdesk reports them
    reply = np.maximum(1.0, np.round(np.exp(np.log(np.maximum(target / 60.0, 60.0) * 0.33) + 1.0 * rng.standard_normal(n))))
    # live channels: most contacts are answered in the call or chat itself (0 minutes), the rest are called back
    live_target = target < 600
    answered = live_target & (rng.random(n) < 0.88)
    reply = np.where(answered, 0.0, np.where(live_target, np.maximum(1.0, np.round(rng.exponential(4.0, n))), reply))
    resolve_median = np.array([240.0, 480.0, 1440.0, 2880.0])[sev]
    resolution = np.round(reply + np.exp(np.log(resolve_median) + 0.9 * rng.standard_normal(n)))
    end_ns = _end_instant(as_of)
    ns_min = 60 * 1_000_000_000
    replied_at = created_utc + reply.astype(np.int64) * ns_min
    solved_at = created_utc + resolution.astype(np.int64) * ns_min
    open_reply = replied_at >= end_ns
    unsolved = solved_at >= end_ns
    reply = np.where(open_reply, np.nan, reply)
    resolution = np.where(unsolved, np.nan, resolution)
    blank_reply = ~unsolved & (rng.random(n) < _BLANK_REPLY)
    reply = np.where(blank_reply, np.nan, reply)

    ids = (120_000 + np.arange(n)).astype(np.int64)
    org = accounts["account_id"].astype(str).to_numpy(dtype=object)[owner]
    unknown = rng.random(n) < _UNKNOWN_ORGS
    org = org.copy()
    org[unknown] = np.char.add("ORG-TRIAL-", (rng.integers(1, 400, int(unknown.sum()))).astype(str)).astype(object)
    # time order, as a helpdesk lists its tickets
    order = np.argsort(created_utc, kind="stable")
    out = dict(id=ids, org=org[order], created=created_utc[order], sev=sev[order], channel=channel[order],
               reply=reply[order], resolution=resolution[order])
    return out


def _business(core: dict[str, np.ndarray], minutes: np.ndarray) -> np.ndarray:
    start = core["created"].view("datetime64[ns]")
    stop = np.where(np.isnan(minutes), np.iinfo(np.int64).min,
                    core["created"] + np.nan_to_num(minutes).astype(np.int64) * 60_000_000_000).view("datetime64[ns]")
    bm = business_minutes_between(start, stop, DEMO_CALENDAR)
    return np.round(bm)


def demo_tickets(accounts: pd.DataFrame, seed: int = DEMO_OPERATIONS_SEED, as_of: dt.date = DEMO_AS_OF,
                 volume: float = 1.0) -> pd.DataFrame:
    """The demo's tickets in the canonical columns (what :func:`read_tickets` makes of :func:`write_demo_tickets`).

    ``volume`` multiplies the SLAs sheet's ticket rates (the benchmark uses it to reach a million tickets).
    """
    c = _ticket_core(accounts, seed, as_of, volume)
    ns_min = 60_000_000_000
    created = c["created"]

    def at(minutes):
        v = np.where(np.isnan(minutes), np.iinfo(np.int64).min, created + np.nan_to_num(minutes).astype(np.int64) * ns_min)
        return pd.Series(pd.DatetimeIndex(v.view("datetime64[ns]")).tz_localize("UTC"))

    sev_names = np.array(["Urgent", "High", "Normal", "Low"], dtype=object)
    return pd.DataFrame({
        "ticket_id": pd.Series(c["id"].astype(str), dtype="str"),
        "account_id": pd.Series(c["org"], dtype="str"),
        "created_at": pd.Series(pd.DatetimeIndex(created.view("datetime64[ns]")).tz_localize("UTC")),
        "first_response_at": at(c["reply"]),
        "resolved_at": at(c["resolution"]),
        "priority": pd.Categorical(sev_names[c["sev"]], dtype=PRIORITY_DTYPE),
        "channel": pd.Categorical(c["channel"], dtype=CHANNEL_DTYPE),
        "first_response_minutes": c["reply"],
        "first_response_business_minutes": _business(c, c["reply"]),
        "resolution_minutes": c["resolution"],
        "resolution_business_minutes": _business(c, c["resolution"]),
    })


def demo_ticket_export(accounts: pd.DataFrame, seed: int = DEMO_OPERATIONS_SEED, as_of: dt.date = DEMO_AS_OF,
                       volume: float = 1.0) -> pd.DataFrame:
    """The demo's tickets as a Zendesk CSV export: text cells under Zendesk's headers, mixed time zones, repeated rows."""
    rng = np.random.default_rng([seed, 3])
    c = _ticket_core(accounts, seed, as_of, volume)
    n = len(c["id"])
    ns_min = 60_000_000_000
    created = c["created"]
    solved = np.where(np.isnan(c["resolution"]), np.iinfo(np.int64).min, created + np.nan_to_num(c["resolution"]).astype(np.int64) * ns_min)
    style = rng.choice(4, n, p=[0.85, 0.05, 0.05, 0.05])  # New York wall clock / UTC "Z" / New York offset / Central European offset

    def text(ns: np.ndarray, style: np.ndarray) -> np.ndarray:
        missing = ns == np.iinfo(np.int64).min
        idx = pd.DatetimeIndex(np.where(missing, 0, ns).view("datetime64[ns]")).tz_localize("UTC")
        out = np.empty(len(ns), dtype=object)
        ny = idx.tz_convert(DEMO_TIMEZONE)
        # a wall-clock time in the hour repeated when clocks go back cannot be read back without its offset: write it
        back = ny.tz_localize(None).tz_localize(DEMO_TIMEZONE, ambiguous=np.ones(len(ns), bool), nonexistent="NaT")
        style = np.where((style == 0) & (back != ny), 2, style)
        for s, fmt, zone in ((0, "%Y-%m-%d %H:%M:%S", None), (1, "%Y-%m-%dT%H:%M:%SZ", "UTC"), (2, "%Y-%m-%dT%H:%M:%S%z", DEMO_TIMEZONE),
                             (3, "%Y-%m-%d %H:%M:%S%z", "Europe/Paris")):
            m = style == s
            if not m.any():
                continue
            shown = (ny if zone in (None, DEMO_TIMEZONE) else idx.tz_convert(zone))[m]
            vals = shown.strftime(fmt)
            if s >= 2:  # ISO offsets with a colon: +01:00
                vals = pd.Index(vals).str.replace(r"([+-]\d{2})(\d{2})$", r"\1:\2", regex=True)
            out[m] = np.asarray(vals, dtype=object)
        out[missing] = ""
        return out

    def minutes(v: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(v), "", np.nan_to_num(v).astype(np.int64).astype(str)).astype(object)

    sev_names = np.array(["Urgent", "High", "Normal", "Low"], dtype=object)
    raw = pd.DataFrame({
        "ID": c["id"].astype(str).astype(object),
        "Organization": c["org"],
        "Created at": text(created, style),
        "Solved at": text(solved, style),
        "Priority": sev_names[c["sev"]],
        "Via": np.array([_VIA[ch] for ch in ("Chat", "Phone", "Email/ticket")], dtype=object)[
            pd.Categorical(c["channel"], categories=["Chat", "Phone", "Email/ticket"]).codes],
        "First reply time in minutes": minutes(c["reply"]),
        "First reply time in minutes within business hours": minutes(_business(c, c["reply"])),
        "Full resolution time in minutes": minutes(c["resolution"]),
        "Full resolution time in minutes within business hours": minutes(_business(c, c["resolution"])),
    })
    # an overlapping re-export repeats some rows at the end
    again = np.flatnonzero(rng.random(n) < _REPEATED_ROWS)
    return pd.concat([raw, raw.iloc[again]], ignore_index=True)[list(_ZENDESK_HEADERS)]


def write_demo_tickets(path: str | Path, accounts: pd.DataFrame | None = None, seed: int = DEMO_OPERATIONS_SEED,
                       as_of: dt.date = DEMO_AS_OF, volume: float = 1.0) -> Path:
    """Write the demo's ticket export as a Zendesk-style CSV (UTF-8, comma-separated); returns the path.

    ``accounts`` default: the demo's 2,000 accounts. Read it with
    ``read_tickets(path, timezone=DEMO_TIMEZONE)``.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if accounts is None:
        from planner.workbook.demo import demo_accounts

        accounts = demo_accounts()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = demo_ticket_export(accounts, seed, as_of, volume)
    table = pa.table({h: pa.array(raw[h].to_numpy(dtype=object), type=pa.string()) for h in raw.columns})
    tmp = path.with_name(path.name + ".part")
    with pa.OSFile(str(tmp), "wb") as sink:
        pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(include_header=True, quoting_style="needed"))
    tmp.replace(path)
    return path
