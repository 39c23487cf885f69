"""Pareto rows and the top-exam trend (exams/analysis/insights/pareto.py)."""

import pandas as pd
import pytest

from exams.analysis import prepare_frame
from exams.analysis.frame.shifts import default_shifts
from exams.analysis.insights import pareto


def make_frame(rows: list[tuple[str, str | None, str | None]]) -> pd.DataFrame:
    """Return a prepared frame of (completed_at, exam_name, physician) rows."""
    frame = pd.DataFrame(
        {
            "completed_at": pd.to_datetime([r[0] for r in rows]),
            "exam_name": [r[1] for r in rows],
            "ordering_physician": [r[2] for r in rows],
            "modality": [None if r[1] is None else r[1].split()[0] for r in rows],
        }
    )
    return prepare_frame(frame, shifts=default_shifts())


ROWS = [
    ("2025-01-02 10:00", "CT HEAD", "DOE, JANE"),
    ("2025-01-03 10:00", "CT HEAD", "DOE, JANE"),
    ("2025-01-04 10:00", "CT HEAD", "=HYPERLINK()"),
    ("2025-01-05 10:00", "XR CHEST", "DOE, JANE"),
    ("2025-01-06 10:00", "XR CHEST", None),
    ("2025-01-07 10:00", "MR BRAIN", None),
    ("2025-01-08 10:00", "MR BRAIN", "SMITH, JOHN"),
    ("2025-01-09 10:00", None, "SMITH, JOHN"),
]


def test_pareto_by_exam_name_hand_worked():
    result = pareto.pareto(make_frame(ROWS), by="exam_name")
    assert result["total"] == 8
    # 3, 2, 2, 1: MR BRAIN and XR CHEST tie and go by name; blank counts too.
    assert [(r["group"], r["exams"]) for r in result["rows"]] == [
        ("CT HEAD", 3),
        ("MR BRAIN", 2),
        ("XR CHEST", 2),
        ("(blank)", 1),
    ]
    assert [r["share"] for r in result["rows"]] == pytest.approx(
        [3 / 8, 2 / 8, 2 / 8, 1 / 8]
    )
    assert [r["cumulative_share"] for r in result["rows"]] == pytest.approx(
        [3 / 8, 5 / 8, 7 / 8, 1.0]
    )


def test_pareto_by_physician_and_modality():
    frame = make_frame(ROWS)
    physicians = pareto.pareto(frame, by="ordering_physician")["rows"]
    assert [(r["group"], r["exams"]) for r in physicians] == [
        ("DOE, JANE", 3),
        ("(blank)", 2),
        ("SMITH, JOHN", 2),
        ("=HYPERLINK()", 1),
    ]
    modalities = pareto.pareto(frame, by="modality")["rows"]
    assert [(r["group"], r["exams"]) for r in modalities][0] == ("CT", 3)


def test_pareto_of_nothing():
    result = pareto.pareto(make_frame(ROWS)[0:0], by="modality")
    assert result == {"by": "modality", "total": 0, "rows": []}


def test_top_exams_per_week_across_new_year_with_empty_weeks():
    rows = [
        ("2024-12-30 08:00", "CT HEAD", None),  # Monday: week of 2024-12-30
        ("2025-01-05 23:59", "CT HEAD", None),  # Sunday: same week
        ("2025-01-05 23:59", "XR CHEST", None),
        # No exam in the week of 2025-01-06.
        ("2025-01-13 00:00", "XR CHEST", None),
        ("2025-01-14 00:00", "MR BRAIN", None),
        ("2025-01-15 00:00", "CT HEAD", None),
    ]
    result = pareto.top_exams(make_frame(rows), period="week", limit=2)
    assert result["x"] == ["2024-12-30", "2025-01-06", "2025-01-13"]
    series = {s["name"]: s["y"] for s in result["series"]}
    assert list(series) == ["CT HEAD", "XR CHEST", "(other)"]
    assert series["CT HEAD"] == [2, 0, 1]
    assert series["XR CHEST"] == [1, 0, 1]
    assert series["(other)"] == [0, 0, 1]


def test_top_exams_per_month_and_quarter():
    rows = [
        ("2024-11-30 23:00", "CT HEAD", None),
        ("2025-01-31 23:59", "CT HEAD", None),
        ("2025-02-01 00:00", "XR CHEST", None),
    ]
    monthly = pareto.top_exams(make_frame(rows), period="month", limit=5)
    assert monthly["x"] == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert {s["name"]: s["y"] for s in monthly["series"]} == {
        "CT HEAD": [1, 0, 1, 0],
        "XR CHEST": [0, 0, 0, 1],
    }
    quarterly = pareto.top_exams(make_frame(rows), period="quarter", limit=5)
    assert quarterly["x"] == ["2024-Q4", "2025-Q1"]
