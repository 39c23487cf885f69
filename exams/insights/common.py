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


@dataclass(frozen=True)
class Groups:
    """Each exam's group as a code into ``names`` (vectorised, no strings)."""

    codes: np.ndarray
    names: list[str]

    def counts(self) -> np.ndarray:
        """Return the number of exams of each name."""
        return np.bincount(self.codes, minlength=len(self.names))

    def ranked(self) -> list[int]:
        """Return the codes present, largest group first, ties by name."""
        counts = self.counts()
        present = np.flatnonzero(counts)
        return sorted(present.tolist(), key=lambda c: (-counts[c], self.names[c]))


def groups_of(frame: pd.DataFrame, *, column: str | None) -> Groups:
    """Return each exam's group: ``All``, its value, or ``(blank)`` when empty."""
    if column is None:
        return Groups(np.zeros(len(frame), dtype=np.int64), [fields.ALL_GROUP])
    raw = frame[column]
    if not isinstance(raw.dtype, pd.CategoricalDtype):
        raw = raw.astype("category")
    codes = raw.cat.codes.to_numpy().astype(np.int64)
    names = [str(name) for name in raw.cat.categories]
    missing = codes < 0
    if missing.any():
        names.append(fields.BLANK_GROUP)
        codes[missing] = len(names) - 1
    return Groups(codes, names)


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


def period_starts(times: pd.Series, *, period: str) -> np.ndarray:
    """Return the first day of each (known) time's period as datetime64.

    Weeks start on Monday; the unit is days for day and week, months for
    month and quarter, years for year.
    """
    days = times.to_numpy().astype("datetime64[D]")
    if period == "day":
        return days
    if period == "week":
        numbers = days.view(np.int64)
        # 1970-01-01 was a Thursday: (n + 3) % 7 is 0 on Mondays.
        return (numbers - (numbers + 3) % 7).view("datetime64[D]")
    if period == "year":
        return days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    if period == "quarter":
        numbers = months.view(np.int64)
        return (numbers - numbers % 3).view("datetime64[M]")
    return months


def period_sequence(first: np.datetime64, last: np.datetime64, *, period: str):
    """Return every period start from ``first`` to ``last`` inclusive."""
    step = {"week": 7, "quarter": 3}.get(period, 1)
    return np.arange(first, last + step, step)


def period_label(start: np.datetime64, *, period: str) -> str:
    """Return the contract's label: ``YYYY-MM-DD`` (day, week's Monday),
    ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``."""
    text = str(start)
    if period == "quarter":
        return f"{text[:4]}-Q{(int(text[5:7]) - 1) // 3 + 1}"
    return text


def iso_or_none(value) -> str | None:
    """Return a timestamp as ``YYYY-MM-DDTHH:MM:SS`` (None when missing)."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%S")
