"""LibreOffice headless recalculates the workbooks: no formula errors, and every result equals Python's valuation.

Each workbook is converted once per module (LibreOffice start-up dominates).
Python's side is read from the same file by planner.workbook.reader and valued
by planner.valuation, so the sheet formulas and the Python arithmetic are held
to 1e-9 relative.
"""

from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pytest

from planner import schema
from planner.segmentation import segment
from planner.valuation import service_matrix, tier_summary
from planner.workbook.defaults import default_content
from planner.workbook.demo import demo_accounts, demo_content, write_demo
from planner.workbook.reader import read_inputs
from planner.workbook.summary_formulas import layout as sf
from planner.workbook.summary_formulas import summary_sheet
from planner.workbook.template import write_template, write_workbook

pytestmark = pytest.mark.slow

HEADER = schema.HEADER_ROW
FIRST = HEADER + 1


def close(sheet_value, python_value) -> bool:
    if python_value is None or (isinstance(python_value, float) and math.isnan(python_value)):
        return sheet_value in (None, "")
    if isinstance(python_value, str):
        return sheet_value == python_value
    if not isinstance(sheet_value, (int, float)) or isinstance(sheet_value, bool):
        return False
    return math.isclose(float(sheet_value), float(python_value), rel_tol=1e-9, abs_tol=1e-9)


def six_tier_content():
    """6 tiers, 25 services, an extra role, a non-default margin, a tier without accounts."""
    c = default_content()
    names = ["Platinum", "Gold", "Silver", "Bronze", "Copper", "Self-serve"]
    engagement = ["High touch", "High touch", "Mid touch", "Mid touch", "Low touch", "Low touch"]
    c.tiers = [
        {"name": n, "engagement": e, "band_basis": "Accounts" if i % 2 else "ARR", "band_min": 0.05 * (i + 1) / 2,
         "band_max": 0.1 + 0.1 * i, "max_cost_share": None if i == 3 else 0.2 - 0.025 * i, "description": f"Tier {i + 1} of 6"}
        for i, (n, e) in enumerate(zip(names, engagement))
    ]
    c.roles.append({"name": "Solutions architect", "staffing": "Named", "loaded_cost": 212_500.0, "productive_hours": 1_290.0, "max_accounts": 20})
    role_names = [r["name"] for r in c.roles]
    for k in range(16, 26):
        c.services.append({
            "name": f"Added service {k}", "definition": f"Service number {k}", "role": role_names[k % len(role_names)],
            "direct_cost": 3.5 * k, "mandatory": "Yes" if k % 3 == 0 else "No", "impact": 0.001 * (k % 7 + 1),
            "decay": 0.5 + 0.02 * (k % 10), "keep_order": "Yes",
        })
    c.intervals = []
    for s_idx, s in enumerate(c.services):
        for t_idx, t in enumerate(names):
            override = None if (s_idx + t_idx) % 3 else role_names[(s_idx + 2 * t_idx) % len(role_names)]
            neg = max(0.0, 12 - 2 * t_idx - (s_idx % 4)) / (1 + (s_idx % 2))
            c.intervals.append({
                "service": s["name"], "tier": t, "role": override, "hours": round(6.5 / (1 + t_idx) + 0.25 * (s_idx % 5), 3),
                "minimum": neg / 2, "negotiated": neg, "maximum": neg * 1.5 + 1,
            })
    c.slas = [
        {"tier": t, "severity": sev, "channel": ch, "target": tgt, "target_unit": unit, "tickets": 0.1 + 0.05 * i,
         "handle_minutes": 10 + i, "service_level": 0.8, "role": "Support"}
        for i, t in enumerate(names)
        for sev, ch, tgt, unit in (("Urgent", "Phone", 30, "seconds"), ("High", "Chat", 3, "minutes"), ("Normal", "Email/ticket", 24, "hours"))
    ]
    accounts = demo_accounts(400, 11, tiers=tuple(names))
    accounts.loc[accounts["previous_tier"] == "Copper", "previous_tier"] = "Bronze"  # Copper: no accounts
    accounts.loc[accounts["locked_tier"].notna(), "locked_tier"] = "Gold"
    c.accounts = accounts
    c.finance["budget"] = 2_500_000
    c.finance["margin"] = 0.42
    c.finance["strategic_tier"] = "Silver"
    c.title = "Six tiers"
    return c


def _convert(tmp_path_factory, lo_recalc, name, write):
    src = tmp_path_factory.mktemp(f"{name}-src") / f"{name}.xlsx"
    write(src)
    converted = lo_recalc(src, tmp_path_factory.mktemp(f"{name}-lo"))
    return src, openpyxl.load_workbook(src), openpyxl.load_workbook(converted, data_only=True)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, lo_recalc):
    src, formulas, values = _convert(tmp_path_factory, lo_recalc, "demo", write_demo)
    return formulas, values, read_inputs(src)


@pytest.fixture(scope="module")
def six(tmp_path_factory, lo_recalc):
    content = six_tier_content()
    src, formulas, values = _convert(tmp_path_factory, lo_recalc, "six", lambda p: write_workbook(p, content))
    return formulas, values, read_inputs(src)


@pytest.fixture(scope="module")
def blank(tmp_path_factory, lo_recalc):
    _src, formulas, values = _convert(tmp_path_factory, lo_recalc, "template", write_template)
    return formulas, values


def formula_cells(formulas, values):
    for ws in formulas:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    yield ws.title, c.coordinate, c.value, values[ws.title][c.coordinate].value


def assert_no_errors(formulas, values):
    count = 0
    for sheet, coord, formula, value in formula_cells(formulas, values):
        count += 1
        assert not (isinstance(value, str) and value.startswith("#")), f"{sheet}!{coord} = {value} ({formula})"
    assert count > 0


def header_index(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[HEADER] if c.value is not None}


def assert_intervals_match(values, inputs):
    ws = values[schema.INTERVALS.name]
    cols = header_index(ws)
    matrix = service_matrix(inputs).set_index(["service", "tier"])
    checks = {"Hourly rate": "hourly_rate", "Cost per occurrence": "cost_per_occurrence",
              "Annual cost per account": "annual_cost_per_account", "Assessed Service Value": "asv_per_account"}
    n = 0
    for r in range(FIRST, FIRST + len(inputs.intervals)):
        key = (ws.cell(r, cols["Service"]).value, ws.cell(r, cols["Tier"]).value)
        for header, column in checks.items():
            got, want = ws.cell(r, cols[header]).value, float(matrix.loc[key, column])
            assert close(got, want), f"Intervals row {r} {key} {header}: sheet {got!r}, Python {want!r}"
            n += 1
    assert n == 4 * len(inputs.intervals) == 4 * len(matrix)


def assert_roles_match(values, inputs):
    ws = values[schema.ROLES.name]
    cols = header_index(ws)
    for i, role in enumerate(inputs.roles):
        r = FIRST + i
        assert ws.cell(r, cols["Role"]).value == role.name
        assert close(ws.cell(r, cols["Hourly rate"]).value, role.hourly_rate), role.name


def placed_tiers(values, content, inputs) -> pd.Series:
    """The tier the Placement sheet gives each account, aligned with inputs.accounts."""
    ac = sf.AccountColumns(sf.Sizes.of(content).rules, min(sf.K - 1, len(content.tiers)))
    n = len(inputs.accounts)
    rows = values[sf.PLACEMENT_SHEET].iter_rows(min_row=sf.PL_FIRST + 1, max_row=sf.PL_FIRST + n, values_only=True)
    return pd.Series([r[ac.tier] for r in rows], index=inputs.accounts.index)


def assert_summary_match(values, content, inputs, tiers: pd.Series):
    """The Summary's tier table against Python's valuation of the same accounts in the same tiers."""
    ws = values[schema.SUMMARY_SHEET]
    lay = summary_sheet.summary_layout(content)
    col = {key: j + 1 for j, (key, _, _) in enumerate(summary_sheet.TIER_COLUMNS)}
    expected = tier_summary(inputs, tiers).set_index("tier")
    previous = inputs.accounts["previous_tier"]
    for k in range(lay["n_tiers"]):
        r = lay["tier_first"] + 1 + k
        if k >= len(inputs.tiers):
            assert all(ws.cell(r, j).value in (None, "") for j in col.values()), f"Summary row {r} should be empty"
            continue
        tier = inputs.tiers[k]
        assert ws.cell(r, col["tier"]).value == tier.name
        row = expected.loc[tier.name]
        for key in ("accounts", "arr", "annual_cost_per_account", "asv_per_account", "hours_per_account",
                    "cost_to_serve", "assessed_value", "cost_share_of_arr"):
            assert close(ws.cell(r, col[key]).value, row[key]), f"Summary {tier.name} {key}: {ws.cell(r, col[key]).value!r} vs {row[key]!r}"
        assert ws.cell(r, col["previous"]).value == int((previous == tier.name).sum())
        assert ws.cell(r, col["new"]).value == int(((tiers == tier.name) & previous.isna()).sum())
    tr = lay["tier_total"] + 1
    totals = {"accounts": len(inputs.accounts), "arr": float(inputs.accounts["arr"].sum()),
              "cost_to_serve": float(expected["cost_to_serve"].sum()), "assessed_value": float(expected["assessed_value"].sum())}
    for key, want in totals.items():
        assert ws.cell(tr, col[key]).value == pytest.approx(want, rel=1e-9, abs=1e-9), f"Summary total {key}"
    assert ws.cell(lay["headline"]["service"] + 1, 4).value == pytest.approx(totals["cost_to_serve"], rel=1e-9, abs=1e-9)
    assert close(ws.cell(lay["headline"]["budget"] + 1, 4).value, inputs.finance.budget if inputs.finance.budget else None)


# ------------------------------------------------------------------ demo


def test_demo_recalculates_without_formula_errors(demo):
    formulas, values, _ = demo
    assert_no_errors(formulas, values)


def test_demo_intervals_equal_python_valuation(demo):
    _, values, inputs = demo
    assert len(inputs.intervals) == 45
    assert_intervals_match(values, inputs)


def test_demo_roles_hourly_rates_equal_python(demo):
    _, values, inputs = demo
    assert_roles_match(values, inputs)


def test_demo_summary_equals_python_tier_summary_and_totals(demo):
    _, values, inputs = demo
    content = demo_content()
    tiers = placed_tiers(values, content, inputs)
    # the tiers the plan gives the accounts (the Summary counts those, not previous tiers)
    assert list(tiers) == list(segment(inputs).tiers.astype(str))
    assert_summary_match(values, content, inputs, tiers)


# ------------------------------------------------------------------ six tiers, 25 services


def test_six_tiers_and_25_services_recalculate_without_errors(six):
    formulas, values, inputs = six
    assert (len(inputs.tiers), len(inputs.services), len(inputs.intervals)) == (6, 25, 150)
    assert_no_errors(formulas, values)


def test_six_tiers_and_25_services_equal_python(six):
    _, values, inputs = six
    assert_intervals_match(values, inputs)
    assert_roles_match(values, inputs)
    # these bands make the plan move the standard cut-offs (the sheet says so and keeps its own): the Summary's
    # figures are checked for the tiers its Placement sheet gives
    content = six_tier_content()
    tiers = placed_tiers(values, content, inputs)
    assert segment(inputs).cutoff_method == "adjusted"
    assert values[sf.PLACEMENT_SHEET][values.defined_names["pl_stdok"].attr_text.split("!")[1].replace("$", "")].value == 0
    assert_summary_match(values, content, inputs, tiers)


# ------------------------------------------------------------------ blank template


def test_blank_template_recalculates_without_errors_and_values_the_catalog(blank, demo):
    formulas, values = blank
    assert_no_errors(formulas, values)
    # same defaults as the demo, so the same per-account costs and values
    _, _, demo_inputs = demo
    assert_intervals_match(values, demo_inputs)
    assert_roles_match(values, demo_inputs)
    ws = values[schema.SUMMARY_SHEET]
    lay = summary_sheet.summary_layout(default_content())
    for k in range(3):
        assert ws.cell(lay["tier_first"] + 1 + k, 2).value == 0  # no accounts yet
    assert ws.cell(lay["headline"]["budget"] + 1, 4).value in (None, "")
    assert ws.cell(lay["headline"]["share"] + 1, 4).value in (None, "")
    assert ws.cell(lay["headline"]["verdict"] + 1, 4).value == "No budget on the Finance sheet yet; every other requirement holds."
