"""The pending list (exams/analysis/insights/pending.py): ages against a fixed as_of."""

import pandas as pd
import pytest

from exams.analysis import prepare_frame
from exams.analysis.frame.shifts import default_shifts
from exams.analysis.insights import pending

AS_OF = pd.Timestamp("2025-03-10 12:00")


def make_frame() -> pd.DataFrame:
    rows = [
        # accession, completed_at, finalized_at, patient class
        ("P1", "2025-03-10 10:30", None, "ED"),  # 90 min
        ("P2", "2025-03-09 12:00", None, "Outpatient"),  # 1440 min
        ("P3", "2025-03-10 11:59:30", None, "Inpatient"),  # 0.5 min
        ("P0", "2025-03-09 12:00", None, "Inpatient"),  # 1440 min, ties P2
        ("F1", "2025-03-08 09:00", "2025-03-10 12:00", "ED"),  # final: as_of
        ("F2", "2025-03-01 09:00", "2025-03-01 10:00", "ED"),
    ]
    frame = pd.DataFrame(
        {
            "accession": [r[0] for r in rows],
            "completed_at": pd.to_datetime([r[1] for r in rows], format="ISO8601"),
            "finalized_at": pd.to_datetime([r[2] for r in rows]),
            "patient_class": [r[3] for r in rows],
            "exam_name": "XR CHEST",
        }
    )
    return prepare_frame(frame, shifts=default_shifts())


def test_latest_timestamp_looks_at_every_time_field():
    assert pending.latest_timestamp(make_frame()) == AS_OF
    assert pending.latest_timestamp(make_frame()[0:0]) is None


def test_pending_list_oldest_first_with_ages():
    frame = make_frame()
    targets = pd.Series([60.0, 1440.0, 240.0, 240.0, 60.0, 60.0], index=frame.index)
    result = pending.pending_list(frame, as_of=AS_OF, targets=targets)
    assert result["as_of"] == "2025-03-10T12:00:00"
    assert result["total"] == 4
    rows = result["rows"]
    # Equal ages go by accession.
    assert [r["accession"] for r in rows] == ["P0", "P2", "P1", "P3"]
    assert [r["age_minutes"] for r in rows] == [1440.0, 1440.0, 90.0, 0.5]
    assert rows[2]["completed_at"] == "2025-03-10T10:30:00"
    # Past target: P0 (1440 > 240) and P1 (90 > 60); P2 equals its 1440.
    assert [r["overdue"] for r in rows] == [True, False, True, False]
    assert result["overdue"] == 2
    bands = {b["label"]: b["count"] for b in result["age_buckets"]}
    assert bands == {
        "<1 h": 1,
        "1–4 h": 1,
        "4–12 h": 0,
        "12–24 h": 0,
        "24–48 h": 2,
        ">48 h": 0,
    }


def test_pending_list_pages():
    frame = make_frame()
    targets = pd.Series(60.0, index=frame.index)
    second = pending.pending_list(
        frame, as_of=AS_OF, targets=targets, page=2, page_size=3
    )
    assert (second["total"], second["page"], second["page_size"]) == (4, 2, 3)
    assert [r["accession"] for r in second["rows"]] == ["P3"]
    beyond = pending.pending_list(
        frame, as_of=AS_OF, targets=targets, page=3, page_size=3
    )
    assert beyond["rows"] == [] and beyond["total"] == 4


def test_nothing_pending_and_no_data():
    frame = make_frame()
    done = frame[frame["finalized_at"].notna()]
    result = pending.pending_list(
        done, as_of=AS_OF, targets=pd.Series(60.0, index=done.index)
    )
    assert (result["total"], result["rows"]) == (0, [])
    empty = pending.pending_list(frame[0:0], as_of=None, targets=pd.Series(dtype=float))
    assert empty["as_of"] is None and empty["total"] == 0


def test_pending_exams_frame_for_csv_is_complete_and_sorted():
    frame = make_frame()
    exams = pending.pending_exams(
        frame, as_of=AS_OF, targets=pd.Series(60.0, index=frame.index)
    )
    assert list(exams["accession"]) == ["P0", "P2", "P1", "P3"]
    assert exams["age_minutes"].tolist() == pytest.approx([1440, 1440, 90, 0.5])
