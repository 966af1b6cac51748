"""The context the helper sheets and the Summary are written with: the book, the content, the sizes and shared helpers.

Each sheet module's ``write(w, ws)`` takes a :class:`Writer`; planner.workbook.template makes one
per workbook when the content can be priced.
"""

from __future__ import annotations

from planner import schema
from planner.workbook.summary_formulas.layout import AccountColumns, K, PackageLayout, Sizes


class Writer:
    """What the helper sheets and the Summary's package blocks are written with, into an XlsxWriter workbook.

    ``owner`` is planner.workbook.template.book.BookWriter: it gives formats
    (``fmt``), table headers (``header``) and the book.
    """

    def __init__(self, owner, content):
        self.o = owner
        self.book = owner.book
        self.content = content
        self.sizes = Sizes.of(content)
        self.ac = AccountColumns(self.sizes.rules, min(K - 1, len(content.tiers)))
        self.pk = PackageLayout(self.sizes)
        self.names: dict[str, str] = {}

    # ---- helpers
    def h(self, sheet: schema.Sheet, key: str) -> str:
        return self.o.header(sheet, key)

    def col(self, sheet: schema.Sheet, key: str) -> str:
        return f"{sheet.table}[{self.h(sheet, key)}]"

    def accounts_range(self, headers: bool = False) -> str:
        """The Accounts table's columns as one structured reference (first to last column as written).

        LibreOffice 7.4 reads a bare table name as the range with its header row, and has no [#Data] or
        [#Headers] alone; a column range is read alike by both engines.
        """
        A = schema.ACCOUNTS
        keys = [str(c) for c in self.content.accounts.columns if str(c) not in self.content.drop_columns.get(A.name, ())]
        fixed = {c.key for c in A.columns}
        names = [self.h(A, k) if k in fixed else k for k in keys]
        esc = lambda t: t.replace("'", "''").replace("[", "'[").replace("]", "']").replace("#", "'#")
        first, last = esc(names[0]), esc(names[-1])
        return f"{A.table}[[#Headers],[{first}]:[{last}]]" if headers else f"{A.table}[[{first}]:[{last}]]"

    def name(self, name: str, ref: str) -> str:
        self.names[name] = ref
        self.book.define_name(name, f"={ref}")
        return name

    def f(self, kind: str = "formula", num: str = "General", **extra):
        return self.o.fmt(kind, num, **extra)

    def title(self, ws, title: str, purpose: str, note: str = "") -> None:
        ws.write_string(0, 0, title, self.f("title"))
        ws.write_string(1, 0, purpose, self.f("purpose"))
        if note:
            ws.write_string(2, 0, note, self.f("purpose"))
        ws.set_row(0, 24)

    def headers(self, ws, row: int, texts: list[str], first_col: int = 0) -> None:
        hf = self.f("header")
        for j, text in enumerate(texts):
            ws.write_string(row, first_col + j, text, hf)
        ws.set_row(row, 45)

    def finish(self, ws, freeze_row: int, freeze_col: int) -> None:
        """A helper sheet's frame: frozen headers, no gridlines, the print setup, a grey tab, protected without a password."""
        from planner.workbook.template.declarations import PROTECT_OPTIONS

        ws.freeze_panes(freeze_row, freeze_col)
        ws.hide_gridlines(2)
        self.o._page_setup(ws, repeat_header=False)
        ws.set_tab_color("#7F7F7F")
        ws.protect("", dict(PROTECT_OPTIONS))

