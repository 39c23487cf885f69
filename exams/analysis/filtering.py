"""The master filter: a boolean mask over a prepared frame (CONTRACT §4)."""

from collections.abc import Iterable

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.buckets import time_numbers
from exams.analysis.prepare import day_number, weekday_numbers
from exams.filters import FilterSpec
from exams.shifts import matches_any

# Query parameter -> column, for the text filters (shift depends on the axis).
_TEXT_FILTERS = {k: v for k, v in fields.FILTER_FIELDS.items() if k != "shift"}


def filter_mask(
    frame: pd.DataFrame, *, spec: FilterSpec, time_field: str = fields.COMPLETED_AT
) -> np.ndarray:
    """Return where a frame's exams pass the spec's filters.

    ``time_field`` picks the time axis of start, end, days and shift:
    completed_at (the default) or ordered_at for the ordered side of
    ``ordered`` and ``complete_ratio``. An exam whose time is missing fails
    every time filter; with none it passes.
    """
    mask = np.ones(len(frame), dtype=bool)
    for param, column in _TEXT_FILTERS.items():
        wanted = getattr(spec, param)
        if wanted:
            mask &= matches_any(frame[column], wanted)
    if spec.shift:
        mask &= matches_any(frame[fields.TIME_AXES[time_field]["shift"]], spec.shift)
    if spec.start or spec.end or spec.days != "all":
        days = time_numbers(frame, time_field=time_field, unit="day")
        mask &= days != fields.NO_DAY
        if spec.start:
            mask &= days >= day_number(spec.start)
        if spec.end:
            mask &= days <= day_number(spec.end)
        if spec.days != "all":
            weekend = weekday_numbers(days) >= 5
            mask &= weekend if spec.days == "weekend" else ~weekend
    return mask


def apply_filters(
    frame: pd.DataFrame,
    *,
    spec: FilterSpec,
    time_field: str = fields.COMPLETED_AT,
    columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Return the exams of a prepared frame that pass the spec's filters.

    ``columns`` keeps only those columns: copying fewer makes a large frame
    answer faster when the caller needs few.
    """
    mask = filter_mask(frame, spec=spec, time_field=time_field)
    if columns is not None:
        frame = frame[[c for c in dict.fromkeys(columns) if c in frame]]
    if mask.all():
        return frame.copy(deep=False)
    return frame[mask]
