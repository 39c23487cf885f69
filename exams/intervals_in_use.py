"""The user's named intervals join the declared ones for each request.

Every view, table, chart, CSV and report reads its intervals from
``exams.fields`` (``INTERVALS``, ``INTERVAL_LIST`` …); this middleware puts
the custom intervals saved in the settings there for the request it
answers, so each is a metric everywhere with no view knowing about it.
"""

from exams import fields


class CustomIntervalsMiddleware:
    """Answer each request with the saved custom intervals in use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with fields.custom_intervals_in_use(_saved):
            return self.get_response(request)


def _saved() -> list[fields.Interval]:
    """Return the saved custom intervals (read when an interval is first asked)."""
    # Imported here: the settings import exams.middleware before the apps
    # (and so the Preference model) are ready.
    from exams.storage.preferences import get_custom_intervals

    return [c.declared() for c in get_custom_intervals()]
