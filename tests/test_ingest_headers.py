"""Header recognition by meaning (pure)."""

import pytest

from exams.ingest import guess_mapping, normalise_header


@pytest.mark.parametrize(
    "spelling",
    ["Date/Tm", "DTTM", "DT_TM", "Date Time", "date.time", "DateTime", "DATE-TIME"],
)
def test_date_time_spellings_normalise_alike(spelling):
    assert normalise_header(spelling) == "date time"


# One header at a time → the canonical field it means.
SPELLINGS = [
    # The seed export (report writer).
    ("Exam Complete Date/Tm", "completed_at"),
    ("Order Procedure Accession", "accession"),
    ("Exam Order Date/Time", "ordered_at"),
    ("Final Date/Tm", "finalized_at"),
    ("Exam Order Name", "exam_name"),
    # Epic Radiant (Clarity names).
    ("ACCESSION_NUM", "accession"),
    ("ORDERING_DTTM", "ordered_at"),
    ("BEGIN_EXAM_DTTM", "started_at"),
    ("END_EXAM_DTTM", "completed_at"),
    ("PRELIM_DTTM", "preliminary_at"),
    ("FINALIZING_DTTM", "finalized_at"),
    ("ORDER_PRIORITY_C", "priority"),
    ("PAT_CLASS_C", "patient_class"),
    ("PROC_NAME", "exam_name"),
    ("MODALITY", "modality"),
    # Cerner / Oracle Health.
    ("ACCESSION", "accession"),
    ("ORDER_DT_TM", "ordered_at"),
    ("START_DT_TM", "started_at"),
    ("COMPLETE_DT_TM", "completed_at"),
    ("FINAL_DT_TM", "finalized_at"),
    ("PRIORITY_CD", "priority"),
    ("ENCNTR_TYPE_CD", "patient_class"),
    ("ORDER_MNEMONIC", "exam_name"),
    ("EXAM_STATUS_CD", "status"),
    ("ORDERING_PROV", "ordering_physician"),
    ("PERFORMING_DEPT", "location"),
    # Meditech.
    ("ProcedureCompleteDateTime", "completed_at"),
    ("ExamStatus", "status"),
    ("AccessionNumber", "accession"),
    # Dotted R-style names.
    ("exam.complete.date.time", "completed_at"),
    ("exam.order.date.time", "ordered_at"),
    ("final.date.time", "finalized_at"),
    # Friendlier spellings nobody listed.
    ("Completed At", "completed_at"),
    ("Completed", "completed_at"),
    ("Exam End", "completed_at"),
    ("Performed Date", "completed_at"),
    ("Ordered", "ordered_at"),
    ("Ordered At", "ordered_at"),
    ("Signed Date", "finalized_at"),
    ("Report Finalized", "finalized_at"),
    ("Verified Date/Time", "finalized_at"),
    ("Preliminary Report Time", "preliminary_at"),
    ("Ordering Provider", "ordering_physician"),
    ("Referring Physician", "ordering_physician"),
    ("Ordering MD", "ordering_physician"),
    ("Ordered By", "ordering_physician"),
    ("Pt Class", "patient_class"),
    ("Patient Type", "patient_class"),
    ("Encounter Type", "patient_class"),
    ("Exam Description", "exam_name"),
    ("Study Description", "exam_name"),
    ("Procedure", "exam_name"),
    ("Procedure Name", "exam_name"),
    ("Modality Code", "modality"),
    ("Radiologist", "reading_radiologist"),
    ("Reading Radiologist", "reading_radiologist"),
    ("Signed By", "reading_radiologist"),
    ("Finalizing Provider", "reading_radiologist"),
    ("Interpreting Physician", "reading_radiologist"),
    ("FINALIZING_RAD", "reading_radiologist"),
    ("RAD_EXAM_NAME", "exam_name"),
    ("Order Status", "status"),
    ("Exam Status", "status"),
    ("Acc #", "accession"),
    ("Accession No.", "accession"),
    ("Priority", "priority"),
    ("Urgency", "priority"),
    ("Location", "location"),
    ("Performing Department", "location"),
    ("Facility", "location"),
]


@pytest.mark.parametrize(("header", "field"), SPELLINGS)
def test_header_is_recognised_by_meaning(header, field):
    assert guess_mapping([header]) == {field: header}


@pytest.mark.parametrize(
    "header",
    [
        "Patient Name",
        "MRN",
        "DOB",
        "Order to Final (min)",
        "Scheduled Date",
        "Transcribed Date",
        "TAT Hours",
        "Comments",
    ],
)
def test_unrelated_headers_map_to_nothing(header):
    assert guess_mapping([header]) == {}


def test_epic_layout_maps_every_column():
    headers = [
        "ACCESSION_NUM", "ORDERING_DTTM", "BEGIN_EXAM_DTTM", "END_EXAM_DTTM",
        "PRELIM_DTTM", "FINALIZING_DTTM", "ORDER_PRIORITY_C", "PAT_CLASS_C",
        "PROC_NAME", "MODALITY",
    ]  # fmt: skip
    assert guess_mapping(headers) == {
        "accession": "ACCESSION_NUM",
        "exam_name": "PROC_NAME",
        "modality": "MODALITY",
        "ordered_at": "ORDERING_DTTM",
        "started_at": "BEGIN_EXAM_DTTM",
        "completed_at": "END_EXAM_DTTM",
        "preliminary_at": "PRELIM_DTTM",
        "finalized_at": "FINALIZING_DTTM",
        "priority": "ORDER_PRIORITY_C",
        "patient_class": "PAT_CLASS_C",
    }


def test_meditech_exam_date_is_the_start_when_completion_is_present():
    mapping = guess_mapping(["ExamDateTime", "ProcedureCompleteDateTime", "ExamStatus"])
    assert mapping == {
        "started_at": "ExamDateTime",
        "completed_at": "ProcedureCompleteDateTime",
        "status": "ExamStatus",
    }


def test_a_lone_exam_date_becomes_the_completion_time():
    assert guess_mapping(["Accession", "Exam Date", "Exam"]) == {
        "accession": "Accession",
        "exam_name": "Exam",
        "completed_at": "Exam Date",
    }


def test_each_header_is_used_once_and_the_closest_wins():
    mapping = guess_mapping(["Ordering Provider Name", "Exam Order Name", "Referring"])
    assert mapping == {
        "exam_name": "Exam Order Name",
        "ordering_physician": "Ordering Provider Name",
    }
    # Two spellings of the same field: the first header keeps it.
    assert guess_mapping(["Final Date/Tm", "Signed Date"]) == {
        "finalized_at": "Final Date/Tm"
    }
