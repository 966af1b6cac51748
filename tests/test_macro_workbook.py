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
    # issue 14 adds "Compare scenarios" beside "Run optimization"
    assert found == [("Run optimization", "[0]!RunOptimization"), ("Build report", "[0]!BuildReport"),
                     ("Compare scenarios", "[0]!CompareScenarios")]
    code = macros(xlsm)
    module = code["Module1"]
    subs = public_subs(module)
    for _, macro in found:
        assert macro.removeprefix("[0]!") in subs
    assert subs == {"RunOptimization", "BuildReport", "CompareScenarios"}


def test_each_macro_runs_its_python_function_of_the_fixed_module(built):
    module = macros(built[0])["Module1"]
    body = lambda name: re.search(rf"Sub {name}\(\)\s*\n(.*?)\nEnd Sub", module, flags=re.S).group(1).strip()
    assert body("RunOptimization") == 'TierPlanRun "run_optimization"'
    assert body("BuildReport") == 'TierPlanRun "build_report"'
    assert body("CompareScenarios") == 'TierPlanRun "compare_scenarios"'
    helper = re.search(r"Private Sub TierPlanRun\(action As String\)(.*?)End Sub", module, flags=re.S).group(1)
    # a fixed module name, not the workbook's: "tier_planner (1).xlsm" is no Python module name
    assert helper.strip() == 'RunPython "import tierplan_buttons;tierplan_buttons." & action & "()"'
    assert "ThisWorkbook.Name" not in module


def vba_command(module: str, action: str) -> str:
    """The Python command TierPlanRun hands RunPython, evaluated as VBA would (string literals joined by &)."""
    expr = re.search(r'^\s+RunPython (.+)$', module, flags=re.M).group(1).strip()
    parts = [p.strip() for p in expr.split("&")]
    return "".join(p[1:-1] if p.startswith('"') else {"action": action}[p] for p in parts)


def test_the_python_file_beside_the_workbook_defines_what_the_macros_call(built):
    xlsm, py = built
    assert py == xlsm.with_name("tierplan_buttons.py")
    text = py.read_text()
    assert text.splitlines()[0] == "# Written by TierPlan (tierplan excel)."
    compile(text, str(py), "exec")  # valid Python
    defined = set(re.findall(r"^def (\w+)\(\):", text, flags=re.M))
    assert defined == {"run_optimization", "build_report", "compare_scenarios", "main"}
    module = macros(xlsm)["Module1"]
    for action in ("run_optimization", "build_report", "compare_scenarios"):
        command = vba_command(module, action)
        assert command == f"import tierplan_buttons;tierplan_buttons.{action}()"
        assert action in defined


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
    # xlwings' SampleCall imports a module named like the workbook: it is not kept (no such file is written)
    assert "Sub SampleCall()" in theirs["Module1"] and "SampleCall" not in ours["Module1"]


def _lock_pin(package: str) -> str:
    lock = (Path(__file__).resolve().parents[1] / "requirements" / "product.lock").read_text()
    return re.search(rf"^{package}==([^\s;]+)", lock, flags=re.M).group(1)


def test_the_books_vba_is_the_xlwings_version_the_lock_pins(built):
    """On a Mac the VBA calls the AppleScript named after its own version: it must be the version installed from the lock."""
    pinned = _lock_pin("xlwings")
    declared = re.search(r'Public Const XLWINGS_VERSION As String = "([^"]+)"', macros(built[0])["xlwings"]).group(1)
    assert declared == pinned
    with zipfile.ZipFile(built[0]) as zf:
        assert vba.xlwings_vba_version(zf.read("xl/vbaProject.bin")) == pinned  # what `tierplan doctor` reads


def _conf_sheet(xlsm: Path):
    wb = openpyxl.load_workbook(xlsm, keep_vba=True)
    sheet = wb["xlwings.conf"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(max_col=2)]
    return sheet.sheet_state, rows


def test_the_xlwings_conf_sheet_names_the_interpreter_and_the_books_folder(tmp_path, small_source):
    from planner.excel.conf import read_sheet

    win = r"C:\Users\cs lead\tierplan\.venv\Scripts\pythonw.exe"
    xlsm, _ = build_macro_workbook(tmp_path / "win" / "tier_planner.xlsm", source=small_source, interpreter=win)
    state, rows = _conf_sheet(xlsm)
    assert state == "hidden"
    assert rows == [["Interpreter_Win", win], ["PYTHONPATH", str((tmp_path / "win").resolve())]]
    assert read_sheet(rows) == {"INTERPRETER_WIN": win, "PYTHONPATH": str((tmp_path / "win").resolve())}  # as xlwings' VBA reads it
    mac = "/Users/cslead/tierplan/.venv/bin/python"
    xlsm, _ = build_macro_workbook(tmp_path / "mac" / "tier_planner.xlsm", source=small_source, interpreter=mac)
    assert _conf_sheet(xlsm)[1][0] == ["Interpreter_Mac", mac]
    # built on this Linux machine without --interpreter: the sheet is written, but names no Linux Python for Excel
    xlsm, _ = build_macro_workbook(tmp_path / "linux" / "tier_planner.xlsm", source=small_source)
    assert _conf_sheet(xlsm)[1] == [["PYTHONPATH", str((tmp_path / "linux").resolve())]]


def test_the_running_python_is_the_default_interpreter_on_windows_and_macos(tmp_path):
    from planner.excel.conf import MAC_KEY, WIN_KEY, Interpreter, interpreter_for

    scripts = tmp_path / "Scripts"
    scripts.mkdir()
    (scripts / "python.exe").write_text("")
    assert interpreter_for(None, "win32", str(scripts / "python.exe")) == Interpreter(WIN_KEY, str(scripts / "python.exe"))
    (scripts / "pythonw.exe").write_text("")  # no console window: preferred when it is there
    assert interpreter_for(None, "win32", str(scripts / "python.exe")) == Interpreter(WIN_KEY, str(scripts / "pythonw.exe"))
    assert interpreter_for(None, "darwin", "/opt/tp/bin/python3") == Interpreter(MAC_KEY, "/opt/tp/bin/python3")
    assert interpreter_for(None, "linux", "/usr/bin/python3") is None
    assert interpreter_for(r"\\server\py\python.exe", "linux") == Interpreter(WIN_KEY, r"\\server\py\python.exe")
    with pytest.raises(UserInputError, match="is not a full path"):
        interpreter_for("python", "darwin")


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
    assert "Sub RunOptimization()" in module and "Sub BuildReport()" in module and "Sub CompareScenarios()" in module
    hrefs = re.findall(r'xlink:href="vnd\.sun\.star\.script:([^?"]+)\?', content)
    assert sorted(hrefs) == ["VBAProject.Module1.BuildReport", "VBAProject.Module1.CompareScenarios", "VBAProject.Module1.RunOptimization"]


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
    assert wb.sheetnames == openpyxl.load_workbook(demo, read_only=True).sheetnames + ["xlwings.conf"]


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
    assert (tmp_path / "tierplan_buttons.py").read_text().count("import") >= 2


def test_sla_targets_are_written_back_in_the_largest_whole_unit():
    from planner.excel.build import _target

    assert _target(14_400.0) == (4.0, "hours")
    assert _target(1_800.0) == (30.0, "minutes")
    assert _target(90.0) == (90.0, "seconds")
    assert _target(45.0) == (45.0, "seconds")


# ------------------------------------------------------------------ refusals


def test_refuses_a_name_that_is_not_xlsm(tmp_path):
    with pytest.raises(UserInputError, match=re.escape("a macro-enabled workbook must end in .xlsm, not .xlsx")):
        build_macro_workbook(tmp_path / "plan.xlsx")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["my plan.xlsm", "2027plan.xlsm", "tier_planner (1).xlsm"])
def test_names_that_are_no_python_module_names_are_fine(tmp_path, small_source, name):
    xlsm, py = build_macro_workbook(tmp_path / name, source=small_source)
    assert xlsm.name == name and py.name == "tierplan_buttons.py"


def test_refuses_to_overwrite_a_python_file_of_the_users_and_shares_its_own(tmp_path, small_source):
    (tmp_path / "tierplan_buttons.py").write_text("# mine\n")
    with pytest.raises(UserInputError, match=r"tierplan_buttons\.py: already exists and was not written by TierPlan"):
        build_macro_workbook(tmp_path / "tier_planner.xlsm", source=small_source)
    assert (tmp_path / "tierplan_buttons.py").read_text() == "# mine\n"
    assert not (tmp_path / "tier_planner.xlsm").exists()
    (tmp_path / "tierplan_buttons.py").unlink()
    _, py = build_macro_workbook(tmp_path / "first.xlsm", source=small_source)
    text = py.read_text()
    py.write_text(text.replace("def main", "def old_main"))  # an older file of ours is brought up to date
    _, again = build_macro_workbook(tmp_path / "second.xlsm", source=small_source)
    assert again == py and py.read_text() == text


@pytest.fixture(scope="module")
def small_source(tmp_path_factory) -> Path:
    from planner.workbook.demo import demo_content
    from planner.workbook.template import write_workbook

    return write_workbook(tmp_path_factory.mktemp("small") / "small_plan.xlsx", demo_content(n_accounts=40, seed=7))


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
