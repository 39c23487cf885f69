"""read_export: bytes of a RIS export → canonical frame + quality (pure, no Django).

Every expected number below is worked out by hand from the inline CSV.
"""

import numpy as np
import pandas as pd
import pytest

from exams import fields
from exams.ingest import (
    IngestError,
    NeedsMapping,
    read_export,
)

SEED_HEADER = (
    "Order Procedure Accession,Exam Order Name,Exam Order Date/Time,"
    "Exam Complete Date/Tm,Final Date/Tm"
)


def load(text: str | bytes, **options):
    data = text.encode() if isinstance(text, str) else text
    return read_export(data, filename=options.pop("filename", "export.csv"), **options)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def test_seed_export_becomes_the_canonical_frame():
    result = load(
        SEED_HEADER + "\n"
        "A1,CT HEAD WO CONTRAST,12/16/2024 14:00,12/16/2024 14:35,12/16/2024 15:05\n"
        "A2,XR CHEST 2 VIEWS,12/16/2024 13:00,12/16/2024 13:20,\n"
        "A3,MRI BRAIN,12/17/2024 08:00,12/17/2024 09:00,12/17/2024 08:50\n"
    )
    frame = result.frame
    assert list(frame.columns) == [*fields.CANONICAL_FIELDS, *fields.INTERVALS]
    assert isinstance(frame.index, pd.RangeIndex)
    assert frame["accession"].dtype == "string"
    assert isinstance(frame["exam_name"].dtype, pd.CategoricalDtype)
    assert frame["completed_at"].dtype == "datetime64[ns]"
    assert frame["order_to_final"].dtype == "float64"
    assert frame["accession"].tolist() == ["A1", "A2", "A3"]
    assert frame["modality"].tolist() == ["CT", "XR", "MR"]
    assert frame["completed_at"].tolist() == [
        ts("2024-12-16 14:35"),
        ts("2024-12-16 13:20"),
        ts("2024-12-17 09:00"),
    ]
    # 14:00→14:35, 13:00→13:20, 08:00→09:00
    assert frame["order_to_complete"].tolist() == [35.0, 20.0, 60.0]
    # 14:35→15:05; pending; 09:00→08:50 (final before complete)
    np.testing.assert_array_equal(frame["complete_to_final"], [30.0, np.nan, -10.0])
    np.testing.assert_array_equal(frame["order_to_final"], [65.0, np.nan, 50.0])
    assert frame["priority"].isna().all() and frame["started_at"].isna().all()
    assert result.rows_read == 3
    assert result.columns == {
        "accession": "Order Procedure Accession",
        "exam_name": "Exam Order Name",
        "ordered_at": "Exam Order Date/Time",
        "completed_at": "Exam Complete Date/Tm",
        "finalized_at": "Final Date/Tm",
    }
    assert result.quality == {
        "duplicates": 0,
        "cancelled": 0,
        "unparseable": {"ordered_at": 0, "completed_at": 0, "finalized_at": 0},
        "missing": {
            "accession": 0,
            "exam_name": 0,
            "ordered_at": 0,
            "completed_at": 0,
            "finalized_at": 1,
        },
        "negative": {
            "order_to_complete": 0,
            "complete_to_final": 1,
            "order_to_final": 0,
        },
        # The final time before the completion time, as in "negative".
        "out_of_order": {
            "ordered_at>completed_at": 0,
            "ordered_at>finalized_at": 0,
            "completed_at>finalized_at": 1,
        },
        "date_only": {},
        "merged": {},
    }
    assert result.date_formats["completed_at"] == "MM/DD/YYYY HH:MM"
    assert result.headers == SEED_HEADER.split(",")
    assert any("derived from the exam name" in note for note in result.notes)


@pytest.mark.parametrize(
    ("completed", "says"),
    [
        (("not a date", "soon"), "no date TATviz can read"),
        (("", " "), "empty in every row"),
    ],
)
def test_completion_column_without_a_date_is_refused(completed, says):
    rows = "".join(f"A{i},CT HEAD,{value}\n" for i, value in enumerate(completed))
    with pytest.raises(IngestError) as caught:
        load("Accession,Exam,Exam Complete Date/Tm\n" + rows)
    assert says in caught.value.message
    assert "'Exam Complete Date/Tm'" in caught.value.message


def test_missing_completion_column_needs_mapping():
    with pytest.raises(NeedsMapping) as caught:
        load("Accession,Exam Name,Final Date/Tm\nA1,CT HEAD,12/16/2024 14:35\n")
    error = caught.value
    assert error.status == 422
    assert error.headers == ["Accession", "Exam Name", "Final Date/Tm"]
    assert error.guesses == {
        "accession": "Accession",
        "exam_name": "Exam Name",
        "finalized_at": "Final Date/Tm",
    }
    assert "exam completed date/time" in error.message
    assert "completed_at" not in error.message and "'Final Date/Tm'" in error.message


def test_no_modality_and_no_exam_name_needs_mapping():
    with pytest.raises(NeedsMapping) as caught:
        load("Accession,Exam Complete Date/Tm\nA1,12/16/2024 14:35\n")
    assert "modality or the exam name" in caught.value.message
    assert caught.value.headers == ["Accession", "Exam Complete Date/Tm"]


MAPPABLE = (
    "Acc,Study,Exam Begin,Done When,Signed\n"
    "A1,CT HEAD,12/16/2024 14:00,12/16/2024 14:35,12/16/2024 15:00\n"
)


def test_mapping_completes_what_the_guesses_miss():
    result = load(MAPPABLE, mapping={"completed_at": "Done When"})
    assert result.columns["completed_at"] == "Done When"
    assert result.columns["started_at"] == "Exam Begin"
    assert result.frame["completed_at"].tolist() == [ts("2024-12-16 14:35")]
    assert result.frame["complete_to_final"].tolist() == [25.0]


def test_mapping_overrides_a_guess_and_frees_its_header():
    result = load(MAPPABLE, mapping={"completed_at": "Exam Begin"})
    assert result.columns["completed_at"] == "Exam Begin"
    assert "started_at" not in result.columns
    assert result.frame["complete_to_final"].tolist() == [60.0]


def test_mapping_with_an_empty_value_drops_the_field():
    result = load(MAPPABLE, mapping={"completed_at": "Done When", "finalized_at": ""})
    assert "finalized_at" not in result.columns
    assert result.frame["finalized_at"].isna().all()


def test_mapping_matches_headers_by_words_not_case():
    result = load(MAPPABLE, mapping={"completed_at": "done  when"})
    assert result.columns["completed_at"] == "Done When"


def test_mapping_to_a_missing_header_or_unknown_field_is_refused():
    with pytest.raises(NeedsMapping) as caught:
        load(MAPPABLE, mapping={"completed_at": "Finished"})
    assert "'Finished'" in caught.value.message
    with pytest.raises(IngestError) as caught:
        load(MAPPABLE, mapping={"completed_at": "Done When", "colour": "Acc"})
    assert caught.value.status == 400 and "colour" in caught.value.message


def test_duplicates_keep_the_most_complete_then_the_first_final_row():
    result = load(
        "Accession,Exam,Completed,Final,Priority\n"
        "A1,CT HEAD,12/16/2024 14:00,12/16/2024 15:00,STAT\n"  # addendum re-sign
        "A1,CT HEAD,12/16/2024 14:00,12/16/2024 14:30,STAT\n"  # first signature
        "A2,XR CHEST,12/16/2024 09:00,,Routine\n"  # pending
        "A2,XR CHEST,12/16/2024 09:00,12/16/2024 10:00,Routine\n"  # now final
        ",XR KNEE,12/17/2024 08:00,12/17/2024 09:00,Routine\n"
        ",XR KNEE,12/17/2024 08:00,12/17/2024 09:00,Routine\n"  # identical row
        ",XR KNEE,12/17/2024 08:05,12/17/2024 09:00,Routine\n"  # another exam
        "A3,US ABD,12/18/2024 10:00,12/18/2024 11:00,Routine\n"
        "A3,US ABD,12/18/2024 10:00,12/18/2024 11:00,Routine\n"  # identical
    )
    frame = result.frame
    assert result.rows_read == 9
    assert len(frame) == 5
    assert result.quality["duplicates"] == 4
    assert frame["accession"].fillna("-").tolist() == ["A1", "A2", "-", "-", "A3"]
    assert frame["finalized_at"].tolist()[:2] == [
        ts("2024-12-16 14:30"),
        ts("2024-12-16 10:00"),
    ]
    assert frame["completed_at"].tolist()[2:4] == [
        ts("2024-12-17 08:00"),
        ts("2024-12-17 08:05"),
    ]
    assert result.quality["missing"]["accession"] == 2


def test_cancelled_rows_are_excluded_and_reported_as_written():
    result = load(
        "Accession,Exam,Completed,Order Status\n"
        "A1,CT HEAD,12/16/2024 14:00,Final\n"
        "A2,CT HEAD,12/16/2024 14:10,CANCELLED\n"
        "A3,CT HEAD,12/16/2024 14:20, Canceled \n"
        "A4,CT HEAD,12/16/2024 14:30,No Show\n"
        "A5,CT HEAD,12/16/2024 14:40,Discontinued order\n"
        "A6,CT HEAD,not a date,CANCELLED\n"
    )
    assert result.frame["accession"].tolist() == ["A1", "A5"]
    assert result.quality["cancelled"] == 4
    assert result.cancelled_values == {"CANCELLED": 2, "Canceled": 1, "No Show": 1}
    # The unreadable date sat on a cancelled row: not counted.
    assert result.quality["unparseable"]["completed_at"] == 0
    assert set(result.frame["status"].cat.categories) == {"Final", "Discontinued order"}


def test_cancelled_statuses_are_a_setting():
    result = load(
        "Accession,Exam,Completed,Status\n"
        "A1,CT HEAD,12/16/2024 14:00,X\n"
        "A2,CT HEAD,12/16/2024 14:10,Cancelled\n",
        cancelled_statuses=["x"],
    )
    assert result.frame["accession"].tolist() == ["A2"]
    assert result.cancelled_values == {"X": 1}


def test_cancelled_rows_go_before_duplicates_so_a_reorder_survives():
    result = load(
        "Accession,Exam,Completed,Final,Status\n"
        "A1,CT HEAD,12/16/2024 14:00,12/16/2024 15:00,Cancelled\n"
        "A1,CT HEAD,12/16/2024 16:00,,Complete\n"
    )
    assert result.frame["completed_at"].tolist() == [ts("2024-12-16 16:00")]
    assert result.quality["cancelled"] == 1
    assert result.quality["duplicates"] == 0


def test_unparseable_and_missing_are_counted_apart():
    result = load(
        "Accession,Exam,Ordered,Completed,Final\n"
        "A1,CT HEAD,12/16/2024 13:00,12/16/2024 14:00,TBD\n"
        "A2,CT HEAD,,12/16/2024 15:00,12/16/2024 16:00\n"
        "A3,CT HEAD,yesterday,12/16/2024 15:30,\n"
        "A4,CT HEAD,12/16/2024 11:00,12/16/2024 10:00,12/16/2024 10:30\n"
    )
    quality = result.quality
    assert quality["unparseable"] == {
        "ordered_at": 1,
        "completed_at": 0,
        "finalized_at": 1,
    }
    assert quality["missing"]["ordered_at"] == 1
    assert quality["missing"]["finalized_at"] == 1
    assert quality["negative"] == {
        "order_to_complete": 1,  # A4: 11:00 → 10:00
        "complete_to_final": 0,
        "order_to_final": 1,  # A4: 11:00 → 10:30
    }
    frame = result.frame
    assert frame["finalized_at"].isna().tolist() == [True, False, True, False]
    np.testing.assert_array_equal(frame["order_to_complete"], [60, np.nan, np.nan, -60])


def test_bad_date_order_is_refused():
    with pytest.raises(IngestError, match="date_order"):
        load("Accession,Exam,Completed\nA1,CT,12/16/2024 14:35\n", date_order="ymd")
