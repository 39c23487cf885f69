"""Scaling: ingest, refresh and memory at 10k, 100k, 1M, 3M and 10M exams.

Run from the project root: ``.venv/bin/python benchmarks/bench_scaling.py``
(``--sizes 10000,100000`` to choose). For each size a generated export is
uploaded to a freshly started app (launcher.py) beside the floor of the same
run (do-nothing Django + waitress + pyarrow), then the bench_refresh steps
are asked over HTTP (series, summary, exams; best of two). Costs are printed
per row: a cost that grows no worse than linearly keeps its per-row figure
flat or falling as the size grows.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
from bench_server import measure_ingest, measure_refresh

SIZES = (10_000, 100_000, 1_000_000, 3_000_000, 10_000_000)
ENDPOINTS = ("series", "summary", "exams")
# The analysis pages' own requests, with their defaults (issue 17: every
# dashboard and analysis refresh under 1 s at 10M exams).
ANALYSIS = (
    "/api/distribution",
    "/api/heatmap",
    "/api/compare?against=previous",
    "/api/overview",
    "/api/pareto",
    "/api/top_exams",
    "/api/pending",
    "/api/forecast",
    "/api/segments",
    "/api/control",
    "/dashboard",
)


def measure_analysis(client: common.Client) -> dict:
    """Return url → ms (best of two) of each analysis request."""
    timings = {}
    for url in ANALYSIS:
        timing, response = common.timed(lambda url=url: client.get(url), 2)
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
        timings[url] = timing.best * 1000
    return timings


def measure_size(rows: int, *, folder: Path, exports: Path) -> dict:
    export, counts = common.make_export(exports, rows=rows)
    repeat = 1 if rows > 1_000_000 else 2
    ingest = measure_ingest(export, folder / f"size-{rows}", repeat)
    with common.launch_app(folder / f"size-{rows}" / "refresh") as app:
        client = app.client()
        common.upload(client, export)
        steps = measure_refresh(client, repeat=2)
        analysis = measure_analysis(client)
        peak_mb, _ = common.peak_rss_mb(app.pid)
    refresh_ms = sum(step[f"{e}_ms"] for step in steps for e in ENDPOINTS)
    worst_ms = max(step[f"{e}_ms"] for step in steps for e in ENDPOINTS)
    exams = ingest["rows_loaded"]
    return {
        "rows": rows,
        "exams": exams,
        "export_mb": export.stat().st_size / 1e6,
        "upload_s": ingest["upload_s"],
        "floor_s": ingest["floor_s"],
        "ratio": ingest["ratio"],
        "upload_cpu_s": ingest["upload_cpu_s"],
        "refresh_ms": refresh_ms,
        "refresh_worst_ms": worst_ms,
        "requests": len(steps) * len(ENDPOINTS),
        "dashboard_worst_ms": max(step["dashboard_ms"] for step in steps),
        "analysis_ms": analysis,
        "analysis_worst_ms": max(analysis.values()),
        "peak_mb": peak_mb,
        "idle_mb": ingest["idle_mb"],
    }


def print_table(sizes: list[dict]) -> None:
    print(
        f"\n{'exams':>10} {'MB':>5} {'upload s':>9} {'floor s':>8} {'ratio':>6} "
        f"{'µs/exam':>8} {'refresh ms':>11} {'ns/exam':>8} {'worst ms':>9} "
        f"{'peak MB':>8} {'KB/exam':>8} {'page ms':>8} {'views ms':>9}"
    )
    for size in sizes:
        exams = size["exams"]
        per_request = size["refresh_ms"] / size["requests"]
        print(
            f"{exams:>10,} {size['export_mb']:5.0f} {size['upload_s']:9.2f} "
            f"{size['floor_s']:8.2f} {size['ratio']:6.2f} "
            f"{size['upload_s'] / exams * 1e6:8.2f} {size['refresh_ms']:11.0f} "
            f"{per_request / exams * 1e6:8.1f} {size['refresh_worst_ms']:9.1f} "
            f"{size['peak_mb']:8.0f} "
            f"{(size['peak_mb'] - size['idle_mb']) * 1024 / exams:8.2f} "
            f"{size.get('dashboard_worst_ms', 0):8.0f} "
            f"{size.get('analysis_worst_ms', 0):9.0f}"
        )
    print(
        "refresh ms: all series + summary + exams requests of the step sequence; "
        "ns/exam: per request and exam; KB/exam: peak memory above the idle server; "
        "page ms: worst /dashboard/data; views ms: worst analysis request "
        "(target under 1 s at 10M)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--exports", type=Path, help="folder of generated exports")
    args = parser.parse_args()
    common.print_machine(common.machine())
    print(f"load average at start: {common.load_average()}")
    sizes = []
    with common.temp_dir() as folder:
        for rows in map(int, args.sizes.split(",")):
            sizes.append(
                measure_size(rows, folder=folder, exports=args.exports or folder)
            )
            print(
                f"{rows:,} rows: upload {sizes[-1]['upload_s']:.2f} s, refresh "
                f"sequence {sizes[-1]['refresh_ms']:.0f} ms"
            )
    print_table(sizes)
    print(f"load average at end: {common.load_average()}")
    common.save_results("scaling", {"sizes": sizes})


if __name__ == "__main__":
    main()
