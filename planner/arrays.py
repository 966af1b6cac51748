"""Names for the NumPy array types the computation passes around (annotations only)."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

FloatArray: TypeAlias = NDArray[np.float64]
IntArray: TypeAlias = NDArray[np.int64]
IndexArray: TypeAlias = NDArray[np.intp]  # what searchsorted, flatnonzero and argsort return
BoolArray: TypeAlias = NDArray[np.bool_]
ObjectArray: TypeAlias = NDArray[np.object_]

__all__ = ["BoolArray", "FloatArray", "IndexArray", "IntArray", "ObjectArray"]
