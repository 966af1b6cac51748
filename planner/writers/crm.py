"""The CRM upload file: one row per account, safe to open in any spreadsheet.

Columns, always in this order: Account ID, Tier, Previous tier, Tier changed
(Yes/No), Score (two decimals), Reason. UTF-8 without a byte-order mark,
header first, rows in the order of the export, ``\\r\\n`` line ends, every
text value quoted. A text cell that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return would be run as a formula by Excel or LibreOffice
("CSV injection"); such cells get a leading apostrophe, which spreadsheets
show as plain text. The same segmentation always gives the same bytes.

Written with Arrow's CSV writer, so a million accounts take about a second.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

HEADERS = ("Account ID", "Tier", "Previous tier", "Tier changed", "Score", "Reason")
_RISKY = r"^[=+\-@\t\r]"


def neutralise(values: pa.Array) -> pa.Array:
    """Prefix a single quote to text that a spreadsheet would read as a formula; nulls become ''."""
    text = pc.fill_null(values.cast(pa.string()), "")
    risky = pc.match_substring_regex(text, _RISKY)
    if not pc.any(risky).as_py():  # the usual case: no copy of the column
        return text
    return pc.if_else(risky, pc.binary_join_element_wise("'", text, ""), text)


def _text_column(series) -> pa.Array:
    from planner.arrays import arrow_text

    in_arrow = arrow_text(series)  # the reader's text columns: no Python object per value
    return in_arrow if in_arrow is not None else pa.array(series.to_numpy(dtype=object, na_value=None), type=pa.string(),
                                                          from_pandas=True)


def crm_table(segmentation) -> pa.Table:
    acc = segmentation.accounts
    score_bins = np.rint(acc["score"].to_numpy(dtype="float64") * 100).astype(np.int64)
    from planner.segmentation.reasons import numbers

    columns = [
        neutralise(_text_column(acc["account_id"])),
        neutralise(_text_column(acc["tier"])),
        neutralise(_text_column(acc["previous_tier"])),
        pa.array(np.where(acc["changed"].to_numpy(dtype=bool), "Yes", "No"), type=pa.string()),
        numbers(score_bins),
        neutralise(_text_column(acc["reason"])),
    ]
    return pa.table(columns, names=list(HEADERS))


def write_crm_csv(segmentation, path: str | Path) -> Path:
    """Write the CRM upload file (see module docstring); returns its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = crm_table(segmentation)
    options = pacsv.WriteOptions(include_header=True, delimiter=",", eol="\r\n", quoting_style="needed")
    tmp = path.with_name(path.name + ".part")
    with pa.OSFile(str(tmp), "wb") as sink:
        pacsv.write_csv(table, sink, write_options=options)
    tmp.replace(path)
    return path
