"""Forgiving links: a page opens without a filter whose value is gone.

A bookmark or saved view can name a shift since renamed, an interval since
removed or a modality the data set no longer has. Pages (never the JSON
API, whose 400s are documented) drop that value and say so, instead of
answering a bare 400 page or an empty one.
"""

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from exams import fields
from exams.query.filters import FilterError, FilterSpec, query_values

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


# The text filters whose values come from the data set itself.
_VALUES = {
    "modality": "the modality",
    "priority": "the priority",
    "patient_class": "the patient class",
    "physician": "the ordering physician",
}


def drop_absent(
    spec: FilterSpec, *, present: Mapping[str, Iterable[str]]
) -> tuple[FilterSpec, tuple[str, ...]]:
    """Return ``spec`` without values the data set does not have, and notes.

    ``present`` maps a filter (``modality``…) to the values in the data set;
    values compare as the filter does, case and outer spaces ignored.
    """
    changes, notes = {}, []
    for param, what in _VALUES.items():
        wanted = getattr(spec, param)
        if not wanted or param not in present:
            continue
        known = {value.strip().casefold() for value in present[param]}
        kept = tuple(v for v in wanted if v.strip().casefold() in known)
        gone = [v for v in wanted if v not in kept]
        if not gone:
            continue
        changes[param] = kept
        names = ", ".join(f"“{v}”" for v in gone)
        rest = "the other values are kept" if kept else "that filter is left out"
        notes.append(
            f"This link asked for {what} {names}, which this data set does not "
            f"have; {rest}."
        )
    return dataclasses.replace(spec, **changes), tuple(notes)
