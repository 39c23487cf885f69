"""Derived columns added once per load, so no request recomputes them."""

from collections.abc import Mapping

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.frame.shifts import Shift, assign_shifts, minute_numbers
from exams.analysis.frame.target_kinds import TARGET_KIND, kind_codes
from exams.analysis.quantiles import rank_values

_NAT = np.iinfo(np.int64).min
# The hour of each minute of the day.
_HOURS = (np.arange(24 * 60) // 60).astype(np.int8)
# Each interval's rank among its valid values (int32, -1 when not valid):
# quantiles of any selection then need no sort (analysis/quantiles.py).
RANK_COLUMNS = {name: f"{name}_rank" for name in fields.BUILT_IN}


def rank_column(name: str) -> str:
    """Return the rank column of an interval, built-in or custom."""
    return RANK_COLUMNS.get(name, f"{name}_rank")


def prepare_frame(
    frame: pd.DataFrame,
    *,
    shifts: tuple[Shift, ...],
    ranks: Mapping[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Return a copy of a canonical frame with shift, calendar and bucket columns.

    Adds ``shift`` / ``ordered_shift`` (categoricals in configured order),
    ``weekday`` (0 = Monday), ``is_weekend``, ``day_type`` /
    ``ordered_day_type`` (weekday or weekend), ``hour`` (of completed_at; -1
    when missing), day / month numbers for both time axes, each
    available interval's rank (``RANK_COLUMNS``) and each exam's kind for
    its targets (``TARGET_KIND``, unless its fields have too many values). Missing
    canonical columns are added empty and intervals computed if absent, so a
    hand-built frame works too. ``ranks``: rank columns already known for
    this frame's minutes (`exams.storage.ranks`), by column name.
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
    for name, (start, end) in fields.BUILT_IN.items():
        if name not in out:
            derived[name] = (out[end] - out[start]).dt.total_seconds() / 60
    completed = minute_numbers(out[fields.COMPLETED_AT])
    ordered = minute_numbers(out[fields.ORDERED_AT])
    known = completed != _NAT
    derived[fields.SHIFT] = assign_shifts(
        out[fields.COMPLETED_AT], shifts, minutes=completed
    )
    derived[fields.ORDERED_SHIFT] = assign_shifts(
        out[fields.ORDERED_AT], shifts, minutes=ordered
    )
    day = day_numbers(completed)
    derived[fields.COMPLETED_DAY] = day
    derived[fields.COMPLETED_MONTH] = months_of_days(day)
    derived[fields.ORDERED_DAY] = day_numbers(ordered)
    derived[fields.ORDERED_MONTH] = months_of_days(derived[fields.ORDERED_DAY])
    weekday = np.where(known, weekday_numbers(day), -1).astype(np.int8)
    derived[fields.WEEKDAY] = weekday
    derived[fields.IS_WEEKEND] = weekday >= 5
    derived[fields.DAY_TYPE] = day_types(day)
    derived[fields.ORDERED_DAY_TYPE] = day_types(derived[fields.ORDERED_DAY])
    hour = _HOURS.take(np.remainder(completed, 24 * 60))
    derived[fields.HOUR] = np.where(known, hour, np.int8(-1))
    out = out.assign(**derived)
    kinds = kind_codes(out)
    derived = {} if kinds is None else {TARGET_KIND: kinds}
    known_ranks = ranks or {}
    for name in _offered(out, fields.BUILT_IN_INTERVALS):
        column = RANK_COLUMNS[name]
        derived[column] = known_ranks.get(column)
        if derived[column] is None:
            minutes = out[name].to_numpy(dtype=np.float64, na_value=np.nan)
            derived[column] = rank_values(minutes)
    return out.assign(**derived)


def available_intervals(frame: pd.DataFrame) -> tuple[str, ...]:
    """Return the intervals a data set offers, in declared order.

    The three contract intervals always; an optional one (prelim) only when
    some exam has both its times, so a file without preliminary times shows
    no prelim TAT at all rather than an empty one. Pass the whole data set,
    not a selection: what is offered must not change with the filters.
    """
    return _offered(frame, fields.INTERVAL_LIST)


def _offered(frame: pd.DataFrame, declared) -> tuple[str, ...]:
    return tuple(
        i.name
        for i in declared
        if i.name in frame
        and (not i.optional or _has_value(frame[i.name]))
        # A custom interval is measured on the frames that answer a query
        # (exams.storage.measured); on another, its two times tell.
        or i.name not in frame
        and i.name not in fields.BUILT_IN
        and _both(frame, i)
    )


def _both(frame: pd.DataFrame, interval: fields.Interval) -> bool:
    if interval.start not in frame or interval.end not in frame:
        return False
    return bool((frame[interval.start].notna() & frame[interval.end].notna()).any())


def _has_value(column: pd.Series) -> bool:
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    # Most data sets with the times have them early: look there first.
    head = values[:4096]
    return not np.isnan(head).all() or not np.isnan(values).all()


def day_types(days: np.ndarray) -> pd.Categorical:
    """Return ``weekday`` / ``weekend`` of day numbers (missing for NO_DAY)."""
    codes = (weekday_numbers(days) >= 5).astype(np.int8)
    codes[days == fields.NO_DAY] = -1
    return pd.Categorical.from_codes(codes, categories=list(fields.DAY_TYPES))


def day_numbers(minutes: np.ndarray) -> np.ndarray:
    """Return days since 1970-01-01 (int32; NO_DAY where the time is missing)."""
    days = np.floor_divide(minutes, 24 * 60)
    return np.where(minutes != _NAT, days, fields.NO_DAY).astype(np.int32)


def month_numbers(minutes: np.ndarray) -> np.ndarray:
    """Return months since 1970-01 (int32; NO_DAY where the time is missing)."""
    return months_of_days(day_numbers(minutes))


def months_of_days(days: np.ndarray) -> np.ndarray:
    """Return the month (since 1970-01) of day numbers; NO_DAY stays NO_DAY.

    Each day from the first to the last is given its month once, in a
    table the exams then look up: numpy's calendar conversion of every exam
    took ~0.1 s per million.
    """
    known = days != fields.NO_DAY
    if not known.any():
        return np.full(len(days), fields.NO_DAY, dtype=np.int32)
    first = int(days.min(initial=np.iinfo(np.int32).max, where=known))
    last = int(days.max())
    span = np.arange(first, last + 1, dtype=np.int64)
    table = span.astype("datetime64[D]").astype("datetime64[M]").view(np.int64)
    at = np.where(known, days - np.int32(first), 0)
    return np.where(known, table.astype(np.int32)[at], fields.NO_DAY).astype(np.int32)


def weekday_numbers(days: np.ndarray) -> np.ndarray:
    """Return 0 = Monday … 6 = Sunday for day numbers (1970-01-01 was a Thursday)."""
    return (days + 3) % 7


def day_number(date) -> int:
    """Return the day number of a ``datetime.date``."""
    return int(np.datetime64(date, "D").view(np.int64))


def _empty_column(name: str, length: int) -> pd.Series:
    if name in fields.TIME_FIELDS:
        return pd.Series(pd.NaT, index=range(length), dtype="datetime64[ns]")
    if name in fields.CATEGORY_FIELDS:
        return pd.Series(pd.Categorical([None] * length, categories=[]))
    return pd.Series([None] * length, dtype="string")
