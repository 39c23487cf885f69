"""Run the whole benchmark suite (``make bench``) and sum it up against targets.

Each benchmark runs in its own process, in this order, sharing one temporary
folder of generated exports; their figures land in benchmarks/results/*.json
and their full output in benchmarks/results/last_run.log. At the end this
prints the table of results against the targets, what changed since the
previous run (benchmarks/results/summary.json, kept in the repository), and
redraws docs/benchmark-scaling.svg. About 45 minutes on 2 cores with the
10M-exam steps (their export is generated once, ~2 minutes, and kept in
TATVIZ_BENCH_DATA, by default bench-data beside the checkout).

``--only refresh,server`` runs some of them; ``--quick`` runs fewer repeats
and sizes (for trying things, not for BENCHMARKS.md).
"""

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import plot_scaling

BENCHES = {
    "ingest_parse": ["bench_ingest_parse.py", "--repeat", "3"],
    "analysis": ["bench_analysis.py"],
    "refresh": ["bench_refresh.py", "--repeat", "5"],
    # Issue 17: the same steps and DuckDB cross-check at 10M exams (the
    # export is made once in TATVIZ_BENCH_DATA and reused; ~5 minutes).
    "refresh_10m": ["bench_refresh.py", "--rows", "10000000", "--repeat", "1"],
    "server": ["bench_server.py", "--repeat", "3"],
    "first_chart": ["bench_first_chart.py", "--visits", "5"],
    "baseline": ["bench_baseline.py"],
    "scaling": ["bench_scaling.py"],
    # Issue 17: three uploads in a row with refreshes between (peak memory).
    "session": ["bench_session.py"],
    # Issue 17: the 10M export as 120 monthly exports through load_exports,
    # beside the one file (peak memory; ~3 minutes).
    "combine": ["bench_combine.py"],
    # Last: builds dist/TATviz first if there is none (make exe, ~1-2 min).
    "exe": ["bench_exe.py"],
}
QUICK = {
    "ingest_parse": ["--repeat", "1", "--rows", "200000"],
    "refresh": ["--repeat", "2"],
    "refresh_10m": ["--rows", "200000"],
    "server": ["--repeat", "1"],
    "first_chart": ["--visits", "3"],
    "baseline": ["--big", "0"],
    "scaling": ["--sizes", "10000,100000"],
    "session": ["--rows", "100000"],
    "combine": ["--rows", "200000", "--files", "12"],
    "exe": ["--starts", "2"],
}
# The scripts that share the generated exports.
SHARES_EXPORTS = {"server", "first_chart", "baseline", "scaling", "session", "combine"}
SUMMARY = common.RESULTS_DIR / "summary.json"
LOG = common.RESULTS_DIR / "last_run.log"


def run_bench(name: str, exports: Path, *, quick: bool, log) -> float:
    script, *args = BENCHES[name]
    command = [common.PYTHON, str(common.ROOT / "benchmarks" / script), *args]
    if quick:
        command += QUICK.get(name, [])
    if name in SHARES_EXPORTS:
        command += ["--exports", str(exports)]
    began = time.perf_counter()
    banner = f"\n=== {name}: {' '.join(command[1:])}"
    print(banner, flush=True)
    log.write(banner + "\n")
    with subprocess.Popen(
        command,
        cwd=common.ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        for line in process.stdout:
            print(line, end="", flush=True)
            log.write(line)
    if process.returncode:
        raise SystemExit(f"{name} failed (exit {process.returncode})")
    return time.perf_counter() - began


def _load(name: str) -> dict | None:
    path = common.RESULTS_DIR / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def summarize() -> list[dict]:
    """Return the headline figures with their targets (None: no target)."""
    rows = []

    def add(key, label, value, unit, target=None, better="lower"):
        met = None
        if target is not None and value is not None:
            met = value <= target if better == "lower" else value >= target
        rows.append(
            {
                "key": key,
                "label": label,
                "value": value,
                "unit": unit,
                "target": target,
                "better": better,
                "met": met,
            }
        )

    server = _load("server_1000000")
    if server:
        ingest = server["ingest"]
        add("upload_s", "upload 1M-row export → 201", ingest["upload_s"], "s")
        add("floor_s", "floor: transport + pyarrow read", ingest["floor_s"], "s")
        add("ingest_ratio", "ingest ÷ floor (wall)", ingest["ratio"], "x", 1.3)
        add("ingest_cpu_ratio", "ingest ÷ floor (CPU)", ingest["cpu_ratio"], "x")
        add(
            "first_dashboard_s",
            "first /dashboard after upload",
            ingest["first_dashboard_s"],
            "s",
        )
        add(
            "peak_mb",
            "server peak RSS, 1M exams",
            server["memory"]["peak_mb"],
            "MB",
            400,
        )
        page = server.get("page")
        if page:
            add(
                "page_kb",
                "dashboard page beyond Plotly's JS",
                page["other_bytes"] / 1024,
                "KB",
                300,
            )
            control = page.get("plotly_cache_control") or ""
            age = 0
            for part in control.split(","):
                if part.strip().startswith("max-age="):
                    age = int(part.strip().split("=")[1])
            add(
                "plotly_max_age_days",
                "Plotly JS cache max-age",
                age / 86400,
                "days",
                365,
                better="higher",
            )
            add(
                "first_chart_cold_ms",
                "first chart, first visit",
                page["first_chart_cold_ms"],
                "ms",
                1000,
            )
            if "first_chart_cold_cpu_ms" in page:
                add(
                    "first_chart_cold_cpu_ms",
                    "first chart, first visit, CPU (server + page)",
                    page["first_chart_cold_cpu_ms"],
                    "ms",
                    1000,
                )
                add(
                    "first_chart_full_plotly_ms",
                    "reference: same with full plotly.min.js",
                    page["first_chart_full_plotly_ms"],
                    "ms",
                )
                add(
                    "first_chart_full_plotly_cpu_ms",
                    "reference: same, CPU (server + page)",
                    page["first_chart_full_plotly_cpu_ms"],
                    "ms",
                )
            add(
                "first_chart_warm_ms",
                "first chart, Plotly cached",
                page["first_chart_warm_ms"],
                "ms",
            )
        if "report_bytes" in server:
            add(
                "report_mb",
                "report file, 1M exams",
                server["report_bytes"] / 1e6,
                "MB",
                1.5,
            )
        worst_http = max(
            step[f"{e}_ms"]
            for step in server["refresh_http"]
            for e in ("series", "summary", "exams")
        )
        add("refresh_http_worst_ms", "worst refresh, HTTP round trip", worst_http, "ms")
        worst_dash = max(step["dashboard_ms"] for step in server["refresh_http"])
        add(
            "dashboard_data_worst_ms",
            "worst /dashboard/data (page's refresh)",
            worst_dash,
            "ms",
        )
    refresh = _load("refresh_1000000")
    if refresh:
        add(
            "refresh_worst_ms",
            "worst refresh, server time",
            refresh["worst_server_ms"],
            "ms",
            100,
        )
        add(
            "refresh_worst_ratio",
            "worst refresh ÷ DuckDB",
            refresh["worst_ratio"],
            "x",
            1.5,
        )
        add(
            "refresh_total_ratio",
            "whole sequence ÷ DuckDB",
            refresh["total_server_ms"] / refresh["total_duckdb_ms"],
            "x",
        )
    baseline = _load("baseline")
    if baseline:
        slowest = min(s["naive_ms"] / s["tatviz_ms"] for s in baseline["steps"])
        add(
            "baseline_speedup",
            "speed-up over first design (100k, worst step)",
            slowest,
            "x",
            better="higher",
        )
    scaling = _load("scaling")
    if scaling and len(scaling["sizes"]) >= 2:
        big, bigger = scaling["sizes"][-2], scaling["sizes"][-1]
        growth = (bigger["upload_s"] / bigger["exams"]) / (
            big["upload_s"] / big["exams"]
        )
        add(
            "ingest_per_row_growth",
            f"ingest per exam, {bigger['exams']:,} ÷ {big['exams']:,}",
            growth,
            "x",
            1.1,
        )
        growth = (bigger["refresh_ms"] / bigger["exams"]) / (
            big["refresh_ms"] / big["exams"]
        )
        add(
            "refresh_per_row_growth",
            f"refresh per exam, {bigger['exams']:,} ÷ {big['exams']:,}",
            growth,
            "x",
            1.1,
        )
    big = _load("refresh_10000000")
    if big:
        add(
            "refresh_10m_worst_ms",
            f"worst refresh, server time, {big['rows']:,} exams",
            big["worst_server_ms"],
            "ms",
            1000,
        )
        add(
            "refresh_10m_worst_ratio",
            "worst refresh ÷ DuckDB, 10M",
            big["worst_ratio"],
            "x",
        )
        add(
            "refresh_10m_total_ratio",
            "whole sequence ÷ DuckDB, 10M",
            big["total_server_ms"] / big["total_duckdb_ms"],
            "x",
        )
        same = all(
            s["check"] in ("same", "0") or float(s["check"]) < 1e-9
            for s in big["steps"]
        )
        add(
            "refresh_10m_same",
            "10M answers equal DuckDB's (1 = yes)",
            float(same),
            "",
            1,
            better="higher",
        )
    if scaling:
        tenth = [s for s in scaling["sizes"] if s["rows"] >= 10_000_000]
        if tenth:
            add(
                "peak_10m_mb",
                "server peak RSS, 10M exams",
                tenth[-1]["peak_mb"],
                "MB",
                3000,
            )
            add(
                "upload_10m_ratio", "10M upload ÷ floor (wall)", tenth[-1]["ratio"], "x"
            )
            if "analysis_worst_ms" in tenth[-1]:
                add(
                    "views_10m_worst_ms",
                    "worst analysis request, 10M",
                    tenth[-1]["analysis_worst_ms"],
                    "ms",
                    1000,
                )
                add(
                    "page_10m_worst_ms",
                    "worst /dashboard/data, 10M",
                    tenth[-1]["dashboard_worst_ms"],
                    "ms",
                    1000,
                )
    combined = _load("combine_10000000_120")
    if combined:
        add(
            "peak_10m_120_mb",
            "load_exports peak, 10M as 120 exports",
            combined["many"]["peak_mb"],
            "MB",
            3000,
        )
        add(
            "peak_10m_one_mb",
            "load_exports peak, 10M as one export",
            combined["one"]["peak_mb"],
            "MB",
        )
    session = _load("session_1000000")
    if session:
        add(
            "session_peak_mb",
            "server peak RSS, 3 × 1M uploads + refreshes",
            session["session_peak_mb"],
            "MB",
            400,
        )
        add(
            "session_one_upload_mb",
            "reference: peak after the first upload + refreshes",
            session["one_upload_peak_mb"],
            "MB",
        )
    exe = _load("exe")
    if exe:
        add("exe_mb", "exe folder (dist/TATviz)", exe["folder_bytes"] / 1e6, "MB", 150)
        add("exe_archive_mb", "exe as .tar.gz", exe["archive_bytes"] / 1e6, "MB")
        ready = exe["ready"]
        add("ready_s", "exe start to ready (median)", ready["median_s"], "s", 1.0)
        add("ready_best_s", "exe start to ready (best)", ready["best_s"], "s", 1.0)
        add("ready_cpu_s", "exe start to ready (CPU)", ready["median_cpu_s"], "s", 1.0)
        if "page_median_s" in ready:
            add("first_page_s", "exe start to first page", ready["page_median_s"], "s")
            cpu = ready["page_median_cpu_s"]
            add("first_page_cpu_s", "exe start to first page (CPU)", cpu, "s")
    return rows


def _format(value, unit: str) -> str:
    if value is None:
        return "n/a"
    small = (unit == "s" and value < 100) or (unit == "MB" and value < 10)
    digits = 2 if unit == "x" or small else 0
    return f"{value:,.{digits}f} {unit}"


def print_summary(rows: list[dict], previous: dict) -> None:
    print("\n| result | value | target | met | last run | change |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        target = ""
        if row["target"] is not None:
            sign = "≤" if row["better"] == "lower" else "≥"
            target = f"{sign} {_format(row['target'], row['unit'])}"
        met = {True: "met", False: "NOT met", None: ""}[row["met"]]
        before = previous.get(row["key"])
        change = ""
        if before and row["value"] is not None:
            change = f"{(row['value'] / before - 1) * 100:+.0f}%"
        print(
            f"| {row['label']} | {_format(row['value'], row['unit'])} | {target} | "
            f"{met} | {_format(before, row['unit']) if before else ''} | {change} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated: " + ", ".join(BENCHES))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(BENCHES)
    info = common.machine()
    common.print_machine(info)
    print(f"load average at start: {common.load_average()}")
    common.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    previous = {}
    if SUMMARY.exists():
        previous = json.loads(SUMMARY.read_text(encoding="utf-8")).get("values", {})
    seconds = {}
    with common.temp_dir() as exports, open(LOG, "w", encoding="utf-8") as log:
        for name in names:
            seconds[name] = run_bench(name, exports, quick=args.quick, log=log)
    rows = summarize()
    print_summary(rows, previous)
    print(
        "\nbenchmark wall times: "
        + ", ".join(f"{name} {s:.0f} s" for name, s in seconds.items())
        + f"; load average at end: {common.load_average()}"
    )
    scaling = _load("scaling")
    if scaling and "scaling" in names:
        path = plot_scaling.write_svg(
            scaling["sizes"], title="TATviz: time against exams loaded"
        )
        print(f"scaling plot: {path.relative_to(common.ROOT)}")
    if not args.quick and not args.only:
        SUMMARY.write_text(
            json.dumps(
                {
                    "date": dt.datetime.now().isoformat(timespec="seconds"),
                    "machine": info,
                    "values": {r["key"]: r["value"] for r in rows},
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
