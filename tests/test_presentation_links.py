"""Links (exams/presentation/links.py): URL names by reverse(), specs as queries."""

import datetime as dt

from exams.presentation import links
from exams.query.filters import FilterSpec


def test_url_for_reverses_the_name_and_writes_the_canonical_query():
    spec = FilterSpec(modality=("CT", "MR"), start=dt.date(2025, 3, 1))
    assert (
        links.url_for("exams-list", spec, page=2)
        == "/exams?modality=CT&modality=MR&start=2025-03-01&page=2"
    )
    assert links.url_for("exams-dashboard", FilterSpec()) == "/dashboard"


def test_named_and_extra_parameters():
    assert links.named("exams-list", {"quality": "pending"}) == "/exams?quality=pending"
    assert links.with_params("/exams?a=1", {"b": "2"}) == "/exams?a=1&b=2"
    assert links.link("/api/pareto", FilterSpec(), {"limit": 5, "by": ""}) == (
        "/api/pareto?limit=5"
    )


def test_analysis_paths_name_every_page_and_endpoint():
    paths = links.analysis_paths()
    assert paths["pages"]["overview"] == "/overview"
    assert paths["pages"]["forecast"] == "/insights/forecast"
    assert paths["api"]["top_exams"] == "/api/top_exams"
