"""CSV downloads for people (default) and for scripts (``raw=1``), and their names.

Expected cells are read off the tiny page export (tests/page_helpers.py) by
hand: A1 completed 03/03/2025 10:30 and was final at 11:00 (30 minutes).
"""

import csv
import datetime as dt
import io

import pytest

from exams.presentation.downloads import download_name
from exams.query.filters import FilterSpec


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_exam_list_csv_has_human_headers_and_sheet_times(loaded):
    rows = _rows(loaded.get("/api/exams", {"format": "csv", "sort": "accession"}))
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:3] == ["Accession", "Exam", "Modality"]
    assert "Completed" in header and "Report TAT (min)" in header
    assert first["Accession"] == "A1"
    assert first["Completed"] == "2025-03-03 10:30"
    assert first["Ordered"] == "2025-03-03 09:00"
    assert first["Report TAT (min)"] == "30.0"


def test_exam_list_raw_keeps_field_names_and_iso_times(loaded):
    rows = _rows(
        loaded.get("/api/exams", {"format": "csv", "sort": "accession", "raw": "1"})
    )
    first = dict(zip(rows[0], rows[1], strict=True))
    assert rows[0][0] == "accession"
    assert first["completed_at"] == "2025-03-03T10:30:00"


def test_exam_list_page_download_is_for_people_too(loaded):
    response = loaded.get("/exams", {"format": "csv", "modality": "CT"})
    assert _rows(response)[0][0] == "Accession"
    assert 'filename="tatviz-exams-CT.csv"' in response["Content-Disposition"]


def test_series_csv_names_what_each_column_holds(loaded):
    rows = _rows(loaded.get("/api/series", {"format": "csv", "period": "month"}))
    # Four exams, all in March 2025, from 3 to 15 March: the month in part.
    assert rows == [
        ["Month", "All: Exams completed", "All: n", "Covered in part"],
        ["2025-03", "4", "4", "yes"],
    ]


def test_series_csv_of_a_statistic(loaded):
    rows = _rows(
        loaded.get(
            "/api/series",
            {"format": "csv", "metric": "complete_to_final", "period": "year"},
        )
    )
    assert rows[0] == [
        "Year",
        "All: Median report TAT (min)",
        "All: n",
        "Covered in part",
    ]


@pytest.mark.parametrize(
    ("url", "header"),
    [
        ("/api/summary?format=csv", "Modality,Exams,Order → complete n"),
        ("/api/distribution?format=csv", "Bucket,From (min),To (min),Exams,Share"),
        ("/api/heatmap?format=csv", "Weekday,Hour,Exams,n"),
        ("/api/compare?format=csv", "Measure,This range,Compared with,Change"),
        ("/api/pareto?format=csv", "Exam,Exams,Share,Cumulative share"),
        ("/api/pending?format=csv", "Accession,Exam,Modality"),
    ],
)
def test_analysis_csvs_have_human_headers(loaded, url, header):
    response = loaded.get(url)
    assert response.content.decode("utf-8-sig").startswith(header)


def test_pending_csv_times_open_as_dates(loaded):
    rows = _rows(loaded.get("/api/pending", {"format": "csv"}))
    row = dict(zip(rows[0], rows[1], strict=True))
    # A2 (no final report) completed 03/03/2025 23:30.
    assert row["Accession"] == "A2"
    assert row["Completed"] == "2025-03-03 23:30"


def test_download_names_say_what_they_hold(loaded):
    response = loaded.get(
        "/api/exams",
        {"format": "csv", "modality": "CT", "start": "2025-07-01", "end": "2025-09-30"},
    )
    assert 'filename="tatviz-exams-CT-2025-Q3.csv"' in response["Content-Disposition"]
    chart = loaded.get(
        "/api/series",
        {"format": "csv", "metric": "complete_to_final", "period": "week"},
    )
    assert (
        'filename="tatviz-complete_to_final-median-per-week.csv"'
        in (chart["Content-Disposition"])
    )


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        (FilterSpec(), "tatviz-exams.csv"),
        (FilterSpec(modality=("CT", "MR")), "tatviz-exams-CT+MR.csv"),
        (
            FilterSpec(modality=("CT", "MR", "US", "XR")),
            "tatviz-exams-4-modalities.csv",
        ),
        (
            FilterSpec(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31)),
            "tatviz-exams-2025-03.csv",
        ),
        (
            FilterSpec(priority=("STAT",), start=dt.date(2025, 1, 1)),
            "tatviz-exams-STAT-from-2025-01-01.csv",
        ),
        # Characters a file system refuses become dashes.
        (FilterSpec(physician=('SMITH, "JOHN"/MD',)), "tatviz-exams-SMITH-JOHN-MD.csv"),
    ],
)
def test_download_name(spec, name):
    assert download_name("exams", spec) == name
