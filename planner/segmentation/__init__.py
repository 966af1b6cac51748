"""Segmentation: four-pillar scores, rules-based tiers with reasons, and dynamic re-tiering.

``segment(inputs)`` is pure computation over whole columns; see
docs/segmentation.md for the rules in plain words and the maths.
"""

from planner.segmentation.model import Segmentation, segment

__all__ = ["Segmentation", "segment"]
