"""Working minutes between two times (exams.analysis.frame.working_time).

Expected values are worked by hand on a calendar (December 2024: the 20th
is a Friday, the 25th and 26th are holidays) or counted minute by minute by
a plain Python loop, never taken from the code under test.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from exams.analysis.frame.shifts import SettingsError
from exams.analysis.frame.working_time import (
    default_working_time,
    holidays_from_csv,
    validate_working_time,
    working_minutes,
)

CHRISTMAS = validate_working_time(
    {
        "days": ["Mon", "Tue", "Wed", "Thu", "Fri"],
        "start": "08:00",
        "end": "17:00",
        "holidays": ["2024-12-25", "2024-12-26"],
    }
)


def minutes(start, end, working=CHRISTMAS) -> float:
    result = working_minutes(
        pd.Series([pd.Timestamp(start) if start else pd.NaT]),
        pd.Series([pd.Timestamp(end) if end else pd.NaT]),
        working=working,
    )
    return float(result[0])


@pytest.mark.parametrize(
    ("start", "end", "expected", "why"),
    [
        ("2024-12-23 09:00", "2024-12-23 10:30", 90, "inside one working day"),
        ("2024-12-20 16:00", "2024-12-23 09:00", 120, "Fri 16–17 + Mon 08–09"),
        ("2024-12-23 06:00", "2024-12-23 08:30", 30, "starts before hours"),
        ("2024-12-23 16:30", "2024-12-23 23:00", 30, "ends after hours"),
        ("2024-12-23 22:00", "2024-12-24 08:15", 15, "across midnight"),
        ("2024-12-24 16:00", "2024-12-27 09:00", 120, "Tue 16–17 + Fri 08–09"),
        ("2024-12-21 10:00", "2024-12-22 15:00", 0, "all on a weekend"),
        ("2024-12-25 09:00", "2024-12-25 12:00", 0, "all on a holiday"),
        ("2024-12-20 18:00", "2024-12-23 07:00", 0, "Fri evening to Mon dawn"),
        ("2024-12-21 10:00", "2024-12-23 09:00", 60, "from a Saturday"),
        # 16–20, 23, 24 and 27 December: 8 working days of 9 hours.
        ("2024-12-16 08:00", "2024-12-30 08:00", 8 * 540, "two weeks"),
        ("2024-12-23 09:00:30", "2024-12-23 09:02:00", 1.5, "seconds count"),
        ("2024-12-23 10:00", "2024-12-23 09:00", -60, "negative stays negative"),
        ("2024-12-21 10:00", "2024-12-21 09:00", -60, "negative, no working time"),
    ],
)
def test_hand_worked_examples(start, end, expected, why):
    assert minutes(start, end) == pytest.approx(expected), why


def test_missing_end_gives_nan():
    assert np.isnan(minutes("2024-12-23 09:00", None))
    assert np.isnan(minutes(None, "2024-12-23 09:00"))


def test_weekend_only_calendar():
    saturdays = validate_working_time(
        {"days": ["Sat"], "start": "10:00", "end": "12:00", "holidays": []}
    )
    # Only Saturday 21 December 10:00–12:00 lies between.
    assert minutes("2024-12-20 09:00", "2024-12-23 09:00", saturdays) == 120


def test_whole_week_whole_day_is_clock_time():
    always = validate_working_time(
        {"days": list(_WEEK), "start": "00:00", "end": "24:00", "holidays": []}
    )
    rng = np.random.default_rng(7)
    starts = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        rng.integers(0, 400 * 24 * 60, 500), unit="min"
    )
    ends = starts + pd.to_timedelta(rng.integers(-600, 20_000, 500), unit="min")
    expected = (ends - starts).total_seconds() / 60
    result = working_minutes(pd.Series(starts), pd.Series(ends), working=always)
    np.testing.assert_allclose(result, expected.to_numpy())


_WEEK = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _count_by_minute(start: dt.datetime, end: dt.datetime) -> int:
    """Count working minutes one by one (Mon–Fri 08–17, Christmas holidays)."""
    holidays = {dt.date(2024, 12, 25), dt.date(2024, 12, 26)}
    count, t = 0, start
    while t < end:
        if t.weekday() < 5 and t.date() not in holidays and 8 <= t.hour < 17:
            count += 1
        t += dt.timedelta(minutes=1)
    return count


def test_random_pairs_match_a_minute_by_minute_count():
    rng = np.random.default_rng(18)
    base = dt.datetime(2024, 12, 14)
    offsets = rng.integers(0, 21 * 24 * 60, size=(60, 2))
    starts = [base + dt.timedelta(minutes=int(a)) for a in offsets[:, 0]]
    lengths = rng.integers(0, 5 * 24 * 60, size=60)
    ends = [
        s + dt.timedelta(minutes=int(n)) for s, n in zip(starts, lengths, strict=True)
    ]
    result = working_minutes(pd.Series(starts), pd.Series(ends), working=CHRISTMAS)
    expected = [_count_by_minute(s, e) for s, e in zip(starts, ends, strict=True)]
    np.testing.assert_allclose(result, expected)


def test_default_is_weekdays_eight_to_five():
    working = default_working_time()
    assert working.as_json() == {
        "days": ["Mon", "Tue", "Wed", "Thu", "Fri"],
        "start": "08:00",
        "end": "17:00",
        "holidays": [],
    }
    assert working.minutes_per_day == 540


def test_settings_round_trip_sorts_days_and_holidays():
    working = validate_working_time(
        {
            "days": ["fri", "Monday", "Wed"],
            "start": "07:30",
            "end": "24:00",
            "holidays": ["2025-01-01", "2024-12-25", "2025-01-01"],
        }
    )
    assert working.as_json() == {
        "days": ["Mon", "Wed", "Fri"],
        "start": "07:30",
        "end": "24:00",
        "holidays": ["2024-12-25", "2025-01-01"],
    }


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("Mon-Fri", "must be an object"),
        ({"days": []}, "at least one working day"),
        ({"days": ["Funday"]}, "Unknown working day"),
        ({"days": "Mon"}, "must be a list"),
        ({"start": "17:00", "end": "08:00"}, "end after they start"),
        ({"start": "8am"}, "HH:MM"),
        ({"holidays": ["25/12/2024"]}, "YYYY-MM-DD"),
        ({"holidays": ["2024-02-30"]}, "YYYY-MM-DD"),
        ({"holidays": "2024-12-25"}, "list of dates"),
        ({"hours": 8}, "Unknown working time setting"),
    ],
)
def test_bad_settings_say_why(raw, words):
    with pytest.raises(SettingsError, match=words):
        validate_working_time(raw)


def test_holidays_from_csv_with_header_bom_and_blank_rows():
    text = "\ufeffdate,name\r\n2024-12-25,Christmas\r\n\r\n2024-12-26,Boxing Day\r\n"
    assert holidays_from_csv(text) == ["2024-12-25", "2024-12-26"]
    assert holidays_from_csv("2025-01-01\n") == ["2025-01-01"]


def test_holidays_from_csv_names_the_bad_row():
    with pytest.raises(SettingsError, match="Row 3"):
        holidays_from_csv("date\n2024-12-25\n26/12/2024\n")
    with pytest.raises(SettingsError, match="Row 1"):
        holidays_from_csv("Christmas\n")
