"""Header synonyms of other report writers, and what values look like."""

import pyarrow as pa
import pytest

from exams.ingest import read_export
from exams.ingest.columns.headers import guess_mapping
from exams.ingest.columns.profile import profile_text, value_kind

VENDORS = [
    (
        "Meditech",
        ["Acct Num", "Exam Desc", "Ord Date", "Perf Date", "Sign Date", "Pt Status"],
        {
            "exam_name": "Exam Desc",
            "ordered_at": "Ord Date",
            "completed_at": "Perf Date",
            "finalized_at": "Sign Date",
            "patient_class": "Pt Status",
        },
    ),
    (
        "Agfa / Carestream",
        ["Accession", "Requested Procedure", "Procedure Code", "Order Date Time"]
        + ["Exam Completed Time", "Report Approved Time", "Approver"],
        {
            "accession": "Accession",
            "exam_name": "Requested Procedure",
            "ordered_at": "Order Date Time",
            "completed_at": "Exam Completed Time",
            "finalized_at": "Report Approved Time",
            "reading_radiologist": "Approver",
        },
    ),
    (
        "PowerScribe",
        ["Accession Number", "Procedure Description", "Sign Date", "Signer"]
        + ["Dictator", "Exam Completed Date"],
        {
            "accession": "Accession Number",
            "exam_name": "Procedure Description",
            "completed_at": "Exam Completed Date",
            "finalized_at": "Sign Date",
            "reading_radiologist": "Signer",
        },
    ),
    (
        "Cerner Millennium",
        ["ORDER_ID", "CATALOG_CD", "SECTION", "ORIG_ORDER_DT_TM", "COMPLETE_DT_TM"]
        + ["PRIORITY_DISP", "ENCNTR_TYPE_DISP"],
        {
            "accession": "ORDER_ID",
            "exam_name": "CATALOG_CD",
            "ordered_at": "ORIG_ORDER_DT_TM",
            "completed_at": "COMPLETE_DT_TM",
            "priority": "PRIORITY_DISP",
            "patient_class": "ENCNTR_TYPE_DISP",
            "location": "SECTION",  # by name; its values may make it the modality
        },
    ),
]


@pytest.mark.parametrize(
    "vendor,headers,expected", VENDORS, ids=[v[0] for v in VENDORS]
)
def test_report_writer_headers_are_recognised(vendor, headers, expected):
    assert guess_mapping(headers) == expected


KINDS = [
    (["CT", "MR", "CR", "US", "CT", "NM"], "modality"),
    (["STAT", "Routine", "ASAP", "Routine"], "priority"),
    (["IN", "ER", "CLI", "REF", "SDC", "IN"], "patient_class"),
    (["Inpatient", "Outpatient", "Emergency"], "patient_class"),
    (["CT HEAD WO CONTRAST", "MRI BRAIN", "XR CHEST 2 VIEWS"], "description"),
    (["Smith, John", "Garcia, Maria", "Dr. Wei Chen"], "person"),
    (["1", "2", "3", "4", "5", "6"], "row_id"),
    (["80012345", "80019876", "80011111", "80015555"], "identifier"),
    (["12", "45", "12", "300", "7"], "number"),
    (["2025-03-03 10:00", "2025-03-04 11:30", "2025-03-05 09:15"], "date"),
    (["16-MAR-2025 13:05", "17-MAR-2025 08:00"], "date"),
    (["03/04/2025", "03/05/2025", "03/06/2025"], "day"),
    (["09:30", "14:05", "23:59"], "time"),
]


@pytest.mark.parametrize("values,kind", KINDS, ids=[k for _, k in KINDS])
def test_values_say_what_a_column_holds(values, kind):
    profile = profile_text(pa.chunked_array([pa.array(values, pa.string())]))
    assert value_kind(profile).kind == kind


def test_a_patient_number_is_never_taken_for_the_accession():
    text = "MRN,Exam Complete,Procedure\n" + "".join(
        f"{700000 + i},2025-03-0{1 + i % 9} 10:00,CT HEAD\n" for i in range(30)
    )
    result = read_export(text.encode(), filename="mrn.csv")
    assert "accession" not in result.columns
    assert len(result.frame) == 30
