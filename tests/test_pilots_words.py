"""Pilot verdicts in plain words: what a CFO reads for each verdict, and that nothing claims more than the numbers."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd

from planner.pilots.definition import make_pilot
from planner.pilots.evaluate import evaluate_pilots
from planner.pilots.stats import Sided, Verdict, adjust_holm, compare_amounts, compare_rates
from planner.report.pilot_words import describe_comparison, describe_pilot, verdict_label


def test_no_detectable_difference_says_what_could_have_been_missed():
    text = describe_comparison(compare_rates(44, 50, 40, 50, outcome="renewal"))
    assert text == (
        "No difference this pilot could detect. 44 of 50 pilot accounts renewed (88.0%), against 40 of 50 baseline "
        "accounts (80.0%): a difference of +8 points (95% confidence interval -6.7 points to +22.5 points). "
        "Two-proportion z-test, two-sided: p = 0.275. This is not evidence that the change does nothing: the "
        "smallest result it could detect reliably (80% of the time) is a renewal rate of 97.5% against the "
        "baseline's 80.0%, so a smaller real effect could have been missed.")


def test_improved_after_holm_names_the_adjustment():
    first, second = adjust_holm([compare_rates(208, 227, 187, 227, outcome="renewal"),
                                 compare_rates(30, 300, 60, 300, outcome="churn", higher_is_better=False)])
    text = describe_comparison(first)
    assert text.startswith("Improved. 208 of 227 pilot accounts renewed (91.6%), against 187 of 227 baseline "
                           "accounts (82.4%): a difference of +9.3 points (95% confidence interval +3.1 points to "
                           "+15.5 points). Two-proportion z-test, two-sided: p = 0.003, ")
    assert "after allowing for 2 comparisons made together (Holm)" in text
    assert text.endswith("If the change made no difference, a gap this large would turn up less than 5% of the time.")
    assert describe_comparison(second).startswith("Improved. 30 of 300 pilot accounts churned (10.0%)")


def test_not_enough_accounts_says_how_many_would_do():
    text = describe_comparison(compare_rates(3, 4, 1, 4, outcome="renewal", sided=Sided.GREATER))
    assert text.startswith("Not enough accounts to tell.")
    assert "(95% confidence: at least -5.7 points)" in text
    assert "one-sided, looking only for the pilot higher: p = 0.243" in text
    assert "so the pilot cannot tell whether the change works" in text
    # 25% -> 35%, one-sided:
    # (1.6449 sqrt(2 * 0.3 * 0.7) + 0.8416 sqrt(0.25 * 0.75 + 0.35 * 0.65))^2 / 0.01 = 258.7 -> 259
    assert text.endswith("About 259 accounts in each group would detect a 10-point change.")


def test_amounts_are_in_their_units():
    rng = np.random.default_rng(1)
    hours = describe_comparison(compare_amounts(rng.lognormal(3, 1, 60), rng.lognormal(2.6, 1, 80),
                                                outcome="resolution_time", higher_is_better=False))
    assert hours.startswith("Worse. Median resolution time 20.5 hours for the 60 pilot accounts, against 12.8 hours")
    assert "Mann-Whitney U test (whether one group's values tend to be larger)" in hours
    money = describe_comparison(compare_amounts([0.0] * 28 + [1000.0 * (i + 1) for i in range(12)],
                                                [0.0] * 34 + [800.0 * (i + 1) for i in range(6)],
                                                outcome="expansion_arr", split_zeros=True), currency="EUR")
    # 40 a group against a 15% baseline share could only detect 43% or more: 28 points, beyond the 20 plausible
    assert money.startswith("Not enough accounts to tell. 12 of 40 pilot accounts expanded (30.0%)")
    assert "Among the accounts above zero: Not enough accounts to tell. Median expansion ARR €6,500" in money
    nobody = describe_comparison(compare_amounts([0.0] * 30 + [5.0], [0.0] * 31, outcome="expansion_arr",
                                                 split_zeros=True))
    assert nobody.endswith("No baseline account is above zero, so the amounts cannot be compared.")


def test_every_verdict_has_words_and_none_claims_no_effect():
    cases = {
        Verdict.IMPROVED: compare_rates(208, 227, 187, 227, outcome="renewal"),
        Verdict.WORSE: compare_rates(60, 300, 30, 300, outcome="churn", higher_is_better=False),
        Verdict.NO_DETECTABLE_DIFFERENCE: compare_rates(44, 50, 40, 50, outcome="renewal"),
        Verdict.NOT_ENOUGH_ACCOUNTS: compare_rates(3, 3, 0, 3, outcome="renewal"),
        Verdict.NO_OUTCOME_DATA: compare_rates(0, 0, 3, 9, outcome="renewal"),
    }
    cases[Verdict.INCONCLUSIVE] = replace(cases[Verdict.IMPROVED], ci_low=-0.001, verdict=Verdict.INCONCLUSIVE)
    cases[Verdict.STILL_RUNNING] = replace(cases[Verdict.NO_DETECTABLE_DIFFERENCE], verdict=Verdict.STILL_RUNNING)
    assert set(cases) == set(Verdict)
    for verdict, c in cases.items():
        assert c.verdict is verdict
        text = describe_comparison(c)
        assert text.startswith(verdict_label(verdict) + ".")
        lowered = text.lower()
        assert "no effect" not in lowered and "proves" not in lowered and "proven" not in lowered
        assert "does nothing" not in lowered or "not evidence that the change does nothing" in lowered
    assert describe_comparison(cases[Verdict.NO_OUTCOME_DATA]) == (
        "No outcome data. None of the pilot accounts has outcome data for the pilot's dates, so nothing can be said.")
    assert "judged only after its end date" in describe_comparison(cases[Verdict.STILL_RUNNING])


def test_a_pilot_paragraph_opens_with_what_was_tried():
    ids = [f"A{i}" for i in range(40)]
    accounts = pd.DataFrame({"account_id": ids, "arr": [1000.0 * (i + 1) for i in range(40)]})
    tiers = pd.DataFrame({"account_id": ids, "tier": ["Tier 2"] * 40, "score": [50.0] * 40})
    outcomes = pd.DataFrame({"account_id": ids, "renewal_date": [dt.date(2025, 2, 1)] * 40,
                             "renewed": [i % 3 != 0 for i in range(40)]})
    p = make_pilot("Calls", start="2025-01-01", end="2025-03-31", outcome="renewal",
                   change="monthly calls instead of emails", change_kind="touch_model", account_ids=ids[:10])
    (result,) = evaluate_pilots([p], accounts, tiers, outcomes, as_of=dt.date(2025, 4, 1))
    assert describe_pilot(result).startswith(
        "Pilot 'Calls' (monthly calls instead of emails), 2025-01-01 to 2025-03-31, judged on renewal rate against "
        "the rest of Tier 2. Not enough accounts to tell.")
