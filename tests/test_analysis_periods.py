"""Period arithmetic (exams/analysis/frame/periods.py), values worked by hand.

1970-01-01 (day 0) was a Thursday; 2025-03-10 is a Monday, day 20157.
"""

import datetime as dt

import numpy as np
import pytest

from exams.analysis.frame import periods

D = dt.date


def test_keys_count_weeks_from_mondays_and_quarters_from_months():
    days = np.array([20157, 20163, 20164])  # Mon 03-10, Sun 03-16, Mon 03-17
    weeks = periods.period_keys(days, period="week")
    assert weeks[0] == weeks[1] != weeks[2]
    assert periods.period_labels(period="week", first=weeks[0], last=weeks[2]) == [
        "2025-03-10",
        "2025-03-17",
    ]
    months = np.array([660, 662, 663])  # 2025-01, 2025-03, 2025-04
    quarters = periods.period_keys(months, period="quarter")
    assert periods.period_labels(
        period="quarter", first=quarters[0], last=quarters[2]
    ) == ["2025-Q1", "2025-Q2"]
    years = periods.period_keys(months, period="year")
    assert periods.period_labels(period="year", first=years[0], last=years[0]) == [
        "2025"
    ]
    assert periods.period_labels(period="month", first=660, last=661) == [
        "2025-01",
        "2025-02",
    ]


@pytest.mark.parametrize(
    ("label", "period", "span"),
    [
        ("2025-03-14", "day", (D(2025, 3, 14), D(2025, 3, 14))),
        ("2025-03-10", "week", (D(2025, 3, 10), D(2025, 3, 16))),
        ("2024-02", "month", (D(2024, 2, 1), D(2024, 2, 29))),
        ("2025-Q4", "quarter", (D(2025, 10, 1), D(2025, 12, 31))),
        ("2025", "year", (D(2025, 1, 1), D(2025, 12, 31))),
    ],
)
def test_a_label_reads_back_as_its_first_and_last_day(label, period, span):
    assert periods.period_span(label, period=period) == span


@pytest.mark.parametrize(
    ("label", "period"),
    [("2025-03-11", "week"), ("2025-Q5", "quarter"), ("25-Q1", "quarter")],
)
def test_a_label_of_another_period_is_refused(label, period):
    with pytest.raises(ValueError):
        periods.period_span(label, period=period)


def test_period_starts_and_a_year_earlier():
    day = D(2025, 8, 14)  # a Thursday
    assert periods.period_start(day, period="week") == D(2025, 8, 11)
    assert periods.period_start(day, period="month") == D(2025, 8, 1)
    assert periods.period_start(day, period="quarter") == D(2025, 7, 1)
    assert periods.period_start(day, period="year") == D(2025, 1, 1)
    assert periods.year_earlier(D(2024, 2, 29)) == D(2023, 2, 28)
    assert periods.is_month_end(D(2024, 2, 29)) and not periods.is_month_end(day)


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        ("2025-01-01", "2025-12-31", "2025"),
        ("2025-07-01", "2025-09-30", "2025-Q3"),
        ("2025-02-01", "2025-02-28", "2025-02"),
        ("2025-03-14", "2025-03-14", "2025-03-14"),
        ("2025-07-01", "2025-08-31", "2025-07-01_to_2025-08-31"),
        ("2025-02-01", "2025-04-30", "2025-02-01_to_2025-04-30"),
        ("2024-12-01", "2025-11-30", "2024-12-01_to_2025-11-30"),
        ("2025-03-02", "2025-03-31", "2025-03-02_to_2025-03-31"),
    ],
)
def test_a_span_is_named_by_its_whole_year_quarter_or_month(start, end, label):
    assert (
        periods.period_name(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
        == label
    )


def test_year_one_is_named_with_four_digits():
    assert periods.period_name(D(1, 1, 1), D(1, 12, 31)) == "0001"
