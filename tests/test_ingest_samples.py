"""read_export against the seeded sample exports, whose counts are known.

`sample_data` computes every expected count from its generated truth, never
by parsing the file back, so these compare ingest with an independent answer.
"""

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from exams.ingest import read_export
from sample_data.export import expected_counts, render_export
from sample_data.generate import generate_exams

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"
QUALITY = ("duplicates", "cancelled", "negative", "unparseable", "missing")


def assert_matches(result, expected: dict) -> None:
    assert result.columns == expected["columns"]
    assert result.rows_read == expected["rows_read"]
    assert len(result.frame) == expected["rows_loaded"]
    quality = {k: result.quality[k] for k in QUALITY}
    # The prelim intervals (a file with preliminary times) are checked
    # against the raw file in test_prelim_intervals_of_the_epic_sample.
    quality["negative"] = {
        k: v for k, v in quality["negative"].items() if k in expected["negative"]
    }
    assert quality == {k: expected[k] for k in QUALITY}
    assert result.cancelled_values == expected["cancelled_values"]
    modalities = result.frame["modality"].value_counts()
    assert modalities[modalities > 0].to_dict() == expected["modalities"]


@pytest.mark.parametrize("name", ["ris_export_sample.csv", "epic_radiant_sample.csv"])
def test_bundled_sample_reports_its_known_counts(name):
    expected = json.loads((SAMPLES / "expected.json").read_text())[name]
    assert_matches(read_export(SAMPLES / name, filename=name), expected)


def test_cerner_layout_windows_1252_semicolons_am_pm():
    truth = generate_exams(rows=3000, seed=11, start=date(2025, 1, 1), days=120)
    data = render_export(truth, layout="cerner")
    result = read_export(data, filename="cerner.csv")
    assert_matches(result, expected_counts(truth, layout="cerner"))
    assert result.date_formats["completed_at"] == "MM/DD/YYYY HH:MM AM/PM"
    assert any("Windows-1252" in note for note in result.notes)


def test_prelim_intervals_of_the_epic_sample():
    # The Epic layout has PRELIM_DTTM: both prelim intervals are counted,
    # negatives against a plain pandas parse of the raw file.
    name = "epic_radiant_sample.csv"
    result = read_export(SAMPLES / name, filename=name)
    raw = pd.read_csv(SAMPLES / name, encoding="utf-8-sig", dtype=str)
    raw = raw[raw["EXAM_STATUS"].str.lower() != "canceled"]
    raw = raw.drop_duplicates()
    raw = raw.drop_duplicates("ACCESSION_NUM")
    times = {
        c: pd.to_datetime(raw[c], errors="coerce")
        for c in ("END_EXAM_DTTM", "PRELIM_DTTM", "FINALIZING_DTTM")
    }
    prelim = (times["PRELIM_DTTM"] - times["END_EXAM_DTTM"]).dt.total_seconds()
    final = (times["FINALIZING_DTTM"] - times["PRELIM_DTTM"]).dt.total_seconds()
    assert result.quality["negative"]["complete_to_preliminary"] == (prelim < 0).sum()
    assert result.quality["negative"]["preliminary_to_final"] == (final < 0).sum()
    assert (result.frame["complete_to_preliminary"] >= 0).sum() == (prelim >= 0).sum()
