"""The settings API (docs/API.md) and what a change does to the loaded data."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from exams.storage import preferences, store
from tests.api_exams import EXPORT, get


@pytest.fixture
def client(client, exams_current):
    """pytest-django's client, the four exams its current data set."""
    return client


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
    stat = {"priority": ["STAT"], "metric": ["complete_to_final"], "minutes": 60}
    assert stat in body["targets"]["rules"]
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
        client,
        {"targets": {"default": 5}, **body} if isinstance(body, dict) else body,
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
    assert loaded_numbers(client) == (
        4,
        1,
        [{"name": "All", "y": [2, 2], "n": [2, 2]}],
    )
    defaults = preferences.get_cancelled_statuses()

    response = post_json(client, {"cancelled_statuses": [*defaults, "declined"]})
    assert response.status_code == 200

    assert loaded_numbers(client) == (
        2,
        3,
        [{"name": "All", "y": [1, 1], "n": [1, 1]}],
    )
    assert client.get("/api/exams").json()["total"] == 2
    assert client.get("/api/exams/A2").status_code == 404
    # The quality report on the Data page counts them too.
    assert "3 cancelled exams were excluded" in client.get("/data").content.decode()

    # Back to the defaults: the declined exams are counted again.
    assert post_json(client, {"cancelled_statuses": list(defaults)}).status_code == 200
    assert loaded_numbers(client)[:2] == (4, 1)
    assert client.get("/api/exams/A2").status_code == 200
