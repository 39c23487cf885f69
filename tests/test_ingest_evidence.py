"""Automatic mappings are checked against their values (pure)."""

import pyarrow as pa
import pytest

from exams import fields
from exams.ingest import NeedsMapping, read_export
from exams.ingest.columns.profile import profile_text, status_share, time_of_day_share
from exams.presentation.quality_text import describe_quality


def export(header: str, *rows: str) -> bytes:
    return (header + "\n" + "".join(r + "\n" for r in rows)).encode()


AI_FLAG = export(
    "Accession,Modality,Exam Complete Date/Tm,ai_status",
    "A1,CT,2024-01-02 09:00,Pre",
    "A2,CT,2024-01-02 10:00,During",
    "A3,CT,2024-01-02 11:00,Post",
    "A4,CT,2024-01-02 12:00,Cancelled",
    "A5,CT,2024-01-02 13:00,Post",
)


def test_a_status_column_of_non_statuses_is_not_used():
    result = read_export(AI_FLAG, filename="ai.csv")
    assert "status" not in result.columns
    assert (
        "'ai_status' not used as the exam status: its values Pre/During/Post/"
        "Cancelled are not exam statuses (cancelled exams are therefore not "
        "recognised from it)." in result.notes
    )
    # 1 of 5 rows reads as a status: nothing is taken out as cancelled.
    assert len(result.frame) == 5
    assert result.quality["cancelled"] == 0
    assert "status" not in result.quality["missing"]
    assert result.frame["status"].isna().all()


def test_a_status_the_user_chose_is_kept():
    result = read_export(AI_FLAG, filename="ai.csv", mapping={"status": "ai_status"})
    assert result.columns["status"] == "ai_status"
    assert result.quality["cancelled"] == 1
    assert len(result.frame) == 4
    assert not any("not used as the exam status" in n for n in result.notes)


@pytest.mark.parametrize(
    "values",
    [
        ["Completed", "Final", "Cancelled", "Exam Complete"],
        ["CM", "CA", "IP", "CM"],
        ["F", "P", "F", "F"],
        ["2", "3", "5", "5"],  # Epic ORDER_STATUS_C codes
        ["Signed", "Dictated", "No Show", "Prelim"],
    ],
)
def test_status_like_values_keep_the_status(values):
    rows = [f"A{i},CT,2024-01-02 0{i}:00,{v}" for i, v in enumerate(values)]
    data = export("Accession,Modality,Exam Complete Date/Tm,Exam Status", *rows)
    result = read_export(data, filename="ok.csv")
    assert result.columns["status"] == "Exam Status"


def test_status_share_counts_rows():
    profile = profile_text(pa.chunked_array([["Final", "Final", "Pre", None, "Post"]]))
    assert profile.rows == 5 and profile.present == 4
    assert profile.counts == {"Final": 2, "Pre": 1, "Post": 1}
    assert status_share(profile, cancelled_statuses=()) == 0.5


def test_profile_of_a_dictionary_column_uses_its_dictionary():
    column = pa.chunked_array(
        [
            pa.array(["b", "a", "b"]).dictionary_encode(),
            pa.array(["a", "c"]).dictionary_encode(),
        ]
    ).unify_dictionaries()
    profile = profile_text(column)
    assert profile.counts == {"b": 2, "a": 2, "c": 1}
    assert profile.common(2) == ["b", "a"]
    assert profile.shown() == "b/a/c"


def test_one_location_and_one_priority_for_every_row_are_noted():
    data = export(
        "Accession,Modality,Exam Complete Date/Tm,Site,Priority",
        "A1,CT,2024-01-02 09:00,RAD1,Routine",
        "A2,CT,2024-01-02 10:00,RAD1,ROUTINE",
        "A3,MR,2024-01-02 11:00,RAD1, routine",
    )
    result = read_export(data, filename="one.csv")
    assert result.columns["location"] == "Site"
    assert (
        "'Site' (location) has the same value, RAD1, in every row: splitting "
        "or filtering by it shows one group." in result.notes
    )
    assert any(
        n.startswith("'Priority' (priority) has the same value") for n in result.notes
    )
    assert result.frame["priority"].cat.categories.tolist() == ["Routine"]


def test_two_locations_are_not_noted():
    data = export(
        "Accession,Modality,Exam Complete Date/Tm,Site",
        "A1,CT,2024-01-02 09:00,RAD1",
        "A2,CT,2024-01-02 10:00,RAD2",
    )
    result = read_export(data, filename="two.csv")
    assert not any("same value" in n for n in result.notes)


MOSTLY_NOT_DATES = export(
    "Accession,Modality,Exam Order Date/Time,Exam Complete Date/Tm",
    "A1,CT,N/A,2024-01-02 09:00",
    "A2,CT,pending,2024-01-02 10:00",
    "A3,CT,2024-01-02 09:30,2024-01-02 11:00",
    "A4,CT,see note,2024-01-02 12:00",
)


def test_a_mostly_unreadable_date_column_is_not_taken():
    result = read_export(MOSTLY_NOT_DATES, filename="odd.csv")
    assert "ordered_at" not in result.columns
    assert (
        "'Exam Order Date/Time' not used as the ordered time: only 1 of its 4 "
        "values are dates." in result.notes
    )
    assert result.frame["ordered_at"].isna().all()
    assert result.frame["order_to_complete"].isna().all()
    assert "ordered_at" not in result.quality["unparseable"]
    assert result.quality["out_of_order"] == {}


def test_a_mostly_unreadable_date_column_the_user_chose_is_kept():
    result = read_export(
        MOSTLY_NOT_DATES,
        filename="odd.csv",
        mapping={"ordered_at": "Exam Order Date/Time"},
    )
    assert result.columns["ordered_at"] == "Exam Order Date/Time"
    assert result.quality["unparseable"]["ordered_at"] == 3
    # 09:30 → 11:00
    assert result.frame["order_to_complete"].iloc[2] == 90.0


def test_a_half_readable_date_column_is_kept_and_counted():
    data = export(
        "Accession,Modality,Exam Order Date/Time,Exam Complete Date/Tm",
        "A1,CT,N/A,2024-01-02 09:00",
        "A2,CT,2024-01-02 09:00,2024-01-02 10:00",
    )
    result = read_export(data, filename="half.csv")
    assert result.columns["ordered_at"] == "Exam Order Date/Time"
    assert result.quality["unparseable"]["ordered_at"] == 1
    assert result.frame["order_to_complete"].iloc[1] == 60.0


def test_evidence_notes_reach_the_quality_report():
    result = read_export(AI_FLAG, filename="ai.csv")
    lines = describe_quality(
        {
            "filename": "ai.csv",
            "rows_read": result.rows_read,
            "rows_loaded": len(result.frame),
            "quality": result.quality,
            "notes": result.notes,
        }
    )
    assert any("'ai_status' not used as the exam status" in line for line in lines)
    assert fields.STATUS not in result.columns


def test_a_profile_answers_questions_about_its_values():
    profile = profile_text(
        pa.chunked_array([["09:30", "9:31 PM", "Stat", "STAT", "09:30", None]])
    )
    assert profile.values() == 3  # 09:30, 9:31 PM, Stat/STAT
    assert time_of_day_share(profile) == 3 / 5
    assert profile.share(lambda v: v.isupper()) == 2 / 5  # STAT, 9:31 PM


MOSTLY_NOT_COMPLETION = export(
    "Accession,Modality,Exam Complete Date/Tm,Final Date/Tm",
    "A1,CT,see final,2024-01-02 10:00",
    "A2,CT,n/a,2024-01-02 11:00",
    "A3,CT,2024-01-02 09:00,2024-01-02 12:00",
)


def test_a_guessed_completion_column_of_mostly_non_dates_asks_which_column():
    with pytest.raises(NeedsMapping) as raised:
        read_export(MOSTLY_NOT_COMPLETION, filename="odd.csv")
    assert raised.value.message == (
        "The column 'Exam Complete Date/Tm' looked like the exam completion "
        "time, but only 1 of its 3 values are dates. Choose the column that "
        "holds the exam completed date/time."
    )
    assert raised.value.headers == [
        "Accession",
        "Modality",
        "Exam Complete Date/Tm",
        "Final Date/Tm",
    ]
    assert "completed_at" not in raised.value.guesses


def test_a_completion_column_the_user_chose_is_read_and_counted():
    result = read_export(
        MOSTLY_NOT_COMPLETION,
        filename="odd.csv",
        mapping={"completed_at": "Exam Complete Date/Tm"},
    )
    assert result.quality["unparseable"]["completed_at"] == 2
    assert len(result.frame) == 3
