"""Quantiles per group of a column, without sorting the column: the median and 90th percentile of response times.

Linear interpolation between order statistics (numpy's default percentile, Excel's PERCENTILE.INC).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class GroupIndex:
    """The rows of each group code 0..n-1 (code -1: in no group), found with one stable integer sort (a radix sort).

    Quantiles are then taken per group with ``np.partition`` (linear time), so no column of a million
    values is ever sorted as a whole.
    """

    def __init__(self, codes: np.ndarray, n_groups: int):
        codes = np.asarray(codes, np.int64)
        rows = np.flatnonzero(codes >= 0)
        c = codes[rows]
        by = np.argsort(c.astype(np.int16) if n_groups < 32_000 else c, kind="stable")
        self.rows = rows[by]
        self.sizes = np.bincount(c, minlength=n_groups)[:n_groups] if n_groups else np.zeros(0, np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.int64) if n_groups else np.zeros(0, np.int64)
        self.n = n_groups

    def members(self, k: int) -> np.ndarray:
        return self.rows[self.starts[k]: self.starts[k] + self.sizes[k]]

    def quantiles(self, values: np.ndarray, qs: Sequence[float] = (0.5, 0.9),
                  pick: np.ndarray | None = None, other: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(counts of non-NaN values, quantiles[n, len(qs)]) per group; where ``pick[k]``, group k takes ``other`` instead."""
        counts = np.zeros(self.n, np.int64)
        out = np.full((self.n, len(qs)), np.nan)
        for k in range(self.n):
            source = values
            if pick is not None and pick[k]:
                assert other is not None  # ``pick`` comes with ``other``
                source = other
            part = source[self.members(k)]  # a copy: partitioned in place below
            m = len(part) - int(np.count_nonzero(np.isnan(part)))
            counts[k] = m
            if not m:
                continue
            spots = []
            for q in qs:
                h = (m - 1) * q
                lo = int(np.floor(h))
                spots.append((h, lo, min(lo + 1, m - 1)))
            part.partition(sorted({i for _, lo, hi in spots for i in (lo, hi)}))  # NaN sort last, beyond rank m - 1
            for j, (h, lo, hi) in enumerate(spots):
                out[k, j] = part[lo] + (h - lo) * (part[hi] - part[lo])
        return counts, out


def grouped_quantiles(groups: np.ndarray, values: np.ndarray, n_groups: int,
                      qs: Sequence[float] = (0.5, 0.9)) -> tuple[np.ndarray, np.ndarray]:
    """(counts, quantiles[n_groups, len(qs)]) of ``values`` per group code 0..n_groups-1 (-1: in no group), NaN skipped.

    Linear interpolation between order statistics (numpy's default percentile, Excel's PERCENTILE.INC).
    """
    return GroupIndex(groups, n_groups).quantiles(np.asarray(values, np.float64), qs)
