"""This range against another (exams/analysis/insights/compare.py).

Range alignment is a parametrised table worked out on a calendar; headline
numbers are hand-worked from the small frame below.
"""

import datetime as dt

import pandas as pd
import pytest

from exams.analysis import prepare_frame
from exams.analysis.frame.shifts import default_shifts
from exams.analysis.insights import compare
from exams.analysis.insights.compare import DateRange

D = dt.date


@pytest.mark.parametrize(
    ("start", "end", "expected_start", "expected_end"),
    [
        # 31 days of March → the 31 days before: 29 Jan – 28 Feb 2025.
        (D(2025, 3, 1), D(2025, 3, 31), D(2025, 1, 29), D(2025, 2, 28)),
        # One day after a leap day → the leap day.
        (D(2024, 3, 1), D(2024, 3, 1), D(2024, 2, 29), D(2024, 2, 29)),
        # A week across New Year.
        (D(2025, 1, 1), D(2025, 1, 7), D(2024, 12, 25), D(2024, 12, 31)),
    ],
)
def test_previous_is_the_same_length_just_before(
    start, end, expected_start, expected_end
):
    other = compare.comparison_range(DateRange(start, end), against="previous")
    assert (other.start, other.end) == (expected_start, expected_end)
    assert other.days == DateRange(start, end).days


@pytest.mark.parametrize(
    ("start", "end", "expected_start", "expected_end"),
    [
        # The leap day itself has no twin: 28 February.
        (D(2024, 2, 29), D(2024, 2, 29), D(2023, 2, 28), D(2023, 2, 28)),
        # Whole February 2025 (28 days) → whole February 2024 (29 days).
        (D(2025, 2, 1), D(2025, 2, 28), D(2024, 2, 1), D(2024, 2, 29)),
        # Whole February 2024 → whole February 2023.
        (D(2024, 2, 1), D(2024, 2, 29), D(2023, 2, 1), D(2023, 2, 28)),
        # A week ending 28 Feb is not a whole month: plain date shift.
        (D(2025, 2, 22), D(2025, 2, 28), D(2024, 2, 22), D(2024, 2, 28)),
        # Whole months across New Year, ending in a leap February.
        (D(2024, 12, 1), D(2025, 2, 28), D(2023, 12, 1), D(2024, 2, 29)),
        (D(2025, 3, 1), D(2025, 3, 31), D(2024, 3, 1), D(2024, 3, 31)),
        (D(2025, 1, 15), D(2025, 3, 14), D(2024, 1, 15), D(2024, 3, 14)),
        # A range from 29 Feb 2024 into March: start becomes 28 Feb 2023.
        (D(2024, 2, 29), D(2024, 3, 6), D(2023, 2, 28), D(2023, 3, 6)),
    ],
)
def test_last_year_handles_leap_days_and_month_ends(
    start, end, expected_start, expected_end
):
    other = compare.comparison_range(DateRange(start, end), against="last_year")
    assert (other.start, other.end) == (expected_start, expected_end)


def test_unknown_against_is_refused():
    with pytest.raises(ValueError, match="against"):
        compare.comparison_range(DateRange(D(2025, 1, 1), D(2025, 1, 2)), against="x")


@pytest.mark.parametrize(
    ("start", "end", "expected", "default"),
    [
        (None, None, (D(2025, 6, 3), D(2025, 6, 30)), True),  # last 28 days
        (D(2025, 6, 1), None, (D(2025, 6, 1), D(2025, 6, 30)), False),
        (None, D(2025, 2, 10), (D(2025, 1, 5), D(2025, 2, 10)), False),
        (D(2025, 3, 1), D(2025, 3, 7), (D(2025, 3, 1), D(2025, 3, 7)), False),
        # A start after the data still makes a one-day range.
        (D(2025, 8, 1), None, (D(2025, 8, 1), D(2025, 8, 1)), False),
    ],
)
def test_resolve_range(start, end, expected, default):
    span, is_default = compare.resolve_range(
        start=start, end=end, first_day=D(2025, 1, 5), last_day=D(2025, 6, 30)
    )
    assert (span.start, span.end) == expected
    assert is_default is default


def make_frame() -> pd.DataFrame:
    """Eight exams: five in 8–14 Mar 2025, three in 1–7 Mar 2025.

    complete → final (minutes): current week 20, 40, 60, pending, 100;
    previous week 10, 30, 90. Every exam was ordered 30 min before completion.
    """
    rows = [
        ("2025-03-08 10:00", 20),
        ("2025-03-09 10:00", 40),
        ("2025-03-10 10:00", 60),
        ("2025-03-12 10:00", None),
        ("2025-03-14 23:59", 100),
        ("2025-03-01 00:00", 10),
        ("2025-03-03 10:00", 30),
        ("2025-03-07 10:00", 90),
        ("2025-02-28 23:59", 5),  # outside both ranges
    ]
    completed = pd.to_datetime([c for c, _ in rows])
    frame = pd.DataFrame(
        {
            "completed_at": completed,
            "ordered_at": completed - pd.Timedelta(minutes=30),
            "finalized_at": pd.to_datetime(
                [
                    None if tat is None else c + pd.Timedelta(minutes=tat)
                    for c, (_, tat) in zip(completed, rows, strict=True)
                ]
            ),
        }
    )
    return prepare_frame(frame, shifts=default_shifts())


def test_headline_numbers_and_changes():
    frame = make_frame()
    targets = pd.Series(45.0, index=frame.index)
    result = compare.compare(
        frame,
        current=DateRange(D(2025, 3, 8), D(2025, 3, 14)),
        against="previous",
        targets=targets,
    )
    now, then = result["current"], result["comparison"]
    assert (now["start"], now["end"], now["days"]) == ("2025-03-08", "2025-03-14", 7)
    assert (then["start"], then["end"]) == ("2025-03-01", "2025-03-07")
    assert (now["exams"], then["exams"]) == (5, 3)
    assert now["exams_per_day"] == pytest.approx(5 / 7, abs=0.01)
    assert (now["pending"], then["pending"]) == (1, 0)
    report_now = now["intervals"]["complete_to_final"]
    report_then = then["intervals"]["complete_to_final"]
    # 20, 40, 60, 100 → median 50; 10, 30, 90 → 30.
    assert (report_now["median"], report_now["n"]) == (50.0, 4)
    assert (report_then["median"], report_then["n"]) == (30.0, 3)
    # ≤ 45 min: 2 of 4 = 50%; 2 of 3 = 66.67%.
    assert report_now["within"] == 50.0
    assert report_then["within"] == pytest.approx(66.67, abs=0.01)
    order = now["intervals"]["order_to_complete"]
    assert (order["median"], order["n"], order["within"]) == (30.0, 5, 100.0)
    change = result["change"]
    assert change["exams"] == {"absolute": 2, "percent": pytest.approx(66.6667)}
    assert change["intervals"]["complete_to_final"]["median"] == {
        "absolute": 20.0,
        "percent": pytest.approx(66.6667),
    }
    assert change["intervals"]["complete_to_final"]["within"]["absolute"] == (
        pytest.approx(-16.67, abs=0.01)
    )
    # Pending went from 0 to 1: no percentage from zero.
    assert change["pending"] == {"absolute": 1, "percent": None}
    series = result["series"]
    assert series["current"]["x"][0] == "2025-03-08"
    assert series["current"]["y"] == [1, 1, 1, 0, 1, 0, 1]
    assert series["comparison"]["y"] == [1, 0, 1, 0, 0, 0, 1]


def test_comparison_with_no_exams_has_null_statistics():
    frame = make_frame()
    result = compare.compare(
        frame,
        current=DateRange(D(2025, 3, 8), D(2025, 3, 14)),
        against="last_year",
        targets=pd.Series(45.0, index=frame.index),
    )
    then = result["comparison"]
    assert then["exams"] == 0
    assert then["intervals"]["complete_to_final"] == {
        "median": None,
        "n": 0,
        "within": None,
    }
    assert result["change"]["exams"] == {"absolute": 5, "percent": None}
    assert result["change"]["intervals"]["order_to_final"]["median"] == {
        "absolute": None,
        "percent": None,
    }


def test_overview_windows_end_on_the_last_day():
    frame = make_frame()
    result = compare.overview(
        frame, last_day=D(2025, 3, 14), targets=pd.Series(45.0, index=frame.index)
    )
    assert result["as_of"] == "2025-03-14"
    seven, twenty_eight = result["windows"]
    assert seven["days"] == 7
    assert (seven["current"]["start"], seven["comparison"]["end"]) == (
        "2025-03-08",
        "2025-03-07",
    )
    assert (seven["current"]["exams"], seven["comparison"]["exams"]) == (5, 3)
    # 15 Feb – 14 Mar holds all nine exams; 18 Jan – 14 Feb none.
    assert twenty_eight["current"]["start"] == "2025-02-15"
    assert twenty_eight["current"]["exams"] == 9
    assert twenty_eight["comparison"]["exams"] == 0


def test_headline_rows_for_csv():
    frame = make_frame()
    result = compare.compare(
        frame,
        current=DateRange(D(2025, 3, 8), D(2025, 3, 14)),
        against="previous",
        targets=pd.Series(45.0, index=frame.index),
    )
    rows = {row[0]: row[1:] for row in compare.headline_rows(result)}
    assert rows["Exams completed"] == [5, 3, 2, pytest.approx(66.6667)]
    assert rows["Range"][:2] == ["2025-03-08 to 2025-03-14", "2025-03-01 to 2025-03-07"]
    assert rows["Median Complete → final (report TAT) (minutes)"][:2] == [50.0, 30.0]
