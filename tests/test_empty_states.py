"""Empty views said in words, on every page (the tiny five-exam export).

``priority=STAT&patient_class=Outpatient`` matches none of the exams (both
STAT exams, A1 and A4, are ED; tests/analysis_export.py), so each page must
say so, offer a link that clears the filters, and draw no chart nor offer a
download. (A value the data set lacks is dropped instead: test_forgiving_links.)
"""

import pytest

from tests.html_reader import json_script
from tests.page_helpers import html

NOTHING = "priority=STAT&patient_class=Outpatient"
PAGES = [
    ("/overview", "/overview"),
    ("/insights/distribution?metric=order_to_complete", "/insights/distribution"),
    ("/insights/heatmap", "/insights/heatmap"),
    ("/insights/compare", "/insights/compare"),
    ("/insights/pareto", "/insights/pareto"),
    ("/insights/pending", "/insights/pending"),
    ("/insights/forecast", "/insights/forecast"),
    ("/insights/segments", "/insights/segments"),
    ("/insights/control", "/insights/control"),
]


def _with(url: str, query: str) -> str:
    return url + ("&" if "?" in url else "?") + query


@pytest.mark.parametrize(("url", "path"), PAGES)
def test_an_analysis_page_with_no_exams_says_so(analysed, url, path):
    response = analysed.get(_with(url, NOTHING))
    assert response.status_code == 200
    text = html(response)
    assert "No exams match these filters" in text
    assert "STAT" in text.split('id="empty-reset"')[0].rsplit("<h2>", 1)[1]
    # The reset link goes to the same page without the filter.
    start = text.index('id="empty-reset"')
    href = text[text.rindex("href=", 0, start) : start]
    assert path in href and "STAT" not in href and "Outpatient" not in href
    assert json_script(response.content, "insight-data")["charts"] == []
    assert 'id="csv-link"' not in text


@pytest.mark.parametrize(("url", "path"), PAGES)
def test_the_same_page_with_exams_is_not_empty(analysed, url, path):
    text = html(analysed.get(url))
    assert "No exams match these filters" not in text


def test_the_empty_dashboard_says_so_and_offers_no_report(loaded):
    response = loaded.get("/dashboard?" + NOTHING)
    assert response.status_code == 200
    text = html(response)
    assert "No exams match these filters" in text
    assert 'href="/dashboard"' in text  # reset all filters
    button = text[text.index('id="report-button"') :].split(">", 1)[0]
    assert "hidden" in button


def test_the_dashboard_with_exams_offers_the_report(loaded):
    text = html(loaded.get("/dashboard"))
    button = text[text.index('id="report-button"') :].split(">", 1)[0]
    assert "hidden" not in button


def test_the_empty_exam_list_says_so_without_download(loaded):
    response = loaded.get("/exams?" + NOTHING)
    assert response.status_code == 200
    text = html(response)
    assert "No exams match these filters" in text
    assert 'id="csv-link"' not in text
    assert 'href="/exams">list every exam</a>' in text


def test_the_empty_report_says_so_without_charts(loaded):
    response = loaded.get("/report?" + NOTHING)
    assert response.status_code == 200
    text = html(response)
    assert "No exams match these filters" in text
    assert json_script(response.content, "report-figures") == {}


def test_a_thin_view_says_how_few_exams_it_rests_on(analysed):
    """CT has two exams (A1, A4): too few for the numbers to mean much."""
    text = html(analysed.get("/insights/distribution?modality=CT"))
    assert "Only 2 exams match these filters: too few" in text
    assert "No exams match" not in text


def test_a_view_with_enough_exams_has_no_thin_note(client, db):
    from tests.analysis_export import long_csv
    from tests.client_fixtures import load

    load(client, long_csv())  # 70 days, well over 20 exams
    text = html(client.get("/insights/distribution"))
    assert 'id="insight-thin"' not in text
