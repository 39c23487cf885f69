"""This range against another: headline numbers, their change, daily series.

Ranges are whole days of ``completed_at``, both ends inclusive.

- ``previous``: the same number of days immediately before the range.
- ``last_year``: the same dates one year earlier. 29 February becomes
  28 February; a range of whole calendar months (from the 1st to a month's
  last day) maps to the same whole months, so February 2025 (28 days) is
  compared with February 2024 (29 days).
- With no start and no end filter the range is the last 28 days of the data
  set (ending on its last completion date): the full data set against the
  same length before it would compare against nothing. With only a start,
  the range runs to the data set's last day; with only an end, from its
  first day.
- Both ranges lie within the years 1678–2261 (the dates a timestamp can
  hold) and span at most ten years (a day-by-day chart of more says
  nothing); other dates are refused as a bad query (400).
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.frame.periods import (
    daily_counts,
    is_month_end,
    month_end,
    year_earlier,
)
from exams.analysis.stats import clean, split_intervals, statistic
from exams.query.filters import FilterError

AGAINST = ("previous", "last_year")
DEFAULT_DAYS = 28
OVERVIEW_WINDOWS = (7, 28)
MAX_DAYS = 3653
FIRST_DAY, LAST_DAY = dt.date(1678, 1, 1), dt.date(2261, 12, 31)
_DAY = dt.timedelta(days=1)
# Each exam's target in minutes: one series for every interval, or one per
# interval (targets are set per interval).
Limits = pd.Series | Mapping[str, pd.Series]


def _for(targets: Limits, metric: str) -> pd.Series:
    return targets[metric] if isinstance(targets, Mapping) else targets


@dataclass(frozen=True)
class DateRange:
    """Whole days from ``start`` to ``end``, both inclusive."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        """Return the number of days in the range."""
        return (self.end - self.start).days + 1

    def as_json(self) -> dict:
        """Return ``{"start", "end", "days"}`` with ISO dates."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": self.days,
        }


def resolve_range(
    *,
    start: dt.date | None,
    end: dt.date | None,
    first_day: dt.date,
    last_day: dt.date,
    default_days: int = DEFAULT_DAYS,
) -> tuple[DateRange, bool]:
    """Return the range to report and whether it is the default (last N days)."""
    if start is None and end is None:
        return DateRange(last_day - (default_days - 1) * _DAY, last_day), True
    if end is None:
        end = max(start, last_day)
    if start is None:
        start = min(first_day, end)
    return DateRange(start, end), False


def comparison_range(current: DateRange, *, against: str) -> DateRange:
    """Return the range ``current`` is compared with; raise FilterError when
    either range is too long or beyond the dates that can be compared."""
    if current.days > MAX_DAYS:
        raise FilterError(
            "start",
            current.start.isoformat(),
            f"a range of at most {MAX_DAYS:,} days to compare",
            message=(
                f"{current.start.isoformat()} to {current.end.isoformat()} is "
                f"{current.days:,} days; compare ranges of at most {MAX_DAYS:,} "
                "days (ten years): choose a later start or an earlier end."
            ),
        )
    other = _other_range(current, against=against)
    for day in (other.start, current.end):
        if not FIRST_DAY <= day <= LAST_DAY:
            raise FilterError(
                "start" if day == other.start else "end",
                day.isoformat(),
                f"dates from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}",
                message=(
                    f"Comparing {current.start.isoformat()} to "
                    f"{current.end.isoformat()} needs dates outside "
                    f"{FIRST_DAY.year}–{LAST_DAY.year}, the years TATviz can "
                    "compare: choose dates inside them."
                ),
            )
    return other


def _other_range(current: DateRange, *, against: str) -> DateRange:
    if against not in AGAINST:
        raise ValueError(f"against must be one of {AGAINST}, got {against!r}")
    if current.start.year <= 1:
        # Nothing comes before year 1; the caller refuses the range.
        return DateRange(dt.date.min, dt.date.min)
    if against == "previous":
        start = min(current.start - dt.date.min, current.days * _DAY)
        return DateRange(current.start - start, current.start - _DAY)
    start = year_earlier(current.start)
    end = year_earlier(current.end)
    if current.start.day == 1 and is_month_end(current.end):
        end = month_end(end.year, end.month)
    return DateRange(start, end)


def in_range(frame: pd.DataFrame, span: DateRange) -> np.ndarray:
    """Return where the exams were completed within ``span`` (a mask)."""
    times = frame[fields.COMPLETED_AT].to_numpy()
    low = np.datetime64(span.start, "ns")
    high = np.datetime64(span.end + _DAY, "ns")
    return (times >= low) & (times < high)


def headline(
    frame: pd.DataFrame,
    *,
    span: DateRange,
    targets: Limits,
    metrics: tuple[str, ...] | None = None,
) -> dict:
    """Return exams, pending, median and % within target of each interval.

    ``pending`` counts exams completed in the range with no final report in
    the export; ``within`` is the percentage of exams with a valid interval at
    or under their own target (``targets``: minutes per exam, or such a
    series per interval, indexed like ``frame``). ``metrics`` are the
    intervals the data set has (default: every interval in use).
    """
    inside = in_range(frame, span)
    intervals = {}
    for metric in fields.INTERVALS if metrics is None else metrics:
        # The range's exams are read column by column; no rows are copied.
        minutes = frame[metric].astype("float64").to_numpy()[inside]
        valid, _, _ = split_intervals(minutes)
        minutes = minutes[valid]
        limits = _for(targets, metric)
        if not limits.index.equals(frame.index):
            limits = limits.reindex(frame.index)
        limits = limits.to_numpy()[inside][valid]
        intervals[metric] = {
            "median": clean(statistic(minutes, stat="median"), 2),
            "n": int(minutes.size),
            "within": clean(statistic(minutes, stat="within", limits=limits), 2),
        }
    exams = int(np.count_nonzero(inside))
    return {
        **span.as_json(),
        "exams": exams,
        "exams_per_day": clean(exams / span.days, 2),
        "pending": int(
            np.count_nonzero(frame[fields.FINALIZED_AT].isna().to_numpy()[inside])
        ),
        "intervals": intervals,
    }


def change(current: float | None, previous: float | None) -> dict:
    """Return ``{"absolute", "percent"}`` from ``previous`` to ``current``.

    ``percent`` is relative to ``previous`` and None when it is 0 or unknown.
    """
    if current is None or previous is None:
        return {"absolute": None, "percent": None}
    absolute = current - previous
    percent = absolute / previous * 100 if previous else None
    return {"absolute": clean(absolute), "percent": clean(percent)}


def changes(current: dict, other: dict) -> dict:
    """Return the change from ``other`` to ``current`` of every headline number.

    ``within`` changes are in percentage points (``absolute``) and relative
    (``percent``), like every other number.
    """
    return {
        "exams": change(current["exams"], other["exams"]),
        "exams_per_day": change(current["exams_per_day"], other["exams_per_day"]),
        "pending": change(current["pending"], other["pending"]),
        "intervals": {
            metric: {
                key: change(current["intervals"][metric][key], values[key])
                for key in ("median", "within")
            }
            for metric, values in other["intervals"].items()
        },
    }


def daily_series(frame: pd.DataFrame, *, span: DateRange) -> dict:
    """Return exams completed per day over ``span`` as ``{"x", "y"}``."""
    times = frame[[fields.COMPLETED_AT]][in_range(frame, span)]
    counts = daily_counts(times, first=span.start, last=span.end)
    return {
        "x": [d.strftime("%Y-%m-%d") for d in counts.index],
        "y": counts.tolist(),
    }


def compare(
    frame: pd.DataFrame,
    *,
    current: DateRange,
    against: str,
    targets: Limits,
    default_range: bool = False,
    metrics: tuple[str, ...] | None = None,
) -> dict:
    """Return the headline numbers of ``current`` and its comparison range."""
    other = comparison_range(current, against=against)
    now = headline(frame, span=current, targets=targets, metrics=metrics)
    then = headline(frame, span=other, targets=targets, metrics=metrics)
    return {
        "against": against,
        "default_range": default_range,
        "current": now,
        "comparison": then,
        "change": changes(now, then),
        "series": {
            "metric": "volume",
            "current": daily_series(frame, span=current),
            "comparison": daily_series(frame, span=other),
        },
    }


def overview(
    frame: pd.DataFrame,
    *,
    last_day: dt.date,
    targets: Limits,
    windows: tuple[int, ...] = OVERVIEW_WINDOWS,
    metrics: tuple[str, ...] | None = None,
) -> dict:
    """Return the last 7 and 28 days (to ``last_day``) against the days before."""
    result = []
    for days in windows:
        current = DateRange(last_day - (days - 1) * _DAY, last_day)
        result.append(
            {
                "days": days,
                **compare(
                    frame,
                    current=current,
                    against="previous",
                    targets=targets,
                    metrics=metrics,
                ),
            }
        )
    return {"as_of": last_day.isoformat(), "windows": result}


def headline_rows(result: dict) -> list[list]:
    """Return ``[measure, current, comparison, change, change %]`` rows (CSV)."""
    now, then, delta = result["current"], result["comparison"], result["change"]
    rows = [
        [
            "Range",
            f"{now['start']} to {now['end']}",
            f"{then['start']} to {then['end']}",
            None,
            None,
        ],
        ["Days", now["days"], then["days"], None, None],
    ]
    for key, label in (
        ("exams", "Exams completed"),
        ("exams_per_day", "Exams per day"),
        ("pending", "Pending (no final report)"),
    ):
        rows.append([label, now[key], then[key], *_pair(delta[key])])
    for metric in now["intervals"]:
        name = fields.INTERVAL_LABELS[metric]
        a, b = now["intervals"][metric], then["intervals"][metric]
        d = delta["intervals"][metric]
        rows.append(
            [f"Median {name} (minutes)", a["median"], b["median"], *_pair(d["median"])]
        )
        rows.append([f"n {name}", a["n"], b["n"], None, None])
        rows.append(
            [f"% within target {name}", a["within"], b["within"], *_pair(d["within"])]
        )
    return rows


def _pair(delta: dict) -> list:
    return [delta["absolute"], delta["percent"]]
