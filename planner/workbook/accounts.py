"""The CRM accounts export: reading CSV/Parquet files and cleaning the table.

The Accounts sheet of the workbook and a ``--accounts`` CSV or Parquet file go
through the same :func:`clean_accounts`, so a messy export gets the same
treatment whichever way it arrives. Cleaning works on whole columns
(pyarrow compute and numpy); Python only loops over the few bad rows it
reports.

What stops the run and what does not
------------------------------------
A problem is **fatal** (``UserInputError``, nothing is planned) when going on
would silently change money or the identity of an account, or ignore an
instruction the user wrote:

- ARR blank, not a number, an error value, negative, implausibly large, or
  written ambiguously (see "Numbers written as text" below);
- account ID blank or repeated;
- a locked tier that is not a tier, or a locked tier without a lock reason;
- a strategic or churn-risk flag that is not yes/no;
- a required column (Account ID, Account name, ARR) missing.

A problem is a **note** (``PlanInputs.notes``; the run goes on) when the
segmentation has a documented fallback, i.e. the value is a data gap:

- text or an error value in a numeric signal column (Employees, Previous
  score, any column the Scoring sheet uses): the value becomes missing and the
  segmentation re-weights the pillar and lists the account in its data gaps;
- a previous tier that is no longer a tier: the account is treated as new;
- a blank account name: the account ID is shown instead;
- employees or previous score outside their sensible range: treated as missing.

Per-row problems of one kind in one column are reported for the first
``MAX_ROW_PROBLEMS`` rows, then as one line "... and N more rows with the same
problem", so a broken million-row file does not print a million lines.

Numbers written as text
-----------------------
Cells that hold real numbers are taken as they are. Text is read like this:

- currency symbols and ISO codes around the number are dropped
  ("$12,000", "USD 12000", "12000 EUR", "US$ 1,200.50", "€ 1.200,00");
  spaces and apostrophes inside a number are thousands separators
  ("1 200", "1'200"); "(1,200)" and "-1,200" are negative;
- "12%" is 0.12; "12k" is 12,000, "1.5m" is 1,500,000, "2bn" is 2,000,000,000;
- blanks and "-", "n/a", "na", "none", "null", "nan" are blank;
- thousands separators and decimal marks: a value that can only be read one
  way is read that way ("1,234.50", "1.234,50", "12,5", "0.75"). A value that
  could be read both ways ("12,000", "1.200") follows the column: if the
  column's other values show only one style (US: comma thousands, point
  decimal; European: point thousands, comma decimal), that style is used.
  Otherwise a comma followed by three digits is a thousands separator
  ("12,000" is twelve thousand, the style CRM exports use), and a point
  followed by three digits is a decimal point in a signal column but is
  rejected as ambiguous in a money column such as ARR ("1.200": write 1200 or
  1.2). In a column that shows both styles, every value that could be read
  both ways is rejected as ambiguous.

Row locations
-------------
On the Accounts sheet a cell is ``Accounts!C17`` (sheet row numbers). In a
CSV file a row is ``accounts.csv row 17``, counting the header as row 1 as a
spreadsheet shows it, so the first account is row 2. In a Parquet file a
record is ``accounts.parquet record 17`` (the first account is record 1).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from planner import schema
from planner.errors import Problem
from planner.inputs import ACCOUNT_FIXED_COLUMNS
from planner.workbook.export import read_accounts_file
from planner.workbook.locators import MAX_ROW_PROBLEMS, FileLocator, Locator, SheetLocator, report_rows_capped
from planner.workbook.text import error_text, first_headers, fmt_number, normalise_header, plural, show_value
from planner.workbook.values import Numbers, Texts, lookup_small, parse_flags, parse_numbers, parse_texts

ACCOUNT_TEXT_KEYS = schema.ACCOUNT_TEXT_KEYS

__all__ = [
    "ACCOUNT_TEXT_KEYS", "MAX_ROW_PROBLEMS", "FileLocator", "SheetLocator", "account_column_for", "clean_accounts",
    "match_account_columns", "parse_numbers", "read_accounts_file",
]


def match_account_columns(headers: Iterable[str]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Map raw headers to fixed column keys.

    Returns ({key: raw header}, [(raw header, first raw header) for repeated headers]).
    A header matches a fixed column by its header text or its key, ignoring case,
    spaces and punctuation ("Account ID", "account_id", "ACCOUNT-ID").
    """
    lookup: dict[str, str] = {}
    for c in schema.ACCOUNTS.columns:
        lookup.setdefault(normalise_header(c.header), c.key)
        lookup.setdefault(normalise_header(c.key), c.key)
    found: dict[str, str] = {}
    firsts, repeats = first_headers(headers, normalise_header)
    for h, k in firsts:
        if k in lookup and lookup[k] not in found:
            found[lookup[k]] = h
    return found, repeats


def account_column_for(text: str, columns: Iterable[str]) -> str | None:
    """The accounts column (canonical name) a Scoring sheet entry names, or None."""
    k = normalise_header(text)
    if not k:
        return None
    for c in schema.ACCOUNTS.columns:
        if k in (normalise_header(c.header), normalise_header(c.key)):
            return c.key
    for col in columns:
        if col not in ACCOUNT_FIXED_COLUMNS and normalise_header(col) == k:
            return col
    return None


def _noun(col: schema.Column) -> str:
    if col.kind == schema.CURRENCY:
        return f"an amount {col.unit}".strip()
    if col.kind == schema.NUMBER:
        if not col.unit:
            return "a number"
        return f"a number {col.unit}" if col.unit.startswith("per") else f"a number of {col.unit}"
    return "a value"


def clean_accounts(
    raw: pd.DataFrame,
    where: Locator,
    tiers: Sequence[str],
    *,
    scoring_columns: Iterable[str] = (),
) -> tuple[pd.DataFrame, list[Problem], list[Problem]]:
    """Turn a raw accounts table into PlanInputs' canonical accounts frame.

    ``raw``: one row per account, columns under the headers as written (from the
    Accounts sheet, a CSV or a Parquet file). ``where`` names rows and cells in
    messages (:class:`SheetLocator` or :class:`FileLocator`). ``tiers``: the tier
    names of the Tiers sheet (previous and locked tiers are matched to them
    ignoring case). ``scoring_columns``: the account column headers the Scoring
    sheet uses; those columns are always read as numbers.

    Returns (accounts, problems, notes): problems are fatal, notes are data gaps
    the run goes on with (see the module docstring).
    """
    problems: list[Problem] = []
    notes: list[Problem] = []
    raw = raw.reset_index(drop=True)
    n = len(raw)
    found, repeats = match_account_columns(raw.columns)
    for h, first in repeats:
        problems.append(Problem(where.header_where(), f'column "{str(h).strip()}" appears twice (first as "{str(first).strip()}")',
                                "keep one column per header"))
    required = [c for c in schema.ACCOUNTS.columns if c.required]
    missing = [c.header for c in required if c.key not in found]
    for header in missing:
        problems.append(Problem(where.header_where(), f'column "{header}" is missing',
                                "the accounts need columns " + ", ".join(c.header for c in required)))
    if missing or repeats:
        return pd.DataFrame(), problems, notes
    if n == 0:
        problems.append(Problem(where.source, "no accounts listed", "at least one account row under the headers"))
        return pd.DataFrame(), problems, notes

    tier_lookup = {t.lower().strip(): t for t in tiers}
    out: dict[str, object] = {}

    # -- account id: required, unique (exact, case-sensitive: CRM ids are)
    h = found["account_id"]
    ids = parse_texts(raw[h])
    bad = np.flatnonzero(ids.blank | ids.error)
    report_rows_capped(problems, where, h, bad,
                       lambda i: f"account ID shows the error {error_text(ids.raw.iat[i])}" if ids.error[i] else "account ID is blank",
                       "every account needs its CRM id")
    idv = ids.values
    present = ~(ids.blank | ids.error)
    if present.any():
        dup = idv[present].duplicated(keep="first")
        pidx = np.flatnonzero(present)
        dup_idx = pidx[dup.to_numpy()]
        if len(dup_idx):
            first_pos = pd.Series(pidx, index=idv[present].to_numpy()).groupby(level=0).first()
            report_rows_capped(
                problems, where, h, dup_idx,
                lambda i: f'account ID "{idv.iat[i]}" appears again',
                lambda i: f"first on {where.row_label(int(first_pos.loc[str(idv.iat[i])]))}; IDs must be unique",
                "IDs must be unique",
            )
    out["account_id"] = idv

    # -- name: a blank name is shown as the id (note)
    h = found["name"]
    names = parse_texts(raw[h])
    nb = np.flatnonzero(names.blank | names.error)
    if len(nb):
        notes.append(Problem(where.cells(nb, h), f"account name is blank on {plural(len(nb), 'row')}", "the account ID is shown instead"))
    nv = names.values.copy()
    nv[names.blank | names.error] = idv[names.blank | names.error]
    out["name"] = nv

    # -- ARR: money, fatal
    col = schema.ACCOUNTS.column("arr")
    h = found["arr"]
    arr = parse_numbers(raw[h], money=True)
    _report_number_problems(problems, where, h, col, arr, fatal=True)
    out["arr"] = arr.values

    # -- optional text columns
    for key in ("industry", "region", "product"):
        if key in found:
            out[key] = parse_texts(raw[found[key]]).values
        else:
            out[key] = pd.Series([None] * n, dtype=object)

    # -- optional numeric signals: gaps are notes
    for key in ("employees", "previous_score"):
        if key in found:
            col = schema.ACCOUNTS.column(key)
            nums = parse_numbers(raw[found[key]], flags_as_numbers=False)
            out[key] = _signal_values(notes, where, found[key], nums, col.minimum, col.maximum, col.header)
        else:
            out[key] = np.full(n, np.nan)

    # -- previous tier: unknown -> new account (note)
    if "previous_tier" in found:
        h = found["previous_tier"]
        prev = parse_texts(raw[h])
        out["previous_tier"] = _match_tiers(prev, tier_lookup, where, h, notes, fatal=False)
    else:
        out["previous_tier"] = pd.Series([None] * n, dtype=object)

    # -- locked tier + reason: fatal
    locked = pd.Series([None] * n, dtype=object)
    if "locked_tier" in found:
        h = found["locked_tier"]
        lk = parse_texts(raw[h])
        locked = _match_tiers(lk, tier_lookup, where, h, problems, fatal=True)
        has_lock = (~lk.blank & ~lk.error)
        if "lock_reason" in found:
            rs = parse_texts(raw[found["lock_reason"]])
            reason_blank = rs.blank | rs.error
            reasons = rs.values
        else:
            reason_blank = np.ones(n, bool)
            reasons = pd.Series([None] * n, dtype=object)
        no_reason = np.flatnonzero(has_lock & reason_blank)
        rh = found.get("lock_reason", h)
        report_rows_capped(problems, where, rh if "lock_reason" in found else h, no_reason,
                           lambda i: f'account "{idv.iat[i]}" is locked to "{lk.values.iat[i]}" without a lock reason',
                           "say why the tier is locked in Lock reason")
        out["lock_reason"] = reasons.where(has_lock, None) if "lock_reason" in found else reasons
    else:
        out["lock_reason"] = pd.Series([None] * n, dtype=object) if "lock_reason" not in found else parse_texts(raw[found["lock_reason"]]).values
    out["locked_tier"] = locked

    # -- flags
    for key in ("strategic", "churn_risk"):
        if key in found:
            h = found[key]
            fl = parse_flags(raw[h])
            label = schema.ACCOUNTS.column(key).header
            report_rows_capped(problems, where, h, np.flatnonzero(fl.bad | fl.error),
                               lambda i: (f"{label} shows the error {error_text(fl.raw.iat[i])}" if fl.error[i]
                                          else f"{label} {show_value(fl.raw.iat[i])} is not yes or no"),
                               f"{label} expects Yes or No; blank means No")
            out[key] = fl.values
        else:
            out[key] = np.zeros(n, bool)

    frame = pd.DataFrame({k: _as_column(out[k], k) for k in ACCOUNT_FIXED_COLUMNS})

    # -- every other column keeps its header; numeric where numeric
    fixed_headers = set(found.values())
    scoring_keys = {normalise_header(c) for c in scoring_columns}
    for h in raw.columns:
        if h in fixed_headers or not normalise_header(h):
            continue
        name = str(h).strip()
        if name in frame.columns:
            continue
        series = raw[h]
        if normalise_header(h) in scoring_keys:
            nums = parse_numbers(series, flags_as_numbers=True)
            frame[name] = _signal_values(notes, where, h, nums, None, None, name)
        else:
            frame[name] = _extra_column(series)
    return frame, problems, notes


def _as_column(values, key: str):
    if key in ("arr", "employees", "previous_score"):
        return np.asarray(values, dtype=float)
    if key in ("strategic", "churn_risk"):
        return np.asarray(values, dtype=bool)
    if key in ("previous_tier", "locked_tier", "lock_reason"):  # str or None (few distinct values)
        v = pd.Series(values).reset_index(drop=True).astype(object)
        return v.where(v.notna(), None)
    if isinstance(values, pd.Series):  # text: kept in the dtype it was read in (Arrow-backed where possible)
        return values.reset_index(drop=True)
    return pd.Series(values, dtype=object)


_PROBE_ROWS = 1_000


def _extra_column(series: pd.Series):
    """A column no rule uses: numbers when every filled cell is a number, else text as written."""
    dt = series.dtype
    if pd.api.types.is_numeric_dtype(dt) and not pd.api.types.is_bool_dtype(dt):
        return series.reset_index(drop=True).astype(float)
    if pd.api.types.is_bool_dtype(dt) or pd.api.types.is_datetime64_any_dtype(dt):
        return series.reset_index(drop=True)
    if len(series) > _PROBE_ROWS:
        # a cell that is not a number (or is an error value) is so whatever the rest of the column holds:
        # a text column (names, regions) is known from its first rows without parsing a million cells
        probe = parse_numbers(series.iloc[:_PROBE_ROWS])
        if (probe.bad | probe.error).any():
            return parse_texts(series).values
    nums = parse_numbers(series)
    if not (nums.bad | nums.error | nums.ambiguous).any() and (~nums.blank).any():
        return nums.values
    return parse_texts(series).values


def _blank_said(label: str, raw: object) -> str:
    """A required value that is missing, said as the cell says it: 'ARR is blank', or 'ARR is "n/a" (no value)'."""
    if isinstance(raw, str) and raw.strip():
        return f'{label} is "{raw.strip()}" (no value)'
    return f"{label} is blank"


def _report_number_problems(problems: list[Problem], where: Locator, h: str, col: schema.Column, nums: Numbers, fatal: bool) -> None:
    label = col.header
    noun = _noun(col)
    expected = f"{label} expects {noun}"
    report_rows_capped(problems, where, h, np.flatnonzero(nums.error),
                       lambda i: f"{label} shows the error {nums.error_of(i)}", expected)
    report_rows_capped(problems, where, h, np.flatnonzero(nums.bad),
                       lambda i: f"{label} {nums.shown(i)} is not a number", expected)
    report_rows_capped(problems, where, h, np.flatnonzero(nums.ambiguous),
                       lambda i: f"{label} {nums.shown(i)} is ambiguous: is the point a decimal point or a thousands separator?",
                       "write the amount without a thousands separator, e.g. 1200 or 1.2")
    if col.required:
        report_rows_capped(problems, where, h, np.flatnonzero(nums.blank), lambda i: _blank_said(label, nums.raw.iat[i]),
                           f"{noun} is required; enter 0 if there is none")
    v = nums.values
    with np.errstate(invalid="ignore"):
        minimum, maximum = col.minimum, col.maximum
        if minimum is not None:
            low = np.flatnonzero(v < minimum)
            report_rows_capped(problems, where, h, low,
                               lambda i: f"{label} {fmt_number(v[i])} is negative" if minimum == 0 else f"{label} {fmt_number(v[i])} is below {fmt_number(minimum)}",
                               f"{expected}, {fmt_number(minimum)} or more")
        if maximum is not None:
            high = np.flatnonzero(v > maximum)
            report_rows_capped(problems, where, h, high,
                               lambda i: f"{label} {fmt_number(v[i])} is more than the largest plausible value {fmt_number(maximum)}",
                               f"{expected} up to {fmt_number(maximum)}")


def _signal_values(notes: list[Problem], where: Locator, h: str, nums: Numbers, lo, hi, label: str) -> np.ndarray:
    """A signal column: anything unreadable or out of range becomes missing, with one note per kind."""
    v = nums.values.copy()
    unreadable = np.flatnonzero(nums.bad | nums.error | nums.ambiguous)
    if len(unreadable):
        examples = []
        for i in unreadable.tolist():
            s = show_value(nums.raw.iat[i]) if not nums.error[i] else nums.error_of(i)
            if s not in examples:
                examples.append(s)
            if len(examples) == 3:
                break
        notes.append(Problem(where.cells(unreadable, h),
                             f"{label} is not a number on {plural(len(unreadable), 'row')}: {', '.join(examples)}",
                             "treated as missing: those accounts are listed in the data gaps"))
        v[unreadable] = np.nan
    with np.errstate(invalid="ignore"):
        out_of_range = np.zeros(len(v), bool)
        if lo is not None:
            out_of_range |= v < lo
        if hi is not None:
            out_of_range |= v > hi
    idx = np.flatnonzero(out_of_range)
    if len(idx):
        rng = f"{fmt_number(lo)} to {fmt_number(hi)}" if lo is not None and hi is not None else ""
        notes.append(Problem(where.cells(idx, h), f"{label} is outside {rng} on {plural(len(idx), 'row')}, e.g. {fmt_number(v[idx[0]])}",
                             "treated as missing: those accounts are listed in the data gaps"))
        v[idx] = np.nan
    return v


def _match_tiers(texts: Texts, lookup: dict[str, str], where: Locator, h: str, sink: list[Problem], fatal: bool) -> pd.Series:
    """Tier names matched to the Tiers sheet ignoring case; unknown ones reported (grouped by value)."""
    vals = texts.values
    present = ~(texts.blank | texts.error)
    out = pd.Series([None] * len(vals), dtype=object)
    if not present.any():
        return out
    names = list(lookup.values())
    keys = pa.array([k.lower() for k in lookup], type=pa.string())
    sub = pa.array(vals[present], type=pa.string(), from_pandas=True)
    pos, valid = lookup_small(sub, lambda d: pc.fill_null(pc.index_in(pc.utf8_lower(pc.utf8_trim_whitespace(d)), value_set=keys), -1))
    pos[~valid] = -1
    unknown = pos < 0
    got = np.array(names + [None], dtype=object)[np.where(unknown, len(names), pos)]
    out[present] = got
    err_idx = np.flatnonzero(texts.error)
    label = schema.ACCOUNTS.column("locked_tier" if fatal else "previous_tier").header
    tier_list = ", ".join(lookup.values())
    if len(err_idx):
        if fatal:
            report_rows_capped(sink, where, h, err_idx, lambda i: f"{label} shows the error {error_text(texts.raw.iat[i])}", f"one of {tier_list}")
        else:
            sink.append(Problem(where.cells(err_idx, h), f"{label} shows an error value on {plural(len(err_idx), 'row')}", "treated as new accounts"))
    if not unknown.any():
        return out
    uidx = np.flatnonzero(present)[unknown]
    if fatal:
        report_rows_capped(sink, where, h, uidx, lambda i: f'{label} "{vals.iat[i]}" is not a tier', f"one of {tier_list}")
        return out
    groups = pd.Series(uidx).groupby(vals.iloc[uidx].to_numpy(), sort=False)
    for shown, (value, members) in enumerate(groups):
        if shown == MAX_ROW_PROBLEMS:
            rest = len(uidx) - sum(len(m) for _, m in list(groups)[:MAX_ROW_PROBLEMS])
            sink.append(Problem(where.column(h), f"... and {rest:,} more rows with other unknown previous tiers", "treated as new accounts"))
            break
        idx = members.to_numpy()
        sink.append(Problem(where.cells(idx, h), f'{label} "{value}" on {plural(len(idx), "account")} is not a tier now',
                            f"treated as new accounts; tiers are {tier_list}"))
    return out
