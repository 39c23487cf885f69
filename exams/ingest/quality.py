"""The quality report of CONTRACT §4, computed from a canonical frame."""

from collections.abc import Iterable

import numpy as np
import pandas as pd

from exams import fields


def quality_report(
    frame: pd.DataFrame,
    *,
    mapped: Iterable[str],
    unparseable: pd.DataFrame | None = None,
    duplicates: int = 0,
    cancelled: int = 0,
) -> dict:
    """Return ``{"duplicates", "cancelled", "unparseable", "missing", "negative"}``.

    Counts are over the rows of ``frame`` (the loaded exams). Every field in
    ``mapped`` (the file's columns) is reported, zeros included; time fields
    also under ``unparseable``. ``unparseable`` is a boolean frame aligned
    with ``frame`` marking values that were present but not a date; they
    are NaT in the frame but are not counted as missing. ``negative`` always
    lists the three intervals, and an optional one (prelim) when the file
    has both its times.
    """
    mapped = set(mapped)
    present = [f for f in fields.CANONICAL_FIELDS if f in mapped]
    unreadable = {
        f: int(unparseable[f].sum())
        if unparseable is not None and f in unparseable.columns
        else 0
        for f in present
        if f in fields.TIME_FIELDS
    }
    missing = {f: int(frame[f].isna().sum()) - unreadable.get(f, 0) for f in present}
    negative = {}
    for interval in fields.INTERVAL_LIST:
        metric, start, end = interval.name, interval.start, interval.end
        if interval.optional and not {start, end} <= mapped:
            continue  # the file lacks one of its times: no such interval
        if metric in frame.columns:
            values = frame[metric].to_numpy(dtype=float)
        else:
            values = (frame[end] - frame[start]).dt.total_seconds().to_numpy()
        negative[metric] = int(np.sum(values < 0))
    return {
        "duplicates": int(duplicates),
        "cancelled": int(cancelled),
        "unparseable": unreadable,
        "missing": missing,
        "negative": negative,
    }
