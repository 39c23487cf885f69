"""Exports of other systems load with no question when their columns are clear.

The layouts and the mapping each must get are in `tests.export_layouts`;
the numbers checked here come from the made-up exams themselves, never from
TATviz's output.
"""

import datetime as dt
import json
import statistics
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from exams.ingest import NeedsMapping, read_export
from exams.models import Dataset
from exams.storage import housekeeping
from tests.export_layouts import AMBIGUOUS, LAYOUTS, ROWS, exams

pytestmark = pytest.mark.django_db
EXAMS = exams()


def _read(layout):
    return read_export(layout.text(EXAMS).encode(), filename=layout.filename)


@pytest.mark.parametrize("layout", LAYOUTS, ids=[x.filename for x in LAYOUTS])
def test_each_clear_layout_loads_with_the_exact_mapping(layout):
    result = _read(layout)
    assert result.columns == layout.expected
    assert result.rows_read == ROWS and len(result.frame) == ROWS
    want = Counter(e.modality for e in EXAMS)
    assert Counter(result.frame["modality"].astype(str)) == want
    if "ordered_at" in layout.expected:
        minutes = [(e.completed - e.ordered).total_seconds() / 60 for e in EXAMS]
        got = result.frame["order_to_complete"].median()
        assert got == pytest.approx(statistics.median(minutes))


def test_a_section_column_of_modality_codes_is_said_to_be_the_modality():
    cerner = next(x for x in LAYOUTS if x.filename == "cerner.txt")
    notes = _read(cerner).notes
    assert any(
        n.startswith("'SECTION' read as the modality: values look like modality codes")
        for n in notes
    ), notes
    # The row id 1, 2, 3… is not the accession: ORDER_ID is.
    assert _read(cerner).frame["accession"].nunique() == ROWS


def test_a_misleading_name_is_overruled_by_its_values_and_said_so():
    layout = next(x for x in LAYOUTS if x.filename == "misleading.tsv")
    notes = _read(layout).notes
    assert "'Modality' not used as the modality: its values look like exam names." in (
        notes
    )
    assert "'Modality' read as the exam name: values look like exam names." in notes


def test_headers_that_say_nothing_are_read_by_row_order_of_their_dates():
    layout = next(x for x in LAYOUTS if x.filename == "letters.csv")
    notes = _read(layout).notes
    said = "'E' read as the exam completion time: dates, in each row between"
    assert f"{said} the other two." in notes


def test_the_ambiguous_layout_asks_with_samples_and_suggestions():
    with pytest.raises(NeedsMapping) as caught:
        _read(AMBIGUOUS)
    asked = caught.value
    assert asked.headers == ["A", "B", "C", "D", "E"]
    first_names = list(dict.fromkeys(e.exam_name for e in EXAMS))[:5]
    assert asked.samples["B"] == first_names
    assert asked.samples["E"] == list(dict.fromkeys(e.modality for e in EXAMS))[:5]
    assert all(len(v) <= 5 for v in asked.samples.values())
    assert asked.guesses["completed_at"] == "C"  # a suggestion, pre-filled
    assert asked.evidence["E"].startswith("values look like modality codes")
    assert "completed_at" not in asked.message and "exam_name" not in asked.message


def _post(client, layout):
    upload = SimpleUploadedFile(layout.filename, layout.text(EXAMS).encode())
    return client.post("/api/datasets", {"file": upload})


@pytest.mark.parametrize("layout", LAYOUTS, ids=[x.filename for x in LAYOUTS])
def test_each_clear_layout_uploads_with_no_question(client, layout):
    response = _post(client, layout)
    assert response.status_code == 201, response.content
    assert response.json()["columns"] == layout.expected
    assert response.json()["rows_loaded"] == ROWS


def test_a_wrong_answer_keeps_the_held_upload_for_the_right_one(client):
    asked = _post(client, AMBIGUOUS)
    assert asked.status_code == 422
    body = asked.json()
    assert body["needs_mapping"] is True
    assert body["samples"]["C"][0] == EXAMS[0].completed.strftime("%Y-%m-%dT%H:%M:%S")
    url = f"/api/datasets/{body['id']}/mapping"
    wrong = client.post(
        url, data=json.dumps({"completed_at": "B"}), content_type="application/json"
    )
    assert 400 <= wrong.status_code < 500
    assert "'B'" in wrong.json()["error"] and wrong.json()["held"] is True
    assert Dataset.objects.get(pk=body["id"]).pending_mapping is True
    right = client.post(
        url,
        data=json.dumps({"completed_at": "C", "finalized_at": "D"}),
        content_type="application/json",
    )
    assert right.status_code == 201, right.content
    assert right.json()["rows_loaded"] == ROWS
    rows = client.get("/api/summary").json()["rows"]
    assert {r["group"]: r["exams"] for r in rows} == Counter(e.modality for e in EXAMS)


def test_an_empty_answer_asks_a_held_upload_again(client):
    body = _post(client, AMBIGUOUS).json()
    again = client.post(
        f"/api/datasets/{body['id']}/mapping",
        data="{}",
        content_type="application/json",
    )
    assert again.status_code == 422 and again.json()["samples"] == body["samples"]


def test_an_abandoned_held_upload_is_cleared_after_seven_days(client):
    body = _post(client, AMBIGUOUS).json()
    fresh = _post(client, AMBIGUOUS).json()
    old = timezone.now() - dt.timedelta(days=7, minutes=1)
    Dataset.objects.filter(pk=body["id"]).update(created_at=old)
    page = client.get("/data").content.decode()
    assert "Answer the question" in page and "unanswered for 7 days" in page
    housekeeping.remove_leftovers()
    assert not Dataset.objects.filter(pk=body["id"]).exists()
    assert Dataset.objects.get(pk=fresh["id"]).pending_mapping is True
