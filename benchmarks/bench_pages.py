"""Every dashboard and analysis request, in process, on a data dir already loaded.

Run from the project root on a data dir filled by ``load_exports``:
``TATVIZ_DATA_DIR=build/d10m .venv/bin/python benchmarks/bench_pages.py``.
Each request goes through Django's test client (middleware, parsing,
analysis, JSON or HTML); the figures are the first answer (wall and this
process's CPU: on a shared machine the CPU time is the steadier) and, with
``--repeat`` 2 or more, the best of the others ("again": work kept over
the whole frame reused), after a first request that reads the data set
and prepares its frame (timed apart).
``--profile URL`` prints a cProfile of one request instead. Memory: the
process's VmHWM at the end (includes the prepared frame and every cache).
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
from bench_refresh import STEPS, step_urls

ANALYSIS = (
    "/api/distribution",
    "/api/distribution?table=boxes&by=modality",
    "/api/heatmap",
    "/api/compare?against=previous",
    "/api/compare?against=last_year",
    "/api/overview",
    "/api/pareto",
    "/api/top_exams",
    "/api/pending",
    "/api/forecast",
    "/api/segments",
    "/api/control",
    "/overview",
    "/insights/distribution",
    "/insights/heatmap",
    "/insights/compare",
    "/insights/pareto",
    "/insights/pending",
    "/insights/forecast",
    "/insights/segments",
    "/insights/control",
    "/dashboard",
)


def urls() -> list[str]:
    """Return every request timed: the refresh steps' four, then the pages'."""
    result = []
    for _label, query in STEPS:
        result += step_urls(query).values()
    return result + list(ANALYSIS)


def peak_mb() -> float:
    """Return this process's VmHWM in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--profile", help="profile these URLs (space between)")
    parser.add_argument(
        "--sort", default="cumulative", help="cProfile's order for --profile"
    )
    parser.add_argument("--only", help="time only URLs containing this text")
    parser.add_argument(
        "--dump", type=Path, help="write each JSON answer here (to compare runs)"
    )
    parser.add_argument(
        "--peaks", action="store_true", help="say which requests raise the VmHWM"
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tatviz.settings")
    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    began = time.perf_counter()
    # Reads the data set and prepares its frame, and little else.
    first = client.get("/api/exams?page_size=1")
    assert first.status_code == 200, first.content[:300]
    print(f"load average: {common.load_average()}")
    print(f"first request (reads and prepares): {time.perf_counter() - began:.1f} s")
    if args.profile:
        for url in args.profile.split(" "):
            # The first time: kept work (exams.analysis.frame.memo) not yet there.
            profiler = cProfile.Profile()
            profiler.enable()
            response = client.get(url)
            profiler.disable()
            assert response.status_code == 200, response.content[:300]
            print(f"\n===== {url}")
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(45)
        return
    worst = 0.0
    answers = {}
    high = peak_mb()
    if args.peaks:
        print(f"peak after the first request: {high:.0f} MB (VmHWM)")
    for url in urls():
        if args.only and args.only not in url:
            continue
        walls, cpus = [], []
        for _ in range(args.repeat):
            began, used = time.perf_counter(), time.process_time()
            response = client.get(url)
            walls.append(time.perf_counter() - began)
            cpus.append(time.process_time() - used)
        # The first time, then again (work kept over the whole frame reused).
        best, cpu = walls[0], cpus[0]
        again = f"{min(walls[1:]) * 1000:9.0f} ms again" if len(walls) > 1 else ""
        assert response.status_code == 200, (url, response.content[:300])
        if response["Content-Type"].startswith("application/json"):
            answers[url] = json.loads(response.content)
        worst = max(worst, best)
        print(f"{best * 1000:9.0f} ms {cpu * 1000:7.0f} cpu {again}  {url}", flush=True)
        if args.peaks and peak_mb() > high:
            high = peak_mb()
            print(f"          peak now {high:.0f} MB (VmHWM)", flush=True)
    if args.dump:
        args.dump.write_text(json.dumps(answers, indent=1, sort_keys=True))
    print(f"worst {worst * 1000:.0f} ms; peak {peak_mb():.0f} MB (VmHWM)")
    print(f"load average: {common.load_average()}")


if __name__ == "__main__":
    main()
