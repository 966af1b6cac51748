"""evaluate_pilots on hand-built accounts, outcomes and tickets: which accounts count, each outcome per account, the
exact p-values, Holm across pilots, pilots still running or outside the data, and the plan.json entry."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.errors import UserInputError
from planner.pilots.definition import Outcome, make_pilot
from planner.pilots.evaluate import evaluate_pilots, outcome_values
from planner.pilots.stats import HypothesisTest, Verdict, compare_amounts, detectable_rate
from planner.writers.plan_json import pilot_json

AS_OF = dt.date(2025, 12, 31)
IN_WINDOW = dt.date(2025, 3, 15)
OUTSIDE = dt.date(2024, 11, 1)


def accounts_and_tiers(n_a: int = 40, n_b: int = 30):
    ids = [f"A{i:02d}" for i in range(1, n_a + 1)] + [f"B{i:02d}" for i in range(1, n_b + 1)]
    accounts = pd.DataFrame({"account_id": ids, "arr": [10_000.0 + 500 * i for i in range(len(ids))],
                             "region": ["EMEA" if i % 2 else "NA" for i in range(len(ids))]})
    tiers = pd.DataFrame({"account_id": ids, "tier": ["Tier A"] * n_a + ["Tier B"] * n_b,
                          "score": [40.0 + (i % 17) for i in range(len(ids))]})
    return accounts, tiers


def renewal_outcomes(rows: dict[str, tuple[dt.date | None, bool | None]], all_ids) -> pd.DataFrame:
    """renewal_date and renewed per account; accounts not in rows have no renewal date."""
    dates = [rows.get(a, (None, None))[0] for a in all_ids]
    renewed = [rows.get(a, (None, None))[1] for a in all_ids]
    return pd.DataFrame({"account_id": list(all_ids), "renewal_date": dates,
                         "renewed": pd.Series(renewed, dtype="object"),
                         "churned": pd.Series([None if r is None else not r for r in renewed], dtype="object")})


def pilot(name, ids, outcome="renewal", start="2025-01-01", end="2025-06-30", **kw):
    return make_pilot(name, start=start, end=end, outcome=outcome, change="pooled CSM", change_kind="touch_model",
                      account_ids=ids, **kw)


def fisher_two_sided(a: int, n1: int, c: int, n2: int) -> float:
    """Hypergeometric sum: every table with the same margins no more likely than the one observed."""
    s = a + c
    prob = {k: Fraction(math.comb(n1, k) * math.comb(n2, s - k), math.comb(n1 + n2, s))
            for k in range(max(0, s - n2), min(n1, s) + 1)}
    return float(sum(p for p in prob.values() if p <= prob[a]))


@pytest.fixture()
def renewal_case():
    accounts, tiers = accounts_and_tiers()
    rows = {}
    # pilot A01-A10: A01-A08 renewed in the window, A09 did not, A10 renewed before the pilot began
    for i in range(1, 9):
        rows[f"A{i:02d}"] = (IN_WINDOW, True)
    rows["A09"] = (IN_WINDOW, False)
    rows["A10"] = (OUTSIDE, True)
    # rest of Tier A, A11-A40: 15 renewed and 8 did not in the window, 2 unknown, 5 outside the window
    for i in range(11, 26):
        rows[f"A{i:02d}"] = (IN_WINDOW, True)
    for i in range(26, 34):
        rows[f"A{i:02d}"] = (IN_WINDOW, False)
    rows["A34"], rows["A35"] = (IN_WINDOW, None), (IN_WINDOW, None)
    for i in range(36, 41):
        rows[f"A{i:02d}"] = (OUTSIDE, False)
    return accounts, tiers, renewal_outcomes(rows, accounts["account_id"])


def test_renewal_counts_only_known_renewals_in_the_pilot_dates(renewal_case):
    accounts, tiers, outcomes = renewal_case
    (result,) = evaluate_pilots([pilot("Push", [f"A{i:02d}" for i in range(1, 11)])], accounts, tiers, outcomes,
                                as_of=AS_OF)
    c = result.comparison
    assert (c.pilot_count, c.pilot_n, c.baseline_count, c.baseline_n) == (8, 9, 15, 23)
    assert len(result.baseline_accounts) == 30 and result.tiers == ("Tier A",)
    assert result.excluded == {"pilot": {"renewal_date_outside_pilot": 1},
                               "baseline": {"renewal_date_outside_pilot": 5, "outcome_unknown": 2}}
    # 23 renewals among 32: expected non-renewals in the pilot 9 * 9 / 32 = 2.5 < 5, so Fisher
    assert c.test is HypothesisTest.FISHER
    assert c.p_value == pytest.approx(fisher_two_sided(8, 9, 15, 23), rel=1e-9)
    assert c.family_size == 1 and c.p_adjusted == c.p_value


def test_churn_is_the_other_side_of_the_same_renewals(renewal_case):
    accounts, tiers, outcomes = renewal_case
    (result,) = evaluate_pilots([pilot("Push", [f"A{i:02d}" for i in range(1, 11)], outcome="churn")], accounts,
                                tiers, outcomes, as_of=AS_OF)
    c = result.comparison
    assert (c.pilot_count, c.pilot_n, c.baseline_count, c.baseline_n) == (1, 9, 8, 23)
    assert not c.higher_is_better


def test_rest_of_tier_leaves_out_every_pilot_and_a_rule_can_use_tier_and_arr(renewal_case):
    accounts, tiers, outcomes = renewal_case
    by_rule = pilot("Big A", None, account_rule='Tier = "Tier A" and ARR >= 25000')  # A31-A40: ARR 25,000+
    listed = pilot("Listed", [f"A{i:02d}" for i in range(1, 6)])
    results = evaluate_pilots([by_rule, listed], accounts, tiers, outcomes, as_of=AS_OF)
    assert results[0].pilot_accounts == tuple(f"A{i:02d}" for i in range(31, 41))
    assert results[0].baseline_accounts == tuple(f"A{i:02d}" for i in range(6, 31))
    assert results[1].baseline_accounts == tuple(f"A{i:02d}" for i in range(6, 31))


def test_a_pilot_across_tiers_is_noted(renewal_case):
    accounts, tiers, outcomes = renewal_case
    (result,) = evaluate_pilots([pilot("Mixed", ["A01", "A02", "B01"])], accounts, tiers, outcomes, as_of=AS_OF)
    assert result.tiers == ("Tier A", "Tier B")
    assert "spans 2 tiers" in result.notes[0].message
    assert len(result.baseline_accounts) == 70 - 3


def test_matched_baseline_has_one_account_per_pilot_account(renewal_case):
    accounts, tiers, outcomes = renewal_case
    (result,) = evaluate_pilots([pilot("Matched", [f"A{i:02d}" for i in range(1, 11)], baseline="matched")],
                                accounts, tiers, outcomes, as_of=AS_OF)
    assert len(result.baseline_accounts) == 10 and not set(result.baseline_accounts) & set(result.pilot_accounts)
    assert result.balance is not None and pilot_json(result)["balance"]["smd_arr"] == result.balance.smd_arr


def test_holm_across_two_pilots(renewal_case):
    accounts, tiers, outcomes = renewal_case
    one = pilot("One", [f"A{i:02d}" for i in range(1, 11)])
    two = pilot("Two", ["A11", "A12", "A13", "A26", "A27", "A28"])
    together = evaluate_pilots([one, two], accounts, tiers, outcomes, as_of=AS_OF)
    assert all(r.comparison.family_size == 2 and r.comparison.adjustment == "holm" for r in together)
    # Holm with two: the smaller p doubled; the larger kept, but never below the smaller's adjusted value
    raw = [r.comparison.p_value for r in together]
    lo, hi = sorted(raw)
    expected = {lo: min(1.0, 2 * lo), hi: max(min(1.0, 2 * lo), hi)}
    assert [r.comparison.p_adjusted for r in together] == pytest.approx([expected[p] for p in raw], rel=1e-12)
    # each raw p-value is the exact test of its own counts (baselines: the rest of Tier A outside both pilots)
    c = together[1].comparison
    assert (c.pilot_count, c.pilot_n, c.baseline_count, c.baseline_n) == (3, 6, 12, 17)  # A14-A25; A29-A33
    assert c.p_value == pytest.approx(fisher_two_sided(3, 6, 12, 17), rel=1e-9)


def test_a_pilot_still_running_shows_no_result_and_leaves_the_family(renewal_case):
    accounts, tiers, outcomes = renewal_case
    running = pilot("Running", [f"A{i:02d}" for i in range(1, 10)], end="2026-03-31")
    done = pilot("Done", [f"A{i:02d}" for i in range(11, 16)])
    results = evaluate_pilots([running, done], accounts, tiers, outcomes, as_of=AS_OF)
    c = results[0].comparison
    assert results[0].running and c.verdict is Verdict.STILL_RUNNING
    assert (c.pilot_value, c.pilot_count, c.difference, c.p_value, c.ci_low) == (None, None, None, None, None)
    # what it can detect once over stays: no rate up to 100% is within reach of 9 accounts, so the two-sided
    # pilot's detectable rate is the one below the baseline's (10 of 18 renewed: A16-A25 against A26-A33)
    assert (c.pilot_n, c.baseline_n, c.baseline_value) == (9, 18, 10 / 18)
    assert detectable_rate(10 / 18, 9, 18, toward=1) is None
    assert c.detectable_effect == pytest.approx(detectable_rate(10 / 18, 9, 18, toward=-1))
    assert results[1].comparison.family_size == 1


def test_pilot_dates_outside_the_outcome_data(renewal_case):
    accounts, tiers, outcomes = renewal_case
    (result,) = evaluate_pilots([pilot("Old", ["A01", "A02"], start="2022-01-01", end="2022-12-31")], accounts,
                                tiers, outcomes, as_of=AS_OF)
    assert result.comparison.verdict is Verdict.NO_OUTCOME_DATA
    assert str(result.notes[0]) == (
        "Pilots: Old: pilot 'Old' runs 2022-01-01 to 2022-12-31, but the renewal data covers 2024-11-01 to "
        "2025-03-15: no outcome falls in the pilot's dates (outcome data for the pilot's period, or the pilot's "
        "real dates)")


def test_definition_mistakes_stop_the_run_with_every_message(renewal_case):
    accounts, tiers, outcomes = renewal_case
    pilots = [pilot("First", ["A01", "A02"]), pilot("Second", ["A02", "Z99"]),
              pilot("Nothing", None, account_rule="Region = LATAM"),
              pilot("Tickets", ["B01"], outcome="resolution_time")]
    with pytest.raises(UserInputError) as info:
        evaluate_pilots(pilots, accounts, tiers, outcomes, as_of=AS_OF)
    messages = [p.message for p in info.value.problems]
    assert messages == [
        "pilot 'Second': 1 account id(s) are not in the accounts: Z99",
        "pilot 'Nothing' has no accounts: its rule 'Region = LATAM' matches no account",
        "1 account(s) are in both pilot 'First' and pilot 'Second': A02",
        "pilot 'Tickets' is judged on resolution time, but no tickets were given",
    ]


def test_outcome_data_missing_a_column_or_repeating_an_account(renewal_case):
    accounts, tiers, outcomes = renewal_case
    with pytest.raises(UserInputError) as info:
        evaluate_pilots([pilot("Grow", ["A01"], outcome="expansion_arr")], accounts, tiers,
                        pd.concat([outcomes, outcomes.iloc[:2]]), as_of=AS_OF)
    assert [p.message for p in info.value.problems] == [
        "lists 2 account(s) more than once: A01, A02",
        "pilot 'Grow' is judged on expansion_arr, but the accounts have no Expansion ARR column",
    ]


def test_a_renewed_column_holding_text_is_refused_not_read_as_true(renewal_case):
    accounts, tiers, outcomes = renewal_case
    outcomes["renewed"] = outcomes["renewed"].map(lambda v: None if v is None else str(v))  # "False" is truthy
    with pytest.raises(ValueError, match="the renewed column holds 'True'"):
        evaluate_pilots([pilot("Push", ["A01"])], accounts, tiers, outcomes, as_of=AS_OF)


def test_resolution_time_is_the_median_hours_of_tickets_created_in_the_pilot():
    t = pd.Timestamp
    tickets = pd.DataFrame([
        # B01: 2 h, 6 h and 10 h in the window -> 6; one before the start (left out); one unresolved
        ("T1", "B01", t("2025-02-01 00:00", tz="UTC"), t("2025-02-01 02:00", tz="UTC")),
        ("T2", "B01", t("2025-02-03 08:00", tz="UTC"), t("2025-02-03 14:00", tz="UTC")),
        ("T3", "B01", t("2025-06-30 23:00", tz="UTC"), t("2025-07-01 09:00", tz="UTC")),  # last day counts
        ("T4", "B01", t("2024-12-31 23:59", tz="UTC"), t("2025-01-01 23:59", tz="UTC")),
        ("T5", "B01", t("2025-03-01 10:00", tz="UTC"), pd.NaT),
        # B02: 1 h and 4 h -> 2.5; one created after the end
        ("T6", "B02", t("2025-01-01 00:00", tz="UTC"), t("2025-01-01 01:00", tz="UTC")),
        ("T7", "B02", t("2025-04-01 00:00", tz="UTC"), t("2025-04-01 04:00", tz="UTC")),
        ("T8", "B02", t("2025-07-01 00:00", tz="UTC"), t("2025-07-01 09:00", tz="UTC")),
        # B03: resolved before it was created (bad data), left out -> no usable ticket
        ("T9", "B03", t("2025-03-01 10:00", tz="UTC"), t("2025-03-01 09:00", tz="UTC")),
    ], columns=["ticket_id", "account_id", "created_at", "resolved_at"])
    p = pilot("Speed", ["B01", "B02", "B03"], outcome="resolution_time")
    values, excluded = outcome_values(p, ["B01", "B02", "B03"], pd.DataFrame({"account_id": []}), tickets)
    assert values.tolist() == [6.0, 2.5]
    assert excluded == {"unresolved_tickets": 1, "resolved_before_created": 1, "no_resolved_ticket_in_pilot": 1}


def test_usage_change_handles_a_zero_prior_explicitly():
    outcomes = pd.DataFrame({"account_id": ["U1", "U2", "U3", "U4", "U5"],
                             "usage_now": [125.0, 0.0, 40.0, np.nan, 50.0],
                             "usage_prior": [100.0, 0.0, 0.0, 10.0, 200.0]})
    p = pilot("Usage", ["U1"], outcome="usage_change")
    values, excluded = outcome_values(p, ["U1", "U2", "U3", "U4", "U5"], outcomes, None)
    # 125/100 - 1 = 0.25; 0 -> 0 is no change; 0 -> 40 has no ratio; unknown now; 50/200 - 1 = -0.75
    assert values.tolist() == [0.25, 0.0, -0.75]
    assert excluded == {"zero_prior_usage": 1, "outcome_unknown": 1}


def test_expansion_pilot_end_to_end_with_mostly_zero_amounts():
    accounts, tiers = accounts_and_tiers(n_a=60, n_b=0)
    ids = accounts["account_id"].tolist()
    amounts = dict.fromkeys(ids, 0.0)
    for a in ids[:8]:  # pilot A01-A15: 8 of 15 expand
        amounts[a] = 5_000.0
    for a in ids[15:20]:  # rest A16-A60: 5 of 45 expand
        amounts[a] = 2_000.0
    outcomes = pd.DataFrame({"account_id": ids, "expansion_arr": [amounts[a] for a in ids]})
    (result,) = evaluate_pilots([pilot("Grow", ids[:15], outcome="expansion_arr")], accounts, tiers, outcomes,
                                as_of=AS_OF)
    c = result.comparison
    assert c.measure.value == "share_above_zero" and (c.pilot_count, c.baseline_count) == (8, 5)
    assert c.p_value == pytest.approx(fisher_two_sided(8, 15, 5, 45), rel=1e-9)  # expected 3.25 < 5
    (among,) = c.parts
    assert among.verdict is Verdict.NOT_ENOUGH_ACCOUNTS  # 8 against 5 expanding accounts
    assert c.family_size == 2 and among.family_size == 2
    assert compare_amounts([5_000.0] * 8, [2_000.0] * 5).p_value == pytest.approx(among.p_value)


def test_plan_json_entry_has_the_documented_keys_and_is_deterministic(renewal_case):
    accounts, tiers, outcomes = renewal_case
    pilots = [pilot("Push", [f"A{i:02d}" for i in range(1, 11)], baseline="matched")]
    first = [pilot_json(r) for r in evaluate_pilots(pilots, accounts, tiers, outcomes, as_of=AS_OF)]
    again = [pilot_json(r) for r in evaluate_pilots(pilots, accounts, tiers, outcomes, as_of=AS_OF)]
    text = json.dumps(first, allow_nan=False, sort_keys=True)
    assert text == json.dumps(again, allow_nan=False, sort_keys=True)
    entry = first[0]
    assert set(entry) == documented_keys()
    assert entry["groups"]["pilot"] == {"accounts": 10, "with_outcome": 9, "value": 8 / 9, "count": 8}
    assert entry["groups"]["baseline"]["accounts"] == 10
    assert (entry["outcome"], entry["sided"], entry["baseline"]) == ("renewal", "two-sided", "matched")
    assert entry["test"] in ("fisher_exact", "two_proportion_z") and entry["verdict"] in {v.value for v in Verdict}


def documented_keys() -> set[str]:
    """The keys docs/pilots.md's plan.json table lists (a row may name two: `ci_low`, `ci_high`)."""
    text = (Path(__file__).parent.parent / "docs" / "pilots.md").read_text(encoding="utf-8")
    table = text.split("## plan.json: `pilots`", 1)[1]
    keys = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            keys |= set(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return keys


def test_docs_list_every_verdict():
    text = (Path(__file__).parent.parent / "docs" / "pilots.md").read_text(encoding="utf-8")
    verdicts = text.split("## Verdicts", 1)[1].split("\n## ", 1)[0]
    rows = set(re.findall(r"^\| `([a-z_]+)`(?: / `([a-z_]+)`)?", verdicts, flags=re.M))
    assert {code for row in rows for code in row if code} == {v.value for v in Verdict}


def test_outcome_kind_table_is_complete():
    assert set(Outcome) == {Outcome(x) for x in
                                    ("renewal", "churn", "expansion_arr", "resolution_time", "usage_change")}
