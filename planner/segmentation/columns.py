"""Reading account columns robustly and fast: text through Arrow, flags, tier names.

Whatever the reader hands over (object columns of str/None, pandas string
columns, numbers where text was expected, NaN anywhere), these helpers give
clean whole-column values without a Python loop over accounts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from planner.arrays import BoolArray, FloatArray

_TRUE = ["yes", "y", "true", "t", "1", "x"]


def text_array(series: pd.Series | None, n: int) -> pa.Array:
    """Column as Arrow strings: trimmed, null where blank, None or NaN."""
    if series is None:
        return pa.nulls(n, type=pa.string())
    try:
        arr = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        values = series.to_numpy(dtype=object)
        arr = pa.array([None if v is None or (isinstance(v, float) and v != v) else str(v) for v in values], type=pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if pa.types.is_floating(arr.type):
        # 12.0 -> "12" (ids and labels exported as numbers)
        arr = pc.if_else(pc.equal(pc.floor(arr), arr), pc.cast(pc.cast(arr, pa.int64(), safe=False), pa.string()), pc.cast(arr, pa.string()))
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    arr = pc.cast(pc.utf8_trim_whitespace(arr), pa.string())
    lowered = pc.utf8_lower(arr)
    blank = pc.or_kleene(pc.equal(arr, ""), pc.is_in(lowered, value_set=pa.array(["nan", "none", "<na>", "null"])))
    return pc.if_else(pc.fill_null(blank, True), pa.scalar(None, pa.string()), arr)


def present(arr: pa.Array) -> BoolArray:
    valid: BoolArray = pc.is_valid(arr).to_numpy(zero_copy_only=False)
    return valid


def filled(arr: pa.Array, value: str = "") -> pa.Array:
    return pc.fill_null(arr, value)


def as_pandas(arr: pa.Array) -> pd.api.extensions.ExtensionArray:
    """Arrow strings -> pandas 'str' array (no copy); nulls become NaN."""
    strings: pd.api.extensions.ExtensionArray = pd.array(arr, dtype="str")
    return strings


def flags(series: pd.Series | None, n: int) -> BoolArray:
    """Yes/No, True/False, 1/0, x -> bool; blanks and anything else -> False."""
    if series is None:
        return np.zeros(n, dtype=bool)
    if pd.api.types.is_bool_dtype(series.dtype):
        as_bool: BoolArray = series.fillna(False).to_numpy(dtype=bool)
        return as_bool
    if pd.api.types.is_numeric_dtype(series.dtype):
        values: FloatArray = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        nonzero: BoolArray = np.nan_to_num(values, nan=0.0) != 0
        return nonzero
    text = pc.utf8_lower(text_array(series, n))
    out: BoolArray = pc.fill_null(pc.is_in(text, value_set=pa.array(_TRUE)), False).to_numpy(zero_copy_only=False)
    return out


def tier_codes(text: pa.Array, tier_names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Tier names -> index (-1 when blank or not a tier), and a mask of given-but-unknown names.

    Matches exactly first, then ignoring case.
    """
    names = pa.array(list(tier_names), type=pa.string())
    exact = pc.index_in(text, value_set=names)
    folded = pc.index_in(pc.utf8_lower(text), value_set=pc.utf8_lower(names))
    idx = pc.coalesce(exact, folded)
    codes = pc.fill_null(idx, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    unknown = (codes < 0) & present(text)
    return codes, unknown


def labels(text: pa.Array, unknown: str) -> tuple[np.ndarray, list[str]]:
    """Dictionary-encode a text column: (codes, values), blanks under ``unknown``."""
    enc = pc.dictionary_encode(pc.fill_null(text, unknown)).combine_chunks() if isinstance(text, pa.ChunkedArray) else \
        pc.dictionary_encode(pc.fill_null(text, unknown))
    return enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), enc.dictionary.to_pylist()
