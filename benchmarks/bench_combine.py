"""One export against the same exams as many monthly exports: time and peak memory.

Run from the project root: ``.venv/bin/python benchmarks/bench_combine.py``
(``--rows 10000000 --files 120`` by default; ``--exports DIR`` for where
smaller exports go). The generated export of ``--rows`` exams is cut in
order into ``--files`` exports (header + an equal share of the rows each,
kept beside the big export and reused), then ``manage.py load_exports``
loads the parts, and the whole export, each in a fresh data dir; then the
parts are uploaded to a fresh server (launcher.py) as the upload page sends
them (400 files a request at most: the rest are added to the data set).
Printed: each run's wall and CPU time and peak resident memory (each
process's ``VmHWM``), the parts' peak beside
the whole file's and beside 3 GB (issue 17), and whether all three loaded
the same exams (and both ``load_exports`` the same quality report).
"""

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

TARGET_MB = 3000
# Django's DATA_UPLOAD_MAX_NUMBER_FILES in tatviz/settings.py: more files
# go in a second request that adds them to the data set.
FILES_PER_UPLOAD = 400
_PER_FILE = re.compile(r"- .+: [\d,]+ rows, [\d,]+ added, ")


def cut(export: Path, *, files: int, folder: Path) -> list[Path]:
    """Cut ``export`` in order into ``files`` exports (reused when present)."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = [folder / f"part_{n:03d}.csv" for n in range(1, files + 1)]
    if all(p.exists() for p in parts):
        return parts
    with export.open("rb") as source:
        header = source.readline()
        lines = sum(1 for _ in source)
        share = -(-lines // files)
        source.seek(len(header))
        for path in parts:
            partial = path.with_suffix(".partial")
            with partial.open("wb") as out:
                out.write(header)
                for _, line in zip(range(share), source, strict=False):
                    out.write(line)
            partial.replace(path)
    return parts


def _cpu_seconds_at_exit(process: subprocess.Popen) -> float:
    """Wait for ``process``; return its CPU seconds (user + system)."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def load(paths: list[Path], *, data_dir: Path) -> dict:
    """Run ``load_exports`` on ``paths``; return its time, peak and report."""
    command = [common.PYTHON, "manage.py", "load_exports", *map(str, paths)]
    env = {**os.environ, "TATVIZ_DATA_DIR": str(data_dir)}
    began = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=common.ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    # The child's own high-water mark (VmHWM), read until it exits:
    # wait4's ru_maxrss also counts the pages it was forked with (this
    # process's, after generating a 10M export: ~10 GB).
    peak, done = [0.0], threading.Event()

    def watch() -> None:
        # No poll(): only wait4 below may reap the child (it gives its CPU).
        while not done.is_set():
            try:
                peak[0] = max(peak[0], common.peak_rss_mb(process.pid)[0])
            except (OSError, AttributeError):
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    output = process.stdout.read()
    cpu = _cpu_seconds_at_exit(process)
    done.set()
    watcher.join()
    wall = time.perf_counter() - began
    if process.returncode:
        raise RuntimeError(f"load_exports failed:\n{output}")
    lines = output.splitlines()
    return {
        "files": len(paths),
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_mb": peak[0],
        "exams": int(re.search(r"([\d,]+) exams loaded", lines[0])[1].replace(",", "")),
        # The quality report, without the file names and per-file lines.
        "report": [
            line
            for line in lines[1:]
            if line.startswith("- ") and not _PER_FILE.match(line)
        ],
    }


def upload(paths: list[Path], *, data_dir: Path) -> dict:
    """Upload ``paths`` through the API as the upload page does; return figures.

    The first `FILES_PER_UPLOAD` make the data set, the rest are added to it
    (the server then reads every file of the data set again).
    """
    with common.launch_app(data_dir) as app:
        client = app.client()
        client.get("/")
        began = time.perf_counter()
        first = client.post_files(
            "/api/datasets", paths[:FILES_PER_UPLOAD], timeout=3600
        )
        if first.status != 201:
            raise RuntimeError(f"upload answered {first.status}: {first.body[:300]}")
        summary = first.json()
        rest = paths[FILES_PER_UPLOAD:]
        if rest:
            added = client.post_files("/api/datasets/current/files", rest, timeout=3600)
            if added.status != 200:
                raise RuntimeError(
                    f"adding answered {added.status}: {added.body[:300]}"
                )
            summary = added.json()
        wall = time.perf_counter() - began
        peak, _ = common.peak_rss_mb(app.pid)
    return {
        "files": len(paths),
        "requests": 1 + bool(rest),
        "wall_s": wall,
        "peak_mb": peak,
        "exams": summary["rows_loaded"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--files", type=int, default=120)
    parser.add_argument("--exports", type=Path, default=None)
    parser.add_argument(
        "--no-upload",
        dest="upload",
        action="store_false",
        help="skip uploading the parts to a server (the upload page's path)",
    )
    args = parser.parse_args()
    common.print_machine(common.machine())
    print(f"load average at start: {common.load_average()}")
    with common.temp_dir() as folder:
        export, _ = common.make_export(args.exports or folder, rows=args.rows)
        parts = cut(
            export,
            files=args.files,
            folder=export.parent / f"{export.stem}.parts{args.files}",
        )
        many = load(parts, data_dir=folder / "data-parts")
        one = load([export], data_dir=folder / "data-one")
        page = upload(parts, data_dir=folder / "data-upload") if args.upload else None
    same = many["exams"] == one["exams"] and many["report"] == one["report"]
    same = same and (page is None or page["exams"] == one["exams"])
    for label, run in ((f"{args.files} exports", many), ("one export", one)):
        print(
            f"{label:>14}: {run['exams']:,} exams, {run['wall_s']:.1f} s wall, "
            f"{run['cpu_s']:.1f} s CPU, peak {run['peak_mb']:,.0f} MB"
        )
    print(
        f"{args.files} exports' peak ÷ one export's: "
        f"{many['peak_mb'] / one['peak_mb']:.2f}×; "
        f"beside the target: {many['peak_mb']:,.0f} MB "
        f"{'<' if many['peak_mb'] < TARGET_MB else '≥'} {TARGET_MB:,} MB"
    )
    if page:
        print(
            f"upload page ({page['requests']} requests): {page['exams']:,} exams, "
            f"{page['wall_s']:.1f} s wall, server peak {page['peak_mb']:,.0f} MB"
        )
    print(f"same exams and quality report: {'yes' if same else 'NO'}")
    print(f"load average at end: {common.load_average()}")
    common.save_results(
        f"combine_{args.rows}_{args.files}",
        {"rows": args.rows, "many": many, "one": one, "upload": page, "same": same},
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
