"""Time buckets: integer keys per exam and their labels (CONTRACT §3).

Keys are computed from the prepared day and month numbers, so every period
is integer arithmetic: a week is counted in Mondays, a quarter in months.
"""

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.prepare import day_numbers, month_numbers
from exams.analysis.shifts import minute_numbers


def time_numbers(frame: pd.DataFrame, *, time_field: str, unit: str) -> np.ndarray:
    """Return the prepared day or month numbers of a time axis (int32, no copy).

    Computed on the spot when the frame was not prepared.
    """
    column = fields.TIME_AXES[time_field][unit]
    if column in frame:
        return frame[column].to_numpy().astype(np.int32, copy=False)
    minutes = minute_numbers(frame[time_field])
    return day_numbers(minutes) if unit == "day" else month_numbers(minutes)


def bucket_keys(
    frame: pd.DataFrame, *, period: str, time_field: str = fields.COMPLETED_AT
) -> tuple[np.ndarray, np.ndarray]:
    """Return (keys, known): the bucket key of each exam and where it has one."""
    unit = "day" if period in ("day", "week") else "month"
    numbers = time_numbers(frame, time_field=time_field, unit=unit)
    known = numbers != fields.NO_DAY
    if period == "week":
        # Day 0 is a Thursday, so week k starts on the Monday of day 7k - 3.
        keys = np.floor_divide(numbers + 3, 7)
    elif period == "quarter":
        keys = np.floor_divide(numbers, 3)
    elif period == "year":
        keys = np.floor_divide(numbers, 12)
    else:
        keys = numbers
    return keys, known


def bucket_labels(*, period: str, first: int, last: int) -> list[str]:
    """Return the labels of every bucket from key ``first`` to ``last``."""
    keys = np.arange(first, last + 1, dtype=np.int64)
    if period == "day":
        return keys.astype("datetime64[D]").astype(str).tolist()
    if period == "week":
        return (keys * 7 - 3).astype("datetime64[D]").astype(str).tolist()
    if period == "month":
        return keys.astype("datetime64[M]").astype(str).tolist()
    if period == "quarter":
        return [f"{1970 + k // 4}-Q{k % 4 + 1}" for k in keys.tolist()]
    return [str(1970 + k) for k in keys.tolist()]
