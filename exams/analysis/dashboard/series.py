"""Time series for the dashboard chart (``GET /api/series``, docs/API.md)."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis import stats
from exams.analysis.frame.buckets import bucket_keys, bucket_labels
from exams.analysis.frame.coverage import data_coverage
from exams.analysis.frame.dimensions import require_interval
from exams.analysis.frame.filtering import apply_filters
from exams.analysis.frame.groups import (
    display_order,
    group_codes,
    group_column,
    shared_categories,
)
from exams.analysis.frame.prepare import rank_column
from exams.analysis.frame.targets import (
    Targets,
    common_target,
    default_targets,
    exam_targets,
    target_columns,
)
from exams.query.filters import FilterError, FilterSpec

# Points (series × buckets) one answer may hold: a day chart split by
# thousands of physicians would otherwise exhaust memory and the browser.
MAX_POINTS = 2_000_000


@dataclass(frozen=True)
class _Side:
    """The bucketed exams of one time axis, before grouping into a matrix."""

    buckets: np.ndarray
    # None when there is one group (no split): every exam is in group 0.
    codes: np.ndarray | None
    names: tuple[str, ...]
    column: str | None
    missing: int
    negative: int = 0
    valid: np.ndarray | None = None
    values: np.ndarray | None = None
    limits: np.ndarray | float | None = None
    ranks: np.ndarray | None = None


def build_series(
    frame: pd.DataFrame, *, spec: FilterSpec, targets: Targets | None = None
) -> dict:
    """Filter a prepared frame by ``spec`` and return its series.

    The ordered side (``ordered``, ``complete_ratio``) is filtered on
    ordered_at and its shift, the rest on completed_at. An interval the
    data set lacks (no preliminary times) is a FilterError.
    """
    require_interval(frame, name=spec.metric)
    completed = apply_filters(
        frame,
        spec=spec,
        columns=_columns(spec, time_field=fields.COMPLETED_AT, targets=targets),
    )
    ordered = None
    if spec.metric in ("ordered", "complete_ratio"):
        ordered = apply_filters(
            frame,
            spec=spec,
            time_field=fields.ORDERED_AT,
            columns=_columns(spec, time_field=fields.ORDERED_AT),
        )
    result = compute_series(
        completed,
        period=spec.period,
        metric=spec.metric,
        stat=spec.stat,
        target=spec.target,
        split=spec.split,
        targets=targets,
        ordered_frame=ordered,
    )
    return with_partial(result, frame=frame, spec=spec)


def with_partial(result: dict, *, frame: pd.DataFrame, spec: FilterSpec) -> dict:
    """Add ``partial``: per x, whether the export (and the dates asked for)
    cover that period only in part (``exams.analysis.frame.coverage``)."""
    cover = data_coverage(frame)
    partial = [False] * len(result["x"])
    if cover is not None:
        partial = cover.partial_flags(
            result["x"], period=result["period"], start=spec.start, end=spec.end
        )
    return {**result, "partial": partial}


def _columns(
    spec: FilterSpec, *, time_field: str, targets: Targets | None = None
) -> list[str]:
    """Return the columns a series reads on one time axis."""
    axis = fields.TIME_AXES[time_field]
    interval = [spec.metric] if spec.metric in fields.INTERVALS else []
    # The rule fields, and the interval's start for a target in working days.
    judged = target_columns(targets, interval)
    columns = [time_field, axis["day"], axis["month"], *judged]
    columns.append(group_column(spec.split, time_field=time_field))
    if interval:
        columns += [spec.metric, rank_column(spec.metric)]
    return list(dict.fromkeys(c for c in columns if c is not None))


def compute_series(
    frame: pd.DataFrame,
    *,
    period: str = "month",
    metric: str = "volume",
    stat: str = "median",
    target: float | None = None,
    split: str = "none",
    targets: Targets | None = None,
    ordered_frame: pd.DataFrame | None = None,
) -> dict:
    """Return the series answer of docs/API.md for an already filtered frame.

    ``frame`` holds the exams selected on completed_at; ``ordered_frame``
    those selected on ordered_at for ``ordered`` and ``complete_ratio``
    (the same frame when omitted). ``within`` compares each interval with
    ``target`` or, without one, with the exam's own target from ``targets``.
    """
    ordered_frame = frame if ordered_frame is None else ordered_frame
    if metric == "volume":
        sides = [_count_side(frame, period=period, split=split)]
    elif metric == "ordered":
        sides = [_count_side(ordered_frame, period=period, split=split, ordered=True)]
    elif metric == "complete_ratio":
        sides = _ratio_sides(frame, ordered_frame, period=period, split=split)
    else:
        limits = target
        if stat == "within" and target is None:
            limits = exam_targets(
                frame, targets or default_targets(), metric=metric
            ).to_numpy()
        sides = [
            _interval_side(
                frame, period=period, split=split, metric=metric, limits=limits
            )
        ]
    result = {
        "metric": metric,
        "stat": stat,
        "unit": stats.unit_of(metric, stat),
        "period": period,
        "target": target,
        **_matrix(sides, period=period, metric=metric, stat=stat),
        "excluded": {
            "missing": sum(s.missing for s in sides),
            "negative": sum(s.negative for s in sides),
        },
    }
    if metric in fields.INTERVALS and target is None:
        # The chart draws a target line only when one target judges them all.
        result["common_target"] = common_target(
            frame, targets or default_targets(), metric=metric
        )
    if split == "none" and not result["series"]:
        result["series"] = [{"name": fields.ALL_GROUP, "y": [], "n": []}]
    return result


def _count_side(
    frame: pd.DataFrame, *, period: str, split: str, ordered: bool = False, **recode
) -> _Side:
    time_field = fields.ORDERED_AT if ordered else fields.COMPLETED_AT
    buckets, known = bucket_keys(frame, period=period, time_field=time_field)
    missing = len(known) - int(np.count_nonzero(known))
    # Every exam placed (the usual case): no copy of a million bucket keys.
    rows = slice(None) if missing == 0 else known
    column = group_column(split, time_field=time_field)
    if column is None:
        return _Side(
            buckets=buckets[rows],
            codes=None,
            names=(fields.ALL_GROUP,),
            column=None,
            missing=missing,
        )
    groups = group_codes(frame, column=column, **recode)
    return _Side(
        buckets=buckets[rows],
        codes=groups.codes[rows],
        names=groups.names,
        column=column,
        missing=missing,
    )


def _ratio_sides(
    completed: pd.DataFrame, ordered: pd.DataFrame, *, period: str, split: str
) -> list[_Side]:
    recode = {}
    if split != "none":
        columns = [
            group_column(split),
            group_column(split, time_field=fields.ORDERED_AT),
        ]
        recode["categories"] = shared_categories([completed, ordered], columns)
    return [
        _count_side(completed, period=period, split=split, **recode),
        _count_side(ordered, period=period, split=split, ordered=True, **recode),
    ]


def _interval_side(
    frame: pd.DataFrame, *, period: str, split: str, metric: str, limits
) -> _Side:
    buckets, known = bucket_keys(frame, period=period)
    values = frame[metric].to_numpy(dtype=np.float64, na_value=np.nan)
    valid, missing, negative = stats.split_intervals(values)
    column = group_column(split)
    groups = group_codes(frame.iloc[:0] if column is None else frame, column=column)
    codes = None if column is None else groups.codes[known]
    keep = known & valid
    if isinstance(limits, np.ndarray):
        limits = limits[keep]
    ranks = None
    if rank_column(metric) in frame:
        ranks = frame[rank_column(metric)].to_numpy()[keep]
    return _Side(
        # Exams without a valid interval still place their bucket and group
        # on the chart (as n = 0), so these cover every known exam.
        buckets=buckets[known],
        codes=codes,
        names=groups.names,
        column=column,
        missing=int((~known | missing).sum()),
        negative=int((known & negative).sum()),
        valid=valid[known],
        values=values[keep],
        limits=limits,
        ranks=ranks,
    )


def _matrix(sides: list[_Side], *, period: str, metric: str, stat: str) -> dict:
    """Return ``x`` and ``series`` for the sides' common buckets and groups."""
    names, column = sides[0].names, sides[0].column
    present = np.zeros(len(names), dtype=bool)
    for side in sides:
        if side.codes is None:
            present |= len(side.buckets) > 0
        else:
            present |= stats.counts(side.codes, size=len(names)) > 0
    order = display_order(names, present, column=column)
    non_empty = [s for s in sides if len(s.buckets)]
    if not non_empty:
        return {"x": [], "series": []}
    first = min(int(s.buckets.min()) for s in non_empty)
    last = max(int(s.buckets.max()) for s in non_empty)
    width = last - first + 1
    if len(order) * width > MAX_POINTS:
        raise FilterError(
            "period",
            period,
            "a longer period, a shorter date range or fewer groups",
            message=(
                f"That chart would need {len(order) * width:,} points: choose a "
                "longer period, a shorter date range or a split with fewer groups."
            ),
        )
    # Compact group numbers to the present groups, in display order.
    rank = np.full(len(names), -1, dtype=np.intp)
    rank[order] = np.arange(len(order))
    size = len(order) * width

    def keys_of(side: _Side, rows=slice(None)) -> np.ndarray:
        if side.codes is None:
            return side.buckets[rows] - first
        return rank[side.codes[rows]] * width + (side.buckets[rows] - first)

    def counts_of(side: _Side) -> np.ndarray:
        if side.codes is None and first >= 0:
            # Bucket numbers count from 1970, so they index the counts as
            # they are: no shifted copy of every key.
            return np.bincount(side.buckets, minlength=last + 1)[first : last + 1]
        return stats.counts(keys_of(side), size=size)

    if metric in ("volume", "ordered"):
        n = counts_of(sides[0])
        y = n
    elif metric == "complete_ratio":
        done = counts_of(sides[0])
        n = counts_of(sides[1])
        with np.errstate(invalid="ignore", divide="ignore"):
            y = np.where(n > 0, done / np.maximum(n, 1), np.nan)
    else:
        side = sides[0]
        y, n = stats.grouped_stat(
            keys=keys_of(side, side.valid),
            values=side.values,
            size=size,
            stat=stat,
            limits=side.limits,
            ranks=side.ranks,
        )
    ys = stats.to_json_list(y.reshape(len(order), width))
    ns = n.reshape(len(order), width).tolist()
    return {
        "x": bucket_labels(period=period, first=first, last=last),
        "series": [
            {"name": names[code], "y": ys[i], "n": ns[i]}
            for i, code in enumerate(order)
        ],
    }
