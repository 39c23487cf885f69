"""Values present in a data set, for building the filter controls."""

import copy

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.frame import memo
from exams.analysis.frame.buckets import time_numbers
from exams.analysis.frame.prepare import available_intervals
from exams.analysis.frame.shifts import Shift

# Value lists of the data's own values, one per dimension (fields.DIMENSIONS).
_OPTION_FIELDS = {
    d.options_key: d.column
    for d in fields.DIMENSIONS
    if d.options_key and d.kind == "values"
}


def options(frame: pd.DataFrame, *, shifts: tuple[Shift, ...]) -> dict:
    """Return the filter values present, the shift names and the date range.

    Values are sorted by name (case ignored); ``date_range`` spans
    completed_at as ``YYYY-MM-DD`` (nulls when no exam has a date);
    ``intervals`` are the intervals the data set offers and ``metrics``
    every metric it offers. Worked out once per frame, shifts and
    intervals in use (every page asks; a pass over each column at 10M).
    """
    key = ("options", tuple(shifts), tuple(fields.INTERVALS.items()))
    found = memo.answers.get(frame, key, lambda: _options(frame, shifts=shifts))
    return copy.deepcopy(found)


def _options(frame: pd.DataFrame, *, shifts: tuple[Shift, ...]) -> dict:
    result = {
        key: present_values(frame[column]) if column in frame else []
        for key, column in _OPTION_FIELDS.items()
    }
    result["shifts"] = [s.name for s in shifts]
    intervals = available_intervals(frame)
    result["intervals"] = list(intervals)
    result["metrics"] = [*fields.COUNT_METRICS, *intervals]
    days = time_numbers(frame, time_field=fields.COMPLETED_AT, unit="day")
    days = days[days != fields.NO_DAY]
    result["date_range"] = {
        "start": _iso_day(days.min()) if len(days) else None,
        "end": _iso_day(days.max()) if len(days) else None,
    }
    return result


def present_values(column: pd.Series) -> list[str]:
    """Return the distinct non-empty values of a column, sorted by name."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype("category")
    codes = column.cat.codes.to_numpy()
    size = len(column.cat.categories)
    if codes.itemsize <= 2:
        # Read unsigned, a missing value (-1) is the highest code, past every
        # category: no copy of the codes without them (a third of the time).
        counts = np.bincount(codes.view(f"u{codes.itemsize}"), minlength=size)[:size]
    else:
        counts = np.bincount(codes[codes >= 0], minlength=size)
    labels = [str(c) for c in column.cat.categories[counts > 0]]
    return sorted(labels, key=str.casefold)


def _iso_day(day: int) -> str:
    return str(np.datetime64(int(day), "D"))
