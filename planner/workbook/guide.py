"""The Guide sheet's text: the process in TierPlan's words and how to use the workbook.

Pure text, no spreadsheet code: :func:`guide_lines` returns the lines the
template writes into columns A (label) and B (text). The lists of sheets,
columns and settings are generated from planner.schema, so the Guide never
drifts from the workbook it describes.

Columns C to G are left empty; cells E3:G8 are kept free for the "Run
optimization" and "Build report" buttons of the macro-enabled variant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner import schema
from planner.workbook.summary_formulas.layout import HELPER_PURPOSES, can_price

TITLE = "TierPlan: Customer Success tier planning"
PURPOSE = "Read me first: what this workbook is for, how to fill it in, and how the numbers are computed."
COLUMN_WIDTHS = (30, 96, 2, 2, 16, 16, 16)
FIRST_ROW = 3  # 0-based: text starts on row 4
BUTTON_AREA = "E3:G8"  # kept empty for the macro buttons

_PROTECTED_DEFAULT = ("Guide", "Finance", "Roles", "Intervals", "Summary")


@dataclass(frozen=True)
class Line:
    kind: str  # heading | text | small | colour | blank
    label: str = ""
    text: str = ""
    colour: str = ""  # key of schema.COLOURS for kind "colour"


def estimated_lines(text: str, width: float) -> int:
    """Rough number of wrapped lines ``text`` needs in a column ``width`` characters wide."""
    per_line = max(width * 1.15, 1)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def _join(names) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def guide_lines(content=None, protected: tuple[str, ...] = _PROTECTED_DEFAULT) -> list[Line]:
    """Every line of the Guide, in order. ``content`` (a WorkbookContent) supplies the current margin."""
    margin = 0.30
    if content is not None and isinstance(content.finance.get("margin"), (int, float)):
        margin = float(content.finance["margin"])
    unprotected = [s.name for s in schema.INPUT_SHEETS if s.name not in protected]
    helper_names = dict(HELPER_PURPOSES) if content is None or can_price(content) else {}
    H = lambda label: Line("heading", label)
    T = lambda label, text: Line("text", label, text)
    S = lambda label, text: Line("small", label, text)
    B = Line("blank")
    out: list[Line] = []

    out += [
        H("What TierPlan does"),
        T("", "TierPlan helps a CFO and a Customer Success lead agree what each customer tier receives, what that costs and what it "
              "is worth. This workbook holds the inputs, and its formulas show cost and value while you negotiate. The tierplan "
              "program reads the same workbook, places every account in a tier with its reasons, and chooses service intervals "
              "and headcount per tier that fit the budget."),
        B,
        H("The process"),
        T("0. Define the tiers", "Decide how many tiers you run (2 to 6), how each one is served (high, mid or low touch) and what "
                                 "share of the business each should hold. Sheet: Tiers."),
        T("1. List every service", "Write down everything Customer Success does for customers, whatever their size: automated "
                                   "programmes included, and the time executives spend with accounts. Each service names the "
                                   "role that normally delivers it. Sheet: Services."),
        T("2. Set the intervals", "For each service and tier, say how many times a year one account receives it: the negotiated "
                                  "number, and the fewest and most you would accept. Sheet: Intervals."),
        T("3. Cost each service", "With Finance, give every role a loaded annual cost and its productive hours (sheet: Roles), and "
                                  "every service its hours and direct cost. Intervals turns them into a cost per occurrence and "
                                  "an annual cost per account. Negotiate effort and intervals on the Summary: it prices the "
                                  "whole package as the plan does, with whole people, each tier's book of accounts and "
                                  "support, and says whether it fits the budget (see below)."),
        T("4. Apply the margin", "Agree a profit margin with the CFO and the revenue leaders (sheet: Finance). It turns cost "
                                 "into Assessed Service Value: what each tier's service package would be worth if it were sold, "
                                 "which shows who qualifies for what and what Customer Success contributes."),
        T("5. Tier the accounts", "Paste the CRM export into Accounts and say on Scoring which of its columns decide the tier. "
                                  "TierPlan scores every account, proposes its tier with reasons, lists data gaps to fix in the "
                                  "CRM, and writes a file to load back into the CRM's Tier field. Keep rules, not one-off "
                                  "judgement, as the source of tiers, and re-run them as the data changes."),
        B,
        H("How to use this workbook"),
        T("Step 1: Finance", "Type the annual Customer Success budget; check the margin, currency, fiscal year and planning mode."),
        T("Step 2: Tiers", "Keep, rename, add or remove tiers, highest touch first. Choose for each band whether it is a share of "
                           "ARR or of accounts, and optionally a ceiling on CS cost as a share of the tier's ARR."),
        T("Step 3: Roles", "Set each role's loaded annual cost and productive hours; the hourly rate is computed. Named roles carry "
                           "a book of accounts: give the most accounts one person can own."),
        T("Step 4: Services", "Edit the catalog. To add a service, type it in the row below the table, then add one Intervals row "
                              "per tier for it."),
        T("Step 5: Intervals", "Negotiate hours and occurrences per year. Cost per occurrence, annual cost and Assessed Service "
                               "Value follow at once, and so do the Summary sheet's totals and budget lines."),
        T("Step 6: SLAs", "Support response targets, channels, ticket volumes and handle times per tier and severity."),
        T("Step 7: Scoring", "Map Accounts columns to revenue and the four pillars (growth potential, strategic value, engagement "
                             "complexity, health and maturity), each with a weight and a direction."),
        T("Step 8: Accounts", "Paste the CRM export under the header row. Extra columns are welcome; Scoring decides which count. "
                              "Leave Previous tier blank for new accounts."),
        T("Step 9: Run", "tierplan validate BOOK checks the workbook and names the cell of every problem. tierplan value BOOK "
                         "prints cost and value; tierplan plan BOOK tiers the accounts, optimises, and writes the results and a "
                         "report. In the macro-enabled workbook the Run optimization and Build report buttons do the same."),
        T("Step 10: Scenarios", "Write each what-if on the Scenarios sheet, one row per changed cell: the scenario's name, the sheet, "
                                "the columns that name the row (Service and Tier for an interval, Role for a role, nothing for a "
                                "Finance setting), the column it changes and the new value. The workbook as it stands is the "
                                "Baseline. tierplan compare BOOK plans every scenario side by side; tierplan plan BOOK --scenario "
                                "NAME plans one; the Compare scenarios button writes the Scenario comparison sheet. Give the plan a "
                                "date with As of on Finance: it is printed on the report and kept in plan.json."),
        B,
        H("What the colours mean"),
    ]
    for key, (_fill, meaning) in schema.COLOURS.items():
        out.append(Line("colour", key.capitalize(), meaning, colour=key))
    out += [
        B,
        H("How the profit margin is read"),
        T("Assessed Service Value", "The source process prices a service as (cost of service x time interval) x profit margin. "
                                    "Multiplying a cost by 30% would shrink it, which nobody means, so TierPlan reads the margin "
                                    "as a mark-up on cost:"),
        T("", "Assessed Service Value = annual cost x (1 + profit margin)"),
        T("", f"With a 30% margin a service costing 1,000 a year is worth 1,300. This workbook's margin is {margin:.0%}, so every "
              f"annual cost is multiplied by {1 + margin:.2f}. The Intervals formulas and the tierplan program use the same reading."),
        B,
        H("How the Summary prices the package"),
        T("The package", "The Summary prices the negotiated intervals as the plan does. Every account is counted in the tier the "
                         "plan gives it (sheet Placement); people are hired whole, not by the hour: named roles per tier, pooled "
                         "roles across the tiers they serve, each the larger of the hours needed and the book of accounts; "
                         "direct and automated costs are added; and support is staffed from the SLAs (sheets Package and "
                         "Erlang). That is the same figure Run optimization (tierplan optimize --mode min_cost) prices, and "
                         "when the package does not fit, the Summary names the requirement that fails."),
        T("Service time and direct cost", "The Intervals sheet and the Summary's tier table also price each service's hours at "
                                          "its role's hourly rate plus its direct costs: the cost Assessed Service Value marks "
                                          "up. Whole people, books of accounts and support make the package cost more."),
        T("Hours and shrinkage", "Productive hours per year are the only place time off, breaks and meetings are taken out: "
                                 "every role's workload, support queues included, is divided by them. The Finance sheet's "
                                 "support shrinkage only says how many agents to roster for each open hour; it adds no hours."),
        T("When the sheet may differ", "The Summary places accounts as the plan does, with two exceptions it flags: previous "
                                       "tiers that follow one score cut-off per tier (the plan then keeps those cut-offs) and "
                                       "score cut-offs that miss a band (the plan then moves them). tierplan segment gives the "
                                       "exact tiers."),
        B,
        H("Bands: share of ARR or of accounts"),
        T("Band basis", "The source process describes tiers by their share of ARR: Tier 1 holds 10-20% of ARR, Tier 2 30-50%, and "
                        "Tier 3 the balance. Practitioners often mean a share of accounts instead (for example Tier 1 as 5-10% "
                        "of accounts that hold half or more of ARR). The Band basis column says which reading each tier's band "
                        "uses; the defaults follow the source and use ARR."),
        B,
        H("Protection and adding rows"),
        T("Protected sheets", f"{_join(list(protected) + list(helper_names))} are protected so formulas are not overwritten by accident. There is no "
                              "password: Review > Unprotect Sheet. Blue cells stay editable while a sheet is protected; "
                              "sorting, filtering and formatting are allowed."),
        T("Adding rows", f"To add a role or an Intervals row, unprotect the sheet and type in the row just below the table: the "
                         f"table grows and its formulas fill in. {_join(unprotected)} are not protected; their tables grow as "
                         f"you type or paste below them. Drop-downs of tiers, roles and services follow their tables."),
        B,
        H("Where the default figures come from"),
        S("Sources", "Published practitioner ranges (2024-2026). Every figure is an input: replace it with your own."),
        S("People", "CSM loaded cost in North America $150K-$220K; about 1,326 customer-facing hours a year (75% utilisation "
                    "less 15% admin); enterprise books of 10-20 accounts, mid-market 30-150. Support agents before loading "
                    "$43K-$60K."),
        S("TAM (assumption)", "There is no reliable published cost for a technical account manager. The default assumes 1.2 x the "
                              "Enterprise CSM's loaded cost; change it to your own figure."),
        S("Effort", "Enterprise business review with preparation about 8 hours, mid-market 4-6; renewal 10-15 hours per cycle for "
                    "large accounts; enterprise accounts 75+ CSM hours a year, mid-market 16-24, small about 4."),
        S("Guardrails", "Post-sales spend is often near 10% of revenue; above 15% of ARR is usually seen as over-serving."),
        S("Support", "0.5-1.0 tickets per account per month; email handle time 8-40 minutes, chat about 13; phone target 80% "
                     "answered within 20 seconds; shrinkage 24-35%; occupancy cap 85-90%."),
        B,
        H("Sheets"),
    ]
    purposes = {s.name: s.purpose for s in schema.INPUT_SHEETS}
    for settings in schema.SETTINGS_SHEETS:
        purposes[settings.name] = settings.purpose
    purposes[schema.GUIDE_SHEET] = PURPOSE
    purposes[schema.SUMMARY_SHEET] = ("The negotiated package priced as the plan prices it: total cost against the budget, people "
                                      "per role, support, each tier's CS cost against its guardrail and what fails; per tier, "
                                      "accounts as the plan places them, service time, direct cost and Assessed Service Value. "
                                      "Formulas only.")
    for name in schema.SHEET_ORDER:
        out.append(T(name, purposes[name] + (" (protected)" if name in protected else "")))
    for name, purpose in helper_names.items():
        out.append(T(name, purpose + " (protected)"))
    out.append(T("Result sheets", "After a run TierPlan writes these green sheets and never touches the others: "
                                  + ", ".join(schema.RESULT_SHEETS) + "."))
    out.append(T(schema.SCENARIO_COMPARISON.name, "Written by tierplan compare and the Compare scenarios button: "
                                                  + schema.SCENARIO_COMPARISON.purpose + "."))
    out += [B, H("Columns, sheet by sheet")]
    for sheet in schema.INPUT_SHEETS:
        out.append(T(f"{sheet.name} ({sheet.table})", sheet.purpose))
        for c in sheet.columns:
            out.append(S(c.header, _describe_column(c)))
        if sheet is schema.ACCOUNTS:
            out.append(S("Outcome columns", "Optional: what happened to each account, for the operating figures and pilots. "
                                            "A column left out switches off the figures that need it."))
            for c in schema.ACCOUNT_OUTCOMES:
                out.append(S(c.header, _describe_column(c)))
    for settings in schema.SETTINGS_SHEETS:
        out.append(T(f"{settings.name} ({settings.table})", settings.purpose))
        for s in settings.settings:
            out.append(S(s.label, _describe_setting(s)))
    return out



def _describe_column(c: schema.Column) -> str:
    parts = [c.help]
    if c.kind == schema.FORMULA:
        parts.append("Formula.")
    else:
        parts.append("Required." if c.required else "Optional.")
    if c.unit:
        parts.append(f"Unit: {c.unit}.")
    if c.choices:
        parts.append("Allowed: " + ", ".join(c.choices) + ".")
    if c.ref:
        parts.append(f"Must name a row of the {c.ref} sheet.")
    return " ".join(parts)


def _describe_setting(s: schema.Setting) -> str:
    parts = [s.help, "Required." if s.required else "Optional."]
    if s.unit:
        parts.append(f"Unit: {s.unit}.")
    if s.choices:
        parts.append("Allowed: " + ", ".join(s.choices) + ".")
    parts.append(f"Formulas refer to it by the name {s.name}.")
    return " ".join(parts)
