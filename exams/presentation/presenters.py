"""Turn the analysis answers into what the page templates show.

Pure functions (dicts and dates in, dicts and strings out): no request, no
pandas, so the page views stay short and this is tested on its own.
"""

import dataclasses
import datetime as dt
from collections.abc import Mapping

from exams import fields
from exams.analysis.frame.periods import period_span, period_start
from exams.charts.series import MAX_SERIES, shown_series
from exams.presentation.formats import format_minutes, number, percent
from exams.presentation.links import url_for
from exams.query import filters
from exams.query.filters import FilterError, FilterSpec

# Filter parameters in the order a person reads them back (fields.DIMENSIONS).
_FILTER_LABELS = {d.key: d.label for d in fields.DIMENSIONS if d.kind != "choice"}
SPLIT_LABELS = {
    "none": "Nothing (one series)",
    **{d.key: d.label for d in fields.DIMENSIONS},
}
PERIOD_LABELS = {
    "day": "Day",
    "week": "Week",
    "month": "Month",
    "quarter": "Quarter",
    "year": "Year",
}
DAY_LABELS = {"all": "All days", "weekday": "Weekdays", "weekend": "Weekends"}
# Split name -> the query parameter that filters on the same values.
SPLIT_PARAMS = {s: s for s in fields.SPLITS if s != "none"}
# The chart-data table stops being readable (and the page small) past this.
MAX_TABLE_CELLS = 1200


def date_presets(last: dt.date | None, *, spec: FilterSpec) -> list[dict]:
    """Return the date presets, counted back from the last date in the data."""
    if last is None:
        return []
    month_start = period_start(last, period="month")
    quarter_start = period_start(last, period="quarter")
    previous_month_end = month_start - dt.timedelta(days=1)
    previous_quarter_end = quarter_start - dt.timedelta(days=1)
    presets = [
        ("Last 7 days", last - dt.timedelta(days=6), last),
        ("Last 30 days", last - dt.timedelta(days=29), last),
        ("Last 90 days", last - dt.timedelta(days=89), last),
        ("This month", month_start, last),
        ("Last month", previous_month_end.replace(day=1), previous_month_end),
        ("This quarter", quarter_start, last),
        (
            "Last quarter",
            period_start(previous_quarter_end, period="quarter"),
            previous_quarter_end,
        ),
        ("This year", period_start(last, period="year"), last),
    ]
    rows = [
        {"label": label, "start": start, "end": end} for label, start, end in presets
    ]
    rows.append({"label": "All dates", "start": None, "end": None})
    for row in rows:
        row["active"] = (row["start"], row["end"]) == (spec.start, spec.end)
    return rows


def bucket_range(label: str, period: str) -> tuple[dt.date, dt.date]:
    """Return the first and last day of a chart bucket; raise FilterError."""
    try:
        return period_span(label, period=period)
    except ValueError:
        raise FilterError(
            "bucket", label, f"a {period} label from the chart, e.g. {_example(period)}"
        ) from None


def _example(period: str) -> str:
    return {
        "day": "2025-03-14",
        "week": "2025-03-10 (a Monday)",
        "month": "2025-03",
        "quarter": "2025-Q1",
    }.get(period, "2025")


def drill_spec(spec: FilterSpec, *, bucket: str, series: str | None) -> FilterSpec:
    """Return the exam-list spec for one bar or point of the chart.

    The bucket becomes start/end (within the dates already chosen) and the
    series becomes the split's own filter, so the list uses the dashboard's
    filter vocabulary. A ``(blank)`` or ``All`` series adds no filter.
    """
    start, end = bucket_range(bucket, spec.period)
    changes: dict = {
        "start": max(start, spec.start) if spec.start else start,
        "end": min(end, spec.end) if spec.end else end,
        "page": 1,
    }
    param = SPLIT_PARAMS.get(spec.split)
    if param and series:
        changes.update(filters.select_group(param, series))
    if changes["start"] > changes["end"]:
        raise FilterError(
            "bucket",
            bucket,
            "a bucket inside the chosen dates",
            message=(f"The bucket {bucket} lies outside the chosen dates."),
        )
    return dataclasses.replace(spec, **changes)


def describe_filters(spec: FilterSpec) -> str:
    """Return the filters in words, e.g. ``Modality CT · Shift night · …``."""
    parts = []
    for param, label in _FILTER_LABELS.items():
        values = getattr(spec, param)
        if values:
            shown = ", ".join(values[:3])
            more = f" and {len(values) - 3} more" if len(values) > 3 else ""
            parts.append(f"{label} {shown}{more}")
    if spec.days != "all":
        parts.append(DAY_LABELS[spec.days])
    if spec.start or spec.end:
        start = _long_date(spec.start) if spec.start else "the first exam"
        end = _long_date(spec.end) if spec.end else "the last exam"
        parts.append(f"completed {start} – {end}")
    return " · ".join(parts) if parts else "All exams in the data set"


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def chart_title(spec: FilterSpec) -> str:
    """Return the chart's heading, e.g. ``Median report TAT per month, by shift``."""
    metric = fields.METRIC_LABELS[spec.metric]
    if spec.metric in fields.INTERVALS:
        if spec.stat == "within":
            limit = f"{spec.target:g} min" if spec.target else "target"
            title = f"% within {limit}: {metric}"
        else:
            title = f"{fields.STAT_LABELS[spec.stat]} {metric[0].lower()}{metric[1:]}"
    elif spec.metric == "complete_ratio" and spec.split == "shift":
        return f"Shift ratio (completed ÷ ordered per shift) per {spec.period}"
    else:
        title = metric
    title += f" per {PERIOD_LABELS[spec.period].lower()}"
    if spec.split != "none":
        title += f", by {SPLIT_LABELS[spec.split].lower()}"
    return title


def chart_note(spec: FilterSpec) -> str:
    """Return how to read and use the chart."""
    note = "Click a bar or point to list its exams."
    if spec.period == "day":
        note += " Grey bands are weekends."
    return note


def headline_interval(spec: FilterSpec) -> str:
    """Return the interval the headline describes: the chart's, else total TAT."""
    return spec.metric if spec.metric in fields.INTERVALS else "order_to_final"


def headline(total: Mapping, *, spec: FilterSpec) -> list[dict]:
    """Return the four headline figures for the current filters.

    The second follows the chosen statistic (median, mean, P75, P90) of the
    chart's interval; with ``within`` chosen it shows the median instead,
    since the third figure is already the share within target.
    """
    interval = headline_interval(spec)
    entry = total.get(interval) or {}
    short = SHORT_INTERVALS[interval]
    target = f"≤ {spec.target:g} min" if spec.target else "each exam's target"
    pending = (total.get("complete_to_final") or {}).get("missing")
    stat = "median" if spec.stat == "within" else spec.stat
    return [
        {"label": "Exams", "value": number(total.get("exams")), "note": ""},
        {
            "label": f"{STAT_SHORT[stat]} {short}",
            "value": format_minutes(entry.get(stat)),
            "note": f"n = {number(entry.get('n'))}",
        },
        {
            "label": f"{sentence(short)} within target",
            "value": percent(entry.get("within")),
            "note": target,
        },
        {
            "label": "Pending finals",
            "value": number(pending),
            "note": "no readable final time",
        },
    ]


# Statistic names short enough for a headline card or a table column.
STAT_SHORT = {
    "median": "Median",
    "mean": "Mean",
    "p75": "P75",
    "p90": "P90",
    "within": "Within target",
}


def sentence(text: str) -> str:
    """Return text with a capital first letter (str.capitalize lowers "TAT")."""
    return text[:1].upper() + text[1:]


SHORT_INTERVALS = fields.INTERVAL_SHORT_LABELS


def excluded_note(series: Mapping) -> str:
    """Return what the chart leaves out, in words (empty for counts)."""
    if series.get("metric") not in fields.INTERVALS:
        return ""
    excluded = series.get("excluded") or {}
    missing, negative = excluded.get("missing", 0), excluded.get("negative", 0)
    parts = []
    if missing:
        parts.append(f"{number(missing)} without both times (e.g. no final report yet)")
    if negative:
        parts.append(f"{number(negative)} whose end is before the start")
    return "Left out of these statistics: " + " and ".join(parts) + "." if parts else ""


def summary_table(summary: Mapping, *, spec: FilterSpec, by: str) -> dict:
    """Return the per-group table: exams, the chosen statistic, % within and n.

    ``columns`` name each interval's columns: the chosen statistic (unless
    it is ``within``, with its n beneath) and within target, so five
    intervals still fit a 1366-pixel screen.
    """
    param = SPLIT_PARAMS[by]
    # Only the intervals the data set has (no prelim columns without prelim).
    total = summary.get("total") or {}
    intervals = [m for m in fields.INTERVALS if m in total]
    rows = []
    for row in summary.get("rows", []):
        group = row["group"]
        link_changes = filters.select_group(param, group)
        rows.append(
            {
                "group": group,
                "url": url_for("exams-list", spec, page=1, **link_changes),
                "exams": number(row["exams"]),
                "cells": [
                    _summary_cell(row.get(m) or {}, stat=spec.stat) for m in intervals
                ],
            }
        )
    target = f"{spec.target:g} min" if spec.target else "each exam's target (Settings)"
    return {
        "by_label": SPLIT_LABELS[by],
        "intervals": [sentence(SHORT_INTERVALS[m]) for m in intervals],
        "columns": (
            ["Within target"]
            if spec.stat == "within"
            else [STAT_SHORT[spec.stat], "Within target"]
        ),
        "rows": rows,
        "target_note": target,
    }


def _summary_cell(entry: Mapping, *, stat: str) -> dict:
    # n goes under the first figure rather than in a column of its own: five
    # intervals then fit 1366 px without scrolling sideways.
    n = number(entry.get("n"))
    shown = [{"value": percent(entry.get("within")), "n": ""}]
    if stat == "within":
        shown[0]["n"] = n
    else:
        shown.insert(0, {"value": format_minutes(entry.get(stat)), "n": n})
    return {
        "shown": shown,
        "median": format_minutes(entry.get("median")),
        "p90": format_minutes(entry.get("p90")),
        "within": percent(entry.get("within")),
        "n": number(entry.get("n")),
    }


def chart_table(series: Mapping, *, spec: FilterSpec) -> dict:
    """Return the chart's numbers as rows, each bucket linking to its exams.

    A day chart split many ways has thousands of numbers: then no rows, and
    the page offers the CSV instead.
    """
    shown = shown_series(series)
    labels = series.get("x", [])
    rows = []
    if len(labels) * max(len(shown), 1) <= MAX_TABLE_CELLS:
        for i, label in enumerate(labels):
            cells = [
                (_chart_value(one["y"][i], series), number(one["n"][i]))
                for one in shown
            ]
            rows.append(
                {"label": label, "url": _bucket_url(spec, label), "cells": cells}
            )
    return {
        "x_label": PERIOD_LABELS.get(series.get("period", ""), "Bucket"),
        "names": [one["name"] for one in shown],
        "rows": rows,
        "too_big": bool(labels) and not rows,
        "csv_url": url_for("exams-series", spec, page=1, format="csv"),
    }


def _bucket_url(spec: FilterSpec, label: str) -> str:
    try:
        return url_for("exams-list", drill_spec(spec, bucket=label, series=None))
    except FilterError:
        return ""


def series_note(series: Mapping, *, spec: FilterSpec) -> str:
    """Return a note when the chart shows only the busiest groups of a split."""
    total = len(series.get("series", []))
    if total <= MAX_SERIES:
        return ""
    split = SPLIT_LABELS[spec.split].lower()
    if series.get("metric") in ("volume", "ordered"):
        return (
            f"{total} values of {split}: the {MAX_SERIES - 1} busiest are shown, "
            f"the other {total - MAX_SERIES + 1} are stacked as “Other”."
        )
    return (
        f"{total} values of {split}: only the {MAX_SERIES} busiest are drawn; "
        "tick some in the filters to compare others."
    )


def _chart_value(value, series: Mapping) -> str:
    if value is None:
        return "—"
    unit = series.get("unit")
    if unit == "minutes":
        return format_minutes(value)
    if unit == "%":
        return percent(value)
    if unit == "ratio":
        # Three decimals tell 0.997 from 1.004 (two would show both as 1.00).
        return f"{value:.3f}"
    return number(value)


def summary_by(spec: FilterSpec) -> str:
    """Return the summary table's grouping: the chart's split, else modality."""
    return spec.split if spec.split != "none" else "modality"


def dashboard_results(
    series: Mapping, summary: Mapping, *, spec: FilterSpec, by: str
) -> dict:
    """Return everything the dashboard says about one series and summary."""
    return {
        "empty": summary["total"]["exams"] == 0,
        "chart_title": chart_title(spec),
        "filter_summary": describe_filters(spec),
        "headline": headline(summary["total"], spec=spec),
        "excluded": excluded_note(series),
        "series_note": series_note(series, spec=spec),
        "chart_note": chart_note(spec),
        "partial_note": partial_note(series),
        "summary": summary_table(summary, spec=spec, by=by),
        "table": chart_table(series, spec=spec),
        "exams_url": url_for("exams-list", spec, page=1),
        "slowest_url": url_for(
            "exams-list", spec, page=1, sort=f"-{headline_interval(spec)}"
        ),
        "csv_url": url_for("exams-exam-list", spec, page=1, format="csv"),
    }


def partial_note(series: Mapping) -> str | None:
    """Return the sentence under a chart naming the periods drawn lighter."""
    flags = series.get("partial") or []
    labels = [x for x, flag in zip(series.get("x", []), flags, strict=False) if flag]
    if not labels:
        return None
    period = series.get("period", "month")
    what = f"week of {labels[0]}" if period == "week" and len(labels) == 1 else None
    named = what or ", ".join(labels)
    return (
        f"Drawn lighter: {named}. The export (or the dates chosen) covers only "
        f"part of {'that' if len(labels) == 1 else 'each'} {period}, so "
        f"{'its' if len(labels) == 1 else 'their'} numbers are not a whole "
        f"{period}'s."
    )
