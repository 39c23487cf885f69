"""Combining several exports (monthly files) into one data set (pure)."""

import pandas as pd

from exams.ingest import combine_exports, read_export

SEED = (
    "Order Procedure Accession,Exam Order Name,Exam Order Date/Time,"
    "Exam Complete Date/Tm,Final Date/Tm\n"
)
NOVEMBER = (
    SEED + "A1,CT HEAD,11/29/2024 08:00,11/29/2024 09:00,11/29/2024 10:00\n"
    "A2,XR CHEST,11/30/2024 22:00,11/30/2024 23:00,\n"  # pending at export time
    "A3,US ABD,11/30/2024 10:00,11/30/2024 11:00,not yet\n"
)
DECEMBER = (
    SEED + "A2,XR CHEST,11/30/2024 22:00,11/30/2024 23:00,12/01/2024 01:00\n"
    "A4,MRI BRAIN,12/01/2024 13:00,12/01/2024 14:00,12/01/2024 16:30\n"
    "A1,CT HEAD,11/29/2024 08:00,11/29/2024 09:00,11/29/2024 10:00\n"
    "A5,CT CHEST,12/02/2024 13:00,12/02/2024 14:00,12/02/2024 15:00\n"
    "A5,CT CHEST,12/02/2024 13:00,12/02/2024 14:00,12/02/2024 15:00\n"
)
# Another RIS layout for more exams: Epic-style names, a modality column.
EPIC = (
    "ACCESSION_NUM,PROC_NAME,MODALITY,END_EXAM_DTTM,FINALIZING_DTTM,ORDER_STATUS\n"
    "E1,KNEE 3 VIEWS,CR,2024-12-03 10:00:00,2024-12-03 10:45:00,Final\n"
    "E2,HEAD,CT,2024-12-03 11:00:00,,Final\n"
    "E3,HEAD,CT,2024-12-03 12:00:00,,Canceled\n"
)


def load(text: str, name: str):
    return read_export(text.encode(), filename=name)


def test_overlapping_months_keep_each_accession_once():
    frame, files, quality = combine_exports(
        [load(NOVEMBER, "nov.csv"), load(DECEMBER, "dec.csv")]
    )
    assert files == [
        {
            "filename": "nov.csv",
            "rows_read": 3,
            "added": 3,
            "replaced": 0,
            "skipped": 0,
        },
        # A2 now final (replaces), A4 and A5 new, A1 unchanged; the second
        # A5 was already dropped inside the file.
        {
            "filename": "dec.csv",
            "rows_read": 5,
            "added": 2,
            "replaced": 1,
            "skipped": 1,
        },
    ]
    assert sorted(frame["accession"]) == ["A1", "A2", "A3", "A4", "A5"]
    a2 = frame.set_index("accession").loc["A2"]
    assert a2["finalized_at"] == pd.Timestamp("2024-12-01 01:00")
    assert a2["complete_to_final"] == 120.0
    # In-file duplicate (A5) + across files (A1 skipped, pending A2 replaced).
    assert quality["duplicates"] == 3
    assert quality["cancelled"] == 0
    # A3's "not yet" travels with its row and is recounted.
    assert quality["unparseable"]["finalized_at"] == 1
    assert quality["missing"]["finalized_at"] == 0
    assert len(frame) == 5


def test_the_same_file_twice_adds_nothing():
    first = load(NOVEMBER, "nov.csv")
    frame, files, quality = combine_exports([first, load(NOVEMBER, "nov (1).csv")])
    assert files[1] == {
        "filename": "nov (1).csv",
        "rows_read": 3,
        "added": 0,
        "replaced": 0,
        "skipped": 3,
    }
    pd.testing.assert_frame_equal(frame, first.frame)
    assert quality["duplicates"] == 3
    assert quality["missing"] == first.quality["missing"]


def test_a_pending_row_does_not_replace_a_finished_one():
    frame, files, _ = combine_exports(
        [load(DECEMBER, "dec.csv"), load(NOVEMBER, "nov.csv")]
    )
    # November's A2 is pending, December's is final: December's stays.
    assert files[1]["replaced"] == 0 and files[1]["added"] == 1  # A3
    a2 = frame.set_index("accession").loc["A2"]
    assert a2["finalized_at"] == pd.Timestamp("2024-12-01 01:00")


def test_two_layouts_combine_into_one_canonical_frame():
    frame, files, quality = combine_exports(
        [load(NOVEMBER, "nov.csv"), load(EPIC, "epic.csv")]
    )
    assert [f["added"] for f in files] == [3, 2]
    assert frame["accession"].tolist() == ["A1", "A2", "A3", "E1", "E2"]
    assert frame["modality"].tolist() == ["CT", "XR", "US", "XR", "CT"]
    assert isinstance(frame["modality"].dtype, pd.CategoricalDtype)
    assert isinstance(frame["exam_name"].dtype, pd.CategoricalDtype)
    assert frame["accession"].dtype == "string"
    # Union of both files' fields; E1/E2 have no order time, A* no status.
    assert quality["missing"]["ordered_at"] == 2
    assert quality["missing"]["status"] == 3
    assert quality["missing"]["modality"] == 0
    assert quality["missing"]["finalized_at"] == 2  # A2 and E2 pending
    assert quality["cancelled"] == 1  # E3


def test_nothing_to_combine_gives_an_empty_result():
    frame, files, quality = combine_exports([])
    assert len(frame) == 0 and files == []
    assert quality["duplicates"] == 0


def test_a_column_empty_in_one_file_combines_with_a_filled_one():
    empty = load("Accession,Exam,Completed,Priority\nA1,CT,12/16/2024 14:35,\n", "a")
    filled = load(
        "Accession,Exam,Completed,Priority\nB1,CT,12/16/2024 15:35,STAT\n", "b"
    )
    frame, _, quality = combine_exports([empty, filled])
    assert frame["priority"].astype(object).fillna("-").tolist() == ["-", "STAT"]
    assert isinstance(frame["priority"].dtype, pd.CategoricalDtype)
    assert quality["missing"]["priority"] == 1
