"""Issue 14: the Scenarios sheet, scenarios planned and compared, dated and fingerprinted plans, and diffs.

Workbooks are made from the demo's content (2,000 accounts, no ticket export) with hand-made differences; the cells
are looked up in the written file with openpyxl (by header and row name), not taken from TierPlan's own references.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from planner.cli import app
from planner.errors import UserInputError
from planner.options import PlanOptions
from planner.pipeline import build_plan
from planner.versions.normalise import canonical, fingerprint, fingerprint_of
from planner.workbook.demo import demo_content
from planner.workbook.reader import read_inputs
from planner.workbook.template import write_workbook


def _content(**changes):
    return dataclasses.replace(demo_content(), **changes)


def _row(scenario, sheet, column, value, **key):
    return {"scenario": scenario, "sheet": sheet, "column": column, "value": value, "note": "", **key}


def _cell(book: Path, sheet: str, header: str, first_column_value: str | tuple[str, ...] | None = None,
          setting: str | None = None) -> str:
    """Where a value sits, found in the file by its header and the row's name in the first columns (openpyxl)."""
    wb = openpyxl.load_workbook(book, read_only=True)
    ws = wb[sheet]
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    if setting is not None:  # a settings sheet: Setting | Value
        r = next(i for i, row in enumerate(rows) if row and row[0] == setting)
        return f"{sheet}!B{r + 1}"
    h = next(i for i, row in enumerate(rows) if row and header in row and row[0] is not None and i < 10)
    col = rows[h].index(header)
    letter = openpyxl.utils.get_column_letter(col + 1)
    if first_column_value is None:
        return f"{sheet}!{letter}{h + 2}"
    named = (first_column_value,) if isinstance(first_column_value, str) else first_column_value
    r = next(i for i, row in enumerate(rows) if i > h and row and tuple(row[:len(named)]) == named)
    return f"{sheet}!{letter}{r + 1}"


def _scenario_cell(book: Path, header: str, index: int) -> str:
    """The Scenarios cell of the index-th scenario row (0 = first) under ``header``."""
    first = _cell(book, "Scenarios", header)  # the first data row under the header
    letter = "".join(ch for ch in first.split("!")[1] if ch.isalpha())
    row = int("".join(ch for ch in first.split("!")[1] if ch.isdigit()))
    return f"Scenarios!{letter}{row + index}"


@pytest.fixture(scope="module")
def base_book(tmp_path_factory) -> Path:
    return write_workbook(tmp_path_factory.mktemp("scen") / "base.xlsx", demo_content())


@pytest.fixture(scope="module")
def base_inputs(base_book):
    return read_inputs(base_book)


# ------------------------------------------------------------------ the Scenarios sheet


def test_demo_ships_three_scenarios_as_a_cfo_reads_them(base_inputs):
    names = [s.name for s in base_inputs.scenarios]
    assert names == ["CS lead package", "CFO budget", "Digital-first Tier 3"]
    cfo = base_inputs.scenario_named("CFO budget")
    assert [(c.sheet, c.key, c.value) for c in cfo.changes] == [("Finance", "budget", 5_000_000.0)]
    lead = base_inputs.scenario_named("CS lead package")
    assert ("Roles", ("Mid-market CSM",), "max_accounts", 80) in [(c.sheet, c.row, c.key, c.value) for c in lead.changes]
    digital = base_inputs.scenario_named("Digital-first Tier 3")
    assert {(c.row, c.key, c.value) for c in digital.changes if c.key == "role"} == {
        (("Renewal", "Tier 3"), "role", "Digital"), (("Escalation management", "Tier 3"), "role", "Digital")}


WRONG_ROWS = [
    # (row, the Scenarios header of the cell named, words the message must hold)
    (_row("A", "Accounts", "ARR", 1), "Sheet", "CRM export"),
    (_row("B", "Intervals", "Negotiated per year", 2, service="Onboarding party", tier="Tier 1"), "Service", '"Onboarding party" is not on the Services sheet'),
    (_row("C", "Intervals", "Negotiated per yr", 2, service="Health check", tier="Tier 2"), "Changes", "is not a column of Intervals"),
    (_row("D", "Roles", "Hourly rate", 100, role="Enterprise CSM"), "Changes", "is a formula on Roles"),
    (_row("E", "Intervals", "Negotiated per year", "lots", service="Health check", tier="Tier 2"), "New value", "lots"),
    (_row("F", "Intervals", "Negotiated per year", 2, service="Health check", tier="Tier 2", role="TAM"), "Role", "does not name a row on Intervals"),
    (_row("Baseline", "Finance", "Annual CS budget", 4_000_000), "Scenario", "the workbook as it stands"),
    (_row("G", "Intervals", "Negotiated per year", 2, service="Health check"), "Tier", "Tier is blank"),
    (_row("H", "Finance", "Annual CS budget", -5), "New value", "-5"),
    (_row("I", "Tiers", "Band max", 0.5, tier="Tier 9"), "Tier", '"Tier 9" is not on the Tiers sheet'),
    (_row("J", "Intervals", "Service", "Renewal", service="Health check", tier="Tier 2"), "Changes", "names the row on Intervals"),
    (_row("K", "Roles", "Loaded annual cost", 1, role="TAM"), None, None),  # fine alone ...
    (_row("K", "Roles", "Loaded annual cost", 2, role="TAM"), "Changes", "again"),  # ... but the same cell twice
]


def test_every_wrong_scenario_row_is_named_by_its_cell(tmp_path):
    book = write_workbook(tmp_path / "wrong.xlsx", _content(scenarios=[r for r, _, _ in WRONG_ROWS]))
    with pytest.raises(UserInputError) as info:
        read_inputs(book)
    problems = {p.where: p.message for p in info.value.problems}
    for i, (_, header, words) in enumerate(WRONG_ROWS):
        if header is None:
            continue
        where = _scenario_cell(book, header, i)
        assert where in problems, (i, where, sorted(problems))
        assert words in problems[where], (where, problems[where])
    # nothing outside the Scenarios sheet, and only the rows above
    assert all(w.startswith("Scenarios!") for w in problems), problems
    assert len(problems) == sum(1 for _, h, _ in WRONG_ROWS if h is not None)


def test_a_mistake_elsewhere_does_not_make_the_demo_scenarios_wrong(tmp_path):
    # Executive's cost unreadable: the Intervals rows it delivers are not kept, yet the scenarios' rows are on the sheet
    content = demo_content()
    roles = [dict(r, loaded_cost="a lot") if r["name"] == "Executive" else r for r in content.roles]
    book = write_workbook(tmp_path / "roles.xlsx", dataclasses.replace(content, roles=roles))
    with pytest.raises(UserInputError) as info:
        read_inputs(book)
    assert [p.where for p in info.value.problems] == [_cell(book, "Roles", "Loaded annual cost", "Executive")]


def test_a_change_that_breaks_a_rule_of_its_row_is_named_on_the_scenarios_sheet(tmp_path):
    # Health check in Tier 2 negotiates 1 a year; a maximum of 0.5 puts the negotiated interval above the maximum
    book = write_workbook(tmp_path / "rule.xlsx", _content(scenarios=[
        _row("Fewer checks", "Intervals", "Maximum per year", 0.5, service="Health check", tier="Tier 2")]))
    where = _scenario_cell(book, "New value", 0)
    # the workbook as it stands still plans: the broken scenario is a warning on its cell ...
    inputs = read_inputs(book)
    assert [(w.where, w.kind) for w in inputs.warnings if w.kind == "scenario"] == [(where, "scenario")]
    # ... and planning that scenario stops, naming the same cell
    from planner.options import PlanOptions, apply_options

    with pytest.raises(UserInputError) as info:
        apply_options(inputs, PlanOptions(scenario="Fewer checks"))
    assert [p.where for p in info.value.problems] == [where]


def test_a_pilot_may_name_a_scenario_as_its_change(tmp_path):
    content = demo_content()
    pilot = dict(content.pilots[0], change="digital-first tier 3")  # named in another case: still the scenario
    book = write_workbook(tmp_path / "pilot.xlsx", dataclasses.replace(content, pilots=[pilot]))
    inputs = read_inputs(book)
    assert str(inputs.pilots[0].change.kind) == "scenario"
    assert str(read_inputs(write_workbook(tmp_path / "p2.xlsx", content)).pilots[0].change.kind) != "scenario"


# ------------------------------------------------------------------ a scenario planned


def test_a_scenario_plans_as_the_same_cell_edited_in_the_workbook(tmp_path, base_inputs):
    """A scenario of one Roles cell gives the plan (and the fingerprint) of the workbook with that cell typed in."""
    content = demo_content()
    scenario = _row("Cheaper Enterprise CSMs", "Roles", "Loaded annual cost", 171_000, role="Enterprise CSM")
    with_scenario = write_workbook(tmp_path / "with.xlsx", dataclasses.replace(content, scenarios=[scenario]))
    roles = [dict(r, loaded_cost=171_000.0) if r["name"] == "Enterprise CSM" else r for r in content.roles]
    edited = write_workbook(tmp_path / "edited.xlsx", dataclasses.replace(content, roles=roles, scenarios=[]))

    a = build_plan(read_inputs(with_scenario), PlanOptions(scenario="cheaper enterprise csms"))
    b = build_plan(read_inputs(edited))
    assert a.inputs.scenario == "Cheaper Enterprise CSMs"
    # hourly rate = loaded annual cost / productive hours = 171,000 / 1,326
    rates = {float(r) for r, role in zip(a.valuation.services["hourly_rate"], a.valuation.services["role"]) if role == "Enterprise CSM"}
    assert rates and all(math.isclose(r, 171_000 / 1_326) for r in rates)
    assert a.optimization.total_cost == pytest.approx(b.optimization.total_cost, abs=1e-6)
    assert a.optimization.value == pytest.approx(b.optimization.value, abs=1e-6)
    assert fingerprint(a.inputs) == fingerprint(b.inputs)
    assert fingerprint(a.inputs) != fingerprint(base_inputs)
    doc = a.to_dict()
    assert doc["scenario"] == "Cheaper Enterprise CSMs"
    [o] = doc["overrides"]
    assert (o["sheet"], o["row"], o["key"], o["workbook_value"], o["value"]) == ("Roles", ["Enterprise CSM"], "loaded_cost", 190_000.0, 171_000.0)
    assert o["cell"] == _cell(with_scenario, "Roles", "Loaded annual cost", "Enterprise CSM")
    assert o["where"] == _scenario_cell(with_scenario, "New value", 0)


def _tierplan(*args: str) -> subprocess.CompletedProcess:
    """The real command line (exit codes come from planner.cli.main)."""
    return subprocess.run([sys.executable, "-m", "planner", *args], capture_output=True, text=True, timeout=600)


def test_plan_scenario_unknown_name_is_a_user_error(base_book, tmp_path):
    r = _tierplan("plan", str(base_book), "--scenario", "CFO budgett", "--out", str(tmp_path / "o"), "--format", "json")
    assert r.returncode == 2, r.stderr
    assert "--scenario 'CFO budgett' is not on the Scenarios sheet" in r.stderr and "CFO budget" in r.stderr
    assert "Traceback" not in r.stderr


# ------------------------------------------------------------------ fingerprint and as-of


def test_fingerprint_is_sha256_of_the_canonical_text():
    # worked by hand: keys sorted, no spaces, 0.1 + 0.2 written as Python's shortest repr
    normalised = {"sheets": {"Finance": [{"row": [], "values": {"budget": 0.1 + 0.2, "as_of": "2026-06-30"}}]},
                  "accounts": {"count": 0, "fingerprint": "abc"}}
    text = '{"accounts":"abc","sheets":{"Finance":[[[],{"budget":0.30000000000000004}]]}}'
    assert fingerprint_of(normalised) == hashlib.sha256(text.encode()).hexdigest()
    assert canonical({"b": 1, "a": [1.5, None]}) == '{"a":[1.5,null],"b":1}'


def test_fingerprint_moves_with_every_value_the_plan_reads_and_nothing_else(tmp_path, base_inputs):
    content = demo_content()
    base = fingerprint(base_inputs)

    def fp(name, **changes):
        return fingerprint(read_inputs(write_workbook(tmp_path / f"{name}.xlsx", dataclasses.replace(content, **changes))))

    # the same inputs in another file and folder, accounts re-sorted, another as-of date, other scenarios: the same
    (tmp_path / "elsewhere").mkdir()
    assert fingerprint(read_inputs(write_workbook(tmp_path / "elsewhere" / "copy.xlsx", content))) == base
    assert fp("resorted", accounts=content.accounts.iloc[::-1].reset_index(drop=True)) == base
    assert fp("dated", finance=dict(content.finance, as_of=content.finance["as_of"].replace(day=1))) == base
    assert fp("noscen", scenarios=[]) == base
    # one value changed anywhere the plan reads: another fingerprint each time
    services = [dict(s, direct_cost=25.0) if s["name"] == "Health check" else s for s in content.services]
    accounts = content.accounts.copy()
    accounts.loc[7, "arr"] = float(accounts.loc[7, "arr"]) + 1
    ops = dict(content.operations, usage_drop=0.3)
    pilots = [dict(content.pilots[0], extra_cost=300)]
    seen = {base}
    for name, changes in (("service", {"services": services}), ("account", {"accounts": accounts}),
                          ("budget", {"finance": dict(content.finance, budget=5_400_001)}),
                          ("operations", {"operations": ops}), ("pilot", {"pilots": pilots})):
        seen.add(fp(name, **changes))
    assert len(seen) == 6


def test_plan_json_and_report_carry_version_scenario_as_of_and_fingerprint(base_book, tmp_path):
    out = tmp_path / "plan"
    args = ["plan", str(base_book), "--scenario", "CFO budget", "--as-of", "2026-07-01", "--out", str(out), "--format", "html,pdf,json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "plan.json").read_text())
    assert doc["scenario"] == "CFO budget" and doc["as_of"] == "2026-07-01"
    assert doc["finance"]["budget"] == 5_000_000 and doc["summary"]["budget"] == 5_000_000
    assert len(doc["fingerprint"]) == 64 and doc["fingerprint"] == fingerprint_of(doc["inputs"])
    import planner

    assert doc["tool"]["version"] == planner.__version__
    html = (out / "tierplan_report.html").read_text() if (out / "tierplan_report.html").exists() else next(out.glob("*.html")).read_text()
    assert "Scenario CFO budget" in html and "as of 2026-07-01" in html and doc["fingerprint"][:12] in html
    pdf = next(out.glob("*.pdf"))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert doc["fingerprint"] in info and "CFO budget" in info
    assert "2026" in next(line for line in info.splitlines() if line.startswith("CreationDate"))
    # the same run again: byte for byte the same plan.json (no clock); without --as-of the Finance sheet's As of
    again = tmp_path / "again"
    assert CliRunner().invoke(app, [*args[:-4], "--out", str(again), "--format", "json"]).exit_code == 0
    assert (again / "plan.json").read_bytes() == (out / "plan.json").read_bytes()
    undated = tmp_path / "undated"
    assert CliRunner().invoke(app, ["optimize", str(base_book), "--out", str(undated)]).exit_code == 0
    assert json.loads((undated / "plan.json").read_text())["as_of"] == "2026-06-30"  # the demo's Finance As of


def test_as_of_that_is_not_a_date_is_a_user_error(base_book, tmp_path):
    r = _tierplan("optimize", str(base_book), "--as-of", "31/13/2026", "--out", str(tmp_path))
    assert r.returncode == 2 and "--as-of '31/13/2026' is not a date" in r.stderr, r.stderr


# ------------------------------------------------------------------ compare


def test_compare_the_demo_scenarios(base_book, tmp_path):
    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, ["compare", str(base_book), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert json.loads((out / "scenarios.json").read_text()) == doc
    cols = {s["name"]: s for s in doc["scenarios"]}
    assert list(cols) == ["Baseline", "CS lead package", "CFO budget", "Digital-first Tier 3"]
    base, cfo = cols["Baseline"], cols["CFO budget"]
    assert base["baseline"] and base["changes"] == []
    assert base["budget"] == 5_400_000 and cfo["budget"] == 5_000_000
    for s in doc["scenarios"]:
        assert s["total_cost"] <= s["budget"] + 0.5 and s["fits"]
        assert s["budget_used"] == pytest.approx(s["total_cost"] / s["budget"])
        d = s["against_baseline"]
        assert d["total_cost"] == pytest.approx(s["total_cost"] - base["total_cost"])
        assert d["value"] == pytest.approx(s["value"] - base["value"])
        assert d["people"] == pytest.approx(s["people_total"] - base["people_total"])
    # a smaller budget in max_value mode buys no more expected impact
    assert cfo["value"] <= base["value"] + 1e-6
    # the scenario plans as --budget 5000000 plans the baseline
    alone = build_plan(read_inputs(base_book), PlanOptions(budget=5_000_000))
    assert cfo["total_cost"] == pytest.approx(alone.optimization.total_cost, abs=0.01)
    assert cfo["value"] == pytest.approx(alone.optimization.value, abs=0.01)
    assert [c["cell"] for c in cfo["changes"]] == [_cell(base_book, "Finance", "", setting="Annual CS budget")]
    # the Digital-first scenario names the Intervals cells it changes
    digital_cells = {c["cell"] for c in cols["Digital-first Tier 3"]["changes"]}
    assert digital_cells == {_cell(base_book, "Intervals", header, (service, "Tier 3"))
                             for header, service in (("Delivered by", "Renewal"), ("Hours per occurrence", "Renewal"),
                                                     ("Delivered by", "Escalation management"),
                                                     ("Hours per occurrence", "Escalation management"),
                                                     ("Maximum per year", "Best practice advice"))}
    # the other files
    wb = openpyxl.load_workbook(out / "scenarios.xlsx", read_only=True)
    assert "Scenario comparison" in wb.sheetnames
    cells = [str(v) for row in wb["Scenario comparison"].iter_rows(values_only=True) for v in row if v is not None]
    wb.close()
    assert {"CS lead package", "CFO budget", "Digital-first Tier 3"} <= set(cells)
    html = (out / "scenarios.html").read_text()
    assert "Digital-first Tier 3" in html
    text = subprocess.run(["pdftotext", str(out / "scenarios.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "CFO budget" in text


def test_compare_unknown_scenario_is_a_user_error(base_book, tmp_path):
    r = _tierplan("compare", str(base_book), "--scenarios", "CFO budget,Nope", "--out", str(tmp_path))
    assert r.returncode == 2 and "--scenarios 'Nope' is not on the Scenarios sheet" in r.stderr, r.stderr


# ------------------------------------------------------------------ diff


def _diff(old: Path, new: Path, out: Path | None = None) -> dict:
    args = ["diff", str(old), str(new), "--json"] + (["--out", str(out)] if out else [])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_diff_of_the_same_inputs_finds_nothing(base_book, tmp_path):
    (tmp_path / "b").mkdir()
    copy = write_workbook(tmp_path / "b" / "base.xlsx", demo_content())
    doc = _diff(base_book, copy)
    assert doc["same_inputs"] and doc["inputs"] == [] and doc["plan"] == []
    assert doc["tiers"]["moved"] == 0


def test_diff_of_one_changed_cell_names_it_and_explains_the_plan_by_it(base_book, tmp_path):
    content = demo_content()
    # Mid-market CSMs at 30,000 more: the people and the cost of Tier 2 must move
    roles = [dict(r, loaded_cost=180_000.0) if r["name"] == "Mid-market CSM" else r for r in content.roles]
    new = write_workbook(tmp_path / "new.xlsx", dataclasses.replace(content, roles=roles))
    doc = _diff(base_book, new, tmp_path / "d")
    assert not doc["same_inputs"]
    [change] = doc["inputs"]
    cell = _cell(new, "Roles", "Loaded annual cost", "Mid-market CSM")
    assert (change["sheet"], change["key"], change["old"], change["new"], change["new_cell"]) == (
        "Roles", "loaded_cost", 150_000.0, 180_000.0, cell)
    assert doc["plan"], "a dearer role moves the plan"
    assert all(p["causes"] == [0] for p in doc["plan"])
    assert (tmp_path / "d" / "diff.html").exists() and json.loads((tmp_path / "d" / "diff.json").read_text()) == doc


def test_diff_of_several_changes_re_solves_each_alone(base_book, tmp_path):
    content = demo_content()
    services = [dict(s, definition="Reworded.") if s["name"] == "Health check" else s for s in content.services]
    new = write_workbook(tmp_path / "several.xlsx", dataclasses.replace(
        content, finance=dict(content.finance, budget=5_000_000), services=services))
    doc = _diff(base_book, new)
    keys = [(c["sheet"], c["key"]) for c in doc["inputs"]]
    assert sorted(keys) == [("Finance", "budget"), ("Services", "definition")]
    budget_index = keys.index(("Finance", "budget"))
    by_what = {p["what"]: p for p in doc["plan"]}
    assert by_what["budget"]["old"] == 5_400_000 and by_what["budget"]["new"] == 5_000_000
    # a reworded definition changes no figure: every plan change is the budget's alone
    assert all(p["causes"] == [budget_index] for p in doc["plan"]), doc["plan"]
    assert budget_index in doc["re_solved"]


def test_diff_of_two_plan_json_files(base_book, tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["optimize", str(base_book), "--out", str(tmp_path / "old")]).exit_code == 0
    assert runner.invoke(app, ["optimize", str(base_book), "--scenario", "CFO budget", "--out", str(tmp_path / "new")]).exit_code == 0
    doc = _diff(tmp_path / "old" / "plan.json", tmp_path / "new" / "plan.json")
    [change] = doc["inputs"]
    assert (change["sheet"], change["key"], change["old"], change["new"]) == ("Finance", "budget", 5_400_000, 5_000_000)
    assert change["source"] == "scenario CFO budget"
    old = json.loads((tmp_path / "old" / "plan.json").read_text())["summary"]
    new = json.loads((tmp_path / "new" / "plan.json").read_text())["summary"]
    cost = next(p for p in doc["plan"] if p["what"] == "total_cost")
    assert (cost["old"], cost["new"]) == (pytest.approx(old["total_cost"]), pytest.approx(new["total_cost"]))
