"""The account-rule language: what each rule selects on a small accounts table, and the message for each mistake."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.errors import UserInputError
from planner.pilots.rules import parse_rule, select, tokenize


@pytest.fixture()
def accounts() -> pd.DataFrame:
    return pd.DataFrame({
        "account_id": ["A1", "A2", "A3", "A4", "A5", "A6"],
        "arr": [60_000.0, 40_000.0, 120_000.0, 50_000.0, np.nan, 75_000.0],
        "industry": ["Retail", "retail ", "Software", "Retail", "Retail", None],
        "region": ["EMEA", "NA", "APAC", "EMEA", "LATAM", "NA"],
        "tier": ["Tier 2", "Tier 2", "Tier 1", "Tier 3", "Tier 2", "Tier 2"],
        "score": [55.0, 61.5, 88.0, 30.0, 50.0, 70.0],
        "strategic": [False, True, True, False, False, False],
        "ARR growth %": [0.12, 0.05, 0.30, np.nan, 0.0, 0.2],
        "Health score": [70.0, 40.0, 90.0, 20.0, 65.0, 55.0],
    })


def picked(text: str, frame: pd.DataFrame) -> list[str]:
    rule = parse_rule(text, pilot="P")
    return frame["account_id"][select(rule, frame, pilot="P")].tolist()


@pytest.mark.parametrize("text, expected", [
    ('Industry = "Retail" and ARR >= 50000', ["A1", "A4"]),  # A2 is 40k; A5 has no ARR
    ("Region in (EMEA, NA)", ["A1", "A2", "A4", "A6"]),
    ('Tier = "Tier 2"', ["A1", "A2", "A5", "A6"]),
    ("Tier = Tier 2", ["A1", "A2", "A5", "A6"]),  # unquoted words next to each other are one value
    ("industry = retail", ["A1", "A2", "A4", "A5"]),  # case and surrounding spaces do not matter
    ("Region not in (EMEA, NA)", ["A3", "A5"]),
    ("ARR > 50k and ARR < 0.1m", ["A1", "A6"]),
    ("ARR >= 50_000", ["A1", "A3", "A4", "A6"]),
    ("[ARR growth %] >= 10%", ["A1", "A3", "A6"]),  # A4's growth is blank: never matches
    ("ARR growth % < 10%", ["A2", "A5"]),
    ("Health score > 60 or Region = APAC", ["A1", "A3", "A5"]),
    ('Tier = "Tier 2" and not (Region = NA or [Health score] < 60)', ["A1", "A5"]),
    ("strategic = yes", ["A2", "A3"]),
    ("Strategic != TRUE", ["A1", "A4", "A5", "A6"]),
    ("Account ID in (A3, A5)", ["A3", "A5"]),
    ("industry != Retail", ["A3"]),  # A6's industry is blank: != does not match a blank
    ("not (industry = Retail)", ["A3", "A6"]),  # not turns the whole condition round
    ("score <= 50 OR score = 88", ["A3", "A4", "A5"]),  # keywords in any case
    ("region = 'EMEA' and (tier = 'Tier 2' or tier = 'Tier 3')", ["A1", "A4"]),
])
def test_rule_selects(accounts, text, expected):
    assert picked(text, accounts) == expected


def test_and_binds_tighter_than_or(accounts):
    # a or b and c  ==  a or (b and c)
    assert picked("Region = APAC or Region = EMEA and score < 40", accounts) == ["A3", "A4"]


def test_tokens_keep_positions():
    tokens = tokenize('ARR >= 5k and Region in ("EMEA", NA)')
    assert [(t.kind, t.text, t.at) for t in tokens[:4]] == [
        ("word", "ARR", 1), ("op", ">=", 5), ("number", "5k", 8), ("word", "and", 11)]


def test_nothing_is_evaluated_as_python(accounts):
    with pytest.raises(UserInputError) as info:
        parse_rule("__import__('os').system('true')", pilot="Sneaky")
    assert "pilot 'Sneaky'" in str(info.value)


@pytest.mark.parametrize("text, says", [
    ("", "the rule is empty"),
    ('Industry = "Retail', "has no closing"),
    ("Region in EMEA", "expected '(' after 'in'"),
    ("Region in (EMEA, NA", "expected ',' or ')'"),
    ("ARR >= 50,000", "a comma outside a list"),
    ("(Region = EMEA", "is not closed"),
    ("Region EMEA", "expected an operator after the column 'Region EMEA'"),
    ("Region = ", "expected a value at the end of the rule"),
    ("= EMEA", "expected a column name"),
    ("ARR => 5", "expected a value at '>'"),
    ("ARR ! 5", "is not an operator"),
    ("[ARR = 5", "not closed or is empty"),
    ("Region = EMEA and", "expected a column name at the end of the rule"),
])
def test_parse_mistakes_name_the_pilot_and_the_place(text, says):
    with pytest.raises(UserInputError) as info:
        parse_rule(text, pilot="Retail push", where="Pilots!C4")
    (problem,) = info.value.problems
    assert problem.where == "Pilots!C4"
    assert problem.message.startswith("pilot 'Retail push': rule ")
    assert says in problem.message


@pytest.mark.parametrize("text, says, expected", [
    ("Industy = Retail", "the accounts have no column 'Industy'", "did you mean 'industry'?"),
    ("ARR >= lots", "the column 'arr' holds numbers; 'lots' is not a number", "a number"),
    ("Industry > 5", "'>' needs a number column, and 'industry' holds text", "= or !="),
    ("strategic = maybe", "holds yes/no values; 'maybe' is not one", "yes or no"),
])
def test_rules_that_do_not_fit_the_columns(accounts, text, says, expected):
    rule = parse_rule(text, pilot="P")
    with pytest.raises(UserInputError) as info:
        select(rule, accounts, pilot="P", where="Pilots!C9")
    (problem,) = info.value.problems
    assert problem.where == "Pilots!C9" and says in problem.message and expected in problem.expected
