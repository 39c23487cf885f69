"""Drill-down from a chart to the exam list, and the list's sorting, pages, links."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from exams.presentation import presenters
from exams.query.filters import FilterError, parse_query
from tests.page_helpers import html

# ---- drill-down and the exam list ----------------------------------------------


def test_drill_turns_bucket_and_series_into_filters(loaded):
    response = loaded.get(
        "/exams/drill?period=week&split=modality&modality=CT&modality=XR"
        "&bucket=2025-03-03&series=CT"
    )
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/exams"
    query = parse_qs(target.query)
    assert query["modality"] == ["CT"]
    assert (query["start"], query["end"]) == (["2025-03-03"], ["2025-03-09"])
    listed = loaded.get(response["Location"])
    assert listed.context["total"] == "1"  # A1; A4 is in the next week


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_storage")]


def test_drill_keeps_a_narrower_date_range(loaded):
    response = loaded.get(
        "/exams/drill?period=month&start=2025-03-05&bucket=2025-03&series=All"
    )
    query = parse_qs(urlsplit(response["Location"]).query)
    assert (query["start"], query["end"]) == (["2025-03-05"], ["2025-03-31"])
    assert "modality" not in query


def test_drill_with_a_bad_bucket_is_a_400_page(loaded):
    response = loaded.get("/exams/drill?period=quarter&bucket=2025-Q7")
    assert response.status_code == 400
    assert "2025-Q7" in html(response)


def test_exam_list_sorts_by_a_column_and_links_the_reverse(loaded):
    response = loaded.get("/exams?sort=-order_to_final")
    rows = response.context["rows"]
    accession_column = 0
    assert [r[accession_column]["text"] for r in rows] == ["A3", "A1", "A4", "A2"]
    header = next(
        h for h in response.context["headers"] if h["field"] == "order_to_final"
    )
    assert header["aria_sort"] == "descending"
    assert "sort=order_to_final" in header["url"]
    assert 'aria-sort="descending"' in html(response)


def test_exam_list_pages(loaded):
    response = loaded.get("/exams?page_size=3")
    assert response.context["first"] == "1" and response.context["last"] == "3"
    assert "page=2" in response.context["next_url"]
    second = loaded.get(response.context["next_url"])
    assert [r[0]["text"] for r in second.context["rows"]] == ["A4"]
    assert second.context["prev_url"]


def test_exam_list_links_the_csv_of_the_same_query(loaded):
    response = loaded.get("/exams?modality=CT&sort=-complete_to_final")
    csv_url = response.context["csv_url"]
    assert csv_url.startswith("/api/exams?")
    query = parse_qs(urlsplit(csv_url).query)
    assert query["modality"] == ["CT"] and query["format"] == ["csv"]
    csv = loaded.get(csv_url)
    lines = csv.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 2


def test_pending_quality_link_lists_the_pending_exams(loaded):
    response = loaded.get("/exams?quality=pending")
    assert [r[0]["text"] for r in response.context["rows"]] == ["A2"]
    fields_shown = [h["field"] for h in response.context["headers"]]
    final = fields_shown.index("complete_to_final")
    assert "pending" in response.context["rows"][0][final]["text"]
    csv = loaded.get(response.context["csv_url"])
    assert csv["Content-Type"].startswith("text/csv")
    assert len(csv.content.decode("utf-8-sig").strip().splitlines()) == 2


def test_negative_quality_link_lists_final_before_completion(loaded):
    response = loaded.get("/exams?quality=negative&metric=complete_to_final")
    assert [r[0]["text"] for r in response.context["rows"]] == ["A4"]


def test_unknown_quality_is_a_400(loaded):
    assert loaded.get("/exams?quality=gremlins").status_code == 400


def test_empty_exam_list_explains_itself(loaded):
    # XR and STAT both exist, never together (A2, the one XR, is Routine).
    text = html(loaded.get("/exams?modality=XR&priority=STAT"))
    assert "No exams match these filters" in text


# ---- presenters on their own ------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "label", "start", "end"),
    [
        ("day", "2025-03-14", "2025-03-14", "2025-03-14"),
        ("week", "2025-03-10", "2025-03-10", "2025-03-16"),
        ("month", "2024-02", "2024-02-01", "2024-02-29"),
        ("quarter", "2025-Q4", "2025-10-01", "2025-12-31"),
        ("year", "2025", "2025-01-01", "2025-12-31"),
    ],
)
def test_bucket_range(period, label, start, end):
    assert presenters.bucket_range(label, period) == (
        dt.date.fromisoformat(start),
        dt.date.fromisoformat(end),
    )


@pytest.mark.parametrize(
    ("period", "label"),
    [
        ("week", "2025-03-11"),
        ("month", "2025-13"),
        ("quarter", "2025-Q0"),
        ("day", "x"),
    ],
)
def test_bucket_range_refuses_labels_that_are_not_buckets(period, label):
    with pytest.raises(FilterError, match="bucket"):
        presenters.bucket_range(label, period)


def test_drill_spec_ignores_blank_series():
    spec = parse_query({"split": ["physician"], "period": ["year"]})
    chosen = presenters.drill_spec(spec, bucket="2025", series="(blank)")
    assert chosen.physician == ()
    assert (chosen.start, chosen.end) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
