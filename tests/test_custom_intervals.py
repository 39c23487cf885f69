"""Custom intervals and the frame measured in working time."""

import numpy as np
import pandas as pd
import pytest

from exams.analysis import prepare_frame
from exams.analysis.chain.custom_intervals import validate_custom_intervals
from exams.analysis.chain.measure import measured_frame
from exams.analysis.frame.shifts import SettingsError, default_shifts
from exams.analysis.frame.working_time import validate_working_time
from exams.analysis.quantiles import rank_values

# Mon 2024-12-23 … Fri 2024-12-27; 25 and 26 December are holidays below.
FRAME = prepare_frame(
    pd.DataFrame(
        {
            "accession": ["A1", "A2", "A3"],
            "modality": ["CT", "MR", "CT"],
            "ordered_at": pd.to_datetime(
                ["2024-12-23 07:00", "2024-12-24 16:00", "2024-12-21 10:00"]
            ),
            "started_at": pd.to_datetime(
                ["2024-12-23 08:30", "2024-12-24 16:30", None]
            ),
            "completed_at": pd.to_datetime(
                ["2024-12-23 09:00", "2024-12-24 16:45", "2024-12-21 11:00"]
            ),
            "finalized_at": pd.to_datetime(
                ["2024-12-23 12:00", "2024-12-27 09:00", "2024-12-23 08:20"]
            ),
        }
    ),
    shifts=default_shifts(),
)
START_TO_FINAL = validate_custom_intervals(
    [{"name": "start_to_final", "start": "started_at", "end": "finalized_at"}]
)


def test_custom_interval_in_clock_minutes():
    frame = measured_frame(FRAME, custom=START_TO_FINAL)
    # A1 08:30 → 12:00 = 210; A2 Tue 16:30 → Fri 09:00 = 2 d 16 h 30 min.
    expected = [210.0, 2 * 1440 + 16 * 60 + 30, np.nan]
    np.testing.assert_allclose(frame["start_to_final"], expected)
    np.testing.assert_array_equal(
        frame["start_to_final_rank"], rank_values(np.array(expected))
    )
    # The built-in intervals stay as they were.
    assert frame["complete_to_final"].tolist() == FRAME["complete_to_final"].tolist()


def test_working_time_replaces_every_interval():
    working = validate_working_time({"holidays": ["2024-12-25", "2024-12-26"]})
    frame = measured_frame(FRAME, working=working, custom=START_TO_FINAL)
    # A1: o→c 07:00–09:00 → 60; c→f 09:00–12:00 → 180; o→f 240.
    # A2: o→c 16:00–16:45 → 45; c→f Tue 16:45 → Fri 09:00 → 15 + 60 = 75;
    #     o→f 60 + 60 = 120; start→final Tue 16:30 → Fri 09:00 → 30 + 60.
    # A3: o→c all on a Saturday → 0; c→f Sat 11:00 → Mon 08:20 → 20.
    np.testing.assert_allclose(frame["order_to_complete"], [60, 45, 0])
    np.testing.assert_allclose(frame["complete_to_final"], [180, 75, 20])
    np.testing.assert_allclose(frame["order_to_final"], [240, 120, 20])
    np.testing.assert_allclose(frame["start_to_final"], [210, 90, np.nan])
    assert frame["complete_to_final_rank"].tolist() == [2, 1, 0]
    # The input frame keeps clock minutes.
    assert FRAME["complete_to_final"].tolist()[0] == 180.0
    assert FRAME["order_to_complete"].tolist()[2] == 60.0


def test_no_working_time_and_no_custom_is_the_same_frame():
    assert measured_frame(FRAME) is FRAME


def test_default_label_names_both_events():
    (interval,) = validate_custom_intervals(
        [{"name": "order_to_prelim", "start": "ordered_at", "end": "preliminary_at"}]
    )
    assert interval.label == "Ordered → preliminary"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"name": "x"}, "must be a list"),
        ([{"name": "x", "start": "completed_at", "end": "ordered_at"}], "later"),
        ([{"name": "x", "start": "completed_at", "end": "completed_at"}], "later"),
        ([{"name": "x", "start": "signed_at", "end": "finalized_at"}], "one of"),
        (
            [{"name": "order_to_final", "start": "ordered_at", "end": "finalized_at"}],
            "already used",
        ),  # fmt: skip
        (
            [{"name": "9lives", "start": "ordered_at", "end": "finalized_at"}],
            "lower-case",
        ),  # fmt: skip
        (
            [{"name": "a", "start": "ordered_at", "end": "finalized_at", "unit": "h"}],
            "unknown key",
        ),  # fmt: skip
        (
            [{"name": "a", "start": "ordered_at", "end": "finalized_at"}] * 2,
            "Two custom intervals",
        ),  # fmt: skip
    ],
)
def test_bad_custom_intervals_say_why(raw, words):
    with pytest.raises(SettingsError, match=words):
        validate_custom_intervals(raw)
