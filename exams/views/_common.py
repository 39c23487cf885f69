"""Helpers shared by the views: JSON errors and the current data set."""

import functools

from django.http import HttpResponse, JsonResponse

from exams.analysis.shifts import SettingsError
from exams.query import views as query_views
from exams.query.filters import FilterError
from exams.storage import preferences, store


def parse_request(request, view: str) -> query_views.ViewQuery:
    """Return the checked query of ``view`` (its shifts as configured)."""
    names = [s.name for s in preferences.get_shifts()]
    custom = [c.name for c in preferences.get_custom_intervals()]
    return query_views.parse(
        request.GET, view=view, shift_names=names, custom_intervals=custom
    )


def json_error(message: str, *, status: int = 400, **extra) -> JsonResponse:
    """Return the contract's error shape: ``{"error": message, ...}``."""
    return JsonResponse({"error": message, **extra}, status=status)


def api_errors(view):
    """Answer a missing data set with 404 and a bad query or setting with 400.

    Only these user-facing errors are caught; anything else is a bug.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except store.NoDataset as exc:
            return json_error(exc.message, status=404)
        except (FilterError, SettingsError) as exc:
            return json_error(str(exc))

    return wrapper


def csv_response(text: str, *, filename: str) -> HttpResponse:
    """Return a CSV download (UTF-8, already neutralised against formulas)."""
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
