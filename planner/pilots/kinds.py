"""The words a pilot comparison is described in: sides, tests, measures, units, verdicts (light: no scipy here)."""

from __future__ import annotations

from enum import StrEnum


class Sided(StrEnum):
    """Which differences the test looks for; ``GREATER`` means the pilot's values higher."""

    TWO_SIDED = "two-sided"
    GREATER = "greater"
    LESS = "less"


class HypothesisTest(StrEnum):
    FISHER = "fisher_exact"
    Z = "two_proportion_z"
    MANN_WHITNEY = "mann_whitney_u"
    WELCH = "welch_t"
    NONE = "none"


class Measure(StrEnum):
    """What ``pilot_value``/``baseline_value`` are."""

    RATE = "rate"  # share of accounts with the event (renewed, churned)
    SHARE_ABOVE_ZERO = "share_above_zero"  # share of accounts whose amount is above zero
    MEDIAN = "median"
    MEAN = "mean"


class Unit(StrEnum):
    """What ``detectable_effect`` is measured in."""

    RATE = "rate"  # the pilot rate the groups could tell apart from the baseline's
    BASELINE_SD = "baseline_sd"  # a shift in standard deviations of the baseline


class Verdict(StrEnum):
    IMPROVED = "improved"
    WORSE = "worse"
    NO_DETECTABLE_DIFFERENCE = "no_detectable_difference"
    INCONCLUSIVE = "inconclusive"
    NOT_ENOUGH_ACCOUNTS = "not_enough_accounts"
    NO_OUTCOME_DATA = "no_outcome_data"
    STILL_RUNNING = "still_running"
