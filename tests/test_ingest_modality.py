"""Modality: normalised from a column, or derived from exam name / accession."""

import pandas as pd
import pytest

from exams.ingest import read_export
from exams.ingest.values.modality import (
    modality_from_accession,
    modality_from_name,
    normalise_code,
)

EXAM_NAMES = [
    ("CT HEAD WO CONTRAST", "CT"),
    ("CT ABDOMEN", "CT"),
    ("CTA CHEST PE PROTOCOL", "CT"),
    ("CAT SCAN SINUS", "CT"),
    ("MRI BRAIN WWO", "MR"),
    ("MRA NECK", "MR"),
    ("MR LUMBAR SPINE", "MR"),
    ("XR CHEST 2 VIEWS", "XR"),
    ("X-RAY HAND LEFT", "XR"),
    ("CR KNEE 3V", "XR"),
    ("DX PELVIS", "XR"),
    ("CHEST PORTABLE", "XR"),
    ("RADIOGRAPH WRIST", "XR"),
    ("US ABDOMEN COMPLETE", "US"),
    ("ULTRASOUND PELVIS", "US"),
    ("DOPPLER LOWER EXT VENOUS", "US"),
    ("ECHO TTE", "US"),
    ("US GUIDED BIOPSY THYROID", "US"),
    ("MAMMO SCREENING BILATERAL", "MG"),
    ("MAMMOGRAM DIAGNOSTIC LEFT", "MG"),
    ("MG DIGITAL SCREENING", "MG"),
    ("BREAST TOMO BILATERAL", "MG"),
    ("NM BONE SCAN WHOLE BODY", "NM"),
    ("NUC MED HIDA", "NM"),
    ("BONE SCAN 3 PHASE", "NM"),
    ("PET/CT SKULL BASE TO THIGH", "PET"),
    ("PET CT WHOLE BODY", "PET"),
    ("FLUORO UGI", "FL"),
    ("FL ESOPHAGRAM", "FL"),
    ("BARIUM SWALLOW", "FL"),
    ("IR PICC PLACEMENT", "IR"),
    ("INTERVENTIONAL DRAIN", "IR"),
    ("BIOPSY LIVER", "IR"),
    ("CT GUIDED BIOPSY LUNG", "CT"),
    ("DEXA BONE DENSITY", "DXA"),
    ("DXA HIP", "DXA"),
    ("BONE DENSITY SCREENING", "DXA"),
    ("CONSULT", None),
    ("", None),
]


@pytest.mark.parametrize(("name", "code"), EXAM_NAMES)
def test_modality_from_exam_name(name, code):
    assert modality_from_name(name) == code


@pytest.mark.parametrize(
    ("accession", "code"),
    [("CT123456", "CT"), ("MR-0042", "MR"), ("us77", "US"), ("CR5", "XR"),
     ("123456", None), ("PT123", None), ("ABC123", None), ("CTX", None)],
)  # fmt: skip
def test_modality_from_accession_prefix(accession, code):
    assert modality_from_accession(accession) == code


@pytest.mark.parametrize(
    ("written", "code"),
    [("CT", "CT"), ("MRI", "MR"), ("cr", "XR"), ("DX", "XR"), ("Ultrasound", "US"),
     ("PET/CT", "PET"), ("RF", "FL"), ("XA", "IR"), ("Angio Suite 2", "Angio Suite 2")],
)  # fmt: skip
def test_modality_codes_are_normalised(written, code):
    assert normalise_code(written) == code


def test_export_without_modality_column_derives_it():
    result = read_export(
        b"Accession,Exam Order Name,Exam Complete Date/Tm\n"
        b"A1,CTA CHEST,12/16/2024 14:35\n"
        b"CT2,,12/16/2024 15:35\n"
        b"A3,CONSULT,12/16/2024 16:35\n"
        b"A4,,12/16/2024 17:35\n"
        b"A5,CTA CHEST,12/16/2024 18:35\n",
        filename="names.csv",
    )
    modality = result.frame["modality"]
    assert isinstance(modality.dtype, pd.CategoricalDtype)
    assert modality.astype(object).fillna("-").tolist() == ["CT", "CT", "OT", "-", "CT"]
    assert "modality" not in result.columns
    assert any("derived from the exam name" in n for n in result.notes)


def test_modality_column_is_normalised_and_blanks_are_filled():
    result = read_export(
        b"Accession,Exam,Modality,Completed\n"
        b"A1,XR CHEST,CR,12/16/2024 14:35\n"
        b"A2,US ABDOMEN,,12/16/2024 15:35\n"
        b"A3,CT HEAD,CT,12/16/2024 16:35\n"
        b"A4,OTHER THING,Angio Suite,12/16/2024 16:35\n",
        filename="codes.csv",
    )
    assert result.frame["modality"].tolist() == ["XR", "US", "CT", "Angio Suite"]
    assert result.quality["missing"]["modality"] == 0
    assert any("CR → XR" in n for n in result.notes)
    assert any("for 1 exam(s)" in n for n in result.notes)
