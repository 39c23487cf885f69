"""Weekday × hour grid (exams/analysis/insights/heatmap.py), hand-worked cells."""

import pandas as pd
import pytest

from exams.analysis import prepare_frame
from exams.analysis.frame.shifts import default_shifts
from exams.analysis.insights import heatmap


def make_frame(rows: list[tuple[str, float | None]]) -> pd.DataFrame:
    """Return a prepared frame of (completed_at, report TAT minutes) rows."""
    completed = pd.to_datetime([c for c, _ in rows])
    finals = [
        None if tat is None else c + pd.Timedelta(minutes=tat)
        for c, (_, tat) in zip(completed, rows, strict=True)
    ]
    frame = pd.DataFrame(
        {
            "completed_at": completed,
            "ordered_at": completed - pd.Timedelta(minutes=20),
            "finalized_at": pd.to_datetime(finals),
            "modality": "CT",
        }
    )
    return prepare_frame(frame, shifts=default_shifts())


# 2025-03-03 is a Monday, 2025-03-09 the Sunday after.
ROWS = [
    ("2025-03-03 09:15", 10),
    ("2025-03-03 09:15", 30),
    ("2025-03-03 09:59", 50),  # still hour 9
    ("2025-03-03 10:00", 5),  # hour 10
    ("2025-03-04 00:00", None),  # Tuesday midnight, pending
    ("2025-03-09 23:59", 100),  # Sunday, last hour
]


def test_volume_counts_each_cell():
    result = heatmap.heatmap(make_frame(ROWS), metric="volume")
    assert result["weekdays"] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert result["hours"] == list(range(24))
    z = result["z"]
    assert len(z) == 7 and all(len(row) == 24 for row in z)
    assert z[0][9] == 3
    assert z[0][10] == 1
    assert z[1][0] == 1
    assert z[6][23] == 1
    assert sum(map(sum, z)) == 6
    assert result["n"] == z
    assert result["stat"] is None
    # The range Mon 3 – Sun 9 March holds one of each weekday.
    assert result["weekday_days"] == [1, 1, 1, 1, 1, 1, 1]


@pytest.mark.parametrize(
    ("stat", "monday_nine"),
    [
        ("median", 30.0),
        ("mean", 30.0),
        ("p75", 40.0),  # 10, 30, 50: position 1.5 → 30 + 0.5 × 20
        ("p90", 46.0),  # position 1.8 → 30 + 0.8 × 20
    ],
)
def test_interval_statistic_per_cell(stat, monday_nine):
    result = heatmap.heatmap(make_frame(ROWS), metric="complete_to_final", stat=stat)
    assert result["z"][0][9] == pytest.approx(monday_nine)
    assert result["n"][0][9] == 3
    assert result["z"][6][23] == pytest.approx(100.0)
    # Tuesday 00: one exam, pending, so no value and n = 0.
    assert result["z"][1][0] is None
    assert result["n"][1][0] == 0
    assert result["excluded"] == {"pending": 1, "missing": 0, "negative": 0}


def test_within_uses_each_exams_target():
    frame = make_frame(ROWS)
    # Targets: 30 min for every exam, except 5 min for the hour-10 exam.
    targets = pd.Series(30.0, index=frame.index)
    targets.iloc[3] = 4.0
    result = heatmap.heatmap(
        frame, metric="complete_to_final", stat="within", targets=targets
    )
    assert result["z"][0][9] == pytest.approx(200 / 3, abs=0.01)  # 10, 30 ≤ 30
    assert result["z"][0][10] == 0.0  # 5 > 4
    assert result["z"][6][23] == 0.0


def test_empty_frame_gives_empty_grid():
    result = heatmap.heatmap(make_frame(ROWS)[0:0], metric="order_to_complete")
    assert result["z"] == [[None] * 24] * 7
    assert result["weekday_days"] == [0] * 7
