"""The building blocks every report section uses: tables and rows for the template, figures, small word helpers."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from planner import schema
from planner.inputs import PlanInputs
from planner.report import format as fmt
from planner.schema import SolverName

KEEP_ROWS = 14  # tables this short never split across pages


def make_table(caption: str, columns: Sequence[tuple[str, bool]], rows: list[dict], *, widths=None, compact=False,
           row_header=True, note: str = "", ident: str | None = None) -> dict:
    """A table for the template's macro: columns are (label, numeric?); widths in % of the text width."""
    return {
        "caption": caption,
        "columns": [{"label": label, "num": num} for label, num in columns],
        "rows": rows,
        "widths": list(widths) if widths else None,
        "compact": compact,
        "row_header": row_header,
        "note": note,
        "id": ident,
        # short tables of short rows stay on one page; tall rows of prose may split between rows
        "keep": len(rows) <= KEEP_ROWS and all(sum(len(c) for c in r["cells"]) <= 160 for r in rows),
    }


def make_row(*cells, total: bool = False, flags: Sequence[bool] | None = None, classes: Sequence[str] | None = None) -> dict:
    """A table row; ``flags`` mark cells to stand out, ``classes`` give cells a style class (a heat table's colours)."""
    return {"cells": ["" if c is None else str(c) for c in cells], "total": total, "flags": list(flags) if flags else None,
            "classes": list(classes) if classes else None}


def by_key(records, *keys: str) -> dict:
    """Rows keyed by one column (or a tuple of several)."""
    out = {}
    for r in records or ():
        out[tuple(r.get(k) for k in keys) if len(keys) > 1 else r.get(keys[0])] = r
    return out


def total_of(values) -> float:
    return float(sum(v for v in values if v is not None))


def ratio(a, b):
    return a / b if (a is not None and b) else None


def plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{fmt.count(n)} {word if n == 1 else (plural or word + 's')}"


def sentence(text: str) -> str:
    text = (text or "").strip()
    return text if not text or text[-1] in ".!?" else text + "."


def cut_text(value) -> str:
    return fmt.number(value, 2) if value is not None else fmt.DASH


def figure(ident: str, svg: str, caption: str) -> dict:
    return {"id": ident, "svg": Markup(svg), "caption": caption}


def chart_symbol(currency: str) -> str:
    sym = fmt.symbol(currency)
    return sym if len(sym) <= 2 else ""


def and_list(items: Sequence[str]) -> str:
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def budget_source(inputs: PlanInputs) -> str:
    """Where the budget of this run comes from: the Finance sheet, or what replaced it."""
    o = inputs.overridden("budget")
    return "Finance sheet" if o is None else f"set on the {o.source}" if o.source == "command line" else f"from {o.source}"


def setting_text(key: str, value, currency: str) -> str:
    kind = schema.FINANCE.setting(key).kind
    if kind == schema.CURRENCY:
        return fmt.money(value, currency)
    if kind == schema.PERCENT:
        return fmt.percent(value, 1)
    if isinstance(value, float):
        return fmt.quantity(value, 2)
    return str(value)


# keyed by SolverName; a lower-cased str finds its member
SOLVER_LABELS: dict[str, str] = {SolverName.HIGHS: "HiGHS", SolverName.CBC: "CBC", SolverName.SCIPY: "SciPy's HiGHS"}


def solver_label(solver: str | None) -> str:
    key = (solver or "").lower()
    return SOLVER_LABELS.get(key, key.upper() or "the optimizer")
