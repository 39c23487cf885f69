"""Control charts: is a change in turnaround real or noise?

One point per day or week (by completed_at). A time statistic (median,
mean, p75, p90 of an interval) gets an XmR (individuals) chart:

    centre = mean of the baseline points
    MR-bar = mean of |y(i) − y(i−1)| over consecutive baseline points
    limits = centre ± 2.66 × MR-bar   (lower clipped at 0 for times)

"% within target" gets a p-chart, with limits per point from its own n:

    p-bar  = exams within target ÷ exams, over the baseline points
    limits = p-bar ± 3 × sqrt(p-bar × (1 − p-bar) ÷ n(i)), clipped to 0–100 %

The baseline is the points from ``baseline_start`` to ``baseline_end``
(a week belongs when any of its days does); all points by default. A
bucket with no exam is not a point: it is skipped by the moving ranges
and the rules. Special causes, each point flagged with the rule it breaks:

1. ``beyond_limit``: a point above the upper or below the lower limit;
2. ``run_of_8``: the 8th (and each further) point in a row on one side of
   the centre (a point on the centre breaks the run);
3. ``trend_of_6``: the 6th (and each further) point in a row steadily
   rising or steadily falling (an equal neighbour breaks the trend).
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from exams.analysis import stats
from exams.analysis.errors import AnalysisError
from exams.analysis.frame.buckets import bucket_keys, bucket_labels
from exams.analysis.frame.prepare import day_number

XMR_FACTOR = 2.66
P_SIGMAS = 3
RUN_LENGTH = 8
TREND_LENGTH = 6
RULES = {
    "beyond_limit": "Beyond a control limit",
    "run_of_8": f"{RUN_LENGTH} in a row on one side of the centre",
    "trend_of_6": f"{TREND_LENGTH} in a row steadily rising or falling",
}
CONTROL_PERIODS = ("day", "week")
CONTROL_STATS = ("median", "mean", "p75", "p90", "within")


class ControlError(AnalysisError):
    """A chart that cannot be drawn from the data chosen (HTTP 422); says why."""

    def __init__(self, message: str):
        super().__init__(message, status=422)


@dataclass(frozen=True)
class Limits:
    """Centre and limits per point (NaN where a point has no value)."""

    centre: float
    lower: np.ndarray
    upper: np.ndarray
    mr_bar: float | None = None


def xmr_limits(y: np.ndarray, *, baseline: np.ndarray, floor: float = 0.0) -> Limits:
    """Return the individuals chart's centre and limits from the baseline points.

    ``y`` holds the points (NaN for an empty bucket, skipped); ``baseline``
    marks which count. Raise ControlError with fewer than two baseline points.
    """
    points = y[baseline & ~np.isnan(y)]
    if len(points) < 2:
        raise ControlError(
            "The baseline needs at least 2 points with exams to set limits: "
            "widen the baseline dates or the filters."
        )
    centre = float(points.mean())
    mr_bar = float(np.abs(np.diff(points)).mean())
    lower = max(centre - XMR_FACTOR * mr_bar, floor)
    upper = centre + XMR_FACTOR * mr_bar
    shape = np.where(np.isnan(y), np.nan, 1.0)
    return Limits(centre, lower * shape, upper * shape, mr_bar)


def p_limits(hits: np.ndarray, n: np.ndarray, *, baseline: np.ndarray) -> Limits:
    """Return the p-chart's centre and per-point limits, as percentages.

    ``hits`` are exams within target and ``n`` exams per point.
    """
    used = baseline & (n > 0)
    if not used.any():
        raise ControlError(
            "The baseline holds no exams to set limits: widen the baseline "
            "dates or the filters."
        )
    p_bar = float(hits[used].sum() / n[used].sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = P_SIGMAS * np.sqrt(p_bar * (1 - p_bar) / n)
    spread[n == 0] = np.nan
    lower = np.clip(p_bar - spread, 0, 1) * 100
    upper = np.clip(p_bar + spread, 0, 1) * 100
    return Limits(p_bar * 100, lower, upper)


def special_causes(y: np.ndarray, limits: Limits) -> list[dict]:
    """Return ``{"index", "rule"}`` for each point breaking a rule, by index."""
    present = np.flatnonzero(~np.isnan(y))
    values = y[present]
    found = []
    beyond = (values > limits.upper[present]) | (values < limits.lower[present])
    found += [(i, "beyond_limit") for i in present[beyond]]
    side = np.sign(values - limits.centre)
    found += [(i, "run_of_8") for i in present[_run_ends(side, RUN_LENGTH)]]
    step = np.sign(np.diff(values))
    # A trend of 6 points is 5 steps the same way; step k ends at point k + 1.
    trend = _run_ends(step, TREND_LENGTH - 1)
    found += [(i, "trend_of_6") for i in present[1:][trend]]
    return [{"index": int(i), "rule": rule} for i, rule in sorted(found)]


def _run_ends(signs: np.ndarray, length: int) -> np.ndarray:
    """Return where a run of ``length`` or more equal non-zero signs has reached it."""
    run = np.zeros(len(signs), dtype=np.int64)
    for i, sign in enumerate(signs.tolist()):
        # Sequential by nature (each run length depends on the one before);
        # one step per point of the chart, not per exam.
        same = i > 0 and sign != 0 and sign == signs[i - 1]
        run[i] = run[i - 1] + 1 if same else (1 if sign != 0 else 0)
    return run >= length


def control_chart(
    frame: pd.DataFrame,
    *,
    values: np.ndarray,
    stat: str,
    period: str,
    limits: np.ndarray | float | None = None,
    baseline_start: dt.date | None = None,
    baseline_end: dt.date | None = None,
    ranks: np.ndarray | None = None,
) -> dict:
    """Return the chart of one interval of the selected exams by day or week.

    ``values`` are each exam's interval minutes; ``limits`` its target for
    ``within``; ``ranks`` their prepared ranks (spare the medians a sort).
    Raise ControlError when there are too few points.
    """
    keys, known = bucket_keys(frame, period=period)
    valid, _, _ = stats.split_intervals(values)
    keep = known & valid
    if not keep.any():
        raise ControlError(
            "No exam of this selection has this interval: choose other filters."
        )
    first, last = int(keys[keep].min()), int(keys[keep].max())
    size = last - first + 1
    bucket = keys[keep] - first
    exam_limits = limits[keep] if isinstance(limits, np.ndarray) else limits
    y, n = stats.grouped_stat(
        keys=bucket,
        values=values[keep],
        size=size,
        stat=stat,
        limits=exam_limits,
        ranks=None if ranks is None else ranks[keep],
    )
    span = _bucket_days(period=period, first=first, size=size)
    baseline = np.ones(size, dtype=bool)
    if baseline_start:
        baseline &= span[:, 1] >= day_number(baseline_start)
    if baseline_end:
        baseline &= span[:, 0] <= day_number(baseline_end)
    if stat == "within":
        hits = np.rint(y / 100 * n)
        hits[n == 0] = 0
        chart = p_limits(hits, n, baseline=baseline)
    else:
        chart = xmr_limits(y, baseline=baseline)
    xmr = stat != "within"
    return {
        "chart": "xmr" if xmr else "p",
        "stat": stat,
        "period": period,
        "unit": "minutes" if xmr else "%",
        "x": bucket_labels(period=period, first=first, last=last),
        "y": stats.to_json_list(y),
        "n": n.tolist(),
        "centre": chart.centre,
        "lower": _edge(chart.lower, y, scalar=xmr),
        "upper": _edge(chart.upper, y, scalar=xmr),
        "mr_bar": chart.mr_bar,
        "baseline": {
            "start": baseline_start.isoformat() if baseline_start else None,
            "end": baseline_end.isoformat() if baseline_end else None,
            "points": int((baseline & (n > 0)).sum()),
        },
        "in_baseline": baseline.tolist(),
        "signals": special_causes(y, chart),
        # First and last day of each point, for links to its exams.
        "ranges": span.astype("datetime64[D]").astype(str).tolist(),
    }


def _bucket_days(*, period: str, first: int, size: int) -> np.ndarray:
    """Return each bucket's first and last day number (weeks start on Monday)."""
    keys = np.arange(first, first + size, dtype=np.int64)
    if period == "day":
        return np.stack([keys, keys], axis=1)
    monday = keys * 7 - 3
    return np.stack([monday, monday + 6], axis=1)


def _edge(values: np.ndarray, y: np.ndarray, *, scalar: bool):
    """Return one limit for the XmR chart, or the p-chart's list per point."""
    if scalar:
        present = values[~np.isnan(y)]
        return float(present[0])
    return stats.to_json_list(values)
