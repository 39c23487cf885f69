"""Weekday × hour of completion: volume or a turnaround statistic per cell.

Rows are Monday to Sunday and columns the hours 0–23 of ``completed_at``
(local wall-clock, as exported). For ``volume`` a cell is the number of exams
completed in that hour over the whole filtered range; ``weekday_days`` says
how many of each weekday the range holds, to read a cell as a daily average.
For an interval, a cell is the statistic of the exams with a valid interval
(``n``), or null when there are none.
"""

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.frame.periods import day_range
from exams.analysis.stats import clean, grouped_stat, interval_values

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOURS = tuple(range(24))
CELLS = len(WEEKDAYS) * len(HOURS)


def cell_numbers(frame: pd.DataFrame) -> pd.Series:
    """Return weekday × 24 + hour of each exam's completion (-1 when missing)."""
    times = frame[fields.COMPLETED_AT]
    cells = times.dt.day_of_week * 24 + times.dt.hour
    return cells.fillna(-1).astype("int64")


def heatmap(
    frame: pd.DataFrame,
    *,
    metric: str,
    stat: str = "median",
    targets: pd.Series | None = None,
) -> dict:
    """Return ``z`` and ``n`` as 7 × 24 grids for ``volume`` or an interval."""
    cells = cell_numbers(frame)
    if metric == "volume":
        counts = _count_grid(cells)
        z = counts
        excluded = {}
    else:
        split = interval_values(frame, metric=metric)
        counts = _count_grid(cells.loc[split.values.index])
        z = _stat_grid(split.values, cells.loc[split.values.index], stat, targets)
        excluded = {
            "pending": split.pending,
            "missing": split.missing,
            "negative": split.negative,
        }
    return {
        "metric": metric,
        "stat": None if metric == "volume" else stat,
        "weekdays": list(WEEKDAYS),
        "hours": list(HOURS),
        "z": _rows(z, integer=metric == "volume"),
        "n": _rows(counts, integer=True),
        "weekday_days": weekday_days(frame),
        "excluded": excluded,
    }


def _count_grid(cells: pd.Series) -> np.ndarray:
    known = cells.to_numpy()
    return np.bincount(known[known >= 0], minlength=CELLS).astype("float64")


def _stat_grid(
    values: pd.Series, cells: pd.Series, stat: str, targets: pd.Series | None
) -> np.ndarray:
    keys = cells.to_numpy()
    # An exam with no completion time has no cell (key -1): leave it out.
    placed = keys >= 0
    limits = None
    if stat == "within":
        limits = targets.reindex(values.index).to_numpy()[placed]
    grid, _ = grouped_stat(
        keys=keys[placed],
        values=values.to_numpy()[placed],
        size=CELLS,
        stat=stat,
        limits=limits,
    )
    return grid


def _rows(grid: np.ndarray, *, integer: bool) -> list[list]:
    shaped = grid.reshape(len(WEEKDAYS), len(HOURS))
    if integer:
        return shaped.astype("int64").tolist()
    return [[clean(v, 2) for v in row] for row in shaped]


def weekday_days(frame: pd.DataFrame) -> list[int]:
    """Return how many Mondays … Sundays lie between the first and last day."""
    times = frame[fields.COMPLETED_AT].dropna()
    if times.empty:
        return [0] * len(WEEKDAYS)
    days = day_range(times.min().normalize(), times.max().normalize())
    return np.bincount(days.day_of_week, minlength=len(WEEKDAYS)).tolist()
