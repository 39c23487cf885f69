"""Time the analysis on a 1M-exam frame against DuckDB answering the same queries.

Run from the project root: ``.venv/bin/python benchmarks/bench_analysis.py``
(``--rows N`` for another size). Prints, per query, the best and median
wall time of our pandas code and of DuckDB over the same in-memory pandas
frame, and the largest difference between their numbers (a cross-check, not
a test: tests/test_analysis_reference.py is the test).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exams import analysis, fields
from exams.analysis.frame.shifts import default_shifts
from exams.query.filters import parse_query

MODALITIES = ["XR", "CT", "MR", "US", "NM", "MG", "FL", "IR", "PET"]
MODALITY_SHARE = [0.45, 0.2, 0.1, 0.12, 0.02, 0.05, 0.02, 0.02, 0.02]
REPEATS = 7


def make_frame(rows: int, *, seed: int = 0) -> pd.DataFrame:
    """Return a canonical frame of ``rows`` exams over two years (numpy only)."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2023-01-01T00:00:00", "s").astype(np.int64)
    completed = np.sort(start + rng.integers(0, 2 * 365 * 86400, rows))
    to_complete = (rng.gamma(2.0, 60.0, rows) * 60).astype(np.int64)
    to_final = rng.gamma(1.5, 120.0, rows) * 60
    # 1 % signed before completion, as dictation systems do.
    early = rng.random(rows) < 0.01
    to_final[early] = -to_final[early] / 10

    def times(seconds, missing_share=0.0):
        values = seconds.astype("datetime64[s]").astype("datetime64[ns]")
        values[rng.random(rows) < missing_share] = np.datetime64("NaT")
        return values

    def pick(values, share=None):
        return pd.Categorical(rng.choice(np.array(values, dtype=object), rows, p=share))

    frame = pd.DataFrame(
        {
            fields.ACCESSION: "A"
            + pd.Series(np.arange(rows)).astype("string").str.zfill(8),
            fields.EXAM_NAME: pick([f"EXAM {i}" for i in range(300)]),
            fields.MODALITY: pick(MODALITIES, MODALITY_SHARE),
            fields.ORDERED_AT: times(completed - to_complete, 0.02),
            fields.STARTED_AT: times(completed - 600, 0.3),
            fields.COMPLETED_AT: times(completed),
            fields.PRELIMINARY_AT: times(completed + 300, 0.5),
            fields.FINALIZED_AT: times(completed + to_final.astype(np.int64), 0.05),
            fields.PRIORITY: pick(["STAT", "Urgent", "Routine"], [0.2, 0.2, 0.6]),
            fields.ORDERING_PHYSICIAN: pick([f"DOE{i}, JOHN MD" for i in range(2000)]),
            fields.PATIENT_CLASS: pick(
                ["ED", "Inpatient", "Outpatient", None], [0.3, 0.3, 0.38, 0.02]
            ),
            fields.READING_RADIOLOGIST: pick([f"RAD {i}" for i in range(60)]),
            fields.LOCATION: pick([f"ROOM {i}" for i in range(30)]),
            fields.STATUS: pick(["Final"]),
        }
    )
    for name, (begin, end) in fields.INTERVALS.items():
        frame[name] = (frame[end] - frame[begin]).dt.total_seconds() / 60
    return frame


def timed(function, repeats: int = REPEATS) -> tuple[float, float, object]:
    """Return best and median milliseconds of ``function()`` and its result."""
    times, result = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - began) * 1000)
    return min(times), statistics.median(times), result


# Each case: a query string for our code, and DuckDB SQL giving
# (group, bucket, value) rows for the same numbers.
SERIES_CASES = [
    (
        "volume by month, no filter",
        "period=month&metric=volume",
        """SELECT 'All' AS g, strftime(completed_at, '%Y-%m') AS b, count(*) AS v
           FROM exams GROUP BY ALL""",
    ),
    (
        "CT report TAT median by week, split priority",
        "modality=CT&metric=complete_to_final&stat=median&period=week&split=priority",
        """SELECT CAST(priority AS VARCHAR) AS g,
                  strftime(date_trunc('week', completed_at), '%Y-%m-%d') AS b,
                  quantile_cont(complete_to_final, 0.5) AS v
           FROM exams WHERE modality = 'CT' AND complete_to_final >= 0
           GROUP BY ALL""",
    ),
    (
        "ED night weekend, 6 months, total TAT p90 by day",
        "patient_class=ED&shift=night&days=weekend&start=2024-01-01&end=2024-06-30"
        "&metric=order_to_final&stat=p90&period=day",
        """SELECT 'All' AS g, strftime(completed_at, '%Y-%m-%d') AS b,
                  quantile_cont(order_to_final, 0.9) AS v
           FROM exams
           WHERE patient_class = 'ED' AND order_to_final >= 0
             AND (hour(completed_at) >= 23 OR hour(completed_at) < 7)
             AND isodow(completed_at) >= 6
             AND completed_at >= DATE '2024-01-01'
             AND completed_at < DATE '2024-07-01'
           GROUP BY ALL""",
    ),
    (
        "% within 60 min report TAT by month, split modality",
        "metric=complete_to_final&stat=within&target=60&split=modality",
        """SELECT CAST(modality AS VARCHAR) AS g, strftime(completed_at, '%Y-%m') AS b,
                  100.0 * avg(CASE WHEN complete_to_final <= 60 THEN 1 ELSE 0 END) AS v
           FROM exams WHERE complete_to_final >= 0 GROUP BY ALL""",
    ),
    (
        "order→complete mean by month, split physician (2000)",
        "metric=order_to_complete&stat=mean&split=physician",
        """SELECT CAST(ordering_physician AS VARCHAR) AS g,
                  strftime(completed_at, '%Y-%m') AS b, avg(order_to_complete) AS v
           FROM exams WHERE order_to_complete >= 0 GROUP BY ALL""",
    ),
    (
        "complete ratio by week, split shift",
        "metric=complete_ratio&period=week&split=shift",
        """WITH c AS (SELECT date_trunc('week', completed_at) AS b,
                             CASE WHEN hour(completed_at) BETWEEN 7 AND 14 THEN 'day'
                                  WHEN hour(completed_at) BETWEEN 15 AND 22
                                  THEN 'evening' ELSE 'night' END AS g,
                             count(*) AS n FROM exams GROUP BY ALL),
                o AS (SELECT date_trunc('week', ordered_at) AS b,
                             CASE WHEN hour(ordered_at) BETWEEN 7 AND 14 THEN 'day'
                                  WHEN hour(ordered_at) BETWEEN 15 AND 22
                                  THEN 'evening' ELSE 'night' END AS g,
                             count(*) AS n FROM exams
                      WHERE ordered_at IS NOT NULL GROUP BY ALL)
           SELECT o.g AS g, strftime(o.b, '%Y-%m-%d') AS b, c.n / o.n AS v
           FROM o LEFT JOIN c USING (b, g)""",
    ),
]

SUMMARY_CASES = [
    ("summary by modality, no filter", "by=modality"),
    ("summary by physician, STAT only", "by=physician&priority=STAT"),
]
SUMMARY_SQL = """
    SELECT CAST({column} AS VARCHAR) AS g,
           quantile_cont(v, [0.5, 0.75, 0.9]) AS q, avg(v) AS mean, count(v) AS n
    FROM (SELECT {column}, CASE WHEN {metric} >= 0 THEN {metric} END AS v
          FROM exams {where})
    GROUP BY ALL"""

LIST_CASES = [
    ("exam list page 1, sort -complete_to_final", "sort=-complete_to_final"),
    ("exam list page 50, CT, sort completed_at", "modality=CT&page=50"),
]


def _spec(query: str):
    return parse_query({k: [v] for k, v in (p.split("=") for p in query.split("&"))})


def _series_values(result: dict) -> dict:
    values = {}
    for one in result["series"]:
        for label, y in zip(result["x"], one["y"], strict=True):
            if y is not None:
                values[(one["name"], label)] = y
    return values


def _max_difference(ours: dict, theirs: dict) -> float:
    keys = set(ours) | set(theirs)
    if set(ours) != set(theirs):
        return float("inf")
    return max((abs(ours[k] - theirs[k]) for k in keys), default=0.0)


def _row(label: str, ours, theirs, difference) -> None:
    print(
        f"{label:<52} {ours[0]:>8.1f} {ours[1]:>8.1f} "
        f"{theirs[0]:>8.1f} {theirs[1]:>8.1f}   {difference}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"Building a {args.rows:,}-exam canonical frame …")
    raw = make_frame(args.rows)
    began = time.perf_counter()
    frame = analysis.prepare_frame(raw, shifts=default_shifts())
    print(f"prepare_frame: {(time.perf_counter() - began) * 1000:.0f} ms (once/load)")
    connection = duckdb.connect()
    connection.register("exams", frame)
    print(
        f"\n{'query':<52} {'pandas ms':>17} {'duckdb ms':>17}   max |diff|\n"
        f"{'':<52} {'best':>8} {'median':>8} {'best':>8} {'median':>8}"
    )
    for label, query, sql in SERIES_CASES:
        spec = _spec(query)
        ours = timed(lambda spec=spec: analysis.build_series(frame, spec=spec))
        theirs = timed(lambda sql=sql: connection.execute(sql).fetchall())
        reference = {(g, b): v for g, b, v in theirs[2] if v is not None}
        _row(label, ours, theirs, _max_difference(_series_values(ours[2]), reference))
    for label, query in SUMMARY_CASES:
        spec = _spec(query)
        column = fields.SPLIT_FIELDS[spec.by]
        where = "WHERE priority = 'STAT'" if spec.priority else ""
        sql = SUMMARY_SQL.format(column=column, metric="complete_to_final", where=where)
        all_sql = " UNION ALL ".join(
            SUMMARY_SQL.format(column=column, metric=m, where=where)
            for m in fields.INTERVALS
        )
        ours = timed(lambda spec=spec: analysis.build_summary(frame, spec=spec))
        theirs = timed(lambda sql=all_sql: connection.execute(sql).fetchall())
        reference = {g: q[0] for g, q, _, _ in connection.execute(sql).fetchall()}
        mine = {r["group"]: r["complete_to_final"]["median"] for r in ours[2]["rows"]}
        _row(label, ours, theirs, _max_difference(mine, reference))
    for label, query in LIST_CASES:
        spec = _spec(query)
        direction = "DESC" if spec.descending else "ASC"
        where = "WHERE modality = 'CT'" if spec.modality else ""
        sql = (
            f"SELECT accession FROM exams {where} "
            f"ORDER BY {spec.sort_field} {direction} NULLS LAST "
            f"LIMIT {spec.page_size} OFFSET {(spec.page - 1) * spec.page_size}"
        )
        ours = timed(lambda spec=spec: analysis.build_exam_list(frame, spec=spec))
        theirs = timed(lambda sql=sql: connection.execute(sql).fetchall())
        mine = [r["accession"] for r in ours[2]["rows"]]
        same = "same page" if mine == [a for (a,) in theirs[2]] else "ties differ"
        _row(label, ours, theirs, same)


if __name__ == "__main__":
    main()
