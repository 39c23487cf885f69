"""Values present in a data set, for building the filter controls."""

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.buckets import time_numbers
from exams.analysis.shifts import Shift

_OPTION_FIELDS = {
    "modalities": fields.MODALITY,
    "priorities": fields.PRIORITY,
    "physicians": fields.ORDERING_PHYSICIAN,
    "patient_classes": fields.PATIENT_CLASS,
}


def options(frame: pd.DataFrame, *, shifts: tuple[Shift, ...]) -> dict:
    """Return the filter values present, the shift names and the date range.

    Values are sorted by name (case ignored); ``date_range`` spans
    completed_at as ``YYYY-MM-DD`` (nulls when no exam has a date).
    """
    result = {
        key: present_values(frame[column]) for key, column in _OPTION_FIELDS.items()
    }
    result["shifts"] = [s.name for s in shifts]
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
    counts = np.bincount(
        column.cat.codes.to_numpy()[column.cat.codes.to_numpy() >= 0],
        minlength=len(column.cat.categories),
    )
    labels = [str(c) for c in column.cat.categories[counts > 0]]
    return sorted(labels, key=str.casefold)


def _iso_day(day: int) -> str:
    return str(np.datetime64(int(day), "D"))
