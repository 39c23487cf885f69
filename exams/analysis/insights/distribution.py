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
from exams.analysis.frame.groups import group_codes, largest_first
from exams.analysis.frame.prepare import RANK_COLUMNS
from exams.analysis.quantiles import grouped_quantiles, stable_key_order
from exams.analysis.stats import clean, interval_values

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
_UPPER_EDGES = np.array([upper for _, _, upper in BUCKETS[:-1]], dtype="float64")


def bucket_positions(minutes: np.ndarray) -> np.ndarray:
    """Return the index into ``BUCKETS`` of each (valid, ≥ 0) interval."""
    # side="right": a value equal to an edge belongs to the bucket above it.
    return np.searchsorted(_UPPER_EDGES, minutes, side="right")


def bucket_counts(frame: pd.DataFrame, *, metric: str) -> dict:
    """Return the exams per bucket of ``metric`` (with pending) and their shares."""
    split = interval_values(frame, metric=metric)
    positions = bucket_positions(split.values.to_numpy())
    counts = [*np.bincount(positions, minlength=len(BUCKETS)).tolist(), split.pending]
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
        "excluded": {"missing": split.missing, "negative": split.negative},
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
    rows = []
    for metric in metrics:
        minutes = frame[metric].to_numpy(dtype="float64", na_value=np.nan)
        # The prepared frame's ranks spare the quartiles a sort of every value
        # (10M exams: ~0.4 s per interval).
        rank = RANK_COLUMNS.get(metric)
        quartiles = grouped_quantiles(
            keys=groups.codes,
            values=minutes,
            size=size,
            qs=list(QUARTILES),
            ranks=frame[rank].to_numpy() if rank in frame else None,
        )
        # Valid intervals only: known and not negative (docs/API.md).
        valid = minutes >= 0
        minutes, codes = minutes[valid], groups.codes[valid]
        if size == 1:
            # One group (no split): its minutes are all of them, in order.
            by_code, bounds = slice(None), [0, len(minutes)]
        else:
            # Sort once by group (stable: rows keep their order, so each
            # mean sums as before), then each group's minutes are one slice.
            by_code = stable_key_order(codes, size=size)
            bounds = np.searchsorted(codes[by_code], np.arange(size + 1))
        for code in order:
            picked = by_code if size == 1 else by_code[bounds[code] : bounds[code + 1]]
            chosen = minutes[picked]
            if chosen.size:
                rows.append(
                    {
                        "metric": metric,
                        "group": groups.names[code],
                        **box_summary(chosen, quartiles=quartiles[code]),
                    }
                )
    return rows


def box_summary(values: np.ndarray, *, quartiles: np.ndarray | None = None) -> dict:
    """Return n, min, quartiles, max, mean and Tukey whiskers of some minutes.

    ``quartiles`` (q1, median, q3), when already known for these values.
    """
    if quartiles is None:
        keys = np.zeros(len(values), dtype=np.intp)
        quartiles = grouped_quantiles(
            keys=keys, values=values, size=1, qs=list(QUARTILES)
        )[0]
    q1, median, q3 = quartiles
    reach = WHISKER_IQR * (q3 - q1)
    inside = values[(values >= q1 - reach) & (values <= q3 + reach)]
    return {
        "n": int(values.size),
        "min": clean(values.min()),
        "q1": clean(q1),
        "median": clean(median),
        "q3": clean(q3),
        "max": clean(values.max()),
        "mean": clean(values.mean()),
        "lower_whisker": clean(inside.min()),
        "upper_whisker": clean(inside.max()),
        "outliers": int(values.size - inside.size),
    }


def distribution(frame: pd.DataFrame, *, metric: str, by_column: str | None) -> dict:
    """Return the buckets of ``metric`` and the box plots of every interval."""
    return {
        **bucket_counts(frame, metric=metric),
        "boxes": box_stats(frame, by_column=by_column),
    }
