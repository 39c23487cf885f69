"""Shift windows: validation, assignment, matching (targets: test_targets.py)."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from exams import fields
from exams.analysis.frame.shifts import (
    SettingsError,
    Shift,
    assign_shifts,
    default_shifts,
    validate_shifts,
)

SHIFTS = default_shifts()


def shift(name, start, end):
    return {"name": name, "start": start, "end": end}


def test_defaults_are_the_three_eight_hour_shifts():
    shifts = default_shifts()
    assert shifts == (
        Shift("day", 7 * 60, 15 * 60),
        Shift("evening", 15 * 60, 23 * 60),
        Shift("night", 23 * 60, 7 * 60),
    )
    assert [s.minutes for s in SHIFTS] == [480, 480, 480]
    assert [s.as_json() for s in SHIFTS] == list(fields.DEFAULT_SHIFTS)


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        ("07:00:00", "day"),
        ("06:59:59", "night"),
        ("06:59:00", "night"),
        ("14:59:59", "day"),
        ("15:00:00", "evening"),
        ("22:59:59", "evening"),
        ("23:00:00", "night"),
        ("00:00:00", "night"),
        ("03:30:00", "night"),
    ],
)
def test_boundary_minutes_with_default_shifts(clock, expected):
    times = pd.Series(pd.to_datetime([f"2024-03-10 {clock}"]))
    assert assign_shifts(times, SHIFTS).tolist() == [expected]


def test_assignment_is_categorical_in_configured_order_and_keeps_index():
    times = pd.Series(
        pd.to_datetime(["2024-01-01 23:30", None, "2024-01-02 08:00"]),
        index=[10, 11, 12],
    )
    result = assign_shifts(times, SHIFTS)
    assert list(result.cat.categories) == ["day", "evening", "night"]
    assert list(result.index) == [10, 11, 12]
    assert result.iloc[0] == "night"
    assert pd.isna(result.iloc[1])
    assert result.iloc[2] == "day"


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_assignment_works_for_every_datetime_resolution(unit):
    times = pd.Series(
        np.array(["2024-05-05T06:59:59", "2024-05-05T07:00:00"], dtype=f"M8[{unit}]")
    )
    assert assign_shifts(times, SHIFTS).tolist() == ["night", "day"]


def test_site_shifts_8a_8p_12a():
    # One hospital's extract: 8a–8p, 8p–12a, 12a–8a (DOMAIN.md).
    shifts = validate_shifts(
        [shift("days", "08:00", "20:00"), shift("evenings", "20:00", "24:00")]
        + [shift("nights", "00:00", "08:00")]
    )
    times = pd.Series(
        pd.to_datetime(["2024-01-01 07:59", "2024-01-01 08:00", "2024-01-01 23:59"])
    )
    assert assign_shifts(times, shifts).tolist() == ["nights", "days", "evenings"]


def test_single_whole_day_shift():
    shifts = validate_shifts([shift("all day", "00:00", "00:00")])
    assert shifts[0].minutes == 24 * 60
    times = pd.Series(pd.to_datetime(["2024-01-01 00:00", "2024-01-01 23:59"]))
    assert assign_shifts(times, shifts).tolist() == ["all day", "all day"]


def test_time_objects_are_accepted():
    shifts = validate_shifts(
        [
            {"name": "a", "start": dt.time(6), "end": dt.time(18)},
            {"name": "b", "start": dt.time(18), "end": dt.time(6)},
        ]
    )
    assert shifts == (Shift("a", 360, 1080), Shift("b", 1080, 360))


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ([], "at least one shift"),
        ("day", "list"),
        ({"name": "day"}, "list"),
        (
            [shift("day", "07:00", "15:00"), shift("night", "16:00", "07:00")],
            "No shift covers 15:00–16:00",
        ),
        (
            [shift("day", "07:00", "15:30"), shift("night", "15:00", "07:00")],
            "'day' and 'night' overlap (15:00–15:30)",
        ),
        (
            [shift("day", "07:00", "19:00"), shift("day", "19:00", "07:00")],
            "Two shifts are named 'day'",
        ),
        (
            [shift("Day", "07:00", "19:00"), shift("day", "19:00", "07:00")],
            "Two shifts are named 'day'",
        ),
        ([shift("day", "7am", "19:00")], "HH:MM"),
        ([shift("day", "25:00", "19:00")], "not a time of day"),
        ([shift("day", "07:60", "19:00")], "not a time of day"),
        ([shift("day", 420, "19:00")], "HH:MM"),
        ([shift("", "07:00", "07:00")], "needs a name"),
        ([shift("(blank)", "07:00", "07:00")], "not allowed"),
        ([shift("x" * 41, "07:00", "07:00")], "not allowed"),
        (["day"], "must be an object"),
        (
            [shift("a", "07:00", "07:00"), shift("b", "07:00", "19:00")],
            "starts and ends at 07:00",
        ),
        (
            [shift("day", "07:00", "19:00")],
            "No shift covers 19:00–07:00",
        ),
    ],
)
def test_unusable_shifts_are_refused_with_a_reason(raw, reason):
    with pytest.raises(SettingsError) as caught:
        validate_shifts(raw)
    assert reason in str(caught.value)
