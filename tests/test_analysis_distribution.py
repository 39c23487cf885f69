"""Turnaround buckets and box plots (exams/analysis/insights/distribution.py).

Expected values are hand-worked below; quartiles are cross-checked with
duckdb's quantile_cont (linear interpolation, like numpy's default).
"""

import duckdb
import numpy as np
import pandas as pd
import pytest

from exams.analysis import prepare_frame
from exams.analysis.frame.shifts import default_shifts
from exams.analysis.insights import distribution

COMPLETED = pd.Timestamp("2025-03-03 10:00")


def make_frame(rows: list[dict]) -> pd.DataFrame:
    """Return a prepared frame from ``{field: value}`` rows (times as text)."""
    frame = pd.DataFrame(rows)
    for name in ("ordered_at", "completed_at", "finalized_at"):
        if name in frame:
            frame[name] = pd.to_datetime(frame[name])
    return prepare_frame(frame, shifts=default_shifts())


def report_tat_frame(minutes: list[float | None], modality="CT") -> list[dict]:
    rows = []
    for value in minutes:
        final = None if value is None else COMPLETED + pd.Timedelta(minutes=value)
        rows.append(
            {
                "modality": modality,
                "ordered_at": COMPLETED - pd.Timedelta(minutes=30),
                "completed_at": COMPLETED,
                "finalized_at": final,
            }
        )
    return rows


@pytest.mark.parametrize(
    ("minutes", "label"),
    [
        (0, "<1 h"),
        (59.99, "<1 h"),
        (60, "1–4 h"),  # exactly one hour is in the band above
        (239.5, "1–4 h"),
        (240, "4–12 h"),
        (719, "4–12 h"),
        (720, "12–24 h"),
        (1439.9, "12–24 h"),
        (1440, "24–48 h"),
        (2879, "24–48 h"),
        (2880, ">48 h"),
        (100_000, ">48 h"),
    ],
)
def test_bucket_edges_are_closed_on_the_left(minutes, label):
    position = distribution.bucket_positions(np.array([minutes], dtype=float))[0]
    assert distribution.BUCKETS[position][0] == label


def test_bucket_counts_with_pending_negative_and_missing():
    # Two exams per band, one pending (no final), one final 10 min before
    # completion (negative): 12 banded + 1 pending = 13 in the denominator.
    values = [0, 59, 60, 239, 240, 719, 720, 1439, 1440, 2879, 2880, 5000, None, -10]
    result = distribution.bucket_counts(
        make_frame(report_tat_frame(values)), metric="complete_to_final"
    )
    labels = [b["label"] for b in result["buckets"]]
    assert labels == [
        "<1 h",
        "1–4 h",
        "4–12 h",
        "12–24 h",
        "24–48 h",
        ">48 h",
        "pending",
    ]
    assert [b["count"] for b in result["buckets"]] == [2, 2, 2, 2, 2, 2, 1]
    assert result["total"] == 13
    assert [b["share"] for b in result["buckets"]] == pytest.approx(
        [2 / 13] * 6 + [1 / 13]
    )
    assert result["excluded"] == {"missing": 0, "negative": 1}
    assert result["buckets"][1]["lower_minutes"] == 60
    assert result["buckets"][1]["upper_minutes"] == 240
    assert result["buckets"][5]["upper_minutes"] is None


def test_order_interval_without_order_time_is_missing_not_pending():
    rows = report_tat_frame([30, 30])
    rows[1]["ordered_at"] = None
    result = distribution.bucket_counts(make_frame(rows), metric="order_to_complete")
    # The first exam: ordered 30 min before completion; the second: no start.
    assert [b["count"] for b in result["buckets"]] == [1, 0, 0, 0, 0, 0, 0]
    assert result["excluded"] == {"missing": 1, "negative": 0}
    assert result["buckets"][0]["share"] == 1.0


def test_no_exams_gives_zero_counts_and_no_share():
    result = distribution.bucket_counts(
        make_frame(report_tat_frame([None]))[0:0], metric="complete_to_final"
    )
    assert result["total"] == 0
    assert all(b["count"] == 0 and b["share"] is None for b in result["buckets"])


def test_box_summary_hand_worked_with_an_outlier():
    # 1, 2, 3, 4, 100: Q1 = 2, median = 3, Q3 = 4, IQR = 2, fences -1 and 7,
    # so the upper whisker ends at 4 and 100 is the one outlier.
    box = distribution.box_summary(np.array([100.0, 3, 1, 4, 2]))
    assert box == {
        "n": 5,
        "min": 1.0,
        "q1": 2.0,
        "median": 3.0,
        "q3": 4.0,
        "max": 100.0,
        "mean": 22.0,
        "lower_whisker": 1.0,
        "upper_whisker": 4.0,
        "outliers": 1,
    }


def test_box_stats_by_group_match_duckdb_quantiles():
    rows = report_tat_frame([1, 2, 3, 4, 100], modality="CT")
    rows += report_tat_frame([10, 20], modality="MR")
    rows += report_tat_frame([None], modality="MR")
    frame = make_frame(rows)
    boxes = distribution.box_stats(frame, by_column="modality")
    report = [b for b in boxes if b["metric"] == "complete_to_final"]
    # Largest group first (CT: 5 exams, MR: 3).
    assert [b["group"] for b in report] == ["CT", "MR"]
    tats = pd.DataFrame({"g": ["CT"] * 5 + ["MR"] * 2, "v": [1, 2, 3, 4, 100, 10, 20]})
    connection = duckdb.connect()
    connection.register("tats", tats)
    expected = connection.sql(
        "select g, quantile_cont(v, 0.25) q1, quantile_cont(v, 0.5) med, "
        "quantile_cont(v, 0.75) q3 from tats group by g order by g"
    ).fetchall()
    for box, (group, q1, med, q3) in zip(report, expected, strict=True):
        assert box["group"] == group
        assert (box["q1"], box["median"], box["q3"]) == pytest.approx((q1, med, q3))
    mr = report[1]
    assert (mr["n"], mr["lower_whisker"], mr["upper_whisker"]) == (2, 10.0, 20.0)
    # Order → complete is 30 min for all eight exams, pending included.
    order = [b for b in boxes if b["metric"] == "order_to_complete"]
    assert [(b["group"], b["n"], b["median"]) for b in order] == [
        ("CT", 5, 30.0),
        ("MR", 3, 30.0),
    ]


def test_box_stats_without_a_group_and_blank_values():
    rows = report_tat_frame([5, 15], modality=None)
    boxes = distribution.box_stats(make_frame(rows), by_column=None)
    assert {b["group"] for b in boxes} == {"All"}
    blank = distribution.box_stats(make_frame(rows), by_column="modality")
    assert {b["group"] for b in blank} == {"(blank)"}


def test_distribution_combines_buckets_and_boxes():
    frame = make_frame(report_tat_frame([30, 90]))
    result = distribution.distribution(
        frame, metric="complete_to_final", by_column="modality"
    )
    assert [b["count"] for b in result["buckets"]][:2] == [1, 1]
    assert len(result["boxes"]) == 3  # one group × three intervals
