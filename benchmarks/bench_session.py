"""A manager's session: three uploads in a row, refreshes between, peak memory.

Run from the project root: ``.venv/bin/python benchmarks/bench_session.py``
(``--rows N``; ``--exports DIR`` reuses generated exports).

One server (launcher.py, fresh data dir, as a user starts it) gets three
different generated exports of ``--rows`` exams each (seeds 0, 1, 2: "this
year, last year, another site"), each upload followed by the dashboard and
the bench_refresh steps over HTTP. The figure is the server's peak resident
memory (``VmHWM``) over the whole session, printed after every stage beside
its reference from the same run: the peak after the first upload and its
refreshes (what one data set needs). The target is that the session peak
stays at the one-upload level: data sets no longer current are released.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
from bench_server import measure_refresh

TARGET_MB = 400
UPLOADS = 3


def run(*, exports: Path, folder: Path, rows: int) -> dict:
    files = [common.make_export(exports, rows=rows, seed=s)[0] for s in range(UPLOADS)]
    stages = []
    with common.launch_app(folder / "data-session") as app:
        client = app.client()
        client.get("/")
        idle, _ = common.peak_rss_mb(app.pid)
        stages.append({"stage": "idle", "peak_mb": idle, "rss_mb": idle})
        for number, export in enumerate(files, start=1):
            response = common.upload(client, export)
            if response.status != 201:
                raise RuntimeError(f"upload {number} answered {response.status}")
            peak, now = common.peak_rss_mb(app.pid)
            stages.append(
                {
                    "stage": f"upload {number}",
                    "seconds": response.seconds,
                    "peak_mb": peak,
                    "rss_mb": now,
                }
            )
            client.get("/dashboard")
            measure_refresh(client, repeat=1)
            peak, now = common.peak_rss_mb(app.pid)
            stages.append(
                {"stage": f"refreshes {number}", "peak_mb": peak, "rss_mb": now}
            )
    one = stages[2]["peak_mb"]
    session = stages[-1]["peak_mb"]
    return {
        "rows": rows,
        "stages": stages,
        "one_upload_peak_mb": one,
        "session_peak_mb": session,
        "target_mb": TARGET_MB,
    }


def report(results: dict) -> None:
    print(f"\n{'session stage':<20} {'s':>6} {'VmHWM MB':>9} {'RSS MB':>8}")
    for stage in results["stages"]:
        seconds = f"{stage['seconds']:6.2f}" if "seconds" in stage else " " * 6
        print(
            f"{stage['stage']:<20} {seconds} {stage['peak_mb']:9.0f} "
            f"{stage['rss_mb']:8.0f}"
        )
    print(
        f"\nsession peak over {UPLOADS} uploads of {results['rows']:,} rows: "
        f"{results['session_peak_mb']:.0f} MB (target ≤ {TARGET_MB} MB); "
        f"reference, same run: one upload and its refreshes "
        f"{results['one_upload_peak_mb']:.0f} MB "
        f"(session ÷ one upload "
        f"{results['session_peak_mb'] / results['one_upload_peak_mb']:.2f}×)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--exports", type=Path, help="folder of generated exports")
    args = parser.parse_args()
    common.print_machine(common.machine())
    print(f"load average at start: {common.load_average()}")
    with common.temp_dir() as folder:
        results = run(exports=args.exports or folder, folder=folder, rows=args.rows)
    report(results)
    print(f"load average at end: {common.load_average()}")
    common.save_results(f"session_{args.rows}", results)


if __name__ == "__main__":
    main()
