"""Helpers shared by the views: JSON errors and the current data set."""

import dataclasses
import functools

from django.http import HttpResponse, JsonResponse

from exams import fields
from exams.analysis.dashboard.options import present_values
from exams.analysis.frame.shifts import SettingsError
from exams.query import views as query_views
from exams.query.filters import FilterError
from exams.query.forgiving import drop_absent, forgive
from exams.storage import preferences, store

# The filters whose values a data set defines, and their columns.
_PRESENT = {
    param: column for param, column in fields.FILTER_FIELDS.items() if param != "shift"
}


def parse_request(request, view: str) -> query_views.ViewQuery:
    """Return the checked query of ``view`` (its shifts as configured)."""
    names = [s.name for s in preferences.get_shifts()]
    custom = [c.name for c in preferences.get_custom_intervals()]
    return query_views.parse(
        request.GET, view=view, shift_names=names, custom_intervals=custom
    )


def parse_page(request, view: str) -> query_views.ViewQuery:
    """Return the query of a page, dropping values no longer defined.

    The notes saying which are kept on ``request.dropped_filters`` for the
    page template (base.html shows them).
    """
    names = [s.name for s in preferences.get_shifts()]
    custom = [c.name for c in preferences.get_custom_intervals()]
    query, notes = forgive(
        lambda q: query_views.parse(
            q, view=view, shift_names=names, custom_intervals=custom
        ),
        request.GET,
    )
    return without_absent(request, query, notes)


def without_absent(request, query, notes: tuple[str, ...] = ()):
    """Return ``query`` without filter values the data set does not have.

    The notes (``notes`` plus one per dropped value) go on
    ``request.dropped_filters``.
    """
    spec = query.spec
    if any(getattr(spec, param) for param in _PRESENT):
        frame = store.current_frame(request)
        present = {
            param: present_values(frame[column])
            for param, column in _PRESENT.items()
            if getattr(spec, param) and column in frame.columns
        }
        spec, more = drop_absent(spec, present=present)
        notes = (*notes, *more)
        query = dataclasses.replace(query, spec=spec)
    request.dropped_filters = notes
    return query


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
