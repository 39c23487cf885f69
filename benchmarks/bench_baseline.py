"""The "before" picture: the seed's first design against TATviz, same exports.

Run from the project root: ``.venv/bin/python benchmarks/bench_baseline.py``
(``--rows N``; ``--big N`` also times one request of the naive design on a
larger export, 0 to skip).

The first design converted the uploaded CSV to a JSON list of records, kept
it in the session and, on every request, re-parsed it: ``json.loads``, a
pandas DataFrame, the dates parsed, then filter and group by month. It is
rebuilt here in a few lines, faithfully naive, and asked the dashboard
questions that its columns allow; TATviz answers the same ones over HTTP
(launcher.py, loaded with the same file).
"""

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

# Questions the seed layout's columns can answer (it has no modality column).
STEPS = (
    ("open: volume by month", ""),
    ("STAT only", "priority=STAT"),
    ("ED, report TAT median", "patient_class=ED&metric=complete_to_final"),
    (
        "Q2, total TAT median, split priority",
        "start=2025-04-01&end=2025-06-30&metric=order_to_final&split=priority",
    ),
)
HEADERS = {
    "completed_at": "Exam Complete Date/Tm",
    "ordered_at": "Exam Order Date/Time",
    "finalized_at": "Final Date/Tm",
    "priority": "Priority",
    "patient_class": "Patient Class",
}
INTERVALS = {
    "order_to_complete": ("ordered_at", "completed_at"),
    "complete_to_final": ("completed_at", "finalized_at"),
    "order_to_final": ("ordered_at", "finalized_at"),
}


def naive_upload(path: Path) -> str:
    """Return the session's copy of the export: its rows as JSON records."""
    with open(path, newline="", encoding="utf-8") as source:
        return json.dumps(list(csv.DictReader(source)))


def naive_request(session_json: str, query: str) -> dict:
    """Answer one series request the naive way: re-parse everything."""
    params = dict(p.split("=", 1) for p in query.split("&") if p)
    frame = pd.DataFrame(json.loads(session_json))
    for name in ("completed_at", "ordered_at", "finalized_at"):
        frame[name] = pd.to_datetime(
            frame[HEADERS[name]], format="%m/%d/%Y %H:%M", errors="coerce"
        )
    for name, (start, end) in INTERVALS.items():
        frame[name] = (frame[end] - frame[start]).dt.total_seconds() / 60
    for param in ("priority", "patient_class"):
        if param in params:
            frame = frame[frame[HEADERS[param]] == params[param]]
    if "start" in params:
        frame = frame[frame["completed_at"] >= params["start"]]
    if "end" in params:
        frame = frame[
            frame["completed_at"] < pd.Timestamp(params["end"]) + pd.Timedelta(days=1)
        ]
    month = frame["completed_at"].dt.strftime("%Y-%m")
    split = HEADERS.get(params.get("split", ""))
    keys = [month] if split is None else [frame[split], month]
    metric = params.get("metric", "volume")
    if metric == "volume":
        result = frame.groupby(keys).size()
    else:
        values = frame[metric].where(frame[metric] >= 0)
        result = values.groupby(keys).median()
    return {str(k): v for k, v in result.items()}


def run(*, rows: int, big: int, folder: Path, exports: Path) -> dict:
    export, _ = common.make_export(exports, rows=rows)
    session_json, upload_naive = None, 0.0
    began = time.perf_counter()
    session_json = naive_upload(export)
    upload_naive = time.perf_counter() - began
    results = {"rows": rows, "naive_upload_s": upload_naive, "steps": []}
    with common.launch_app(folder / "data-baseline") as app:
        client = app.client()
        upload = common.upload(client, export)
        results["tatviz_upload_s"] = upload.seconds
        for label, query in STEPS:
            naive, _ = common.timed(lambda q=query: naive_request(session_json, q), 2)
            ours, response = common.timed(
                lambda q=query: client.get(f"/api/series?{q}"), 3
            )
            assert response.status == 200, response.body[:200]
            results["steps"].append(
                {
                    "step": label,
                    "naive_ms": naive.best * 1000,
                    "tatviz_ms": ours.best * 1000,
                }
            )
    print(
        f"\n{rows:,}-row export ({export.stat().st_size / 1e6:.0f} MB): first design "
        f"(JSON in the session, re-parsed per request) vs TATviz over HTTP"
    )
    print(f"{'':<42} {'naive ms':>10} {'TATviz ms':>10} {'speed-up':>9}")
    print(
        f"{'upload (CSV → JSON | HTTP upload → 201)':<42} "
        f"{upload_naive * 1000:10.0f} {results['tatviz_upload_s'] * 1000:10.0f} "
        f"{upload_naive / results['tatviz_upload_s']:8.1f}x"
    )
    for step in results["steps"]:
        print(
            f"{step['step']:<42} {step['naive_ms']:10.0f} {step['tatviz_ms']:10.1f} "
            f"{step['naive_ms'] / step['tatviz_ms']:8.0f}x"
        )
    session_mb = len(session_json) / 1e6
    results["session_mb"] = session_mb
    print(f"session payload of the first design: {session_mb:.0f} MB of JSON per user")
    del session_json
    if big:
        export, _ = common.make_export(exports, rows=big)
        session_json = naive_upload(export)
        naive, _ = common.timed(lambda: naive_request(session_json, ""), 1)
        results["naive_big_request_s"] = naive.best
        results["big_rows"] = big
        print(
            f"first design at {big:,} rows: one request (volume by month) takes "
            f"{naive.best:.1f} s"
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--exports", type=Path, help="folder of generated exports")
    args = parser.parse_args()
    common.print_machine(common.machine())
    print(f"load average at start: {common.load_average()}")
    with common.temp_dir() as folder:
        results = run(
            rows=args.rows, big=args.big, folder=folder, exports=args.exports or folder
        )
    print(f"load average at end: {common.load_average()}")
    common.save_results("baseline", results)


if __name__ == "__main__":
    main()
