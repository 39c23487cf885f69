"""A year in twelve files: combining exports end to end (docs/API.md).

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

from exams.models import Dataset
from exams.storage import store
from tests.client_fixtures import exams_csv

pytestmark = pytest.mark.django_db

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
    assert quality["negative"] == {
        **EXPECTED["negative"],
        **EXPECTED["preliminary_negative"],
    }
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
