"""Spec + prepared frame → the answer of each insight view (pure, no request).

The view passes the whole prepared frame: dates that belong to the data set
(its last day, the pending list's ``as_of``) come from all of it, the numbers
from the exams that pass the filters.
"""

import dataclasses
import datetime as dt

import pandas as pd

from exams import fields
from exams.analysis import apply_filters, available_intervals, require_interval
from exams.analysis.shifts import Targets, exam_targets
from exams.insights import compare, distribution, forecast, heatmap, pareto, pending
from exams.insights.common import InsightError
from exams.query.params import InsightQuery


def exam_limits(frame: pd.DataFrame, *, target: float | None, targets: Targets):
    """Return each exam's target in minutes: ``target`` if given, else its own."""
    if target is not None:
        return pd.Series(float(target), index=frame.index)
    return exam_targets(frame, targets)


def data_days(frame: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
    """Return the first and last completion dates of the data set."""
    times = frame[fields.COMPLETED_AT]
    if times.notna().sum() == 0:
        return None
    return times.min().date(), times.max().date()


def _by_column(by: str) -> str | None:
    return None if by == "none" else fields.SPLIT_FIELDS[by]


def build_distribution(frame: pd.DataFrame, *, query: InsightQuery) -> dict:
    """Return the buckets of the chosen interval and the box plots by group."""
    require_interval(frame, name=query.metric, allowed=())
    selected = apply_filters(frame, spec=query.spec)
    result = distribution.distribution(
        selected, metric=query.metric, by_column=_by_column(query.by)
    )
    return {**result, "by": query.by, "intervals": available_intervals(frame)}


def build_heatmap(
    frame: pd.DataFrame, *, query: InsightQuery, targets: Targets
) -> dict:
    """Return the weekday × hour grid of volume or an interval statistic."""
    require_interval(frame, name=query.metric, allowed=("volume",))
    selected = apply_filters(frame, spec=query.spec)
    limits = exam_limits(selected, target=query.spec.target, targets=targets)
    result = heatmap.heatmap(
        selected, metric=query.metric, stat=query.spec.stat, targets=limits
    )
    return {
        **result,
        "target": query.spec.target,
        "intervals": available_intervals(frame),
    }


def _undated(frame: pd.DataFrame, query: InsightQuery) -> pd.DataFrame:
    """Return the exams passing every filter but the dates (ranges choose)."""
    spec = dataclasses.replace(query.spec, start=None, end=None)
    return apply_filters(frame, spec=spec)


def build_compare(
    frame: pd.DataFrame, *, query: InsightQuery, targets: Targets
) -> dict:
    """Return the filtered range against the previous range or last year."""
    days = data_days(frame)
    if days is None:
        raise InsightError("The data set has no completion dates.")
    current, default = compare.resolve_range(
        start=query.spec.start,
        end=query.spec.end,
        first_day=days[0],
        last_day=days[1],
    )
    selected = _undated(frame, query)
    limits = exam_limits(selected, target=query.spec.target, targets=targets)
    return compare.compare(
        selected,
        current=current,
        against=query.against,
        targets=limits,
        default_range=default,
        metrics=available_intervals(frame),
    )


def build_overview(
    frame: pd.DataFrame, *, query: InsightQuery, targets: Targets
) -> dict:
    """Return the last 7 and 28 days of the data set against the days before."""
    days = data_days(frame)
    if days is None:
        raise InsightError("The data set has no completion dates.")
    selected = _undated(frame, query)
    limits = exam_limits(selected, target=query.spec.target, targets=targets)
    return compare.overview(
        selected,
        last_day=days[1],
        targets=limits,
        metrics=available_intervals(frame),
    )


def build_pareto(frame: pd.DataFrame, *, query: InsightQuery) -> dict:
    """Return exams per exam type, physician or modality, largest first."""
    return pareto.pareto(apply_filters(frame, spec=query.spec), by=query.by)


def build_top_exams(frame: pd.DataFrame, *, query: InsightQuery) -> dict:
    """Return the most frequent exam types per week, month or quarter."""
    selected = apply_filters(frame, spec=query.spec)
    return pareto.top_exams(selected, period=query.spec.period, limit=query.limit)


def pending_frame(
    frame: pd.DataFrame, *, query: InsightQuery, targets: Targets
) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """Return every pending exam passing the filters (oldest first) and as_of."""
    as_of = pending.latest_timestamp(frame)
    selected = apply_filters(frame, spec=query.spec)
    limits = exam_limits(selected, target=query.spec.target, targets=targets)
    if as_of is None:
        return selected.iloc[0:0], None
    return pending.pending_exams(selected, as_of=as_of, targets=limits), as_of


def build_pending(
    frame: pd.DataFrame, *, query: InsightQuery, targets: Targets
) -> dict:
    """Return one page of the pending list with its age bands."""
    selected = apply_filters(frame, spec=query.spec)
    return pending.pending_list(
        selected,
        as_of=pending.latest_timestamp(frame),
        targets=exam_limits(selected, target=query.spec.target, targets=targets),
        page=query.spec.page,
        page_size=query.spec.page_size,
    )


def build_forecast(frame: pd.DataFrame, *, query: InsightQuery) -> dict:
    """Return the volume forecast after the data set's last day (or ``end``)."""
    days = data_days(frame)
    if days is None:
        raise InsightError("The data set has no completion dates.")
    last_day = min(days[1], query.spec.end) if query.spec.end else days[1]
    return forecast.forecast(
        apply_filters(frame, spec=query.spec),
        last_day=last_day,
        horizon_weeks=query.horizon_weeks,
        split=query.split,
        period=query.period,
    )
