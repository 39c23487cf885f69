"""The upload page's progress: bytes read, then stages, asked for by id."""

from django.core.files.uploadedfile import SimpleUploadedFile

from exams import progress
from exams.ingest import read_export
from tests.export_files import GOOD_CSV

UPLOAD_ID = "0123456789abcdef0123456789abcdef"


def test_ids_are_hex_of_a_sensible_length():
    assert progress.valid_id(UPLOAD_ID)
    assert not progress.valid_id("0123")  # too short to be chosen at random
    assert not progress.valid_id("../../etc/passwd")
    assert not progress.valid_id(None)


def test_bytes_read_move_the_bar_within_the_reading_share():
    report = progress.Report()
    report.reading(2)
    report.read(50, 100)  # half of the first of two files
    assert report.percent == progress.READING_SHARE // 4
    report.next_file()
    report.read(100, 100)
    assert report.percent == progress.READING_SHARE
    report.read(10, 100)  # never back
    assert report.percent == progress.READING_SHARE
    report.to("saving")
    assert report.as_dict() == {"stage": "saving", "percent": 85}


def test_reading_a_file_on_disk_reports_every_byte(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(GOOD_CSV)
    with progress.tracking(UPLOAD_ID) as report:
        read_export(path, filename="export.csv")
        # Every byte read, then the checks after the rows.
        assert report.as_dict() == {
            "stage": "checking",
            "percent": progress.READING_SHARE,
        }
    assert progress.find(UPLOAD_ID) == {"stage": "done", "percent": 100}


def test_untracked_reads_report_nothing(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(GOOD_CSV)
    with progress.tracking("not-an-id") as report:
        assert report is None
        read_export(path, filename="export.csv")
    assert progress.current() is None


def test_upload_named_by_id_is_done_when_answered(client, db):
    file = SimpleUploadedFile("good.csv", GOOD_CSV)
    response = client.post(
        "/api/datasets", {"file": file}, headers={"X-Upload-Id": UPLOAD_ID}
    )
    assert response.status_code == 201
    answer = client.get(f"/api/uploads/{UPLOAD_ID}/progress")
    assert answer.status_code == 200
    assert answer.json() == {"stage": "done", "percent": 100}


def test_an_id_not_seen_yet_is_waiting(client, db):
    # The page may ask while the body is still arriving: never an error.
    answer = client.get(f"/api/uploads/{'f' * 32}/progress")
    assert answer.status_code == 200
    assert answer.json() == {"stage": "waiting", "percent": 0}


def test_malformed_id_is_a_400_saying_what_is_expected(client, db):
    answer = client.get("/api/uploads/nothex/progress")
    assert answer.status_code == 400
    assert "X-Upload-Id" in answer.json()["error"]
