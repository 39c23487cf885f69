"""Derived columns added once per load, so no request recomputes them."""

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.quantiles import rank_values
from exams.analysis.shifts import Shift, assign_shifts, minute_numbers

_NAT = np.iinfo(np.int64).min
# Each interval's rank among its valid values (int32, -1 when not valid):
# quantiles of any selection then need no sort (analysis/quantiles.py).
RANK_COLUMNS = {name: f"{name}_rank" for name in fields.INTERVALS}


def prepare_frame(frame: pd.DataFrame, *, shifts: tuple[Shift, ...]) -> pd.DataFrame:
    """Return a copy of a canonical frame with shift, calendar and bucket columns.

    Adds ``shift`` / ``ordered_shift`` (categoricals in configured order),
    ``weekday`` (0 = Monday), ``is_weekend``, ``hour`` (of completed_at; -1
    when missing), day / month numbers for both time axes and each
    interval's rank (``RANK_COLUMNS``). Missing
    canonical columns are added empty and intervals computed if absent, so a
    hand-built frame works too.
    """
    out = frame.reset_index(drop=True)
    derived: dict[str, object] = {}
    for name in fields.CANONICAL_FIELDS:
        if name not in out:
            derived[name] = _empty_column(name, len(out))
    out = out.assign(**derived)
    derived = {}
    for name in fields.CATEGORY_FIELDS:
        if not isinstance(out[name].dtype, pd.CategoricalDtype):
            derived[name] = out[name].astype("category")
    for name, (start, end) in fields.INTERVALS.items():
        if name not in out:
            derived[name] = (out[end] - out[start]).dt.total_seconds() / 60
    completed = minute_numbers(out[fields.COMPLETED_AT])
    ordered = minute_numbers(out[fields.ORDERED_AT])
    known = completed != _NAT
    derived[fields.SHIFT] = assign_shifts(out[fields.COMPLETED_AT], shifts)
    derived[fields.ORDERED_SHIFT] = assign_shifts(out[fields.ORDERED_AT], shifts)
    day = day_numbers(completed)
    derived[fields.COMPLETED_DAY] = day
    derived[fields.COMPLETED_MONTH] = month_numbers(completed)
    derived[fields.ORDERED_DAY] = day_numbers(ordered)
    derived[fields.ORDERED_MONTH] = month_numbers(ordered)
    weekday = np.where(known, weekday_numbers(day), -1).astype(np.int8)
    derived[fields.WEEKDAY] = weekday
    derived[fields.IS_WEEKEND] = weekday >= 5
    derived[fields.HOUR] = np.where(known, completed % (24 * 60) // 60, -1).astype(
        np.int8
    )
    out = out.assign(**derived)
    ranks = {
        RANK_COLUMNS[name]: rank_values(
            out[name].to_numpy(dtype=np.float64, na_value=np.nan)
        )
        for name in fields.INTERVALS
    }
    return out.assign(**ranks)


def day_numbers(minutes: np.ndarray) -> np.ndarray:
    """Return days since 1970-01-01 (int32; NO_DAY where the time is missing)."""
    days = np.floor_divide(minutes, 24 * 60)
    return np.where(minutes != _NAT, days, fields.NO_DAY).astype(np.int32)


def month_numbers(minutes: np.ndarray) -> np.ndarray:
    """Return months since 1970-01 (int32; NO_DAY where the time is missing)."""
    months = minutes.view("datetime64[m]").astype("datetime64[M]").view(np.int64)
    return np.where(minutes != _NAT, months, fields.NO_DAY).astype(np.int32)


def weekday_numbers(days: np.ndarray) -> np.ndarray:
    """Return 0 = Monday … 6 = Sunday for day numbers (1970-01-01 was a Thursday)."""
    return (days.astype(np.int64) + 3) % 7


def day_number(date) -> int:
    """Return the day number of a ``datetime.date``."""
    return int(np.datetime64(date, "D").view(np.int64))


def _empty_column(name: str, length: int) -> pd.Series:
    if name in fields.TIME_FIELDS:
        return pd.Series(pd.NaT, index=range(length), dtype="datetime64[ns]")
    if name in fields.CATEGORY_FIELDS:
        return pd.Series(pd.Categorical([None] * length, categories=[]))
    return pd.Series([None] * length, dtype="string")
