"""Summary, exam list, options and CSV on the hand-worked export.

The 13 exams and their worked facts live in ``tests/analysis_facts.py``.
"""

import io

import pandas as pd
import pytest

from exams import fields
from exams.analysis import (
    build_exam_list,
    build_summary,
    exam_detail,
    exams_csv,
    list_exams,
    options,
    prepare_frame,
    series_csv,
    summarize,
    summary_csv,
)
from exams.analysis.frame.shifts import default_shifts
from exams.analysis.frame.targets import default_targets
from exams.query.filters import FilterSpec
from tests.analysis_facts import (
    DOE,
    FACTS,
    INTERVALS,
    SMITH,
    canonical_frame,
    series,
)

# ---- summary ---------------------------------------------------------------


def test_summary_by_modality(facts):
    result = summarize(facts, by="modality")
    rows = {r["group"]: r for r in result["rows"]}
    assert [r["group"] for r in result["rows"]] == ["CT", "MR", "US", "XR"]
    assert {g: r["exams"] for g, r in rows.items()} == {
        "CT": 5,
        "MR": 2,
        "US": 2,
        "XR": 4,
    }
    ct = rows["CT"]
    # Order → complete [10, 30, 60, 60, 181]; all within their own target.
    assert ct["order_to_complete"] == pytest.approx(
        {
            "n": 5,
            "median": 60,
            "mean": 68.2,
            "p75": 60,
            "p90": 60 + 121 * 0.6,
            "within": 100,
            "negative": 0,
            "missing": 0,
        }
    )
    # Complete → final [60, 60, 61, 120], E11 negative; E09 61 > 60 (ED).
    assert ct["complete_to_final"] == pytest.approx(
        {
            "n": 4,
            "median": 60.5,
            "mean": 75.25,
            "p75": 61 + 59 * 0.25,
            "p90": 61 + 59 * 0.7,
            "within": 75,
            "negative": 1,
            "missing": 0,
        }
    )
    # Order → final [71, 90, 120, 121, 180]: the default rules judge report
    # TAT only, so total TAT meets the 24 h default for all five.
    assert ct["order_to_final"]["median"] == 120
    assert ct["order_to_final"]["p90"] == pytest.approx(121 + 59 * 0.6)
    assert ct["order_to_final"]["within"] == pytest.approx(100)
    assert rows["MR"]["complete_to_final"]["within"] == 100
    assert rows["US"]["complete_to_final"]["n"] == 1
    assert rows["US"]["complete_to_final"]["missing"] == 1


def test_summary_total_row(facts):
    total = summarize(facts, by="modality")["total"]
    assert (total["group"], total["exams"]) == ("All", 13)
    # [30, 60, 60, 60, 60, 61, 120, 240, 1440, 2400]
    assert total["complete_to_final"] == pytest.approx(
        {
            "n": 10,
            "median": 60.5,
            "mean": 453.1,
            "p75": 120 + 120 * 0.75,
            "p90": 1440 + 960 * 0.1,
            "within": 80,
            "negative": 2,
            "missing": 1,
        }
    )


def test_summary_with_a_target(facts):
    rows = {r["group"]: r for r in summarize(facts, by="modality", target=60)["rows"]}
    assert rows["CT"]["complete_to_final"]["within"] == 50
    assert rows["XR"]["complete_to_final"]["within"] == pytest.approx(200 / 3)


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("shift", [("day", 6), ("evening", 2), ("night", 5)]),
        (
            "patient_class",
            [("ED", 4), ("Inpatient", 4), ("Outpatient", 4), ("(blank)", 1)],
        ),
        ("physician", [(DOE, 6), (SMITH, 6), ("(blank)", 1)]),
        ("priority", [("Routine", 7), ("STAT", 4), ("Urgent", 2)]),
    ],
)
def test_summary_groups_and_order(facts, by, expected):
    result = summarize(facts, by=by)
    assert [(r["group"], r["exams"]) for r in result["rows"]] == expected


def test_summary_of_a_filtered_selection(facts):
    result = build_summary(facts, spec=FilterSpec(by="shift", shift=("night",)))
    assert [(r["group"], r["exams"]) for r in result["rows"]] == [("night", 5)]
    assert result["total"]["exams"] == 5
    empty = build_summary(facts, spec=FilterSpec(modality=("PET",)))
    assert empty["rows"] == []
    assert empty["total"]["exams"] == 0
    assert empty["total"]["complete_to_final"]["median"] is None


# ---- exam list ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "page", "size", "expected"),
    [
        ("-complete_to_final", 1, 3, "E02 E10 E04"),
        # Ties (60 min) keep file order.
        ("-complete_to_final", 2, 3, "E03 E09 E01"),
        ("-complete_to_final", 3, 3, "E05 E08 E12"),
        ("-complete_to_final", 4, 3, "E13 E07 E11"),
        # Missing values go last in either direction.
        ("-complete_to_final", 5, 3, "E06"),
        ("complete_to_final", 1, 5, "E07 E11 E13 E01 E05"),
        ("complete_to_final", 2, 5, "E08 E12 E09 E03 E04"),
        ("complete_to_final", 3, 5, "E10 E02 E06"),
        ("completed_at", 1, 3, "E13 E01 E02"),
        ("-completed_at", 1, 3, "E12 E11 E10"),
        ("modality", 1, 7, "E01 E03 E05 E09 E11 E04 E10"),
        # Physicians by name, largest first: SMITH, DOE, then the blank.
        ("-ordering_physician", 1, 13,
         "E01 E03 E05 E08 E09 E12 E13 E02 E04 E07 E10 E11 E06"),
        ("shift", 1, 8, "E01 E06 E07 E08 E10 E12 E02 E09"),
        ("-ordered_at", 1, 13,
         "E12 E11 E10 E09 E08 E06 E05 E04 E03 E02 E01 E13 E07"),
        ("accession", 1, 3, "E01 E02 E03"),
        ("completed_at", 10, 3, ""),
    ],
)  # fmt: skip
def test_exam_list_pages(facts, sort, page, size, expected):
    result = list_exams(facts, page=page, page_size=size, sort=sort)
    assert result["total"] == 13
    assert (result["page"], result["page_size"]) == (page, size)
    assert [r["accession"] for r in result["rows"]] == expected.split()


def test_exam_rows_are_json_ready(facts):
    rows = list_exams(facts, page=1, page_size=13)["rows"]
    first = rows[0]
    assert list(first) == [*fields.CANONICAL_FIELDS, *INTERVALS, "shift"]
    assert first["completed_at"] == "2024-10-01T00:10:00"
    assert first["order_to_complete"] == 20
    e06 = next(r for r in rows if r["accession"] == "E06")
    assert e06["finalized_at"] is None
    assert e06["complete_to_final"] is None
    assert e06["ordering_physician"] is None
    assert e06["exam_name"] is None


def test_exam_list_after_filters(facts):
    result = build_exam_list(
        facts, spec=FilterSpec(modality=("CT",), sort="-order_to_final", page_size=2)
    )
    assert result["total"] == 5
    # CT order → final: E03 180, E11 121, E05 120, E01 90, E09 71.
    assert [r["accession"] for r in result["rows"]] == ["E03", "E11"]


def test_exam_detail(facts):
    exam = exam_detail(facts, accession="E05", targets=default_targets())
    assert exam["ordered_at"] == "2024-12-31T23:30:00"
    assert (exam["shift"], exam["ordered_shift"]) == ("night", "night")
    assert exam["target"] == 60
    assert exam_detail(facts, accession="nope") is None


def test_options(facts):
    assert options(facts, shifts=default_shifts()) == {
        "modalities": ["CT", "MR", "US", "XR"],
        "priorities": ["Routine", "STAT", "Urgent"],
        "physicians": [DOE, SMITH],
        "patient_classes": ["ED", "Inpatient", "Outpatient"],
        "radiologists": [],
        "locations": [],
        "shifts": ["day", "evening", "night"],
        "date_range": {"start": "2024-10-01", "end": "2025-03-10"},
        "intervals": ["order_to_complete", "complete_to_final", "order_to_final"],
        "metrics": [
            "volume",
            "ordered",
            "complete_ratio",
            "order_to_complete",
            "complete_to_final",
            "order_to_final",
        ],
    }


# ---- CSV -------------------------------------------------------------------


def read_csv(text: str) -> pd.DataFrame:
    assert text.startswith("\ufeff")
    return pd.read_csv(io.StringIO(text[1:]), keep_default_na=False)


def test_series_csv_is_one_row_per_period(facts):
    table = read_csv(series_csv(series(facts, period="year", split="shift")))
    assert list(table.columns) == [
        "period", "day", "day (n)", "evening", "evening (n)", "night", "night (n)"
    ]  # fmt: skip
    assert table["period"].tolist() == [2024, 2025]
    assert table["night"].tolist() == [3, 2]


def test_series_csv_leaves_nulls_empty(facts):
    text = series_csv(series(facts, metric="complete_to_final"))
    assert "2024-11,,0\r\n" in text


def test_summary_csv_ends_with_the_total(facts):
    table = read_csv(summary_csv(summarize(facts, by="modality")))
    assert table["modality"].tolist() == ["CT", "MR", "US", "XR", "All"]
    assert table["exams"].tolist() == [5, 2, 2, 4, 13]
    assert table["complete_to_final median"].tolist()[-1] == 60.5


def test_exams_csv_has_every_row_sorted_with_iso_times(facts):
    table = read_csv(exams_csv(facts, sort="-completed_at"))
    assert len(table) == 13
    assert table["accession"].tolist()[:2] == ["E12", "E11"]
    assert table["completed_at"].tolist()[0] == "2025-03-10T10:00:00"
    # Numbers stay numbers, negatives included.
    assert (table["complete_to_final"] == "-60.0").sum() == 2


def test_csv_neutralises_formulas():
    rows = FACTS.iloc[:3].copy()
    rows["ordering_physician"] = ['=HYPERLINK("x")', "+1", "@SUM(A1)"]
    rows["accession"] = ["-2", "\tE2", "E3"]
    prepared = prepare_frame(canonical_frame(rows), shifts=default_shifts())
    text = exams_csv(prepared)
    assert "'=HYPERLINK" in text and "'+1" in text and "'@SUM(A1)" in text
    assert "'-2," in text and "'\tE2" in text
    assert ",E3," not in text or "'E3" not in text
    result = series(prepared, split="physician", period="year")
    assert "'=HYPERLINK" in series_csv(result)
    assert "'+1" in summary_csv(summarize(prepared, by="physician"))
