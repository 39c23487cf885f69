"""Where the time goes: segments and control charts (JSON, CSV, pages), holidays.

Each endpoint parses the query (shared ``<filters>`` plus its own), calls
one pure function in ``exams.analysis`` on the session's frame and answers
JSON, or CSV with ``format=csv``; each page renders the same answer.
"""

import functools

from django.http import JsonResponse
from django.shortcuts import render

from exams import fields
from exams.analysis import apply_filters
from exams.analysis.control import ControlError, control_chart
from exams.analysis.segments import chain_of, segments, segments_csv
from exams.analysis.shifts import SettingsError
from exams.analysis.targets import exam_targets
from exams.analysis.working_time import holidays_from_csv
from exams.presentation import chain as presentation
from exams.presentation import presenters
from exams.presentation.downloads import download_name
from exams.presentation.links import analysis_paths
from exams.query.chain import ChainQuery, parse_chain, parse_time
from exams.staticfinders import PLOTLY_JS
from exams.storage import measured, preferences, store
from exams.views._common import api_errors, csv_response, json_error
from exams.views.errors import require_GET, require_http_methods
from exams.views.pages import page_errors

MAX_HOLIDAY_CSV = 1_000_000


def _metrics() -> dict[str, str]:
    custom = {c.name: c.label for c in preferences.get_custom_intervals()}
    return {**fields.INTERVAL_LABELS, **custom}


def _query(request) -> ChainQuery:
    names = [s.name for s in preferences.get_shifts()]
    return parse_chain(request.GET, shift_names=names, metrics=tuple(_metrics()))


def _segments(request, query: ChainQuery) -> dict:
    frame = store.current_frame(request)
    working = preferences.get_working_time() if query.time == "working" else None
    selected = apply_filters(frame, spec=query.spec)
    return segments(selected, chain=chain_of(frame), by=query.by, working=working)


def _control(request, query: ChainQuery) -> dict:
    frame = measured.frame_in_time(request)
    selected = apply_filters(frame, spec=query.spec)
    spec = query.spec
    limits = spec.target
    if spec.stat == "within" and limits is None:
        limits = exam_targets(
            selected, preferences.get_targets(), metric=query.metric
        ).to_numpy()
    result = control_chart(
        selected,
        values=selected[query.metric].to_numpy(dtype=float, na_value=float("nan")),
        stat=spec.stat,
        period=query.period,
        limits=limits,
        baseline_start=query.baseline_start,
        baseline_end=query.baseline_end,
    )
    return {"metric": query.metric, "time": query.time, **result}


@require_GET
@api_errors
def segments_api(request):
    """``GET /api/segments?<filters>&by=&time=``: median of each link."""
    query = _query(request)
    result = _segments(request, query)
    if query.spec.format == "csv":
        return csv_response(
            segments_csv(result), filename=download_name("segments", query.spec)
        )
    return JsonResponse(result)


@require_GET
@api_errors
def control_api(request):
    """``GET /api/control?<filters>&metric=&stat=&period=&baseline_start=&…``."""
    query = _query(request)
    try:
        result = _control(request, query)
    except ControlError as exc:
        return json_error(exc.message, status=exc.status)
    result = presentation.link_signals(result, query, paths=analysis_paths())
    if query.spec.format == "csv":
        return csv_response(
            presentation.control_csv(result),
            filename=download_name("control", query.spec),
        )
    return JsonResponse(result)


@require_http_methods(["POST"])
@api_errors
def holidays_api(request):
    """``POST /api/settings/holidays``: replace the holidays from a CSV of dates.

    The CSV is the request body (``text/csv``) or a multipart ``file``.
    """
    upload = request.FILES.get("file")
    raw = upload.read(MAX_HOLIDAY_CSV + 1) if upload else request.body
    if len(raw) > MAX_HOLIDAY_CSV:
        raise SettingsError("The holiday CSV is too large: send at most 1 MB.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SettingsError("Send the holiday CSV as UTF-8 text.") from None
    dates = holidays_from_csv(text)
    working = {**preferences.get_working_time().as_json(), "holidays": dates}
    saved = preferences.save_settings({preferences.WORKING_TIME_KEY: working})
    return JsonResponse(saved)


def _page(view: str, own):
    """Render ``exams/insights/<view>.html`` from ``make(request, query, paths)``."""

    def decorate(make):
        @require_GET
        @page_errors
        @functools.wraps(make)
        def wrapper(request):
            query = _query(request)
            paths = analysis_paths()
            context = presentation.common_context(
                view, query, paths=paths, own=own(query)
            )
            context.update(current_dataset=store.current_dataset(request))
            context["PLOTLY_JS"] = PLOTLY_JS
            context["filter_text"] = presenters.describe_filters(query.spec)
            context["working_time"] = preferences.get_working_time().as_json()
            status = 200
            try:
                context.update(make(request, query, paths))
            except ControlError as exc:
                context["problem"], status = exc.message, exc.status
            context["page_data"] = {"charts": context.get("charts", [])}
            template = f"exams/insights/{view}.html"
            return render(request, template, context, status=status)

        return wrapper

    return decorate


@_page("segments", presentation.own_segments)
def segments_page(request, query, paths):
    """Where the time goes: the median of each link of the chain."""
    result = _segments(request, query)
    return presentation.segments_context(result, query, paths=paths)


@_page("control", presentation.own_control)
def control_page(request, query, paths):
    """Is it real or noise: a control chart with special causes marked."""
    result = _control(request, query)
    return presentation.control_context(result, query, paths=paths, metrics=_metrics())


def report_sections(request, spec, *, interval: str) -> dict:
    """Return the report's segments and weekly control chart (``/report``).

    The control chart follows the report's interval and statistic; it is
    left out, with the reason, when there are too few weeks.
    """
    query = ChainQuery(
        spec=spec,
        time=parse_time(request.GET),
        metric=interval,
        period="week",
    )
    result = _segments(request, query)
    try:
        control = _control(request, query)
    except ControlError as exc:
        control = {"problem": exc.message}
    return presentation.report_context(result, control, metric=interval)
