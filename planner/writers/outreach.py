"""outreach.csv: the proactive-outreach flags as tasks to import into a CS platform or the CRM.

One row per account and rule tripped, in the order of the outreach report
(tier, then the accounts' order, then the rules'). Columns, always in this
order: Account ID, Account name, Tier, Play, Rule, Reason, Observed value,
Threshold, Unit, Due date. The observed value and the threshold are plain
numbers in the unit named (a share is 0.32, not 32%), so an import can
filter on them; the reason says the same in words. The due date is the
``as_of`` date of the figures (ISO 8601).

UTF-8 without a byte-order mark, header first, ``\\r\\n`` line ends, quoted
where needed. Text that a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading
apostrophe, exactly as in ``crm_tiers.csv`` (:func:`planner.writers.crm.neutralise`).
The same report always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from planner.operations.outreach import OutreachReport
from planner.report.operations_words import reason_texts, rule_label
from planner.writers.crm import neutralise

HEADERS = ("Account ID", "Account name", "Tier", "Play", "Rule", "Reason", "Observed value", "Threshold", "Unit", "Due date")
FILE_NAME = "outreach.csv"


def _numbers(values) -> pa.Array:
    """Plain decimals: whole numbers without a point, others to 4 decimals without trailing zeros; blank for a missing
    or infinite value."""
    v = np.asarray(values, dtype=float)
    out = np.full(len(v), "", dtype=object)
    finite = np.isfinite(v)
    whole = finite & (v == np.trunc(v)) & (np.abs(v) < 1e15)
    out[whole] = [str(int(x)) for x in v[whole].tolist()]
    rest = finite & ~whole  # NaN and infinities stay blank
    out[rest] = [f"{x:.4f}".rstrip("0").rstrip(".") for x in v[rest].tolist()]
    return pa.array(out.tolist(), type=pa.string())


def _text(values) -> pa.Array:
    """Text; a missing value (None, NaN, NA) is a blank cell."""
    from planner.arrays import arrow_text

    if isinstance(values, pd.Series) and (in_arrow := arrow_text(values)) is not None:
        return in_arrow
    return pa.array([None if v is None or (isinstance(v, float) and v != v) or v is pd.NA else str(v) for v in values],
                    type=pa.string())


def outreach_table(outreach: OutreachReport, due: dt.date) -> pa.Table:
    f = outreach.flags
    n = len(f)
    columns = [
        neutralise(_text(f["account_id"])),
        neutralise(_text(f["name"])),
        neutralise(_text(f["tier"])),
        neutralise(_text(f["play"])),
        neutralise(_text([rule_label(r) for r in f["rule"].to_numpy(dtype=object).tolist()])),
        neutralise(_text(reason_texts(f) if n else [])),
        _numbers(f["observed"]),
        _numbers(f["threshold"]),
        pa.array(f["unit"].astype(str).to_numpy(dtype=object).tolist(), type=pa.string()),
        pa.array([due.isoformat()] * n, type=pa.string()),
    ]
    return pa.table(columns, names=list(HEADERS))


def write_outreach_csv(outreach: OutreachReport, path: str | Path, due: dt.date) -> Path:
    """Write outreach.csv (see the module docstring); returns its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    options = pacsv.WriteOptions(include_header=True, delimiter=",", eol="\r\n", quoting_style="needed")
    tmp = path.with_name(path.name + ".part")
    with pa.OSFile(str(tmp), "wb") as sink:
        pacsv.write_csv(outreach_table(outreach, due), sink, write_options=options)
    tmp.replace(path)
    return path
