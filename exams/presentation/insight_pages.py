"""What the insight pages show: tabs, controls, charts, tables, drill-down links.

Pure functions over the views' JSON answers and the query (no request, no
pandas). Paths come from the view (``paths``: page and exam-list URLs), so the
URL configuration stays in ``exams/urls.py``.

Drill-down uses the shared filter vocabulary only: a chart element links to
the exam list with the filters that select its exams where they can be
expressed (a group, a day, a weekday/weekend shift), otherwise with the
view's filters and a useful sort.
"""

import dataclasses
import datetime as dt
import json
from urllib.parse import parse_qsl

from exams import fields
from exams.analysis.insights.pareto import PARETO_BY
from exams.charts import compare as compare_charts
from exams.charts import distribution as distribution_charts
from exams.charts import forecast as forecast_charts
from exams.charts import heatmap as heatmap_charts
from exams.charts import pareto as pareto_charts
from exams.presentation import formats
from exams.presentation.formats import format_minutes as minutes
from exams.presentation.formats import share
from exams.presentation.headlines import headline_table, overview_table
from exams.presentation.links import link
from exams.presentation.presenters import partial_note
from exams.query import filters
from exams.query.filters import FilterSpec
from exams.query.views import ViewQuery

TABS = (
    ("overview", "Overview"),
    ("distribution", "Distribution"),
    ("heatmap", "Weekday × hour"),
    ("compare", "Compare"),
    ("pareto", "Pareto"),
    ("pending", "Pending"),
    ("forecast", "Forecast"),
    ("segments", "Segments"),
    ("control", "Control chart"),
)
# Fields that belong to one view, reset when moving to another.
_VIEW_FIELDS = (
    "period",
    "metric",
    "stat",
    "target",
    "split",
    "by",
    "sort",
    "page",
    "page_size",
    "format",
)
# An axis names what it shows: with no split, the one box is all exams.
AXIS_LABELS = {"none": "All exams"}
BY_LABELS = {
    "none": "Nothing (all exams)",
    **{d.key: d.label for d in fields.DIMENSIONS},
    **{d.pareto_name: d.label for d in fields.DIMENSIONS},
    "exam_name": "Exam type",
}


def shared_spec(spec: FilterSpec) -> FilterSpec:
    """Return only the shared ``<filters>`` of a spec (view choices reset)."""
    default = FilterSpec()
    return dataclasses.replace(
        spec, **{name: getattr(default, name) for name in _VIEW_FIELDS}
    )


def exams_link(paths: dict, spec: FilterSpec, **changes) -> str:
    """Return the exam list for ``spec`` (shared filters) with ``changes``."""
    return link(paths["exams"], dataclasses.replace(shared_spec(spec), **changes))


def common_context(view: str, query: ViewQuery, *, paths: dict, own: dict) -> dict:
    """Return what every insight page shows: tabs, filters, download links."""
    shared = shared_spec(query.spec)
    shared_query = filters.to_query_string(shared)
    view_spec = dataclasses.replace(query.spec, format="json")
    api = paths["api"][view]
    return {
        "active": "insights",
        "view": view,
        "tabs": [
            {
                "name": name,
                "label": label,
                "current": name == view,
                "url": link(paths["pages"][name], shared),
            }
            for name, label in TABS
        ],
        "filter_pairs": [
            (k, v) for k, v in parse_qsl(shared_query) if k not in ("start", "end")
        ],
        "spec": query.spec,
        "query": query,
        "dashboard_url": link(paths["dashboard"], shared),
        "exams_url": link(paths["exams"], shared),
        "api_url": link(api, view_spec, own),
        "csv_url": link(api, dataclasses.replace(view_spec, format="csv"), own),
    }


def chart(chart_id: str, figure, urls: dict | None = None) -> dict:
    """Return one chart for the page data: its figure and drill-down links."""
    return {
        "id": chart_id,
        "title": "",
        "figure": json.loads(figure.to_json()),
        "drill": {} if urls is None else {"urls": urls},
    }


def distribution_context(result: dict, query: ViewQuery, *, paths: dict) -> dict:
    """Return the distribution page: bucket bars, box plots, tables."""
    spec = query.spec
    sort = f"-{query.metric}"
    bucket_urls = {
        b["label"]: exams_link(paths, spec, sort=sort) for b in result["buckets"]
    }
    bucket_urls["pending"] = link(paths["pages"]["pending"], shared_spec(spec))
    group_urls = {}
    if query.by != "none":
        for box in result["boxes"]:
            if filters.select_group(query.by, box["group"]):
                group_urls[box["group"]] = exams_link(
                    paths,
                    spec,
                    sort=sort,
                    **filters.select_group(query.by, box["group"]),
                )
    return {
        "metric_choices": [
            (m, fields.INTERVAL_LABELS[m])
            for m in result.get("intervals", tuple(fields.INTERVALS))
        ],
        "by_choices": [(b, BY_LABELS[b]) for b in ("none", *fields.BY_CHOICES)],
        "result": result,
        "bucket_rows": [
            {**b, "share_text": share(b["share"])} for b in result["buckets"]
        ],
        "box_rows": [
            {
                **b,
                "label": fields.INTERVAL_LABELS[b["metric"]],
                **{
                    k: minutes(b[k])
                    for k in ("q1", "median", "q3", "lower_whisker", "upper_whisker")
                },
            }
            for b in result["boxes"]
        ],
        "charts": [
            chart(
                "chart-buckets",
                distribution_charts.distribution_figure(result),
                bucket_urls,
            ),
            chart(
                "chart-boxes",
                distribution_charts.box_figure(
                    result["boxes"],
                    by_label=AXIS_LABELS.get(query.by, BY_LABELS[query.by]),
                ),
                group_urls,
            ),
        ],
    }


def heatmap_context(
    result: dict, query: ViewQuery, *, paths: dict, hour_shifts: list[str]
) -> dict:
    """Return the heatmap page; a cell links to its weekday/weekend and shift."""
    urls = {}
    for d, day in enumerate(result["weekdays"]):
        days = "weekend" if d >= 5 else "weekday"
        for hour in result["hours"]:
            urls[f"{day}|{hour:02d}"] = exams_link(
                paths, query.spec, days=days, shift=(hour_shifts[hour],)
            )
    return {
        "metric_choices": [("volume", "Exams completed")]
        + [
            (m, fields.INTERVAL_LABELS[m])
            for m in result.get("intervals", tuple(fields.INTERVALS))
        ],
        "stat_choices": list(fields.STAT_LABELS.items()),
        "result": result,
        "rows": [
            {
                "day": day,
                "cells": list(zip(result["z"][d], result["n"][d], strict=True)),
            }
            for d, day in enumerate(result["weekdays"])
        ],
        "charts": [chart("chart-heatmap", heatmap_charts.heatmap_figure(result), urls)],
        "scale_note": formats.colour_span(result),
    }


def compare_context(result: dict, query: ViewQuery, *, paths: dict) -> dict:
    """Return the compare page: both ranges' headline numbers and daily chart."""
    urls = {}
    for key in ("current", "comparison"):
        for day in result["series"][key]["x"]:
            urls[day] = exams_link(paths, query.spec, start=_date(day), end=_date(day))
    spans = {
        key: exams_link(
            paths,
            query.spec,
            start=_date(result[key]["start"]),
            end=_date(result[key]["end"]),
        )
        for key in ("current", "comparison")
    }
    return {
        "against_choices": [
            ("previous", "The same number of days before"),
            ("last_year", "The same dates last year"),
        ],
        "result": result,
        "rows": headline_table(result),
        "current_label": f"{result['current']['start']} – {result['current']['end']}",
        "comparison_label": (
            f"{result['comparison']['start']} – {result['comparison']['end']}"
        ),
        "span_urls": spans,
        "partial_note": partial_note({**result["series"]["current"], "period": "day"}),
        "charts": [chart("chart-compare", compare_charts.compare_figure(result), urls)],
    }


def _when(iso: str | None) -> str:
    """Return ``YYYY-MM-DDTHH:MM:SS`` as ``YYYY-MM-DD HH:MM`` (``—`` if None)."""
    return iso.replace("T", " ")[:16] if iso else "—"


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def overview_context(result: dict, query: ViewQuery, *, paths: dict) -> dict:
    """Return the overview page: each window beside the days before it."""
    windows = []
    for window in result["windows"]:
        current = window["current"]
        span = dataclasses.replace(
            shared_spec(query.spec),
            start=_date(current["start"]),
            end=_date(current["end"]),
        )
        windows.append(
            {
                "days": window["days"],
                "current": current,
                "comparison": window["comparison"],
                "compare_url": link(paths["pages"]["compare"], span),
                "exams_url": link(paths["exams"], span),
            }
        )
    longest = result["windows"][-1]
    urls = {
        day: exams_link(paths, query.spec, start=_date(day), end=_date(day))
        for key in ("current", "comparison")
        for day in longest["series"][key]["x"]
    }
    return {
        "result": result,
        "windows": windows,
        "rows": overview_table(result["windows"]),
        "charts": [
            chart("chart-overview", compare_charts.compare_figure(longest), urls)
        ],
    }


def pareto_context(result: dict, trend: dict, query: ViewQuery, *, paths: dict) -> dict:
    """Return the Pareto page: bars with cumulative share, and the trend."""
    urls = {}
    for row in result["rows"]:
        changes = filters.select_group(query.by, row["group"])
        if changes:
            urls[row["group"]] = exams_link(paths, query.spec, **changes)
    return {
        "by_choices": [(b, BY_LABELS[b]) for b in PARETO_BY],
        "period_choices": [(p, p.capitalize()) for p in fields.PERIODS],
        "result": result,
        "trend": trend,
        "partial_note": partial_note(trend),
        "top_csv_url": link(
            paths["api"]["top_exams"],
            dataclasses.replace(query.spec, format="csv"),
            {"limit": query.limit},
        ),
        "rows": [
            {
                **r,
                "share_text": share(r["share"]),
                "cumulative_text": share(r["cumulative_share"]),
                "url": urls.get(r["group"]),
            }
            for r in result["rows"]
        ],
        "charts": [
            chart("chart-pareto", pareto_charts.pareto_figure(result), urls),
            chart("chart-top", pareto_charts.top_exams_figure(trend)),
        ],
    }


def pending_context(result: dict, query: ViewQuery, *, paths: dict) -> dict:
    """Return the pending page: age bands, one page of the list, pager."""
    spec = query.spec
    pages = max(1, -(-result["total"] // result["page_size"]))
    pager = {
        "pages": pages,
        "previous": link(
            paths["pages"]["pending"], dataclasses.replace(spec, page=spec.page - 1)
        )
        if spec.page > 1
        else None,
        "next": link(
            paths["pages"]["pending"], dataclasses.replace(spec, page=spec.page + 1)
        )
        if spec.page < pages
        else None,
    }
    rows = [
        {
            **r,
            "age_text": minutes(r["age_minutes"]),
            "target_text": minutes(r["target_minutes"]),
            "completed_text": _when(r["completed_at"]),
        }
        for r in result["rows"]
    ]
    return {
        "result": result,
        "as_of_text": _when(result["as_of"]),
        "rows": rows,
        "pager": pager,
        "first": (spec.page - 1) * spec.page_size + 1 if rows else 0,
        "last": (spec.page - 1) * spec.page_size + len(rows),
        "charts": [chart("chart-pending", distribution_charts.pending_figure(result))],
    }


def forecast_context(result: dict, query: ViewQuery, *, paths: dict) -> dict:
    """Return the forecast page: chart, backtest against the baseline, table."""
    urls = {}
    if result["period"] == "day":
        for day in result["history"][0]["x"]:
            urls[day] = exams_link(paths, query.spec, start=_date(day), end=_date(day))
    check = result["backtest"]
    beats = (
        check["model_error"] is not None
        and check["baseline_error"] is not None
        and check["model_error"] < check["baseline_error"]
    )
    return {
        "split_choices": [("none", "Nothing (all exams)"), ("modality", "Modality")],
        "period_choices": [("day", "Day"), ("week", "Week")],
        "horizon_choices": list(range(1, 13)),
        "result": result,
        "beats_baseline": beats,
        "interval_percent": round(result["interval"] * 100),
        "table": [
            {
                "name": one["name"],
                "points": list(
                    zip(one["x"], one["y"], one["lower"], one["upper"], strict=True)
                ),
            }
            for one in result["series"]
        ],
        "charts": [
            chart("chart-forecast", forecast_charts.forecast_figure(result), urls)
        ],
    }


def hour_shifts(shifts) -> list[str]:
    """Return the shift each hour of the day starts in (for heatmap links)."""
    names = []
    for hour in range(24):
        minute = hour * 60
        names.append(next(s.name for s in shifts if minute in s.minutes_of_day()))
    return names
