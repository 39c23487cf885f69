"""Control charts (analysis.chain.control) against published, hand-worked examples."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from exams.analysis.chain.control import (
    ControlError,
    Limits,
    control_chart,
    special_causes,
    xmr_limits,
)
from exams.analysis.frame.prepare import prepare_frame
from exams.analysis.frame.shifts import default_shifts

# Montgomery, Introduction to Statistical Quality Control, Example 6.5 (the
# mortgage loan processing cost per week; individuals and moving-range chart).
MORTGAGE_COSTS = [
    310, 288, 297, 298, 307, 303, 294, 297, 308, 306,
    294, 299, 297, 299, 314, 295, 293, 306, 301, 304,
]  # fmt: skip
# Montgomery, Example 7.1 (frozen orange juice cans): nonconforming cans in
# 30 samples of 50.
JUICE_DEFECTIVES = [
    12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22,
    8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6,
]  # fmt: skip


def exams_by_day(minutes_per_day: list[list[float]]) -> pd.DataFrame:
    """Return a prepared frame: day i (from 2024-01-01) holds exams of those minutes."""
    rows = []
    for day, values in enumerate(minutes_per_day):
        done = pd.Timestamp("2024-01-01 10:00") + pd.Timedelta(days=day)
        for value in values:
            rows.append(
                {
                    "accession": f"A{len(rows)}",
                    "modality": "CT",
                    "completed_at": done,
                    "finalized_at": done + pd.Timedelta(minutes=value),
                }
            )
    return prepare_frame(pd.DataFrame(rows), shifts=default_shifts())


def chart(frame, **options):
    values = frame["complete_to_final"].to_numpy(dtype=float)
    return control_chart(frame, values=values, period="day", **options)


def test_xmr_limits_match_montgomery_example():
    """x-bar = 6010 / 20 = 300.5.

    Moving ranges: 22 9 1 9 4 9 3 11 2 12 5 2 2 15 19 2 13 5 3, sum 148,
    MR-bar = 148 / 19 = 7.7895. Limits 300.5 ± 2.66 × 7.7895 = 300.5 ± 20.72,
    i.e. 279.78 and 321.22 as the book gives; no week is beyond them.
    """
    frame = exams_by_day([[cost] for cost in MORTGAGE_COSTS])
    result = chart(frame, stat="mean")
    assert result["chart"] == "xmr"
    assert result["centre"] == pytest.approx(300.5)
    assert result["mr_bar"] == pytest.approx(148 / 19)
    assert result["upper"] == pytest.approx(321.22, abs=0.01)
    assert result["lower"] == pytest.approx(279.78, abs=0.01)
    assert result["x"][0] == "2024-01-01" and len(result["x"]) == 20
    assert not [s for s in result["signals"] if s["rule"] == "beyond_limit"]


def test_p_chart_matches_montgomery_example():
    """p-bar (nonconforming) = 347 / 1500 = 0.2313; sigma(50) = sqrt(0.2313 ×
    0.7687 / 50) = 0.05963; limits 0.2313 ± 0.1789 = 0.0524 and 0.4102, as the
    book gives. Here each day holds 50 exams and the defectives are the ones
    over target, so "% within" is 100 × (1 − p): centre 76.87 %, limits
    58.98 % and 94.76 %; samples 15 (22 → 56 %) and 23 (24 → 52 %) fall below.
    """
    days = [[30.0] * (50 - d) + [90.0] * d for d in JUICE_DEFECTIVES]
    frame = exams_by_day(days)
    result = chart(frame, stat="within", limits=60.0)
    assert result["chart"] == "p"
    assert result["centre"] == pytest.approx(100 * (1 - 347 / 1500))
    assert result["lower"] == pytest.approx([58.98] * 30, abs=0.01)
    assert result["upper"] == pytest.approx([94.76] * 30, abs=0.01)
    beyond = [s["index"] for s in result["signals"] if s["rule"] == "beyond_limit"]
    assert beyond == [14, 22]
    assert result["n"] == [50] * 30


def test_p_chart_limits_widen_for_small_points():
    """p-bar = 16 / 20 = 0.8: n = 4 gives 0.8 ± 3 × sqrt(0.16 / 4) = 0.8 ± 0.6,
    clipped to 20 %–100 %; n = 16 gives 0.8 ± 0.3, 50 %–100 % (clipped)."""
    days = [[30.0] * 3 + [90.0], [30.0] * 13 + [90.0] * 3]
    result = chart(exams_by_day(days), stat="within", limits=60.0)
    assert result["centre"] == pytest.approx(80.0)
    assert result["lower"] == pytest.approx([20.0, 50.0])
    assert result["upper"] == pytest.approx([100.0, 100.0])


def test_baseline_period_sets_the_limits():
    """Baseline = the first 4 days (10, 12, 10, 12): centre 11, MR-bar 2,
    limits 11 ± 5.32 = 5.68 and 16.32; day 5 at 40 is beyond."""
    frame = exams_by_day([[10], [12], [10], [12], [40], [11]])
    result = chart(
        frame,
        stat="median",
        baseline_start=dt.date(2024, 1, 1),
        baseline_end=dt.date(2024, 1, 4),
    )
    assert result["centre"] == pytest.approx(11.0)
    assert result["upper"] == pytest.approx(16.32)
    assert result["lower"] == pytest.approx(5.68)
    assert result["baseline"]["points"] == 4
    assert result["in_baseline"] == [True] * 4 + [False] * 2
    assert {"index": 4, "rule": "beyond_limit"} in result["signals"]


def test_lower_limit_of_a_time_is_clipped_at_zero():
    # Centre 5, MR-bar 10: 5 − 26.6 < 0.
    frame = exams_by_day([[0], [10], [0], [10]])
    assert chart(frame, stat="median")["lower"] == 0.0


def test_empty_days_are_gaps_not_points():
    """Days 1, 2 and 4 hold exams (10, 20, 30); day 3 none. Moving ranges skip
    the gap: |20 − 10| and |30 − 20|, MR-bar 10."""
    frame = exams_by_day([[10], [20], [], [30]])
    result = chart(frame, stat="median")
    assert result["y"] == [10.0, 20.0, None, 30.0]
    assert result["n"] == [1, 1, 0, 1]
    assert result["mr_bar"] == pytest.approx(10.0)


def test_week_period_labels_and_ranges():
    # 2024-01-01 is a Monday: 14 days make two weeks.
    frame = exams_by_day([[d] for d in range(14)])
    values = frame["complete_to_final"].to_numpy(dtype=float)
    result = control_chart(frame, values=values, stat="mean", period="week")
    assert result["x"] == ["2024-01-01", "2024-01-08"]
    assert result["y"] == [3.0, 10.0]
    assert result["ranges"] == [
        ["2024-01-01", "2024-01-07"],
        ["2024-01-08", "2024-01-14"],
    ]


def test_too_few_points_is_a_control_error():
    with pytest.raises(ControlError, match="at least 2 points"):
        chart(exams_by_day([[10]]), stat="median")


FLAT = Limits(centre=10.0, lower=np.full(12, 0.0), upper=np.full(12, 100.0))


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        # Eight above the centre: the 8th point (index 7) signals, then the 9th.
        (
            [11, 12, 11, 13, 11, 12, 11, 12, 11, 9, 8, 9],
            [(7, "run_of_8"), (8, "run_of_8")],
        ),
        # A point on the centre breaks the run: 4 + 4 is not 8.
        ([11, 12, 11, 13, 10, 12, 11, 12, 11, 9, 8, 9], []),
        # Six rising (indices 2–7, no run of 8): the 6th point (index 7) signals.
        ([12, 9, 8, 9, 10.5, 11, 12, 13, 9, 11, 9, 11], [(7, "trend_of_6")]),
        # Six falling with an equal pair in the middle: no trend.
        ([11, 8, 7, 7, 6, 5, 4, 11, 9, 12, 9, 12], []),
        (
            [9, 150, 9, 12, -1, 12, 9, 12, 9, 12, 9, 12],
            [(1, "beyond_limit"), (4, "beyond_limit")],
        ),
    ],
)
def test_special_cause_rules(y, expected):
    signals = special_causes(np.array(y, dtype=float), FLAT)
    assert [(s["index"], s["rule"]) for s in signals] == expected


def test_rules_skip_empty_buckets():
    # Eight points above the centre with a gap between: still a run of 8.
    y = np.array([11, 12, np.nan, 11, 13, 11, 12, 11, 12, 5, 5, 5], dtype=float)
    signals = special_causes(y, FLAT)
    assert [(s["index"], s["rule"]) for s in signals] == [(8, "run_of_8")]


def test_xmr_limits_raise_without_two_baseline_points():
    with pytest.raises(ControlError):
        xmr_limits(np.array([5.0, np.nan]), baseline=np.array([True, True]))
