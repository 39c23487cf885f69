"""The links that turn results into pages, always through ``reverse()``.

A link is a URL name (``exams/urls.py``) plus a filter spec as its canonical
query string, so a page, a chart's drill-down and a download all carry the
same filters in the same spelling.
"""

import dataclasses
from collections.abc import Mapping
from urllib.parse import urlencode

from django.urls import reverse

from exams.query import filters
from exams.query.filters import FilterSpec

# The analysis pages, by view name (the overview is the first tab).
PAGE_NAMES = {
    "overview": "exams-overview",
    **{
        name: f"exams-insights-{name}"
        for name in (
            "distribution",
            "heatmap",
            "compare",
            "pareto",
            "pending",
            "forecast",
            "segments",
            "control",
        )
    },
}
API_VIEWS = (*PAGE_NAMES, "top_exams")


def link(path: str, spec: FilterSpec, extra: Mapping | None = None) -> str:
    """Return ``path?<query of spec>`` with extra view parameters appended."""
    query = filters.to_query_string(spec)
    own = urlencode({k: v for k, v in (extra or {}).items() if v not in (None, "")})
    joined = "&".join(p for p in (query, own) if p)
    return f"{path}?{joined}" if joined else path


def url_for(name: str, spec: FilterSpec, **changes) -> str:
    """Return the URL named ``name`` with the spec's query (and changes)."""
    return link(reverse(name), dataclasses.replace(spec, **changes))


def with_params(url: str, extra: Mapping[str, str]) -> str:
    """Return ``url`` with ``extra`` parameters appended."""
    if not extra:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(extra)


def named(name: str, params: Mapping[str, str] | None = None) -> str:
    """Return the URL named ``name`` with plain query parameters."""
    return with_params(reverse(name), params or {})


def analysis_paths() -> dict:
    """Return the paths the analysis pages link to, by view name."""
    return {
        "exams": reverse("exams-list"),
        "dashboard": reverse("exams-dashboard"),
        "pages": {name: reverse(url) for name, url in PAGE_NAMES.items()},
        "api": {name: reverse(f"exams-api-{name}") for name in API_VIEWS},
    }
