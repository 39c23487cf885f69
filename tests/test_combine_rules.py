"""How exports combine, on small hand-written files (docs/API.md).

A later final replaces a pending exam and never the reverse; each file keeps
its own layout; column and date-order questions go to the file that needs
them; a refused file among several is named and changes nothing.
"""

import datetime as dt
import json
from functools import cache

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exams.models import Dataset, HeaderMapping
from sample_data.generate import generate_exams, write_export
from tests.client_fixtures import exams_csv

SEED_HEADER = (
    "Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
    "Final Date/Tm,Exam Order Name\r\n"
)
JANUARY = SEED_HEADER + (
    "01/30/2025 09:00,A1,01/30/2025 08:00,01/30/2025 10:00,CT HEAD\r\n"
    "01/31/2025 23:00,A2,01/31/2025 22:00,,XR CHEST 2 VIEWS\r\n"
)
# The February export: A2 now has its final; A1 again (the overlap), A3 new.
FEBRUARY = SEED_HEADER + (
    "01/30/2025 09:00,A1,01/30/2025 08:00,01/30/2025 10:00,CT HEAD\r\n"
    "01/31/2025 23:00,A2,01/31/2025 22:00,02/01/2025 01:30,XR CHEST 2 VIEWS\r\n"
    "02/03/2025 11:00,A3,02/03/2025 10:30,02/03/2025 12:00,US ABDOMEN\r\n"
)

pytestmark = pytest.mark.django_db


def post(client, *files, url="/api/datasets", **fields):
    data = {"file": [SimpleUploadedFile(n, c.encode()) for n, c in files], **fields}
    return client.post(url, data)


def test_a_pending_exam_is_replaced_by_its_later_final(client):
    response = post(client, ("jan.csv", JANUARY), ("feb.csv", FEBRUARY))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rows_loaded"] == 3
    assert body["quality"]["missing"]["finalized_at"] == 0
    assert body["files"][1] == {
        "filename": "feb.csv",
        "rows_read": 3,
        "added": 1,  # A3
        "replaced": 1,  # A2, now final
        "skipped": 1,  # A1, already complete
        "duplicates": 0,
        "cancelled": 0,
    }
    a2 = client.get("/api/exams/A2").json()
    assert a2["finalized_at"] == "2025-02-01T01:30:00"
    assert a2["complete_to_final"] == 150


def test_a_later_pending_copy_does_not_undo_a_final(client):
    response = post(client, ("feb.csv", FEBRUARY), ("jan.csv", JANUARY))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["files"][1]["added"] == 0
    assert body["files"][1]["replaced"] == 0
    assert body["files"][1]["skipped"] == 2
    assert client.get("/api/exams/A2").json()["finalized_at"] == "2025-02-01T01:30:00"


@cache
def two_layout_truth() -> pd.DataFrame:
    return generate_exams(rows=900, seed=31, start=dt.date(2025, 1, 1), days=59)


def test_two_layouts_combine_each_with_its_own_columns(client, tmp_path):
    """January as the seed report writer's CSV, February from Epic, a week apart
    overlapping: each file is read with its own columns, the exams are the
    truth's (modality from the seed file's exam names, from Epic's column)."""
    truth = two_layout_truth()
    # Cancelled exams have no completion time: place them by order time.
    when = truth["completed_at"].fillna(truth["ordered_at"])
    january = truth[when < pd.Timestamp("2025-02-08")]
    february = truth[when >= pd.Timestamp("2025-02-01")]
    counts = {
        "seed": write_export(january, layout="seed", path=tmp_path / "jan-seed.csv"),
        "epic": write_export(february, layout="epic", path=tmp_path / "feb-epic.csv"),
    }
    response = client.post(
        "/api/datasets",
        {
            "file": [
                SimpleUploadedFile(p.name, p.read_bytes())
                for p in (tmp_path / "jan-seed.csv", tmp_path / "feb-epic.csv")
            ]
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    exams = truth[~truth["is_cancelled"] & ~truth["is_duplicate_row"]]
    assert body["rows_loaded"] == len(exams)
    assert body["quality"]["cancelled"] == counts["epic"]["cancelled"] > 0
    loaded = exams_csv(client).set_index("accession")
    assert sorted(loaded.index) == sorted(exams["accession"])
    expected = exams.set_index("accession").loc[loaded.index]
    assert (loaded["modality"] == expected["modality"].astype(str)).all()
    final = expected["finalized_at"].dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("")
    assert (loaded["finalized_at"] == final).all()
    # Only the Epic file has a status: the exams only in January have none;
    # an exam in both weeks of the overlap takes Epic's more complete row.
    in_epic = loaded.index.isin(february["accession"])
    assert (loaded.loc[~in_epic, "status"] == "").all() and (~in_epic).sum() > 300
    assert (loaded.loc[in_epic, "status"] != "").all() and in_epic.sum() > 300
    overlap = set(january["accession"]) & set(february["accession"])
    assert len(overlap & set(exams["accession"])) > 50
    files = Dataset.objects.get(pk=body["id"]).files.all()
    assert [f.mapping for f in files] == [{}, {}]  # both recognised on their own


# Two date columns whose names say nothing: which is the completion time
# cannot be told from the values, so the user is asked.
ODD_HEADER = "Ref,Done When,Then,Procedure\r\n"
ODD = ODD_HEADER + (
    "X1,2025-02-10 09:00:00,2025-02-10 11:00:00,CT CHEST\r\n"
    "X2,2025-02-11 10:00:00,2025-02-11 12:00:00,XR KNEE\r\n"
)
ODD_MAPPING = {
    "accession": "Ref",
    "completed_at": "Done When",
    "exam_name": "Procedure",
}
OTHER_ODD = (
    "Key;Stamp;Later;Item\r\nY1;2025-02-12 08:00:00;2025-02-12 09:00:00;MRI BRAIN\r\n"
)
OTHER_MAPPING = {"accession": "Key", "completed_at": "Stamp", "exam_name": "Item"}


def test_a_file_needing_columns_in_a_multi_file_upload_is_asked_about(client):
    response = post(client, ("jan.csv", JANUARY), ("odd.csv", ODD))
    assert response.status_code == 422
    body = response.json()
    assert body["needs_mapping"] is True
    assert body["filename"] == "odd.csv"
    assert body["error"].startswith("odd.csv: ")
    assert body["headers"] == ["Ref", "Done When", "Then", "Procedure"]
    answered = client.post(
        f"/api/datasets/{body['id']}/mapping",
        data=json.dumps(ODD_MAPPING),
        content_type="application/json",
    )
    assert answered.status_code == 201, answered.content
    summary = answered.json()
    assert summary["rows_loaded"] == 4
    assert [f["added"] for f in summary["files"]] == [2, 2]
    # The seed file kept its own columns; only the odd one took the answer.
    files = Dataset.objects.get(pk=body["id"]).files.all()
    assert [f.mapping for f in files] == [{}, ODD_MAPPING]
    assert client.get("/api/exams/X2").json()["modality"] == "XR"
    assert client.get("/api/exams/A2").json()["exam_name"] == "XR CHEST 2 VIEWS"
    # Remembered: another export of that layout is added with no question.
    more = ODD_HEADER + "X3,2025-02-12 09:00:00,2025-02-12 10:00:00,US ABDOMEN\r\n"
    added = post(client, ("odd-2.csv", more), url="/api/datasets/current/files")
    assert added.status_code == 200, added.content
    assert added.json()["rows_loaded"] == 5


def test_two_unknown_layouts_are_asked_about_one_after_the_other(client):
    response = post(client, ("odd.csv", ODD), ("other.csv", OTHER_ODD))
    assert response.status_code == 422
    first = response.json()
    assert first["filename"] == "odd.csv"
    second = client.post(
        f"/api/datasets/{first['id']}/mapping",
        data=json.dumps(ODD_MAPPING),
        content_type="application/json",
    )
    assert second.status_code == 422
    assert second.json()["filename"] == "other.csv"
    assert second.json()["headers"] == ["Key", "Stamp", "Later", "Item"]
    done = client.post(
        f"/api/datasets/{first['id']}/mapping",
        data=json.dumps(OTHER_MAPPING),
        content_type="application/json",
    )
    assert done.status_code == 201, done.content
    assert done.json()["rows_loaded"] == 3
    assert HeaderMapping.objects.count() == 2


def test_adding_a_file_that_needs_columns_keeps_the_data_set_until_answered(client):
    assert post(client, ("jan.csv", JANUARY)).status_code == 201
    before = client.get("/api/datasets/current").json()
    response = post(client, ("odd.csv", ODD), url="/api/datasets/current/files")
    assert response.status_code == 422
    body = response.json()
    assert body["needs_mapping"] is True and body["id"] is None
    assert body["filename"] == "odd.csv"
    assert client.get("/api/datasets/current").json() == before
    # The answer travels with the same files, sent again.
    again = post(
        client,
        ("odd.csv", ODD),
        url="/api/datasets/current/files",
        mapping=json.dumps(ODD_MAPPING),
    )
    assert again.status_code == 200, again.content
    assert again.json()["rows_loaded"] == 4
    assert again.json()["id"] == before["id"]


def test_a_date_order_answer_goes_only_to_the_ambiguous_file(client):
    # 03/04 and 05/06 read both ways; the seed file's 01/30 is month-first.
    ambiguous = SEED_HEADER + (
        "03/04/2025 09:00,B1,03/04/2025 08:00,03/04/2025 10:00,CT HEAD\r\n"
        "05/06/2025 09:00,B2,05/06/2025 08:00,05/06/2025 10:00,CT HEAD\r\n"
    )
    response = post(client, ("jan.csv", JANUARY), ("uk.csv", ambiguous))
    assert response.status_code == 422
    body = response.json()
    assert body["needs_date_order"] is True and body["filename"] == "uk.csv"
    answered = client.post(
        f"/api/datasets/{body['id']}/mapping",
        data=json.dumps({"date_order": "dmy"}),
        content_type="application/json",
    )
    assert answered.status_code == 201, answered.content
    assert client.get("/api/exams/B1").json()["completed_at"] == "2025-04-03T09:00:00"
    assert client.get("/api/exams/A1").json()["completed_at"] == "2025-01-30T09:00:00"
    files = Dataset.objects.get(pk=body["id"]).files.all()
    assert [f.date_order for f in files] == ["auto", "dmy"]


def test_a_refused_file_among_several_is_named_and_nothing_changes(client):
    assert post(client, ("jan.csv", JANUARY)).status_code == 201
    before = client.get("/api/datasets/current").json()
    response = post(client, ("feb.csv", FEBRUARY), ("empty.csv", SEED_HEADER))
    assert response.status_code == 400
    assert response.json()["error"].startswith("empty.csv: ")
    assert client.get("/api/datasets/current").json() == before
    assert Dataset.objects.count() == 1
