"""The quarterly review pack: the plan now against the previous plan, and the changes the evidence supports."""

from planner.review.findings import Area, Change, Kind, Proposal, Review, review

__all__ = ["Area", "Change", "Kind", "Proposal", "Review", "review"]
