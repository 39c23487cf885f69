"""Random small exports: our numbers against DuckDB SQL written from docs/API.md.

The reference (``tests/duckdb_reference.py``) never sees our code.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exams import fields
from exams.analysis import build_series, build_summary, prepare_frame
from exams.analysis.frame.shifts import default_shifts
from exams.query.filters import FilterError, FilterSpec
from tests.duckdb_reference import (
    GROUP_SQL,
    INTERVAL_SQL,
    connect,
    reference_intervals,
    reference_series,
    reference_summary,
    where,
)

BY_NAMES = [g for g in GROUP_SQL if g != "none"]
EPOCH = dt.datetime(2023, 12, 20)
SPAN_MINUTES = 400 * 24 * 60  # into January 2025: two year ends
MODALITIES = ["CT", "MR", "XR"]
PRIORITIES = ["STAT", "stat", "Routine"]
CLASSES = ["ED", "Emergency", "Inpatient", "Outpatient", "OP"]
PHYSICIANS = ["SMITH, JOHN", "=cmd", "Doe"]
RADIOLOGISTS = ["Dr Adams", "dr adams", "Resident Lee", "Baker"]
LOCATIONS = ["Main CT1", "North MR", "ED XR"]

# Seconds of the day around the default shift boundaries (07:00, 15:00,
# 23:00) and midnight.
BOUNDARY_SECONDS = [
    h * 3600 + m * 60 + sec
    for h, m in (
        (6, 59),
        (7, 0),
        (14, 59),
        (15, 0),
        (22, 59),
        (23, 0),
        (23, 59),
        (0, 0),
    )
    for sec in (0, 59)
]


# Whole seconds (DuckDB's date_diff counts whole seconds). Exact targets and
# zero test the "≤ target" boundary; -30 s a negative of less than a minute.
offset = st.one_of(
    st.none(),
    st.sampled_from([0, 1800, 3600, 14400, 86400, -30]),
    st.integers(-180 * 60, 3000 * 60),
)


exam = st.fixed_dictionaries(
    {
        # Seconds, so shifts are checked at the clock minute; often right at
        # a shift boundary; rarely missing.
        "completed": st.one_of(
            st.integers(0, SPAN_MINUTES * 60),
            st.builds(
                lambda day, clock: day * 86400 + clock,
                st.integers(0, SPAN_MINUTES // 1440 - 1),
                st.sampled_from(BOUNDARY_SECONDS),
            ),
            st.just(None),
        ),
        "to_complete": offset,
        "to_final": offset,
        # Often none: examples without any preliminary time test absence.
        "to_prelim": st.one_of(st.none(), st.none(), offset),
        "modality": st.sampled_from([*MODALITIES, None]),
        "priority": st.sampled_from([*PRIORITIES, None]),
        "patient_class": st.sampled_from([*CLASSES, None]),
        "ordering_physician": st.sampled_from([*PHYSICIANS, None]),
        "reading_radiologist": st.sampled_from([*RADIOLOGISTS, None]),
        "location": st.sampled_from([*LOCATIONS, None]),
    }
)
exports = st.lists(exam, min_size=8, max_size=80)

# Mostly no filter, so most examples keep enough exams to tell bugs apart.
filter_specs = st.fixed_dictionaries(
    {
        "modality": st.sampled_from([(), (), (), ("CT",), ("mr", "PET"), ("PET",)]),
        "priority": st.sampled_from([(), (), (), ("STAT",), ("Routine",)]),
        "shift": st.sampled_from([(), (), (), ("night",), ("day", "evening")]),
        "radiologist": st.sampled_from([(), (), (), ("DR ADAMS",), ("Baker", "x")]),
        "location": st.sampled_from([(), (), (), ("North MR",), ("ed xr",)]),
        "days": st.sampled_from(["all", "all", "all", "weekday", "weekend"]),
        # Dates of generated exams (by index), so the inclusive ends matter.
        "start": st.one_of(st.none(), st.none(), st.integers(0, 1000)),
        "end": st.one_of(st.none(), st.none(), st.integers(0, 1000)),
    }
)


TIME_COLUMNS = ("completed_at", "ordered_at", "finalized_at", "preliminary_at")
TEXT_COLUMNS = (
    "modality",
    "priority",
    "patient_class",
    "ordering_physician",
    "reading_radiologist",
    "location",
)


def raw_frame(exams: list[dict]) -> pd.DataFrame:
    """Return the export as plain columns: strings and timestamps."""
    rows = []
    for e in exams:
        done = None
        if e["completed"] is not None:
            done = EPOCH + dt.timedelta(seconds=e["completed"])
        ordered = final = prelim = None
        if done is not None and e["to_prelim"] is not None:
            prelim = done + dt.timedelta(seconds=e["to_prelim"])
        if done is not None and e["to_complete"] is not None:
            ordered = done - dt.timedelta(seconds=e["to_complete"])
        if done is not None and e["to_final"] is not None:
            final = done + dt.timedelta(seconds=e["to_final"])
        rows.append(
            {
                "completed_at": done,
                "ordered_at": ordered,
                "finalized_at": final,
                "preliminary_at": prelim,
                **{k: e[k] for k in TEXT_COLUMNS},
            }
        )
    columns = [*TIME_COLUMNS, *TEXT_COLUMNS]
    frame = pd.DataFrame(rows, columns=columns)
    for name in TIME_COLUMNS:
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[us]")
    for name in TEXT_COLUMNS:
        frame[name] = frame[name].astype(object)
    return frame


def canonical(raw: pd.DataFrame) -> pd.DataFrame:
    """Return the export as ingest hands it over (categoricals, intervals)."""
    frame = raw.copy()
    for name in TEXT_COLUMNS:
        frame[name] = pd.Categorical(raw[name])
    for name, (start, end) in fields.INTERVALS.items():
        frame[name] = (raw[end] - raw[start]).dt.total_seconds() / 60
    frame["accession"] = pd.Series([f"A{i}" for i in range(len(raw))], dtype="string")
    return frame


def spec_of(choice: dict, raw: pd.DataFrame, **view) -> FilterSpec:
    """Return the spec of a filter choice; start and end pick exam dates."""
    days = sorted(raw["completed_at"].dropna().dt.date)
    start, end = (
        days[choice[k] % len(days)] if days and choice[k] is not None else None
        for k in ("start", "end")
    )
    if start and end and start > end:
        start, end = end, start
    return FilterSpec(
        modality=choice["modality"],
        priority=choice["priority"],
        shift=choice["shift"],
        radiologist=choice["radiologist"],
        location=choice["location"],
        days=choice["days"],
        start=start,
        end=end,
        **view,
    )


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == pytest.approx(b, rel=1e-9, abs=1e-9)


series_views = st.fixed_dictionaries(
    {
        "metric": st.sampled_from(
            ["volume", "ordered", "complete_ratio", *INTERVAL_SQL]
        ),
        "stat": st.sampled_from(fields.STATS),
        "split": st.sampled_from(list(GROUP_SQL)),
        "target": st.one_of(st.none(), st.sampled_from([0.5, 30, 60, 240.5])),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exams=exports, choice=filter_specs, view=series_views)
def test_series_matches_duckdb(exams, choice, view):
    raw = raw_frame(exams)
    frame = prepare_frame(canonical(raw), shifts=default_shifts())
    con = connect(raw)
    # Every period on each export: bucket bugs show on any data.
    if view["metric"] in INTERVAL_SQL and view["metric"] not in reference_intervals(
        con
    ):
        # No exam has both times: the interval is absent, asking is a 400.
        with pytest.raises(FilterError, match="Available: volume"):
            build_series(frame, spec=spec_of(choice, raw, **view))
        return
    for period in fields.PERIODS:
        spec = spec_of(choice, raw, period=period, **view)
        check_series(build_series(frame, spec=spec), spec, *reference_series(con, spec))


def check_series(result: dict, spec: FilterSpec, x, cells, excluded) -> None:
    assert result["x"] == x, spec.period
    assert result["excluded"] == excluded
    seen = set()
    for one in result["series"]:
        for label, y, n in zip(result["x"], one["y"], one["n"], strict=True):
            key = (one["name"], label)
            if key in cells:
                seen.add(key)
                want_y, want_n = cells[key]
                assert n == want_n, key
                assert close(y, want_y), (key, y, want_y)
            else:
                # A gap: nothing behind it.
                assert n == 0, key
                assert y == (0 if spec.metric in ("volume", "ordered") else None)
    assert seen == set(cells)
    if spec.split == "none":
        assert [s["name"] for s in result["series"]] == ["All"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    exams=exports,
    choice=filter_specs,
    by=st.one_of(
        st.sampled_from(BY_NAMES),
        # A cross table of two different dimensions.
        st.lists(st.sampled_from(BY_NAMES), min_size=2, max_size=2, unique=True).map(
            ",".join
        ),
    ),
    target=st.one_of(st.none(), st.sampled_from([45, 60.5, 1440])),
)
def test_summary_matches_duckdb(exams, choice, by, target):
    raw = raw_frame(exams)
    frame = prepare_frame(canonical(raw), shifts=default_shifts())
    spec = spec_of(choice, raw, by=by, target=target)
    result = build_summary(frame, spec=spec)
    con = connect(raw)
    intervals = reference_intervals(con)
    expected = reference_summary(con, spec)
    cross = "," in by
    groups = [tuple(r["group"]) if cross else r["group"] for r in result["rows"]]
    assert set(groups) == set(expected)
    assert len(groups) == len(expected)  # each combination once
    assert result["total"]["exams"] == sum(e["exams"] for e in expected.values())
    absent = {"group", "exams"}
    for group, row in zip(groups, result["rows"], strict=True):
        want = expected[group]
        assert row["exams"] == want["exams"]
        # Only the intervals the export has (both times somewhere) appear.
        assert set(row) - absent == set(intervals)
        for v in intervals:
            for key, value in want[v].items():
                assert close(row[v][key], value), (row["group"], v, key)
    total = reference_summary(con, FilterSpec(**{**spec.__dict__, "by": "modality"}))
    assert set(result["total"]) - absent == set(intervals)
    for v in intervals:
        valid = np.array(
            con.execute(
                f"SELECT {INTERVAL_SQL[v]} FROM exams "
                f"WHERE {where(spec, 'completed_at')} AND {INTERVAL_SQL[v]} >= 0"
            ).fetchall(),
            dtype=float,
        ).ravel()
        assert result["total"][v]["n"] == len(valid)
        assert result["total"][v]["negative"] == sum(
            e[v]["negative"] for e in total.values()
        )
        if len(valid):
            assert close(result["total"][v]["median"], float(np.median(valid)))
            assert close(result["total"][v]["p90"], float(np.quantile(valid, 0.9)))
        else:
            assert result["total"][v]["median"] is None
