"""Date and time of day in two columns become one timestamp; dates alone are
never read as if they had a time (pure)."""

import datetime as dt
import io

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from exams.ingest import combine_exports, read_export
from exams.ingest.columns.pairs import time_of_day
from exams.presentation.quality_text import quality_items


def export(header: str, *rows: str) -> bytes:
    return (header + "\n" + "".join(r + "\n" for r in rows)).encode()


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def test_exam_date_and_exam_time_become_the_completion_time():
    # By name alone, "Exam Date" was guessed as the start and "Exam Time" as
    # the completion (a time of day with no date).
    data = export(
        "Accession,Modality,Exam Date,Exam Time,Final Date/Tm",
        "A1,CT,2024-01-02,09:30:07,2024-01-02 10:00:07",
        "A2,CT,2024-01-02,23:50,2024-01-03 00:20",
        "A3,MR,2024-01-03,7:05 PM,2024-01-03 21:05",
    )
    result = read_export(data, filename="pacs.csv")
    frame = result.frame
    assert list(frame["completed_at"]) == [
        ts("2024-01-02 09:30:07"),
        ts("2024-01-02 23:50"),
        ts("2024-01-03 19:05"),
    ]
    # Hand-worked: 30 min, 30 min (across midnight), 120 min.
    assert list(frame["complete_to_final"]) == [30.0, 30.0, 120.0]
    assert result.columns["completed_at"] == "Exam Date"
    assert "started_at" not in result.columns
    assert frame["started_at"].isna().all()
    assert (
        "'Exam Date' (date) and 'Exam Time' (time of day) were combined into "
        "one timestamp: Completed (completed_at)." in result.notes
    )
    assert result.quality["date_only"] == {}
    assert result.date_only == ()


def test_dicom_study_date_and_study_time():
    data = export(
        "Accession,Modality,StudyDate,StudyTime,Final Date/Tm",
        "A1,CT,20240102,093007,01/02/2024 10:00",
        "A2,MR,20240215,1405,02/15/2024 15:05",
        "A3,US,20240216,235959.123456,02/17/2024 00:00",
    )
    result = read_export(data, filename="dicom.csv")
    assert list(result.frame["completed_at"]) == [
        ts("2024-01-02 09:30:07"),
        ts("2024-02-15 14:05"),
        ts("2024-02-16 23:59:59"),
    ]
    # 29 min 53 s; 60 min; 1 s.
    np.testing.assert_allclose(
        result.frame["complete_to_final"], [29 + 53 / 60, 60.0, 1 / 60]
    )
    assert any("'StudyDate' (date) and 'StudyTime'" in n for n in result.notes)


def test_study_date_then_a_bare_time_column_and_a_split_final_time():
    data = export(
        "accession,modality,Order Date/Time,study date,time,Final Date,Final Time",
        "A1,CT,01/15/2024 08:00,01/15/2024,09:30,01/15/2024,10:15",
        "A2,XR,01/25/2024 22:00,01/25/2024,23:10,01/26/2024,01:40",
    )
    result = read_export(data, filename="report.csv")
    frame = result.frame
    assert list(frame["completed_at"]) == [
        ts("2024-01-15 09:30"),
        ts("2024-01-25 23:10"),
    ]
    assert list(frame["finalized_at"]) == [
        ts("2024-01-15 10:15"),
        ts("2024-01-26 01:40"),
    ]
    assert list(frame["order_to_complete"]) == [90.0, 70.0]
    assert list(frame["complete_to_final"]) == [45.0, 150.0]
    assert list(frame["order_to_final"]) == [135.0, 220.0]
    assert result.columns["completed_at"] == "study date"
    assert result.columns["finalized_at"] == "Final Date"
    assert sum("were combined" in n for n in result.notes) == 2


def test_a_date_only_completion_column_leaves_its_intervals_out():
    data = export(
        "Accession,Modality,Order Date/Time,Exam Complete Date,Final Date/Tm",
        "A1,CT,2024-01-02 08:00,2024-01-02,2024-01-02 11:00",
        "A2,CT,2024-01-02 09:00,2024-01-03,2024-01-03 10:00",
        "A3,MR,2024-01-03 09:00,2024-01-03,",
    )
    result = read_export(data, filename="dates.csv")
    frame = result.frame
    # The date is kept: the exams still fall on their days.
    assert list(frame["completed_at"]) == [
        ts("2024-01-02"),
        ts("2024-01-03"),
        ts("2024-01-03"),
    ]
    # Never "completed at midnight": both intervals that need it are left out.
    assert frame["order_to_complete"].isna().all()
    assert frame["complete_to_final"].isna().all()
    assert list(frame["order_to_final"].iloc[:2]) == [180.0, 1500.0]
    assert result.quality["date_only"] == {"completed_at": 3}
    assert result.quality["negative"] == {
        "order_to_complete": 0,
        "complete_to_final": 0,
        "order_to_final": 0,
    }
    assert result.date_only == ("completed_at",)
    texts = [i["text"] for i in quality_items({"quality": result.quality})]
    assert (
        "3 exams have a date but no time of day as completion time: left out of "
        "Order → complete and Complete → final (report TAT) statistics (a date "
        "alone gives no minutes). Their shift and hour of day read as midnight."
    ) in texts


def test_a_column_of_midnights_is_date_only():
    # Spreadsheets write a date cell as "2024-01-02 00:00:00".
    data = export(
        "Accession,Modality,Exam Complete Date/Tm,Final Date/Tm",
        "A1,CT,2024-01-02 00:00:00,2024-01-02 10:00",
        "A2,CT,2024-01-03 00:00:00,2024-01-03 11:00",
        "A3,CT,2024-01-04 00:00:00,2024-01-04 12:00",
    )
    result = read_export(data, filename="sheet.csv")
    assert result.quality["date_only"] == {"completed_at": 3}
    assert result.frame["complete_to_final"].isna().all()


def test_a_few_rows_without_their_time_keep_the_date_alone():
    data = export(
        "Accession,Modality,Exam Date,Exam Time,Final Date/Tm",
        "A1,CT,2024-01-02,09:30,2024-01-02 10:00",
        "A2,CT,2024-01-02,,2024-01-02 12:00",
        "A3,CT,2024-01-02,10:00,2024-01-02 10:20",
        "A4,CT,2024-01-02,11:00,2024-01-02 11:45",
        "A5,CT,2024-01-02,12:00,2024-01-02 12:05",
    )
    result = read_export(data, filename="gaps.csv")
    frame = result.frame
    assert frame["completed_at"].iloc[1] == ts("2024-01-02")
    tat = frame["complete_to_final"]
    assert tat.isna().tolist() == [False, True, False, False, False]
    assert tat.dropna().tolist() == [30.0, 20.0, 45.0, 5.0]
    assert result.quality["date_only"] == {"completed_at": 1}
    assert any(
        "1 exam(s) have a date there but no time of day" in n for n in result.notes
    )


def test_a_time_column_that_holds_no_times_is_not_combined():
    data = export(
        "Accession,Modality,Exam Date,Exam Time,Final Date/Tm",
        "A1,CT,2024-01-02,35 min,2024-01-02 10:00",
        "A2,CT,2024-01-03,40 min,2024-01-03 10:00",
    )
    result = read_export(data, filename="durations.csv")
    assert (
        "'Exam Time' was not combined with 'Exam Date': only 0 of its 2 values "
        "are times of day." in result.notes
    )
    # The date alone is still a date: its intervals are left out.
    assert result.quality["date_only"] == {"completed_at": 2}
    assert result.frame["complete_to_final"].isna().all()


def test_a_date_column_that_already_has_times_is_not_combined():
    data = export(
        "Accession,Modality,Exam Date,Exam Time,Final Date/Tm",
        "A1,CT,2024-01-02 09:30,09:30,2024-01-02 10:00",
    )
    result = read_export(data, filename="both.csv")
    assert result.frame["completed_at"].iloc[0] == ts("2024-01-02 09:30")
    assert any("that column already has times of day" in n for n in result.notes)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("09:30", 34200),
        ("9:30:07", 34207),
        ("09:30:07.250", 34207),
        ("12:05 AM", 300),
        ("12:05 PM", 43500),
        ("7:05 pm", 68700),
        ("093007", 34207),
        ("0930", 34200),
        ("235959.999", 86399),
        ("1899-12-30 09:30:00", 34200),
        ("24:00", -1),
        ("13:00 PM", -1),
        ("09:61", -1),
        ("35 min", -1),
        ("2024-01-02", -1),
    ],
)
def test_times_of_day_are_read(text, seconds):
    assert time_of_day(pa.chunked_array([[text]])).tolist() == [seconds]


def test_split_columns_match_pandas_over_many_rows():
    rng = np.random.default_rng(19)
    n = 400
    start = np.datetime64("2024-03-01T00:00:00")
    completed = start + rng.integers(0, 90 * 86400, n).astype("timedelta64[s]")
    final = completed + rng.integers(-600, 3 * 86400, n).astype("timedelta64[s]")
    done = pd.Series(completed)
    raw = pd.DataFrame(
        {
            "Accession": [f"A{i}" for i in range(n)],
            "Modality": rng.choice(["CT", "MR", "XR"], n),
            "StudyDate": done.dt.strftime("%Y%m%d"),
            "StudyTime": done.dt.strftime("%H%M%S"),
            "Report Date": pd.Series(final).dt.strftime("%m/%d/%Y"),
            "Report Time": pd.Series(final).dt.strftime("%I:%M:%S %p"),
        }
    )
    # Report date/time is only a candidate: "Report Date" must read as the
    # final time for this pair to matter; map it as a person would.
    result = read_export(
        raw.to_csv(index=False).encode(),
        filename="many.csv",
        mapping={"finalized_at": "Report Date"},
    )
    expected_done = pd.to_datetime(
        raw["StudyDate"] + raw["StudyTime"], format="%Y%m%d%H%M%S"
    )
    expected_final = pd.to_datetime(
        raw["Report Date"] + " " + raw["Report Time"], format="%m/%d/%Y %I:%M:%S %p"
    )
    assert (result.frame["completed_at"] == expected_done).all()
    assert (result.frame["finalized_at"] == expected_final).all()
    expected_tat = (expected_final - expected_done).dt.total_seconds() / 60
    np.testing.assert_allclose(result.frame["complete_to_final"], expected_tat)
    assert result.quality["negative"]["complete_to_final"] == int(
        (expected_tat < 0).sum()
    )


def test_combined_files_keep_the_date_only_field():
    timed = read_export(
        export(
            "Accession,Modality,Exam Complete Date/Tm,Final Date/Tm",
            "A1,CT,2024-01-02 09:00,2024-01-02 10:00",
        ),
        filename="timed.csv",
    )
    dated = read_export(
        export(
            "Accession,Modality,Exam Complete Date,Final Date/Tm",
            "B1,CT,2024-01-03,2024-01-03 10:00",
            "B2,CT,2024-01-04,2024-01-04 10:00",
        ),
        filename="dated.csv",
    )
    frame, _, quality = combine_exports([timed, dated])
    assert quality["date_only"] == {"completed_at": 2}
    assert frame["complete_to_final"].iloc[0] == 60.0
    assert frame["complete_to_final"].iloc[1:].isna().all()


def test_a_workbook_with_date_cells_and_time_cells():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Accession", "Modality", "Exam Date", "Exam Time", "Final Date/Tm"])
    sheet.append(
        [
            "A1",
            "CT",
            dt.datetime(2024, 1, 2),
            dt.time(9, 30),
            dt.datetime(2024, 1, 2, 10),
        ]
    )
    sheet.append(
        [
            "A2",
            "CT",
            dt.date(2024, 1, 3),
            dt.time(23, 55),
            dt.datetime(2024, 1, 4, 0, 5),
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    result = read_export(buffer.getvalue(), filename="book.xlsx")
    assert list(result.frame["completed_at"]) == [
        ts("2024-01-02 09:30"),
        ts("2024-01-03 23:55"),
    ]
    assert list(result.frame["complete_to_final"]) == [30.0, 10.0]


def test_a_time_column_of_whole_timestamps_replaces_its_date_column():
    # Epic Clarity: ORDERING_DATE is a date, ORDER_TIME a full timestamp.
    data = export(
        "Accession,Modality,Order Date,Order Time,Exam Complete Date/Tm",
        "A1,CT,01/15/2024,01/15/2024 08:10,01/15/2024 09:00",
        "A2,CT,01/16/2024,01/16/2024 22:40,01/16/2024 23:00",
    )
    result = read_export(data, filename="epic.csv")
    assert result.columns["ordered_at"] == "Order Time"
    assert list(result.frame["ordered_at"]) == [
        ts("2024-01-15 08:10"),
        ts("2024-01-16 22:40"),
    ]
    assert list(result.frame["order_to_complete"]) == [50.0, 20.0]
    assert result.quality["date_only"] == {}
    assert (
        "'Order Time' holds dates with times of day: used for Ordered "
        "(ordered_at) instead of 'Order Date'." in result.notes
    )
