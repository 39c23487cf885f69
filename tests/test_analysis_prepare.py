"""Prepared columns and the master filter on the hand-worked export."""

import numpy as np
import pandas as pd
import pytest
from django.http import QueryDict

from exams import fields
from exams.analysis import apply_filters, prepare_frame
from exams.analysis.frame.shifts import default_shifts
from exams.query.filters import FilterSpec, parse_query
from tests.analysis_facts import (
    FACTS,
    INTERVALS,
    canonical_frame,
    series,
)

# ---- prepared columns ------------------------------------------------------


def test_prepared_columns_match_the_worked_facts(facts):
    assert facts[fields.SHIFT].tolist() == FACTS["c_shift"].tolist()
    ordered = (
        facts[fields.ORDERED_SHIFT]
        .astype(object)
        .where(facts[fields.ORDERED_SHIFT].notna(), None)
    )
    assert ordered.tolist() == [
        s if isinstance(s, str) else None for s in FACTS["o_shift"]
    ]
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert [days[d] for d in facts[fields.WEEKDAY]] == FACTS["c_weekday"].tolist()
    assert facts[fields.IS_WEEKEND].tolist() == [
        d in ("Sat", "Sun") for d in FACTS["c_weekday"]
    ]
    assert facts[fields.HOUR].tolist() == [0, 9, 16, 23, 6, 0, 7, 12, 8, 15, 14, 2, 10]
    assert list(facts[fields.SHIFT].cat.categories) == ["day", "evening", "night"]
    for name in ("modality", "priority", "exam_name", "status"):
        assert isinstance(facts[name].dtype, pd.CategoricalDtype)


def test_month_numbers_are_calendar_months_of_each_time():
    """Months counted by pandas' calendar, over centuries, month ends and NaT."""
    rng = np.random.default_rng(3)
    times = pd.Series(
        pd.to_datetime(rng.integers(-4_000_000_000, 5_000_000_000, 20_000), unit="s")
    )
    edges = [
        "2024-02-29 23:59",
        "2024-03-01 00:00",
        "1969-12-31 23:59",
        "1970-01-01 00:00",
    ]
    times = pd.concat([times, pd.Series(pd.to_datetime(edges))], ignore_index=True)
    times[rng.random(len(times)) < 0.1] = pd.NaT
    frame = prepare_frame(
        pd.DataFrame({fields.COMPLETED_AT: times, fields.ORDERED_AT: times}),
        shifts=default_shifts(),
    )
    known = times.notna()
    expected = (times.dt.year - 1970) * 12 + times.dt.month - 1
    for column in (fields.COMPLETED_MONTH, fields.ORDERED_MONTH):
        months = frame[column]
        assert months[known].tolist() == expected[known].astype(int).tolist()
        assert (months[~known] == fields.NO_DAY).all()


def test_prepare_computes_missing_intervals_like_ingest():
    raw = canonical_frame().drop(columns=list(INTERVALS))
    prepared = prepare_frame(raw, shifts=default_shifts())
    for name in INTERVALS:
        np.testing.assert_array_equal(prepared[name], FACTS[name].astype(float))


def test_prepare_leaves_the_input_alone():
    raw = canonical_frame()
    before = raw.copy()
    prepare_frame(raw, shifts=default_shifts())
    pd.testing.assert_frame_equal(raw, before)


def test_missing_completion_has_no_shift_day_or_hour():
    raw = canonical_frame(FACTS.iloc[:2]).copy()
    raw.loc[1, "completed_at"] = pd.NaT
    prepared = prepare_frame(raw, shifts=default_shifts())
    assert pd.isna(prepared[fields.SHIFT].iloc[1])
    assert prepared[fields.WEEKDAY].iloc[1] == -1
    assert prepared[fields.HOUR].iloc[1] == -1
    assert not prepared[fields.IS_WEEKEND].iloc[1]
    # Not placed on the time axis, so counted as missing, never dropped.
    result = series(prepared, metric="volume")
    assert result["series"][0]["y"] == [1]
    assert result["excluded"] == {"missing": 1, "negative": 0}


# ---- the master filter -----------------------------------------------------


@pytest.mark.parametrize(
    ("query", "time_field", "expected"),
    [
        ("", "completed_at", "E13 E01 E02 E03 E04 E05 E06 E07 E08 E09 E10 E11 E12"),
        ("modality=ct", "completed_at", "E01 E03 E05 E09 E11"),
        ("modality=CT&modality=PET", "completed_at", "E01 E03 E05 E09 E11"),
        ("modality=PET", "completed_at", ""),
        ("patient_class=ED&priority=STAT", "completed_at", "E01 E05 E07"),
        ("physician=SMITH%2C+JOHN+MD", "completed_at", "E01 E03 E05 E08 E09 E12"),
        ("shift=night", "completed_at", "E13 E03 E04 E05 E11"),
        ("shift=night", "ordered_at", "E13 E04 E05"),
        ("shift=evening", "ordered_at", "E03 E08 E11"),
        ("days=weekend", "completed_at", "E02 E07"),
        ("days=weekend", "ordered_at", "E02 E08"),
        ("days=weekday&shift=day", "completed_at", "E01 E06 E08 E10 E12"),
        ("start=2024-12-31&end=2025-01-01", "completed_at", "E04 E05 E06"),
        ("start=2024-12-31&end=2025-01-01", "ordered_at", "E04 E05 E06"),
        ("start=2025-01-06", "completed_at", "E08 E09 E10 E11 E12"),
        ("start=2025-01-06", "ordered_at", "E09 E10 E11 E12"),
        ("end=2024-10-15", "completed_at", "E13 E01"),
        ("end=2024-09-30", "ordered_at", "E13"),
        ("end=2024-09-30", "completed_at", ""),
    ],
)
def test_apply_filters(facts, query, time_field, expected):
    spec = parse_query(QueryDict(query))
    selected = apply_filters(facts, spec=spec, time_field=time_field)
    assert selected["accession"].tolist() == expected.split()
    # Categoricals keep their categories after filtering.
    assert isinstance(selected["modality"].dtype, pd.CategoricalDtype)


def test_filters_with_repeated_values(facts):
    spec = FilterSpec(shift=("day", "evening"), priority=("Urgent", "STAT"))
    selected = apply_filters(facts, spec=spec)
    assert selected["accession"].tolist() == ["E01", "E07", "E09"]
