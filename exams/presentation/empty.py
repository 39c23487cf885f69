"""Empty views said in words: which filters match nothing and what to change.

A page whose filters match no exam shows this instead of empty axes or
"Total 0 100%", with a link that keeps the data set and the page's own
choices but clears the filters.
"""

import dataclasses

import pandas as pd

from exams.analysis.filtering import filter_mask
from exams.presentation.links import link
from exams.query.filters import FilterSpec

# Views that ignore the date filters (they choose their own windows).
_UNDATED = ("overview",)


def empty_state(
    frame: pd.DataFrame,
    *,
    spec: FilterSpec,
    view: str,
    page: str,
    own: dict,
    filter_text: str,
) -> dict | None:
    """Return what an empty page says, or None when some exam matches ``spec``."""
    if view in _UNDATED:
        spec = dataclasses.replace(spec, start=None, end=None)
    if len(frame) and filter_mask(frame, spec=spec).any():
        return None
    return {
        "title": "No exams match these filters",
        "filters": filter_text,
        "advice": (
            "Nothing to draw or count. Remove a filter or widen the dates, "
            "or show this view for the whole data set."
        ),
        "reset_url": link(page, FilterSpec(), own),
        "reset_label": "Clear the filters",
    }
