"""All four shapes in one export: split date/time columns (one time missing),
a look-alike status, times out of order and several spellings (pure)."""

import numpy as np
import pandas as pd

from exams.ingest import read_export
from exams.presentation.quality_text import quality_items

EXPORT = (
    b"Accession,Modality,Order Date,Order Time,Exam Date,Exam Time,"
    b"Final Date,Final Time,Priority,ai_status,Site\n"
    b"R1,CT,2024-01-15,08:00,2024-01-15,09:00,2024-01-15,09:45,STAT,Pre,RAD1\n"
    b"R2,ct,2024-01-15,22:00,2024-01-15,23:30,2024-01-16,00:10,Stat,During,RAD1\n"
    b"R3,MR,2024-01-16,10:00,2024-01-16,09:00,2024-01-16,12:00,routine ,Post,RAD1\n"
    b"R4,MR,2024-01-16,07:00,2024-01-16,,2024-01-16,08:00,Routine,Post,RAD1\n"
    b"R5,XR,2024-01-17,13:00,2024-01-17,13:20,2024-01-17,13:10,ROUTINE,Post,RAD1\n"
)


def test_every_shape_at_once():
    result = read_export(EXPORT, filename="all.csv")
    frame = result.frame
    assert result.columns == {
        "accession": "Accession",
        "modality": "Modality",
        "ordered_at": "Order Date",
        "completed_at": "Exam Date",
        "finalized_at": "Final Date",
        "priority": "Priority",
        "location": "Site",
    }
    assert list(frame["completed_at"]) == [
        pd.Timestamp("2024-01-15 09:00"),
        pd.Timestamp("2024-01-15 23:30"),
        pd.Timestamp("2024-01-16 09:00"),
        pd.Timestamp("2024-01-16"),  # a date alone: R4 has no exam time
        pd.Timestamp("2024-01-17 13:20"),
    ]
    nan = np.nan
    np.testing.assert_array_equal(
        frame["order_to_complete"], [60.0, 90.0, -60.0, nan, 20.0]
    )
    np.testing.assert_array_equal(
        frame["complete_to_final"], [45.0, 40.0, 180.0, nan, -10.0]
    )
    np.testing.assert_array_equal(
        frame["order_to_final"], [105.0, 130.0, 120.0, 60.0, 10.0]
    )
    quality = result.quality
    assert quality["negative"] == {
        "order_to_complete": 1,
        "complete_to_final": 1,
        "order_to_final": 0,
    }
    # R4's date alone is compared by day: the 16th is not before the 16th.
    assert quality["out_of_order"] == {
        "ordered_at>completed_at": 1,
        "ordered_at>finalized_at": 0,
        "completed_at>finalized_at": 1,
    }
    assert quality["date_only"] == {"completed_at": 1}
    # STAT/Stat tie → first seen; routine/Routine/ROUTINE tie → first seen.
    assert frame["priority"].tolist() == ["STAT", "STAT"] + ["routine"] * 3
    assert quality["merged"] == {"modality": 0, "priority": 3}
    # The AI flag is not a status, so nothing was dropped as cancelled.
    assert len(frame) == 5 and quality["cancelled"] == 0
    assert frame["status"].isna().all()
    notes = result.notes
    assert (
        "'ai_status' not used as the exam status: its values Pre/During/Post "
        "are not exam statuses (cancelled exams are therefore not recognised "
        "from it)."
    ) in notes
    assert (
        "'Exam Date' (date) and 'Exam Time' (time of day) were combined into one "
        "timestamp: Completed (completed_at). 1 exam(s) have a date there but no "
        "time of day."
    ) in notes
    assert (
        "'Site' (location) has the same value, RAD1, in every row: splitting or "
        "filtering by it shows one group."
    ) in notes
    kinds = {i["kind"] for i in quality_items({"quality": quality})}
    assert {"negative", "date_only", "merged"} <= kinds
