"""Excel workbooks: dates as cells or serial numbers; unsafe zips refused."""

import datetime as dt
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from exams.ingest import IngestError, read_export
from exams.ingest.files import xlsx as xlsx_module

ROOT = Path(__file__).resolve().parent.parent


def workbook(rows: list[list], *, title: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_datetime_cells_and_serial_numbers_become_timestamps():
    # 45642 is 2024-12-16 in Excel's 1900 date system; .6076388889 is 14:35.
    data = workbook(
        [
            ["Accession", "Exam Order Name", "Exam Complete Date/Tm", "Final Date/Tm"],
            [12345, "CT HEAD", dt.datetime(2024, 12, 16, 14, 35), 45642.6284722222],
            ["A2", "XR CHEST", dt.datetime(2024, 12, 17, 9, 0, 0, 999_999), None],
            [None, None, None, None],
            ["Total: 2", None, None, None],
        ],
        title="Radiology TAT export",
    )
    result = read_export(data, filename="export.xlsx")
    frame = result.frame
    assert result.rows_read == 2
    assert frame["accession"].tolist() == ["12345", "A2"]
    assert frame["completed_at"].tolist() == [
        pd.Timestamp("2024-12-16 14:35"),
        pd.Timestamp("2024-12-17 09:00:01"),
    ]
    # 0.6284722222 day = 905 minutes = 15:05; 15:05 - 14:35 = 30 minutes.
    assert frame["finalized_at"].tolist()[0] == pd.Timestamp("2024-12-16 15:05")
    assert frame["complete_to_final"].tolist()[0] == 30.0
    assert result.date_formats["finalized_at"] == "Excel serial number"
    assert result.quality["missing"]["finalized_at"] == 1
    assert any("1 row(s) above the header" in n for n in result.notes)
    assert any("Footer of 1 row(s)" in n for n in result.notes)


def test_workbook_named_like_a_csv_is_still_read():
    data = workbook(
        [["Accession", "Exam", "Completed"], ["A1", "CT", "12/16/2024 14:35"]]
    )
    assert read_export(data, filename="export.csv").rows_read == 1


def test_csv_text_named_xlsx_is_read_as_text():
    data = b"Accession,Exam,Completed\nA1,CT HEAD,12/16/2024 14:35\n"
    assert read_export(data, filename="export.xlsx").rows_read == 1


def test_empty_and_header_only_workbooks_are_refused():
    with pytest.raises(IngestError, match="workbook is empty"):
        read_export(workbook([]), filename="e.xlsx")
    with pytest.raises(IngestError, match="header but no exam rows"):
        read_export(workbook([["Accession", "Exam", "Completed"]]), filename="h.xlsx")


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_zip_bomb_is_refused_before_opening():
    # 64 MB of zeros deflates about 1000:1, far past any real workbook.
    data = zip_of(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": bytes(64 * 1024 * 1024),
        }
    )
    assert len(data) < 1024 * 1024
    with pytest.raises(IngestError, match="unpack") as caught:
        read_export(data, filename="bomb.xlsx")
    assert caught.value.status == 400


def test_workbook_larger_than_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(xlsx_module, "MAX_UNPACKED_BYTES", 1000)
    data = workbook([["Accession", "Exam", "Completed"], ["A1", "CT", "x"]])
    with pytest.raises(IngestError, match="unpack"):
        read_export(data, filename="big.xlsx")


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (zip_of({"export.csv": b"Accession,Exam\n"}), "zip archive, not an Excel"),
        (b"PK\x03\x04" + bytes(range(200)), "damaged"),
        (
            zip_of({"xl/workbook.xml": b"not xml", "[Content_Types].xml": b"<x/>"}),
            "could not be read",
        ),
    ],
)
def test_zips_that_are_not_workbooks_are_refused(data, says):
    with pytest.raises(IngestError, match=says):
        read_export(data, filename="export.xlsx")


@pytest.mark.parametrize(
    "code",
    [
        "import exams.ingest",
        # What the launcher loads before serving: settings, apps, every view.
        "import django; django.setup(); import tatviz.urls",
    ],
)
def test_openpyxl_is_imported_only_to_read_a_workbook(code, tmp_path):
    check = (
        f"import sys; {code}; "
        "print('openpyxl' in sys.modules or 'python_calamine' in sys.modules)"
    )
    env = {**os.environ, "TATVIZ_DATA_DIR": str(tmp_path)}
    env.setdefault("DJANGO_SETTINGS_MODULE", "tatviz.settings")
    result = subprocess.run(
        [sys.executable, "-c", check],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == "False"


def test_cell_values_become_the_text_a_csv_would_hold():
    values = [
        dt.date(2024, 1, 2),
        dt.datetime(2024, 1, 2, 3, 4, 5, 600_000),  # rounds up to :06
        "",
        " x ",
        1.0,
        2.5,
        True,
        dt.time(1, 2),
        None,
    ]
    assert xlsx_module.column_text(values).to_pylist() == [
        "2024-01-02",
        "2024-01-02 03:04:06",
        None,
        "x",
        "1",
        "2.5",
        "TRUE",
        "01:02:00",
        None,
    ]
