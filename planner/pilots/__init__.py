"""Pilots of touch models: which accounts, against which baseline, judged by which test, and the verdict.

stats       tests, intervals, detectable effects, verdicts (pure numbers)
rules       the "which accounts" rule language (own parser, never eval)
definition  the Pilot dataclass, reading a pilot row, checks across pilots
matching    the matched baseline (same tier, nearest ARR and score)
evaluate    evaluate_pilots(...) -> list[PilotResult], Holm-adjusted
words       verdicts in plain words
demo        the demo pilot with an effect built in

Rules and what the tool never claims: docs/pilots.md.
"""
