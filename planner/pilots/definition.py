"""What a pilot is: which accounts, what changes for them, when, how it is judged, against what.

A :class:`Pilot` is typed and already validated; :func:`make_pilot` builds one
from the text a Pilots sheet row holds and raises UserInputError naming the
pilot for anything it cannot read. :func:`check_pilots` finds what is wrong
across pilots and accounts (an account in two pilots, a pilot with no
accounts, unknown account ids, an end before the start);
:func:`check_coverage` says which pilots' dates miss the outcome data.

The sides of the test are part of the definition, written before any outcome
is seen: "two-sided", or one-sided "higher", "lower", "better" or "worse"
(better and worse are read through the outcome: better renewal is higher,
better churn is lower).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from enum import StrEnum

import pandas as pd

from planner.errors import Problem, UserInputError
from planner.pilots.kinds import Sided
from planner.pilots.rules import AccountRule, parse_rule, select

MAX_LISTED = 5  # account ids named in one message before "and N more"


class Outcome(StrEnum):
    RENEWAL = "renewal"
    CHURN = "churn"
    EXPANSION_ARR = "expansion_arr"
    RESOLUTION_TIME = "resolution_time"
    USAGE_CHANGE = "usage_change"


@dataclass(frozen=True)
class OutcomeSpec:
    kind: str  # "rate" or "amount"
    higher_is_better: bool
    mean_matters: bool = False  # a money total: Welch on the mean when the groups are large
    split_zeros: bool = False  # mostly zero: the share above zero first, then the amount
    unit: str = ""  # "share", "money", "hours", "ratio"
    data: str = ""  # which outcome column or table it is computed from


OUTCOMES: dict[Outcome, OutcomeSpec] = {
    Outcome.RENEWAL: OutcomeSpec("rate", True, unit="share", data="renewed"),
    Outcome.CHURN: OutcomeSpec("rate", False, unit="share", data="churned"),
    Outcome.EXPANSION_ARR: OutcomeSpec("amount", True, mean_matters=True, split_zeros=True, unit="money",
                                       data="expansion_arr"),
    Outcome.RESOLUTION_TIME: OutcomeSpec("amount", False, unit="hours", data="tickets"),
    Outcome.USAGE_CHANGE: OutcomeSpec("amount", True, unit="ratio", data="usage_now/usage_prior"),
}


class Baseline(StrEnum):
    REST_OF_TIER = "rest_of_tier"  # every other account of the pilot's tier(s) that is in no pilot
    MATCHED = "matched"  # one account per pilot account: same tier, nearest on ARR and score


class ChangeKind(StrEnum):
    SCENARIO = "scenario"  # a scenario of the Scenarios sheet
    TOUCH_MODEL = "touch_model"
    SLA = "sla"


@dataclass(frozen=True)
class PilotChange:
    kind: ChangeKind
    description: str  # the scenario's name, or the change in the user's words
    served_as: str | None = None  # the tier whose negotiated services the pilot accounts got (None: their own)
    extra_cost: float | None = None  # what the change adds per pilot account and year, beyond ``served_as`''s services


@dataclass(frozen=True)
class Pilot:
    name: str
    accounts: tuple[str, ...] | AccountRule  # account ids, or a rule on account columns
    change: PilotChange
    start: dt.date
    end: dt.date
    outcome: Outcome
    sided: Sided = Sided.TWO_SIDED
    baseline: Baseline = Baseline.REST_OF_TIER
    where: str = ""  # where the pilot was written, for messages ("Pilots!A4"); "" for "Pilots: <name>"

    @property
    def spec(self) -> OutcomeSpec:
        return OUTCOMES[self.outcome]

    @property
    def location(self) -> str:
        return self.where or f"Pilots: {self.name}"


@dataclass(frozen=True)
class Period:
    """The dates the outcome data covers; None is open on that side."""

    start: dt.date | None
    end: dt.date | None


# ------------------------------------------------------------- parsing
_SIDES = {
    "two-sided": "two", "two sided": "two", "twosided": "two", "both": "two", "": "two",
    "one-sided higher": "higher", "higher": "higher", "greater": "higher",
    "one-sided lower": "lower", "lower": "lower", "less": "lower",
    "one-sided better": "better", "better": "better",
    "one-sided worse": "worse", "worse": "worse",
}


def read_sided(text: str | Sided, outcome: Outcome) -> Sided:
    """'two-sided', or one-sided 'higher'/'lower'/'better'/'worse' (the last two read through the outcome)."""
    if isinstance(text, Sided):
        return text
    key = " ".join(str(text or "").replace("_", " ").replace(":", " ").casefold().split())
    key = key.replace("one sided", "one-sided").replace("two sided", "two-sided")
    side = _SIDES.get(key)
    if side is None:
        raise ValueError(text)
    better_up = OUTCOMES[outcome].higher_is_better
    return {"two": Sided.TWO_SIDED, "higher": Sided.GREATER, "lower": Sided.LESS,
            "better": Sided.GREATER if better_up else Sided.LESS,
            "worse": Sided.LESS if better_up else Sided.GREATER}[side]


def _date(value: object) -> dt.date:
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            raise ValueError(value)
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        return dt.date.fromisoformat(value.strip()[:10])
    raise ValueError(value)


def split_ids(text: str | Iterable[str]) -> tuple[str, ...]:
    """Account ids from a list, or from text separated by commas, semicolons or new lines; blanks dropped."""
    if isinstance(text, str):
        parts = text.replace(";", ",").replace("\n", ",").split(",")
    else:
        parts = [str(p) for p in text if p is not None and not (isinstance(p, float) and pd.isna(p))]
    return tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))


def make_pilot(name: str, *, start: object, end: object, outcome: str | Outcome, change: str, change_kind: str | ChangeKind,
               account_ids: str | Iterable[str] | None = None, account_rule: str | None = None,
               sided: str | Sided = "two-sided", baseline: str | Baseline = "rest_of_tier",
               where: str = "", served_as: str | None = None, extra_cost: float | None = None) -> Pilot:
    """A Pilot from what a user wrote; every problem found raises one UserInputError naming the pilot."""
    name = str(name or "").strip()
    label = name or "(no name)"
    location = where or f"Pilots: {label}"
    problems: list[Problem] = []

    def bad(message: str, expected: str = "") -> None:
        problems.append(Problem(location, f"pilot '{label}': {message}", expected))

    if not name:
        bad("has no name", "a short name for the pilot")
    try:
        outcome_ = Outcome(str(outcome.value if isinstance(outcome, Outcome) else outcome).strip().casefold())
    except ValueError:
        outcome_ = None
        bad(f"the outcome '{outcome}' is not one TierPlan can judge", ", ".join(o.value for o in Outcome))
    sided_ = Sided.TWO_SIDED
    if outcome_ is not None:
        try:
            sided_ = read_sided(sided, outcome_)
        except ValueError:
            bad(f"the sides '{sided}' are not understood",
                "two-sided, or one-sided higher, lower, better or worse (fixed before the data is seen)")
    try:
        baseline_ = Baseline(str(baseline.value if isinstance(baseline, Baseline) else baseline).strip().casefold())
    except ValueError:
        baseline_ = Baseline.REST_OF_TIER
        bad(f"the baseline '{baseline}' is not known", "rest_of_tier or matched")
    try:
        kind = ChangeKind(str(change_kind.value if isinstance(change_kind, ChangeKind) else change_kind)
                          .strip().casefold().replace(" ", "_"))
    except ValueError:
        kind = ChangeKind.SCENARIO
        bad(f"the kind of change '{change_kind}' is not known", "scenario, touch_model or sla")
    if not str(change or "").strip():
        bad("does not say what changes for its accounts", "a scenario name, or the touch model or SLA change")
    dates: list[dt.date | None] = []
    for label_, value in (("start", start), ("end", end)):
        try:
            dates.append(_date(value))
        except ValueError:
            dates.append(None)
            bad(f"the {label_} date '{value}' is not a date", "a date such as 2025-01-31")
    has_ids = account_ids is not None and len(split_ids(account_ids)) > 0
    has_rule = account_rule is not None and str(account_rule).strip() != ""
    accounts: tuple[str, ...] | AccountRule = ()
    if has_ids and has_rule:
        bad("gives both account ids and a rule", "one of them")
    elif has_rule:
        try:
            accounts = parse_rule(str(account_rule), pilot=label, where=location)
        except UserInputError as error:
            problems.extend(error.problems)
    elif has_ids and account_ids is not None:
        accounts = split_ids(account_ids)
    if problems:
        raise UserInputError(problems)
    start_, end_ = dates
    assert start_ is not None and end_ is not None and outcome_ is not None  # each None came with a problem
    change_ = PilotChange(kind, str(change).strip(), served_as=served_as or None,
                          extra_cost=None if extra_cost is None else float(extra_cost))
    return Pilot(name=name, accounts=accounts, change=change_, start=start_,
                 end=end_, outcome=outcome_, sided=sided_, baseline=baseline_, where=where)


# ------------------------------------------------------------- accounts
def resolve_accounts(pilot: Pilot, frame: pd.DataFrame) -> tuple[str, ...]:
    """The pilot's account ids: the rule applied to ``frame`` (in its row order), or the listed ids as given."""
    if isinstance(pilot.accounts, AccountRule):
        mask = select(pilot.accounts, frame, pilot=pilot.name, where=pilot.location)
        return tuple(frame["account_id"].astype(str).to_numpy()[mask])
    return tuple(pilot.accounts)


def id_set(ids: Iterable[str]) -> AbstractSet[str]:
    """The account ids as a set of text, made once: a set passes through (a million ids take a second to gather)."""
    if isinstance(ids, (set, frozenset)):
        return ids
    if isinstance(ids, pd.Series):
        return frozenset(ids.astype(str).tolist())
    return frozenset(map(str, ids))


def _listed(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:MAX_LISTED])
    return shown + (f" and {len(ids) - MAX_LISTED} more" if len(ids) > MAX_LISTED else "")


def keep_known_accounts(pilot: Pilot, known_ids: Iterable[str]) -> tuple[Pilot | None, Problem | None]:
    """A pilot that lists account ids, kept to the ids the accounts hold: (pilot or None, a note or None).

    Ids the accounts do not hold are named in a note (the accounts may come from
    another export than the one the pilot was written against); the pilot is
    judged on the rest, or left out when none is left. A rule is kept as written.
    """
    if isinstance(pilot.accounts, AccountRule):
        return pilot, None
    known = id_set(known_ids)
    unknown = [i for i in pilot.accounts if i not in known]
    if not unknown:
        return pilot, None
    kept = tuple(i for i in pilot.accounts if i in known)
    what = f"{len(unknown)} of its {len(pilot.accounts)} account ids are not in the accounts: {_listed(unknown)}"
    if not kept:
        return None, Problem(pilot.location, f"pilot '{pilot.name}': {what}", "it is left out; ids as written in the Account ID column")
    return replace(pilot, accounts=kept), Problem(pilot.location, f"pilot '{pilot.name}': {what}",
                                                  f"it is judged on the {len(kept)} that are")


def check_pilots(pilots: Sequence[Pilot], members: Mapping[str, tuple[str, ...]],
                 known_ids: Iterable[str]) -> list[Problem]:
    """What is wrong across the pilots; ``members`` maps each pilot's name to its resolved account ids.

    Pilot names twice, end before start, no accounts, unknown account ids, and
    accounts in more than one pilot (an account's outcome can show one
    change only, so a second pilot would judge the first's effect).
    """
    problems: list[Problem] = []
    known = id_set(known_ids)
    seen_names: dict[str, Pilot] = {}
    owner: dict[str, str] = {}
    shared: dict[tuple[str, str], list[str]] = {}
    for pilot in pilots:
        where = pilot.location
        key = pilot.name.casefold()
        if key in seen_names:
            problems.append(Problem(where, f"pilot '{pilot.name}': the name is used by another pilot too",
                                    "one name per pilot"))
        seen_names.setdefault(key, pilot)
        if pilot.end < pilot.start:
            problems.append(Problem(where, f"pilot '{pilot.name}': ends {pilot.end.isoformat()}, before it starts "
                                           f"{pilot.start.isoformat()}", "an end date on or after the start date"))
        ids = members.get(pilot.name, ())
        if not ids:
            how = (f"its rule {pilot.accounts.text!r} matches no account" if isinstance(pilot.accounts, AccountRule)
                   else "it lists no account ids")
            problems.append(Problem(where, f"pilot '{pilot.name}' has no accounts: {how}",
                                    "account ids from the Accounts sheet, or a rule some accounts meet"))
            continue
        unknown = [i for i in ids if i not in known]
        if unknown:
            problems.append(Problem(where, f"pilot '{pilot.name}': {len(unknown)} account id(s) are not in the "
                                           f"accounts: {_listed(unknown)}", "ids as written in the Account ID column"))
        for account in ids:
            first = owner.setdefault(account, pilot.name)
            if first != pilot.name:
                shared.setdefault((first, pilot.name), []).append(account)
    for (first, second), accounts in shared.items():
        where = next(p.location for p in pilots if p.name == second)
        problems.append(Problem(where, f"{len(accounts)} account(s) are in both pilot '{first}' and pilot "
                                       f"'{second}': {_listed(accounts)}",
                                "each account in one pilot at most, so each pilot's outcome shows its own change"))
    return problems


def check_coverage(pilot: Pilot, period: Period) -> Problem | None:
    """A problem when the pilot's dates do not overlap the outcome data's period (nothing can be judged)."""
    starts_after = period.end is not None and pilot.start > period.end
    ends_before = period.start is not None and pilot.end < period.start
    if not (starts_after or ends_before):
        return None
    covered = " to ".join(d.isoformat() if d else "..." for d in (period.start, period.end))
    return Problem(pilot.location,
                   f"pilot '{pilot.name}' runs {pilot.start.isoformat()} to {pilot.end.isoformat()}, but the "
                   f"{pilot.outcome.value} data covers {covered}: no outcome falls in the pilot's dates",
                   "outcome data for the pilot's period, or the pilot's real dates")
