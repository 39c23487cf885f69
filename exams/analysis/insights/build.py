"""Query + prepared frame → the answer of each analysis view (pure, no request).

The view passes the whole prepared frame: dates that belong to the data set
(its last day, the pending list's ``as_of``) come from all of it, the numbers
from the exams that pass the filters.
"""

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.errors import AnalysisError
from exams.analysis.frame import memo
from exams.analysis.frame.coverage import Coverage, data_coverage
from exams.analysis.frame.dimensions import available_intervals, require_interval
from exams.analysis.frame.filtering import apply_filters, selection_mask
from exams.analysis.frame.groups import group_column
from exams.analysis.frame.targets import Targets, interval_targets, target_columns
from exams.analysis.frame.working_days import clock_time
from exams.analysis.insights import (
    compare,
    distribution,
    forecast,
    heatmap,
    pareto,
    pending,
)
from exams.query.views import ViewQuery


def exam_limits(
    frame: pd.DataFrame,
    *,
    target: float | None,
    targets: Targets,
    metric: str = "complete_to_final",
) -> pd.Series:
    """Return each exam's target for ``metric``: ``target`` if given, else its own.

    Pending exams are judged against their report-turnaround target (the default).
    """
    return interval_targets(frame, target=target, targets=targets, metric=metric)


def interval_limits(
    frame: pd.DataFrame, *, target: float | None, targets: Targets
) -> dict[str, pd.Series]:
    """Return ``exam_limits`` for every interval, by metric."""
    return {
        metric: exam_limits(frame, target=target, targets=targets, metric=metric)
        for metric in fields.INTERVALS
    }


def data_days(frame: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
    """Return the first and last completion dates of the data set."""
    times = frame[fields.COMPLETED_AT]
    if times.notna().sum() == 0:
        return None
    return times.min().date(), times.max().date()


def _coverage_or_error(frame: pd.DataFrame) -> Coverage:
    found = data_coverage(frame)
    if found is None:
        raise AnalysisError("The data set has no completion dates.")
    return found


def build_distribution(frame: pd.DataFrame, *, query: ViewQuery) -> dict:
    """Return the buckets of the chosen interval and the box plots by group."""
    require_interval(frame, name=query.metric, allowed=())
    selected = apply_filters(frame, spec=query.spec)
    column = group_column(query.by)
    key = ("distribution", query.metric, column, tuple(fields.INTERVALS.items()))
    result = memo.over_all(
        frame,
        selected,
        key,
        lambda rows: distribution.distribution(
            rows, metric=query.metric, by_column=column
        ),
    )
    return {**result, "by": query.by, "intervals": available_intervals(frame)}


def build_heatmap(frame: pd.DataFrame, *, query: ViewQuery, targets: Targets) -> dict:
    """Return the weekday × hour grid of volume or an interval statistic."""
    require_interval(frame, name=query.metric, allowed=("volume",))
    selected = apply_filters(frame, spec=query.spec)
    limits = exam_limits(
        selected, target=query.spec.target, targets=targets, metric=query.metric
    )
    result = heatmap.heatmap(
        selected, metric=query.metric, stat=query.spec.stat, targets=limits
    )
    return {
        **result,
        "target": query.spec.target,
        "intervals": available_intervals(frame),
    }


def _in_ranges(
    frame: pd.DataFrame,
    query: ViewQuery,
    ranges: list[compare.DateRange],
    targets: Targets,
) -> pd.DataFrame:
    """Return the exams passing every filter but the dates, within ``ranges``.

    The comparisons read only these days and these columns: their targets
    are worked out for a few weeks of exams, not for the whole data set,
    and no other column is copied (seconds at 10M).
    """
    mask = np.zeros(len(frame), dtype=bool)
    for span in ranges:
        spec = dataclasses.replace(query.spec, start=span.start, end=span.end)
        mask |= selection_mask(frame, spec=spec)
    columns = [fields.COMPLETED_AT, fields.FINALIZED_AT]
    for metric, ends in fields.INTERVALS.items():
        columns += [metric, *ends]
    columns += target_columns(targets, fields.INTERVALS)
    out = frame.loc[mask, frame.columns.intersection(list(dict.fromkeys(columns)))]
    # A frame measured in working time says so (targets in working days).
    out.attrs = dict(frame.attrs)
    return out


def build_compare(frame: pd.DataFrame, *, query: ViewQuery, targets: Targets) -> dict:
    """Return the filtered range against the previous range or last year.

    Without an end date the range stops at the last complete day.
    """
    cover = _coverage_or_error(frame)
    current, default = compare.resolve_range(
        start=query.spec.start,
        end=query.spec.end,
        first_day=cover.first_day,
        last_day=cover.last_complete_day,
    )
    other = compare.comparison_range(current, against=query.against)
    selected = _in_ranges(frame, query, [current, other], targets)
    limits = interval_limits(selected, target=query.spec.target, targets=targets)
    result = compare.compare(
        selected,
        current=current,
        against=query.against,
        targets=limits,
        default_range=default,
        metrics=available_intervals(frame),
    )
    return {
        **_daily_partial(result, cover),
        "coverage": cover.as_json(),
    }


def build_overview(frame: pd.DataFrame, *, query: ViewQuery, targets: Targets) -> dict:
    """Return the last 7 and 28 complete days against the days before."""
    cover = _coverage_or_error(frame)
    last = cover.last_complete_day
    # Each window and the same number of days before it.
    days = 2 * max(compare.OVERVIEW_WINDOWS) - 1
    span = compare.DateRange(last - dt.timedelta(days=days), last)
    selected = _in_ranges(frame, query, [span], targets)
    limits = interval_limits(selected, target=query.spec.target, targets=targets)
    result = compare.overview(
        selected,
        last_day=cover.last_complete_day,
        targets=limits,
        metrics=available_intervals(frame),
    )
    windows = [_daily_partial(window, cover) for window in result["windows"]]
    return {**result, "windows": windows, "coverage": cover.as_json()}


def _daily_partial(result: dict, cover: Coverage) -> dict:
    """Add ``partial`` to a comparison's daily series (partial first/last day)."""
    series = {
        key: {**value, "partial": cover.day_flags(value["x"])}
        if isinstance(value, dict)
        else value
        for key, value in result["series"].items()
    }
    return {**result, "series": series}


def build_pareto(frame: pd.DataFrame, *, query: ViewQuery) -> dict:
    """Return exams per exam type, physician or modality, largest first."""
    return pareto.pareto(apply_filters(frame, spec=query.spec), by=query.by)


def build_top_exams(frame: pd.DataFrame, *, query: ViewQuery) -> dict:
    """Return the most frequent exam types per week, month or quarter."""
    selected = apply_filters(frame, spec=query.spec)
    result = pareto.top_exams(selected, period=query.spec.period, limit=query.limit)
    cover = data_coverage(frame)
    partial = [False] * len(result["x"])
    if cover is not None:
        partial = cover.partial_flags(
            result["x"],
            period=result["period"],
            start=query.spec.start,
            end=query.spec.end,
        )
    return {**result, "partial": partial}


def pending_frame(
    frame: pd.DataFrame, *, query: ViewQuery, targets: Targets
) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """Return every pending exam passing the filters (oldest first) and as_of."""
    as_of = _latest(frame)
    selected = _waiting(frame, query, targets)
    # Ages are clock minutes, whatever ``time``: so are their targets.
    limits = exam_limits(
        clock_time(selected), target=query.spec.target, targets=targets
    )
    if as_of is None:
        return selected.iloc[0:0], None
    return pending.pending_exams(selected, as_of=as_of, targets=limits), as_of


def build_pending(frame: pd.DataFrame, *, query: ViewQuery, targets: Targets) -> dict:
    """Return one page of the pending list with its age bands."""
    selected = _waiting(frame, query, targets)
    return pending.pending_list(
        selected,
        as_of=_latest(frame),
        targets=exam_limits(
            clock_time(selected), target=query.spec.target, targets=targets
        ),
        page=query.spec.page,
        page_size=query.spec.page_size,
    )


def _waiting(frame: pd.DataFrame, query: ViewQuery, targets: Targets) -> pd.DataFrame:
    """Return the exams passing the filters with no final report yet.

    Only they are listed: their targets alone are worked out (a few
    percent of the exams, not all 10M).
    """
    mask = selection_mask(frame, spec=query.spec)
    mask &= frame[fields.FINALIZED_AT].isna().to_numpy()
    # The columns listed and those their targets read (working days: the
    # report interval's start), no other.
    columns = [
        *pending.ROW_FIELDS,
        fields.COMPLETED_AT,
        fields.FINALIZED_AT,
        *target_columns(targets, fields.INTERVALS),
    ]
    out = frame.loc[mask, frame.columns.intersection(list(dict.fromkeys(columns)))]
    out.attrs = dict(frame.attrs)
    return out


def _latest(frame: pd.DataFrame) -> pd.Timestamp | None:
    """Return the data set's latest time (once per frame: five columns' max)."""
    return memo.answers.get(frame, ("latest",), lambda: pending.latest_timestamp(frame))


def build_forecast(frame: pd.DataFrame, *, query: ViewQuery) -> dict:
    """Return the volume forecast after the last complete day (or ``end``)."""
    cover = _coverage_or_error(frame)
    last_day = cover.last_complete_day
    if query.spec.end:
        last_day = min(last_day, query.spec.end)
    result = forecast.forecast(
        apply_filters(frame, spec=query.spec),
        last_day=last_day,
        horizon_weeks=query.horizon_weeks,
        split=query.split,
        period=query.period,
    )
    history = [
        {**past, "partial": cover.partial_flags(past["x"], period=query.period)}
        for past in result["history"]
    ]
    return {**result, "history": history, "coverage": cover.as_json()}
