"""The same files again open their data set; rename; the Data page's facts.

The export below holds three exams completed 13–14 January 2025 (counted by
hand); its size on disk is its byte length plus the Parquet cache's.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from exams.models import Dataset
from exams.storage import store

CSV = (
    b"Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
    b"Final Date/Tm,Exam Order Name\r\n"
    b"01/13/2025 10:30,A1,01/13/2025 09:00,01/13/2025 11:00,CT HEAD WO CONTRAST\r\n"
    b"01/13/2025 23:30,A2,01/13/2025 22:00,,XR CHEST 2 VIEWS\r\n"
    b"01/14/2025 08:00,A3,01/14/2025 07:30,01/14/2025 07:50,MRI BRAIN\r\n"
)


def upload(client, content: bytes = CSV, name: str = "export.csv", **extra):
    return client.post(
        "/api/datasets", {"file": SimpleUploadedFile(name, content)}, **extra
    )


@pytest.fixture
def client(db):
    return Client()


def test_the_same_file_again_opens_its_data_set(client):
    first = upload(client)
    assert first.status_code == 201 and "existing" not in first.json()
    again = upload(client)
    assert again.status_code == 201
    assert again.json()["existing"] is True
    assert again.json()["id"] == first.json()["id"]
    assert Dataset.objects.filter(pending_mapping=False).count() == 1
    assert client.get("/api/datasets/current").json()["id"] == first.json()["id"]


def test_other_content_or_another_name_makes_a_new_data_set(client):
    first = upload(client).json()["id"]
    changed = upload(client, CSV.replace(b"A1,", b"B1,")).json()
    renamed = upload(client, name="copy.csv").json()
    assert "existing" not in changed and "existing" not in renamed
    assert len({first, changed["id"], renamed["id"]}) == 3


def test_a_saved_file_without_a_hash_is_hashed_when_needed(client):
    first = upload(client).json()["id"]
    dataset = store.get_dataset(first)
    dataset.files.update(sha256="")
    assert upload(client).json()["id"] == first
    assert len(dataset.files.get().sha256) == 64


def test_the_upload_page_says_already_loaded(client):
    upload(client)
    client.get("/upload")  # the CSRF cookie
    response = client.post(
        "/upload", {"file": SimpleUploadedFile("export.csv", CSV)}, follow=True
    )
    text = response.content.decode()
    assert "Already loaded: opened “export.csv”" in text


def test_rename_with_json_and_with_a_form(client):
    dataset_id = upload(client).json()["id"]
    url = f"/api/datasets/{dataset_id}/name"
    answer = client.patch(
        url, json.dumps({"name": "  CT 2025 Q1  "}), content_type="application/json"
    )
    assert answer.status_code == 200
    assert answer.json() == {"id": dataset_id, "name": "CT 2025 Q1"}
    assert client.post(url, {"name": "Renamed"}).json()["name"] == "Renamed"
    listing = client.get("/api/datasets").json()["datasets"]
    assert listing[0]["name"] == "Renamed"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"name": "   "}, "needs a name"),
        ({"name": "x" * 121}, "at most 120"),
        ({"name": "a\nb"}, "line breaks"),
        ({"title": "x"}, '{"name": "…"}'),
        ([1], '{"name": "…"}'),
    ],
)
def test_a_bad_name_is_refused_and_the_old_one_kept(client, body, says):
    dataset_id = upload(client).json()["id"]
    answer = client.patch(
        f"/api/datasets/{dataset_id}/name",
        json.dumps(body),
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert says in answer.json()["error"]
    assert store.get_dataset(dataset_id).name == "export.csv"


def test_renaming_an_unknown_data_set_is_404(client):
    answer = client.post(
        "/api/datasets/00000000-0000-0000-0000-000000000000/name", {"name": "x"}
    )
    assert answer.status_code == 404


def test_the_data_page_shows_dates_size_and_last_use(client):
    dataset_id = upload(client).json()["id"]
    dataset = store.get_dataset(dataset_id)
    size = len(CSV) + (Path(settings.CACHE_DIR) / dataset.cache_name).stat().st_size
    assert dataset.last_used_at is not None
    text = client.get("/data").content.decode()
    assert "13 Jan 2025 – 14 Jan 2025" in text
    assert f"{size / 1024:,.0f} KB" in text
    assert 'data-rename="' + dataset_id + '"' in text
    assert "Size on disk" in text and "Last used" in text


def test_the_listing_says_when_each_was_last_used(client):
    upload(client)
    listed = client.get("/api/datasets").json()["datasets"][0]
    dataset = store.get_dataset(listed["id"])
    assert listed["last_used_at"] == dataset.last_used_at.isoformat(timespec="seconds")
