"""The analysis endpoints (JSON and CSV) through Django's stack (docs/API.md).

Expected numbers are hand-worked from the tiny export in tests/analysis_export.py.
"""

import csv
import io

import pytest

from tests.analysis_export import ENDPOINTS, long_csv
from tests.client_fixtures import load

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_storage")]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_no_data_set_is_404_with_a_message(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "upload" in response.json()["error"].lower()


def test_distribution_buckets_hand_worked(analysed):
    body = analysed.get("/api/distribution?metric=complete_to_final").json()
    counts = {b["label"]: b["count"] for b in body["buckets"]}
    assert counts == {
        "<1 h": 1,
        "1–4 h": 2,  # 110 and exactly 60
        "4–12 h": 0,
        "12–24 h": 0,
        "24–48 h": 0,
        ">48 h": 0,
        "pending": 1,
    }
    assert body["total"] == 4
    shares = {b["label"]: b["share"] for b in body["buckets"]}
    assert shares["1–4 h"] == 0.5 and shares["pending"] == 0.25
    assert body["excluded"] == {"missing": 0, "negative": 1}
    assert body["by"] == "none"
    assert {b["group"] for b in body["boxes"]} == {"All"}


def test_distribution_boxes_by_modality_and_filters(analysed):
    body = analysed.get("/api/distribution?by=modality&modality=CT").json()
    assert body["total"] == 1  # A1 only: A4 is negative
    report = [b for b in body["boxes"] if b["metric"] == "order_to_complete"]
    # CT order → complete: 90 and 120 → median 105, quartiles 97.5 / 112.5.
    assert [(b["group"], b["n"], b["median"], b["q1"], b["q3"]) for b in report] == [
        ("CT", 2, 105.0, 97.5, 112.5)
    ]


def test_heatmap_volume_and_statistic(analysed):
    body = analysed.get("/api/heatmap").json()
    assert body["weekdays"] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert body["hours"] == list(range(24))
    assert len(body["z"]) == 7 and {len(r) for r in body["z"]} == {24}
    assert (body["z"][0][10], body["z"][0][23], body["z"][5][8], body["z"][5][1]) == (
        1,
        1,
        1,
        1,
    )
    assert body["z"][6][9] == 1
    assert sum(map(sum, body["z"])) == 5
    stat = analysed.get("/api/heatmap?metric=order_to_final&stat=mean").json()
    assert stat["z"][5][8] == 140.0 and stat["n"][5][8] == 1
    assert stat["z"][0][23] is None and stat["n"][0][23] == 0


def test_heatmap_within_target_from_the_query(analysed):
    body = analysed.get(
        "/api/heatmap?metric=complete_to_final&stat=within&target=60"
    ).json()
    assert body["z"][0][10] == 100.0  # 30 ≤ 60
    assert body["z"][5][8] == 0.0  # 110 > 60
    assert body["z"][6][9] == 100.0  # exactly 60 counts as within


def test_compare_default_and_chosen_ranges(analysed):
    default = analysed.get("/api/compare").json()
    assert default["default_range"] is True
    assert (default["current"]["start"], default["current"]["end"]) == (
        "2025-02-17",
        "2025-03-16",
    )
    assert default["current"]["exams"] == 5
    assert default["comparison"]["exams"] == 0
    chosen = analysed.get("/api/compare?start=2025-03-10&end=2025-03-16").json()
    assert (chosen["comparison"]["start"], chosen["comparison"]["end"]) == (
        "2025-03-03",
        "2025-03-09",
    )
    assert (chosen["current"]["exams"], chosen["comparison"]["exams"]) == (2, 3)
    assert chosen["comparison"]["pending"] == 1
    assert chosen["change"]["exams"]["absolute"] == -1
    assert chosen["change"]["exams"]["percent"] == pytest.approx(-33.3333)
    # The date filter chooses the range; the modality filter still applies.
    ct = analysed.get("/api/compare?start=2025-03-10&end=2025-03-16&modality=CT").json()
    assert (ct["current"]["exams"], ct["comparison"]["exams"]) == (1, 1)
    last_year = analysed.get("/api/compare?against=last_year&start=2025-03-01").json()
    assert last_year["comparison"]["start"] == "2024-03-01"
    assert len(last_year["series"]["current"]["y"]) == 16


def test_overview_windows(analysed):
    body = analysed.get("/api/overview").json()
    assert body["as_of"] == "2025-03-16"
    seven = body["windows"][0]
    assert (seven["current"]["exams"], seven["comparison"]["exams"]) == (2, 3)
    assert body["windows"][1]["days"] == 28


def test_pareto_hand_worked(analysed):
    body = analysed.get("/api/pareto?by=modality").json()
    assert [(r["group"], r["exams"]) for r in body["rows"]] == [
        ("CT", 2),
        ("XR", 2),
        ("MR", 1),
    ]
    assert [r["cumulative_share"] for r in body["rows"]] == pytest.approx(
        [0.4, 0.8, 1.0]
    )
    default = analysed.get("/api/pareto").json()
    assert default["by"] == "exam_name"
    assert default["rows"][0] == {
        "group": "XR CHEST 2 VIEWS",
        "exams": 2,
        "share": 0.4,
        "cumulative_share": 0.4,
    }


def test_top_exams_per_week(analysed):
    body = analysed.get("/api/top_exams?period=week&limit=1").json()
    assert body["x"] == ["2025-03-03", "2025-03-10"]
    assert body["series"] == [
        {"name": "XR CHEST 2 VIEWS", "y": [1, 1]},
        {"name": "(other)", "y": [2, 1]},
    ]


def test_pending_ages_to_the_latest_time(analysed):
    body = analysed.get("/api/pending").json()
    assert body["as_of"] == "2025-03-16T10:00:00"
    assert body["total"] == 1
    (row,) = body["rows"]
    assert row["accession"] == "A2"
    # 03-03 23:30 → 03-16 10:00 = 12 days 10 h 30 min.
    assert row["age_minutes"] == 12 * 1440 + 10 * 60 + 30
    assert row["completed_at"] == "2025-03-03T23:30:00"
    # A2 is an inpatient: default target 4 h, long passed.
    assert row["target_minutes"] == 240 and row["overdue"] is True
    assert (body["page"], body["page_size"]) == (1, 100)


def test_forecast_refuses_short_history_with_422(analysed):
    response = analysed.get("/api/forecast")
    assert response.status_code == 422
    message = response.json()["error"]
    assert "56 days" in message and "14 day(s)" in message


def test_forecast_on_ten_weeks(client):
    load(client, long_csv())
    body = client.get("/api/forecast?horizon_weeks=2").json()
    assert body["x"][0] == "2025-03-17" and len(body["x"]) == 14
    (series,) = body["series"]
    assert series["name"] == "All"
    assert set(series) >= {"name", "y", "lower", "upper"}
    # Exactly 3 on weekdays and 1 at weekends: the pattern is learnt exactly.
    assert series["y"][:7] == pytest.approx([3, 3, 3, 3, 3, 1, 1], abs=0.05)
    assert set(body["backtest"]) >= {"model_error", "baseline_error", "measure"}
    assert body["backtest"]["model_error"] == pytest.approx(0, abs=0.05)
    weekly = client.get("/api/forecast?period=week&split=modality").json()
    assert weekly["x"] == ["2025-03-17", "2025-03-24", "2025-03-31", "2025-04-07"]
    assert [s["name"] for s in weekly["series"]] == ["CT"]
    assert weekly["series"][0]["y"][0] == pytest.approx(17, abs=0.1)


@pytest.mark.parametrize(
    ("url", "bad"),
    [
        ("/api/distribution?metric=volume", "volume"),
        ("/api/distribution?by=exam_name", "exam_name"),
        ("/api/distribution?table=pies", "pies"),
        ("/api/heatmap?metric=ordered", "ordered"),
        ("/api/heatmap?stat=p99", "p99"),
        ("/api/heatmap?target=-5", "-5"),
        ("/api/compare?against=next_year", "next_year"),
        ("/api/compare?start=2025-13-01", "2025-13-01"),
        ("/api/compare?start=2025-03-10&end=2025-03-01", "2025-03-10"),
        ("/api/pareto?by=physician", "physician"),
        ("/api/pareto?limit=0", "0"),
        ("/api/top_exams?period=decade", "decade"),
        ("/api/top_exams?limit=26", "26"),
        ("/api/pending?page=0", "0"),
        ("/api/pending?page_size=501", "501"),
        ("/api/pending?shift=brunch", "brunch"),
        ("/api/forecast?horizon_weeks=13", "13"),
        ("/api/forecast?split=shift", "shift"),
        ("/api/forecast?period=month", "month"),
        ("/api/distribution?days=sometimes", "sometimes"),
        ("/api/heatmap?format=xml", "xml"),
    ],
)
def test_bad_parameters_are_400_naming_the_value(analysed, url, bad):
    response = analysed.get(url)
    assert response.status_code == 400, response.content
    assert bad in response.json()["error"]


@pytest.mark.parametrize(
    ("url", "header"),
    [
        ("/api/distribution?format=csv&raw=1", "bucket,lower_minutes,upper_minutes"),
        ("/api/distribution?format=csv&raw=1&table=boxes", "metric,group,n,min,q1"),
        ("/api/heatmap?format=csv&raw=1", "weekday,hour,exams,n"),
        ("/api/compare?format=csv&raw=1", "measure,current,comparison,change"),
        ("/api/overview?format=csv&raw=1", "window,measure,current,previous"),
        ("/api/pareto?format=csv&raw=1", "exam_name,exams,share,cumulative_share"),
        ("/api/top_exams?format=csv&raw=1", "month,XR CHEST 2 VIEWS"),
        ("/api/pending?format=csv&raw=1", "accession,exam_name,modality"),
    ],
)
def test_csv_downloads(analysed, url, header):
    response = analysed.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert text.startswith(header)


def test_csv_neutralises_formulas(analysed):
    text = analysed.get("/api/pareto?by=ordering_physician&format=csv").content
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    groups = [r[0] for r in rows[1:]]
    assert "'=HYPERLINK(1)" in groups
    assert "=HYPERLINK(1)" not in groups
