"""The double-click program: its size on disk and its time to ready.

Run from the project root: ``.venv/bin/python benchmarks/bench_exe.py``
(``--build`` runs ``make exe`` first, ~1-2 min of both cores; without it
dist/TATviz is measured as it is, and built only if missing or older than
the sources).

- size: bytes of the one-folder build (dist/TATviz), a symlinked library
  counted once, as the user's disk holds it; and of the gzipped tar a user
  downloads.
- ready: seconds from starting the binary to its "TATviz running at" line,
  printed once ``/healthz`` answers (Django set up, the database migrated;
  the views are imported right after, while the browser opens, and a page
  asked for meanwhile waits for them). Once on a fresh data dir (first
  start: creates the database), then ``--starts`` times on it; wall time and
  the process's CPU time, which moves less with other work on a shared
  machine.
- first page: seconds from starting the binary to the answer of ``GET /``
  asked for as soon as it is ready (what a browser opened at that moment
  waits for), so a faster "ready" that only moved work later shows here.
"""

import argparse
import gzip
import http.client
import os
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

DIST = common.ROOT / "dist" / "TATviz"
BINARY = DIST / ("TATviz.exe" if os.name == "nt" else "TATviz")
RUNNING = "TATviz running at "
SOURCES = ("exams", "tatviz", "templates", "static", "launcher.py", "tatviz.spec")


def is_stale() -> bool:
    """Return True when no build exists or a source changed since it."""
    if not BINARY.exists():
        return True
    built = BINARY.stat().st_mtime
    for name in SOURCES:
        path = common.ROOT / name
        files = path.rglob("*") if path.is_dir() else [path]
        files = (f for f in files if "__pycache__" not in f.parts)
        if any(f.is_file() and f.stat().st_mtime > built for f in files):
            return True
    return False


def folder_bytes(folder: Path) -> int:
    """Return the bytes on disk, counting a symlinked library once."""
    files = (p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return sum(p.stat().st_size for p in files)


def archive_bytes(folder: Path, scratch: Path) -> int:
    """Return the size of the folder as a .tar.gz (symlinks kept)."""
    path = scratch / "TATviz.tar.gz"
    with (
        gzip.open(path, "wb", compresslevel=6) as packed,
        tarfile.open(fileobj=packed, mode="w") as tar,
    ):
        tar.add(folder, arcname=folder.name)
    return path.stat().st_size


def first_page(url: str) -> int:
    """GET / (and where it redirects); return the final status."""
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    path = "/"
    for _ in range(3):
        # http.client, not urllib: a configured HTTP proxy must not see loopback.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
        finally:
            conn.close()
        if response.status not in (301, 302, 303, 307, 308):
            return response.status
        path = response.getheader("Location", "/")
    return response.status


def start_once(data_dir: Path) -> dict:
    """Start the binary; return wall and CPU seconds to ready and to a page."""
    began = time.monotonic()
    process = subprocess.Popen(
        [str(BINARY), "--no-browser", "--port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        wall = time.monotonic() - began
        cpu = common.cpu_seconds(process.pid)
        if not line.startswith(RUNNING):
            raise RuntimeError(f"unexpected first line {line!r}")
        status = first_page(line.removeprefix(RUNNING).strip())
        if status != 200:
            raise RuntimeError(f"GET / answered {status}")
        return {
            "wall": wall,
            "cpu": cpu,
            "page_wall": time.monotonic() - began,
            "page_cpu": common.cpu_seconds(process.pid),
        }
    finally:
        process.terminate()
        process.wait(timeout=30)


def measure_ready(folder: Path, starts: int) -> dict:
    data_dir = folder / "data"
    first = start_once(data_dir)
    runs = [start_once(data_dir) for _ in range(starts)]
    walls = [run["wall"] for run in runs]
    pages = [run["page_wall"] for run in runs]
    return {
        "first_start_s": first["wall"],
        "first_start_cpu_s": first["cpu"],
        "median_s": statistics.median(walls),
        "best_s": min(walls),
        "median_cpu_s": statistics.median(run["cpu"] for run in runs),
        "walls_s": walls,
        "page_median_s": statistics.median(pages),
        "page_best_s": min(pages),
        "page_median_cpu_s": statistics.median(run["page_cpu"] for run in runs),
        "page_walls_s": pages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="run `make exe` first")
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    common.print_machine(common.machine())
    print(f"load average at start: {common.load_average()}")
    if args.build or is_stale():
        print("building the exe: make exe")
        subprocess.run(["make", "exe"], cwd=common.ROOT, check=True)
    with common.temp_dir() as folder:
        results = {
            "folder_bytes": folder_bytes(DIST),
            "archive_bytes": archive_bytes(DIST, folder),
            "ready": measure_ready(folder, args.starts),
        }
    ready = results["ready"]
    print(
        f"\nexe: dist/TATviz {results['folder_bytes'] / 1e6:.1f} MB on disk "
        f"(target ≤ 150 MB), {results['archive_bytes'] / 1e6:.1f} MB as .tar.gz"
    )
    print(
        f"time to ready: first start (new data dir) {ready['first_start_s']:.2f} s "
        f"({ready['first_start_cpu_s']:.2f} s CPU); then median "
        f"{ready['median_s']:.2f} s, best {ready['best_s']:.2f} s of "
        f"{args.starts} starts, median CPU {ready['median_cpu_s']:.2f} s "
        f"(target ≤ 1 s)"
    )
    print(
        f"start to first page (GET / as soon as ready): median "
        f"{ready['page_median_s']:.2f} s, best {ready['page_best_s']:.2f} s, "
        f"median CPU {ready['page_median_cpu_s']:.2f} s"
    )
    print(f"load average at end: {common.load_average()}")
    common.save_results("exe", results)


if __name__ == "__main__":
    main()
