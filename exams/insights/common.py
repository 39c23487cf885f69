"""Helpers shared by the insight views: valid intervals, statistics, periods."""

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from exams import fields

INTERVAL_METRICS = tuple(fields.INTERVALS)
QUANTILES = {"median": 0.5, "p75": 0.75, "p90": 0.9}
_MINUTE = pd.Timedelta(minutes=1)


class InsightError(ValueError):
    """A view that cannot be computed for this data; ``message`` says why."""

    def __init__(self, message: str, *, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class IntervalValues:
    """One interval of a frame, split the way the contract counts it.

    ``values`` holds the valid (≥ 0) minutes, indexed like the frame.
    ``pending`` exams have no end time yet; ``missing`` have an end but no
    start; ``negative`` have both ends the wrong way round.
    """

    values: pd.Series
    pending: int
    missing: int
    negative: int


def interval_values(frame: pd.DataFrame, *, metric: str) -> IntervalValues:
    """Return the valid minutes of ``metric`` and what was left out."""
    start_field, end_field = fields.INTERVALS[metric]
    minutes = frame[metric].astype("float64")
    no_end = frame[end_field].isna()
    negative = minutes < 0
    return IntervalValues(
        values=minutes[minutes.notna() & ~negative],
        pending=int(no_end.sum()),
        missing=int((frame[start_field].isna() & ~no_end).sum()),
        negative=int(negative.sum()),
    )


def statistic(
    values: pd.Series, *, stat: str, targets: pd.Series | None = None
) -> float | None:
    """Return one statistic of valid minutes (None when there are none).

    Quantiles interpolate linearly, as numpy's default; ``within`` is the
    percentage (0–100) of values at or under each exam's own target.
    """
    if values.empty:
        return None
    if stat == "mean":
        return float(values.mean())
    if stat == "within":
        if targets is None:
            raise ValueError("stat 'within' needs targets")
        return float((values <= targets.reindex(values.index)).mean() * 100)
    return float(np.quantile(values.to_numpy(), QUANTILES[stat]))


def change(current: float | None, previous: float | None) -> dict:
    """Return ``{"absolute", "percent"}`` from ``previous`` to ``current``.

    ``percent`` is relative to ``previous`` and None when it is 0 or unknown.
    """
    if current is None or previous is None:
        return {"absolute": None, "percent": None}
    absolute = current - previous
    percent = absolute / previous * 100 if previous else None
    return {"absolute": clean(absolute), "percent": clean(percent)}


def clean(value, digits: int = 4):
    """Return a float rounded for JSON (None for NaN/None), ints unchanged."""
    if value is None:
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    value = float(value)
    return None if math.isnan(value) else round(value, digits)


def group_labels(frame: pd.DataFrame, *, column: str | None) -> pd.Series:
    """Return each exam's group as text: ``All``, its value, or ``(blank)``."""
    if column is None:
        return pd.Series(fields.ALL_GROUP, index=frame.index, dtype="object")
    raw = frame[column]
    labels = raw.astype("object").where(raw.notna(), fields.BLANK_GROUP)
    return labels.map(str)


def completed_dates(frame: pd.DataFrame) -> pd.Series:
    """Return the calendar day (midnight) each exam was completed."""
    return frame[fields.COMPLETED_AT].dt.normalize()


def day_range(first: dt.date, last: dt.date) -> pd.DatetimeIndex:
    """Return every day from ``first`` to ``last`` inclusive."""
    return pd.date_range(first, last, freq="D")


def daily_counts(frame: pd.DataFrame, *, first: dt.date, last: dt.date) -> pd.Series:
    """Return exams completed per day from ``first`` to ``last`` (0 when none)."""
    days = completed_dates(frame)
    counts = days.value_counts()
    return counts.reindex(day_range(first, last), fill_value=0).astype("int64")


def minutes_between(later: pd.Series | pd.Timestamp, earlier: pd.Series) -> pd.Series:
    """Return ``later - earlier`` in minutes as floats."""
    return (later - earlier) / _MINUTE


def period_keys(times: pd.Series, *, period: str) -> pd.Series:
    """Return each time's period as a ``pandas.Period`` (weeks start Monday)."""
    return times.dt.to_period(_FREQ[period])


def period_index(first: pd.Period, last: pd.Period) -> pd.PeriodIndex:
    """Return every period from ``first`` to ``last``."""
    return pd.period_range(first, last, freq=first.freq)


def period_label(value: pd.Period, *, period: str) -> str:
    """Return the contract's label: ``YYYY-MM-DD`` (day, week's Monday),
    ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``."""
    start = value.start_time
    if period in ("day", "week"):
        return start.strftime("%Y-%m-%d")
    if period == "month":
        return start.strftime("%Y-%m")
    if period == "quarter":
        return f"{start.year}-Q{value.quarter}"
    return f"{start.year}"


_FREQ = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}


def iso_or_none(value) -> str | None:
    """Return a timestamp as ``YYYY-MM-DDTHH:MM:SS`` (None when missing)."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%S")
