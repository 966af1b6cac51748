"""How numbers look in the report: one place, so the tests can say what to look for.

Money is whole currency units with thousands separators; a known currency
gets its symbol ($1,234,567), any other its ISO code (CHF 1,234,567).
Tables state the currency in the column header and show bare numbers.
Missing values show as an en dash.
"""

from __future__ import annotations

import math

DASH = "\u2013"
SYMBOLS = {"USD": "$", "EUR": "\u20ac", "GBP": "\u00a3", "JPY": "\u00a5", "AUD": "A$", "CAD": "C$"}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def symbol(currency: str) -> str:
    """Prefix for money: '$' for USD, 'CHF ' for a currency without a symbol here."""
    code = (currency or "").strip().upper()
    return SYMBOLS.get(code, f"{code} " if code else "")


def money(value, currency: str) -> str:
    """$1,234,567 (whole units). Negative amounts: -$1,234."""
    if _missing(value):
        return DASH
    v = float(value)
    text = f"{symbol(currency)}{abs(v):,.0f}"
    return f"-{text}" if round(v) < 0 else text


def amount(value, decimals: int = 0) -> str:
    """1,234,567 (a money amount in a table whose header names the currency)."""
    if _missing(value):
        return DASH
    v = float(value)
    if round(v, decimals) == 0:
        v = 0.0
    return f"{v:,.{decimals}f}"


def percent(value, decimals: int = 1) -> str:
    """0.1234 -> 12.3%."""
    if _missing(value):
        return DASH
    v = float(value) * 100
    if round(v, decimals) == 0:
        v = 0.0
    return f"{v:,.{decimals}f}%"


BUDGET_SHARE_WORDS_ABOVE = 10.0  # shares above 1,000% read as a multiple, not a percentage


def of_budget(share, decimals: int = 1) -> str:
    """A cost as a share of the budget, in words: '99.8% of the budget'; above 1,000% 'more than 10 times the budget'."""
    if _missing(share):
        return DASH
    if float(share) > BUDGET_SHARE_WORDS_ABOVE:
        return f"more than {BUDGET_SHARE_WORDS_ABOVE:g} times the budget"
    return f"{percent(share, decimals)} of the budget"


def number(value, decimals: int = 1) -> str:
    """1234.5 -> 1,234.5 with a fixed number of decimals."""
    return amount(value, decimals)


def count(value) -> str:
    """Whole things (accounts, tickets): 1,234."""
    if _missing(value):
        return DASH
    return f"{round(float(value)):,}"


def quantity(value, max_decimals: int = 2) -> str:
    """Occurrences per year, hours: as few decimals as needed (4, 0.5, 1.25)."""
    if _missing(value):
        return DASH
    v = round(float(value), max_decimals)
    if v == 0:
        v = 0.0
    text = f"{v:,.{max_decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def people(value) -> str:
    """People: whole numbers as such (12), fractions of a person with one decimal (12.4)."""
    if _missing(value):
        return DASH
    v = float(value)
    return count(v) if abs(v - round(v)) < 0.05 else number(v, 1)


def duration_seconds(seconds) -> str:
    """A response target in the unit a person would use: 30 s, 15 min, 4 h, 2 days."""
    if _missing(seconds):
        return DASH
    s = float(seconds)
    if s < 120:
        return f"{quantity(s, 0)} s"
    if s < 3600:
        return f"{quantity(s / 60, 1)} min"
    if s < 72 * 3600:
        return f"{quantity(s / 3600, 1)} h"
    return f"{quantity(s / 86400, 1)} days"
