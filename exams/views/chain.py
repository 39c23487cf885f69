"""Where the time goes: segments and control charts (JSON, CSV, pages), holidays.

Each endpoint parses the query (shared ``<filters>`` plus its own), calls
one pure function in ``exams.analysis`` on the session's frame and answers
JSON, or CSV with ``format=csv``; each page renders the same answer.
"""

from django.http import JsonResponse

from exams import fields
from exams.analysis import apply_filters
from exams.analysis.chain.control import ControlError, control_chart
from exams.analysis.chain.segments import chain_of, segments, segments_csv
from exams.analysis.frame import memo
from exams.analysis.frame.prepare import rank_column
from exams.analysis.frame.shifts import SettingsError
from exams.analysis.frame.targets import exam_targets
from exams.analysis.frame.working_time import holidays_from_csv
from exams.presentation import chain as presentation
from exams.presentation.links import analysis_paths
from exams.query.views import ViewQuery, read_time
from exams.storage import measured, preferences, store
from exams.views._common import api_errors
from exams.views.analysis import _endpoint, _page
from exams.views.errors import require_http_methods

MAX_HOLIDAY_CSV = 1_000_000


def _metrics() -> dict[str, str]:
    custom = {c.name: c.label for c in preferences.get_custom_intervals()}
    return {**fields.INTERVAL_LABELS, **custom}


def _segments(frame, query: ViewQuery) -> dict:
    """Return the segments of ``frame`` (clock time: the links are measured here)."""
    working = preferences.get_working_time() if query.time == "working" else None
    selected = apply_filters(frame, spec=query.spec)
    chain = chain_of(frame)
    return memo.over_all(
        frame,
        selected,
        ("segments", tuple(chain), query.by, working),
        lambda rows: segments(rows, chain=chain, by=query.by, working=working),
    )


def _control(frame, query: ViewQuery) -> dict:
    """Return the control chart of ``frame`` (measured in the query's time)."""
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
        ranks=_ranks(selected, query.metric),
    )
    return {"metric": query.metric, "time": query.time, **result}


def _ranks(frame, metric: str):
    """Return the prepared ranks of an interval, when the frame has them."""
    column = rank_column(metric)
    return frame[column].to_numpy() if column in frame else None


def _current_frame(request):
    # Looked up on each call, not bound when the views are imported.
    return store.current_frame(request)


@_endpoint("segments", frame_of=_current_frame)
def segments_api(frame, query):
    """``GET /api/segments?<filters>&by=&time=``: median of each link."""
    return _segments(frame, query), segments_csv


@_endpoint("control")
def control_api(frame, query):
    """``GET /api/control?<filters>&metric=&stat=&period=&baseline_start=&…``."""
    result = _control(frame, query)
    result = presentation.link_signals(result, query, paths=analysis_paths())
    return result, presentation.control_csv


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


def _working(context: dict) -> dict:
    return {**context, "working_time": preferences.get_working_time().as_json()}


@_page("segments", presentation.own_segments, frame_of=_current_frame)
def segments_page(frame, query, paths):
    """Where the time goes: the median of each link of the chain."""
    result = _segments(frame, query)
    return _working(presentation.segments_context(result, query, paths=paths))


@_page("control", presentation.own_control)
def control_page(frame, query, paths):
    """Is it real or noise: a control chart with special causes marked."""
    result = _control(frame, query)
    context = presentation.control_context(
        result, query, paths=paths, metrics=_metrics()
    )
    return _working(context)


def report_sections(request, spec, *, interval: str) -> dict:
    """Return the report's segments and weekly control chart (``/report``).

    The control chart follows the report's interval and statistic; it is
    left out, with the reason, when there are too few weeks.
    """
    query = ViewQuery(
        spec=spec, time=read_time(request.GET), metric=interval, period="week"
    )
    result = _segments(store.current_frame(request), query)
    try:
        control = _control(measured.frame_in_time(request), query)
    except ControlError as exc:
        control = {"problem": exc.message}
    return presentation.report_context(result, control, metric=interval)
