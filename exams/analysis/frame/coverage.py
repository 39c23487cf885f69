"""Which days, weeks and months the export covers only in part.

Real exports stop part-way through a day (the export ran at 02:35) or begin
mid-day. The rule, decided from the data (docs/API.md, "Partial periods"):

- The *inner* days are those strictly between the first and the last day of
  ``completed_at``. Each has a first and a last completion time of day.
- The early end of a usual day is the 10th percentile of the inner days'
  last completion times, over the inner days of the same weekday as the last
  day when there are at least ``MIN_SAME_WEEKDAY`` of them (a Saturday that
  ends at noon is then judged against Saturdays), else over all inner days.
  A low percentile, not the median: in a small department the last exam of a
  whole day varies by hours, and only a day that stops earlier than nearly
  every other is cut short.
- The last day is *partial* when its latest completion is more than
  ``MARGIN_MINUTES`` before that time. The first day likewise when its
  earliest completion is more than ``MARGIN_MINUTES`` after the 90th
  percentile of the inner days' first completion times. With fewer than
  ``MIN_INNER_DAYS`` inner days nothing is judged partial (too little to
  know what a usual day looks like).
- A week, month, quarter or year is partial when it holds a partial day or
  when the covered dates start or end inside it.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.frame import memo
from exams.analysis.frame.periods import period_span
from exams.analysis.frame.shifts import minute_numbers

MARGIN_MINUTES = 60
MIN_INNER_DAYS = 3
MIN_SAME_WEEKDAY = 4
EARLY_END, LATE_START = 0.1, 0.9
_DAY = dt.timedelta(days=1)
# Inner days read from a grid of days × minutes (1,440 bytes a day) up to
# this many (~40 years, 21 MB); beyond, grouped.
_GRID_DAYS = 15_000
_DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class Coverage:
    """The dates an export covers and whether its first or last day is whole."""

    first_day: dt.date
    last_day: dt.date
    first_time: dt.datetime
    last_time: dt.datetime
    first_partial: bool = False
    last_partial: bool = False

    @property
    def last_complete_day(self) -> dt.date:
        """Return the last day the export covers whole."""
        if self.last_partial and self.last_day > self.first_day:
            return self.last_day - _DAY
        return self.last_day

    def note(self) -> str | None:
        """Return why comparisons stop before the last day, or None."""
        if not self.last_partial:
            return None
        return (
            f"Counting to {_day_name(self.last_complete_day)}: the export ends "
            f"at {self.last_time:%H:%M} on {_short(self.last_day)}"
        )

    def as_json(self) -> dict:
        """Return the coverage for an API answer (docs/API.md)."""
        return {
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "first_partial": self.first_partial,
            "last_partial": self.last_partial,
            "last_complete_day": self.last_complete_day.isoformat(),
            "note": self.note(),
        }

    def partial_flags(
        self,
        labels: list[str],
        *,
        period: str,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> list[bool]:
        """Return, per period label, whether the covered dates hold it only in part.

        ``start``/``end`` (a date filter) narrow the covered dates further.
        """
        low = max(self.first_day, start) if start else self.first_day
        high = min(self.last_day, end) if end else self.last_day
        flags = []
        for label in labels:
            first, last = period_span(label, period=period)
            flags.append(
                first < low
                or last > high
                or (self.first_partial and low == self.first_day and first <= low)
                or (self.last_partial and high == self.last_day and last >= high)
            )
        return flags

    def day_flags(self, labels: list[str]) -> list[bool]:
        """Return, per day label, whether it is the partial first or last day."""
        first = self.first_day.isoformat() if self.first_partial else None
        last = self.last_day.isoformat() if self.last_partial else None
        return [label in (first, last) for label in labels]


def coverage(frame: pd.DataFrame) -> Coverage | None:
    """Return the export's coverage from every exam's ``completed_at``."""
    minutes = minute_numbers(frame[fields.COMPLETED_AT])
    minutes = minutes[minutes != np.iinfo(np.int64).min]
    if minutes.size == 0:
        return None
    first_minute, last_minute = int(minutes.min()), int(minutes.max())
    first_day, last_day = first_minute // _DAY_MINUTES, last_minute // _DAY_MINUTES
    earliest, latest = _inner_day_times(minutes, first_day=first_day, last_day=last_day)
    first_partial = last_partial = False
    if len(latest) >= MIN_INNER_DAYS:
        usual_last = _usual(latest, weekday_of=last_day, quantile=EARLY_END)
        usual_first = _usual(earliest, weekday_of=first_day, quantile=LATE_START)
        last_partial = last_minute % _DAY_MINUTES < usual_last - MARGIN_MINUTES
        first_partial = first_minute % _DAY_MINUTES > usual_first + MARGIN_MINUTES
    return Coverage(
        first_day=_date(first_day),
        last_day=_date(last_day),
        first_time=_time(first_minute),
        last_time=_time(last_minute),
        first_partial=bool(first_partial),
        last_partial=bool(last_partial),
    )


def _inner_day_times(
    minutes: np.ndarray, *, first_day: int, last_day: int
) -> tuple[pd.Series, pd.Series]:
    """Return each inner day's earliest and latest completion, minutes of the day.

    Both indexed by day number, for the inner days that have exams. Over
    at most ``_GRID_DAYS`` days, a grid of days × minutes of the day marks
    the minutes that have an exam (one pass over the exams instead of a
    grouping: 10M exams in ~0.1 s instead of ~0.5 s); longer spans group.
    """
    inner_days = last_day - first_day - 1
    if inner_days <= 0:
        empty = pd.Series([], dtype=np.int64)
        return empty, empty
    if inner_days > _GRID_DAYS:
        days = np.floor_divide(minutes, _DAY_MINUTES)
        inner = (days > first_day) & (days < last_day)
        per_day = pd.Series(minutes[inner] - days[inner] * _DAY_MINUTES).groupby(
            days[inner]
        )
        return per_day.min(), per_day.max()
    base = (first_day + 1) * _DAY_MINUTES
    at = minutes - base
    at = at[(at >= 0) & (at < inner_days * _DAY_MINUTES)]
    grid = np.zeros((inner_days, _DAY_MINUTES), dtype=bool)
    grid.ravel()[at] = True
    del at
    present = np.flatnonzero(grid.any(axis=1))
    grid = grid[present]
    index = pd.Index(present + first_day + 1, dtype=np.int64)
    earliest = pd.Series(grid.argmax(axis=1).astype(np.int64), index=index)
    last = _DAY_MINUTES - 1 - grid[:, ::-1].argmax(axis=1)
    return earliest, pd.Series(last.astype(np.int64), index=index)


def data_coverage(frame: pd.DataFrame) -> Coverage | None:
    """Return ``coverage(frame)``, computed once per prepared frame.

    Kept beside the frame (exams.analysis.frame.memo), never keeping it.
    """
    return memo.answers.get(frame, ("coverage",), lambda: coverage(frame))


def _usual(times: pd.Series, *, weekday_of: int, quantile: float) -> float:
    """Return a quantile of the times of day, over the same weekday when enough."""
    # Day 0 (1970-01-01) is a Thursday: weekday 3 with Monday = 0.
    weekdays = (times.index.to_numpy() + 3) % 7
    same = times[weekdays == (weekday_of + 3) % 7]
    chosen = same if len(same) >= MIN_SAME_WEEKDAY else times
    return float(chosen.quantile(quantile))


def _date(day: int) -> dt.date:
    return dt.date(1970, 1, 1) + day * _DAY


def _time(minute: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1) + dt.timedelta(minutes=minute)


def _day_name(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _short(day: dt.date) -> str:
    return f"{day.day} {day:%b}"
