"""Period arithmetic, in one place: keys, labels, spans and daily counts.

Days count from 1970-01-01 (a Thursday) and months from 1970-01, so every
period is integer arithmetic: a week is counted in Mondays, a quarter in
months. A period's label is ``YYYY-MM-DD`` (a day; a week by its Monday),
``YYYY-MM``, ``YYYY-Qn`` or ``YYYY`` (docs/API.md, "Periods");
``period_span`` reads a label back as its first and last day and
``period_name`` names dates that make a whole month, quarter or year.
"""

import calendar
import datetime as dt

import numpy as np
import pandas as pd

from exams import fields

_DAY = dt.timedelta(days=1)
_MONTHS = {"month": 1, "quarter": 3, "year": 12}
_QUARTERS = ("1", "2", "3", "4")


def unit_of(period: str) -> str:
    """Return the number a period counts in: ``day`` or ``month``."""
    return "day" if period in ("day", "week") else "month"


def period_keys(numbers: np.ndarray, *, period: str) -> np.ndarray:
    """Return the period key of day numbers (day, week) or month numbers."""
    if period == "week":
        # Day 0 is a Thursday, so week k starts on the Monday of day 7k - 3.
        return np.floor_divide(numbers + 3, 7)
    if period in ("quarter", "year"):
        return np.floor_divide(numbers, _MONTHS[period])
    return numbers


def period_labels(*, period: str, first: int, last: int) -> list[str]:
    """Return the labels of every period key from ``first`` to ``last``."""
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


def period_start(day: dt.date, *, period: str) -> dt.date:
    """Return the first day of the period (week, month, quarter, year) of ``day``."""
    if period == "day":
        return day
    if period == "week":
        return day - day.weekday() * _DAY
    months = _MONTHS[period]
    return dt.date(day.year, months * ((day.month - 1) // months) + 1, 1)


def month_end(year: int, month: int) -> dt.date:
    """Return the last day of a month."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def is_month_end(day: dt.date) -> bool:
    """Return whether ``day`` is the last day of its month."""
    return (day + _DAY).day == 1


def period_span(label: str, *, period: str) -> tuple[dt.date, dt.date]:
    """Return the first and last day of a period label; raise ValueError."""
    if period in ("day", "week"):
        first = dt.date.fromisoformat(label)
        if period == "day":
            return first, first
        if first.weekday() != 0:
            raise ValueError(f"{label} is not a Monday")
        return first, first + 6 * _DAY
    if period == "quarter":
        year, _, quarter = label.partition("-Q")
        if not (len(year) == 4 and year.isdigit()) or quarter not in _QUARTERS:
            raise ValueError(label)
        first = dt.date(int(year), 3 * int(quarter) - 2, 1)
        return first, month_end(first.year, first.month + 2)
    if period == "month":
        year, month = (int(part) for part in label.split("-"))
        return dt.date(year, month, 1), month_end(year, month)
    year = int(label)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def period_name(start: dt.date, end: dt.date) -> str:
    """Return dates as a name: ``2025``, ``2025-Q3``, ``2025-07`` or a day.

    A whole calendar year, quarter or month gets its name; one day its date;
    anything else ``first_to_last``.
    """
    if start == end:
        return start.isoformat()
    for period in ("year", "quarter", "month"):
        last_month = start.month + _MONTHS[period] - 1
        if period_start(start, period=period) == start and end == month_end(
            start.year, last_month
        ):
            return _label(start, period)
    return f"{start.isoformat()}_to_{end.isoformat()}"


def _label(day: dt.date, period: str) -> str:
    if period == "year":
        return f"{day.year:04d}"
    if period == "quarter":
        return f"{day.year:04d}-Q{(day.month + 2) // 3}"
    return f"{day.year:04d}-{day.month:02d}"


def year_earlier(day: dt.date) -> dt.date:
    """Return the same date a year earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def day_range(first: dt.date, last: dt.date) -> pd.DatetimeIndex:
    """Return every day from ``first`` to ``last`` inclusive."""
    return pd.date_range(first, last, freq="D")


def daily_counts(frame: pd.DataFrame, *, first: dt.date, last: dt.date) -> pd.Series:
    """Return exams completed per day from ``first`` to ``last`` (0 when none)."""
    counts = frame[fields.COMPLETED_AT].dt.normalize().value_counts()
    return counts.reindex(day_range(first, last), fill_value=0).astype("int64")


def week_starts(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Return the Monday of each day's week."""
    return days - pd.to_timedelta(days.day_of_week, unit="D")
