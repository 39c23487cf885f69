"""Analysis views beyond the bar chart: JSON/CSV endpoints and their pages.

Each endpoint parses the query (shared ``<filters>`` plus its own choices),
calls one pure builder in ``exams.analysis.insights.build`` on the session's prepared
frame and answers JSON, or CSV with ``format=csv``. Each page renders the same
answer with its Plotly figure(s) and drill-down links.
"""

import dataclasses
import functools

from django.http import JsonResponse
from django.shortcuts import render

from exams import analysis
from exams.analysis import export
from exams.analysis.errors import AnalysisError
from exams.analysis.insights import build
from exams.presentation import filter_bar, presenters
from exams.presentation import insight_pages as pages
from exams.presentation.downloads import download_name
from exams.presentation.empty import data_state
from exams.presentation.links import analysis_paths
from exams.staticfinders import PLOTLY_JS
from exams.storage import preferences, store
from exams.storage.measured import frame_in_time
from exams.views._common import (
    api_errors,
    csv_response,
    json_error,
    parse_page,
    parse_request,
)
from exams.views.errors import require_GET
from exams.views.pages import page_errors

# Filters a page does not apply, and why (said next to the control).
IGNORES = {
    "overview": {
        "dates": "Overview ignores the dates: it always shows the last 7 and 28 "
        "days of the export against the days before."
    },
}


def _applied(view: str, spec):
    """Return the filters a view applies (overview: all but the dates)."""
    if "dates" in IGNORES.get(view, {}):
        return dataclasses.replace(spec, start=None, end=None)
    return spec


def _endpoint(view: str, *, frame_of=frame_in_time):
    """Answer JSON or CSV from ``compute(frame, query) -> (result, to_csv)``.

    ``frame_of(request)`` returns the frame (by default in the query's time).
    """

    def decorate(compute):
        @require_GET
        @api_errors
        @functools.wraps(compute)
        def wrapper(request):
            query = parse_request(request, view)
            try:
                result, to_csv = compute(frame_of(request), query)
            except AnalysisError as exc:
                return json_error(exc.message, status=exc.status)
            if query.spec.format == "csv":
                return csv_response(
                    to_csv(result, raw=query.raw),
                    filename=download_name(view, query.spec),
                )
            return JsonResponse(result)

        return wrapper

    return decorate


@_endpoint("distribution")
def distribution_api(frame, query):
    """``GET /api/distribution?metric=&by=``: buckets and box plots."""
    table = export.boxes_csv if query.table == "boxes" else export.distribution_csv
    return build.build_distribution(frame, query=query), table


@_endpoint("heatmap")
def heatmap_api(frame, query):
    """``GET /api/heatmap?metric=&stat=&target=``: weekday × hour grid."""
    targets = preferences.get_targets()
    return build.build_heatmap(frame, query=query, targets=targets), export.heatmap_csv


@_endpoint("compare")
def compare_api(frame, query):
    """``GET /api/compare?against=previous|last_year``: headline changes."""
    targets = preferences.get_targets()
    return build.build_compare(frame, query=query, targets=targets), export.compare_csv


@_endpoint("overview")
def overview_api(frame, query):
    """``GET /api/overview``: last 7 and 28 days against the days before."""
    targets = preferences.get_targets()
    result = build.build_overview(frame, query=query, targets=targets)
    return result, export.overview_csv


@_endpoint("pareto")
def pareto_api(frame, query):
    """``GET /api/pareto?by=exam_name|ordering_physician|modality``."""
    return build.build_pareto(frame, query=query), export.pareto_csv


@_endpoint("top_exams")
def top_exams_api(frame, query):
    """``GET /api/top_exams?period=&limit=``: top exam types over time."""
    return build.build_top_exams(frame, query=query), export.top_exams_csv


@_endpoint("forecast")
def forecast_api(frame, query):
    """``GET /api/forecast?horizon_weeks=&split=&period=``; 422 if too short."""
    return build.build_forecast(frame, query=query), export.forecast_csv


@require_GET
@api_errors
def pending_api(request):
    """``GET /api/pending?page=&page_size=``: unreported exams, oldest first."""
    query = parse_request(request, "pending")
    frame = frame_in_time(request)
    targets = preferences.get_targets()
    if query.spec.format == "csv":
        exams, _ = build.pending_frame(frame, query=query, targets=targets)
        return csv_response(
            export.pending_csv(exams, raw=query.raw),
            filename=download_name("pending", query.spec),
        )
    return JsonResponse(build.build_pending(frame, query=query, targets=targets))


def _page(view: str, own, *, frame_of=frame_in_time):
    """Render ``exams/insights/<view>.html`` from ``make(frame, query, paths)``.

    ``own(query)`` returns the view's own parameters, kept in its links;
    ``frame_of(request)`` the frame (by default in the query's time). A bad
    query answers 400 and no data set sends the user to the upload page, as
    the dashboard does; a view that cannot be computed shows why (422).
    """

    def decorate(make):
        @require_GET
        @page_errors
        @functools.wraps(make)
        def wrapper(request):
            query = parse_page(request, view)
            frame = frame_of(request)
            paths = analysis_paths()
            context = pages.common_context(view, query, paths=paths, own=own(query))
            context.update(current_dataset=store.current_dataset(request))
            context["PLOTLY_JS"] = PLOTLY_JS
            context["filter_text"] = presenters.describe_filters(query.spec)
            context["bar"] = filter_bar.filter_bar(
                query.spec,
                analysis.options(frame, shifts=preferences.get_shifts()),
                keep=filter_bar.keep_pairs(request.GET),
                ignores=IGNORES.get(view),
                count=analysis.count_exams(frame, spec=_applied(view, query.spec)),
            )
            status = 200
            context.update(
                data_state(
                    frame,
                    spec=query.spec,
                    view=view,
                    page=request.path,
                    own=own(query),
                    filter_text=context["filter_text"],
                )
            )
            try:
                if not context["empty"]:
                    context.update(make(frame, query, paths))
            except AnalysisError as exc:
                context["problem"], status = exc.message, exc.status
            context["page_data"] = {"charts": context.get("charts", [])}
            template = f"exams/insights/{view}.html"
            return render(request, template, context, status=status)

        return wrapper

    return decorate


@_page("overview", lambda q: {})
def overview_page(frame, query, paths):
    """The morning page: last 7 and 28 days against the days before."""
    result = build.build_overview(frame, query=query, targets=preferences.get_targets())
    return pages.overview_context(result, query, paths=paths)


@_page("distribution", lambda q: {"metric": q.metric, "by": q.by})
def distribution_page(frame, query, paths):
    """Buckets of one interval and box plots of all three by group."""
    result = build.build_distribution(frame, query=query)
    return pages.distribution_context(result, query, paths=paths)


@_page("heatmap", lambda q: {"metric": q.metric})
def heatmap_page(frame, query, paths):
    """Weekday × hour of completion."""
    result = build.build_heatmap(frame, query=query, targets=preferences.get_targets())
    shifts = pages.hour_shifts(preferences.get_shifts())
    return pages.heatmap_context(result, query, paths=paths, hour_shifts=shifts)


@_page("compare", lambda q: {"against": q.against})
def compare_page(frame, query, paths):
    """This range against the previous one or last year."""
    result = build.build_compare(frame, query=query, targets=preferences.get_targets())
    return pages.compare_context(result, query, paths=paths)


@_page("pareto", lambda q: {"by": q.by, "limit": q.limit})
def pareto_page(frame, query, paths):
    """Pareto of exam types, physicians or modalities, and the top-exam trend."""
    result = build.build_pareto(frame, query=query)
    trend = build.build_top_exams(frame, query=query)
    return pages.pareto_context(result, trend, query, paths=paths)


@_page("pending", lambda q: {})
def pending_page(frame, query, paths):
    """Exams with no final report, oldest first."""
    result = build.build_pending(frame, query=query, targets=preferences.get_targets())
    return pages.pending_context(result, query, paths=paths)


@_page(
    "forecast",
    lambda q: {"horizon_weeks": q.horizon_weeks, "split": q.split, "period": q.period},
)
def forecast_page(frame, query, paths):
    """Expected exams per day or week with the backtest beside a baseline."""
    result = build.build_forecast(frame, query=query)
    return pages.forecast_context(result, query, paths=paths)
