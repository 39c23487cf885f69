"""The filter bar every page shows: dates with presets and every dimension.

Built from ``fields.DIMENSIONS``, so a new dimension is a new control with
no edit here; the template is ``templates/exams/_filters.html`` and the
behaviour (search, keyboard, presets, links keeping the filters)
``static/exams/js/filter_bar.js``.
"""

import datetime as dt
from collections.abc import Iterable, Mapping

from exams import fields
from exams.presentation.presenters import DAY_LABELS, date_presets
from exams.query.filters import FilterSpec

# Query parameters the bar sets: the rest of a page's query is kept as is.
FILTER_PARAMS = (*(d.key for d in fields.DIMENSIONS), "start", "end")
# A list longer than this gets a search box and a scrolling box.
SEARCH_FROM = 8
_LEGENDS = {"shift": "Shift (by completion time)", "days": "Days"}


def filter_bar(
    spec: FilterSpec,
    options: Mapping,
    *,
    keep: Iterable[tuple[str, str]] = (),
    ignores: Mapping[str, str] | None = None,
    count: int | None = None,
) -> dict:
    """Return the bar's controls for ``spec`` over a data set's ``options``.

    ``keep`` are the page's own query pairs (metric, sort …), sent again
    with the filters; ``ignores`` maps a filter (``dates`` or a dimension
    key) to the sentence saying why this page does not apply it; ``count``
    is the number of exams the page's filters select.
    """
    ignores = dict(ignores or {})
    span = options.get("date_range") or {}
    last = dt.date.fromisoformat(span["end"]) if span.get("end") else None
    return {
        "params": " ".join(FILTER_PARAMS),
        "count": None if count is None else f"{count:,}",
        "start": spec.start,
        "end": spec.end,
        "date_min": span.get("start"),
        "date_max": span.get("end"),
        "presets": date_presets(last, spec=spec),
        "dates_ignored": ignores.get("dates", ""),
        "dimensions": [
            _dimension(d, spec, options, ignores) for d in fields.DIMENSIONS
        ],
        "keep": [(k, v) for k, v in keep if k not in FILTER_PARAMS and k != "page"],
    }


def _dimension(
    dimension: fields.Dimension, spec: FilterSpec, options: Mapping, ignores: Mapping
) -> dict:
    chosen = getattr(spec, dimension.key)
    control = {
        "key": dimension.key,
        "legend": _LEGENDS.get(dimension.key, dimension.label),
        "kind": dimension.kind,
        "ignored": ignores.get(dimension.key, ""),
    }
    if dimension.kind == "choice":
        control["choices"] = [
            {"value": v, "label": DAY_LABELS[v], "checked": chosen == v}
            for v in ("all", *dimension.choices)
        ]
        return control
    values = list(options.get(dimension.options_key) or [])
    wanted = {v.casefold() for v in chosen}
    # A value from a link that is not in the data still shows, ticked.
    values += [v for v in chosen if v.casefold() not in {x.casefold() for x in values}]
    control["items"] = [{"value": v, "checked": v.casefold() in wanted} for v in values]
    control["selected"] = len(chosen)
    control["searchable"] = len(values) > SEARCH_FROM
    return control


def keep_pairs(query) -> list[tuple[str, str]]:
    """Return a QueryDict's pairs that are not filters (the page's own)."""
    return [
        (k, v)
        for k, values in query.lists()
        for v in values
        if k not in FILTER_PARAMS and k != "page" and v != ""
    ]
