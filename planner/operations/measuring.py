"""The terms the operating figures are measured in: the period they cover, which clock an SLA counts (business or
calendar hours), the unit its target is written in, and a metric the data cannot support."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

UNITS = ("seconds", "minutes", "hours")
MINUTES_PER = {"seconds": 1 / 60, "minutes": 1.0, "hours": 60.0}
DAYS_PER_MONTH = 365 / 12

BusinessHours = bool | Mapping[tuple[str, str], bool]


@dataclass(frozen=True)
class Period:
    """The period the figures cover: ``[start, end)`` in UTC, and its dates (``start_date`` < d <= ``end_date``)."""

    start: pd.Timestamp
    end: pd.Timestamp
    start_date: np.datetime64
    end_date: np.datetime64

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400.0

    @property
    def months(self) -> float:
        return self.days / DAYS_PER_MONTH


@dataclass(frozen=True)
class MetricOff:
    """A metric that cannot be computed from the data given, and the columns that would switch it on."""

    metric: str
    needs: tuple[str, ...]  # canonical column names (any of them, when ``any_of``)
    any_of: bool = False


def sla_unit(target_seconds: float) -> str:
    """The unit a target reads best in: hours when it is whole hours, minutes when whole minutes, else seconds."""
    if target_seconds > 0 and _whole(target_seconds / 3600):
        return "hours"
    if target_seconds > 0 and _whole(target_seconds / 60):
        return "minutes"
    return "seconds"


def _whole(x: float) -> bool:
    return abs(x - round(x)) <= 1e-9 * max(1.0, abs(x))


def is_business(business_hours: BusinessHours, tier: str, severity: str) -> bool:
    if isinstance(business_hours, Mapping):
        return bool(business_hours.get((tier, severity), False))
    return bool(business_hours)
