"""A corpus of broken workbooks, each with the exact problem lines `tierplan validate` must print.

Every case starts from a clean content (the template's defaults, a budget and
four accounts), breaks one thing, writes a real .xlsx with the template writer
(or edits a written copy with openpyxl, the way a user edits in a spreadsheet
program: deleted cells, inserted rows), and reads it back through calamine.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from planner import cli
from planner.errors import UserInputError
from planner.workbook.defaults import FormulaCell, default_content
from planner.workbook.reader import read_inputs
from planner.workbook.template import write_workbook

NEEDED = "the workbook needs sheets Finance, Tiers, Services, Roles, Intervals, SLAs, Scoring, Accounts"
ROLES = "Executive, Enterprise CSM, Mid-market CSM, Scaled CSM, TAM, Support, Digital"
ORDER = "minimum <= negotiated <= maximum"


def clean_content():
    c = default_content()
    c.finance["budget"] = 3_000_000
    c.accounts = pd.DataFrame(
        {
            "account_id": ["A-1", "A-2", "A-3", "A-4"],
            "name": ["Alpha", "Beta", "Gamma", "Delta"],
            "arr": [250_000.0, 60_000.0, 9_000.0, 4_500.0],
            "industry": ["Software", "Retail", "Media", "Media"],
            "employees": [1200, 300, 40, 12],
            "region": ["NA", "EMEA", "APAC", "NA"],
            "product": ["Enterprise", "Professional", "Starter", "Starter"],
            "ARR growth %": [0.10, 0.05, 0.30, -0.02],
            "Seat growth %": [0.02, 0.01, 0.10, 0.00],
            "Reference customer": [1, 0, 0, 0],
            "Logo value": [5, 3, 1, 1],
            "Integrations": [6, 3, 1, 0],
            "Tickets per month": [4.0, 1.5, 0.5, 0.2],
            "Health score": [80, 55, 70, 40],
            "Tenure months": [48, 20, 6, 3],
            "previous_tier": ["Tier 1", "Tier 2", "Tier 3", "Tier 3"],
            "previous_score": [88.0, 60.5, 30.0, 20.0],
            "locked_tier": [None, None, None, None],
            "lock_reason": [None, None, None, None],
            "strategic": ["No", "No", "No", "No"],
            "churn_risk": ["No", "No", "No", "No"],
        }
    )
    return c


def written(tmp_path: Path, content, name: str = "book.xlsx") -> Path:
    path = tmp_path / name
    write_workbook(path, content)
    return path


def edited(tmp_path: Path, edit: Callable[[openpyxl.Workbook], None], content=None) -> Path:
    """Write a clean workbook, then edit a copy with openpyxl (as a user would by hand)."""
    src = written(tmp_path, content or clean_content(), "source.xlsx")
    wb = openpyxl.load_workbook(src)
    edit(wb)
    path = tmp_path / "edited.xlsx"
    wb.save(path)
    return path


def problems(path: Path, accounts: Path | None = None) -> list[str]:
    with pytest.raises(UserInputError) as exc:
        read_inputs(path, accounts=accounts)
    return [str(p) for p in exc.value.problems]


# ------------------------------------------------------------------ content edits: one broken thing each


def _text_in_number(c):
    c.roles[1]["loaded_cost"] = "abc"


def _absurd_cost(c):
    c.roles[2]["loaded_cost"] = 2e9


def _negative_direct_cost(c):
    c.services[0]["direct_cost"] = -50


def _blank_hours(c):
    c.roles[0]["productive_hours"] = None


def _whole_number_percents(c):
    c.tiers[0]["band_min"] = 10
    c.finance["margin"] = 30


def _min_above_negotiated(c):
    c.intervals[0]["minimum"] = 5  # Executive sponsorship, Tier 1: 2 / 4 / 6


def _negotiated_above_maximum(c):
    c.intervals[1]["negotiated"] = 3  # Executive sponsorship, Tier 2: 0 / 0 / 1


def _interval_row_deleted(c):
    del c.intervals[5]  # Quarterly business review, Tier 3


def _fourth_tier_without_intervals(c):
    c.tiers.append(dict(c.tiers[2], name="Tier 4", band_min=0.0, band_max=0.1))


def _unknown_tier_in_intervals(c):
    c.intervals[2]["tier"] = "Tier 9"


def _unknown_role_in_services(c):
    c.services[1]["role"] = "Account Manager"


def _duplicate_tier(c):
    c.tiers.append(dict(c.tiers[2]))


def _duplicate_interval_row(c):
    c.intervals.append(dict(c.intervals[0]))


def _seven_tiers(c):
    for k in range(4, 8):
        name = f"Tier {k}"
        c.tiers.append(dict(c.tiers[2], name=name, band_min=0.0, band_max=0.1))
        c.intervals.extend(dict(r, tier=name) for r in list(c.intervals) if r["tier"] == "Tier 3")


def _band_minimums_over_100(c):
    c.tiers[1]["band_min"] = 0.45
    c.tiers[2]["band_min"] = 0.50


def _band_maximums_under_100(c):
    c.tiers[1]["band_max"] = 0.35
    c.tiers[2]["band_max"] = 0.35


def _band_min_above_max(c):
    c.tiers[0]["band_min"] = 0.30


def _services_sheet_missing(c):
    c.drop_sheets = ("Services",)


def _maximum_column_deleted(c):
    c.drop_columns = {"Intervals": ("maximum",)}


def _header_renamed(c):
    c.rename_headers = {"Roles": {"loaded_cost": "Salary"}}


def _cached_error_values(c):
    c.roles[1]["loaded_cost"] = FormulaCell("=1/0", "#DIV/0!")
    c.intervals[3]["hours"] = FormulaCell("=#REF!*2", "#REF!")
    c.finance["budget"] = FormulaCell("=NA()", "#N/A")


def _named_role_without_book(c):
    c.roles[1]["max_accounts"] = None


def _cost_without_hours(c):
    c.roles[4]["productive_hours"] = 0


def _finance_settings(c):
    c.finance.update(budget=None, currency="Dollars", fiscal_year=2027.5, planning_mode="cheapest", solver="gurobi",
                     time_limit=0, strategic_tier="Platinum")


def _sla_problems(c):
    c.slas[0]["role"] = "Helpdesk"
    c.slas[1]["target_unit"] = "days"
    c.slas[2]["service_level"] = 90


def _scoring_problems(c):
    c.scoring[1]["column"] = "NPS"
    c.scoring[2]["column"] = "Industry"


def _all_weights_zero(c):
    for r in c.scoring:
        r["weight"] = 0


def _empty_catalog(c):
    c.services = []
    c.intervals = []


def _account_rows(c):
    a = c.accounts
    a["arr"] = a["arr"].astype(object)
    a.loc[1, "account_id"] = "A-1"
    a.loc[2, "arr"] = "abc"
    a.loc[3, "arr"] = -5
    a.loc[0, "locked_tier"] = "Gold"
    a.loc[0, "lock_reason"] = "Board deal"
    a.loc[2, "locked_tier"] = "Tier 1"
    a.loc[3, "strategic"] = "maybe"


def _no_accounts(c):
    c.accounts = c.accounts.iloc[0:0]


CONTENT_CASES = [
    ("text in a number cell", _text_in_number, [
        'Roles!C6: "abc" is not a number (Loaded annual cost expects an amount per person per year)',
    ]),
    ("absurd magnitude", _absurd_cost, [
        "Roles!C7: 2,000,000,000 is more than the largest plausible value 2,000,000 "
        "(Loaded annual cost expects an amount per person per year from 0 to 2,000,000)",
    ]),
    ("negative amount", _negative_direct_cost, [
        "Services!D5: -50 is negative (Direct cost per occurrence expects an amount per occurrence, 0 or more)",
    ]),
    ("blank required value", _blank_hours, [
        "Roles!D5: Productive hours per year is blank (a number of hours is required)",
    ]),
    ("percent typed as a whole number", _whole_number_percents, [
        "Finance!B6: 30 is not a percentage (Profit margin expects a percentage from 0% to 500%: type 30% or 0.3)",
        "Tiers!D5: 10 is not a percentage (Band min expects a percentage from 0% to 100%: type 10% or 0.1)",
    ]),
    ("minimum above negotiated", _min_above_negotiated, [
        f"Intervals!F5: minimum 5 is greater than negotiated 4 ({ORDER})",
    ]),
    ("negotiated above maximum", _negotiated_above_maximum, [
        f"Intervals!F6: negotiated 3 is greater than maximum 1 ({ORDER})",
    ]),
    ("interval row deleted", _interval_row_deleted, [
        'Intervals: no row for service "Quarterly business review" in tier "Tier 3" '
        "(every service needs a row per tier; enter 0 per year if the tier gets none)",
    ]),
    ("a fourth tier without intervals", _fourth_tier_without_intervals, [
        'Intervals: tier "Tier 4" has no rows (add a row for each of the 15 services in tier Tier 4; enter 0 per year if it gets none)',
    ]),
    ("unknown tier", _unknown_tier_in_intervals, [
        'Intervals!B7: tier "Tier 9" is not on the Tiers sheet (one of Tier 1, Tier 2, Tier 3)',
    ]),
    ("unknown role", _unknown_role_in_services, [
        f'Services!C6: role "Account Manager" is not on the Roles sheet (one of {ROLES})',
    ]),
    ("duplicate tier", _duplicate_tier, [
        'Tiers!A8: tier "Tier 3" appears again (first on row 7; names must be unique)',
    ]),
    ("duplicate service x tier row", _duplicate_interval_row, [
        'Intervals!A50: service "Executive sponsorship" in tier "Tier 1" appears again (first on row 5; one row per service and tier)',
    ]),
    ("seven tiers", _seven_tiers, [
        "Tiers: 7 tiers listed (TierPlan plans with 2 to 6 tiers)",
    ]),
    ("band minimums over 100%", _band_minimums_over_100, [
        "Tiers: the ARR band minimums add up to 105% (together they can be at most 100%)",
    ]),
    ("band maximums under 100%", _band_maximums_under_100, [
        "Tiers: the ARR band maximums add up to 90% (together they must cover 100% of ARR)",
    ]),
    ("band min above band max", _band_min_above_max, [
        "Tiers!D5: band min 30% is greater than band max 20% (band min <= band max)",
    ]),
    ("sheet missing", _services_sheet_missing, [
        f"Services: sheet is missing ({NEEDED})",
    ]),
    ("column deleted", _maximum_column_deleted, [
        'Intervals row 4: column "Maximum per year" is missing (the Intervals table needs columns '
        "Service, Tier, Hours per occurrence, Minimum per year, Negotiated per year, Maximum per year)",
    ]),
    ("header renamed", _header_renamed, [
        'Roles row 4: column "Loaded annual cost" is missing (the Roles table needs columns '
        "Role, Staffing, Loaded annual cost, Productive hours per year)",
    ]),
    ("error values cached in input cells", _cached_error_values, [
        "Finance!B5: shows the error #N/A (Annual CS budget expects an amount per year)",
        "Roles!C6: shows the error #DIV/0! (Loaded annual cost expects an amount per person per year)",
        "Intervals!D8: shows the error #REF! (Hours per occurrence expects a number of hours)",
    ]),
    ("named role without a book size", _named_role_without_book, [
        'Roles!E6: Named role "Enterprise CSM" has no Max accounts per person '
        "(a Named role carries a book of accounts: how many can one person own?)",
    ]),
    ("cost but no hours", _cost_without_hours, [
        'Roles!D9: role "TAM" costs 228,000 a year but has 0 productive hours '
        "(Productive hours per year must be more than 0 unless the role is Automated)",
    ]),
    ("finance settings", _finance_settings, [
        "Finance!B5: Annual CS budget is blank (an amount per year is required)",
        'Finance!B7: "Dollars" is not a currency code (Currency expects a three-letter ISO code such as USD, EUR or GBP)',
        "Finance!B8: 2027.5 is not a whole number (Fiscal year expects a whole number)",
        'Finance!B9: "cheapest" is not one of the choices (Planning mode expects one of min_cost, max_value)',
        'Finance!B10: "gurobi" is not one of the choices (Solver expects one of highs, cbc, scipy)',
        "Finance!B11: 0 is below 1 (Solver time limit expects a number of seconds from 1 to 3,600)",
        'Finance!B16: tier "Platinum" is not on the Tiers sheet (one of Tier 1, Tier 2, Tier 3)',
    ]),
    ("SLA problems", _sla_problems, [
        f'SLAs!I5: role "Helpdesk" is not on the Roles sheet (one of {ROLES})',
        'SLAs!E6: "days" is not one of the choices (Target unit expects one of seconds, minutes, hours)',
        "SLAs!H7: 90 is not a percentage (Service-level target expects a percentage from 0% to 100%: type 90% or 0.9)",
    ]),
    ("scoring columns", _scoring_problems, [
        'Scoring!B6: account column "NPS" is not in the Accounts sheet (Account column expects a number column of the '
        "Accounts sheet, such as ARR, Employees, Previous score, ARR growth %, Seat growth %, Reference customer, Logo value, "
        "Integrations, Tickets per month, Health score, Tenure months)",
        'Scoring!B7: account column "Industry" holds text, not numbers (a scoring signal must be a number column)',
    ]),
    ("all weights zero", _all_weights_zero, [
        "Scoring: every weight is 0 (give at least one signal a weight above 0)",
    ]),
    ("empty service catalog", _empty_catalog, [
        "Services: the service catalog is empty (list at least one service)",
    ]),
    ("account rows", _account_rows, [
        'Accounts!A6: account ID "A-1" appears again (first on row 5; IDs must be unique)',
        'Accounts!C7: ARR "abc" is not a number (ARR expects an amount per year)',
        "Accounts!C8: ARR -5 is negative (ARR expects an amount per year, 0 or more)",
        'Accounts!R5: Locked tier "Gold" is not a tier (one of Tier 1, Tier 2, Tier 3)',
        'Accounts!S7: account "A-3" is locked to "Tier 1" without a lock reason (say why the tier is locked in Lock reason)',
        'Accounts!T8: Strategic flag "maybe" is not yes or no (Strategic flag expects Yes or No; blank means No)',
    ]),
    ("no accounts", _no_accounts, [
        "Accounts: no accounts listed (at least one account row under the headers)",
    ]),
]


@pytest.mark.parametrize("edit,expected", [pytest.param(e, x, id=i) for i, e, x in CONTENT_CASES])
def test_broken_content(tmp_path, edit, expected):
    content = clean_content()
    edit(content)
    assert problems(written(tmp_path, content)) == expected


def test_the_clean_content_is_clean(tmp_path):
    inputs = read_inputs(written(tmp_path, clean_content()))
    assert len(inputs.accounts) == 4 and inputs.notes == ()


# ------------------------------------------------------------------ edits by hand (openpyxl)


def test_rows_inserted_above_the_header_and_text_typed_over_a_number(tmp_path):
    def edit(wb):
        ws = wb["Tiers"]
        ws.insert_rows(1, 2)  # header now on row 6
        ws["D8"] = "abc"  # Tier 2's band min

    path = edited(tmp_path, edit)
    assert problems(path) == ['Tiers!D8: "abc" is not a number (Band min expects a percentage)']


def test_a_workbook_saved_by_openpyxl_reads_although_its_formula_cells_lost_their_values(tmp_path):
    path = edited(tmp_path, lambda wb: None)
    inputs = read_inputs(path)
    assert inputs.role("Enterprise CSM").hourly_rate == pytest.approx(190_000 / 1_326)
    assert len(inputs.intervals) == 45


def test_a_sheet_deleted_by_hand(tmp_path):
    path = edited(tmp_path, lambda wb: wb.remove(wb["Roles"]))
    assert problems(path) == [f"Roles: sheet is missing ({NEEDED})"]


def test_a_column_deleted_by_hand_and_a_setting_label_cleared(tmp_path):
    def edit(wb):
        wb["Services"].delete_cols(5)  # Mandatory
        wb["Finance"]["A12"] = None  # Live support hours per month

    assert problems(edited(tmp_path, edit)) == [
        'Finance: setting "Live support hours per month" is missing (a row "Live support hours per month" with its value in the Value column)',
        'Services row 4: column "Mandatory" is missing (the Services table needs columns '
        "Service, Delivered by, Direct cost per occurrence, Mandatory, Impact per occurrence, Returns decay, Keep tier order)",
    ]


def test_every_kind_of_error_value_typed_into_cells(tmp_path):
    def edit(wb):
        wb["Tiers"]["E5"] = "#DIV/0!"
        wb["Roles"]["D6"] = "#VALUE!"
        wb["Services"]["G5"] = "#NAME?"
        wb["Intervals"]["B5"] = "#REF!"
        wb["Scoring"]["C5"] = "#N/A"

    assert problems(edited(tmp_path, edit)) == [
        "Tiers!E5: shows the error #DIV/0! (Band max expects a percentage)",
        "Services!G5: shows the error #NAME? (Returns decay expects a percentage)",
        "Roles!D6: shows the error #VALUE! (Productive hours per year expects a number of hours)",
        "Intervals!B5: shows the error #REF! (Tier expects a tier from the Tiers sheet)",
        "Scoring!C5: shows the error #N/A (Weight expects a number)",
    ]


def test_text_typed_into_a_tier_column_and_a_tier_renamed(tmp_path):
    def edit(wb):
        wb["Tiers"]["A7"] = "Bronze"  # Tier 3 renamed; its Intervals and SLAs rows still say Tier 3

    found = problems(edited(tmp_path, edit))
    intervals = [p for p in found if p.startswith("Intervals!")]
    slas = [p for p in found if p.startswith("SLAs!")]
    assert len(intervals) == 15 and len(slas) == 3
    assert intervals[0] == 'Intervals!B7: tier "Tier 3" is not on the Tiers sheet (one of Tier 1, Tier 2, Bronze)'
    assert slas[-1] == 'SLAs!A13: tier "Tier 3" is not on the Tiers sheet (one of Tier 1, Tier 2, Bronze)'
    assert len(found) == 18


# ------------------------------------------------------------------ files that are not workbooks


def test_missing_file(tmp_path):
    path = tmp_path / "nope.xlsx"
    assert problems(path) == [f"{path}: file not found (check the path and the file name)"]


def test_a_folder(tmp_path):
    assert problems(tmp_path) == [f"{tmp_path}: is a folder, not a workbook (give the path of an .xlsx or .xlsm file)"]


def test_a_csv_renamed_xlsx(tmp_path):
    path = tmp_path / "accounts.xlsx"
    path.write_text("Account ID,ARR\nA-1,100\n")
    assert problems(path) == [
        f"{path}: is a CSV or text file with an .xlsx name, not a workbook (open it in Excel and save it as an Excel workbook (.xlsx))"
    ]


def test_a_damaged_zip(tmp_path):
    good = written(tmp_path, clean_content())
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(good.read_bytes()[:3000])
    assert problems(path) == [
        f"{path}: cannot be read as a workbook: the file is damaged or not an Excel file (open it in Excel and save it again as .xlsx)"
    ]


def test_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "archive.xlsx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    path.write_bytes(buf.getvalue())
    assert problems(path) == [
        f"{path}: cannot be read as a workbook: the file is damaged or not an Excel file (open it in Excel and save it again as .xlsx)"
    ]


def test_a_password_protected_workbook(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = written(tmp_path, clean_content())
    path = tmp_path / "locked.xlsx"
    with open(plain, "rb") as src, open(path, "wb") as out:
        OOXMLFile(src).encrypt("secret", out)
    assert problems(path) == [
        f"{path}: is password-protected (open it in Excel, remove the password under File > Info > Protect Workbook, and save it)"
    ]


def test_an_accounts_file_given_as_the_workbook(tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text("Account ID,ARR\n")
    assert problems(path) == [
        f"{path}: is an accounts file, not a workbook (give the planning workbook (.xlsx); pass a CSV or Parquet export with --accounts)"
    ]


# ------------------------------------------------------------------ tierplan validate


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        cli.main(list(args))
        raise SystemExit(0)
    out = capsys.readouterr()
    return exc.value.code or 0, out.out, out.err


def test_validate_exits_0_and_says_ok_on_a_clean_workbook(tmp_path, capsys):
    path = written(tmp_path, clean_content())
    code, out, err = run_cli(capsys, "validate", str(path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"{path}: OK (3 tiers, 15 services, 7 roles, 4 accounts)"
    # the rest are warnings only (the defaults' negotiated intervals break Keep tier order: warned, never refused)
    if len(lines) > 1:
        assert lines[1] == f"{len(lines) - 2} warning(s): the plan runs, but check these before relying on it:"
        assert all(line.startswith("  warning: ") for line in lines[2:])
    assert err == ""


def test_validate_exits_2_with_one_line_per_problem(tmp_path, capsys):
    content = clean_content()
    _finance_settings(content)
    path = written(tmp_path, content)
    code, out, err = run_cli(capsys, "validate", str(path))
    assert code == 2
    assert out == ""
    assert err.splitlines() == CONTENT_CASES[23][2]
    assert "Traceback" not in err


def test_validate_as_a_command_on_a_missing_file(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "missing.xlsx"
    res = subprocess.run([sys.executable, "-m", "planner", "validate", str(path)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert res.stderr.strip() == f"{path}: file not found (check the path and the file name)"
    assert "Traceback" not in res.stdout + res.stderr
