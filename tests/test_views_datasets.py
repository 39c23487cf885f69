"""HTTP tests of the data-set API through Django's stack (docs/API.md)."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from exams.storage import store

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"

# Hand-worked: A3 is listed twice (identical row) -> 1 duplicate; A2 has no
# final (pending); A3's final 07:50 is before its completion 08:00, so its
# complete_to_final is negative (order_to_final 07:30 -> 07:50 is +20 min).
SEED_CSV = (
    b"Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
    b"Final Date/Tm,Exam Order Name\r\n"
    b"01/13/2025 10:30,A1,01/13/2025 09:00,01/13/2025 11:00,CT HEAD WO CONTRAST\r\n"
    b"01/13/2025 23:30,A2,01/13/2025 22:00,,XR CHEST 2 VIEWS\r\n"
    b"01/14/2025 08:00,A3,01/14/2025 07:30,01/14/2025 07:50,MRI BRAIN\r\n"
    b"01/14/2025 08:00,A3,01/14/2025 07:30,01/14/2025 07:50,MRI BRAIN\r\n"
)

ODD_CSV = (
    b"Thing One,Thing Two,Thing Three\n"
    b"X1,2025-01-13 10:00,CT HEAD\n"
    b"X2,2025-01-14 11:00,XR CHEST\n"
)


def upload(client, content: bytes, name: str = "export.csv", url="/api/datasets"):
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


@pytest.fixture
def client(db):
    return Client()


def test_upload_seed_layout_returns_summary(client):
    response = upload(client, SEED_CSV)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["filename"] == "export.csv"
    assert body["rows_read"] == 4
    assert body["rows_loaded"] == 3
    assert body["columns"]["completed_at"] == "Exam Complete Date/Tm"
    assert body["columns"]["accession"] == "Order Procedure Accession"
    assert body["columns"]["finalized_at"] == "Final Date/Tm"
    quality = body["quality"]
    assert quality["duplicates"] == 1
    assert quality["cancelled"] == 0
    assert quality["missing"]["finalized_at"] == 1
    assert quality["negative"]["complete_to_final"] == 1
    assert quality["negative"]["order_to_final"] == 0
    assert quality["negative"]["order_to_complete"] == 0


def test_current_returns_same_summary_and_session_holds_no_data(client):
    created = upload(client, SEED_CSV).json()
    current = client.get("/api/datasets/current")
    assert current.status_code == 200
    assert current.json() == created
    session = client.session
    assert session[store.SESSION_ID_KEY] == created["id"]
    assert session[store.SESSION_PATH_KEY].endswith(".parquet")
    # Only the id and path: no exam data in the session.
    assert "CT HEAD" not in json.dumps(dict(session.items()))


def test_no_dataset_yet_is_404_with_message(client):
    response = client.get("/api/datasets/current")
    assert response.status_code == 404
    assert "upload" in response.json()["error"].lower()


def test_missing_file_field_is_400(client):
    response = client.post("/api/datasets", {})
    assert response.status_code == 400
    assert "'file'" in response.json()["error"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (
            b"Exam Complete Date/Tm,Order Procedure Accession,Exam Order Name\n",
            "no exam rows",
        ),
    ],
)
def test_bad_file_is_refused_and_current_stays(client, content, words):
    first = upload(client, SEED_CSV).json()
    response = upload(client, content, name="bad.csv")
    assert 400 <= response.status_code < 500
    assert words in response.json()["error"].lower()
    assert client.get("/api/datasets/current").json()["id"] == first["id"]


def test_unrecognised_columns_need_mapping_then_remembered(client):
    response = upload(client, ODD_CSV, name="odd.csv")
    assert response.status_code == 422
    body = response.json()
    assert body["needs_mapping"] is True
    assert body["headers"] == ["Thing One", "Thing Two", "Thing Three"]
    assert body["error"]

    mapping = {"accession": "Thing One", "completed_at": "Thing Two"}
    mapping["exam_name"] = "Thing Three"
    done = client.post(
        f"/api/datasets/{body['id']}/mapping",
        data=json.dumps(mapping),
        content_type="application/json",
    )
    assert done.status_code == 201, done.content
    assert done.json()["rows_loaded"] == 2
    assert done.json()["columns"]["completed_at"] == "Thing Two"

    # The same header set loads with no questions next time.
    again = upload(client, ODD_CSV, name="odd-again.csv")
    assert again.status_code == 201
    assert again.json()["rows_loaded"] == 2


def test_mapping_body_must_be_json_object(client):
    body = upload(client, ODD_CSV, name="odd.csv").json()
    response = client.post(
        f"/api/datasets/{body['id']}/mapping",
        data="not json",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert "error" in response.json()


def test_post_without_csrf_token_is_refused(db):
    strict = Client(enforce_csrf_checks=True)
    response = upload(strict, SEED_CSV)
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]


def test_post_with_csrf_token_from_cookie_is_accepted(db):
    strict = Client(enforce_csrf_checks=True)
    strict.get("/healthz")
    strict.get("/")
    token = strict.cookies[settings.CSRF_COOKIE_NAME].value
    assert settings.CSRF_COOKIE_NAME.endswith("csrftoken")
    response = strict.post(
        "/api/datasets",
        {"file": SimpleUploadedFile("e.csv", SEED_CSV)},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201


def test_several_files_combine_and_add_to_current(client):
    later = SEED_CSV.replace(b"01/13/2025 23:30,A2,01/13/2025 22:00,,", b"")
    second = (
        b"Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
        b"Final Date/Tm,Exam Order Name\n"
        b"01/13/2025 23:30,A2,01/13/2025 22:00,01/14/2025 01:00,XR CHEST 2 VIEWS\n"
        b"01/15/2025 09:00,A4,01/15/2025 08:00,01/15/2025 10:00,US ABDOMEN\n"
    )
    response = client.post(
        "/api/datasets",
        {
            "file": [
                SimpleUploadedFile("jan-a.csv", SEED_CSV),
                SimpleUploadedFile("jan-b.csv", second),
            ]
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    # A1, A2 (now final), A3, A4.
    assert body["rows_loaded"] == 4
    assert body["quality"]["missing"]["finalized_at"] == 0
    assert [f["filename"] for f in body["files"]] == ["jan-a.csv", "jan-b.csv"]
    assert body["files"][1]["added"] == 1
    assert body["files"][1]["replaced"] == 1

    added = upload(client, later, name="again.csv", url="/api/datasets/current/files")
    assert added.status_code == 200
    assert added.json()["rows_loaded"] == 4
    assert added.json()["files"][-1]["added"] == 0


def test_list_select_and_delete_remove_files(client):
    first = upload(client, SEED_CSV, name="one.csv").json()
    second = upload(client, SEED_CSV, name="two.csv").json()
    listing = client.get("/api/datasets").json()["datasets"]
    assert [d["name"] for d in listing][:2] == ["two.csv", "one.csv"]
    assert [d["current"] for d in listing][:2] == [True, False]

    assert client.post(f"/api/datasets/{first['id']}/select").status_code == 200
    assert client.get("/api/datasets/current").json()["id"] == first["id"]

    dataset = store.get_dataset(first["id"])
    stored = [Path(settings.UPLOAD_DIR) / f.stored_name for f in dataset.files.all()]
    cache = Path(settings.CACHE_DIR) / dataset.cache_name
    assert all(p.exists() for p in stored) and cache.exists()
    assert client.delete(f"/api/datasets/{first['id']}").status_code == 200
    assert not any(p.exists() for p in stored) and not cache.exists()
    assert client.get(f"/api/datasets/{second['id']}/select").status_code == 405


def test_missing_cache_is_rebuilt_from_saved_export(client):
    created = upload(client, SEED_CSV).json()
    dataset = store.get_dataset(created["id"])
    (Path(settings.CACHE_DIR) / dataset.cache_name).write_bytes(b"corrupt")
    store._frames.clear()
    frame = store.load_frame(dataset)
    assert len(frame) == 3


def test_sample_export_loads_with_generator_counts(client):
    expected = json.loads((SAMPLE_DIR / "expected.json").read_text())
    name = "ris_export_sample.csv"
    truth = expected[name]
    content = (SAMPLE_DIR / name).read_bytes()
    body = upload(client, content, name=name).json()
    assert body["rows_read"] == truth["rows_read"]
    assert body["rows_loaded"] == truth["rows_loaded"]
    assert body["quality"]["duplicates"] == truth["duplicates"]
    assert body["quality"]["missing"]["finalized_at"] == truth["pending"]
    for metric, n in truth["negative"].items():
        assert body["quality"]["negative"][metric] == n


def test_load_exports_command_prints_report(db, capsys):
    call_command("load_exports", str(SAMPLE_DIR / "ris_export_sample.csv"))
    out = capsys.readouterr().out
    assert "exams loaded" in out
    assert "pending" in out
