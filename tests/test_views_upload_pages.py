"""The upload, sample, data and settings pages through Django's stack.

Expected numbers are hand-worked from the tiny export, or read from
sample_data/expected.json (written by the generator, not by TATviz).
"""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from exams.storage import store
from tests.page_helpers import TINY_CSV, figure_of, html

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_storage")]

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
EXPECTED = json.loads((SAMPLE_DIR / "expected.json").read_text())[
    "ris_export_sample.csv"
]


@pytest.fixture
def sample(client):
    response = client.post("/sample")
    assert response.status_code == 302
    return client


# ---- upload, sample, data, settings --------------------------------------------


def test_upload_without_javascript_redirects_to_the_report(client):
    response = client.post(
        "/upload", {"file": SimpleUploadedFile("tiny.csv", TINY_CSV)}
    )
    assert response.status_code == 302
    assert response["Location"] == "/upload?loaded=1"
    report = client.get("/upload?loaded=1").context["report"]
    kinds = {item["kind"]: item for item in report["items"]}
    assert kinds["pending"]["url"].startswith("/exams?quality=pending")
    assert "quality=negative" in kinds["negative"]["url"]


def test_upload_can_add_files_to_the_current_data_set(loaded):
    more = TINY_CSV.replace(b",A1,", b",B1,").replace(b",A2,", b",B2,")
    more = more.replace(b",A3,", b",B3,").replace(b",A4,", b",B4,")
    response = loaded.post(
        "/upload", {"mode": "add", "file": SimpleUploadedFile("more.csv", more)}
    )
    assert response.status_code == 302
    report = loaded.get(response["Location"]).context["report"]
    assert report["rows_loaded"] == "8"
    assert [f["filename"] for f in report["files"]] == ["tiny.csv", "more.csv"]


def test_upload_page_offers_adding_once_data_is_loaded(loaded):
    assert 'value="add"' in html(loaded.get("/upload"))


def test_upload_without_javascript_shows_the_error(client):
    response = client.post("/upload", {"file": SimpleUploadedFile("empty.csv", b"")})
    assert response.status_code == 400
    assert "banner-error" in html(response)


def test_sample_button_loads_the_sample_and_opens_the_dashboard(client):
    response = client.post("/sample")
    assert response["Location"] == "/dashboard"
    headline = client.get("/dashboard").context["results"]["headline"]
    assert headline[0]["value"] == f"{EXPECTED['rows_loaded']:,}"


def test_sample_report_counts_and_links_match_the_generator(sample):
    report = sample.get("/upload?loaded=1").context["report"]
    assert report["rows_loaded"] == f"{EXPECTED['rows_loaded']:,}"
    pending = next(item for item in report["items"] if item["kind"] == "pending")
    assert pending["count"] == EXPECTED["pending"]
    listed = sample.get(pending["url"])
    # The list shows every exam without a readable final time: the pending
    # ones plus the few whose final text could not be read as a date.
    expected = EXPECTED["pending"] + EXPECTED["unparseable"]["finalized_at"]
    assert listed.context["total"] == f"{expected:,}"


def test_presets_count_back_from_the_last_exam(sample):
    presets = sample.get("/dashboard").context["presets"]
    last = dt.date.fromisoformat(EXPECTED["completed_last"][:10])
    by_label = {p["label"]: (p["start"], p["end"]) for p in presets}
    assert by_label["Last 7 days"] == (last - dt.timedelta(days=6), last)
    assert by_label["This quarter"] == (dt.date(2025, 10, 1), last)
    assert by_label["Last quarter"] == (dt.date(2025, 7, 1), dt.date(2025, 9, 30))
    assert "the last exam in" in html(sample.get("/dashboard"))


@pytest.mark.parametrize(
    "query",
    [
        "period=day&split=modality&metric=complete_to_final",
        "period=day&split=physician&metric=order_to_final&stat=p90",
        "period=day&split=physician",
        "period=week&split=physician&metric=complete_ratio",
    ],
)
def test_dashboard_page_stays_small(sample, query):
    # Plotly's JS is a separate, cached file; the page itself stays light.
    response = sample.get(f"/dashboard?{query}")
    assert response.status_code == 200
    assert len(response.content) < 300_000


def test_sample_month_bars_match_the_generator(sample):
    figure = figure_of(sample.get("/dashboard"))
    trace = figure["data"][0]
    assert (
        dict(zip(trace["x"], trace["y"], strict=True)) == EXPECTED["completed_by_month"]
    )


def test_data_page_lists_the_current_data_set(loaded):
    rows = loaded.get("/data").context["datasets"]
    assert len(rows) == 1
    assert rows[0]["current"] is True
    assert rows[0]["files"] == ["tiny.csv"]


def test_data_page_lists_uploads_waiting_for_an_answer_so_they_can_go(client):
    # A file whose columns are not recognised is kept (held) for the mapping
    # question; if the user never answers, the Data page must still show it
    # with a Delete button, and deleting it must remove the saved export.
    unknown = b"Patient,Note\nSMITH JOHN,x\n"
    asked = client.post(
        "/api/datasets", {"file": SimpleUploadedFile("mystery.csv", unknown)}
    )
    assert asked.status_code == 422
    held_id = asked.json()["id"]
    stored = store.get_dataset(held_id).files.get().stored_name
    saved = Path(settings.UPLOAD_DIR) / stored
    assert saved.is_file()

    page = client.get("/data")
    assert page.context["datasets"] == []
    assert [r["files"] for r in page.context["held"]] == [["mystery.csv"]]
    text = html(page)
    assert "Waiting for an answer" in text
    assert f'data-delete="{held_id}"' in text

    assert client.delete(f"/api/datasets/{held_id}").status_code == 200
    assert not saved.exists()
    assert client.get("/data").context["held"] == []


def test_settings_page_shows_the_shifts(client):
    text = html(client.get("/settings"))
    for name, start in [("day", "07:00"), ("evening", "15:00"), ("night", "23:00")]:
        assert f'value="{name}"' in text
        assert f'value="{start}"' in text
