"""Volume forecast (exams/analysis/insights/forecast.py) on synthetic series.

The series are built here with a known trend and weekly pattern, so the
expected forecast is the formula itself; the baseline is computed by hand.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from exams.analysis.errors import AnalysisError
from exams.analysis.insights import forecast

EFFECT = np.array([10.0, 12.0, 11.0, 9.0, 8.0, -60.0, -70.0])  # Mon … Sun


def exams_frame(first: str, counts, modality: str = "CT") -> pd.DataFrame:
    """Return one row per exam: ``counts[i]`` exams completed on day i at noon."""
    days = pd.date_range(first, periods=len(counts), freq="D")
    completed = np.repeat(days.to_numpy(), np.asarray(counts, dtype=int))
    completed = completed + np.timedelta64(12, "h")
    return pd.DataFrame({"completed_at": completed, "modality": modality})


def clean_counts(first: str, days: int) -> np.ndarray:
    start = pd.Timestamp(first)
    weekday = (start.day_of_week + np.arange(days)) % 7
    return 100 + 0.5 * np.arange(days) + EFFECT[weekday]


def test_seasonal_naive_repeats_the_last_week():
    history = np.arange(1, 15)  # ... 8, 9, 10, 11, 12, 13, 14
    assert forecast.seasonal_naive(history, ahead=9).tolist() == [
        8,
        9,
        10,
        11,
        12,
        13,
        14,
        8,
        9,
    ]


def test_fit_recovers_a_noiseless_trend_and_weekday_pattern():
    # Starts on a Monday; counts are exactly 100 + 0.5 t + weekday effect.
    counts = clean_counts("2025-01-06", 140)
    fit = forecast.fit_model(counts, first_weekday=0)
    mean, noise, _ = forecast.predict(fit, ahead=10)
    t = 140 + np.arange(10)
    assert mean == pytest.approx(100 + 0.5 * t + EFFECT[t % 7], abs=1e-6)
    assert noise == pytest.approx(np.zeros(10), abs=1e-12)


def test_forecast_on_clean_series_is_exact_and_beats_the_baseline():
    counts = clean_counts("2025-01-06", 140)  # 20 weeks to Sun 2025-05-25
    frame = exams_frame("2025-01-06", np.round(counts))
    result = forecast.forecast(frame, last_day=dt.date(2025, 5, 25), horizon_weeks=2)
    assert result["x"][0] == "2025-05-26"
    assert len(result["x"]) == 14
    expected = np.round(counts).mean()  # sanity: the data are ~ 100/day
    assert 60 < expected < 140
    y = np.array(result["series"][0]["y"])
    t = 140 + np.arange(14)
    assert y == pytest.approx(100 + 0.5 * t + EFFECT[t % 7], abs=0.6)
    check = result["backtest"]
    # The seasonal-naive baseline lags the trend by 0.5 × 7 per week ahead:
    # errors 3.5 in week 1 … 14 in week 4, mean 8.75 (rounding aside).
    assert check["baseline_error"] == pytest.approx(8.75, abs=0.5)
    assert check["model_error"] < 0.6
    assert check["weeks"] == 4
    assert "Mean absolute error" in check["measure"]


def test_forecast_beats_seasonal_naive_on_noisy_weekly_seasonality():
    rng = np.random.default_rng(20250101)
    days = 26 * 7
    start = pd.Timestamp("2024-07-01")  # a Monday
    weekday = (start.day_of_week + np.arange(days)) % 7
    rate = np.array([120, 130, 125, 118, 110, 45, 35])[weekday]
    frame = exams_frame("2024-07-01", rng.poisson(rate))
    last = (start + pd.Timedelta(days=days - 1)).date()
    result = forecast.forecast(frame, last_day=last, horizon_weeks=4)
    check = result["backtest"]
    assert check["model_error"] < check["baseline_error"]
    series = result["series"][0]
    assert all(
        lo <= y <= hi
        for lo, y, hi in zip(series["lower"], series["y"], series["upper"], strict=True)
    )
    # The weekday pattern carries into the forecast: weekends well below.
    first_week = dict(
        zip(pd.to_datetime(series["x"][:7]).day_of_week, series["y"][:7], strict=True)
    )
    assert first_week[6] < first_week[0] / 2
    assert check["coverage"] >= 0.5


def test_weekly_forecast_is_whole_weeks_summing_the_days():
    counts = clean_counts("2025-01-06", 136)  # ends Wednesday 2025-05-21
    frame = exams_frame("2025-01-06", np.round(counts))
    last = dt.date(2025, 5, 21)
    weekly = forecast.forecast(frame, last_day=last, horizon_weeks=2, period="week")
    daily = forecast.forecast(frame, last_day=last, horizon_weeks=3)
    # The rest of the current week (Thu–Sun) is skipped: weeks start Monday.
    assert weekly["x"] == ["2025-05-26", "2025-06-02"]
    days = dict(zip(daily["x"], daily["series"][0]["y"], strict=True))
    first_week = [str(d.date()) for d in pd.date_range("2025-05-26", periods=7)]
    assert weekly["series"][0]["y"][0] == pytest.approx(
        sum(days[d] for d in first_week), abs=0.5
    )
    assert weekly["history"][0]["x"][-1] == "2025-05-12"  # last whole week


def test_split_by_modality_gives_one_series_per_modality_largest_first():
    counts = np.round(clean_counts("2025-01-06", 70))
    frame = pd.concat(
        [
            exams_frame("2025-01-06", counts, modality="XR"),
            exams_frame("2025-01-06", np.round(counts / 10), modality="MR"),
        ]
    )
    result = forecast.forecast(
        frame, last_day=dt.date(2025, 3, 16), split="modality", horizon_weeks=1
    )
    assert [s["name"] for s in result["series"]] == ["XR", "MR"]
    assert [h["name"] for h in result["history"]] == ["XR", "MR"]
    assert all(len(s["y"]) == 7 for s in result["series"])


def test_too_short_history_is_refused_with_what_is_needed():
    frame = exams_frame("2025-01-06", np.full(55, 20))
    with pytest.raises(AnalysisError) as raised:
        forecast.forecast(frame, last_day=dt.date(2025, 3, 1))
    assert raised.value.status == 422
    assert "56 days" in raised.value.message
    assert "55 day(s)" in raised.value.message
    exactly = exams_frame("2025-01-06", np.full(56, 20))
    result = forecast.forecast(exactly, last_day=dt.date(2025, 3, 2))
    assert result["history_days"] == 56


def test_no_exams_at_all_is_refused():
    with pytest.raises(AnalysisError, match="0 day"):
        forecast.forecast(
            exams_frame("2025-01-06", [])[0:0], last_day=dt.date(2025, 3, 1)
        )


def test_thin_history_is_refused_even_when_long_enough():
    """9 exams spread over 70 days: long enough, far too thin to fit."""
    counts = np.zeros(70, dtype=int)
    counts[::8] = 1  # days 0, 8, …, 64: 9 exams
    frame = exams_frame("2025-01-06", counts)
    assert len(frame) == 9
    with pytest.raises(AnalysisError) as raised:
        forecast.forecast(frame, last_day=dt.date(2025, 3, 16))
    assert raised.value.status == 422
    # 9 exams / 70 days = 0.13 a day, on 9 of the 70 days.
    assert "9 exams over 70 days" in raised.value.message
    assert "0.1 a day, exams on 9 of the days" in raised.value.message


def test_busy_but_bursty_history_is_refused():
    """Many exams on few days: 7 days with 100 exams each in 56 days."""
    counts = np.zeros(56, dtype=int)
    counts[::8] = 100
    with pytest.raises(AnalysisError, match="exams on 7 of the days"):
        forecast.forecast(
            exams_frame("2025-01-06", counts), last_day=dt.date(2025, 3, 2)
        )


def test_one_exam_on_every_weekday_is_enough():
    """5 of 7 days with 2 exams: 10/7 ≈ 1.4 a day, on 40 of 56 days."""
    counts = np.tile([2, 2, 2, 2, 2, 0, 0], 8)
    result = forecast.forecast(
        exams_frame("2025-01-06", counts), last_day=dt.date(2025, 3, 2)
    )
    assert result["history_days"] == 56
