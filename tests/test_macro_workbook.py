"""The macro-enabled workbook: its VBA project holds the macros the buttons call, and the buttons are wired to them."""

from __future__ import annotations

import io
import random
import re
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import olefile
import openpyxl
import pytest
from oletools.olevba import VBA_Parser, decompress_stream

from planner.errors import UserInputError
from planner.excel import vba
from planner.excel.build import build_macro_workbook
from planner.workbook.reader import read_inputs

VML = {"v": "urn:schemas-microsoft-com:vml", "x": "urn:schemas-microsoft-com:office:excel"}
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("macro")
    xlsm, py = build_macro_workbook(folder / "tier_planner.xlsm")
    return xlsm, py


def macros(path: Path) -> dict[str, str]:
    """Module name -> VBA source, read back with oletools (an implementation independent of ours)."""
    parser = VBA_Parser(str(path))
    try:
        return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def public_subs(code: str) -> set[str]:
    """Macros a button can call: public Subs without parameters."""
    return set(re.findall(r"^(?:Public\s+)?Sub\s+(\w+)\s*\(\s*\)", code, flags=re.M))


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part name."""
    rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))}
    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    return {s.get("name"): "xl/" + rels[s.get(f"{REL}id")] for s in wb.iter(f"{MAIN}sheet")}


def buttons(zf: zipfile.ZipFile, sheet: str) -> list[tuple[str, str]]:
    """(caption, macro) of every form button drawn on a sheet, from its legacy VML drawing."""
    part = sheet_parts(zf)[sheet]
    rels_part = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    sheet_xml = ET.fromstring(zf.read(part))
    legacy = sheet_xml.find(f"{MAIN}legacyDrawing")
    assert legacy is not None, f"{sheet} has no legacy drawing (form controls live there)"
    rel_id = legacy.get(f"{REL}id")
    target = next(r.get("Target") for r in ET.fromstring(zf.read(rels_part)) if r.get("Id") == rel_id)
    vml_part = str(Path("xl/worksheets") / target).replace("xl/worksheets/../", "xl/")
    vml = ET.fromstring(zf.read(vml_part))
    out = []
    for shape in vml.iter(f"{{{VML['v']}}}shape"):
        data = shape.find("x:ClientData", VML)
        if data is None or data.get("ObjectType") != "Button":
            continue
        caption = "".join(shape.find("v:textbox", VML).itertext()).strip()
        out.append((caption, data.find("x:FmlaMacro", VML).text))
    return out


# ------------------------------------------------------------------ the buttons and the macros they call


def test_buttons_on_the_guide_call_macros_that_the_vba_project_holds(built):
    xlsm, _ = built
    with zipfile.ZipFile(xlsm) as zf:
        found = buttons(zf, "Guide")
        assert "xl/vbaProject.bin" in zf.namelist()
        ct = zf.read("[Content_Types].xml").decode()
        assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in ct
    assert found == [("Run optimization", "[0]!RunOptimization"), ("Build report", "[0]!BuildReport")]
    code = macros(xlsm)
    module = code["Module1"]
    subs = public_subs(module)
    for _, macro in found:
        assert macro.removeprefix("[0]!") in subs
    assert {"RunOptimization", "BuildReport", "SampleCall"} <= subs


def test_each_macro_runs_its_python_function_of_the_file_named_like_the_workbook(built):
    module = macros(built[0])["Module1"]
    body = lambda name: re.search(rf"Sub {name}\(\)\s*\n(.*?)\nEnd Sub", module, flags=re.S).group(1).strip()
    assert body("RunOptimization") == 'TierPlanRun "run_optimization"'
    assert body("BuildReport") == 'TierPlanRun "build_report"'
    helper = re.search(r"Private Sub TierPlanRun\(action As String\)(.*?)End Sub", module, flags=re.S).group(1)
    # the module name is the workbook's name without its extension; RunPython comes from the xlwings module
    assert 'mymodule = Left(ThisWorkbook.Name, (InStrRev(ThisWorkbook.Name, ".", -1, vbTextCompare) - 1))' in helper
    assert 'RunPython "import " & mymodule & ";" & mymodule & "." & action & "()"' in helper


def test_the_python_file_beside_the_workbook_defines_what_the_macros_call(built):
    xlsm, py = built
    assert py == xlsm.with_suffix(".py")
    text = py.read_text()
    tree = compile(text, str(py), "exec")  # valid Python
    assert tree is not None
    defined = set(re.findall(r"^def (\w+)\(\):", text, flags=re.M))
    assert defined == {"run_optimization", "build_report", "main"}
    assert 'xw.Book("tier_planner.xlsm").set_mock_caller()' in text


def test_xlwings_part_of_the_project_is_exactly_what_xlwings_ships(built, tmp_path):
    shipped = tmp_path / "shipped.bin"
    shipped.write_bytes(vba.shipped_vba_project())
    ours = macros(built[0])
    theirs = {Path(n).stem: c for _, _, n, c in VBA_Parser(str(shipped), data=shipped.read_bytes()).extract_macros()}
    assert set(ours) == set(theirs)
    for name in theirs:
        if name != "Module1":
            assert ours[name] == theirs[name], name
    assert "Public Function RunPython(PythonCommand As String)" in ours["xlwings"]
    # the shipped SampleCall is kept word for word
    sample = re.search(r"Sub SampleCall\(\).*?End Sub", theirs["Module1"], flags=re.S).group(0)
    assert sample in ours["Module1"]


def test_project_is_stored_source_only_so_excel_compiles_it(built):
    with zipfile.ZipFile(built[0]) as zf:
        blob = zf.read("xl/vbaProject.bin")
    ole = olefile.OleFileIO(io.BytesIO(blob))
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("cc61ffff000100")
    # Module1 holds nothing but its compressed source (MODULEOFFSET 0)
    source = bytes(decompress_stream(bytearray(ole.openstream("VBA/Module1").read()))).decode("cp1252")
    assert source == vba.MODULE1_SOURCE
    shipped = olefile.OleFileIO(io.BytesIO(vba.shipped_vba_project()))
    for stream in ("PROJECT", "PROJECTwm", "VBA/xlwings", "VBA/Dictionary", "VBA/ThisWorkbook", "VBA/Sheet1", "VBA/Sheet2"):
        assert ole.openstream(stream).read() == shipped.openstream(stream).read(), stream
    assert sorted("/".join(e) for e in ole.listdir()) == sorted("/".join(e) for e in shipped.listdir())


@pytest.mark.slow
def test_libreoffice_imports_the_module_and_binds_the_buttons_to_it(built, tmp_path):
    out = tmp_path / "ods"
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--convert-to", "ods", "--outdir", str(out), str(built[0])],
        check=True, capture_output=True, timeout=180,
    )
    with zipfile.ZipFile(out / "tier_planner.ods") as zf:
        module = zf.read("Basic/VBAProject/Module1.xml").decode()
        content = zf.read("content.xml").decode()
    assert "Sub RunOptimization()" in module and "Sub BuildReport()" in module
    hrefs = re.findall(r'xlink:href="vnd\.sun\.star\.script:([^?"]+)\?', content)
    assert sorted(hrefs) == ["VBAProject.Module1.BuildReport", "VBAProject.Module1.RunOptimization"]


# ------------------------------------------------------------------ the workbook around the buttons


def test_status_cell_is_unlocked_on_the_protected_guide(built):
    wb = openpyxl.load_workbook(built[0], keep_vba=True)
    guide = wb["Guide"]
    assert guide.protection.sheet is True
    assert guide["F8"].protection.locked is False
    assert guide["F8"].value == "Not run yet."
    assert guide["E8"].value == "Status"


def test_input_sheets_are_the_demo_workbooks(built, tmp_path):
    from planner.workbook.demo import write_demo

    demo = write_demo(tmp_path / "demo.xlsx")
    ours, theirs = read_inputs(built[0]), read_inputs(demo)
    for field in ("tiers", "roles", "services", "intervals", "slas", "scoring", "finance"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert ours.accounts.equals(theirs.accounts)
    wb = openpyxl.load_workbook(built[0], read_only=True)
    assert wb.sheetnames == openpyxl.load_workbook(demo, read_only=True).sheetnames


def test_inputs_carried_over_from_another_workbook(tmp_path):
    from planner.workbook.demo import demo_content
    from planner.workbook.template import write_workbook

    content = demo_content(n_accounts=40, seed=7)
    content.finance["budget"] = 777_000.0
    content.roles[0]["loaded_cost"] = 151_000.0
    source = write_workbook(tmp_path / "mine.xlsx", content)
    xlsm, _ = build_macro_workbook(tmp_path / "my_plan.xlsm", source=source)
    ours, theirs = read_inputs(xlsm), read_inputs(source)
    assert ours.finance.budget == 777_000.0
    assert ours.roles[0].loaded_cost == 151_000.0
    for field in ("tiers", "roles", "services", "intervals", "slas", "scoring", "finance"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert ours.accounts.equals(theirs.accounts)
    assert (tmp_path / "my_plan.py").read_text().count("import") >= 2
    assert 'xw.Book("my_plan.xlsm").set_mock_caller()' in (tmp_path / "my_plan.py").read_text()


def test_sla_targets_are_written_back_in_the_largest_whole_unit():
    from planner.excel.build import _target

    assert _target(14_400.0) == (4.0, "hours")
    assert _target(1_800.0) == (30.0, "minutes")
    assert _target(90.0) == (90.0, "seconds")
    assert _target(45.0) == (45.0, "seconds")


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize("name, message", [
    ("my plan.xlsm", "'my plan' cannot be the workbook's name"),
    ("2027plan.xlsm", "'2027plan' cannot be the workbook's name"),
    ("plan.xlsx", "a macro-enabled workbook must end in .xlsm, not .xlsx"),
])
def test_refuses_names_runpython_cannot_import(tmp_path, name, message):
    with pytest.raises(UserInputError, match=re.escape(message)):
        build_macro_workbook(tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_overwrite_a_python_file_of_the_users(tmp_path):
    (tmp_path / "tier_planner.py").write_text("# mine\n")
    with pytest.raises(UserInputError, match="tier_planner.py: already exists"):
        build_macro_workbook(tmp_path / "tier_planner.xlsm")
    assert (tmp_path / "tier_planner.py").read_text() == "# mine\n"
    assert not (tmp_path / "tier_planner.xlsm").exists()


# ------------------------------------------------------------------ our compression and compound-file code against oletools/olefile


@pytest.mark.parametrize("size", [0, 1, 100, 4095, 4096, 4097, 10_000])
def test_vba_compression_reads_back_with_oletools(size):
    rng = random.Random(size)
    words = ["Sub", "End", "Dim", "As", "String", " ", "\r\n", "RunPython", "mymodule", "&", '"', "'"]
    text = "".join(rng.choice(words) for _ in range(size))[:size].encode("cp1252")
    packed = vba.compress(text)
    assert bytes(decompress_stream(bytearray(packed))) == text
    assert vba.decompress(packed) == text


def test_incompressible_chunks_are_stored_raw():
    rng = random.Random(1)
    data = bytes(rng.randrange(256) for _ in range(4096 * 2))
    packed = vba.compress(data)
    assert bytes(decompress_stream(bytearray(packed))) == data
    assert len(packed) == 1 + 2 * (2 + 4096)


def test_compound_file_rewrite_reads_back_with_olefile():
    shipped = vba.shipped_vba_project()
    cfb = vba.CompoundFile.parse(shipped)
    cfb.set_stream("VBA/Module1", b"x" * 5000)  # grows from the mini stream into ordinary sectors
    blob = cfb.to_bytes()
    ole = olefile.OleFileIO(io.BytesIO(blob))
    original = olefile.OleFileIO(io.BytesIO(shipped))
    for entry in original.listdir():
        path = "/".join(entry)
        expected = b"x" * 5000 if path == "VBA/Module1" else original.openstream(path).read()
        assert ole.openstream(path).read() == expected, path
