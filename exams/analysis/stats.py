"""Statistics of interval minutes: per integer key, vectorised, or overall.

Every statistic of every page comes from here. Percentiles use linear
interpolation, as numpy's default (docs/API.md, "Statistics"); only valid
minutes (known and ≥ 0) enter a statistic.
"""

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.quantiles import grouped_quantiles, tallied_quantiles

QUANTILES = {"median": 0.5, "p75": 0.75, "p90": 0.9}
UNITS = {
    "volume": "exams",
    "ordered": "exams",
    "complete_ratio": "ratio",
}


def unit_of(metric: str, stat: str) -> str:
    """Return the unit of a metric's values: exams, ratio, minutes or %."""
    if metric in UNITS:
        return UNITS[metric]
    return "%" if stat == "within" else "minutes"


def split_intervals(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (valid, missing, negative) masks of interval minutes.

    A negative interval (final before complete …) is excluded from every
    statistic and counted, never silently dropped.
    """
    missing = np.isnan(values)
    negative = values < 0
    return ~(missing | negative), missing, negative


def counts(keys: np.ndarray, *, size: int) -> np.ndarray:
    """Return how many times each key 0…size-1 occurs (keys ≥ size are ignored)."""
    return np.bincount(keys, minlength=size)[:size]


def grouped_stat(
    *,
    keys: np.ndarray,
    values: np.ndarray,
    size: int,
    stat: str,
    limits: np.ndarray | float | None = None,
    ranks: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (y, n) for each key 0…size-1 over valid values; y is NaN where n = 0.

    ``limits`` is the target in minutes for ``within`` (scalar or per value);
    ``ranks`` (see ``quantiles.rank_values``) spares the quantiles a sort.
    """
    n = counts(keys, size=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        if stat == "mean":
            y = np.bincount(keys, weights=values, minlength=size) / n
        elif stat == "within":
            hits = (values <= limits).astype(np.float64)
            y = 100.0 * np.bincount(keys, weights=hits, minlength=size) / n
        else:
            y = grouped_quantiles(
                keys=keys,
                values=values,
                size=size,
                qs=[QUANTILES[stat]],
                ranks=ranks,
                counts=n,
            )[:, 0]
    y[n == 0] = np.nan
    return y, n


def exam_kinds(values: np.ndarray, limits) -> np.ndarray:
    """Return each exam's kind: 0 within the limit, 1 over it, 2 missing, 3 negative.

    uint8, one byte per exam (``interval_stats`` counts them per key).
    """
    # NaN compares False, so it lands on 2 alone.
    kind = (values > limits).view(np.uint8)
    kind += np.isnan(values).view(np.uint8) * np.uint8(2)
    kind += (values < 0).view(np.uint8) * np.uint8(3)
    return kind


def interval_stats(
    *,
    keys: np.ndarray,
    values: np.ndarray,
    size: int,
    limits=None,
    ranks: np.ndarray | None = None,
    kinds: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Return n, median, mean, p75, p90, within, negative and missing per key.

    ``keys``, ``values`` (interval minutes, NaN when missing), ``limits``
    (when an array) and ``ranks`` are aligned per exam; an exam whose key
    is ``size`` is not selected and counts nowhere. Only valid values
    (≥ 0) enter the statistics. ``kinds`` (``exam_kinds``), when known,
    stand for ``limits``. Each array has ``size + 1`` entries: one
    per key, then the total over all keys.
    """
    # One count per key and kind (``exam_kinds``, given or worked out),
    # made with the quantiles' count per band of ranks when there is one.
    kind = exam_kinds(values, limits) if kinds is None else kinds
    quantiles, tally = tallied_quantiles(
        keys=keys,
        values=values,
        size=size,
        qs=list(QUANTILES.values()),
        ranks=ranks,
        kinds=kind,
    )
    hits, over, missing, negative = tally.T
    n = hits + over
    # Adding 0.0 for the invalid rows leaves each running sum bit for bit
    # what summing the valid values alone gives, without copying them.
    weights = np.where(kind < 2, values, 0.0)
    del kind
    sums = np.bincount(keys, weights=weights, minlength=size)[:size]
    del weights
    n, sums, hits, missing, negative = (
        np.append(a, a.sum()) for a in (n, sums, hits, missing, negative)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        stats = {"n": n, "mean": sums / n, "within": 100.0 * hits / n}
    for i, name in enumerate(QUANTILES):
        stats[name] = quantiles[:, i]
    for name in ("mean", "within"):
        stats[name][n == 0] = np.nan
    stats["negative"], stats["missing"] = negative, missing
    return stats


def to_json_list(values: np.ndarray) -> list:
    """Return a list for JSON: NaN becomes None, numpy numbers Python numbers."""
    if values.dtype.kind in "iub":
        return values.tolist()
    result = values.astype(object)
    result[np.isnan(values)] = None
    return result.tolist()


def statistic(
    values: np.ndarray, *, stat: str, limits: np.ndarray | float | None = None
) -> float | None:
    """Return one statistic over all valid ``values`` (None when there are none).

    ``within`` is the percentage (0–100) at or under ``limits`` (aligned).
    """
    keys = np.zeros(len(values), dtype=np.intp)
    y, n = grouped_stat(keys=keys, values=values, size=1, stat=stat, limits=limits)
    return None if n[0] == 0 else float(y[0])


@dataclass(frozen=True)
class IntervalValues:
    """One interval of a frame, split the way docs/API.md counts it.

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
    minutes = frame[metric].astype("float64")
    valid, _, _ = split_intervals(minutes.to_numpy())
    pending, missing, negative = left_out(frame, metric=metric, minutes=minutes)
    return IntervalValues(
        values=minutes[valid], pending=pending, missing=missing, negative=negative
    )


def left_out(
    frame: pd.DataFrame, *, metric: str, minutes: pd.Series | np.ndarray
) -> tuple[int, int, int]:
    """Return the pending, missing and negative exams of ``metric`` (counts).

    As ``IntervalValues`` counts them, without copying the valid minutes.
    """
    start_field, end_field = fields.INTERVALS[metric]
    no_end = frame[end_field].isna().to_numpy()
    no_start = frame[start_field].isna().to_numpy()
    return (
        int(np.count_nonzero(no_end)),
        int(np.count_nonzero(no_start & ~no_end)),
        int(np.count_nonzero(np.asarray(minutes) < 0)),
    )


def clean(value, digits: int = 4):
    """Return a float rounded for JSON (None for NaN/None), ints unchanged."""
    if value is None:
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    value = float(value)
    return None if math.isnan(value) else round(value, digits)
