"""A column no rule uses is numbers only when every filled cell is a number; the first rows can already say text (issue 17)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.workbook import accounts as accounts_module
from planner.workbook.accounts import _extra_column

N = 3_000  # longer than the probe


def _numbers(n: int) -> list[str]:
    return [f"{1000 + i:,}" for i in range(n)]  # "1,000", "1,001", ...


@pytest.mark.parametrize("dtype", [object, "string[pyarrow]"])
def test_a_column_of_numbers_written_as_text_is_numbers(dtype):
    got = _extra_column(pd.Series(_numbers(N), dtype=dtype))
    assert np.asarray(got, dtype=float).tolist() == [1000.0 + i for i in range(N)]


@pytest.mark.parametrize("where", [10, 2_500])  # inside the probed rows, and after them
@pytest.mark.parametrize("dtype", [object, "string[pyarrow]"])
def test_one_word_anywhere_makes_the_column_text_as_written(where, dtype):
    values = _numbers(N)
    values[where] = "Acme Corp"
    got = pd.Series(_extra_column(pd.Series(values, dtype=dtype)))
    assert got.astype(str).tolist() == values


def test_the_probe_never_decides_numbers_it_only_rules_them_out(monkeypatch):
    # "1.200" alone could be 1.2 or 1200; the rest of the column (comma decimals) says which, so the probe
    # must not stop at the first rows, and the answer is the one the whole column gives
    values = ["1.200"] * 1_500 + ["3,5"] * 1_500
    got = np.asarray(_extra_column(pd.Series(values, dtype=object)), dtype=float)
    assert got[:1_500].tolist() == [1200.0] * 1_500 and got[1_500:].tolist() == [3.5] * 1_500
    monkeypatch.setattr(accounts_module, "_PROBE_ROWS", 10**9)  # no probe: the same answers
    for where in (10, 2_500, None):
        column = _numbers(N)
        if where is not None:
            column[where] = "n.a. yet"
        series = pd.Series(column, dtype=object)
        whole = pd.Series(_extra_column(series))
        monkeypatch.setattr(accounts_module, "_PROBE_ROWS", 1_000)
        probed = pd.Series(_extra_column(series))
        monkeypatch.setattr(accounts_module, "_PROBE_ROWS", 10**9)
        assert probed.astype(str).tolist() == whole.astype(str).tolist()
