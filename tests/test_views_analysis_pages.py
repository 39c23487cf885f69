"""The analysis pages through Django's stack: charts, links, escaping, errors."""

import pytest

from tests.analysis_export import (
    ENDPOINTS,
    EVIL,
    PAGES,
    long_csv,
)
from tests.client_fixtures import load
from tests.html_reader import (
    assert_nothing_fetched_from_elsewhere,
    json_script,
    read_page,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_storage")]


@pytest.mark.parametrize("url", PAGES)
def test_pages_without_data_go_to_the_upload_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/upload"


def page_data(response) -> dict:
    """Return the charts the page embeds with json_script."""
    return json_script(response.content, "insight-data")


@pytest.mark.parametrize("url", PAGES[:-1])
def test_every_page_renders_its_charts(analysed, url):
    response = analysed.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    data = page_data(response)
    assert data["charts"], url
    for chart in data["charts"]:
        assert f'id="{chart["id"]}"' in text
        assert chart["figure"]["data"]
    # Strict CSP: no inline script other than the JSON data block.
    inline = [s for s in read_page(text).scripts if "src" not in s.attrs]
    assert all(s.attrs.get("type") == "application/json" for s in inline)
    assert_nothing_fetched_from_elsewhere(text)
    assert 'href="/api/' in text and "format=csv" in text
    for tab in PAGES:
        assert f'href="{tab}' in text


def test_forecast_page_explains_short_history(analysed):
    response = analysed.get("/insights/forecast")
    assert response.status_code == 422
    assert "56 days" in response.content.decode()


def test_forecast_page_with_enough_history(client):
    load(client, long_csv())
    response = client.get("/insights/forecast?split=modality")
    assert response.status_code == 200
    assert page_data(response)["charts"][0]["id"] == "chart-forecast"


def test_pages_escape_names_and_keep_filters_in_links(analysed):
    response = analysed.get("/insights/pareto?by=ordering_physician&modality=XR")
    text = response.content.decode()
    assert EVIL not in text
    # Tabs keep the shared filters but not the view's own choices.
    assert 'href="/insights/heatmap?modality=XR"' in text
    csv_link = "/api/pareto?modality=XR&amp;format=csv&amp;by=ordering_physician"
    assert f'href="{csv_link}&amp;limit=10"' in text


def test_drill_down_links_use_the_filter_vocabulary(analysed):
    data = page_data(analysed.get("/insights/distribution?by=modality&modality=CT"))
    boxes = data["charts"][1]["drill"]["urls"]
    assert boxes["CT"] == "/exams?modality=CT&sort=-complete_to_final"
    buckets = data["charts"][0]["drill"]["urls"]
    assert buckets["pending"] == "/insights/pending?modality=CT"
    heat = page_data(analysed.get("/insights/heatmap"))["charts"][0]["drill"]["urls"]
    assert heat["Sat|08"] == "/exams?shift=day&days=weekend"
    assert heat["Mon|23"] == "/exams?shift=night&days=weekday"
    compare = page_data(analysed.get("/insights/compare?start=2025-03-10"))
    days = compare["charts"][0]["drill"]["urls"]
    assert days["2025-03-15"] == "/exams?start=2025-03-15&end=2025-03-15"


def test_bad_page_query_is_400_with_the_reason(analysed):
    response = analysed.get("/insights/heatmap?metric=ordered")
    assert response.status_code == 400
    assert "ordered" in response.content.decode()


@pytest.mark.parametrize("url", ENDPOINTS + PAGES)
def test_a_filter_matching_nothing_still_answers(analysed, url):
    response = analysed.get(url + "?modality=NOPE")
    expected = 422 if "forecast" in url else 200
    assert response.status_code == expected, response.content[:300]
