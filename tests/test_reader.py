"""The validator on in-memory grids (the path the Excel button uses), and the calamine file path on clean workbooks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from planner import schema
from planner.errors import UserInputError
from planner.inputs import ACCOUNT_FIXED_COLUMNS
from planner.workbook.defaults import default_content
from planner.workbook.reader import inputs_from_grids, load_grids, read_inputs


def small_accounts() -> pd.DataFrame:
    """Four accounts with the default signal columns, canonical keys for fixed columns."""
    return pd.DataFrame(
        {
            "account_id": ["A-1", "A-2", "A-3", "A-4"],
            "name": ["Alpha", "Beta", "Gamma", "Delta"],
            "arr": [250_000.0, 60_000.0, 9_000.0, 4_500.0],
            "industry": ["Software", "Retail", None, "Media"],
            "employees": [1200, 300, 40, None],
            "region": ["NA", "EMEA", "APAC", "NA"],
            "product": ["Enterprise", "Professional", "Starter", "Starter"],
            "ARR growth %": [0.10, 0.05, 0.30, -0.02],
            "Seat growth %": [0.02, None, 0.10, 0.00],
            "Reference customer": [1, 0, 0, 0],
            "Logo value": [5, 3, 1, 1],
            "Integrations": [6, 3, 1, 0],
            "Tickets per month": [4.0, 1.5, 0.5, 0.2],
            "Health score": [80, 55, 70, 40],
            "Tenure months": [48, 20, 6, 3],
            "previous_tier": ["Tier 1", "Tier 2", "Tier 3", None],
            "previous_score": [88.0, 60.5, 30.0, None],
            "locked_tier": [None, None, None, None],
            "lock_reason": [None, None, None, None],
            "strategic": ["Yes", "No", "No", None],
            "churn_risk": ["No", "No", "Yes", None],
        }
    )


def content_grids(content) -> dict[str, list[list]]:
    """Grids laid out like the template: title in A1, purpose in A2, headers on row 4, data from row 5."""
    grids: dict[str, list[list]] = {}
    for sheet in (schema.TIERS, schema.ROLES, schema.SERVICES, schema.INTERVALS, schema.SLAS, schema.SCORING):
        grid = [[sheet.title], [sheet.purpose], [], [c.header for c in sheet.columns]]
        for row in content.rows(sheet):
            grid.append([row.get(c.key) if c.is_input else None for c in sheet.columns])
        grids[sheet.name] = grid
    fin = schema.FINANCE
    grids[fin.name] = [[fin.title], [fin.purpose], [], list(fin.headers)] + [
        [s.label, content.finance.get(s.key), s.unit, s.help] for s in fin.settings
    ]
    acc = content.accounts
    fixed = {c.key: c.header for c in schema.ACCOUNTS.columns}
    header = [fixed.get(k, k) for k in acc.columns]
    body = [[None if (isinstance(v, float) and np.isnan(v)) or v is None else v for v in rec]
            for rec in acc.astype(object).itertuples(index=False)]
    grids[schema.ACCOUNTS.name] = [[schema.ACCOUNTS.title], [schema.ACCOUNTS.purpose], [], header] + body
    return grids


def base_content():
    c = default_content()
    c.finance["budget"] = 3_000_000
    c.accounts = small_accounts()
    return c


def problems_of(grids, **kw) -> list[str]:
    with pytest.raises(UserInputError) as exc:
        inputs_from_grids(grids, "test.xlsx", **kw)
    return [str(p) for p in exc.value.problems]


# ------------------------------------------------------------------ clean input


def test_default_content_reads_into_typed_inputs():
    inputs = inputs_from_grids(content_grids(base_content()), "test.xlsx")
    assert inputs.tier_names == ("Tier 1", "Tier 2", "Tier 3")
    assert [t.rank for t in inputs.tiers] == [0, 1, 2]
    t1 = inputs.tier("Tier 1")
    assert (t1.engagement, t1.band_basis, t1.band_min, t1.band_max, t1.max_cost_share) == ("High touch", "ARR", 0.10, 0.20, 0.30)
    csm = inputs.role("Enterprise CSM")
    assert csm.staffing == "Named" and csm.max_accounts == 15
    assert csm.hourly_rate == pytest.approx(190_000 / 1_326)
    assert inputs.role("Digital").hourly_rate == 0.0
    assert len(inputs.services) == 15 and len(inputs.intervals) == 45
    qbr = inputs.service("Quarterly business review")
    assert (qbr.role, qbr.mandatory, qbr.impact, qbr.decay, qbr.keep_order) == ("Enterprise CSM", False, 0.008, 0.55, True)
    assert inputs.service("Renewal").mandatory is True
    # blank "Delivered by" on Intervals falls back to the catalog's role; a named one wins
    assert inputs.interval("Executive sponsorship", "Tier 1").role == "Executive"
    assert inputs.interval("Quarterly business review", "Tier 2").role == "Mid-market CSM"
    iv = inputs.interval("Escalation management", "Tier 3")
    assert (iv.hours, iv.minimum, iv.negotiated, iv.maximum) == (1.5, 0.0, 0.2, 0.5)
    # SLA targets are converted to seconds
    targets = {(s.tier, s.severity): s.target_seconds for s in inputs.slas}
    assert targets[("Tier 1", "Urgent")] == 20
    assert targets[("Tier 2", "Urgent")] == 120
    assert targets[("Tier 1", "High")] == 4 * 3600
    assert targets[("Tier 3", "Normal")] == 48 * 3600
    rules = {r.header: r for r in inputs.scoring}
    assert rules["ARR"].column == "arr" and rules["ARR"].direction == 1 and rules["ARR"].weight == 40
    assert rules["Health score"].column == "Health score" and rules["Health score"].direction == -1
    f = inputs.finance
    assert (f.budget, f.margin, f.currency, f.fiscal_year, f.planning_mode, f.strategic_tier) == (
        3_000_000, 0.30, "USD", 2027, "max_value", "Tier 2")
    assert isinstance(f.fiscal_year, int)
    assert inputs.notes == ()
    assert inputs.source == "test.xlsx"


def test_a_tier_without_sla_rows_is_read_with_a_warning_naming_it():
    """A tier with no SLA rows is allowed (a purely digital tier) but the plan gives it no support staff: a warning says so
    (issue 11 made it a warning, listed by validate apart from the notes), naming the tier's row on the Tiers sheet
    (header on row 4: Tier 2 on row 6, Tier 4 on row 8)."""
    c = base_content()
    c.tiers.append(dict(c.tiers[2], name="Tier 4", band_min=0.0, band_max=0.1))
    c.intervals.extend([dict(r, tier="Tier 4") for r in c.intervals if r["tier"] == "Tier 3"])
    c.slas = [r for r in c.slas if r["tier"] != "Tier 2"]
    inputs = inputs_from_grids(content_grids(c), "test.xlsx")
    assert {s.tier for s in inputs.slas} == {"Tier 1", "Tier 3"}
    assert inputs.notes == ()
    no_sla = [w for w in inputs.warnings if w.kind == "no_sla"]
    assert [str(w) for w in no_sla] == [
        "Tiers!A6, SLAs: no support commitments for Tier 2 (its accounts get no support staffing in the plan; "
        "add rows for each severity on the SLAs sheet if they should)",
        "Tiers!A8, SLAs: no support commitments for Tier 4 (its accounts get no support staffing in the plan; "
        "add rows for each severity on the SLAs sheet if they should)",
    ]
    assert [w.cells for w in no_sla] == [("Tiers!A6",), ("Tiers!A8",)]


def test_sla_rows_typed_in_another_case_count_for_their_tier():
    c = base_content()
    for r in c.slas:
        if r["tier"] == "Tier 3":
            r["tier"] = "TIER 3"
    assert inputs_from_grids(content_grids(c), "test.xlsx").notes == ()


def test_accounts_come_out_in_canonical_form():
    acc = inputs_from_grids(content_grids(base_content()), "test.xlsx").accounts
    assert list(acc.columns[: len(ACCOUNT_FIXED_COLUMNS)]) == list(ACCOUNT_FIXED_COLUMNS)
    assert list(acc.columns[len(ACCOUNT_FIXED_COLUMNS):]) == [
        "ARR growth %", "Seat growth %", "Reference customer", "Logo value", "Integrations",
        "Tickets per month", "Health score", "Tenure months"]
    assert acc["account_id"].tolist() == ["A-1", "A-2", "A-3", "A-4"]
    assert acc["arr"].tolist() == [250_000.0, 60_000.0, 9_000.0, 4_500.0]
    assert acc["arr"].dtype == np.float64
    assert acc["employees"].tolist()[:3] == [1200.0, 300.0, 40.0] and np.isnan(acc["employees"].iloc[3])
    assert acc["previous_tier"].tolist() == ["Tier 1", "Tier 2", "Tier 3", None]
    assert acc["locked_tier"].tolist() == [None, None, None, None]
    assert acc["strategic"].tolist() == [True, False, False, False]
    assert acc["churn_risk"].tolist() == [False, False, True, False]
    assert acc["industry"].tolist()[:2] == ["Software", "Retail"] and pd.isna(acc["industry"].iloc[2])
    assert np.isnan(acc["Seat growth %"].iloc[1]) and acc["Seat growth %"].iloc[2] == 0.10


def test_choices_flags_and_references_are_accepted_in_any_case_and_normalised():
    c = base_content()
    c.tiers[0]["engagement"] = "high touch"
    c.tiers[1]["band_basis"] = "arr"
    c.services[0]["mandatory"] = "y"
    c.services[1]["mandatory"] = True
    c.services[2]["mandatory"] = "TRUE"
    c.services[3]["mandatory"] = 1
    c.services[10]["mandatory"] = "no"
    c.services[4]["role"] = "tam"
    c.slas[3]["channel"] = "email"
    c.slas[3]["target_unit"] = "Minutes"
    c.intervals[0]["tier"] = "tier 1"
    c.scoring[0]["direction"] = "higher raises TIER"
    c.finance["planning_mode"] = "MAX VALUE"
    c.finance["solver"] = "CBC"
    c.finance["strategic_tier"] = "tier 1"
    c.finance["currency"] = "eur"
    inputs = inputs_from_grids(content_grids(c), "t.xlsx")
    assert inputs.tier("Tier 1").engagement == "High touch"
    assert inputs.tier("Tier 2").band_basis == "ARR"
    assert [s.mandatory for s in inputs.services[:4]] == [True, True, True, True]
    assert inputs.service("Renewal").mandatory is False
    assert inputs.service("Assigned technical resource").role == "TAM"
    sla = inputs.slas[3]
    assert (sla.tier, sla.channel, sla.target_seconds) == ("Tier 2", "Email/ticket", 2 * 60)
    assert inputs.intervals[0].tier == "Tier 1"
    assert inputs.scoring[0].direction == 1
    assert (inputs.finance.planning_mode, inputs.finance.solver, inputs.finance.strategic_tier, inputs.finance.currency) == (
        "max_value", "cbc", "Tier 1", "EUR")


def test_numbers_typed_as_text_are_read():
    c = base_content()
    c.roles[1]["loaded_cost"] = "$190,000"
    c.roles[2]["loaded_cost"] = "USD 150000"
    c.tiers[0]["band_min"] = "10%"
    c.finance["budget"] = "3,000,000.00"
    c.finance["margin"] = "30%"
    inputs = inputs_from_grids(content_grids(c), "t.xlsx")
    assert inputs.role("Enterprise CSM").loaded_cost == 190_000.0
    assert inputs.role("Mid-market CSM").loaded_cost == 150_000.0
    assert inputs.tier("Tier 1").band_min == pytest.approx(0.10)
    assert inputs.finance.budget == 3_000_000.0
    assert inputs.finance.margin == pytest.approx(0.30)


def test_headers_are_found_below_inserted_rows_in_any_order_with_extra_columns():
    grids = content_grids(base_content())
    roles = grids["Roles"]
    body = roles[4:]
    order = [2, 0, 3, 1, 4, 5]  # columns shuffled
    new_header = ["  loaded ANNUAL cost ", "ROLE", "Productive_hours_per_year", "staffing", "Max accounts per person", "Hourly rate", "Comments"]
    new_body = [[r[i] for i in order] + ["note"] for r in body]
    grids["Roles"] = [["Roles"], [], [], ["inserted by the user"], [], new_header] + new_body
    inputs = inputs_from_grids(grids, "t.xlsx")
    assert [r.name for r in inputs.roles] == ["Executive", "Enterprise CSM", "Mid-market CSM", "Scaled CSM", "TAM", "Support", "Digital"]
    assert inputs.role("TAM").loaded_cost == 228_000.0
    assert inputs.role("Support").productive_hours == 1_400.0


def test_header_beyond_the_search_rows_is_reported():
    grids = content_grids(base_content())
    grids["Scoring"] = [[]] * schema.HEADER_SEARCH_ROWS + grids["Scoring"][3:]
    assert problems_of(grids) == [
        "Scoring: no table header found in the first 12 rows (a header row with Pillar, Account column, Weight, Direction)",
    ]


def test_error_values_in_input_cells_are_reported_with_their_cell():
    c = base_content()
    c.finance["margin"] = "#N/A"
    c.tiers[1]["band_min"] = "#VALUE!"
    c.services[0]["mandatory"] = "#NAME?"
    c.roles[1]["loaded_cost"] = "#DIV/0!"
    c.intervals[0]["service"] = "#REF!"
    assert problems_of(content_grids(c)) == [
        "Finance!B6: shows the error #N/A (Profit margin expects a percentage)",
        "Tiers!D6: shows the error #VALUE! (Band min expects a percentage)",
        "Services!E5: shows the error #NAME? (Mandatory expects Yes or No)",
        "Roles!C6: shows the error #DIV/0! (Loaded annual cost expects an amount per person per year)",
        "Intervals!A5: shows the error #REF! (Service expects a service from the Services sheet)",
    ]


def test_dates_and_booleans_are_not_numbers():
    c = base_content()
    c.roles[0]["productive_hours"] = dt.datetime(2026, 3, 1)
    c.roles[5]["loaded_cost"] = True
    assert problems_of(content_grids(c)) == [
        "Roles!D5: 2026-03-01 is a date, not a number (Productive hours per year expects a number of hours)",
        "Roles!C10: TRUE is not a number (Loaded annual cost expects an amount per person per year)",
    ]


def test_missing_sheets_are_named_once_each():
    grids = content_grids(base_content())
    del grids["Services"], grids["SLAs"]
    needed = "the workbook needs sheets Finance, Tiers, Services, Roles, Intervals, SLAs, Scoring, Accounts"
    assert problems_of(grids) == [
        f"Services: sheet is missing ({needed})",
        f"SLAs: sheet is missing ({needed})",
    ]


def test_sheet_names_match_ignoring_case():
    grids = content_grids(base_content())
    grids["tiers"] = grids.pop("Tiers")
    grids["tiers"][5][3] = "abc"
    assert problems_of(grids) == ['tiers!D6: "abc" is not a number (Band min expects a percentage)']


def test_accounts_sheet_not_needed_when_an_accounts_table_is_given():
    grids = content_grids(base_content())
    del grids["Accounts"]
    raw = pd.DataFrame({"Account ID": ["X1", "X2"], "Account name": ["One", "Two"], "ARR": ["$1,000", "2000"],
                        "ARR growth %": [0.1, 0.2], "Seat growth %": [0, 0], "Reference customer": ["yes", "no"],
                        "Logo value": [1, 2], "Integrations": [1, 1], "Tickets per month": [1, 1], "Health score": [50, 60],
                        "Tenure months": [12, 24]})
    raw.attrs["source"] = "crm.csv"
    inputs = inputs_from_grids(grids, "t.xlsx", accounts=raw)
    assert inputs.accounts["arr"].tolist() == [1000.0, 2000.0]
    assert inputs.accounts["Reference customer"].tolist() == [1.0, 0.0]


# ------------------------------------------------------------------ the file path (calamine)


@pytest.fixture(scope="module")
def clean_book(tmp_path_factory):
    from planner.workbook.template import write_workbook

    path = tmp_path_factory.mktemp("reader") / "clean.xlsx"
    write_workbook(path, base_content())
    return path


def test_workbook_file_reads_the_same_as_its_grids(clean_book):
    from_file = read_inputs(clean_book)
    from_grids = inputs_from_grids(content_grids(base_content()), str(clean_book))
    assert from_file.tiers == from_grids.tiers
    assert from_file.roles == from_grids.roles
    assert from_file.services == from_grids.services
    assert from_file.intervals == from_grids.intervals
    assert from_file.slas == from_grids.slas
    assert from_file.scoring == from_grids.scoring
    assert from_file.finance == from_grids.finance
    pd.testing.assert_frame_equal(from_file.accounts, from_grids.accounts)
    assert from_file.source == str(clean_book)


def test_load_grids_returns_only_input_sheets_from_row_one(clean_book):
    grids = load_grids(clean_book)
    # the Scenarios sheet is read too (issue 14): the what-ifs a run may plan instead of the baseline
    assert sorted(grids) == sorted(["Finance", "Tiers", "Services", "Roles", "Intervals", "Scenarios", "SLAs", "Scoring", "Accounts", "Operations", "Pilots"])
    assert grids["Tiers"][0][0] == "Tiers"
    assert grids["Tiers"][3][:3] == ["Tier", "Engagement model", "Band basis"]
    assert grids["Roles"][5][:4] == ["Enterprise CSM", "Named", 190_000.0, 1_326.0]
    assert "Accounts" not in load_grids(clean_book, skip_accounts=True)
