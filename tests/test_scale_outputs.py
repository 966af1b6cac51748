"""Outputs at scale (issue 17): the streamed results workbook, the Parquet table beside it, the vectorised fingerprint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from python_calamine import CalamineWorkbook
from seg_helpers import accounts, make_inputs
from test_segmentation_outputs import RULES, _libreoffice

from planner.segmentation import segment
from planner.versions import normalise
from planner.writers import streamed
from planner.writers.layout import Formula, ResultSheet
from planner.writers.results import write_results_workbook
from planner.writers.segmentation_sheets import segmentation_sheets

DEMO = Path(__file__).resolve().parents[1] / "workbooks" / "tierplan_demo.xlsx"


def _cells(path: Path) -> dict[str, list[list[tuple]]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: [[(c.value, c.data_type, c.number_format) for c in row] for row in ws.iter_rows()] for ws in book.worksheets}


def _same_cell(old: tuple, new: tuple) -> bool:
    """Equal; or a number the old writer printed with 16 significant digits (%.16G) and the streamed one exactly."""
    if old == new:
        return True
    (a, ta, fa), (b, tb, fb) = old, new
    return ta == tb == "n" and fa == fb and isinstance(b, float) and float(f"{b:.16G}") == a


@pytest.fixture(scope="module")
def demo_sheets():
    from planner.pipeline import build_plan
    from planner.workbook.reader import read_inputs
    from planner.writers.row_limit import fit_sheets
    from planner.writers.sheets import plan_sheets

    return fit_sheets(plan_sheets(build_plan(read_inputs(DEMO))))[0]


def test_every_demo_sheet_streamed_equals_the_cell_by_cell_writer(demo_sheets, tmp_path):
    old = _cells(write_results_workbook(tmp_path / "old.xlsx", demo_sheets, stream_rows=-1))
    new = _cells(write_results_workbook(tmp_path / "new.xlsx", demo_sheets, stream_rows=0))
    assert list(old) == list(new) and "Account tiers" in new
    for name in old:
        assert [len(r) for r in old[name]] == [len(r) for r in new[name]], name
        bad = [(i, o, n) for i, (ro, rn) in enumerate(zip(old[name], new[name])) for o, n in zip(ro, rn) if not _same_cell(o, n)]
        assert bad == [], (name, bad[:3])
    tiers = new["Account tiers"]
    assert len(tiers) == 4 + 2000
    # the streamed formula is the per-row formula with the cached tier; the old writer's text is the same
    assert tiers[4][4][0] == demo_sheets["Account tiers"].table["tier_by_score"].iloc[0].text
    assert tiers[-1][4][0] == demo_sheets["Account tiers"].table["tier_by_score"].iloc[-1].text


def test_streamed_tables_keep_their_excel_table_range_panes_and_exact_numbers(tmp_path):
    n = 12
    table = pd.DataFrame({"id": [f"A{i}" for i in range(n)], "x": [1.0, 0.1 + 0.2] + [float(i) for i in range(2, n)],
                          "ok": [True, False] * (n // 2)})
    path = write_results_workbook(tmp_path / "r.xlsx", {"Big": ResultSheet(table, title="T", note="N")}, stream_rows=3)
    ws = openpyxl.load_workbook(path)["Big"]
    assert ws.tables["ResultBig"].ref == f"A4:C{4 + n}"
    assert ws.freeze_panes == "A5"
    assert ws.dimensions == f"A1:C{4 + n}"
    # row 5 is XlsxWriter's (the first row registers the formats); from row 6 on the rows are streamed
    assert ws["B6"].value == 0.30000000000000004  # XlsxWriter's %.16G would have written 0.3
    assert [ws.cell(5 + i, 3).value for i in range(4)] == [True, False, True, False]
    assert ws[f"A{4 + n}"].value == f"A{n - 1}"


@pytest.mark.parametrize("dtype", [object, "str"], ids=["python-text", "arrow-text"])  # "str": what the reader gives
def test_streamed_text_is_escaped_like_the_cell_by_cell_writer(tmp_path, dtype):
    texts = ["a & b < c > d", "  leading", "trailing ", "bell\x07here", "_x0041_ literal", "ünï 東京", "=1+1", "", None,
             "x" * 40_000, "line\nbreak"]
    table = pd.DataFrame({"text": pd.Series(texts, dtype=dtype), "n": [1.5, np.nan, np.inf, -0.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
                          "f": [Formula(f"=B{5 + i}*2") for i in range(len(texts))]})
    sheet = ResultSheet(table, title="T", note="N", formats={"n": "0.00"})
    old_path = write_results_workbook(tmp_path / "old.xlsx", {"S": sheet}, stream_rows=-1)
    new_path = write_results_workbook(tmp_path / "new.xlsx", {"S": sheet}, stream_rows=0)
    # types and formats by openpyxl; values by calamine (openpyxl leaves _x005F_ undecoded in an inline string; the
    # XML is the same escape XlsxWriter writes in the shared strings)
    assert [[c[1:] for c in r] for r in _cells(old_path)["S"]] == [[c[1:] for c in r] for r in _cells(new_path)["S"]]
    old = CalamineWorkbook.from_path(str(old_path)).get_sheet_by_name("S").to_python()
    new = CalamineWorkbook.from_path(str(new_path)).get_sheet_by_name("S").to_python()
    assert old == new
    assert [r[0] for r in new[4:]] == ["a & b < c > d", "  leading", "trailing ", "bell\x07here", "_x0041_ literal", "ünï 東京",
                                       "=1+1", "", "", "x" * 32_767, "line\nbreak"]  # cut at Excel's 32,767 characters


def test_arrow_text_without_special_characters_streams_like_the_cell_by_cell_writer(tmp_path):
    texts = pd.Series(["a & b < c > d", "  leading", "trailing ", "ünï 東京", "=1+1", "", None, "line\nbreak"], dtype="str")
    sheet = ResultSheet(pd.DataFrame({"text": texts}), title="T", note="N")
    old_path = write_results_workbook(tmp_path / "old.xlsx", {"S": sheet}, stream_rows=-1)
    new_path = write_results_workbook(tmp_path / "new.xlsx", {"S": sheet}, stream_rows=0)
    assert _cells(old_path) == _cells(new_path)
    new = CalamineWorkbook.from_path(str(new_path)).get_sheet_by_name("S").to_python()
    assert [r[0] for r in new[4:]] == ["a & b < c > d", "  leading", "trailing ", "ünï 東京", "=1+1", "", "", "line\nbreak"]


def test_text_taken_as_is_gives_the_cells_of_the_per_value_checks():
    """streamed._as_is passes a column only when copying each value gives what the escaping path gives; one value that
    needs anything (an entity, a control escape, an _xHHHH_ sequence, a kept space, a cut) sends the column back."""
    rng = np.random.default_rng(31)
    alphabet = list("abcXYZ 09.,;:-'\"") + ["ü", "東", "😀", "\t", "\n", "\r", "&", "<", ">", "_", "x", "\x07", "\x0c", "\ufffe", "\uf000"]
    ref = ('<c r="A', pa.array(["5"]))
    taken = sent_back = 0
    for _ in range(3000):
        text = "".join(rng.choice(alphabet, size=int(rng.integers(0, 6))))
        one = pa.array([text], type=pa.string())
        expected = streamed._python_cell("A5", ' s="3"', text)
        if streamed._as_is(one):
            taken += 1
            assert streamed._as_is_cells(ref, ' s="3"', one).to_pylist() == [expected], repr(text)
            assert streamed._text_cells(ref, ' s="3"', one).to_pylist() == [expected], repr(text)
        else:
            sent_back += 1
            needs = set(text) & set("&<>_\x07\x0c\r\ufffe\uf000") or text[:1] in " \t\n" or text[-1:] in " \t\n"
            assert needs, repr(text)
    assert taken > 300 and sent_back > 300
    column = pa.array(["plain", None, "also plain", "a & b"])
    assert not streamed._as_is(column) and streamed._as_is(column[:3]) and streamed._as_is(pa.array([], type=pa.string()))
    assert not streamed._as_is(pa.array(["x" * 16_384]))  # near Excel's 32,767 characters: the path that cuts


def test_number_texts_read_back_as_the_same_doubles():
    rng = np.random.default_rng(5)
    x = np.concatenate([np.round(rng.normal(0, 1e4, 5000), 2), rng.normal(0, 1, 5000) * 10.0 ** rng.integers(-20, 20, 5000),
                        [0.1 + 0.2, 5.0, 1e20, 1e-7, np.nan, np.inf, -np.inf]])
    texts = streamed.number_texts(x).to_pylist()
    assert texts[-7:] == ["0.30000000000000004", "5", "1e+20", "1e-7", None, None, None]
    assert all(float(t) == v for t, v in zip(texts[:-3], x[:-3]))


@pytest.mark.slow
def test_the_streamed_tier_formula_recalculates_in_libreoffice_and_its_cached_tier_shows_without(tmp_path):
    rng = np.random.default_rng(23)
    n = 120
    acc = accounts(arr=np.round(rng.lognormal(9.5, 1.2, n), -2), usage=rng.random(n), tickets=rng.integers(0, 12, n).astype(float),
                   previous_tier=rng.choice(["Tier 1", "Tier 2", "Tier 3", None], n))
    seg = segment(make_inputs(acc, rules=RULES))
    expected = seg.accounts["score_tier"].astype(str).tolist()
    sheets = segmentation_sheets(seg)
    assert sheets["Account tiers"].results["tier_by_score"] == expected  # the cached result is the score rule's tier
    # 1. cached results made wrong on purpose: LibreOffice set to recalculate on load gives the formula's tier
    stale = {**sheets, "Account tiers": ResultSheet(sheets["Account tiers"].table, sheets["Account tiers"].title,
                                                     sheets["Account tiers"].note, sheets["Account tiers"].formats,
                                                     {"tier_by_score": ["stale"] * n})}
    src = write_results_workbook(tmp_path / "in" / "stale.xlsx", stale, stream_rows=0)
    ws = openpyxl.load_workbook(_libreoffice(src, tmp_path / "recalc", recalc_always=True), data_only=True)["Account tiers"]
    assert [r[0] for r in ws.iter_rows(min_row=5, max_row=4 + n, min_col=5, max_col=5, values_only=True)] == expected
    # 2. LibreOffice as installed (it does not recalculate an Excel file on load): the cached tier is what shows
    src = write_results_workbook(tmp_path / "in" / "results.xlsx", sheets, stream_rows=0)
    ws = openpyxl.load_workbook(_libreoffice(src, tmp_path / "plain", recalc_always=False), data_only=True)["Account tiers"]
    assert [r[0] for r in ws.iter_rows(min_row=5, max_row=4 + n, min_col=5, max_col=5, values_only=True)] == expected


def test_accounts_beyond_the_sheet_are_all_in_the_parquet_beside_the_workbook(tmp_path, capsys, monkeypatch):
    from test_broken_workbooks import clean_content

    from planner import cli
    from planner.workbook.template import write_workbook
    from planner.writers import row_limit
    from planner.writers import segmentation_sheets as sheets_module

    # Excel's limit made small (title, note, blank row, header and 2 accounts): the same code paths, a small file
    monkeypatch.setattr(row_limit, "EXCEL_ROWS", 6)
    monkeypatch.setattr(sheets_module, "EXCEL_ROWS", 6)
    book = tmp_path / "book.xlsx"
    write_workbook(book, clean_content())
    out = tmp_path / "out"
    with pytest.raises(SystemExit):
        cli.main(["plan", str(book), "--out", str(out), "--format", "xlsx,csv,json"])
    captured = capsys.readouterr()
    assert "tier_plan_accounts.parquet" in " ".join(captured.err.split())  # the note says where the table is
    assert str(out / "tier_plan_accounts.parquet") in captured.out  # and the file is listed as written
    table = pq.read_table(out / "tier_plan_accounts.parquet").to_pandas()
    crm = pd.read_csv(out / "crm_tiers.csv", dtype=str, keep_default_na=False)
    assert len(table) == len(crm) == 4
    assert table["Account ID"].tolist() == crm["Account ID"].tolist()
    assert table["Tier"].tolist() == crm["Tier"].tolist()
    assert [f"{s:.2f}" for s in table["Score"]] == crm["Score"].tolist()
    rows = openpyxl.load_workbook(out / "tier_plan_results.xlsx")["Account tiers"]
    assert [c.value for c in rows[4]] == list(table.columns)  # the sheet's headers
    # a run whose accounts fit removes the table it wrote before
    monkeypatch.setattr(row_limit, "EXCEL_ROWS", 1_048_576)
    monkeypatch.setattr(sheets_module, "EXCEL_ROWS", 1_048_576)
    with pytest.raises(SystemExit):
        cli.main(["plan", str(book), "--out", str(out), "--format", "xlsx,json"])
    assert not (out / "tier_plan_accounts.parquet").exists()


def _slow_bytes(series: pd.Series) -> bytes:
    return b"t" + "\x1e".join(normalise._token(v) for v in series.tolist()).encode("utf-8")


@pytest.mark.parametrize("series", [
    pd.Series(["a", None, np.nan, "ünï", "", "東京"], dtype=object),
    pd.Series(["a", 1, None, 2.5], dtype=object),  # mixed: the per-value path
    pd.Series(["a", None], dtype="string"),
    pd.Series(["a", None, "ünï", "", "東京"], dtype="str"),  # what the reader gives: text kept in Arrow, read whole
    pd.Series(["b", None, "x\x1ey"], dtype=pd.ArrowDtype(pa.large_string())),
    pd.Series(["c", None], dtype=pd.StringDtype("python")),  # text as Python objects: the per-value path
    pd.Series(pd.Categorical(["x", None, "y"])),
    pd.Series([None, None], dtype=object),
    pd.Series(pd.to_datetime(["2025-01-01 00:00:00.5", None, "2025-01-01 00:00:00.000000123", "2024-02-29 23:59:59"],
                             format="ISO8601")),
    pd.Series(pd.to_datetime(["2025-07-01 10:48:55", "2025-01-01 00:00:00.000001", None], utc=True, format="ISO8601")),
    pd.Series(pd.to_datetime(["2025-03-30 01:30"]).tz_localize("Europe/Paris")),
], ids=["text", "mixed", "string", "arrow-str", "arrow-large", "python-string", "categorical", "blank", "naive-times", "utc-times", "other-zone"])
def test_fingerprint_column_bytes_are_the_per_value_tokens(series):
    assert normalise._column_bytes(series) == _slow_bytes(series)


def test_fingerprint_of_the_demo_accounts_does_not_depend_on_their_order():
    from planner.workbook.reader import read_inputs

    inputs = read_inputs(DEMO)
    acc = inputs.accounts
    shuffled = acc.sample(frac=1.0, random_state=3)
    assert normalise.accounts_fingerprint(shuffled) == normalise.accounts_fingerprint(acc)
    changed = acc.copy()
    changed.loc[changed.index[7], "name"] = str(changed["name"].iloc[7]) + " "
    assert normalise.accounts_fingerprint(changed) != normalise.accounts_fingerprint(acc)


@pytest.mark.parametrize("dtype", ["str", object])
def test_text_isin_answers_as_pandas_isin(dtype):
    from planner.arrays import text_isin

    values = pd.Series(["ACC-1", "ACC-2", None, "acc-1", "ACC-3", ""], dtype=dtype)
    among = pd.Series(["ACC-3", "ACC-1", "", "ACC-9"], dtype=dtype)
    # by hand: exact, case-sensitive matches; a blank id is not among them
    assert text_isin(values, among).tolist() == [True, False, False, False, True, True]
    assert text_isin(values, among).tolist() == values.isin(among).tolist()
    assert text_isin(values, among.iloc[:0]).tolist() == [False] * 6


def test_a_streamed_sheet_is_deflated_by_isa_l_and_the_same_twice(tmp_path):
    import zipfile

    from isal import isal_zlib

    n = 20_000
    table = pd.DataFrame({"id": [f"ACC-{i:06d}" for i in range(n)], "x": np.arange(n) * 0.25})
    books = [write_results_workbook(tmp_path / f"{k}.xlsx", {"Big": ResultSheet(table, title="T", note="N")}, stream_rows=10)
             for k in ("a", "b")]
    assert books[0].read_bytes() == books[1].read_bytes()
    with zipfile.ZipFile(books[0]) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
        xml = z.read(info)  # zipfile inflates it and checks its CRC
    with open(books[0], "rb") as fh:  # the member's bytes as stored, after its local header
        fh.seek(info.header_offset)
        head = fh.read(30)
        fh.seek(info.header_offset + 30 + int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little"))
        stored = fh.read(info.compress_size)
    packer = isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)
    assert stored == packer.compress(xml) + packer.flush()  # ISA-L's level 1, not zlib's (which gives other bytes)
    assert xml.count(b"<row ") == n + 3  # title, note, header and every data row
    assert openpyxl.load_workbook(books[0])["Big"][f"A{4 + n}"].value == f"ACC-{n - 1:06d}"
