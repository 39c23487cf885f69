"""Refresh: /api/series, /api/summary and /api/exams against DuckDB, same rows.

Run from the project root: ``.venv/bin/python benchmarks/bench_refresh.py``
(``--rows N`` for another size). A generated export is loaded through the
app's own store (ingest, cache, prepared frame) in this process; then a
sequence of typical dashboard changes, each a new filter combination, is
asked of the three endpoints through Django's test client (the full request:
middleware, query parsing, analysis, JSON). The reference is DuckDB holding
the same prepared rows as a native in-memory table and answering equivalent
SQL (``refresh_sql.py``: filter, group by bucket, median / quantile_cont /
avg / count), timed until its rows are Python objects. Each figure is the
best of ``--repeat`` runs (the app keeps no result cache, so a repeat costs
what a new combination costs); "compute" is the analysis function alone,
without Django and JSON. The last column cross-checks the numbers: the
largest difference between our series values and DuckDB's.
"""

import argparse
import math
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
from refresh_sql import duckdb_table, exams_sql, series_sql, summary_sql, target_sql

# A session at the dashboard: each step changes one or two controls.
STEPS = (
    ("open: volume by month", ""),
    ("tick CT", "modality=CT"),
    ("+ STAT", "modality=CT&priority=STAT"),
    ("+ night shift", "modality=CT&priority=STAT&shift=night"),
    (
        "+ Q2 dates",
        "modality=CT&priority=STAT&shift=night&start=2025-04-01&end=2025-06-30",
    ),
    (
        "report TAT median, split modality",
        "start=2025-04-01&end=2025-06-30&metric=complete_to_final&split=modality",
    ),
    (
        "p90 by week, weekends",
        "metric=complete_to_final&stat=p90&split=modality&period=week&days=weekend",
    ),
    (
        "ED, % within target, split shift",
        "patient_class=ED&metric=order_to_final&stat=within&split=shift",
    ),
    (
        "shift ratio by day, split shift",
        "metric=complete_ratio&split=shift&period=day",
    ),
    (
        "mean report TAT, split physician",
        "metric=complete_to_final&stat=mean&split=physician",
    ),
    (
        "CT+MR inpatient p75 by quarter, split priority",
        "modality=CT&modality=MR&patient_class=Inpatient&metric=order_to_complete"
        "&stat=p75&period=quarter&split=priority",
    ),
    (
        "weekday evenings, US, volume by day",
        "modality=US&days=weekday&shift=evening&period=day",
    ),
)


def step_urls(query: str) -> dict[str, str]:
    """Return the four requests a dashboard step makes, by name.

    The summary is grouped by the step's split (by modality when none).
    """
    by = "modality"
    for part in query.split("&"):
        if part.startswith("split=") and part != "split=none":
            by = part.split("=", 1)[1]
    return {
        "series": f"/api/series?{query}",
        "summary": f"/api/summary?{query}&by={by}",
        "exams": f"/api/exams?{query}",
        "dashboard": f"/dashboard/data?{query}",
    }


def _spec(query: str):
    from exams.query.filters import parse_query

    return parse_query(parse_qs(query))


def _label_of(period: str, key: int) -> str:
    from exams.analysis.frame.buckets import bucket_labels

    return bucket_labels(period=period, first=key, last=key)[0]


def _difference(result: dict, rows: list, period: str) -> float:
    """Return the largest |ours − DuckDB's| over the points both have."""
    ours = {}
    for one in result["series"]:
        for label, y, n in zip(result["x"], one["y"], one["n"], strict=True):
            # Empty buckets are filled in by the app (docs/API.md), not by SQL.
            if y is not None and n:
                ours[(one["name"], label)] = y
    theirs = {
        (g, _label_of(period, b)): v for g, b, v in rows if v is not None and b >= 0
    }
    if set(ours) != set(theirs):
        return math.inf
    return max((abs(ours[k] - theirs[k]) for k in ours), default=0.0)


def _summary_difference(result: dict, rows: list) -> float:
    """Return the largest |ours − DuckDB's| over exams and interval medians."""
    theirs = {g if g is not None else "All": row for g, *row in rows}
    worst = 0.0
    for entry in [*result["rows"], result["total"]]:
        other = theirs.get(entry["group"])
        if other is None:
            return math.inf
        worst = max(worst, abs(entry["exams"] - other[0]))
        for i, metric in enumerate(("order_to_complete", "complete_to_final")):
            median, quantiles = entry[metric]["median"], other[2 + 6 * i]
            if median is not None and quantiles is not None:
                worst = max(worst, abs(median - quantiles[0]))
    return worst


def run(*, rows: int, repeat: int, folder: Path, export: Path | None = None) -> dict:
    """Load an export in-process and time every step; return the figures."""
    import dataclasses

    from django.test import Client

    from exams import analysis, fields
    from exams.storage import preferences, store

    if export is None:
        export, _ = common.make_export(folder, rows=rows)
    dataset = store.load_paths([export])
    client = Client(HTTP_HOST="127.0.0.1")
    began = time.perf_counter()
    first = client.get("/api/series")
    first_ms = (time.perf_counter() - began) * 1000
    assert first.status_code == 200, first.content[:300]
    # The same rows the views answer from (a second copy, in this process).
    frame = analysis.prepare_frame(
        store.load_frame(dataset), shifts=preferences.get_shifts()
    )
    connection = duckdb_table(frame)
    targets = {m: target_sql(frame, m) for m in fields.INTERVALS}
    results = {"rows": len(frame), "first_series_ms": first_ms, "steps": []}
    print(
        f"\n{len(frame):,} exams loaded; first /api/series after load "
        f"(prepares the frame): {first_ms:.0f} ms"
    )
    print(
        f"\n{'step':<48} {'endpoint':<8} {'server':>8} {'compute':>8} "
        f"{'duckdb':>8} {'ratio':>6} {'max|diff|':>10}"
    )
    for label, query in STEPS:
        spec = _spec(query)
        by = spec.split if spec.split != "none" else "modality"
        summary_spec = dataclasses.replace(spec, by=by)
        cases = (
            (
                "series",
                f"/api/series?{query}",
                lambda spec=spec: analysis.build_series(frame, spec=spec),
                [series_sql(spec, targets.get(spec.metric, "NULL"))],
            ),
            (
                "summary",
                f"/api/summary?{query}&by={by}",
                lambda s=summary_spec: analysis.build_summary(frame, spec=s),
                [summary_sql(spec, by, targets.get(spec.metric, "NULL"))],
            ),
            (
                "exams",
                f"/api/exams?{query}",
                lambda spec=spec: analysis.build_exam_list(frame, spec=spec),
                list(exams_sql(spec)),
            ),
        )
        for endpoint, url, compute, sqls in cases:
            served, response = common.timed(lambda url=url: client.get(url), repeat)
            assert response.status_code == 200, (url, response.content[:300])
            computed, ours = common.timed(compute, repeat)
            duck, theirs = common.timed(
                lambda sqls=sqls: [connection.execute(q).fetchall() for q in sqls],
                repeat,
            )
            difference = ""
            if endpoint == "series":
                difference = f"{_difference(ours, theirs[0], spec.period):.3g}"
            elif endpoint == "summary":
                difference = f"{_summary_difference(ours, theirs[0]):.3g}"
            elif endpoint == "exams":
                same = ours["total"] == theirs[0][0][0] and [
                    r["accession"] for r in ours["rows"]
                ] == [r[0] for r in theirs[1]]
                difference = "same" if same else "DIFFERS"
            ratio = served.best / duck.best
            print(
                f"{label:<48} {endpoint:<8} {common.ms(served.best)} "
                f"{common.ms(computed.best)} {common.ms(duck.best)} {ratio:6.2f} "
                f"{difference:>10}"
            )
            results["steps"].append(
                {
                    "step": label,
                    "endpoint": endpoint,
                    "server_ms": served.best * 1000,
                    "server_median_ms": served.median * 1000,
                    "compute_ms": computed.best * 1000,
                    "duckdb_ms": duck.best * 1000,
                    "ratio": ratio,
                    "check": difference,
                }
            )
    steps = results["steps"]
    results["worst_server_ms"] = max(s["server_ms"] for s in steps)
    results["worst_ratio"] = max(s["ratio"] for s in steps)
    results["total_server_ms"] = sum(s["server_ms"] for s in steps)
    results["total_duckdb_ms"] = sum(s["duckdb_ms"] for s in steps)
    print(
        f"\nworst server time {results['worst_server_ms']:.1f} ms, worst ratio "
        f"{results['worst_ratio']:.2f}x; whole sequence "
        f"{results['total_server_ms']:.0f} ms vs DuckDB "
        f"{results['total_duckdb_ms']:.0f} ms "
        f"({results['total_server_ms'] / results['total_duckdb_ms']:.2f}x)"
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--exports", type=Path, help="folder of generated exports")
    args = parser.parse_args()
    with common.temp_dir() as folder:
        common.setup_django(folder / "data")
        common.print_machine(common.machine())
        print(f"load average at start: {common.load_average()}")
        exports = args.exports or folder
        results = run(rows=args.rows, repeat=args.repeat, folder=exports)
        print(f"load average at end: {common.load_average()}")
    common.save_results(f"refresh_{args.rows}", results)


if __name__ == "__main__":
    main()
