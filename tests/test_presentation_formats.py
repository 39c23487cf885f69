"""The one formatting layer: every value below is worked out by hand."""

import pytest

from exams.presentation import formats
from exams.presentation.headlines import headline_table


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "—"), (0, "0"), (999, "999"), (10114, "10,114"), (1234567, "1,234,567")],
)
def test_number_separates_thousands(value, expected):
    assert formats.number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "—"),
        (0, "0 min"),
        (0.4, "0 min"),
        (44.5, "45 min"),
        (59.6, "1 h 00 min"),
        (185, "3 h 05 min"),
        (47 * 60 + 59, "47 h 59 min"),
        (2 * 1440 + 4 * 60, "2 d 4 h"),
        (-65, "−1 h 05 min"),
    ],
)
def test_minutes_read_as_hours_and_minutes(value, expected):
    assert formats.format_minutes(value) == expected


@pytest.mark.parametrize(
    ("value", "places", "unit", "expected"),
    [
        (None, 1, "points", "—"),
        (0.0, 1, "points", "0.0 points"),
        (-0.04, 1, "points", "0.0 points"),  # the "-0.0 points" of the issue
        (0.04, 1, "points", "0.0 points"),
        (-0.05000001, 1, "points", "-0.1 points"),
        (2.25, 1, "points", "+2.2 points"),  # binary 2.25 rounds half to even
        (1234, 0, "", "+1,234"),
        (-1234, 0, "", "-1,234"),
        (0, 0, "", "0"),
        (-0.4, 0, "", "0"),
    ],
)
def test_signed_changes_have_no_signed_zero(value, places, unit, expected):
    assert formats.signed(value, places, unit) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "—"), (0, "0 min"), (-0.3, "0 min"), (12, "+12 min"), (-65, "−1 h 05 min")],
)
def test_signed_minutes(value, expected):
    assert formats.signed_minutes(value) == expected


@pytest.mark.parametrize(
    ("value", "better", "places", "expected"),
    [
        (-0.04, "higher", 1, None),  # within rounding: neutral, not "worse"
        (-0.2, "higher", 1, "worse"),
        (0.2, "higher", 1, "better"),
        (-3, "lower", 0, "better"),
        (3, "lower", 0, "worse"),
        (0.3, "lower", 0, None),
        (5, None, 0, None),
        (None, "lower", 0, None),
    ],
)
def test_verdict_is_neutral_within_rounding(value, better, places, expected):
    assert formats.verdict(value, better=better, places=places) == expected


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [(None, 1, "—"), (-0.01, 1, "0.0"), (12345.67, 1, "12,345.7"), (2.5, 0, "2")],
)
def test_decimal(value, places, expected):
    assert formats.decimal(value, places) == expected


def _interval(median, within, n):
    return {"median": median, "within": within, "n": n}


def test_headline_change_within_rounding_is_neutral():
    """A 'within target' share 0.04 points lower reads '0.0 points', no verdict."""
    zero = {"absolute": 0, "percent": 0.0}
    now = {"exams": 10114, "exams_per_day": 12.0, "pending": 3, "intervals": {}}
    then = {"exams": 10114, "exams_per_day": 12.0, "pending": 3, "intervals": {}}
    delta = {"exams": zero, "exams_per_day": zero, "pending": zero, "intervals": {}}
    from exams import fields

    for metric in fields.INTERVALS:
        now["intervals"][metric] = _interval(30.0, 80.0, 100)
        then["intervals"][metric] = _interval(30.0, 80.04, 100)
        delta["intervals"][metric] = {
            "median": {"absolute": 0.0, "percent": 0.0},
            "within": {"absolute": -0.04, "percent": None},
        }
    rows = headline_table({"current": now, "comparison": then, "change": delta})
    exams = rows[0]
    assert (exams["current"], exams["change"], exams["verdict"]) == (
        "10,114",
        "0 (0.0%)",
        None,
    )
    within = [r for r in rows if r["label"].startswith("% within target")]
    assert within and all(r["change"] == "0.0 points" for r in within)
    assert all(r["verdict"] is None for r in within)
