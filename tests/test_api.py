"""HTTP contract of the numbers API (CONTRACT §4) through Django's test client.

Most tests inject a small prepared frame in place of the session's data set
(``store.current_frame``); the last ones upload a real export.
"""

import io
import json
from urllib.parse import quote

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from exams import analysis, preferences, store
from exams.shifts import default_shifts

# Four exams worked by hand (default shifts):
# A1 CT ED STAT, completed Mon 2025-01-06 09:30 (day): o→c 30, c→f 60.
# A2 CT Inpatient Routine, completed Mon 2025-01-06 23:10 (night): o→c 70,
#    c→f 110.
# A3 XR Outpatient, completed Sat 2025-02-01 16:00 (evening): o→c 60, final
#    missing (pending).
# A4 XR ED, completed Sun 2025-02-02 03:00 (night), signed 02:30: c→f -30.
EXAMS = pd.DataFrame(
    {
        "accession": pd.Series(["A1", "A2", "A3", "A4"], dtype="string"),
        "modality": pd.Categorical(["CT", "CT", "XR", "XR"]),
        "priority": pd.Categorical(["STAT", "Routine", "Routine", None]),
        "patient_class": pd.Categorical(["ED", "Inpatient", "Outpatient", "ED"]),
        "ordering_physician": pd.Categorical(["=SUM(A1)", "DOE", "DOE", None]),
        "ordered_at": pd.to_datetime(
            ["2025-01-06 09:00", "2025-01-06 22:00", "2025-02-01 15:00", None]
        ),
        "completed_at": pd.to_datetime(
            [
                "2025-01-06 09:30",
                "2025-01-06 23:10",
                "2025-02-01 16:00",
                "2025-02-02 03:00",
            ]
        ),
        "finalized_at": pd.to_datetime(
            ["2025-01-06 10:30", "2025-01-07 01:00", None, "2025-02-02 02:30"]
        ),
    }
)
NO_DATA = "No data set is loaded yet: upload a RIS export first."


@pytest.fixture
def frame():
    return analysis.prepare_frame(EXAMS, shifts=default_shifts())


@pytest.fixture
def client(db, frame, monkeypatch):
    monkeypatch.setattr(store, "current_frame", lambda request: frame)
    return Client()


def get(client, url: str):
    response = client.get(url)
    return response, (
        response.json() if response["Content-Type"] == "application/json" else None
    )


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
        "shifts": ["day", "evening", "night"],
        "date_range": {"start": "2025-01-06", "end": "2025-02-02"},
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
    response = client.get("/api/series?split=modality&format=csv")
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
    response = client.get("/api/summary?by=physician&format=csv")
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
    response = client.get("/api/exams?modality=CT&format=csv&page_size=1")
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


# ---- settings ----------------------------------------------------------------

NEW_SHIFTS = [
    {"name": "early", "start": "08:00", "end": "20:00"},
    {"name": "late", "start": "20:00", "end": "08:00"},
]


def post_json(client, body, **headers):
    return client.post(
        "/api/settings",
        data=body if isinstance(body, str | bytes) else json.dumps(body),
        content_type="application/json",
        **headers,
    )


def test_settings_defaults(client):
    response, body = get(client, "/api/settings")
    assert response.status_code == 200
    assert body["shifts"] == [
        {"name": "day", "start": "07:00", "end": "15:00"},
        {"name": "evening", "start": "15:00", "end": "23:00"},
        {"name": "night", "start": "23:00", "end": "07:00"},
    ]
    assert body["targets"]["default"] == 1440
    assert {"priority": ["STAT"], "minutes": 60} in body["targets"]["rules"]
    assert "cancelled" in body["cancelled_statuses"]


def test_post_settings_saves_and_forgets_prepared_frames(client, monkeypatch):
    forgotten = []
    monkeypatch.setattr(store, "forget_prepared", lambda: forgotten.append(True))
    targets = {"rules": [{"patient_class": "ED", "minutes": 30}], "default": 600}
    response = post_json(client, {"shifts": NEW_SHIFTS, "targets": targets})
    assert response.status_code == 200
    assert response.json()["shifts"] == NEW_SHIFTS
    assert forgotten == [True]
    assert [s.name for s in preferences.get_shifts()] == ["early", "late"]
    _, body = get(client, "/api/settings")
    assert body["targets"] == {
        "rules": [{"patient_class": ["ED"], "minutes": 30}],
        "default": 600,
    }
    # Shift filters now accept the new names only.
    assert client.get("/api/series?shift=late").status_code == 200
    assert client.get("/api/series?shift=night").status_code == 400


def test_post_targets_only_keeps_the_shifts(client, monkeypatch):
    monkeypatch.setattr(store, "forget_prepared", pytest.fail)
    response = post_json(client, {"cancelled_statuses": [" X ", "x", "Void"]})
    assert response.status_code == 200
    assert response.json()["cancelled_statuses"] == ["X", "Void"]
    assert response.json()["shifts"][0]["name"] == "day"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"shifts": NEW_SHIFTS[:1]}, "No shift covers 20:00–08:00"),
        (
            {"shifts": [NEW_SHIFTS[0], {**NEW_SHIFTS[1], "start": "19:00"}]},
            "overlap",
        ),
        ({"targets": {"default": -1}}, "positive number of minutes"),
        ({"cancelled_statuses": "void"}, "list of text"),
        ({"colour": "blue"}, "Unknown setting 'colour'"),
        ([1, 2], "JSON object"),
        ("{not json", "must be a JSON object"),
        (b"\xff\xfe", "must be a JSON object"),
    ],
)
def test_bad_settings_are_400_and_change_nothing(client, body, reason):
    before = preferences.get_settings()
    response = post_json(
        client, {"targets": {"default": 5}, **body} if isinstance(body, dict) else body
    )
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert preferences.get_settings() == before


def test_settings_post_needs_the_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    response = post_json(client, {"shifts": NEW_SHIFTS})
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]
    assert [s.name for s in preferences.get_shifts()] == ["day", "evening", "night"]
    client.get("/")
    token = next(v.value for k, v in client.cookies.items() if k.endswith("csrftoken"))
    response = post_json(client, {"shifts": NEW_SHIFTS}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


# ---- a real upload -----------------------------------------------------------

EXPORT = (
    b"Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
    b"Final Date/Tm,Exam Order Name\r\n"
    b"01/13/2025 10:30,CT1,01/13/2025 09:00,01/13/2025 11:00,CT HEAD WO CONTRAST\r\n"
    b"01/13/2025 21:30,XR2,01/13/2025 21:00,,XR CHEST 2 VIEWS\r\n"
    b"02/14/2025 06:00,MR3,02/14/2025 05:30,02/14/2025 07:00,MRI BRAIN\r\n"
)


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


def test_changing_shifts_reprepares_the_real_data_set(db):
    client = Client()
    client.post("/api/datasets", {"file": SimpleUploadedFile("e.csv", EXPORT)})
    assert post_json(client, {"shifts": NEW_SHIFTS}).status_code == 200
    series = client.get("/api/series?split=shift&period=year").json()
    # 10:30 early; 21:30 and 06:00 late.
    assert {s["name"]: s["y"] for s in series["series"]} == {
        "early": [1],
        "late": [2],
    }
    assert client.get("/api/options").json()["shifts"] == ["early", "late"]


# Hand-worked: A4's "Cancelled" is a default cancelled status; A2 and A3 are
# "Declined" in two spellings, which a site may or may not count as cancelled.
WITH_STATUS = (
    b"Exam Complete Date/Tm,Order Procedure Accession,Exam Order Name,Exam Status\n"
    b"01/13/2025 10:30,A1,CT HEAD,Completed\n"
    b"01/20/2025 10:30,A2,CT HEAD,Declined\n"
    b"02/03/2025 10:30,A3,XR CHEST,DECLINED \n"
    b"02/10/2025 10:30,A4,XR CHEST,Cancelled\n"
    b"02/17/2025 10:30,A5,XR CHEST,\n"
)


def loaded_numbers(client) -> tuple[int, int, list]:
    summary = client.get("/api/datasets/current").json()
    series = client.get("/api/series?period=month").json()
    return summary["rows_loaded"], summary["quality"]["cancelled"], series["series"]


def test_changing_cancelled_statuses_rereads_the_current_data_set(db):
    client = Client()
    upload = SimpleUploadedFile("statuses.csv", WITH_STATUS)
    response = client.post("/api/datasets", {"file": upload})
    assert response.status_code == 201
    assert (response.json()["rows_read"], response.json()["rows_loaded"]) == (5, 4)
    assert loaded_numbers(client) == (4, 1, [{"name": "All", "y": [2, 2], "n": [2, 2]}])
    defaults = preferences.get_cancelled_statuses()

    response = post_json(client, {"cancelled_statuses": [*defaults, "declined"]})
    assert response.status_code == 200

    assert loaded_numbers(client) == (2, 3, [{"name": "All", "y": [1, 1], "n": [1, 1]}])
    assert client.get("/api/exams").json()["total"] == 2
    assert client.get("/api/exams/A2").status_code == 404
    # The quality report on the Data page counts them too.
    assert "3 cancelled exams were excluded" in client.get("/data").content.decode()

    # Back to the defaults: the declined exams are counted again.
    assert post_json(client, {"cancelled_statuses": list(defaults)}).status_code == 200
    assert loaded_numbers(client)[:2] == (4, 1)
    assert client.get("/api/exams/A2").status_code == 200


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
