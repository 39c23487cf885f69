"""read_export against the seeded sample exports, whose counts are known.

`sample_data` computes every expected count from its generated truth, never
by parsing the file back, so these compare ingest with an independent answer.
"""

import json
from datetime import date
from pathlib import Path

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
    assert {k: result.quality[k] for k in QUALITY} == {k: expected[k] for k in QUALITY}
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
