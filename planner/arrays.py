"""Names for the NumPy array types the computation passes around (annotations), and :func:`arrow_text`."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

FloatArray: TypeAlias = NDArray[np.float64]
IntArray: TypeAlias = NDArray[np.int64]
IndexArray: TypeAlias = NDArray[np.intp]  # what searchsorted, flatnonzero and argsort return
BoolArray: TypeAlias = NDArray[np.bool_]
ObjectArray: TypeAlias = NDArray[np.object_]



def is_arrow_text(dtype: object) -> bool:
    """Whether a pandas column of this dtype keeps its text in Arrow (pandas 3's ``str``, ``string[pyarrow]``, Arrow strings)."""
    import pandas as pd
    import pyarrow as pa

    return (isinstance(dtype, pd.StringDtype) and str(dtype.storage).startswith("pyarrow")) or (
        isinstance(dtype, pd.ArrowDtype) and (pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype)))


def arrow_text(series: pd.Series) -> pa.Array | None:
    """A text column pandas keeps in Arrow (the reader's ``str`` columns) as one ``pa.string()`` array, without a
    Python object per value (nulls are the blanks); None for any other column (object, Python strings, numbers)."""
    import pyarrow as pa

    if not is_arrow_text(series.dtype):
        return None
    try:
        return pa.chunked_array(pa.array(series.array)).combine_chunks().cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None


def text_isin(values: pd.Series, among: pd.Series) -> BoolArray:
    """``values.isin(among)`` as a NumPy mask; for two text columns kept in Arrow, one Arrow look-up with no Python
    object per value (pandas' own isin makes a Python list of ``among`` first: 2 s for a million account ids)."""
    import pyarrow.compute as pc

    left, right = arrow_text(values), arrow_text(among)
    if left is None or right is None:
        return np.asarray(values.isin(among), dtype=bool)
    return np.asarray(pc.fill_null(pc.is_in(left, value_set=right), False), dtype=bool)


__all__ = ["BoolArray", "FloatArray", "IndexArray", "IntArray", "ObjectArray", "arrow_text", "is_arrow_text", "text_isin"]
