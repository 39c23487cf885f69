"""Random small exports: our numbers against DuckDB SQL written from CONTRACT §3.

The reference never sees our code: DuckDB reads the raw exams (plain
strings and timestamps), computes intervals, shifts, weekdays and bucket
labels itself, filters with SQL and aggregates with ``quantile_cont``
(linear interpolation, as numpy), ``avg`` and ``count``.
"""

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exams import fields
from exams.analysis import build_series, build_summary, prepare_frame
from exams.filters import FilterSpec
from exams.shifts import default_shifts

EPOCH = dt.datetime(2023, 12, 20)
SPAN_MINUTES = 400 * 24 * 60  # into January 2025: two year ends
MODALITIES = ["CT", "MR", "XR"]
PRIORITIES = ["STAT", "stat", "Routine"]
CLASSES = ["ED", "Emergency", "Inpatient", "Outpatient", "OP"]
PHYSICIANS = ["SMITH, JOHN", "=cmd", "Doe"]

SHIFT_SQL = (
    "CASE WHEN {t} IS NULL THEN NULL "
    "WHEN hour({t}) >= 7 AND hour({t}) < 15 THEN 'day' "
    "WHEN hour({t}) >= 15 AND hour({t}) < 23 THEN 'evening' ELSE 'night' END"
)
LABEL_SQL = {
    "day": "strftime({t}, '%Y-%m-%d')",
    "week": "strftime(date_trunc('week', {t}), '%Y-%m-%d')",
    "month": "strftime({t}, '%Y-%m')",
    "quarter": "CAST(year({t}) AS VARCHAR) || '-Q' || CAST(quarter({t}) AS VARCHAR)",
    "year": "CAST(year({t}) AS VARCHAR)",
}
STEP = {
    "day": "1 day",
    "week": "1 week",
    "month": "1 month",
    "quarter": "3 months",
    "year": "1 year",
}
GROUP_SQL = {
    "none": "'All'",
    "modality": "coalesce(modality, '(blank)')",
    "priority": "coalesce(priority, '(blank)')",
    "patient_class": "coalesce(patient_class, '(blank)')",
    "physician": "coalesce(ordering_physician, '(blank)')",
    "shift": "coalesce(" + SHIFT_SQL + ", '(blank)')",
}
INTERVAL_SQL = {
    name: f"date_diff('second', {start}, {end}) / 60.0"
    for name, (start, end) in fields.INTERVALS.items()
}
# CONTRACT / DOMAIN default targets, case-insensitive.
TARGET_SQL = """CASE
    WHEN lower(trim(patient_class)) IN ('ed', 'emergency') THEN 60
    WHEN lower(trim(priority)) = 'stat' THEN 60
    WHEN lower(trim(patient_class)) IN ('inpatient', 'ip') THEN 240
    ELSE 1440 END"""
QUANTILE = {"median": 0.5, "p75": 0.75, "p90": 0.9}
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
        "modality": st.sampled_from([*MODALITIES, None]),
        "priority": st.sampled_from([*PRIORITIES, None]),
        "patient_class": st.sampled_from([*CLASSES, None]),
        "ordering_physician": st.sampled_from([*PHYSICIANS, None]),
    }
)
exports = st.lists(exam, min_size=8, max_size=80)

# Mostly no filter, so most examples keep enough exams to tell bugs apart.
filter_specs = st.fixed_dictionaries(
    {
        "modality": st.sampled_from([(), (), (), ("CT",), ("mr", "PET"), ("PET",)]),
        "priority": st.sampled_from([(), (), (), ("STAT",), ("Routine",)]),
        "shift": st.sampled_from([(), (), (), ("night",), ("day", "evening")]),
        "days": st.sampled_from(["all", "all", "all", "weekday", "weekend"]),
        # Dates of generated exams (by index), so the inclusive ends matter.
        "start": st.one_of(st.none(), st.none(), st.integers(0, 1000)),
        "end": st.one_of(st.none(), st.none(), st.integers(0, 1000)),
    }
)


def raw_frame(exams: list[dict]) -> pd.DataFrame:
    """Return the export as plain columns: strings and timestamps."""
    rows = []
    for e in exams:
        done = None
        if e["completed"] is not None:
            done = EPOCH + dt.timedelta(seconds=e["completed"])
        ordered = final = None
        if done is not None and e["to_complete"] is not None:
            ordered = done - dt.timedelta(seconds=e["to_complete"])
        if done is not None and e["to_final"] is not None:
            final = done + dt.timedelta(seconds=e["to_final"])
        rows.append(
            {
                "completed_at": done,
                "ordered_at": ordered,
                "finalized_at": final,
                **{k: e[k] for k in fields.FILTER_FIELDS.values() if k in e},
            }
        )
    columns = [
        "completed_at",
        "ordered_at",
        "finalized_at",
        "modality",
        "priority",
        "patient_class",
        "ordering_physician",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    for name in ("completed_at", "ordered_at", "finalized_at"):
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[us]")
    for name in columns[3:]:
        frame[name] = frame[name].astype(object)
    return frame


def canonical(raw: pd.DataFrame) -> pd.DataFrame:
    """Return the export as ingest hands it over (categoricals, intervals)."""
    frame = raw.copy()
    for name in ("modality", "priority", "patient_class", "ordering_physician"):
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
        days=choice["days"],
        start=start,
        end=end,
        **view,
    )


def where(spec: FilterSpec, t: str) -> str:
    """Return the SQL filter of a spec on time column ``t``."""
    clauses = ["TRUE"]
    if spec.modality:
        values = ", ".join(f"'{v.lower()}'" for v in spec.modality)
        clauses.append(f"lower(modality) IN ({values})")
    if spec.priority:
        values = ", ".join(f"'{v.lower()}'" for v in spec.priority)
        clauses.append(f"lower(priority) IN ({values})")
    if spec.shift:
        values = ", ".join(f"'{v}'" for v in spec.shift)
        clauses.append(f"({SHIFT_SQL.format(t=t)}) IN ({values})")
    if spec.days == "weekend":
        clauses.append(f"isodow({t}) IN (6, 7)")
    if spec.days == "weekday":
        clauses.append(f"isodow({t}) <= 5")
    if spec.start:
        clauses.append(f"{t} >= DATE '{spec.start}'")
    if spec.end:
        clauses.append(f"{t} < DATE '{spec.end}' + INTERVAL 1 DAY")
    return " AND ".join(f"({c})" for c in clauses)


def side_sql(spec: FilterSpec, t: str) -> str:
    """Return the filtered exams of one time axis with label and group."""
    group = GROUP_SQL[spec.split].format(t=t)
    label = LABEL_SQL[spec.period].format(t=t)
    intervals = ", ".join(f"{sql} AS {name}" for name, sql in INTERVAL_SQL.items())
    return (
        f"SELECT {t} AS t, {label} AS label, {group} AS g, {TARGET_SQL} AS target, "
        f"{intervals} FROM exams WHERE {where(spec, t)}"
    )


def reference_series(con, spec: FilterSpec) -> tuple[list, dict, dict]:
    """Return x, {(group, label): (y, n)} and excluded counts."""
    completed = side_sql(spec, "completed_at")
    ordered = side_sql(spec, "ordered_at")
    sides = {
        "volume": [completed],
        "ordered": [ordered],
        "complete_ratio": [completed, ordered],
    }.get(spec.metric, [completed])
    union = " UNION ALL ".join(
        f"SELECT t FROM ({s}) WHERE t IS NOT NULL" for s in sides
    )
    first, last = con.execute(f"SELECT min(t), max(t) FROM ({union})").fetchone()
    x = []
    if first is not None:
        label = LABEL_SQL[spec.period].format(t="r")
        unit = {"quarter": "quarter"}.get(spec.period, spec.period)
        x = [
            row[0]
            for row in con.execute(
                f"SELECT {label} FROM range(date_trunc('{unit}', ?::TIMESTAMP), "
                f"date_trunc('{unit}', ?::TIMESTAMP) + INTERVAL {STEP[spec.period]}, "
                f"INTERVAL {STEP[spec.period]}) AS t(r)",
                [first, last],
            ).fetchall()
        ]
    missing = sum(
        con.execute(f"SELECT count(*) FROM ({s}) WHERE t IS NULL").fetchone()[0]
        for s in sides
    )
    negative = 0
    if spec.metric in fields.INTERVALS:
        v = spec.metric
        missing += con.execute(
            f"SELECT count(*) FROM ({completed}) WHERE t IS NOT NULL AND {v} IS NULL"
        ).fetchone()[0]
        negative = con.execute(
            f"SELECT count(*) FROM ({completed}) WHERE t IS NOT NULL AND {v} < 0"
        ).fetchone()[0]
    cells = _cells(con, spec, completed, ordered)
    return x, cells, {"missing": missing, "negative": negative}


def _cells(con, spec: FilterSpec, completed: str, ordered: str) -> dict:
    if spec.metric in ("volume", "ordered"):
        side = completed if spec.metric == "volume" else ordered
        sql = f"SELECT g, label, count(*), count(*) FROM ({side}) WHERE t IS NOT NULL"
    elif spec.metric == "complete_ratio":
        sql = f"""
            WITH c AS (SELECT g, label, count(*) AS n FROM ({completed})
                       WHERE t IS NOT NULL GROUP BY ALL),
                 o AS (SELECT g, label, count(*) AS n FROM ({ordered})
                       WHERE t IS NOT NULL GROUP BY ALL)
            SELECT g, label, CASE WHEN o.n > 0 THEN coalesce(c.n, 0) / o.n END,
                   coalesce(o.n, 0)
            FROM c FULL OUTER JOIN o USING (g, label)"""
        return {(g, b): (y, n) for g, b, y, n in con.execute(sql).fetchall()}
    else:
        v = spec.metric
        valid = f"{v} >= 0"
        if spec.stat == "mean":
            value = f"avg({v}) FILTER (WHERE {valid})"
        elif spec.stat == "within":
            limit = spec.target if spec.target is not None else "target"
            value = (
                f"100.0 * avg(CASE WHEN {v} <= {limit} THEN 1.0 ELSE 0.0 END) "
                f"FILTER (WHERE {valid})"
            )
        else:
            value = f"quantile_cont({v}, {QUANTILE[spec.stat]}) FILTER (WHERE {valid})"
        sql = (
            f"SELECT g, label, {value}, count(*) FILTER (WHERE {valid}) "
            f"FROM ({completed}) WHERE t IS NOT NULL"
        )
    rows = con.execute(sql + " GROUP BY ALL").fetchall()
    return {(g, b): (y, n) for g, b, y, n in rows}


def connect(raw: pd.DataFrame):
    con = duckdb.connect()
    con.register("exams", raw)
    return con


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == pytest.approx(b, rel=1e-9, abs=1e-9)


series_views = st.fixed_dictionaries(
    {
        "metric": st.sampled_from(fields.METRICS),
        "stat": st.sampled_from(fields.STATS),
        "split": st.sampled_from(fields.SPLITS),
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


SUMMARY_SQL = """
    SELECT g, count(*) AS exams, {columns}
    FROM ({side}) GROUP BY ALL"""


def reference_summary(con, spec: FilterSpec) -> dict:
    side = side_sql(FilterSpec(**{**spec.__dict__, "split": spec.by}), "completed_at")
    limit = spec.target if spec.target is not None else "target"
    parts = []
    for v in fields.INTERVALS:
        ok = f"FILTER (WHERE {v} >= 0)"
        parts += [
            f"count(*) {ok}",
            f"quantile_cont({v}, 0.5) {ok}",
            f"avg({v}) {ok}",
            f"quantile_cont({v}, 0.75) {ok}",
            f"quantile_cont({v}, 0.9) {ok}",
            f"100.0 * avg(CASE WHEN {v} <= {limit} THEN 1.0 ELSE 0.0 END) {ok}",
            f"count(*) FILTER (WHERE {v} < 0)",
            f"count(*) FILTER (WHERE {v} IS NULL)",
        ]
    rows = con.execute(
        SUMMARY_SQL.format(columns=", ".join(parts), side=side)
    ).fetchall()
    keys = ("n", "median", "mean", "p75", "p90", "within", "negative", "missing")
    result = {}
    for g, exams, *values in rows:
        entry = {"exams": exams}
        for i, v in enumerate(fields.INTERVALS):
            entry[v] = dict(zip(keys, values[i * 8 : i * 8 + 8], strict=True))
        result[g] = entry
    return result


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    exams=exports,
    choice=filter_specs,
    by=st.sampled_from(fields.BY_CHOICES),
    target=st.one_of(st.none(), st.sampled_from([45, 60.5, 1440])),
)
def test_summary_matches_duckdb(exams, choice, by, target):
    raw = raw_frame(exams)
    frame = prepare_frame(canonical(raw), shifts=default_shifts())
    spec = spec_of(choice, raw, by=by, target=target)
    result = build_summary(frame, spec=spec)
    con = connect(raw)
    expected = reference_summary(con, spec)
    assert {r["group"] for r in result["rows"]} == set(expected)
    assert result["total"]["exams"] == sum(e["exams"] for e in expected.values())
    for row in result["rows"]:
        want = expected[row["group"]]
        assert row["exams"] == want["exams"]
        for v in fields.INTERVALS:
            for key, value in want[v].items():
                assert close(row[v][key], value), (row["group"], v, key)
    total = reference_summary(con, FilterSpec(**{**spec.__dict__, "by": "modality"}))
    for v in fields.INTERVALS:
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
