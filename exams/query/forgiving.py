"""Forgiving links: a page opens without a filter whose value is gone.

A bookmark or saved view can name a shift since renamed or an interval since
removed. Pages (never the JSON API, whose 400s are documented) drop that
value and say so, instead of answering a bare 400 page.
"""

from collections.abc import Callable, Mapping
from typing import TypeVar

from exams import fields
from exams.query.filters import FilterError, query_values

T = TypeVar("T")

_WHAT = {"shift": "the shift", "metric": "the interval"}


def no_longer_defined(error: FilterError) -> bool:
    """Return whether ``error`` names a value that settings can remove.

    Shifts and custom intervals are defined in Settings; a built-in metric
    the view cannot draw (``metric=ordered`` on the heatmap) stays an error.
    """
    if error.param == "shift":
        return True
    return error.param == "metric" and error.value.lower() not in fields.METRICS


def forgive(parse: Callable[[Mapping], T], query: Mapping) -> tuple[T, tuple[str, ...]]:
    """Return ``parse``'s answer without undefined values, and a note per value.

    Any other bad value still raises ``FilterError``.
    """
    values = {name: query_values(query, name) for name in query}
    notes: list[str] = []
    while True:
        try:
            return parse(values), tuple(notes)
        except FilterError as error:
            kept = values.get(error.param, [])
            if not no_longer_defined(error) or error.value not in kept:
                raise
            values[error.param] = [v for v in kept if v != error.value]
            notes.append(
                f"This link asked for {_WHAT[error.param]} “{error.value}”, which "
                f"is not defined any more (defined now: {error.allowed}); that "
                "filter is left out."
            )
