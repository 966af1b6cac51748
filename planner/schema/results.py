"""The sheets TierPlan writes, declared once: name, columns, each column's kind and number format.

The results workbook, the write-back into the user's workbook and the Excel button all lay out
these sheets with :mod:`planner.writers.layout`; a test asserts that a plan writes exactly the
sheets declared here, with exactly these columns. The names are reserved in the user's
workbook: write-back replaces sheets of these names that TierPlan wrote, and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from planner.schema.sheets import BOOL, CURRENCY, FORMULA, INTEGER, NUMBER, PERCENT, TEXT

# Excel number formats of the result cells
MONEY_FORMAT = "#,##0;[Red]-#,##0"
MONEY2_FORMAT = "#,##0.00;[Red]-#,##0.00"
PERCENT_FORMAT = "0.0%"
NUMBER_FORMAT = "#,##0.##"
SCORE_FORMAT = "0.00"
COUNT_FORMAT = "#,##0"
WHOLE_FORMAT = "0"
RATE_FORMAT = "#,##0.00"
TENTHS_FORMAT = "#,##0.#"
MARGINAL_FORMAT = "#,##0.0000"

# words shown in capitals (or their usual spelling) in headers made from snake_case keys
_HEADER_WORDS = {"id": "ID", "arr": "ARR", "asv": "ASV", "cs": "CS", "csm": "CSM", "sla": "SLA", "slas": "SLAs",
                 "crm": "CRM", "tam": "TAM", "pct": "%", "cutoff": "cut-off", "cutoffs": "cut-offs"}


def header_label(key: str) -> str:
    """snake_case -> 'Snake case' for display ('account_id' -> 'Account ID'); other names unchanged."""
    if not key or key != key.lower():
        return key
    words = [_HEADER_WORDS.get(w, w) for w in key.split("_")]
    text = " ".join(words)
    return text[0].upper() + text[1:]


@dataclass(frozen=True)
class ResultColumn:
    """One column of a result sheet. ``key`` may hold ``{tier}``: one such column per tier, in tier order."""

    key: str
    kind: str
    number_format: str = ""

    @property
    def per_tier(self) -> bool:
        return "{tier}" in self.key

    def header(self) -> str:
        return header_label(self.key)


@dataclass(frozen=True)
class ResultSheetSpec:
    name: str
    columns: tuple[ResultColumn, ...]
    purpose: str  # what the Guide says of it

    def expanded(self, tier_names: tuple[str, ...] | list[str] = (),
                 scenario_names: tuple[str, ...] | list[str] = ()) -> list[tuple[str, ResultColumn]]:
        """(key, column) in order; a run of per-tier columns repeats for each tier ("Tier 1 accounts", "Tier 1 ARR", "Tier 2 ..."),
        and a ``{scenario}`` column once per scenario (the Scenario comparison sheet)."""
        out: list[tuple[str, ResultColumn]] = []
        run: list[ResultColumn] = []
        for c in (*self.columns, None):
            if c is not None and c.per_tier:
                run.append(c)
                continue
            out.extend((r.key.format(tier=t), r) for t in tier_names for r in run)
            run = []
            if c is not None and "{scenario}" in c.key:
                out.extend((c.key.format(scenario=name), c) for name in scenario_names)
            elif c is not None:
                out.append((c.key, c))
        return out

    def keys(self, tier_names: tuple[str, ...] | list[str] = (), scenario_names: tuple[str, ...] | list[str] = ()) -> list[str]:
        """Column keys in order, per-tier columns expanded for the given tiers (and scenario columns for the scenarios)."""
        return [k for k, _ in self.expanded(tier_names, scenario_names)]

    def formats(self, tier_names: tuple[str, ...] | list[str] = (), scenario_names: tuple[str, ...] | list[str] = ()) -> dict[str, str]:
        """Column key -> Excel number format, for the columns that have one."""
        return {k: c.number_format for k, c in self.expanded(tier_names, scenario_names) if c.number_format}


def _cols(*specs: tuple[Any, ...]) -> tuple[ResultColumn, ...]:  # each: ResultColumn's arguments
    return tuple(ResultColumn(*s) for s in specs)


_MONEY = (CURRENCY, MONEY_FORMAT)

PLAN = ResultSheetSpec("Plan", _cols(
    ("service", TEXT), ("tier", TEXT), ("minimum", NUMBER, NUMBER_FORMAT), ("negotiated", NUMBER, NUMBER_FORMAT),
    ("maximum", NUMBER, NUMBER_FORMAT), ("chosen", NUMBER, NUMBER_FORMAT), ("change", NUMBER, NUMBER_FORMAT), ("role", TEXT),
    ("mandatory", BOOL), ("hours_per_account", NUMBER, NUMBER_FORMAT), ("cost_per_occurrence", *_MONEY),
    ("annual_cost_per_account", *_MONEY), ("expected_impact", *_MONEY),
), "the chosen interval of every service in every tier against the negotiated one")

HEADCOUNT = ResultSheetSpec("Headcount", _cols(
    ("role", TEXT), ("tier", TEXT), ("staffing", TEXT), ("people", INTEGER, WHOLE_FORMAT), ("hours_needed", NUMBER, COUNT_FORMAT),
    ("service_hours", NUMBER, COUNT_FORMAT), ("support_hours", NUMBER, COUNT_FORMAT), ("hours_capacity", NUMBER, COUNT_FORMAT),
    ("utilisation", PERCENT, PERCENT_FORMAT), ("set_by", TEXT), ("cost", *_MONEY),
), "people per role and tier, what sets the number, and what they cost")

SUPPORT = ResultSheetSpec("Support", _cols(
    ("tier", TEXT), ("severity", TEXT), ("channel", TEXT), ("role", TEXT), ("tickets_per_month", NUMBER, TENTHS_FORMAT),
    ("arrival_rate", NUMBER, RATE_FORMAT), ("handle_minutes", NUMBER, TENTHS_FORMAT), ("traffic", NUMBER, RATE_FORMAT),
    ("agents_needed", NUMBER, NUMBER_FORMAT), ("rostered_agents", INTEGER, WHOLE_FORMAT), ("hours_per_year", NUMBER, COUNT_FORMAT),
    ("service_level_target", PERCENT, PERCENT_FORMAT), ("service_level_achieved", PERCENT, PERCENT_FORMAT),
    ("wait_probability", PERCENT, PERCENT_FORMAT), ("binding_severity", TEXT), ("cost", *_MONEY), ("note", TEXT),
), "support agents per tier and channel from the SLAs")

TIER_SUMMARY = ResultSheetSpec("Tier summary", _cols(
    ("tier", TEXT), ("accounts", INTEGER, COUNT_FORMAT), ("arr", *_MONEY), ("annual_cost_per_account", *_MONEY),
    ("asv_per_account", *_MONEY), ("hours_per_account", NUMBER, NUMBER_FORMAT), ("cost_to_serve", *_MONEY),
    ("assessed_value", *_MONEY), ("cost_share_of_arr", PERCENT, PERCENT_FORMAT),
), "per tier of the plan: accounts, ARR, service cost and Assessed Service Value at the negotiated intervals")

SENSITIVITY = ResultSheetSpec("Sensitivity", _cols(
    ("constraint", TEXT), ("kind", TEXT), ("per", TEXT), ("marginal", NUMBER, MARGINAL_FORMAT), ("meaning", TEXT),
    ("step", NUMBER, NUMBER_FORMAT), ("step_unit", TEXT), ("step_gain", *_MONEY), ("step_status", TEXT), ("step_basis", TEXT),
), "shadow prices, binding constraints, trade-offs and, when no plan fits, why and the ways out")

FRONTIER = ResultSheetSpec("Frontier", _cols(
    ("budget_share", PERCENT, PERCENT_FORMAT), ("budget", *_MONEY), ("status", TEXT), ("value", *_MONEY), ("cost", *_MONEY),
    ("budget_used_share", PERCENT, PERCENT_FORMAT), ("negotiated_plan_fits", BOOL), ("re_solved", BOOL),
), "the best expected impact at budgets from 60% to 140% of the budget")

ACCOUNT_TIERS = ResultSheetSpec("Account tiers", _cols(
    ("account_id", TEXT), ("name", TEXT), ("arr", *_MONEY), ("score", NUMBER, SCORE_FORMAT), ("tier_by_score", FORMULA),
    ("tier", TEXT), ("previous_tier", TEXT), ("changed", BOOL), ("rule", TEXT), ("reason", TEXT),
    ("points_to_next_tier_up", NUMBER, SCORE_FORMAT), ("points_to_next_tier_down", NUMBER, SCORE_FORMAT),
    ("score_change", NUMBER, SCORE_FORMAT), ("revenue_contribution", NUMBER, SCORE_FORMAT),
    ("growth_potential_contribution", NUMBER, SCORE_FORMAT), ("strategic_value_contribution", NUMBER, SCORE_FORMAT),
    ("engagement_complexity_contribution", NUMBER, SCORE_FORMAT), ("health_and_maturity_contribution", NUMBER, SCORE_FORMAT),
), "every account's tier, score, reason and the points to the next tier, with a live tier-by-score formula")

TIER_RULES = ResultSheetSpec("Tier rules", _cols(
    ("step", INTEGER), ("rule", TEXT), ("tier", TEXT), ("condition", TEXT), ("cutoff", NUMBER, SCORE_FORMAT),
    ("previous_cutoff", NUMBER, SCORE_FORMAT), ("cutoff_change", TEXT), ("band_basis", TEXT), ("band_min", PERCENT, PERCENT_FORMAT),
    ("band_max", PERCENT, PERCENT_FORMAT), ("target_share", PERCENT, PERCENT_FORMAT), ("score_rule_share", PERCENT, PERCENT_FORMAT),
    ("final_share", PERCENT, PERCENT_FORMAT), ("band_met", BOOL), ("accounts", INTEGER, COUNT_FORMAT),
), "the rules-based tiering for the CRM: score cut-offs, bands, hysteresis and overrides")

MOVERS = ResultSheetSpec("Movers", _cols(
    ("account_id", TEXT), ("name", TEXT), ("arr", *_MONEY), ("previous_tier", TEXT), ("tier", TEXT), ("direction", TEXT),
    ("previous_score", NUMBER, SCORE_FORMAT), ("score", NUMBER, SCORE_FORMAT), ("score_change", NUMBER, SCORE_FORMAT),
    ("reason", TEXT), ("drift_flag", TEXT),
), "accounts that changed tier since the last assessment, then the largest score changes (drift)")

DATA_GAPS = ResultSheetSpec("Data gaps", _cols(
    ("item", TEXT), ("pillar", TEXT), ("accounts", INTEGER, COUNT_FORMAT), ("share_of_accounts", PERCENT, PERCENT_FORMAT),
    ("examples", TEXT), ("assumed", TEXT),
), "what is missing in the CRM export and what was assumed")

BREAKDOWN = ResultSheetSpec("Breakdown", _cols(
    ("dimension", TEXT), ("value", TEXT), ("accounts", INTEGER, COUNT_FORMAT), ("arr", *_MONEY),
    ("{tier} accounts", INTEGER, COUNT_FORMAT), ("{tier} ARR", *_MONEY),
), "tiers by industry, company size, region and product")

SEGMENT_METRICS = ResultSheetSpec("Segment metrics", _cols(
    ("segment", TEXT), ("kind", TEXT), ("accounts", INTEGER, COUNT_FORMAT), ("tickets", INTEGER, COUNT_FORMAT),
    ("tickets_per_account_month", NUMBER, RATE_FORMAT), ("logos_start", INTEGER, COUNT_FORMAT), ("arr_start", *_MONEY),
    ("up_for_renewal", INTEGER, COUNT_FORMAT), ("logo_renewal", PERCENT, PERCENT_FORMAT), ("dollar_renewal", PERCENT, PERCENT_FORMAT),
    ("logo_churn", PERCENT, PERCENT_FORMAT), ("grr", PERCENT, PERCENT_FORMAT), ("nrr", PERCENT, PERCENT_FORMAT),
    ("expansion_rate", PERCENT, PERCENT_FORMAT), ("days_to_first_expansion", NUMBER, COUNT_FORMAT),
    ("new_logos", INTEGER, COUNT_FORMAT), ("renewal_unknown", INTEGER, COUNT_FORMAT),
), "what happened in the review period per tier and engagement model: renewals, churn, revenue retention, expansion, tickets")

RESPONSE_TIMES = ResultSheetSpec("Response times", _cols(
    ("segment", TEXT), ("kind", TEXT), ("severity", TEXT), ("tickets", INTEGER, COUNT_FORMAT), ("unit", TEXT), ("clock", TEXT),
    ("first_response_median", NUMBER, TENTHS_FORMAT), ("first_response_p90", NUMBER, TENTHS_FORMAT),
    ("first_response_missing", INTEGER, COUNT_FORMAT), ("resolution_median", NUMBER, TENTHS_FORMAT),
    ("resolution_p90", NUMBER, TENTHS_FORMAT), ("unresolved", INTEGER, COUNT_FORMAT),
), "time to first response and to resolution per tier and severity (median and 90th percentile, in the SLA's unit)")

SLA_ATTAINMENT = ResultSheetSpec("SLA attainment", _cols(
    ("tier", TEXT), ("severity", TEXT), ("channel", TEXT), ("target", TEXT), ("clock", TEXT),
    ("target_level", PERCENT, PERCENT_FORMAT), ("attained", PERCENT, PERCENT_FORMAT), ("meets_target", BOOL),
    ("gap", PERCENT, PERCENT_FORMAT), ("achieved", INTEGER, COUNT_FORMAT), ("breached", INTEGER, COUNT_FORMAT),
    ("breached_still_open", INTEGER, COUNT_FORMAT), ("not_yet_due", INTEGER, COUNT_FORMAT),
    ("no_first_response_recorded", INTEGER, COUNT_FORMAT),
), "the share of tickets that met each SLA row's first-response target, against its target level")

STAFFING_CHECK = ResultSheetSpec("Staffing check", _cols(
    ("tier", TEXT), ("channel", TEXT), ("role", TEXT), ("observed_tickets_per_month", NUMBER, TENTHS_FORMAT),
    ("planned_tickets_per_month", NUMBER, TENTHS_FORMAT), ("planned_agents", INTEGER, WHOLE_FORMAT),
    ("needed_agents", INTEGER, WHOLE_FORMAT), ("planned_hours_per_year", NUMBER, COUNT_FORMAT),
    ("needed_hours_per_year", NUMBER, COUNT_FORMAT), ("enough", BOOL), ("verdict", TEXT),
), "whether the plan's support staffing would have met the ticket volume the helpdesk saw")

OUTREACH = ResultSheetSpec("Outreach", _cols(
    ("account_id", TEXT), ("name", TEXT), ("tier", TEXT), ("play", TEXT), ("rule", TEXT), ("reason", TEXT),
    ("observed", NUMBER, NUMBER_FORMAT), ("threshold", NUMBER, NUMBER_FORMAT), ("unit", TEXT), ("due_date", TEXT),
), "accounts the Operations sheet's rules flag for proactive outreach, with their tier's play and the reason")

PILOT_RESULTS = ResultSheetSpec("Pilot results", _cols(
    ("pilot", TEXT), ("outcome", TEXT), ("compared_with", TEXT), ("tiers", TEXT), ("pilot_accounts", INTEGER, COUNT_FORMAT),
    ("baseline_accounts", INTEGER, COUNT_FORMAT), ("pilot_with_outcome", INTEGER, COUNT_FORMAT),
    ("baseline_with_outcome", INTEGER, COUNT_FORMAT), ("pilot_value", NUMBER, NUMBER_FORMAT),
    ("baseline_value", NUMBER, NUMBER_FORMAT), ("difference", NUMBER, NUMBER_FORMAT), ("ci_low", NUMBER, NUMBER_FORMAT),
    ("ci_high", NUMBER, NUMBER_FORMAT), ("test", TEXT), ("sided", TEXT), ("p_value", NUMBER, MARGINAL_FORMAT),
    ("p_adjusted", NUMBER, MARGINAL_FORMAT), ("detectable_difference", NUMBER, NUMBER_FORMAT), ("verdict", TEXT),
    ("extra_cost_per_account", *_MONEY), ("extra_cost", *_MONEY), ("effect_arr", *_MONEY), ("effect_arr_low", *_MONEY),
    ("effect_arr_high", *_MONEY), ("arr_per_dollar", NUMBER, RATE_FORMAT), ("in_words", TEXT),
), "each pilot against its baseline: sizes, outcomes, the difference with its 95% interval, the test, and the verdict")

#: The sheets of what happened (tickets, outcome columns, pilots); written empty, with a note, when the data is absent.
OPERATIONS_SHEETS: tuple[ResultSheetSpec, ...] = (SEGMENT_METRICS, RESPONSE_TIMES, SLA_ATTAINMENT, STAFFING_CHECK, OUTREACH,
                                                  PILOT_RESULTS)

#: Every result sheet, in the order they are written.
RESULT_SHEET_SPECS: tuple[ResultSheetSpec, ...] = (
    PLAN, HEADCOUNT, SUPPORT, TIER_SUMMARY, ACCOUNT_TIERS, SENSITIVITY, FRONTIER, TIER_RULES, MOVERS, DATA_GAPS, BREAKDOWN,
    *OPERATIONS_SHEETS,
)
RESULT_SHEETS: tuple[str, ...] = tuple(s.name for s in RESULT_SHEET_SPECS)
#: The sheets `tierplan segment` writes (no plan, no optimisation).
SEGMENTATION_SHEETS: tuple[ResultSheetSpec, ...] = (ACCOUNT_TIERS, TIER_RULES, MOVERS, DATA_GAPS, BREAKDOWN)


#: The comparison of scenarios side by side (`tierplan compare`, the "Compare scenarios" button): one row per figure, one
#: column per scenario, the baseline first. Not a plan's sheet: a plan run leaves it alone. Its name differs from the
#: input sheet "Scenarios", which holds the what-ifs in the same workbook.
SCENARIO_COMPARISON = ResultSheetSpec("Scenario comparison", _cols(
    ("section", TEXT), ("item", TEXT), ("tier", TEXT), ("unit", TEXT), ("{scenario}", NUMBER, "General"),
), "every scenario of the Scenarios sheet planned side by side with the baseline: cost, budget used and fit, expected ARR "
   "impact, Assessed Service Value, people, the intervals that differ, support agents, the budget's shadow price and what "
   "each scenario changes")
#: Sheets written by `tierplan compare` and the "Compare scenarios" button (never by a plan run).
COMPARISON_SHEETS: tuple[ResultSheetSpec, ...] = (SCENARIO_COMPARISON,)


def result_spec(name: str) -> ResultSheetSpec:
    for s in (*RESULT_SHEET_SPECS, *COMPARISON_SHEETS):
        if s.name == name:
            return s
    raise KeyError(name)
