"""How long exams take: fixed-width buckets with pending, and box plots.

Bucket edges are in minutes and closed on the left, so an interval of exactly
60 minutes is in "1–4 h", exactly 240 in "4–12 h", and so on. ``pending``
counts exams with no end time yet (no final report for the report intervals).
Shares are over every exam that has a bucket: valid intervals plus pending;
exams with a missing start or a negative interval are left out and counted
under ``excluded``.

Box plots are computed here (quartiles, Tukey whiskers) so a million exams
never travel to the browser as points.
"""

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis import parallel
from exams.analysis.frame.groups import group_codes, largest_first
from exams.analysis.frame.prepare import RANK_COLUMNS
from exams.analysis.quantiles import grouped_quantiles, stable_key_order
from exams.analysis.stats import clean, left_out

# (label, lower, upper) in minutes: lower <= value < upper.
BUCKETS = (
    ("<1 h", 0, 60),
    ("1–4 h", 60, 240),
    ("4–12 h", 240, 720),
    ("12–24 h", 720, 1440),
    ("24–48 h", 1440, 2880),
    (">48 h", 2880, None),
)
PENDING = "pending"
WHISKER_IQR = 1.5
QUARTILES = (0.25, 0.5, 0.75)
# The quartiles with the least and the most (positions 0 and n - 1: exact).
SPREAD = (0.0, *QUARTILES, 1.0)
_UPPER_EDGES = np.array([upper for _, _, upper in BUCKETS[:-1]], dtype="float64")


def bucket_positions(minutes: np.ndarray) -> np.ndarray:
    """Return the index into ``BUCKETS`` of each (valid, ≥ 0) interval."""
    # side="right": a value equal to an edge belongs to the bucket above it.
    return np.searchsorted(_UPPER_EDGES, minutes, side="right")


def bucket_counts(frame: pd.DataFrame, *, metric: str) -> dict:
    """Return the exams per bucket of ``metric`` (with pending) and their shares."""
    minutes = frame[metric].to_numpy(dtype=np.float64, na_value=np.nan)
    pending, missing, negative = left_out(frame, metric=metric, minutes=minutes)
    # Exams at or above each edge (NaN compares False): a count per edge
    # instead of placing 10M values (``bucket_positions``, the same counts).
    at_least = [int(np.count_nonzero(minutes >= low)) for _, low, _ in BUCKETS]
    at_least.append(0)
    counts = [a - b for a, b in zip(at_least, at_least[1:], strict=False)]
    counts.append(pending)
    total = sum(counts)
    rows = []
    for (label, lower, upper), count in zip(
        (*BUCKETS, (PENDING, None, None)), counts, strict=True
    ):
        rows.append(
            {
                "label": label,
                "lower_minutes": lower,
                "upper_minutes": upper,
                "count": int(count),
                "share": count / total if total else None,
            }
        )
    return {
        "metric": metric,
        "buckets": rows,
        "total": total,
        "excluded": {"missing": missing, "negative": negative},
    }


def box_stats(
    frame: pd.DataFrame,
    *,
    by_column: str | None,
    metrics: tuple[str, ...] | None = None,
) -> list[dict]:
    """Return quartiles and whiskers of each interval for each group.

    Quartiles interpolate linearly (numpy's default). Whiskers end at the most
    extreme values within 1.5 × IQR of the box; values beyond are counted as
    ``outliers``. Groups come largest first (by exams in the frame).
    """
    if metrics is None:  # every interval in use that the frame measures
        metrics = tuple(m for m in fields.INTERVALS if m in frame)
    groups = group_codes(frame, column=by_column)
    order = largest_first(groups)
    size = len(groups.names)

    def group_order() -> tuple[np.ndarray, np.ndarray]:
        # Every exam sorted by group once for all intervals (stable: each
        # group's minutes keep their order, so each mean sums as before),
        # and where each group starts and ends in that order.
        by_code = stable_key_order(groups.codes, size=size)
        bounds = np.concatenate(
            [[0], np.cumsum(np.bincount(groups.codes, minlength=size))]
        )
        return by_code, bounds

    ordered = parallel.Once(group_order) if size > 1 else None

    def inputs():
        # Read here (pandas), worked out on the pool (``parallel``).
        for number, metric in enumerate(metrics):
            rank = RANK_COLUMNS.get(metric)
            yield (
                metric,
                frame[metric].to_numpy(dtype="float64", na_value=np.nan),
                frame[rank].to_numpy() if rank in frame else None,
            )
            if number == 0 and ordered is not None:
                # Sorted here while the first interval's quartiles are counted
                # (10M exams: ~0.1 s off the answer's time).
                ordered.get()

    def boxes(found) -> list[dict]:
        metric, minutes, ranks = found
        # The prepared frame's ranks spare the quartiles a sort of every value
        # (10M exams: ~0.4 s per interval).
        quartiles = grouped_quantiles(
            keys=groups.codes,
            values=minutes,
            size=size,
            qs=list(SPREAD),
            ranks=ranks,
        )
        if ordered is not None:
            by_code, bounds = ordered.get()
            minutes = minutes[by_code]
        rows = []
        for code in order:
            chosen = (
                minutes if ordered is None else minutes[bounds[code] : bounds[code + 1]]
            )
            # Valid intervals only: known and not negative (docs/API.md).
            chosen = chosen[chosen >= 0]
            if chosen.size:
                rows.append(
                    {
                        "metric": metric,
                        "group": groups.names[code],
                        **box_summary(chosen, quartiles=quartiles[code]),
                    }
                )
        return rows

    worked = parallel.each(boxes, inputs(), rows=len(frame))
    return [row for rows in worked for row in rows]


def box_summary(values: np.ndarray, *, quartiles: np.ndarray | None = None) -> dict:
    """Return n, min, quartiles, max, mean and Tukey whiskers of some minutes.

    ``quartiles``, when already known for these values: (q1, median, q3),
    or (min, q1, median, q3, max) (``SPREAD``, read by rank like the others).
    """
    if quartiles is None:
        keys = np.zeros(len(values), dtype=np.intp)
        quartiles = grouped_quantiles(
            keys=keys, values=values, size=1, qs=list(QUARTILES)
        )[0]
    if len(quartiles) == len(SPREAD):
        least, q1, median, q3, most = quartiles
    else:
        (q1, median, q3), least, most = quartiles, values.min(), values.max()
    reach = WHISKER_IQR * (q3 - q1)
    lowest, highest = q1 - reach, q3 + reach
    if least >= lowest:
        # Nothing below the box's reach (the usual skew of waiting times):
        # the values inside are those up to its top, the lower whisker the
        # minimum. One comparison instead of two, the same numbers.
        inside = values <= highest
    else:
        inside = (values >= lowest) & (values <= highest)
    kept = np.count_nonzero(inside)
    low = high = None
    if kept:
        # The whiskers without copying the values inside (min, max: exact).
        low = least
        if least < lowest:
            low = np.min(values, where=inside, initial=np.inf)
        high = np.max(values, where=inside, initial=-np.inf)
    return {
        "n": int(values.size),
        "min": clean(least),
        "q1": clean(q1),
        "median": clean(median),
        "q3": clean(q3),
        "max": clean(most),
        "mean": clean(values.mean()),
        "lower_whisker": clean(low),
        "upper_whisker": clean(high),
        "outliers": int(values.size - kept),
    }


def distribution(frame: pd.DataFrame, *, metric: str, by_column: str | None) -> dict:
    """Return the buckets of ``metric`` and the box plots of every interval."""
    return {
        **bucket_counts(frame, metric=metric),
        "boxes": box_stats(frame, by_column=by_column),
    }
