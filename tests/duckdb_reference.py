"""The DuckDB reference: series and summaries in SQL written from docs/API.md.

The reference never sees our code: DuckDB reads the raw exams (plain
strings and timestamps), computes intervals, shifts, weekdays and bucket
labels itself, filters with SQL and aggregates with ``quantile_cont``
(linear interpolation, as numpy), ``avg`` and ``count``.
"""

import duckdb
import pandas as pd

from exams import fields
from exams.query.filters import FilterSpec

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
    "radiologist": "coalesce(reading_radiologist, '(blank)')",
    "location": "coalesce(location, '(blank)')",
    "shift": "coalesce(" + SHIFT_SQL + ", '(blank)')",
    "days": (
        "CASE WHEN {t} IS NULL THEN '(blank)' "
        "WHEN isodow({t}) IN (6, 7) THEN 'weekend' ELSE 'weekday' END"
    ),
}
# CONTRACT §3, written out here rather than read from exams.fields.
INTERVAL_SQL = {
    name: f"date_diff('second', {start}, {end}) / 60.0"
    for name, (start, end) in {
        "order_to_complete": ("ordered_at", "completed_at"),
        "complete_to_final": ("completed_at", "finalized_at"),
        "order_to_final": ("ordered_at", "finalized_at"),
        "complete_to_preliminary": ("completed_at", "preliminary_at"),
        "preliminary_to_final": ("preliminary_at", "finalized_at"),
    }.items()
}
# The query parameter of each text filter and the raw column it matches.
TEXT_FILTERS = {
    "modality": "modality",
    "priority": "priority",
    "patient_class": "patient_class",
    "physician": "ordering_physician",
    "radiologist": "reading_radiologist",
    "location": "location",
}
# Default targets, case-insensitive: DOMAIN's rules judge report TAT
# (complete -> final); every other interval gets the 24 h default.
TARGET_SQL = {
    name: """CASE
    WHEN lower(trim(patient_class)) IN ('ed', 'emergency') THEN 60
    WHEN lower(trim(priority)) = 'stat' THEN 60
    WHEN lower(trim(patient_class)) IN ('inpatient', 'ip') THEN 240
    ELSE 1440 END"""
    if name == "complete_to_final"
    else "1440"
    for name in fields.INTERVALS
}
QUANTILE = {"median": 0.5, "p75": 0.75, "p90": 0.9}


def where(spec: FilterSpec, t: str) -> str:
    """Return the SQL filter of a spec on time column ``t``."""
    clauses = ["TRUE"]
    for param, column in TEXT_FILTERS.items():
        wanted = getattr(spec, param)
        if wanted:
            values = ", ".join(f"'{v.lower()}'" for v in wanted)
            clauses.append(f"lower({column}) IN ({values})")
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
    targets = ", ".join(f"{sql} AS target_{name}" for name, sql in TARGET_SQL.items())
    return (
        f"SELECT {t} AS t, {label} AS label, {group} AS g, {targets}, "
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
    if spec.metric in INTERVAL_SQL:
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
            limit = spec.target if spec.target is not None else f"target_{v}"
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


SUMMARY_SQL = """
    SELECT {groups}, count(*) AS exams, {columns}
    FROM ({side}) GROUP BY ALL"""


def reference_intervals(con) -> list[str]:
    """Return the intervals a data set offers: the three TAT intervals always,
    a preliminary one when some exam of the whole export has both its times."""
    optional = {i.name for i in fields.INTERVAL_LIST if i.optional}
    return [
        name
        for name, sql in INTERVAL_SQL.items()
        if name not in optional
        or con.execute(f"SELECT count({sql}) FROM exams").fetchone()[0]
    ]


def reference_summary(con, spec: FilterSpec) -> dict:
    """Return {group: entry}; a tuple of groups for by=a,b."""
    keys = spec.by.split(",")
    group = ", ".join(
        GROUP_SQL[k].format(t="completed_at") + f" AS g{i}" for i, k in enumerate(keys)
    )
    intervals = ", ".join(f"{sql} AS {name}" for name, sql in INTERVAL_SQL.items())
    targets = ", ".join(f"{TARGET_SQL[name]} AS target_{name}" for name in INTERVAL_SQL)
    side = (
        f"SELECT {group}, {targets}, {intervals} FROM exams "
        f"WHERE {where(spec, 'completed_at')}"
    )
    parts = []
    for v in INTERVAL_SQL:
        limit = spec.target if spec.target is not None else f"target_{v}"
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
    groups = ", ".join(f"g{i}" for i in range(len(keys)))
    rows = con.execute(
        SUMMARY_SQL.format(groups=groups, columns=", ".join(parts), side=side)
    ).fetchall()
    stat_keys = ("n", "median", "mean", "p75", "p90", "within", "negative", "missing")
    result = {}
    for row in rows:
        g, (exams, *values) = row[: len(keys)], row[len(keys) :]
        entry = {"exams": exams}
        for i, v in enumerate(INTERVAL_SQL):
            entry[v] = dict(zip(stat_keys, values[i * 8 : i * 8 + 8], strict=True))
        result[g[0] if len(keys) == 1 else tuple(g)] = entry
    return result
