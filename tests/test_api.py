"""HTTP contract of the numbers API (docs/API.md) through Django's test client.

Most tests inject the four exams of tests/api_exams.py in place of the
session's data set (``store.current_frame``); the last ones upload a real
export.
"""

import io
from urllib.parse import quote

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.api_exams import EXPORT, get


@pytest.fixture
def client(client, exams_current):
    """pytest-django's client, the four exams its current data set."""
    return client


NO_DATA = "No data set is loaded yet: upload a RIS export first."


# ---- no data set -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/api/options", "/api/series", "/api/summary", "/api/exams", "/api/exams/A1"],
)
def test_without_a_data_set_every_endpoint_says_404(db, url):
    response = Client().get(url)
    assert response.status_code == 404
    assert response.json() == {"error": NO_DATA}


# ---- options ---------------------------------------------------------------


def test_options(client):
    response, body = get(client, "/api/options")
    assert response.status_code == 200
    assert body == {
        "modalities": ["CT", "XR"],
        "priorities": ["Routine", "STAT"],
        "physicians": ["=SUM(A1)", "DOE"],
        "patient_classes": ["ED", "Inpatient", "Outpatient"],
        # The file has no reading radiologist, location or preliminary time.
        "radiologists": [],
        "locations": [],
        "shifts": ["day", "evening", "night"],
        "date_range": {"start": "2025-01-06", "end": "2025-02-02"},
        "intervals": ["order_to_complete", "complete_to_final", "order_to_final"],
        "metrics": [
            "volume",
            "ordered",
            "complete_ratio",
            "order_to_complete",
            "complete_to_final",
            "order_to_final",
        ],
    }


# ---- series ------------------------------------------------------------------


def test_series_defaults(client):
    response, body = get(client, "/api/series")
    assert response.status_code == 200
    assert body == {
        "metric": "volume",
        "stat": "median",
        "unit": "exams",
        "period": "month",
        "target": None,
        "x": ["2025-01", "2025-02"],
        "series": [{"name": "All", "y": [2, 2], "n": [2, 2]}],
        "excluded": {"missing": 0, "negative": 0},
        # The exams run from 6 January to 2 February: both months in part.
        "partial": [True, True],
    }


def test_series_report_tat_split_by_shift(client):
    _, body = get(
        client, "/api/series?metric=complete_to_final&split=shift&period=week"
    )
    assert body["unit"] == "minutes"
    # Weeks of Monday 2025-01-06 … 2025-01-27 (A3 and A4 fall in the week
    # of Monday 2025-01-27).
    assert body["x"] == ["2025-01-06", "2025-01-13", "2025-01-20", "2025-01-27"]
    series = {s["name"]: s for s in body["series"]}
    assert list(series) == ["day", "evening", "night"]
    assert series["day"]["y"] == [60, None, None, None]
    assert series["night"]["y"] == [110, None, None, None]
    assert series["night"]["n"] == [1, 0, 0, 0]
    assert series["evening"]["n"] == [0, 0, 0, 0]
    assert body["excluded"] == {"missing": 1, "negative": 1}


def test_series_within_target_and_filters(client):
    _, body = get(
        client,
        "/api/series?metric=complete_to_final&stat=within&target=60"
        "&modality=CT&days=weekday",
    )
    # A1 60 ≤ 60, A2 110 > 60.
    assert body["series"][0]["y"] == [50.0]
    assert body["unit"] == "%" and body["target"] == 60


def test_series_csv(client):
    response = client.get("/api/series?split=modality&format=csv&raw=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert text.splitlines() == [
        "period,CT,CT (n),XR,XR (n)",
        "2025-01,2,2,0,0",
        "2025-02,0,0,2,2",
    ]


# ---- summary -----------------------------------------------------------------


def test_summary(client):
    response, body = get(client, "/api/summary?by=modality")
    assert response.status_code == 200
    assert [r["group"] for r in body["rows"]] == ["CT", "XR"]
    ct = body["rows"][0]
    assert ct["exams"] == 2
    assert set(ct) == {
        "group",
        "exams",
        "order_to_complete",
        "complete_to_final",
        "order_to_final",
    }
    assert ct["complete_to_final"] == {
        "n": 2,
        "median": 85.0,
        "mean": 85.0,
        "p75": 97.5,
        "p90": 105.0,
        # Own targets: A1 ED 60 (60 ✓), A2 inpatient 240 (110 ✓).
        "within": 100.0,
        "negative": 0,
        "missing": 0,
    }
    assert body["total"]["group"] == "All"
    assert body["total"]["exams"] == 4
    assert body["total"]["complete_to_final"]["negative"] == 1
    assert body["total"]["complete_to_final"]["missing"] == 1


def test_summary_csv_neutralises_formulas(client):
    response = client.get("/api/summary?by=physician&format=csv&raw=1")
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("physician,exams,order_to_complete n,")
    assert [line.split(",")[0] for line in lines[1:]] == [
        "'=SUM(A1)",
        "DOE",
        "(blank)",
        "All",
    ]


# ---- exams -----------------------------------------------------------------


def test_exam_list_page(client):
    response, body = get(client, "/api/exams?sort=-completed_at&page_size=3")
    assert response.status_code == 200
    assert (body["total"], body["page"], body["page_size"]) == (4, 1, 3)
    assert [r["accession"] for r in body["rows"]] == ["A4", "A3", "A2"]
    a3 = body["rows"][1]
    assert a3["completed_at"] == "2025-02-01T16:00:00"
    assert a3["finalized_at"] is None
    assert a3["complete_to_final"] is None
    assert a3["order_to_complete"] == 60
    assert a3["shift"] == "evening"
    _, page2 = get(client, "/api/exams?sort=-completed_at&page_size=3&page=2")
    assert [r["accession"] for r in page2["rows"]] == ["A1"]


def test_exam_list_csv_has_all_matching_exams(client):
    response = client.get("/api/exams?modality=CT&format=csv&raw=1&page_size=1")
    assert response.status_code == 200
    table = pd.read_csv(io.StringIO(response.content.decode("utf-8-sig")))
    assert table["accession"].tolist() == ["A1", "A2"]
    assert table["ordering_physician"].tolist() == ["'=SUM(A1)", "DOE"]
    assert table["completed_at"].tolist()[0] == "2025-01-06T09:30:00"


def test_exam_detail(client):
    response, body = get(client, "/api/exams/A2")
    assert response.status_code == 200
    assert body["accession"] == "A2"
    assert (body["shift"], body["ordered_shift"]) == ("night", "evening")
    assert body["target"] == 240
    response, body = get(client, "/api/exams/NOPE")
    assert response.status_code == 404
    assert "NOPE" in body["error"]


# ---- bad queries -------------------------------------------------------------

BAD_QUERIES = [
    ("period=fortnight", "period", "day, week, month, quarter, year"),
    ("metric=speed", "metric", "order_to_complete"),
    ("stat=mode", "stat", "median, mean, p75, p90, within"),
    ("split=room", "split", "modality"),
    ("by=room", "by", "patient_class"),
    ("days=holiday", "days", "all, weekday, weekend"),
    ("shift=graveyard", "shift", "day, evening, night"),
    ("start=2025-13-01", "start", "YYYY-MM-DD"),
    ("end=yesterday", "end", "YYYY-MM-DD"),
    ("start=2025-02-01&end=2025-01-01", "start", "end"),
    ("target=0", "target", "positive number of minutes"),
    ("page=0", "page", "whole number"),
    ("page_size=100000", "page_size", "500"),
    ("sort=colour", "sort", "completed_at"),
    ("format=xml", "format", "json, csv"),
]


@pytest.mark.parametrize("endpoint", ["/api/series", "/api/summary", "/api/exams"])
@pytest.mark.parametrize(("query", "param", "allowed"), BAD_QUERIES)
def test_bad_values_are_400_with_a_reason(client, endpoint, query, param, allowed):
    response = client.get(f"{endpoint}?{query}")
    assert response.status_code == 400
    message = response.json()["error"]
    assert param in message
    assert allowed in message


def test_a_bad_query_is_400_even_without_data(db):
    response = Client().get("/api/series?period=fortnight")
    assert response.status_code == 400


def test_a_filter_value_absent_from_the_data_matches_nothing(client):
    _, body = get(client, "/api/series?modality=PET")
    assert body["x"] == []
    assert body["series"] == [{"name": "All", "y": [], "n": []}]
    _, body = get(client, "/api/exams?physician=NOBODY")
    assert body["total"] == 0 and body["rows"] == []


@pytest.mark.parametrize("url", ["/api/options", "/api/series", "/api/exams"])
def test_reading_endpoints_refuse_post(client, url):
    assert client.post(url).status_code == 405


# ---- a real upload -----------------------------------------------------------


def test_numbers_of_a_real_upload(db):
    client = Client()
    upload = SimpleUploadedFile("export.csv", EXPORT)
    assert client.post("/api/datasets", {"file": upload}).status_code == 201
    options = client.get("/api/options").json()
    assert options["date_range"] == {"start": "2025-01-13", "end": "2025-02-14"}
    assert options["modalities"] == ["CT", "MR", "XR"]
    series = client.get("/api/series?metric=order_to_complete&split=shift").json()
    assert series["x"] == ["2025-01", "2025-02"]
    by_shift = {s["name"]: s["y"] for s in series["series"]}
    # CT1 90 min (day), XR2 30 min (evening), MR3 30 min (night).
    assert by_shift == {"day": [90, None], "evening": [30, None], "night": [None, 30]}
    summary = client.get("/api/summary?by=modality").json()
    assert summary["total"]["complete_to_final"]["missing"] == 1
    exams = client.get("/api/exams?sort=-order_to_complete").json()
    assert [r["accession"] for r in exams["rows"]] == ["CT1", "XR2", "MR3"]
    assert client.get("/api/exams/MR3").json()["shift"] == "night"


ODD_ACCESSIONS = ["CT/2025/001", "MR#2", "XR?3", "US%4", "NM 5", "a/../b"]


def test_exam_detail_takes_any_accession_percent_encoded(db):
    rows = "".join(
        f"01/13/2025 1{i}:30,{acc},CT HEAD\n" for i, acc in enumerate(ODD_ACCESSIONS)
    )
    export = "Exam Complete Date/Tm,Accession,Exam Order Name\n" + rows
    client = Client()
    upload = SimpleUploadedFile("odd.csv", export.encode())
    assert client.post("/api/datasets", {"file": upload}).status_code == 201
    for i, acc in enumerate(ODD_ACCESSIONS):
        response = client.get("/api/exams/" + quote(acc, safe=""))
        assert response.status_code == 200, acc
        body = response.json()
        assert body["accession"] == acc
        assert body["completed_at"] == f"2025-01-13T1{i}:30:00"
    missing = client.get("/api/exams/" + quote("CT/2025/999", safe=""))
    assert missing.status_code == 404
    assert "CT/2025/999" in missing.json()["error"]
