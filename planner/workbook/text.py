"""Words and numbers as messages show them, and the forms headers and choices are compared in."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import numpy as np

from planner.schema import NO_WORDS, YES_WORDS

ERROR_VALUES = (
    "#DIV/0!", "#REF!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
    "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
)
BLANK_TOKENS = ("", "-", "--", "n/a", "na", "none", "null", "nan", "nil")
TRUE_TOKENS = YES_WORDS
FALSE_TOKENS = NO_WORDS


def normalise_header(text: object) -> str:
    """Header text as compared: case, spaces, punctuation and a trailing "(unit)" ignored."""
    if text is None:
        return ""
    s = str(text).strip().lower()
    s = re.sub(r"\([^)]*\)\s*$", "", s) if not s.startswith("(") else s
    return re.sub(r"[^a-z0-9%]", "", s)


def first_headers(headers: Iterable[str], key: Callable[[object], str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """([(header, its key)] for each header whose key is new, in order; [(repeated header, first header with its key)]).

    Headers whose key is blank are passed over.
    """
    firsts: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    repeats: list[tuple[str, str]] = []
    for h in headers:
        k = key(h)
        if not k:
            continue
        if k in seen:
            repeats.append((h, seen[k]))
            continue
        seen[k] = h
        firsts.append((h, k))
    return firsts, repeats


def normalise_choice(text: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def fmt_number(v: float) -> str:
    """A number as a CFO reads it: 2,000,000 / 0.35 / -12.5."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "blank"
    v = float(v)
    if np.isinf(v):
        return "infinity" if v > 0 else "-infinity"
    if abs(v) < 1e15 and v == int(v):
        return f"{int(v):,}"
    if abs(v) >= 1e15:
        return f"{v:.4g}"
    return f"{v:,.6g}" if abs(v) >= 1 else f"{v:.6g}"


def fmt_percent(v: float) -> str:
    return f"{float(v) * 100:.10g}%"


def show_value(v: object) -> str:
    """A raw cell value as it appears in a message: text quoted, numbers formatted."""
    if isinstance(v, str):
        return f'"{v.strip()}"'
    if isinstance(v, (bool, np.bool_)):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float, np.integer, np.floating)):
        return fmt_number(float(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10] if getattr(v, "hour", 0) == 0 and getattr(v, "minute", 0) == 0 else v.isoformat(sep=" ")
    return f'"{v}"'


def is_error_object(v: object) -> bool:
    """An Excel error delivered as an object (some calamine versions) rather than text."""
    return not isinstance(v, (str, int, float, bool)) and "error" in type(v).__name__.lower()


def error_text(v: object) -> str:
    s = str(v).strip()
    for e in ERROR_VALUES:
        if e.lower() in s.lower():
            return e
    return s or "#ERROR"


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"
