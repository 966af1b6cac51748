"""A column of cells as Arrow text, for the parsers that read a whole column at once (timestamps, durations, ids).

A column arrives as a pandas Series (a sheet, a test) or an Arrow array (a CSV or Parquet export, possibly in
chunks); the parsers work on Arrow strings and keep the cells as given for their messages (:func:`cell_at`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

BLANK_WORDS = ("", "-", "--", "n/a", "na", "none", "null", "nan", "nat", "nil")  # cells that mean "no value"


def cell_at(raw, i: int):
    """Cell ``i`` of a column as given (Series or Arrow array); None without one."""
    if raw is None:
        return None
    if isinstance(raw, (pa.Array, pa.ChunkedArray)):
        return raw[i].as_py()
    return raw.iat[i]


def combine_chunks(a):
    """One contiguous Arrow array (what extract_regex takes) from a chunked one."""
    return a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a


def arrow_mask(m: np.ndarray) -> pa.Array:
    """A numpy boolean mask as the Arrow array ``pc.filter`` takes."""
    return pa.array(np.asarray(m, bool))


def as_arrow_text(values):
    """Text as an Arrow string array; a chunked array (a CSV read in blocks) stays chunked: nothing is copied."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values if values.type == pa.string() else values.cast(pa.string())
    return text_cells(pd.Series(values).reset_index(drop=True))


def text_cells(s: pd.Series) -> pa.Array:
    """A column as Arrow text: strings as they are, whole numbers as digits (12, not 12.0), blanks as nulls.

    Object columns whose cells mix types (a sheet read cell by cell) are converted cell by cell: they are
    small; exports arrive as one type per column and take the C path.
    """
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty"):
        def one(v):
            if v is None or (isinstance(v, float) and np.isnan(v)):
                return None
            if isinstance(v, str):
                return v
            if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and float(v) == int(v):
                return str(int(v))
            return str(v)
        return pa.array([one(v) for v in s], type=pa.string())
    if pd.api.types.is_float_dtype(s.dtype):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        if np.all(np.isnan(v) | (v == np.floor(v))):
            return pa.array(np.where(np.isnan(v), 0, v).astype(np.int64), mask=np.isnan(v)).cast(pa.string())
    if s.dtype == object:
        # pandas-stubs leave None out of na_value's type; pandas takes it (the blank an Arrow null is made from)
        return pa.array(s.to_numpy(dtype=object, na_value=None), type=pa.string(), from_pandas=True)  # type: ignore[call-overload]
    return pa.array(s, from_pandas=True).cast(pa.string())
