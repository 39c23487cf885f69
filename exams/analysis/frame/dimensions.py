"""What a data set offers: its intervals, checked against what a query asks."""

import pandas as pd

from exams import fields
from exams.analysis.frame.prepare import available_intervals
from exams.query.filters import FilterError

__all__ = ["available_intervals", "available_metrics", "require_interval"]


def available_metrics(frame: pd.DataFrame) -> tuple[str, ...]:
    """Return the metrics a data set offers: the counts and its intervals."""
    return (*fields.COUNT_METRICS, *available_intervals(frame))


def require_interval(
    frame: pd.DataFrame,
    *,
    name: str,
    param: str = "metric",
    allowed: tuple[str, ...] | None = None,
) -> None:
    """Raise FilterError when ``name`` is an interval the data set lacks.

    ``allowed`` lists what the parameter accepts besides the intervals
    (the metrics by default); the message names what is available.
    """
    if name not in fields.INTERVALS:
        return
    intervals = available_intervals(frame)
    if name in intervals:
        return
    others = fields.COUNT_METRICS if allowed is None else allowed
    start, end = fields.INTERVALS[name]
    raise FilterError(
        param,
        name,
        ", ".join((*others, *intervals)),
        message=(
            f"This data set has no {name}: it needs both {start} and {end} "
            f"times. Available: {', '.join((*others, *intervals))}."
        ),
    )
