"""CSV downloads of the insight views (exams/analysis/export.py)."""

import csv
import io

import pandas as pd

from exams.analysis import export


def read(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_formula_like_text_is_neutralised_numbers_are_not():
    result = {
        "by": "ordering_physician",
        "rows": [
            {
                "group": '=HYPERLINK("x")',
                "exams": 3,
                "share": 0.5,
                "cumulative_share": 0.5,
            },
            {"group": "+1 CALL", "exams": 2, "share": 0.25, "cumulative_share": 0.75},
            {"group": "-DR NO", "exams": 1, "share": 0.125, "cumulative_share": 0.875},
            {"group": "@SUM(A1)", "exams": 1, "share": 0.125, "cumulative_share": 1.0},
        ],
    }
    rows = read(export.pareto_csv(result))
    assert rows[0] == ["ordering_physician", "exams", "share", "cumulative_share"]
    assert [r[0] for r in rows[1:]] == [
        '\'=HYPERLINK("x")',
        "'+1 CALL",
        "'-DR NO",
        "'@SUM(A1)",
    ]
    assert rows[1][1:] == ["3", "0.5", "0.5"]


def test_compare_csv_keeps_negative_changes_as_numbers():
    result = {
        "current": {
            "start": "2025-03-08",
            "end": "2025-03-14",
            "days": 7,
            "exams": 3,
            "exams_per_day": 0.43,
            "pending": 0,
            "intervals": {
                m: {"median": 10.0, "n": 3, "within": 50.0}
                for m in ("order_to_complete", "complete_to_final", "order_to_final")
            },
        },
        "comparison": {
            "start": "2025-03-01",
            "end": "2025-03-07",
            "days": 7,
            "exams": 5,
            "exams_per_day": 0.71,
            "pending": 1,
            "intervals": {
                m: {"median": 20.0, "n": 5, "within": 60.0}
                for m in ("order_to_complete", "complete_to_final", "order_to_final")
            },
        },
        "change": {
            "exams": {"absolute": -2, "percent": -40.0},
            "exams_per_day": {"absolute": -0.28, "percent": -39.4},
            "pending": {"absolute": -1, "percent": -100.0},
            "intervals": {
                m: {
                    "median": {"absolute": -10.0, "percent": -50.0},
                    "within": {"absolute": -10.0, "percent": -16.7},
                }
                for m in ("order_to_complete", "complete_to_final", "order_to_final")
            },
        },
    }
    rows = {r[0]: r[1:] for r in read(export.compare_csv(result))}
    assert rows["Exams completed"] == ["3", "5", "-2", "-40.0"]


def test_heatmap_csv_is_long_format():
    result = {
        "metric": "complete_to_final",
        "stat": "median",
        "weekdays": ["Mon", "Tue"],
        "hours": [0, 1],
        "z": [[1.5, None], [3.0, 4.0]],
        "n": [[2, 0], [1, 1]],
    }
    rows = read(export.heatmap_csv(result))
    assert rows == [
        ["weekday", "hour", "median", "n"],
        ["Mon", "0", "1.5", "2"],
        ["Mon", "1", "", "0"],
        ["Tue", "0", "3.0", "1"],
        ["Tue", "1", "4.0", "1"],
    ]


def test_pending_csv_has_iso_times_and_neutralised_names():
    exams = pd.DataFrame(
        {
            "accession": ["A1"],
            "exam_name": ["=CT"],
            "modality": ["CT"],
            "priority": [None],
            "patient_class": ["ED"],
            "ordering_physician": ["DOE"],
            "ordered_at": [pd.NaT],
            "completed_at": [pd.Timestamp("2025-03-10 10:30")],
            "preliminary_at": [pd.NaT],
            "age_minutes": [90.04],
            "target_minutes": [60.0],
        }
    )
    rows = read(export.pending_csv(exams))
    assert rows[1] == [
        "A1",
        "'=CT",
        "CT",
        "",
        "ED",
        "DOE",
        "",
        "2025-03-10T10:30:00",
        "",
        "90.0",
        "60.0",
    ]


def test_forecast_and_top_exams_csv():
    forecast = {
        "period": "day",
        "series": [
            {
                "name": "CT",
                "x": ["2025-06-01"],
                "y": [10.0],
                "lower": [8.0],
                "upper": [12.0],
            }
        ],
    }
    assert read(export.forecast_csv(forecast))[1] == [
        "CT",
        "2025-06-01",
        "10.0",
        "8.0",
        "12.0",
    ]
    top = {"period": "week", "x": ["2025-01-06"], "series": [{"name": "-X", "y": [4]}]}
    assert read(export.top_exams_csv(top)) == [["week", "'-X"], ["2025-01-06", "4"]]
