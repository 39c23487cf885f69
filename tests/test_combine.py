"""A year in twelve files: combining exports end to end (CONTRACT §4).

The bundled sample year is split by completion month into twelve exports,
each running a week into the next month, as a RIS report writer run a week
after each month end would give them: in that week, finals signed after the
export are still empty (pending). Combined, the twelve must be exactly the
exams of the one-file year. Expected numbers come from
``sample_data/expected.json`` (written from the generator's truth) and from
reading the CSV text here, never from TATviz.
"""

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from exams import store
from exams.models import Dataset, HeaderMapping
from sample_data.generate import generate_exams, write_export

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
SAMPLE = SAMPLE_DIR / "ris_export_sample.csv"
EXPECTED = json.loads((SAMPLE_DIR / "expected.json").read_text(encoding="utf-8"))[
    SAMPLE.name
]
OVERLAP = dt.timedelta(days=7)
COMPLETED, ACCESSION, FINAL = 0, 1, 3  # columns of the seed layout
SEED_DATE = "%m/%d/%Y %H:%M"


@dataclass
class Month:
    """One monthly export and what the splitting put in it."""

    name: str
    content: bytes
    accessions: set[str] = field(default_factory=set)
    # Accessions of the overlap week still pending at the export (signed later).
    made_pending: set[str] = field(default_factory=set)
    finals: set[str] = field(default_factory=set)
    overlap_rows: int = 0


def _when(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, SEED_DATE)
    except ValueError:
        return None


@cache
def sample_rows() -> tuple[list[str], tuple[list[str], ...]]:
    rows = list(csv.reader(io.StringIO(SAMPLE.read_text(encoding="utf-8"))))
    return rows[0], tuple(rows[1:])


@cache
def monthly_exports() -> tuple[Month, ...]:
    """Return the sample year as twelve overlapping monthly exports."""
    header, body = sample_rows()
    months = []
    for month in range(1, 13):
        start = dt.datetime(2025, month, 1)
        next_start = dt.datetime(2025 + month // 12, month % 12 + 1, 1)
        exported = next_start + OVERLAP
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        current = Month(name=f"exams-2025-{month:02d}.csv", content=b"")
        for row in body:
            completed = _when(row[COMPLETED])
            if not start <= completed < exported:
                continue
            row = list(row)
            if completed >= next_start:
                current.overlap_rows += 1
                final = _when(row[FINAL])
                if final is not None and final >= exported:
                    row[FINAL] = ""
                    current.made_pending.add(row[ACCESSION])
            if row[FINAL]:
                current.finals.add(row[ACCESSION])
            current.accessions.add(row[ACCESSION])
            writer.writerow(row)
        current.content = out.getvalue().encode("utf-8")
        # An addendum re-signed after the export leaves the exam signed.
        current.made_pending -= current.finals
        months.append(current)
    return tuple(months)


def uploads(months) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(m.name, m.content) for m in months]


def exams_csv(client) -> pd.DataFrame:
    """Return every exam of the current data set, as the CSV download has it."""
    response = client.get("/api/exams", {"format": "csv", "sort": "accession"})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


@pytest.fixture
def client(db):
    return Client()


@pytest.fixture
def year(db):
    """Return the one-file load of the sample year: its summary and its exams."""
    single = Client()
    response = single.post(
        "/api/datasets", {"file": SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes())}
    )
    assert response.status_code == 201, response.content
    return response.json(), exams_csv(single)


def test_the_split_is_what_it_says():
    months = monthly_exports()
    _, body = sample_rows()
    # Every row of the year is in its own month's file; overlap rows twice.
    assert sum(m.content.count(b"\r\n") - 1 for m in months) == len(body) + sum(
        m.overlap_rows for m in months
    )
    assert all(m.overlap_rows for m in months[:11]) and months[11].overlap_rows == 0
    # Enough finals signed after an export date to test replacing.
    assert sum(len(m.made_pending) for m in months) > 20


def assert_same_year(summary: dict, exams: pd.DataFrame, year) -> None:
    """Assert a combined data set holds exactly the exams of the one-file load."""
    single_summary, single_exams = year
    assert single_summary["rows_loaded"] == EXPECTED["rows_loaded"]
    assert summary["rows_loaded"] == single_summary["rows_loaded"]
    pd.testing.assert_frame_equal(exams, single_exams)
    quality, single = summary["quality"], single_summary["quality"]
    for key in ("cancelled", "unparseable", "missing", "negative"):
        assert quality[key] == single[key], key
    assert quality["missing"]["finalized_at"] == EXPECTED["pending"]
    assert quality["negative"] == EXPECTED["negative"]
    # Duplicates: the file's own, plus every overlap row read a second time.
    overlap = sum(m.overlap_rows for m in monthly_exports())
    assert quality["duplicates"] == EXPECTED["duplicates"] + overlap


def assert_files_add_up(files: list[dict]) -> None:
    months = monthly_exports()
    assert [f["filename"] for f in files] == [m.name for m in months]
    seen: set[str] = set()
    for i, (entry, month) in enumerate(zip(files, months, strict=True)):
        assert entry["rows_read"] == month.content.count(b"\r\n") - 1
        assert entry["added"] == len(month.accessions - seen), month.name
        # The previous file's overlap week had these exams still pending.
        expected_replaced = len(months[i - 1].made_pending) if i else 0
        assert entry["replaced"] == expected_replaced, month.name
        assert entry["rows_read"] == (
            entry["added"]
            + entry["replaced"]
            + entry["skipped"]
            + entry["duplicates"]
            + entry["cancelled"]
        )
        seen |= month.accessions
    assert sum(f["added"] for f in files) == EXPECTED["rows_loaded"]


def test_twelve_monthly_files_in_one_upload_are_the_year(client, year):
    response = client.post("/api/datasets", {"file": uploads(monthly_exports())})
    assert response.status_code == 201, response.content
    summary = response.json()
    assert_same_year(summary, exams_csv(client), year)
    assert_files_add_up(summary["files"])
    assert summary["filename"] == "exams-2025-01.csv + 11 more"
    assert client.get("/api/datasets/current").json() == summary


def test_twelve_monthly_files_added_month_by_month_are_the_year(client, year):
    months = monthly_exports()
    response = client.post("/api/datasets", {"file": uploads(months[:1])})
    assert response.status_code == 201, response.content
    dataset_id = response.json()["id"]
    seen = set(months[0].accessions)
    for month in months[1:]:
        response = client.post(
            "/api/datasets/current/files", {"file": uploads([month])}
        )
        assert response.status_code == 200, response.content
        seen |= month.accessions
        assert response.json()["rows_loaded"] == len(seen), month.name
        assert response.json()["id"] == dataset_id
    summary = response.json()
    assert_same_year(summary, exams_csv(client), year)
    assert_files_add_up(summary["files"])
    assert Dataset.objects.get(pk=dataset_id).files.count() == 12


def test_load_exports_command_combines_twelve_files(db, tmp_path, year):
    paths = []
    for month in monthly_exports():
        path = tmp_path / month.name
        path.write_bytes(month.content)
        paths.append(path)
    out = io.StringIO()
    call_command("load_exports", *map(str, paths), stdout=out)
    dataset = store.list_datasets()[0]
    client = Client()  # a new session starts on the data set loaded last
    assert client.get("/api/datasets/current").json()["id"] == str(dataset.pk)
    assert_same_year(dataset.summary, exams_csv(client), year)
    assert_files_add_up(dataset.summary["files"])
    text = out.getvalue()
    assert f"{EXPECTED['rows_loaded']:,} exams loaded" in text
    for f in dataset.summary["files"]:
        assert (
            f"- {f['filename']}: {f['rows_read']:,} rows, {f['added']:,} added, "
            f"{f['replaced']:,} replaced, {f['skipped']:,} skipped"
        ) in text
    assert f"Data set {dataset.pk} is now current." in text


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


def test_the_same_file_twice_adds_nothing(client, year):
    single_summary, single_exams = year
    first = client.post(
        "/api/datasets", {"file": SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes())}
    )
    assert first.status_code == 201
    again = client.post(
        "/api/datasets/current/files",
        {"file": SimpleUploadedFile("copy.csv", SAMPLE.read_bytes())},
    )
    assert again.status_code == 200, again.content
    body = again.json()
    assert body["files"][1] == {
        "filename": "copy.csv",
        "rows_read": EXPECTED["rows_read"],
        "added": 0,
        "replaced": 0,
        "skipped": EXPECTED["rows_loaded"],
        "duplicates": EXPECTED["duplicates"],
        "cancelled": 0,
    }
    assert body["rows_loaded"] == single_summary["rows_loaded"]
    assert body["quality"]["missing"] == single_summary["quality"]["missing"]
    pd.testing.assert_frame_equal(exams_csv(client), single_exams)


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


ODD_HEADER = "Ref,Done When,Procedure\r\n"
ODD = ODD_HEADER + (
    "X1,2025-02-10 09:00:00,CT CHEST\r\nX2,2025-02-11 10:00:00,XR KNEE\r\n"
)
ODD_MAPPING = {
    "accession": "Ref",
    "completed_at": "Done When",
    "exam_name": "Procedure",
}
OTHER_ODD = "Key;Stamp;Item\r\nY1;2025-02-12 08:00:00;MRI BRAIN\r\n"
OTHER_MAPPING = {"accession": "Key", "completed_at": "Stamp", "exam_name": "Item"}


def test_a_file_needing_columns_in_a_multi_file_upload_is_asked_about(client):
    response = post(client, ("jan.csv", JANUARY), ("odd.csv", ODD))
    assert response.status_code == 422
    body = response.json()
    assert body["needs_mapping"] is True
    assert body["filename"] == "odd.csv"
    assert body["error"].startswith("odd.csv: ")
    assert body["headers"] == ["Ref", "Done When", "Procedure"]
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
    more = ODD_HEADER + "X3,2025-02-12 09:00:00,US ABDOMEN\r\n"
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
    assert second.json()["headers"] == ["Key", "Stamp", "Item"]
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
