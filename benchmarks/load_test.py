"""A bounded load test of the running app on loopback: errors, latency, memory.

Run from the project root: ``.venv/bin/python benchmarks/load_test.py``
(``--rows N``, ``--clients N``, ``--rounds N``, ``--per-round N``).

It generates an export (sample_data/generate.py, 1M exams by default),
starts ``launcher.py`` on a fresh data dir and a free port on 127.0.0.1,
uploads the export, then sends rounds of mixed requests from ``--clients``
concurrent browser sessions: ``/api/series``, ``/api/summary``,
``/api/exams`` and ``/dashboard`` with varying filters, periods, metrics and
splits. Every round sends the same requests (shuffled), so a server that
keeps nothing per request has the same memory after each round. It stops by
itself and prints, per round, errors, p50/p95/max latency and the server's
resident memory; exit 1 on any error or if memory keeps growing.

The server runs with allocators that give freed memory back at once
(``MALLOC_MMAP_THRESHOLD_=131072`` for glibc, ``ARROW_DEFAULT_MEMORY_POOL=
system`` instead of pyarrow's mimalloc pool), so the memory after a round is
what the app keeps. As shipped (``--default-allocators``) freed temporaries
stay in those pools and memory climbs for several rounds towards the
high-water mark of the busiest moment, then holds: the allocators' growth,
not the app's.
"""

import argparse
import itertools
import os
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

# A leak of 85 KB a request (10 MB a round of 120) is the most that passes.
SLOPE_MB = 10.0
RETURNING_ALLOCATORS = {
    "MALLOC_MMAP_THRESHOLD_": "131072",
    "ARROW_DEFAULT_MEMORY_POOL": "system",
}


def build_requests(options: dict, *, count: int, seed: int) -> list[tuple[str, str]]:
    """Return ``count`` (kind, path) pairs with varied, valid filters."""
    rng = random.Random(seed)
    start = options["date_range"]["start"]
    end = options["date_range"]["end"]
    months = [f"{start[:4]}-{m:02d}" for m in range(1, 13)]

    def filters() -> list[tuple[str, str]]:
        query = []
        if rng.random() < 0.5 and options["modalities"]:
            for value in rng.sample(options["modalities"], rng.randint(1, 3)):
                query.append(("modality", value))
        if rng.random() < 0.3 and options["priorities"]:
            query.append(("priority", rng.choice(options["priorities"])))
        if rng.random() < 0.3 and options["patient_classes"]:
            query.append(("patient_class", rng.choice(options["patient_classes"])))
        if rng.random() < 0.2:
            query.append(("shift", rng.choice(options["shifts"])))
        if rng.random() < 0.2:
            query.append(("days", rng.choice(["weekday", "weekend"])))
        if rng.random() < 0.4:
            first, last = sorted(rng.sample(months, 2))
            query += [("start", f"{first}-01"), ("end", f"{last}-28")]
        elif rng.random() < 0.2:
            query += [("start", start), ("end", end)]
        return query

    metrics = ["volume", "order_to_complete", "complete_to_final", "order_to_final"]
    stats = ["median", "mean", "p90", "within"]
    periods = ["day", "week", "month", "quarter"]
    splits = ["none", "modality", "shift", "priority", "patient_class"]
    bys = ["modality", "shift", "priority", "patient_class", "physician"]
    sorts = ["completed_at", "-complete_to_final", "accession", "-order_to_final"]
    requests = []
    for _ in range(count):
        kind = rng.choices(
            ["series", "summary", "exams", "dashboard"], weights=[4, 3, 2, 1]
        )[0]
        query = filters()
        if kind in ("series", "dashboard"):
            stat = rng.choice(stats)
            query += [
                ("metric", rng.choice(metrics)),
                ("stat", stat),
                ("period", rng.choice(periods)),
                ("split", rng.choice(splits)),
            ]
            if stat == "within":
                query.append(("target", str(rng.choice([60, 240, 1440]))))
        elif kind == "summary":
            query.append(("by", rng.choice(bys)))
        else:
            query += [
                ("page", str(rng.randint(1, 5))),
                ("page_size", str(rng.choice([25, 50, 100]))),
                ("sort", rng.choice(sorts)),
            ]
        path = {"dashboard": "/dashboard"}.get(kind, f"/api/{kind}")
        requests.append((kind, f"{path}?{urlencode(query)}"))
    return requests


def run_round(
    port: int, requests: list[tuple[str, str]], *, clients: int, seed: int
) -> list[dict]:
    """Send the requests from ``clients`` sessions at once; return each result."""
    order = list(requests)
    random.Random(seed).shuffle(order)
    queue = list(reversed(order))
    lock = threading.Lock()
    results: list[dict] = []

    def work():
        client = common.Client(port)
        while True:
            with lock:
                if not queue:
                    return
                kind, path = queue.pop()
            began = time.perf_counter()
            try:
                status = client.request("GET", path, timeout=120).status
            except OSError as exc:
                status = f"{type(exc).__name__}"
            seconds = time.perf_counter() - began
            with lock:
                results.append(
                    {"kind": kind, "path": path, "status": status, "s": seconds}
                )

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def describe(results: list[dict]) -> dict:
    times = [r["s"] for r in results]
    return {
        "requests": len(results),
        "errors": sum(r["status"] != 200 for r in results),
        "p50_ms": 1000 * statistics.median(times),
        "p95_ms": 1000 * percentile(times, 0.95),
        "max_ms": 1000 * max(times),
    }


def memory_verdict(rss: list[float]) -> tuple[bool, str]:
    """Return whether memory stopped growing, and why.

    Memory rises for the first rounds (caches, allocator pools) and then
    holds, with ±20-60 MB of noise from round to round. After the first
    third of the rounds, the Theil-Sen slope (the median of the slopes
    between every two rounds, which one spike does not move) must stay under
    ``SLOPE_MB`` a round: a leak adds about the same every round.
    """
    settled = rss[max(1, len(rss) // 3) :]
    if len(settled) < 3:
        return True, "too few rounds to judge (use --rounds 6 or more)"
    slope = statistics.median(
        (b - a) / (j - i)
        for (i, a), (j, b) in itertools.combinations(enumerate(settled), 2)
    )
    return slope <= SLOPE_MB, (
        f"from round {len(rss) - len(settled) + 1}: {slope:+.1f} MB a round "
        f"(allowed {SLOPE_MB:.0f}); {rss[0]:.0f} -> {rss[-1]:.0f} MB in all"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--default-allocators",
        action="store_true",
        help="run the server's allocators as shipped (memory climbs to a plateau)",
    )
    args = parser.parse_args(argv)
    if not args.default_allocators:
        # Read by the server at start (launch_app passes our environment on).
        os.environ.update(RETURNING_ALLOCATORS)

    info = common.machine()
    common.print_machine(info)
    with common.temp_dir() as folder:
        began = time.perf_counter()
        export, counts = common.make_export(folder, rows=args.rows)
        print(
            f"export: {counts['rows_read']:,} rows, "
            f"{export.stat().st_size / common.MB:.0f} MB, "
            f"made in {time.perf_counter() - began:.1f} s"
        )
        with common.launch_app(folder / "data") as app:
            loader = app.client()
            uploaded = common.upload(loader, export)
            print(
                f"upload: {uploaded.seconds:.1f} s, "
                f"{uploaded.json()['rows_loaded']:,} exams loaded; "
                f"server RSS {common.peak_rss_mb(app.pid)[1]:.0f} MB"
            )
            options = loader.get("/api/options").json()
            requests = build_requests(options, count=args.per_round, seed=args.seed)
            rounds, rss, everything = [], [], []
            for number in range(1, args.rounds + 1):
                results = run_round(
                    app.port, requests, clients=args.clients, seed=args.seed + number
                )
                everything += results
                peak, now = common.peak_rss_mb(app.pid)
                rss.append(now)
                rounds.append({**describe(results), "rss_mb": now, "peak_mb": peak})
                row = rounds[-1]
                print(
                    f"round {number}: {row['requests']} requests, "
                    f"{row['errors']} errors, p50 {row['p50_ms']:.0f} ms, "
                    f"p95 {row['p95_ms']:.0f} ms, max {row['max_ms']:.0f} ms, "
                    f"RSS {now:.0f} MB (peak {peak:.0f} MB), "
                    f"load {common.load_average()}"
                )
    by_kind = defaultdict(list)
    for result in everything:
        by_kind[result["kind"]].append(result)
    kinds = {kind: describe(results) for kind, results in sorted(by_kind.items())}
    for kind, row in kinds.items():
        print(
            f"{kind:>9}: {row['requests']} requests, p50 {row['p50_ms']:.0f} ms, "
            f"p95 {row['p95_ms']:.0f} ms, max {row['max_ms']:.0f} ms"
        )
    errors = [r for r in everything if r["status"] != 200]
    for error in errors[:10]:
        print(f"error {error['status']}: {error['path']}")
    steady, why = memory_verdict(rss)
    print(f"memory: {'steady' if steady else 'GROWING'}; {why}")
    common.save_results(
        "load",
        {
            "machine": info,
            "rows": args.rows,
            "clients": args.clients,
            "rounds": rounds,
            "kinds": kinds,
            "errors": len(errors),
            "memory_steady": steady,
            "allocators": "as shipped"
            if args.default_allocators
            else RETURNING_ALLOCATORS,
        },
    )
    return 0 if not errors and steady else 1


if __name__ == "__main__":
    sys.exit(main())
