"""Pilot definitions: reading what a user wrote, and the checks across pilots with their messages."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from planner.errors import UserInputError
from planner.pilots.definition import (
    Baseline,
    ChangeKind,
    Outcome,
    Period,
    check_coverage,
    check_pilots,
    keep_known_accounts,
    make_pilot,
    read_sided,
    resolve_accounts,
    split_ids,
)
from planner.pilots.rules import AccountRule
from planner.pilots.stats import Sided


def pilot(name="P", **kw):
    args = dict(start="2025-01-01", end="2025-06-30", outcome="renewal", change="Pooled CSM", change_kind="touch_model",
                account_ids="A1, A2")
    args.update(kw)
    return make_pilot(name, **args)


def test_a_pilot_from_text():
    p = pilot("Retail push", account_rule='Industry = "Retail"', account_ids=None, sided="one-sided better",
              baseline="matched", change="Scenario B", change_kind="scenario", start=dt.datetime(2025, 1, 1, 9, 30),
              end=pd.Timestamp("2025-06-30"), where="Pilots!A3")
    assert isinstance(p.accounts, AccountRule) and p.accounts.text == 'Industry = "Retail"'
    assert (p.start, p.end) == (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    assert p.sided is Sided.GREATER and p.baseline is Baseline.MATCHED
    assert p.change.kind is ChangeKind.SCENARIO and p.location == "Pilots!A3"


def test_account_ids_split_on_commas_semicolons_and_lines_without_repeats():
    assert split_ids("A1, A2;A3\nA1,, ") == ("A1", "A2", "A3")
    assert pilot(account_ids=["A9", "A8", None]).accounts == ("A9", "A8")


@pytest.mark.parametrize("outcome, written, sided", [
    (Outcome.RENEWAL, "two-sided", Sided.TWO_SIDED),
    (Outcome.RENEWAL, "One sided: better", Sided.GREATER),
    (Outcome.CHURN, "one-sided better", Sided.LESS),  # less churn is better
    (Outcome.RESOLUTION_TIME, "better", Sided.LESS),
    (Outcome.RESOLUTION_TIME, "one-sided worse", Sided.GREATER),
    (Outcome.EXPANSION_ARR, "one-sided lower", Sided.LESS),
    (Outcome.USAGE_CHANGE, "higher", Sided.GREATER),
])
def test_sides_are_read_through_the_outcome(outcome, written, sided):
    assert read_sided(written, outcome) is sided


def test_every_mistake_in_a_pilot_row_is_reported_at_once():
    with pytest.raises(UserInputError) as info:
        make_pilot("Bad", start="soon", end="2025-13-01", outcome="happiness", change="", change_kind="vibes",
                   account_ids="A1", account_rule="Region = EMEA", sided="sideways", baseline="nearby",
                   where="Pilots!A7")
    messages = [p.message for p in info.value.problems]
    assert all(p.where == "Pilots!A7" for p in info.value.problems)
    assert messages == [
        "pilot 'Bad': the outcome 'happiness' is not one TierPlan can judge",
        "pilot 'Bad': the baseline 'nearby' is not known",
        "pilot 'Bad': the kind of change 'vibes' is not known",
        "pilot 'Bad': does not say what changes for its accounts",
        "pilot 'Bad': the start date 'soon' is not a date",
        "pilot 'Bad': the end date '2025-13-01' is not a date",
        "pilot 'Bad': gives both account ids and a rule",
    ]


def test_a_rule_mistake_is_reported_with_the_pilot():
    with pytest.raises(UserInputError) as info:
        pilot("Typo", account_ids=None, account_rule="Region in EMEA", where="Pilots!A5")
    (problem,) = info.value.problems
    assert problem.where == "Pilots!A5" and problem.message.startswith("pilot 'Typo': rule 'Region in EMEA'")


@pytest.fixture()
def frame():
    return pd.DataFrame({"account_id": ["A1", "A2", "A3", "A4"], "region": ["EMEA", "NA", "EMEA", "APAC"],
                         "tier": ["T1"] * 4, "score": [1.0, 2, 3, 4], "arr": [1.0, 2, 3, 4]})


def test_checks_across_pilots(frame):
    pilots = [
        pilot("First", account_ids="A1, A2, A3"),
        pilot("Second", account_ids="A3, A2, A9, A10"),
        pilot("Nobody", account_ids=None, account_rule="Region = LATAM"),
        pilot("Backwards", account_ids="A4", start="2025-06-30", end="2025-01-01"),
        pilot("first", account_ids="A4"),
    ]
    members = {p.name: resolve_accounts(p, frame) for p in pilots}
    problems = check_pilots(pilots, members, frame["account_id"])
    assert [str(p) for p in problems] == [
        "Pilots: Second: pilot 'Second': 2 account id(s) are not in the accounts: A9, A10 "
        "(ids as written in the Account ID column)",
        "Pilots: Nobody: pilot 'Nobody' has no accounts: its rule 'Region = LATAM' matches no account "
        "(account ids from the Accounts sheet, or a rule some accounts meet)",
        "Pilots: Backwards: pilot 'Backwards': ends 2025-01-01, before it starts 2025-06-30 "
        "(an end date on or after the start date)",
        "Pilots: first: pilot 'first': the name is used by another pilot too (one name per pilot)",
        "Pilots: Second: 2 account(s) are in both pilot 'First' and pilot 'Second': A3, A2 "
        "(each account in one pilot at most, so each pilot's outcome shows its own change)",
        "Pilots: first: 1 account(s) are in both pilot 'Backwards' and pilot 'first': A4 "
        "(each account in one pilot at most, so each pilot's outcome shows its own change)",
    ]


def test_a_pilot_listing_no_ids(frame):
    p = pilot("Empty", account_ids=" , ")
    assert check_pilots([p], {"Empty": resolve_accounts(p, frame)}, frame["account_id"])[0].message == \
        "pilot 'Empty' has no accounts: it lists no account ids"


def test_many_unknown_ids_are_listed_briefly(frame):
    p = pilot("Many", account_ids=[f"X{i}" for i in range(8)])
    (problem,) = check_pilots([p], {"Many": p.accounts}, frame["account_id"])
    assert problem.message.endswith("X0, X1, X2, X3, X4 and 3 more")


@pytest.mark.parametrize("period, overlaps", [
    (Period(dt.date(2025, 7, 1), dt.date(2025, 12, 31)), False),  # data starts the day after the pilot ends
    (Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)), False),  # data ends the day before the pilot starts
    (Period(dt.date(2025, 6, 30), dt.date(2025, 12, 31)), True),  # one day in common is enough
    (Period(dt.date(2024, 1, 1), dt.date(2025, 1, 1)), True),
    (Period(None, dt.date(2025, 3, 1)), True),
])
def test_pilot_dates_against_the_outcome_data(period, overlaps):
    problem = check_coverage(pilot("Window"), period)
    assert (problem is None) == overlaps
    if not overlaps:
        assert problem.message.startswith("pilot 'Window' runs 2025-01-01 to 2025-06-30, but the renewal data covers ")
        assert problem.message.endswith(": no outcome falls in the pilot's dates")


def test_ids_another_export_does_not_hold_are_a_note_and_the_pilot_is_judged_on_the_rest():
    p = pilot(account_ids="A1, A2, Z9", where="Pilots!A4")
    kept, note = keep_known_accounts(p, ["A1", "A2", "A3"])
    assert kept.accounts == ("A1", "A2")
    assert note.where == "Pilots!A4" and "1 of its 3 account ids are not in the accounts: Z9" in note.message
    assert note.expected == "it is judged on the 2 that are"
    gone, note = keep_known_accounts(pilot(account_ids="Z1, Z2"), ["A1"])
    assert gone is None and "2 of its 2 account ids" in note.message and note.expected.startswith("it is left out")
    same, none = keep_known_accounts(p, ["A1", "A2", "Z9"])
    assert same is p and none is None
    rule = pilot(account_rule='Industry = "Retail"', account_ids=None)
    assert keep_known_accounts(rule, []) == (rule, None)  # a rule is re-read against whatever accounts there are
