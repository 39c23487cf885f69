"""The numbers: options, series, summary, exam list and settings (docs/API.md).

Each view parses the query into a ``FilterSpec``, calls one analysis
function on the session's prepared frame and answers JSON (or CSV with
``format=csv``). ``api_errors`` turns a bad query into 400 and a missing
data set into 404.
"""

import json

from django.http import JsonResponse

from exams import analysis
from exams.analysis.frame.shifts import SettingsError
from exams.presentation.downloads import download_name, series_kind
from exams.storage import preferences, store
from exams.storage.measured import frame_in_time
from exams.views._common import api_errors, csv_response, json_error, parse_request
from exams.views.errors import require_GET, require_http_methods


@require_GET
@api_errors
def options(request):
    """Return the values present in the data set, for the filter controls."""
    frame = frame_in_time(request)
    return JsonResponse(analysis.options(frame, shifts=preferences.get_shifts()))


def _numbers(request, view: str, build, to_csv):
    """Answer ``build(frame, spec=, targets=)`` as JSON, or CSV with format=csv."""
    query = parse_request(request, view)
    spec = query.spec
    frame = frame_in_time(request)
    result = build(frame, spec=spec, targets=preferences.get_targets())
    if spec.format == "csv":
        kind = view if view != "series" else series_kind(spec)
        return csv_response(
            to_csv(result, raw=query.raw), filename=download_name(kind, spec)
        )
    return JsonResponse(result)


@require_GET
@api_errors
def series(request):
    """Return the chart series for the filters, period, metric, stat and split."""
    return _numbers(request, "series", analysis.build_series, analysis.series_csv)


@require_GET
@api_errors
def summary(request):
    """Return exams and interval statistics per group (``by``) and in total."""
    return _numbers(request, "summary", analysis.build_summary, analysis.summary_csv)


@require_GET
@api_errors
def exam_list(request):
    """Return one page of the filtered exams; CSV gives all of them."""
    query = parse_request(request, "exams")
    spec = query.spec
    frame = frame_in_time(request)
    if spec.format == "csv":
        text = analysis.build_exams_csv(frame, spec=spec, raw=query.raw)
        return csv_response(text, filename=download_name("exams", spec))
    return JsonResponse(analysis.build_exam_list(frame, spec=spec))


@require_GET
@api_errors
def exam_detail(request, accession: str):
    """Return one exam of the current data set by accession."""
    frame = frame_in_time(request)
    exam = analysis.exam_detail(
        frame, accession=accession, targets=preferences.get_targets()
    )
    if exam is None:
        return json_error(
            f"No exam with accession {accession!r} in the current data set.",
            status=404,
        )
    return JsonResponse(exam)


@require_http_methods(["GET", "POST"])
@api_errors
def app_settings(request):
    """Return the settings; ``POST`` a JSON object to change some of them."""
    if request.method == "POST":
        try:
            body = json.loads(request.body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise SettingsError("The request body must be a JSON object.") from None
        saved = preferences.save_settings(body)
        if preferences.SHIFTS_KEY in saved:
            # Prepared frames carry the old shift of every exam.
            store.forget_prepared()
    return JsonResponse(preferences.get_settings())
