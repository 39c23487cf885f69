"""Shift windows and per-exam targets: validation, assignment, matching."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from exams import fields
from exams.analysis.shifts import (
    SettingsError,
    Shift,
    TargetRule,
    Targets,
    assign_shifts,
    default_shifts,
    default_targets,
    exam_targets,
    validate_shifts,
    validate_targets,
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


def frame_of(priority, patient_class):
    return pd.DataFrame(
        {
            fields.PRIORITY: pd.Categorical(priority),
            fields.PATIENT_CLASS: pd.Categorical(patient_class),
        }
    )


def test_default_targets_follow_domain_md():
    frame = frame_of(
        ["STAT", "Routine", "routine", "Stat", "Routine", None, "Urgent", "Routine"],
        ["Inpatient", "ED", "Inpatient", "Outpatient", "Outpatient", None, "OBS", None],
    )
    # STAT beats inpatient; ED 60; inpatient 240; STAT (any case) 60;
    # outpatient 1440; nothing known → default 1440.
    expected = [60, 60, 240, 60, 1440, 1440, 1440, 1440]
    assert exam_targets(frame, default_targets()).tolist() == expected


def test_a_missing_field_still_meets_a_rule_that_does_not_ask_for_it():
    # ED with no priority is the ED rule's (60); STAT with no patient class
    # is the STAT rule's (60); inpatient with no priority 240; nothing 1440.
    frame = frame_of([None, "STAT", None, None], ["ED", None, "Inpatient", None])
    assert exam_targets(frame, default_targets()).tolist() == [60, 60, 240, 1440]


def test_first_matching_rule_wins_and_both_fields_must_match():
    targets = Targets(
        rules=(
            TargetRule(minutes=30, priorities=("STAT",), patient_classes=("ED",)),
            TargetRule(minutes=120, patient_classes=(" ed ",)),
            TargetRule(minutes=90, patient_classes=("ED",)),
        ),
        default=500,
    )
    frame = frame_of(["STAT", "Routine", "STAT"], ["ED", "ed", "Inpatient"])
    assert exam_targets(frame, targets).tolist() == [30, 120, 500]


def test_targets_round_trip_through_json():
    assert validate_targets(default_targets().as_json()) == default_targets()
    assert validate_targets({"rules": [], "default": 90.5}) == Targets((), 90.5)
    rule = validate_targets({"rules": [{"priority": "STAT", "minutes": 45}]})
    assert rule.rules == (TargetRule(minutes=45, priorities=("STAT",)),)
    assert rule.default == 1440


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ([], "must be an object"),
        ({"rules": [], "default": 0}, "positive number of minutes"),
        ({"rules": [], "default": "60"}, "positive number of minutes"),
        ({"rules": [], "default": True}, "positive number of minutes"),
        ({"rules": [], "default": float("inf")}, "positive number of minutes"),
        ({"rules": {}}, "must be a list"),
        ({"rules": [{"minutes": 60}]}, "must name a priority or a patient class"),
        ({"rules": [{"priority": "STAT"}]}, "positive number of minutes"),
        ({"rules": [{"priority": "STAT", "minutes": -1}]}, "positive number"),
        ({"rules": [{"priority": 5, "minutes": 60}]}, "text or a list of text"),
        ({"rules": [{"modality": "CT", "minutes": 60}]}, "unknown key 'modality'"),
        ({"rules": ["STAT"]}, "must be an object"),
        ({"goal": 5}, "Unknown target setting 'goal'"),
    ],
)
def test_unusable_targets_are_refused_with_a_reason(raw, reason):
    with pytest.raises(SettingsError) as caught:
        validate_targets(raw)
    assert reason in str(caught.value)
