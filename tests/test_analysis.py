"""Series on the hand-worked export of 13 exams (docs/API.md), worked by hand.

The exams and their worked facts live in ``tests/analysis_facts.py``.
"""

import datetime as dt

import pytest

from exams.analysis import build_series, compute_series, prepare_frame
from exams.analysis.frame.shifts import validate_shifts
from exams.query.filters import FilterError, FilterSpec, parse_query
from tests.analysis_facts import (
    DOE,
    SMITH,
    assert_values,
    by_name,
    canonical_frame,
    series,
)

# ---- series: hand-worked answers -------------------------------------------


def test_volume_by_month_fills_the_gaps(facts):
    result = series(facts)
    assert result["metric"] == "volume" and result["unit"] == "exams"
    assert result["x"] == ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02"] + [
        "2025-03"
    ]
    assert result["series"] == [
        {"name": "All", "y": [3, 0, 2, 7, 0, 1], "n": [3, 0, 2, 7, 0, 1]}
    ]
    assert result["excluded"] == {"missing": 0, "negative": 0}


@pytest.mark.parametrize(
    ("period", "x", "y"),
    [
        ("quarter", ["2024-Q4", "2025-Q1"], [5, 8]),
        ("year", ["2024", "2025"], [5, 8]),
    ],
)
def test_volume_by_quarter_and_year(facts, period, x, y):
    result = series(facts, period=period)
    assert (result["x"], result["series"][0]["y"]) == (x, y)


def test_week_labels_are_mondays_across_the_year_end(facts):
    result = series(facts, period="week")
    x, y = result["x"], result["series"][0]["y"]
    # 2024-09-30 to 2025-03-10 is 161 days: 24 Mondays.
    assert len(x) == 24
    assert (x[0], x[-1]) == ("2024-09-30", "2025-03-10")
    counts = dict(zip(x, y, strict=True))
    # 2025-01-01 (E05, E06) and 2025-01-04 belong to the week of 2024-12-30.
    assert counts == {
        **dict.fromkeys(x, 0),
        "2024-09-30": 1,
        "2024-10-14": 2,
        "2024-12-30": 5,
        "2025-01-06": 4,
        "2025-03-10": 1,
    }


def test_days_cover_every_calendar_day(facts):
    result = series(facts, period="day", start=dt.date(2024, 12, 30))
    counts = dict(zip(result["x"], result["series"][0]["y"], strict=True))
    assert result["x"][0] == "2024-12-30" and result["x"][-1] == "2025-03-10"
    assert len(result["x"]) == 71
    assert counts["2024-12-31"] == 1
    assert counts["2025-01-01"] == 2
    assert counts["2025-01-02"] == 0
    assert counts["2025-02-28"] == 0


def test_volume_split_by_shift_in_configured_order(facts):
    result = series(facts, split="shift")
    assert [s["name"] for s in result["series"]] == ["day", "evening", "night"]
    assert by_name(result)["day"]["y"] == [1, 0, 0, 4, 0, 1]
    assert by_name(result)["evening"]["y"] == [1, 0, 0, 1, 0, 0]
    assert by_name(result)["night"]["y"] == [1, 0, 2, 2, 0, 0]


@pytest.mark.parametrize(
    ("split", "expected"),
    [
        ("modality", {"CT": [2, 3], "MR": [1, 1], "US": [0, 2], "XR": [2, 2]}),
        (
            "patient_class",
            {
                "ED": [1, 3],
                "Inpatient": [3, 1],
                "Outpatient": [1, 3],
                "(blank)": [0, 1],
            },
        ),
        ("physician", {DOE: [3, 3], SMITH: [2, 4], "(blank)": [0, 1]}),
        ("priority", {"Routine": [2, 5], "STAT": [2, 2], "Urgent": [1, 1]}),
    ],
)
def test_volume_splits_by_year(facts, split, expected):
    result = series(facts, period="year", split=split)
    assert [s["name"] for s in result["series"]] == list(expected)
    assert {s["name"]: s["y"] for s in result["series"]} == expected


def test_report_tat_by_month(facts):
    # Valid report TATs: Oct [30, 60, 2400], Dec [120, 240],
    # Jan [60, 60, 61, 1440] (E06 pending, E07 and E11 negative), Mar [60].
    expected = {
        "median": [60, None, 180, 60.5, None, 60],
        "mean": [830, None, 180, 405.25, None, 60],
        # p75: Oct index 1.5 → 60 + 2340 × .5; Dec .75 → 120 + 120 × .75;
        # Jan 2.25 → 61 + 1379 × .25.
        "p75": [1230, None, 210, 405.75, None, 60],
        # p90: Oct 1.8 → 60 + 2340 × .8; Dec .9; Jan 2.7 → 61 + 1379 × .7.
        "p90": [1932, None, 228, 1026.3, None, 60],
        # ≤ 60 (the boundary counts): Oct 2/3, Dec 0/2, Jan 2/4, Mar 1/1.
        "within": [200 / 3, None, 0, 50, None, 100],
    }
    for stat, values in expected.items():
        result = series(facts, metric="complete_to_final", stat=stat, target=60)
        assert result["unit"] == ("%" if stat == "within" else "minutes")
        assert_values(result["series"][0]["y"], values)
        assert result["series"][0]["n"] == [3, 0, 2, 4, 0, 1]
        assert result["excluded"] == {"missing": 1, "negative": 2}


def test_within_uses_each_exams_own_target_without_a_target(facts):
    # Q4: E13 30≤60 (STAT), E01 60≤60 (ED), E02 2400>1440, E03 120≤240,
    # E04 240≤240 → 4/5. Q1: E05 60≤60, E08 60≤1440 (no class, Routine),
    # E09 61>60 (ED), E10 1440≤1440, E12 60≤1440 → 4/5.
    result = series(facts, metric="complete_to_final", stat="within", period="quarter")
    assert result["series"][0]["y"] == pytest.approx([80, 80])
    assert result["series"][0]["n"] == [5, 5]
    assert result["target"] is None


def test_order_to_complete_by_month(facts):
    result = series(facts, metric="order_to_complete", stat="median")
    # Jan valid: [0, 10, 60, 181, 299, 720] (E07 has no order time).
    assert_values(result["series"][0]["y"], [30, None, 59.5, 120.5, None, 60])
    assert result["excluded"] == {"missing": 1, "negative": 0}
    p90 = series(facts, metric="order_to_complete", stat="p90")["series"][0]["y"]
    assert p90[3] == pytest.approx(299 + 421 * 0.5)


def test_total_tat_by_year_split_by_shift(facts):
    result = series(facts, metric="order_to_final", period="year", split="shift")
    assert by_name(result)["day"]["y"] == [90, 780]
    assert by_name(result)["day"]["n"] == [1, 3]
    assert by_name(result)["evening"]["y"] == [2520, 71]
    assert by_name(result)["night"]["y"] == [180, 120.5]
    assert result["excluded"] == {"missing": 2, "negative": 0}


def test_ordered_by_month_uses_order_time(facts):
    result = series(facts, metric="ordered")
    assert result["x"][0] == "2024-09" and result["x"][-1] == "2025-03"
    assert result["series"][0]["y"] == [1, 2, 0, 3, 5, 0, 1]
    assert result["excluded"] == {"missing": 1, "negative": 0}


def test_complete_ratio_by_month(facts):
    result = series(facts, metric="complete_ratio")
    assert result["unit"] == "ratio"
    assert result["x"] == [
        "2024-09", "2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03"
    ]  # fmt: skip
    # Completed [0, 3, 0, 2, 7, 0, 1] ÷ ordered [1, 2, 0, 3, 5, 0, 1].
    assert_values(result["series"][0]["y"], [0, 1.5, None, 2 / 3, 1.4, None, 1])
    assert result["series"][0]["n"] == [1, 2, 0, 3, 5, 0, 1]
    assert result["excluded"] == {"missing": 1, "negative": 0}


def test_shift_ratio_uses_each_sides_own_shift(facts):
    result = series(facts, metric="complete_ratio", period="year", split="shift")
    # Completed by shift 2024: day 1, evening 1, night 3; 2025: 5, 1, 2.
    # Ordered by shift 2024: day 2, evening 1, night 3; 2025: 4, 2, 0.
    assert by_name(result)["day"]["y"] == [0.5, 1.25]
    assert by_name(result)["evening"]["y"] == [1.0, 0.5]
    assert by_name(result)["night"]["y"] == [1.0, None]
    assert by_name(result)["night"]["n"] == [3, 0]


def test_complete_ratio_filters_each_side_on_its_own_time(facts):
    spec = parse_query({"metric": ["complete_ratio"], "start": ["2025-01-01"]})
    spec = FilterSpec(**{**spec.__dict__, "end": dt.date(2025, 1, 31)})
    result = build_series(facts, spec=spec)
    # Completed in January: E05–E11 (7); ordered in January: E06, E08–E11 (5).
    assert result["x"] == ["2025-01"]
    assert result["series"][0]["y"] == [1.4]
    night = build_series(
        facts, spec=FilterSpec(metric="complete_ratio", period="year", shift=("night",))
    )
    # Completed at night 2024: 3, 2025: 2; ordered at night 2024: 3, 2025: 0.
    assert night["series"][0]["y"] == [1.0, None]


def test_compute_series_on_one_frame_uses_it_for_both_sides(facts):
    # Without an ordered_frame the same (unfiltered) exams give both sides.
    direct = compute_series(facts, metric="complete_ratio", period="year")
    built = series(facts, metric="complete_ratio", period="year")
    # build_series adds the data set's partial periods; the numbers are the same.
    assert direct == {k: v for k, v in built.items() if k != "partial"}
    assert direct["series"][0]["y"] == pytest.approx([5 / 6, 8 / 6])


def test_empty_selection(facts):
    result = series(facts, modality=("PET",), metric="complete_to_final")
    assert result["x"] == []
    assert result["series"] == [{"name": "All", "y": [], "n": []}]
    assert series(facts, modality=("PET",), split="modality")["series"] == []


def test_site_shifts_crossing_midnight_keep_their_configured_order():
    shifts = validate_shifts(
        [
            {"name": "late", "start": "20:00", "end": "08:00"},
            {"name": "early", "start": "08:00", "end": "20:00"},
        ]
    )
    prepared = prepare_frame(canonical_frame(), shifts=shifts)
    result = series(prepared, period="year", split="shift")
    assert [s["name"] for s in result["series"]] == ["late", "early"]
    # 08:00–19:59 is early: E01, E02, E07, E08, E09, E10, E12.
    assert by_name(result)["early"]["y"] == [2, 5]
    assert by_name(result)["late"]["y"] == [3, 3]


def test_too_many_points_is_a_filter_error(facts, monkeypatch):
    from exams.analysis.dashboard import series as series_module

    monkeypatch.setattr(series_module, "MAX_POINTS", 100)
    with pytest.raises(FilterError) as caught:
        series(facts, period="day", split="modality")
    assert "points" in str(caught.value)
