"""Time buckets: the period key of each exam on a time axis (docs/API.md).

Keys come from the prepared day and month numbers; ``exams.analysis.frame.periods``
turns them into weeks, quarters and years and labels them.
"""

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.frame.periods import period_keys, period_labels, unit_of
from exams.analysis.frame.prepare import day_numbers, month_numbers
from exams.analysis.frame.shifts import minute_numbers

# The series module labels its buckets through this name.
bucket_labels = period_labels


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
    numbers = time_numbers(frame, time_field=time_field, unit=unit_of(period))
    known = numbers != fields.NO_DAY
    return period_keys(numbers, period=period), known
