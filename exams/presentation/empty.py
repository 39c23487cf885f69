"""Empty views said in words: which filters match nothing and what to change.

A page whose filters match no exam shows this instead of empty axes or
"Total 0 100%", with a link that keeps the data set and the page's own
choices but clears the filters.
"""

import dataclasses

import pandas as pd

from exams.analysis.frame.filtering import filter_mask
from exams.presentation.links import link
from exams.query.filters import FilterSpec

# Views that ignore the date filters (they choose their own windows).
_UNDATED = ("overview",)
# Below this many exams, medians, shares and shapes move with single exams.
THIN_EXAMS = 20


def data_state(
    frame: pd.DataFrame,
    *,
    spec: FilterSpec,
    view: str,
    page: str,
    own: dict,
    filter_text: str,
) -> dict:
    """Return ``{"empty": …, "thin": …}``: what a page says of too few exams.

    ``empty`` (no exam) replaces the page; ``thin`` (fewer than
    ``THIN_EXAMS``) is a sentence above it.
    """
    if view in _UNDATED:
        spec = dataclasses.replace(spec, start=None, end=None)
    count = int(filter_mask(frame, spec=spec).sum()) if len(frame) else 0
    if count == 0:
        return {
            "empty": _empty(page=page, own=own, filter_text=filter_text),
            "thin": "",
        }
    thin = ""
    if count < THIN_EXAMS:
        exams = "exam matches" if count == 1 else "exams match"
        thin = (
            f"Only {count} {exams} these filters: too few for the medians, "
            "shares and shapes below to mean much (one exam more or less moves "
            "them). Widen the dates or remove a filter."
        )
    return {"empty": None, "thin": thin}


def _empty(*, page: str, own: dict, filter_text: str) -> dict:
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
