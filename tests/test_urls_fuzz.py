"""No parameter value answers 500: odd values at every route and every parameter.

Routes come from the URLconf (a new route is covered unasked); parameters
from the one query parser's declarations (the filter spec's fields and each
view's own parameters). Under ``/api/`` a refusal is a 4xx with a JSON
``error``; pages answer 2xx, 3xx or 4xx. Bounded: a few examples per route,
about half a minute in all.
"""

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exams.query.filters import FilterSpec
from exams.query.views import VIEW_PARAMS
from tests.analysis_export import long_csv
from tests.client_fixtures import load
from tests.security_payload import concrete_url
from tests.urlconf import url_patterns

PARAMS = sorted(
    {f.name for f in dataclasses.fields(FilterSpec)}
    | {name for own in VIEW_PARAMS.values() for name in own}
)
# Odd but well-formed values: digits that are not ASCII, the edges of the
# dates pandas can hold and beyond, huge, negative and non-finite numbers,
# floats where integers go, blanks, NUL and very long text.
ODD_VALUES = (
    "²",
    "٣",
    "１２",
    "0001-01-01",
    "9999-12-31",
    "1677-09-21",
    "1677-09-22",
    "2262-04-11",
    "2262-04-12",
    "2024-02-29",
    "2025-02-29",
    "0",
    "-1",
    "-99999999999999999999",
    "99999999999999999999",
    "1e999",
    "-1e999",
    "nan",
    "inf",
    "1.5",
    "2.0",
    "",
    " ",
    "\x00",
    "a" * 5000,
    "%",
    "CT",
    "week",
    "last_year",
    "2025-Q5",
    "2025-W01",
)
REPEATS = 10_000
# Each view's own route, where the declared parameters are read.
VIEW_ROUTES = {
    "series": "/api/series",
    "summary": "/api/summary",
    "exams": "/api/exams",
    "dashboard": "/dashboard",
    "report": "/report",
    "upload": "/upload",
    "exam_list": "/exams",
    "drill": "/exams/drill",
    "distribution": "/api/distribution",
    "heatmap": "/api/heatmap",
    "compare": "/api/compare",
    "overview": "/api/overview",
    "pareto": "/api/pareto",
    "top_exams": "/api/top_exams",
    "pending": "/api/pending",
    "forecast": "/api/forecast",
    "segments": "/api/segments",
    "control": "/api/control",
}


def routes() -> list[str]:
    """Return a concrete path for every route of the URLconf."""
    return sorted(
        {
            concrete_url(
                p, dataset_id="00000000-0000-4000-8000-000000000000", view_id=1
            )
            for p in url_patterns()
        }
    )


@pytest.fixture
def ten_weeks(client, db):
    """The client with ten weeks of exams loaded (enough for a forecast)."""
    return load(client, long_csv(days=70))


def assert_answered(client, path: str, query: list[tuple[str, str]]) -> None:
    """GET ``path`` with ``query``: never a 500; an API refusal says why."""
    response = client.get(path, _as_query(query))
    asked = f"{path} {[(k, v[:20]) for k, v in query][:6]}"
    assert response.status_code < 500, asked
    if path.startswith("/api/") and response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json"), asked
        assert response.json()["error"], asked


def _as_query(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    query: dict[str, list[str]] = {}
    for name, value in pairs:
        query.setdefault(name, []).append(value)
    return query


def test_the_parameters_cover_every_declared_view():
    assert set(VIEW_ROUTES) == set(VIEW_PARAMS)
    assert {"limit", "horizon_weeks", "start", "end", "anonymize"} <= set(PARAMS)
    assert {"baseline_start", "baseline_end", "time"} <= set(PARAMS)


SHARED = sorted(f.name for f in dataclasses.fields(FilterSpec))


def test_every_odd_value_of_every_shared_parameter(ten_weeks):
    for name in SHARED:
        for value in ODD_VALUES:
            assert_answered(ten_weeks, "/api/series", [(name, value)])


@pytest.mark.parametrize("view", sorted(VIEW_PARAMS))
def test_every_odd_value_of_every_parameter_on_its_view(ten_weeks, view):
    # The view's own parameters, and the dates (ranges do arithmetic on them).
    for name in [*VIEW_PARAMS[view], "start", "end"]:
        for value in ODD_VALUES:
            query = [(name, value)]
            if view == "drill" and name != "bucket":
                query.append(("bucket", "2025-03"))
            assert_answered(ten_weeks, VIEW_ROUTES[view], query)


@pytest.mark.parametrize("path", routes())
def test_ten_thousand_repeats(ten_weeks, path):
    query = [(name, "1") for name in ("limit", "modality", "page")] * REPEATS
    assert_answered(ten_weeks, path, query[: REPEATS + 2])


VALUES = st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=12))
QUERIES = st.lists(st.tuples(st.sampled_from(PARAMS), VALUES), max_size=5)


@pytest.mark.parametrize("path", routes())
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=QUERIES)
def test_any_mix_of_odd_values_at_every_route(ten_weeks, path, query):
    assert_answered(ten_weeks, path, query)
