"""The numbers on a hand-worked export of 13 exams (CONTRACT §3).

Every interval, shift, weekday and week below was worked out on paper from
the times in ``EXAMS``; the expected numbers in the tests come from those
facts, not from the code under test. Default shifts: day 07–15, evening
15–23, night 23–07. Default targets: ED or STAT 60, inpatient 240,
outpatient 1440, otherwise 1440.
"""

import datetime as dt
import itertools
import math

import numpy as np
import pandas as pd
import pytest
from django.http import QueryDict

from exams import fields
from exams.analysis import (
    apply_filters,
    build_series,
    compute_series,
    prepare_frame,
)
from exams.filters import FilterError, FilterSpec, parse_query
from exams.shifts import default_shifts, validate_shifts

SMITH, DOE = "SMITH, JOHN MD", "DOE, JANE"
NAN = math.nan

# accession, modality, priority, patient class, physician,
# ordered_at, completed_at, finalized_at,
# order→complete, complete→final, order→final (minutes, worked by hand),
# completed shift, ordered shift, Monday of the completed week, of the
# ordered week, weekday of completion.
EXAMS = [
    # Ordered on Monday 30 Sep (night), completed in October: order and
    # completion fall in different months, same night shift.
    ("E13", "XR", "STAT", "Inpatient", DOE,
     "2024-09-30 23:50", "2024-10-01 00:10", "2024-10-01 00:40",
     20, 30, 50, "night", "night", "2024-09-30", "2024-09-30", "Tue"),
    ("E01", "CT", "STAT", "ED", SMITH,
     "2024-10-15 09:00", "2024-10-15 09:30", "2024-10-15 10:30",
     30, 60, 90, "day", "day", "2024-10-14", "2024-10-14", "Tue"),
    # Saturday, read on Monday: 40 h report TAT.
    ("E02", "XR", "Routine", "Outpatient", DOE,
     "2024-10-19 14:00", "2024-10-19 16:00", "2024-10-21 08:00",
     120, 2400, 2520, "evening", "day", "2024-10-14", "2024-10-14", "Sat"),
    # 23:00 exactly is night; ordered 22:00 in the evening.
    ("E03", "CT", "Routine", "Inpatient", SMITH,
     "2024-12-30 22:00", "2024-12-30 23:00", "2024-12-31 01:00",
     60, 120, 180, "night", "evening", "2024-12-30", "2024-12-30", "Mon"),
    # 06:59 is still night; report TAT exactly the inpatient target (240).
    ("E04", "MR", "Urgent", "Inpatient", DOE,
     "2024-12-31 06:00", "2024-12-31 06:59", "2024-12-31 10:59",
     59, 240, 299, "night", "night", "2024-12-30", "2024-12-30", "Tue"),
    # New Year: completed 2025-01-01 (week of Monday 2024-12-30, 2025-Q1),
    # ordered 2024-12-31 (2024-Q4).
    ("E05", "CT", "STAT", "ED", SMITH,
     "2024-12-31 23:30", "2025-01-01 00:30", "2025-01-01 01:30",
     60, 60, 120, "night", "night", "2024-12-30", "2024-12-30", "Wed"),
    # 07:00 exactly is day; no final report yet (pending); no physician.
    ("E06", "US", "Routine", "Outpatient", None,
     "2025-01-01 07:00", "2025-01-01 07:00", None,
     0, NAN, NAN, "day", "day", "2024-12-30", "2024-12-30", "Wed"),
    # No order time; signed an hour before completion (negative).
    ("E07", "XR", "STAT", "ED", DOE,
     None, "2025-01-04 12:00", "2025-01-04 11:00",
     NAN, -60, NAN, "day", None, "2024-12-30", None, "Sat"),
    # Ordered Sunday evening (week of 2024-12-30), completed Monday 08:00.
    ("E08", "XR", "Routine", None, SMITH,
     "2025-01-05 20:00", "2025-01-06 08:00", "2025-01-06 09:00",
     720, 60, 780, "day", "evening", "2025-01-06", "2024-12-30", "Mon"),
    # 15:00 exactly is evening; report TAT 61 just misses the ED target.
    ("E09", "CT", "Urgent", "ED", SMITH,
     "2025-01-06 14:50", "2025-01-06 15:00", "2025-01-06 16:01",
     10, 61, 71, "evening", "day", "2025-01-06", "2025-01-06", "Mon"),
    # 14:59 is day; report TAT exactly the outpatient target (1440).
    ("E10", "MR", "Routine", "Outpatient", DOE,
     "2025-01-07 10:00", "2025-01-07 14:59", "2025-01-08 14:59",
     299, 1440, 1739, "day", "day", "2025-01-06", "2025-01-06", "Tue"),
    # Ordered 22:59 (evening), completed 02:00 (night), signed 01:00.
    ("E11", "CT", "Routine", "Inpatient", DOE,
     "2025-01-07 22:59", "2025-01-08 02:00", "2025-01-08 01:00",
     181, -60, 121, "night", "evening", "2025-01-06", "2025-01-06", "Wed"),
    # March, after an empty February.
    ("E12", "US", "Routine", "Outpatient", SMITH,
     "2025-03-10 09:00", "2025-03-10 10:00", "2025-03-10 11:00",
     60, 60, 120, "day", "day", "2025-03-10", "2025-03-10", "Mon"),
]  # fmt: skip
COLUMNS = [
    "accession", "modality", "priority", "patient_class", "ordering_physician",
    "ordered_at", "completed_at", "finalized_at",
    "order_to_complete", "complete_to_final", "order_to_final",
    "c_shift", "o_shift", "c_week", "o_week", "c_weekday",
]  # fmt: skip
FACTS = pd.DataFrame(EXAMS, columns=COLUMNS)
FACT_ROWS = FACTS.to_dict("records")
INTERVALS = ("order_to_complete", "complete_to_final", "order_to_final")


def canonical_frame(rows: pd.DataFrame = FACTS) -> pd.DataFrame:
    """Return the facts as ingest would: times, categoricals, intervals."""
    frame = pd.DataFrame({"accession": rows["accession"].astype("string")})
    for name in ("ordered_at", "completed_at", "finalized_at"):
        frame[name] = pd.to_datetime(rows[name])
    for name in ("modality", "priority", "patient_class", "ordering_physician"):
        frame[name] = pd.Categorical(rows[name])
    for name in INTERVALS:
        frame[name] = rows[name].astype(float)
    return frame


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return prepare_frame(canonical_frame(), shifts=default_shifts())


def assert_values(actual: list, expected: list) -> None:
    """Compare series values: None exactly, numbers to 12 significant digits."""
    assert [v is None for v in actual] == [v is None for v in expected]
    numbers = [(a, e) for a, e in zip(actual, expected, strict=True) if e is not None]
    assert [a for a, _ in numbers] == pytest.approx([e for _, e in numbers], rel=1e-12)


def series(frame, **kwargs):
    return build_series(frame, spec=FilterSpec(**kwargs))


def by_name(result) -> dict:
    return {s["name"]: s for s in result["series"]}


# ---- prepared columns ------------------------------------------------------


def test_prepared_columns_match_the_worked_facts(frame):
    assert frame[fields.SHIFT].tolist() == FACTS["c_shift"].tolist()
    ordered = (
        frame[fields.ORDERED_SHIFT]
        .astype(object)
        .where(frame[fields.ORDERED_SHIFT].notna(), None)
    )
    assert ordered.tolist() == [
        s if isinstance(s, str) else None for s in FACTS["o_shift"]
    ]
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert [days[d] for d in frame[fields.WEEKDAY]] == FACTS["c_weekday"].tolist()
    assert frame[fields.IS_WEEKEND].tolist() == [
        d in ("Sat", "Sun") for d in FACTS["c_weekday"]
    ]
    assert frame[fields.HOUR].tolist() == [0, 9, 16, 23, 6, 0, 7, 12, 8, 15, 14, 2, 10]
    assert list(frame[fields.SHIFT].cat.categories) == ["day", "evening", "night"]
    for name in ("modality", "priority", "exam_name", "status"):
        assert isinstance(frame[name].dtype, pd.CategoricalDtype)


def test_prepare_computes_missing_intervals_like_ingest():
    raw = canonical_frame().drop(columns=list(INTERVALS))
    prepared = prepare_frame(raw, shifts=default_shifts())
    for name in INTERVALS:
        np.testing.assert_array_equal(prepared[name], FACTS[name].astype(float))


def test_prepare_leaves_the_input_alone():
    raw = canonical_frame()
    before = raw.copy()
    prepare_frame(raw, shifts=default_shifts())
    pd.testing.assert_frame_equal(raw, before)


def test_missing_completion_has_no_shift_day_or_hour():
    raw = canonical_frame(FACTS.iloc[:2]).copy()
    raw.loc[1, "completed_at"] = pd.NaT
    prepared = prepare_frame(raw, shifts=default_shifts())
    assert pd.isna(prepared[fields.SHIFT].iloc[1])
    assert prepared[fields.WEEKDAY].iloc[1] == -1
    assert prepared[fields.HOUR].iloc[1] == -1
    assert not prepared[fields.IS_WEEKEND].iloc[1]
    # Not placed on the time axis, so counted as missing, never dropped.
    result = series(prepared, metric="volume")
    assert result["series"][0]["y"] == [1]
    assert result["excluded"] == {"missing": 1, "negative": 0}


# ---- the master filter -----------------------------------------------------


@pytest.mark.parametrize(
    ("query", "time_field", "expected"),
    [
        ("", "completed_at", "E13 E01 E02 E03 E04 E05 E06 E07 E08 E09 E10 E11 E12"),
        ("modality=ct", "completed_at", "E01 E03 E05 E09 E11"),
        ("modality=CT&modality=PET", "completed_at", "E01 E03 E05 E09 E11"),
        ("modality=PET", "completed_at", ""),
        ("patient_class=ED&priority=STAT", "completed_at", "E01 E05 E07"),
        ("physician=SMITH%2C+JOHN+MD", "completed_at", "E01 E03 E05 E08 E09 E12"),
        ("shift=night", "completed_at", "E13 E03 E04 E05 E11"),
        ("shift=night", "ordered_at", "E13 E04 E05"),
        ("shift=evening", "ordered_at", "E03 E08 E11"),
        ("days=weekend", "completed_at", "E02 E07"),
        ("days=weekend", "ordered_at", "E02 E08"),
        ("days=weekday&shift=day", "completed_at", "E01 E06 E08 E10 E12"),
        ("start=2024-12-31&end=2025-01-01", "completed_at", "E04 E05 E06"),
        ("start=2024-12-31&end=2025-01-01", "ordered_at", "E04 E05 E06"),
        ("start=2025-01-06", "completed_at", "E08 E09 E10 E11 E12"),
        ("start=2025-01-06", "ordered_at", "E09 E10 E11 E12"),
        ("end=2024-10-15", "completed_at", "E13 E01"),
        ("end=2024-09-30", "ordered_at", "E13"),
        ("end=2024-09-30", "completed_at", ""),
    ],
)
def test_apply_filters(frame, query, time_field, expected):
    spec = parse_query(QueryDict(query))
    selected = apply_filters(frame, spec=spec, time_field=time_field)
    assert selected["accession"].tolist() == expected.split()
    # Categoricals keep their categories after filtering.
    assert isinstance(selected["modality"].dtype, pd.CategoricalDtype)


def test_filters_with_repeated_values(frame):
    spec = FilterSpec(shift=("day", "evening"), priority=("Urgent", "STAT"))
    selected = apply_filters(frame, spec=spec)
    assert selected["accession"].tolist() == ["E01", "E07", "E09"]


# ---- series: hand-worked answers -------------------------------------------


def test_volume_by_month_fills_the_gaps(frame):
    result = series(frame)
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
def test_volume_by_quarter_and_year(frame, period, x, y):
    result = series(frame, period=period)
    assert (result["x"], result["series"][0]["y"]) == (x, y)


def test_week_labels_are_mondays_across_the_year_end(frame):
    result = series(frame, period="week")
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


def test_days_cover_every_calendar_day(frame):
    result = series(frame, period="day", start=dt.date(2024, 12, 30))
    counts = dict(zip(result["x"], result["series"][0]["y"], strict=True))
    assert result["x"][0] == "2024-12-30" and result["x"][-1] == "2025-03-10"
    assert len(result["x"]) == 71
    assert counts["2024-12-31"] == 1
    assert counts["2025-01-01"] == 2
    assert counts["2025-01-02"] == 0
    assert counts["2025-02-28"] == 0


def test_volume_split_by_shift_in_configured_order(frame):
    result = series(frame, split="shift")
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
def test_volume_splits_by_year(frame, split, expected):
    result = series(frame, period="year", split=split)
    assert [s["name"] for s in result["series"]] == list(expected)
    assert {s["name"]: s["y"] for s in result["series"]} == expected


def test_report_tat_by_month(frame):
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
        result = series(frame, metric="complete_to_final", stat=stat, target=60)
        assert result["unit"] == ("%" if stat == "within" else "minutes")
        assert_values(result["series"][0]["y"], values)
        assert result["series"][0]["n"] == [3, 0, 2, 4, 0, 1]
        assert result["excluded"] == {"missing": 1, "negative": 2}


def test_within_uses_each_exams_own_target_without_a_target(frame):
    # Q4: E13 30≤60 (STAT), E01 60≤60 (ED), E02 2400>1440, E03 120≤240,
    # E04 240≤240 → 4/5. Q1: E05 60≤60, E08 60≤1440 (no class, Routine),
    # E09 61>60 (ED), E10 1440≤1440, E12 60≤1440 → 4/5.
    result = series(frame, metric="complete_to_final", stat="within", period="quarter")
    assert result["series"][0]["y"] == pytest.approx([80, 80])
    assert result["series"][0]["n"] == [5, 5]
    assert result["target"] is None


def test_order_to_complete_by_month(frame):
    result = series(frame, metric="order_to_complete", stat="median")
    # Jan valid: [0, 10, 60, 181, 299, 720] (E07 has no order time).
    assert_values(result["series"][0]["y"], [30, None, 59.5, 120.5, None, 60])
    assert result["excluded"] == {"missing": 1, "negative": 0}
    p90 = series(frame, metric="order_to_complete", stat="p90")["series"][0]["y"]
    assert p90[3] == pytest.approx(299 + 421 * 0.5)


def test_total_tat_by_year_split_by_shift(frame):
    result = series(frame, metric="order_to_final", period="year", split="shift")
    assert by_name(result)["day"]["y"] == [90, 780]
    assert by_name(result)["day"]["n"] == [1, 3]
    assert by_name(result)["evening"]["y"] == [2520, 71]
    assert by_name(result)["night"]["y"] == [180, 120.5]
    assert result["excluded"] == {"missing": 2, "negative": 0}


def test_ordered_by_month_uses_order_time(frame):
    result = series(frame, metric="ordered")
    assert result["x"][0] == "2024-09" and result["x"][-1] == "2025-03"
    assert result["series"][0]["y"] == [1, 2, 0, 3, 5, 0, 1]
    assert result["excluded"] == {"missing": 1, "negative": 0}


def test_complete_ratio_by_month(frame):
    result = series(frame, metric="complete_ratio")
    assert result["unit"] == "ratio"
    assert result["x"] == [
        "2024-09", "2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03"
    ]  # fmt: skip
    # Completed [0, 3, 0, 2, 7, 0, 1] ÷ ordered [1, 2, 0, 3, 5, 0, 1].
    assert_values(result["series"][0]["y"], [0, 1.5, None, 2 / 3, 1.4, None, 1])
    assert result["series"][0]["n"] == [1, 2, 0, 3, 5, 0, 1]
    assert result["excluded"] == {"missing": 1, "negative": 0}


def test_shift_ratio_uses_each_sides_own_shift(frame):
    result = series(frame, metric="complete_ratio", period="year", split="shift")
    # Completed by shift 2024: day 1, evening 1, night 3; 2025: 5, 1, 2.
    # Ordered by shift 2024: day 2, evening 1, night 3; 2025: 4, 2, 0.
    assert by_name(result)["day"]["y"] == [0.5, 1.25]
    assert by_name(result)["evening"]["y"] == [1.0, 0.5]
    assert by_name(result)["night"]["y"] == [1.0, None]
    assert by_name(result)["night"]["n"] == [3, 0]


def test_complete_ratio_filters_each_side_on_its_own_time(frame):
    spec = parse_query({"metric": ["complete_ratio"], "start": ["2025-01-01"]})
    spec = FilterSpec(**{**spec.__dict__, "end": dt.date(2025, 1, 31)})
    result = build_series(frame, spec=spec)
    # Completed in January: E05–E11 (7); ordered in January: E06, E08–E11 (5).
    assert result["x"] == ["2025-01"]
    assert result["series"][0]["y"] == [1.4]
    night = build_series(
        frame, spec=FilterSpec(metric="complete_ratio", period="year", shift=("night",))
    )
    # Completed at night 2024: 3, 2025: 2; ordered at night 2024: 3, 2025: 0.
    assert night["series"][0]["y"] == [1.0, None]


def test_compute_series_on_one_frame_uses_it_for_both_sides(frame):
    # Without an ordered_frame the same (unfiltered) exams give both sides.
    direct = compute_series(frame, metric="complete_ratio", period="year")
    assert direct == series(frame, metric="complete_ratio", period="year")
    assert direct["series"][0]["y"] == pytest.approx([5 / 6, 8 / 6])


def test_empty_selection(frame):
    result = series(frame, modality=("PET",), metric="complete_to_final")
    assert result["x"] == []
    assert result["series"] == [{"name": "All", "y": [], "n": []}]
    assert series(frame, modality=("PET",), split="modality")["series"] == []


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


def test_too_many_points_is_a_filter_error(frame, monkeypatch):
    from exams.analysis import series as series_module

    monkeypatch.setattr(series_module, "MAX_POINTS", 100)
    with pytest.raises(FilterError) as caught:
        series(frame, period="day", split="modality")
    assert "points" in str(caught.value)


# ---- series: every metric × stat × period × split against the facts --------


def _label(date, period: str, week) -> str | None:
    if not isinstance(date, str):
        return None
    if period == "day":
        return date[:10]
    if period == "week":
        return week
    if period == "month":
        return date[:7]
    if period == "quarter":
        return f"{date[:4]}-Q{(int(date[5:7]) - 1) // 3 + 1}"
    return date[:4]


def _all_labels(period: str, first: str, last: str) -> list[str]:
    """Every label from first to last, by calendar arithmetic."""
    if period in ("day", "week"):
        step = 1 if period == "day" else 7
        start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
        days = (end - start).days
        return [str(start + dt.timedelta(d)) for d in range(0, days + 1, step)]
    if period == "year":
        return [str(y) for y in range(int(first), int(last) + 1)]
    if period == "quarter":
        a = int(first[:4]) * 4 + int(first[-1]) - 1
        b = int(last[:4]) * 4 + int(last[-1]) - 1
        return [f"{q // 4}-Q{q % 4 + 1}" for q in range(a, b + 1)]
    a = int(first[:4]) * 12 + int(first[5:7]) - 1
    b = int(last[:4]) * 12 + int(last[5:7]) - 1
    return [f"{m // 12}-{m % 12 + 1:02d}" for m in range(a, b + 1)]


def _group(row, split: str, side: str):
    column = {
        "modality": "modality",
        "priority": "priority",
        "patient_class": "patient_class",
        "physician": "ordering_physician",
    }.get(split)
    if split == "none":
        return "All"
    if split == "shift":
        value = row["c_shift" if side == "c" else "o_shift"]
    else:
        value = row[column]
    return value if isinstance(value, str) else "(blank)"


def _statistic(values: list[float], stat: str, limits: list[float]):
    if not values:
        return None
    if stat == "mean":
        return sum(values) / len(values)
    if stat == "within":
        return (
            100 * sum(v <= t for v, t in zip(values, limits, strict=True)) / len(values)
        )
    q = {"median": 0.5, "p75": 0.75, "p90": 0.9}[stat]
    return float(np.quantile(values, q))


def _own_target(row) -> float:
    if row["patient_class"] == "ED" or row["priority"] == "STAT":
        return 60
    return {"Inpatient": 240, "Outpatient": 1440}.get(row["patient_class"], 1440)


def reference_series(metric, stat, period, split, target):
    """Compute a series from the worked facts with plain Python."""
    cells: dict = {}
    labels = set()
    for row in FACT_ROWS:
        sides = {"c": (row["completed_at"], row["c_week"])}
        if metric in ("ordered", "complete_ratio"):
            sides["o"] = (row["ordered_at"], row["o_week"])
        if metric == "ordered":
            del sides["c"]
        for side, (time, week) in sides.items():
            label = _label(time, period, week)
            if label is None:
                continue
            labels.add(label)
            cell = cells.setdefault((_group(row, split, side), label), {})
            cell.setdefault(side, []).append(row)
    if not labels:
        return [], {}
    x = _all_labels(period, min(labels), max(labels))
    groups = {g for g, _ in cells}
    if split == "shift":
        order = [g for g in ("day", "evening", "night", "(blank)") if g in groups]
    else:
        order = sorted(groups, key=lambda g: (g == "(blank)", g.casefold()))
    result = {}
    for group in order:
        ys, ns = [], []
        for label in x:
            cell = cells.get((group, label), {})
            done, ordered = len(cell.get("c", [])), len(cell.get("o", []))
            if metric == "volume":
                ys.append(done), ns.append(done)
            elif metric == "ordered":
                ys.append(ordered), ns.append(ordered)
            elif metric == "complete_ratio":
                ys.append(done / ordered if ordered else None), ns.append(ordered)
            else:
                rows = [r for r in cell.get("c", []) if r[metric] >= 0]
                limits = [target or _own_target(r) for r in rows]
                ys.append(_statistic([r[metric] for r in rows], stat, limits))
                ns.append(len(rows))
        result[group] = (ys, ns)
    return x, result


@pytest.mark.parametrize(
    ("metric", "stat", "period", "split", "target"),
    [
        combo
        for combo in itertools.product(
            fields.METRICS, fields.STATS, fields.PERIODS, fields.SPLITS, (None, 60)
        )
        # A count ignores stat and target: one stat is enough for those.
        if (combo[4] is None or combo[1] == "within")
        and (combo[0] in INTERVALS or (combo[1], combo[4]) == ("median", None))
    ],
)
def test_every_combination_matches_the_facts(
    frame, metric, stat, period, split, target
):
    result = series(
        frame, metric=metric, stat=stat, period=period, split=split, target=target
    )
    x, expected = reference_series(metric, stat, period, split, target)
    assert result["x"] == x
    assert [s["name"] for s in result["series"]] == list(expected)
    for one in result["series"]:
        ys, ns = expected[one["name"]]
        assert one["n"] == ns
        assert_values(one["y"], ys)


@pytest.mark.parametrize("metric", ["volume", "ordered", "complete_ratio"])
def test_counts_span_dates_before_1970(metric):
    # A mistyped year (1969) must still count, in its own month, with the
    # empty months between filled: Dec 1969 and Jan 1970 hold one exam each.
    rows = FACTS.iloc[:2].copy()
    rows["ordered_at"] = ["1969-12-31 23:00", "1970-01-01 08:00"]
    rows["completed_at"] = ["1969-12-31 23:30", "1970-01-01 09:00"]
    prepared = prepare_frame(canonical_frame(rows), shifts=default_shifts())
    result = series(prepared, metric=metric, period="month")
    assert result["x"] == ["1969-12", "1970-01"]
    expected = [1.0, 1.0] if metric == "complete_ratio" else [1, 1]
    assert result["series"][0]["y"] == expected
